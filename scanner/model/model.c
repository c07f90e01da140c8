/*
 * model/model.c - the names of the vocabulary (kinds, confidences, exposures, verifier
 * statuses) and the release of a verification.
 */
#include "model/cred.h"
#include "model/provenance.h"
#include "model/verification.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"

static const char *const kind_names[CRED_KIND_COUNT] = {
    [CRED_ACCESS_KEY_ID] = "access_key_id",
    [CRED_SECRET_ACCESS_KEY] = "secret_access_key",
    [CRED_SESSION_TOKEN] = "session_token",
    [CRED_SMTP_PASSWORD] = "smtp_password",
    [CRED_BEDROCK_API_KEY] = "bedrock_api_key",
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

const char *verify_status_name(enum verify_status s)
{
    static const char *const names[] = { "not_checked", "live",    "invalid", "wrong_secret",
                                         "expired",     "unknown", "skipped" };
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

void verification_free(struct verification *v)
{
    if (!v)
        return;
    free(v->reason);
    free(v->account);
    free(v->arn);
    free(v->user_id);
    free(v->last_used_service);
    free(v->last_used_region);
    free(v->last_used_via);
    free(v->last_used_error);
    for (size_t i = 0; i < v->n_ses; i++) {
        struct ses_state *s = &v->ses[i];
        free(s->region);
        free(s->error);
        free(s->enforcement);
        free(s->stats_error);
        free(s->review_status);
        free(s->review_case_id);
        free(s->suppressed_reasons);
        free(s->identities_error);
        for (size_t k = 0; k < s->n_identities; k++) {
            struct ses_identity *id = &s->identities[k];
            free(id->name);
            free(id->type);
            free(id->verification_status);
            free(id->policies_error);
            for (size_t j = 0; j < id->n_policies; j++) {
                free(id->policies[j].name);
                free(id->policies[j].principals);
                free(id->policies[j].conditions);
                free(id->policies[j].why);
            }
            free(id->policies);
        }
        free(s->identities);
    }
    free(v->ses);
    for (size_t i = 0; i < v->n_smtp; i++) {
        free(v->smtp[i].region);
        free(v->smtp[i].reason);
    }
    free(v->smtp);
    free(v);
}

static const char *const level_names[] = { "unknown", "below_review", "review", "pause_risk" };

const char *ses_level_name(enum ses_level l)
{
    return (unsigned)l < ARRAY_SIZE(level_names) ? level_names[l] : "unknown";
}

bool ses_level_parse(const char *s, enum ses_level *out)
{
    for (unsigned i = 0; s && i < ARRAY_SIZE(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum ses_level)i;
            return true;
        }
    }
    return false;
}

bool verification_sending_spam(const struct verification *v)
{
    for (size_t i = 0; v && i < v->n_ses; i++) {
        const struct ses_stats *st = &v->ses[i].stats;
        if (st->known && (st->bounce_level >= SES_LEVEL_REVIEW ||
                          st->complaint_level >= SES_LEVEL_REVIEW || st->spike_at > 0))
            return true;
    }
    return false;
}
