/*
 * verify/sigv4.h - AWS Signature Version 4 (AWS-NOTES §3), pure functions over OpenSSL.
 *
 * The caller supplies every header to sign (host, x-amz-date, content-type,
 * x-amz-security-token, ...); names are matched case-insensitively and signed in
 * lower case, values trimmed with inner whitespace runs collapsed. The path is
 * canonicalised (dot segments removed, URI-encoded keeping '/' and '~'), the query
 * string is split, each name and value URI-encoded and the pairs sorted.
 */
#ifndef SESAME_VERIFY_SIGV4_H
#define SESAME_VERIFY_SIGV4_H

#include <stddef.h>

#include "base/status.h"

struct sigv4_header {
    const char *name;
    const char *value;
};

struct sigv4_request {
    const char *method;            /* "GET", "POST" */
    const char *path;              /* "/" or "/v2/email/account"; raw, not yet encoded */
    const char *query;             /* "Action=ListUsers&Version=2010-05-08" or NULL/"" */
    const struct sigv4_header *headers;
    size_t n_headers;
    const unsigned char *body;
    size_t body_len;
};

struct sigv4_scope {
    const char *amz_date;          /* "20150830T123600Z" */
    const char *region;            /* "us-east-1" */
    const char *service;           /* "sts", "iam", "ses" */
};

struct sigv4_result {
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;          /* "content-type;host;x-amz-date" */
    char signature[65];
    char *authorization;           /* the Authorization header value */
};


/* Sign. STATUS_USAGE for malformed input (too many headers, bad date, oversize). */
enum status sigv4_sign(const struct sigv4_request *req, const char *access_key_id,
                       const char *secret, const struct sigv4_scope *scope,
                       struct sigv4_result *out);
void sigv4_result_release(struct sigv4_result *r);

/* kSigning = HMAC chain of "AWS4"+secret over date (8 chars), region, service,
 * "aws4_request". */
void sigv4_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, unsigned char out[32]);

/* Canonical URI of a raw path; canonical query string of a raw query. New strings. */
char *sigv4_canonical_uri(const char *path);
char *sigv4_canonical_query(const char *query);

/* Lower-case hex SHA-256 (65 bytes with NUL). */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
