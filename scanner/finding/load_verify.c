/*
 * finding/load_verify.c - a report's "verification" object back into a verification
 * (the inverse of report_json_verification), for `sesame remediate`.
 *
 * The report is untrusted: every field is type-checked, a field of the wrong type is
 * left unknown (NULL, -1, not known) rather than guessed, and lists are bounded by the
 * verifier's own caps.
 */
#include "finding/load.h"

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "json/json.h"

static char *str(const struct jv *o, const char *key)
{
    const char *s = jv_string(jv_get(o, key), NULL);
    return s ? xstrdup(s) : NULL;
}

static int tristate(const struct jv *v)
{
    return jv_is_bool(v) ? jv_is_true(v) : -1;
}

static uint64_t count(const struct jv *o, const char *key)
{
    int64_t v = jv_integer(jv_get(o, key), 0);
    return v > 0 ? (uint64_t)v : 0;
}

static double real(const struct jv *o, const char *key)
{
    double v = 0;
    return jv_number(jv_get(o, key), &v) && v >= 0 ? v : 0;
}

/* An array of strings back into a ','-separated list, or NULL if empty. */
static char *csv(const struct jv *a)
{
    size_t n = 0, len = 0;
    char *out;

    for (size_t i = 0; i < jv_len(a); i++) {
        const char *s = jv_string(jv_at(a, i), NULL);
        if (s && !strchr(s, ',')) {
            len += strlen(s) + 1;
            n++;
        }
    }
    if (!n)
        return NULL;
    out = xcalloc(len + 1, 1);
    len = 0;
    for (size_t i = 0; i < jv_len(a); i++) {
        const char *s = jv_string(jv_at(a, i), NULL);
        if (s && !strchr(s, ',')) {
            size_t l = strlen(s);
            if (len)
                out[len++] = ',';
            memcpy(out + len, s, l);
            len += l;
        }
    }
    return out;
}

static void stats(const struct jv *o, struct ses_stats *st)
{
    const struct jv *spike = jv_get(o, "unusual_volume");

    if (!jv_is_object(o))
        return;
    st->known = true;
    st->points = count(o, "data_points");
    st->sent_24h = count(o, "sent_last_24_hours");
    st->sent_14d = count(o, "sent_last_14_days");
    st->bounces_14d = count(o, "bounces");
    st->complaints_14d = count(o, "complaints");
    st->rejects_14d = count(o, "rejects");
    st->bounce_rate = real(o, "bounce_rate");
    st->complaint_rate = real(o, "complaint_rate");
    if (!ses_level_parse(jv_string(jv_get(o, "bounce_level"), NULL), &st->bounce_level))
        st->bounce_level = SES_LEVEL_UNKNOWN;
    if (!ses_level_parse(jv_string(jv_get(o, "complaint_level"), NULL), &st->complaint_level))
        st->complaint_level = SES_LEVEL_UNKNOWN;
    if (jv_is_object(spike)) {
        st->spike_at = load_iso_time(jv_get(spike, "interval_start"));
        st->spike_attempts = count(spike, "delivery_attempts");
        st->spike_baseline = real(spike, "usual_per_interval");
    }
}

static void identity(const struct jv *o, struct ses_identity *id)
{
    const struct jv *pols = jv_get(o, "policies");
    size_t n = jv_len(pols) < LIMIT_SES_POLICIES ? jv_len(pols) : LIMIT_SES_POLICIES;

    id->name = str(o, "name");
    id->type = str(o, "type");
    id->sending_enabled = tristate(jv_get(o, "sending_enabled"));
    id->verification_status = str(o, "verification_status");
    id->policies_error = str(o, "policies_error");
    id->policies = xcalloc(n + 1, sizeof(*id->policies));
    for (size_t i = 0; i < n; i++) {
        const struct jv *p = jv_at(pols, i);
        struct ses_policy *sp = &id->policies[id->n_policies];
        if (!jv_is_object(p))
            continue;
        sp->name = str(p, "name");
        sp->open = tristate(jv_get(p, "open"));
        sp->principals = csv(jv_get(p, "principals"));
        sp->conditions = csv(jv_get(p, "conditions"));
        sp->why = str(p, "why");
        id->n_policies++;
    }
}

static void ses(const struct jv *e, struct ses_state *s)
{
    const struct jv *ids = jv_get(e, "identities");
    size_t n = jv_len(ids) < LIMIT_SES_IDENTITIES ? jv_len(ids) : LIMIT_SES_IDENTITIES;
    double x;

    s->region = str(e, "region");
    s->error = str(e, "error");
    s->sandbox = tristate(jv_get(e, "sandbox"));
    s->sending_enabled = tristate(jv_get(e, "sending_enabled"));
    s->enforcement = str(e, "enforcement_status");
    if (jv_number(jv_get(e, "max_24_hour_send"), &x)) {
        s->have_quota = true;
        s->max_24h = x;
        s->max_rate = real(e, "max_send_rate");
        s->sent_24h = real(e, "sent_last_24_hours");
    }
    stats(jv_get(e, "sending_statistics"), &s->stats);
    s->stats_error = str(e, "statistics_error");
    s->review_status = str(e, "review_status");
    s->review_case_id = str(e, "review_case_id");
    s->suppressed_reasons = csv(jv_get(e, "suppressed_reasons"));
    s->identities_listed = jv_is_true(jv_get(e, "identities_listed"));
    s->identities_truncated = jv_is_true(jv_get(e, "identities_truncated"));
    s->identities_error = str(e, "identities_error");
    s->identities = xcalloc(n + 1, sizeof(*s->identities));
    for (size_t i = 0; i < n; i++) {
        if (!jv_is_object(jv_at(ids, i)))
            continue;
        identity(jv_at(ids, i), &s->identities[s->n_identities++]);
    }
}

struct verification *load_verification(const struct jv *o)
{
    static const char *const names[] = { "not_checked", "live",    "invalid", "wrong_secret",
                                         "expired",     "unknown", "skipped" };
    const char *st = jv_string(jv_get(o, "status"), NULL);
    const struct jv *lu = jv_get(o, "last_used"), *arr = jv_get(o, "ses");
    struct verification *v;

    if (!jv_is_object(o))
        return NULL;
    v = xcalloc(1, sizeof(*v));
    v->status = VERIFY_UNKNOWN;
    for (size_t i = 0; st && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(st, names[i]) == 0)
            v->status = (enum verify_status)i;
    v->reason = str(o, "reason");
    v->account = str(o, "account");
    v->arn = str(o, "arn");
    v->user_id = str(o, "user_id");
    if (jv_is_object(lu)) {
        v->last_used_known = true;
        v->last_used = load_iso_time(jv_get(lu, "date"));
        v->last_used_service = str(lu, "service");
        v->last_used_region = str(lu, "region");
        v->last_used_via = str(lu, "via");
    }
    v->last_used_error = str(o, "last_used_error");
    v->checked_at = load_iso_time(jv_get(o, "checked_at"));
    v->ses = xcalloc(jv_len(arr) + 1, sizeof(*v->ses));
    for (size_t i = 0; i < jv_len(arr) && i < 64; i++) {
        if (!jv_is_object(jv_at(arr, i)) || !jv_string(jv_get(jv_at(arr, i), "region"), NULL))
            continue;
        ses(jv_at(arr, i), &v->ses[v->n_ses++]);
    }
    return v;
}
