/*
 * verify/verify.h - opt-in, read-only liveness checks of found credentials.
 *
 * For each distinct credential with a secret: STS GetCallerIdentity (live / invalid /
 * wrong secret / expired / unknown, never merged), then for live keys IAM
 * GetAccessKeyLastUsed (with the operator's own credentials when configured, else with
 * the key itself) and the SES sending state (v1 GetSendQuota, v2 GetAccount) in the
 * regions that matter, with the sending evidence (v1 GetSendStatistics, sesv2
 * ListEmailIdentities and GetEmailIdentityPolicies: verify_ses.c); SES SMTP passwords
 * get an SMTP AUTH check (STARTTLS, AUTH, NOOP,
 * QUIT - never MAIL FROM). Nothing that changes state is ever called, and no mail is
 * sent. Endpoints follow the AWS SDK conventions (AWS_ENDPOINT_URL[_<SERVICE>],
 * AWS_CA_BUNDLE, AWS_REGION, AWS_STS_REGIONAL_ENDPOINTS, proxies), so tests point it at
 * a loopback fake; once any of the verifier's AWS endpoints is redirected, no credential
 * goes to a real AWS host (SMTP needs SESAME_SMTP_ENDPOINT, a service without its own
 * endpoint is not called: `unknown`, with the reason). Answers are read strictly
 * (verify/awsresp.h). Canary-token accounts are recognised offline and never contacted.
 */
#ifndef SESAME_VERIFY_VERIFY_H
#define SESAME_VERIFY_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "finding/finding.h"

struct env;

struct verify_opts {
    unsigned concurrency;        /* requests in flight (default 8) */
    unsigned timeout_ms;         /* per request (default 10000) */
    unsigned max_attempts;       /* per request, incl. retries (default 4) */
    unsigned rate_per_service;   /* requests per second per AWS account and service
                                  * (default 100; halved each time AWS throttles that
                                  * account; GetSendQuota and GetSendStatistics: at most
                                  * 1 per account and region, as AWS documents) */
    const char *const *skip_accounts; /* never contact keys of these accounts */
    size_t n_skip_accounts;
    const char *const *ses_regions;   /* --ses-regions */
    size_t n_ses_regions;
    const char *const *smtp_regions;  /* regions with an SES SMTP endpoint (rules data) */
    size_t n_smtp_regions;
    const char *audit_profile;   /* operator profile for IAM GetAccessKeyLastUsed */
    bool no_smtp;
    int64_t now;                 /* seconds since the epoch (tests pin it) */
    const struct env *env;       /* AWS_* endpoints, region, profiles, CA bundle,
                                  * SESAME_SMTP_ENDPOINT (read once by main.c) */
};

struct verify_stats {
    uint64_t credentials;        /* distinct credentials checked */
    uint64_t requests;           /* HTTP/SMTP requests sent (retries included) */
    uint64_t skipped;            /* examples, canaries, --skip-accounts */
    double seconds;
};

void verify_default_opts(struct verify_opts *o);

/* Verify every finding in place (finding->verification is set). Returns non-OK only
 * for setup failures (libcurl init); per-credential problems are statuses. */
enum status verify_findings(struct finding *const *findings, size_t n,
                            const struct verify_opts *o, struct verify_stats *stats);

/* Built-in list of canary-token AWS accounts (AWS-NOTES §1.6). */
bool verify_is_canary_account(const char *account);

#endif
