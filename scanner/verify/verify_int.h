/*
 * verify/verify_int.h - the verifier's endpoint resolution and the operator's
 * credentials: internal to verify/, declared here so that tests/unit/test_verify_env.c
 * tests the verifier's own functions rather than a copy. Other callers use verify.h.
 *
 * Everything here reads the environment the way the AWS SDKs do: AWS_REGION (else
 * AWS_DEFAULT_REGION, else us-east-1), AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
 * (ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), AWS_STS_REGIONAL_ENDPOINTS,
 * SESAME_SMTP_ENDPOINT, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, HOME.
 * An empty variable counts as unset.
 */
#ifndef SESAME_VERIFY_VERIFY_INT_H
#define SESAME_VERIFY_VERIFY_INT_H

#include <stddef.h>

struct env;

/* The environment the look-ups below read (verify_findings sets it from verify_opts). */
void verify_use_env(const struct env *e);
const char *verify_getenv(const char *name); /* NULL if unset or empty */

/* AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
const char *verify_client_region(void);
/* Host (caller frees) and path of an endpoint URL. */
char *verify_host_of(const char *url);
const char *verify_path_of(const char *url);

/* The services the verifier calls. */
enum service { SVC_STS, SVC_IAM, SVC_SES, SVC_SESV2, SVC_SMTP, SVC_COUNT };

/* AWS credentials; the secret is wiped by verify_creds_release. */
struct creds {
    char *id, *secret, *token;
};

/* The URL of a call to AWS service s (caller frees) and, in *sign_region, the region it
 * is signed for; `region` is the SES region asked about (SES calls). NULL for SVC_SMTP. */
char *verify_endpoint(enum service s, const char *region, const char **sign_region);

/* Why a call to AWS service s is not made (in buf), or NULL: some of the verifier's
 * AWS calls are redirected (AWS_ENDPOINT_URL_*) but not this service's. */
const char *verify_refused(enum service s, char *buf, size_t n);

/* Why an SMTP AUTH for `region` is not tried (in buf), or NULL: AWS calls are
 * redirected and SESAME_SMTP_ENDPOINT is not set. */
const char *verify_smtp_refused(const char *region, char *buf, size_t n);

/* The SMTP URL for `region` in buf: SESAME_SMTP_ENDPOINT, else SES's host. */
const char *verify_smtp_endpoint(const char *region, char *buf, size_t n);

/* Fill the parts of `c` still NULL from section [profile] (or [profile PROFILE]) of an
 * INI credentials or config file; a missing file changes nothing. */
void verify_creds_from_file(const char *path, const char *profile, struct creds *c);

/* The operator's credentials for IAM calls: with no audit_profile, the environment's
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when both are
 * set; else the profile (audit_profile, AWS_PROFILE, "default") of the shared
 * credentials file, then of the config file. All NULL unless an ID and a secret were
 * found. */
void verify_operator_creds(const char *audit_profile, struct creds *c);

/* Wipe the secret, free everything, zero `c`. */
void verify_creds_release(struct creds *c);

#endif
