/*
 * verify/awsresp.h - what an answer from AWS says, from its HTTP status, headers and
 * body: the answers of the read-only calls the verifier makes, and AWS's error
 * bodies, all read strictly.
 *
 * An answer is believed only if it is complete and well-formed: XML through awsxml_read
 * (the whole document, the expected root element, each field once), JSON through
 * json/json.h with duplicate keys rejected and nothing after the value, every field the
 * verifier relies on present with the right type. A body cut at the transport cap is
 * never an answer, and neither is an error body with a 2xx status or a success body
 * with another. Pure functions of their input (no I/O, no globals), so the verifier's
 * whole reading of responses is unit-tested and fuzzed (fuzz_verify_response). The only
 * JSON reader under verify/ (awsresp.c; the SES evidence answers in awsresp_ses.c).
 */
#ifndef SESAME_VERIFY_AWSRESP_H
#define SESAME_VERIFY_AWSRESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct awsresp_in {
    long status;            /* HTTP status */
    const char *body;       /* need not be NUL-terminated */
    size_t len;
    bool truncated;         /* the transport cut the body at its cap */
    const char *error_type; /* the x-amzn-ErrorType header, or NULL */
};

enum awsresp_result {
    AWSRESP_OK,        /* the call's answer: the out struct is filled */
    AWSRESP_AWS_ERROR, /* an AWS error: err->code (never empty) and err->message */
    AWSRESP_BAD,       /* anything else (a cut body, a proxy's page, two answers in one,
                        * an answer with a field missing): err->why says what */
};

/* Every string is NUL-terminated, printable ASCII or UTF-8 without control characters
 * (safe in any report), truncated to its buffer. */
struct awsresp_error {
    char code[128];
    char message[512];
    char why[256];
};

struct awsresp_sts {
    char arn[512];
    char account[16];  /* 12 digits */
    char user_id[256];
};

struct awsresp_iam {
    bool used;         /* a LastUsedDate was given */
    int64_t last_used; /* seconds since the epoch, when used */
    char service[128]; /* "N/A" when never used */
    char region[64];
};

struct awsresp_quota {
    double max_24h, max_rate, sent_24h;
};

struct awsresp_account {
    bool sandbox;          /* ProductionAccessEnabled false */
    bool sending_enabled;
    char enforcement[32];  /* EnforcementStatus, "" if absent */
    double max_24h, max_rate, sent_24h;
    char review_status[32];    /* Details.ReviewDetails.Status, "" if absent */
    char review_case_id[128];  /* Details.ReviewDetails.CaseId, "" if absent */
    char suppressed[64];       /* SuppressionAttributes.SuppressedReasons joined by ',' */
};

/* One GetSendStatistics data point (a 15-minute interval). */
struct awsresp_point {
    int64_t at;
    uint64_t attempts, bounces, complaints, rejects;
};

struct awsresp_stats {
    struct awsresp_point *points; /* heap; awsresp_stats_release frees it */
    size_t n;
};

struct awsresp_identity {
    char name[320];
    char type[32];
    int sending_enabled;   /* 1, 0, -1 absent */
    char status[32];       /* VerificationStatus, "" if absent */
};

struct awsresp_identities {
    struct awsresp_identity *items; /* heap; awsresp_identities_release frees it */
    size_t n;
    char next_token[1024]; /* "" on the last page */
};

/* What a sending-authorization policy allows (see awsresp_policy_read). */
struct awsresp_policy {
    char name[128];
    int open;              /* 1, 0, -1 (unreadable) */
    char principals[512];  /* who may send, ','-separated; "" if nobody */
    char conditions[256];  /* condition keys of the allowing statements, ','-separated */
    char why[256];
};

struct awsresp_policies {
    struct awsresp_policy *items; /* heap, sorted by name; awsresp_policies_release */
    size_t n;
};

/* STS GetCallerIdentity (AWS-NOTES §4.2, §4.4). */
enum awsresp_result awsresp_sts(const struct awsresp_in *in, struct awsresp_sts *out,
                                struct awsresp_error *err);

/* IAM GetAccessKeyLastUsed (§5.1). */
enum awsresp_result awsresp_iam(const struct awsresp_in *in, struct awsresp_iam *out,
                                struct awsresp_error *err);

/* SES v1 GetSendQuota (§6.1). */
enum awsresp_result awsresp_ses_quota(const struct awsresp_in *in, struct awsresp_quota *out,
                                      struct awsresp_error *err);

/* SES v2 GetAccount, REST-JSON (§6.1). */
enum awsresp_result awsresp_sesv2_account(const struct awsresp_in *in,
                                          struct awsresp_account *out,
                                          struct awsresp_error *err);

/* SES v1 GetSendStatistics (AWS-NOTES §9): every member with a Timestamp and the four
 * counts as non-negative integers; at most LIMIT_SES_DATA_POINTS. out->points is
 * allocated only on AWSRESP_OK. */
enum awsresp_result awsresp_ses_stats(const struct awsresp_in *in, struct awsresp_stats *out,
                                      struct awsresp_error *err);
void awsresp_stats_release(struct awsresp_stats *s);

/* sesv2 ListEmailIdentities (one page; at most 1000 identities, AWS's page maximum). */
enum awsresp_result awsresp_sesv2_identities(const struct awsresp_in *in,
                                             struct awsresp_identities *out,
                                             struct awsresp_error *err);
void awsresp_identities_release(struct awsresp_identities *s);

/* sesv2 GetEmailIdentityPolicies: each policy of the Policies map read with
 * awsresp_policy_read (`account`: the identity's own account, or NULL); at most
 * LIMIT_SES_POLICIES. A policy that is not a readable IAM policy is one with open -1,
 * not a bad answer. */
enum awsresp_result awsresp_sesv2_policies(const struct awsresp_in *in, const char *account,
                                           struct awsresp_policies *out,
                                           struct awsresp_error *err);
void awsresp_policies_release(struct awsresp_policies *s);

/* What a sending-authorization policy (IAM policy JSON) allows: open when an Allow
 * statement lets a principal other than `account` use ses:SendEmail or
 * ses:SendRawEmail (wildcards and NotAction count) with no condition on
 * ses:FromAddress, ses:FeedbackAddress, ses:Recipients, aws:SourceIp, aws:SourceVpc,
 * aws:SourceVpce, aws:SourceAccount or aws:SourceArn, and no Deny statement narrows
 * it: a Deny of sending that covers each of those principals (Principal "*", naming
 * them, or a NotPrincipal that does not) either outright or under a condition on one of
 * those keys (StringNotLike ses:FromAddress, NotIpAddress aws:SourceIp, ...). */
void awsresp_policy_read(const char *text, size_t len, const char *account,
                         struct awsresp_policy *out);

#endif
