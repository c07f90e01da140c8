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

/* Where an SES rate stands against AWS's published thresholds (AWS-NOTES §9): bounces
 * 5 % -> account under review, 10 % -> sending may be paused; complaints 0.1 % / 0.5 %. */
enum ses_level { SES_LEVEL_UNKNOWN = 0, SES_LEVEL_OK, SES_LEVEL_REVIEW, SES_LEVEL_PAUSE };

/* "unknown", "below_review", "review", "pause_risk". */
const char *ses_level_name(enum ses_level l);
bool ses_level_parse(const char *s, enum ses_level *out);

/* SES v1 GetSendStatistics of one region (15-minute intervals, last two weeks), summed. */
struct ses_stats {
    bool known;                /* a complete answer was read */
    uint64_t points;           /* intervals AWS returned (only those with activity) */
    uint64_t sent_24h, sent_14d; /* delivery attempts */
    uint64_t bounces_14d, complaints_14d, rejects_14d;
    double bounce_rate, complaint_rate; /* fractions over 14 days; 0 when nothing sent */
    enum ses_level bounce_level, complaint_level;
    int64_t spike_at;          /* start of the first interval with unusual volume, or 0 */
    uint64_t spike_attempts;   /* its delivery attempts */
    double spike_baseline;     /* the per-interval median it was compared with */
};

/* A sending-authorization policy on an SES identity (sesv2 GetEmailIdentityPolicies). */
struct ses_policy {
    char *name;
    int open;         /* 1: lets another principal send with no restricting condition;
                       * 0: it does not; -1: the policy could not be read */
    char *principals; /* who may send: "*" or ARNs/accounts, comma-separated */
    char *conditions; /* condition keys of the allowing statements, comma-separated, or NULL */
    char *why;        /* one sentence: what it allows, or why it could not be read */
};

/* A verified identity (sesv2 ListEmailIdentities). */
struct ses_identity {
    char *name;                /* domain or address */
    char *type;                /* DOMAIN, EMAIL_ADDRESS, MANAGED_DOMAIN */
    int sending_enabled;       /* 1, 0, -1 unknown */
    char *verification_status; /* SUCCESS, PENDING, FAILED, ... or NULL */
    struct ses_policy *policies;
    size_t n_policies;
    char *policies_error;      /* "not visible (AccessDenied)", ... or NULL */
};

struct ses_state {
    char *region;
    char *error;          /* why the state could not be read (AccessDenied, ...), or NULL */
    int sandbox;          /* 1 sandbox, 0 production, -1 unknown */
    int sending_enabled;  /* 1, 0, -1 unknown */
    char *enforcement;    /* HEALTHY, PROBATION, SHUTDOWN, or NULL */
    bool have_quota;
    double max_24h, max_rate, sent_24h;
    /* Sending evidence (issue 18). */
    struct ses_stats stats;
    char *stats_error;         /* why GetSendStatistics could not be read, or NULL */
    char *review_status;       /* GetAccount Details.ReviewDetails.Status, or NULL */
    char *review_case_id;
    char *suppressed_reasons;  /* SuppressionAttributes.SuppressedReasons, "BOUNCE,COMPLAINT" */
    struct ses_identity *identities;
    size_t n_identities;
    bool identities_listed;    /* ListEmailIdentities answered (possibly with none) */
    bool identities_truncated; /* more identities than LIMIT_SES_IDENTITIES */
    char *identities_error;    /* "not visible (AccessDenied)", ... or NULL */
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

/* True if SES evidence says the key is sending spam now: a bounce or complaint rate at
 * or over the review threshold, or a volume spike, in any region. */
bool verification_sending_spam(const struct verification *v);

#endif
