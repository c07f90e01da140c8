/*
 * model/cred.h - the vocabulary of credentials: kinds of parts and confidence.
 *
 * Plain types and their names, below every stage: rules, match, sources, findings,
 * verify, rank and reports all speak them. No behaviour beyond naming.
 */
#ifndef SESAME_MODEL_CRED_H
#define SESAME_MODEL_CRED_H

#include <stdbool.h>

enum cred_kind {
    CRED_ACCESS_KEY_ID = 0,
    CRED_SECRET_ACCESS_KEY,
    CRED_SESSION_TOKEN,
    CRED_SMTP_PASSWORD,
    CRED_BEDROCK_API_KEY, /* Amazon Bedrock API key: ABSK... (long-term) or bedrock-api-key-... */
    CRED_CONTEXT, /* not a credential: context that anchors proximity rules */
    CRED_KIND_COUNT
};

enum confidence { CONF_LOW = 0, CONF_MEDIUM, CONF_HIGH };

/* "access_key_id", "secret_access_key", "session_token", "smtp_password",
 * "bedrock_api_key", "context". */
const char *cred_kind_name(enum cred_kind k);
/* Parse a kind name; false if unknown. */
bool cred_kind_parse(const char *s, enum cred_kind *out);
const char *confidence_name(enum confidence c); /* "low", "medium", "high" */
bool confidence_parse(const char *s, enum confidence *out);

#endif
