/*
 * model/verification.h - what the verifier found out about a credential.
 *
 * Filled by verify/, read by rank/ and report/, loaded back by finding/load.c.
 */
#ifndef SESAME_MODEL_VERIFICATION_H
#define SESAME_MODEL_VERIFICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Result of the opt-in verifier (verify/verify.h). */
enum verify_status {
    VERIFY_NOT_CHECKED = 0,
    VERIFY_LIVE,         /* the key works: STS answered with an identity */
    VERIFY_INVALID,      /* InvalidClientTokenId: key ID unknown, deleted or inactive */
    VERIFY_WRONG_SECRET, /* SignatureDoesNotMatch: the key ID exists, this secret is wrong */
    VERIFY_EXPIRED,      /* ExpiredToken: a temporary credential past its lifetime */
    VERIFY_UNKNOWN,      /* network, TLS, proxy, 5xx, throttling, clock skew: no verdict */
    VERIFY_SKIPPED,      /* not contacted: example, canary account, --skip-accounts */
};

/* "not_checked", "live", "invalid", "wrong_secret", "expired", "unknown", "skipped". */
const char *verify_status_name(enum verify_status s);

struct ses_state {
    char *region;
    char *error;          /* why the state could not be read (AccessDenied, ...), or NULL */
    int sandbox;          /* 1 sandbox, 0 production, -1 unknown */
    int sending_enabled;  /* 1, 0, -1 unknown */
    char *enforcement;    /* HEALTHY, PROBATION, SHUTDOWN, or NULL */
    bool have_quota;
    double max_24h, max_rate, sent_24h;
};

struct smtp_check {
    enum verify_status status; /* live (235 seen), invalid (535), unknown */
    char *region;         /* where it authenticated, or NULL */
    char *reason;
};

struct verification {
    enum verify_status status;
    char *reason;         /* error code or why it was skipped / unknown */
    char *account;        /* from STS (or decoded offline) */
    char *arn;
    char *user_id;
    bool last_used_known;
    int64_t last_used;    /* 0 when never used */
    char *last_used_service; /* "ses", "ses-smtp", "s3", "N/A" */
    char *last_used_region;
    char *last_used_via;  /* "operator" or "key" */
    char *last_used_error; /* AccessDenied etc. */
    struct ses_state *ses;
    size_t n_ses;
    struct smtp_check *smtp; /* one per finding.smtp_passwords */
    size_t n_smtp;
    int64_t checked_at;
};

void verification_free(struct verification *v); /* NULL is a no-op */

#endif
