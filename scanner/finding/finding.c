/*
 * finding/finding.c - names of kinds and confidences.
 */
#include "finding/finding.h"

#include <string.h>

#include "base/compiler.h"

static const char *const kind_names[CRED_KIND_COUNT] = {
    [CRED_ACCESS_KEY_ID] = "access_key_id",
    [CRED_SECRET_ACCESS_KEY] = "secret_access_key",
    [CRED_SESSION_TOKEN] = "session_token",
    [CRED_SMTP_PASSWORD] = "smtp_password",
    [CRED_CONTEXT] = "context",
};

static const char *const confidence_names[] = { "low", "medium", "high" };

const char *cred_kind_name(enum cred_kind k)
{
    return (unsigned)k < CRED_KIND_COUNT ? kind_names[k] : "unknown";
}

bool cred_kind_parse(const char *s, enum cred_kind *out)
{
    for (unsigned i = 0; i < CRED_KIND_COUNT; i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum cred_kind)i;
            return true;
        }
    }
    return false;
}

const char *confidence_name(enum confidence c)
{
    return (unsigned)c <= CONF_HIGH ? confidence_names[c] : "unknown";
}

bool confidence_parse(const char *s, enum confidence *out)
{
    for (unsigned i = 0; i <= CONF_HIGH; i++) {
        if (strcmp(s, confidence_names[i]) == 0) {
            *out = (enum confidence)i;
            return true;
        }
    }
    return false;
}

const char *exposure_name(enum exposure e)
{
    static const char *const names[] = { "file", "head", "worktree", "branch", "history",
                                         "unreachable" };
    return (unsigned)e < ARRAY_SIZE(names) ? names[e] : "unknown";
}
