/*
 * verify/awsresp.h - what an answer from AWS says, from its HTTP status, headers and
 * body: the answers of the four read-only calls the verifier makes, and AWS's error
 * bodies, all read strictly.
 *
 * An answer is believed only if it is complete and well-formed: XML through awsxml_read
 * (the whole document, the expected root element, each field once), JSON through
 * json/json.h with duplicate keys rejected and nothing after the value, every field the
 * verifier relies on present with the right type. A body cut at the transport cap is
 * never an answer, and neither is an error body with a 2xx status or a success body
 * with another. Pure functions of their input (no I/O, no globals), so the verifier's
 * whole reading of responses is unit-tested and fuzzed (fuzz_verify_response). The only
 * JSON reader under verify/.
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

#endif
