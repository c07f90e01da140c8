/*
 * aws/bedrock.h - what an Amazon Bedrock API key says about itself, decoded offline.
 *
 * Two shapes (checked against the AWS token generators and keys published by mistake):
 * - long-term: "ABSK" + base64("BedrockAPIKey-XXXX-at-ACCOUNT:PASSWORD"), the IAM
 *   service-specific credential of an IAM user: its service user name and account ID;
 * - short-term: "bedrock-api-key-" + base64 of a SigV4 presigned URL without its scheme,
 *   "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Credential=AKID%2FDATE%2F
 *   REGION%2Fbedrock%2Faws4_request&X-Amz-Date=...&X-Amz-Expires=...
 *   [&X-Amz-Security-Token=...]&X-Amz-Signature=...&Version=1": the access key ID that
 *   signed it, its region, and when it expires.
 * Never contacts AWS.
 */
#ifndef SESAME_AWS_BEDROCK_H
#define SESAME_AWS_BEDROCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bedrock_type { BEDROCK_UNKNOWN = 0, BEDROCK_LONG_TERM, BEDROCK_SHORT_TERM };

struct bedrock_info {
    enum bedrock_type type;
    char service_user[64]; /* long-term: "BedrockAPIKey-xxxx", or "" */
    char account_id[13];   /* long-term: the account of that user, or "" */
    char key_id[21];       /* short-term: the access key ID in X-Amz-Credential, or "" */
    char region[32];       /* short-term: its region, or "" */
    int64_t expires;       /* short-term: X-Amz-Date + X-Amz-Expires (Unix time), or 0 */
    bool has_token;        /* short-term: signed with a session token (X-Amz-Security-Token) */
};

/* Decode `value` (the whole key as matched). Returns false, with out->type
 * BEDROCK_UNKNOWN, when it is not a well-formed key of either shape. */
bool aws_bedrock_decode(const char *value, size_t len, struct bedrock_info *out);

const char *aws_bedrock_type_name(enum bedrock_type t); /* "long-term", "short-term", "unknown" */

#endif
