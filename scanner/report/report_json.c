/*
 * report/report_json.c - the "json" document and "jsonl" (one finding per line) formats.
 *
 * This is a public, versioned interface (REPORT_JSON_VERSION, schema/report.schema.json):
 * keys come out in a fixed order (json/json.h) and findings in the order given,
 * so the same findings always give the same bytes. It does not sort, filter or verify.
 * The tricky point is strings: paths are bytes, not text, so a path is escaped without
 * loss, and any other stray byte becomes U+FFFD (jv_strn).
 */
#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_json_util.h"

#include "base/diag.h"
#include "base/escape.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "rank/risk.h"

static const struct scan_stats report_json_no_stats;
static const struct report_opts report_json_no_opts;

/* A path from the input, as every reporter shows it: escaped without loss (a backslash
 * doubled, a '!' of a name as "\!", stray bytes as \xNN), so that two different paths
 * never print the same; the last `tail` bytes (archive members) are escaped already. */
struct jv *report_json_path(const char *s, size_t tail)
{
    char *e;
    struct jv *v;

    if (s == NULL)
        return jv_null();
    e = escape_path(s, tail);
    v = jv_str(e);
    free(e);
    return v;
}

/* x rounded to `decimals` places; 0 for NaN, infinities and negatives. */
static struct jv *report_json_real(double x, int decimals)
{
    double scale = pow(10.0, decimals);

    if (!isfinite(x) || x < 0.0)
        x = 0.0;
    return jv_real(round(x * scale) / scale);
}

bool report_json_iso_time(char buf[REPORT_JSON_TIME_SIZE], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year < -1900 ||
        tm.tm_year > 9999 - 1900)
        return false;
    snprintf(buf, REPORT_JSON_TIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return true;
}

/* ISO-8601 UTC ("2026-11-23T12:00:00Z"); null outside the years 0 to 9999. */
static struct jv *report_json_time(int64_t t)
{
    char buf[REPORT_JSON_TIME_SIZE];

    return report_json_iso_time(buf, t) ? jv_str(buf) : jv_null();
}

/* The hex digest stored in a finding: at most 64 characters, whatever follows. */
static struct jv *report_json_sha256(const char sha256[65])
{
    return jv_strn(sha256, strnlen(sha256, 64));
}

static struct jv *report_json_str_array(char *const *items, size_t n)
{
    struct jv *arr = jv_array();

    for (size_t i = 0; i < n; i++)
        jv_push(arr, jv_str(items[i]));
    return arr;
}

/* {"redacted", "sha256", "value" (only when shown)} for one value of part `kind`. */
static struct jv *report_json_value(enum cred_kind kind, const char *value, const char sha256[65],
                                 bool show)
{
    struct jv *obj = jv_object();
    char *redacted = report_redact(kind, value, false);

    jv_put(obj, "redacted", jv_str(redacted));
    jv_put(obj, "sha256", report_json_sha256(sha256));
    if (show) {
        char *shown = report_redact(kind, value, true);

        jv_put(obj, "value", jv_str(shown));
        crypto_free_secret(shown);
    }
    free(redacted);
    return obj;
}

static struct jv *report_json_values(enum cred_kind kind, const struct secret_value *values,
                                  size_t n, bool show)
{
    struct jv *arr = jv_array();

    for (size_t i = 0; i < n; i++)
        jv_push(arr, report_json_value(kind, values[i].value, values[i].sha256, show));
    return arr;
}

/* The secrets; verified, each says what STS made of it with the key ID ("live",
 * "wrong_secret", or "not_checked" when another one was live first). */
static struct jv *report_json_secrets(const struct finding *f, bool show)
{
    struct jv *arr = jv_array();

    for (size_t i = 0; i < f->n_secrets; i++) {
        const struct secret_value *sv = &f->secrets[i];
        struct jv *obj = report_json_value(CRED_SECRET_ACCESS_KEY, sv->value, sv->sha256, show);
        if (f->verification)
            jv_put(obj, "verification", jv_str(verify_status_name(sv->status)));
        jv_push(arr, obj);
    }
    return arr;
}

static struct jv *report_json_smtp(const struct finding *f, bool show)
{
    struct jv *arr = jv_array();

    for (size_t i = 0; i < f->n_smtp_passwords; i++) {
        const struct smtp_password *p = &f->smtp_passwords[i];
        struct jv *obj = report_json_value(CRED_SMTP_PASSWORD, p->value, p->sha256, show);
        bool derived = p->from_secret >= 0 && (size_t)p->from_secret < f->n_secrets;

        jv_put(obj, "derived_from_secret",
                        derived ? report_json_sha256(f->secrets[p->from_secret].sha256)
                                : jv_null());
        jv_put(obj, "region", jv_str(p->region));
        jv_push(arr, obj);
    }
    return arr;
}

static struct jv *report_json_commit(const struct commit_info *c)
{
    struct jv *obj;

    if (c->commit == NULL)
        return jv_null();
    obj = jv_object();
    jv_put(obj, "id", jv_str(c->commit));
    jv_put(obj, "author", jv_str(c->author));
    jv_put(obj, "author_time", report_json_time(c->author_time));
    jv_put(obj, "commit_time", report_json_time(c->commit_time));
    jv_put(obj, "summary", jv_str(c->summary));
    return obj;
}

static struct jv *report_json_location(const struct location *loc)
{
    struct jv *obj = jv_object();

    jv_put(obj, "path", report_json_path(loc->path, loc->shown_tail));
    jv_put(obj, "line", jv_uint(loc->line));
    jv_put(obj, "column", jv_uint(loc->column));
    jv_put(obj, "offset", jv_uint(loc->offset));
    jv_put(obj, "part", jv_str(cred_kind_name(loc->part)));
    if (loc->value_sha[0]) /* which of the finding's values is here (its sha256 prefix) */
        jv_put(obj, "value_sha256", jv_str(loc->value_sha));
    jv_put(obj, "rule", jv_str(loc->rule_id));
    jv_put(obj, "encoding", jv_str(loc->encoding));
    jv_put(obj, "blob", jv_str(loc->blob));
    jv_put(obj, "commit", report_json_commit(&loc->commit));
    jv_put(obj, "removed_in", jv_str(loc->removed_in));
    if (loc->layer_cmd) /* container image layers: the command that made the layer */
        jv_put(obj, "layer_command", jv_str(loc->layer_cmd));
    if (loc->replaced) /* removed_in wrote another file at this path (1.4) */
        jv_put(obj, "replaced", jv_bool(true));
    return obj;
}

static struct jv *report_json_locations(const struct finding *f)
{
    struct jv *arr = jv_array();

    for (size_t i = 0; i < f->n_locations; i++)
        jv_push(arr, report_json_location(&f->locations[i]));
    return arr;
}

/* Every warning of the run, with its kind ("unreadable", "limit", ... or "note"). */
static struct jv *report_json_diagnostics(const struct scan_stats *st)
{
    struct jv *arr = jv_array();
    const struct diags *d = st->diags;

    for (size_t i = 0; d != NULL && i < d->n; i++) {
        struct jv *obj = jv_object();
        jv_put(obj, "kind", jv_str(diag_kind_name(d->v[i].kind)));
        jv_put(obj, "message", jv_str(d->v[i].text));
        jv_push(arr, obj);
    }
    return arr;
}

/* A finding must be a credential: CRED_CONTEXT only anchors rules and never heads one.
 * Its exposure must be one the schema lists. */
static enum status report_json_check(const struct finding *f, size_t i)
{
    if (f == NULL)
        return fail(STATUS_BUG, "report: finding %zu is NULL", i);
    if ((unsigned)f->kind >= CRED_CONTEXT)
        return fail(STATUS_BUG, "report: finding %.16s has kind '%s'", f->fingerprint,
                    cred_kind_name(f->kind));
    if ((unsigned)f->exposure > EXPOSURE_UNREACHABLE)
        return fail(STATUS_BUG, "report: finding %.16s has exposure %u", f->fingerprint,
                    (unsigned)f->exposure);
    return STATUS_OK;
}

/* One finding; the caller has checked it with report_json_check(). */
static struct jv *report_json_tristate(int v)
{
    return v < 0 ? jv_null() : jv_bool(v);
}

/* A ','-separated list as an array of strings ([] for NULL). */
static struct jv *report_json_csv(const char *csv)
{
    struct jv *a = jv_array();

    while (csv && *csv) {
        size_t l = strcspn(csv, ",");
        jv_push(a, jv_strn(csv, l));
        csv += l + (csv[l] == ',');
    }
    return a;
}

/* SES sending evidence of one region (issue 18): statistics, review, identities. */
static void report_json_ses_evidence(struct jv *e, const struct ses_state *s)
{
    const struct ses_stats *st = &s->stats;
    struct jv *ids = jv_array();

    if (st->known) {
        struct jv *o = jv_object(), *spike = jv_null();
        jv_put(o, "data_points", jv_uint(st->points));
        jv_put(o, "sent_last_24_hours", jv_uint(st->sent_24h));
        jv_put(o, "sent_last_14_days", jv_uint(st->sent_14d));
        jv_put(o, "bounces", jv_uint(st->bounces_14d));
        jv_put(o, "complaints", jv_uint(st->complaints_14d));
        jv_put(o, "rejects", jv_uint(st->rejects_14d));
        jv_put(o, "bounce_rate", report_json_real(st->bounce_rate, 6));
        jv_put(o, "complaint_rate", report_json_real(st->complaint_rate, 6));
        jv_put(o, "bounce_level", jv_str(ses_level_name(st->bounce_level)));
        jv_put(o, "complaint_level", jv_str(ses_level_name(st->complaint_level)));
        if (st->spike_at) {
            spike = jv_object();
            jv_put(spike, "interval_start", report_json_time(st->spike_at));
            jv_put(spike, "delivery_attempts", jv_uint(st->spike_attempts));
            jv_put(spike, "usual_per_interval", report_json_real(st->spike_baseline, 2));
        }
        jv_put(o, "unusual_volume", spike);
        jv_put(e, "sending_statistics", o);
    } else {
        jv_put(e, "sending_statistics", jv_null());
    }
    jv_put(e, "statistics_error", jv_str(s->stats_error));
    jv_put(e, "review_status", jv_str(s->review_status));
    jv_put(e, "review_case_id", jv_str(s->review_case_id));
    jv_put(e, "suppressed_reasons", report_json_csv(s->suppressed_reasons));
    for (size_t i = 0; i < s->n_identities; i++) {
        const struct ses_identity *id = &s->identities[i];
        struct jv *o = jv_object(), *pols = jv_array();
        jv_put(o, "name", jv_str(id->name));
        jv_put(o, "type", jv_str(id->type));
        jv_put(o, "sending_enabled", report_json_tristate(id->sending_enabled));
        jv_put(o, "verification_status", jv_str(id->verification_status));
        for (size_t k = 0; k < id->n_policies; k++) {
            const struct ses_policy *p = &id->policies[k];
            struct jv *po = jv_object();
            jv_put(po, "name", jv_str(p->name));
            jv_put(po, "open", report_json_tristate(p->open));
            jv_put(po, "principals", report_json_csv(p->principals));
            jv_put(po, "conditions", report_json_csv(p->conditions));
            jv_put(po, "why", jv_str(p->why));
            jv_push(pols, po);
        }
        jv_put(o, "policies", pols);
        jv_put(o, "policies_error", jv_str(id->policies_error));
        jv_push(ids, o);
    }
    jv_put(e, "identities_listed", jv_bool(s->identities_listed));
    jv_put(e, "identities_truncated", jv_bool(s->identities_truncated));
    jv_put(e, "identities_error", jv_str(s->identities_error));
    jv_put(e, "identities", ids);
}

static struct jv *report_json_verification(const struct verification *v)
{
    struct jv *o, *ses, *smtp;

    if (v == NULL)
        return jv_null();
    o = jv_object();
    jv_put(o, "status", jv_str(verify_status_name(v->status)));
    jv_put(o, "reason", jv_str(v->reason));
    jv_put(o, "account", jv_str(v->account));
    jv_put(o, "arn", jv_str(v->arn));
    jv_put(o, "user_id", jv_str(v->user_id));
    if (v->last_used_known) {
        struct jv *lu = jv_object();
        jv_put(lu, "date", v->last_used > 0 ? report_json_time(v->last_used)
                                                     : jv_null());
        jv_put(lu, "service", jv_str(v->last_used_service));
        jv_put(lu, "region", jv_str(v->last_used_region));
        jv_put(lu, "via", jv_str(v->last_used_via));
        jv_put(o, "last_used", lu);
    } else {
        jv_put(o, "last_used", jv_null());
    }
    jv_put(o, "last_used_error", jv_str(v->last_used_error));
    ses = jv_array();
    for (size_t i = 0; i < v->n_ses; i++) {
        const struct ses_state *s = &v->ses[i];
        struct jv *e = jv_object();
        jv_put(e, "region", jv_str(s->region));
        jv_put(e, "sandbox", report_json_tristate(s->sandbox));
        jv_put(e, "sending_enabled", report_json_tristate(s->sending_enabled));
        jv_put(e, "enforcement_status", jv_str(s->enforcement));
        jv_put(e, "max_24_hour_send", s->have_quota ? report_json_real(s->max_24h, 2)
                                                             : jv_null());
        jv_put(e, "max_send_rate", s->have_quota ? report_json_real(s->max_rate, 2)
                                                          : jv_null());
        jv_put(e, "sent_last_24_hours", s->have_quota ? report_json_real(s->sent_24h, 2)
                                                               : jv_null());
        jv_put(e, "error", jv_str(s->error));
        report_json_ses_evidence(e, s);
        jv_push(ses, e);
    }
    jv_put(o, "ses", ses);
    smtp = jv_array();
    for (size_t i = 0; i < v->n_smtp; i++) {
        struct jv *e = jv_object();
        jv_put(e, "status", jv_str(verify_status_name(v->smtp[i].status)));
        jv_put(e, "region", jv_str(v->smtp[i].region));
        jv_put(e, "reason", jv_str(v->smtp[i].reason));
        jv_push(smtp, e);
    }
    jv_put(o, "smtp", smtp);
    jv_put(o, "checked_at", report_json_time(v->checked_at));
    return o;
}

char *report_verification_json(const struct verification *v)
{
    struct jv *o = report_json_verification(v);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem || !jv_write(mem, o, JV_LINE) || fclose(mem) != 0) {
        fputs("sesame: out of memory\n", stderr);
        abort();
    }
    jv_free(o);
    if (len && text[len - 1] == '\n')
        text[len - 1] = '\0';
    return text;
}

static struct jv *report_json_risk(const struct risk *r)
{
    struct jv *o, *factors, *steps;

    if (r == NULL)
        return jv_null();
    o = jv_object();
    jv_put(o, "score", jv_int(r->score));
    jv_put(o, "tier", jv_str(risk_tier_name(r->tier)));
    factors = jv_array();
    for (size_t i = 0; i < r->n_factors; i++) {
        struct jv *e = jv_object();
        jv_put(e, "name", jv_str(r->factors[i].name));
        jv_put(e, "points", jv_int(r->factors[i].points));
        jv_put(e, "detail", jv_str(r->factors[i].detail));
        jv_push(factors, e);
    }
    jv_put(o, "factors", factors);
    steps = jv_array();
    for (size_t i = 0; i < r->n_remediation; i++)
        jv_push(steps, jv_str(r->remediation[i]));
    jv_put(o, "remediation", steps);
    jv_put(o, "alert", r->sending_spam ? jv_str("sending_spam_now") : jv_null());
    return o;
}

/* Each Bedrock API key with what it says about itself (null where it says nothing). */
static struct jv *report_json_bedrock(const struct finding *f, bool show)
{
    struct jv *arr = jv_array();

    for (size_t i = 0; i < f->n_bedrock_keys; i++) {
        const struct bedrock_key *k = &f->bedrock_keys[i];
        struct jv *obj = report_json_value(CRED_BEDROCK_API_KEY, k->value, k->sha256, show);

        jv_put(obj, "type", jv_str(k->type));
        jv_put(obj, "service_user", jv_str(k->service_user));
        jv_put(obj, "account_id", jv_str(k->account_id));
        jv_put(obj, "access_key_id", jv_str(k->key_id));
        jv_put(obj, "region", jv_str(k->region));
        jv_put(obj, "expires", k->expires ? report_json_time(k->expires) : jv_null());
        jv_put(obj, "temporary_credentials", jv_bool(k->has_token));
        jv_push(arr, obj);
    }
    return arr;
}

static struct jv *report_json_finding(const struct finding *f, bool show)
{
    struct jv *obj = jv_object();

    jv_put(obj, "fingerprint", jv_strn(f->fingerprint,
                                                         strnlen(f->fingerprint, 16)));
    jv_put(obj, "kind", jv_str(cred_kind_name(f->kind)));
    jv_put(obj, "confidence", jv_str(confidence_name(f->confidence)));
    jv_put(obj, "example", jv_bool(f->example));
    jv_put(obj, "example_like", jv_bool(f->example_like));
    jv_put(obj, "canary", jv_bool(f->canary));
    jv_put(obj, "access_key_id", jv_str(f->access_key_id));
    jv_put(obj, "key_type", jv_str(f->key_type));
    jv_put(obj, "account_id", jv_str(f->account_id));
    jv_put(obj, "account_owner", jv_str(f->account_owner));
    if (f->known_key) {
        struct jv *owner = jv_object();
        jv_put(owner, "user", jv_str(f->owner_user));
        jv_put(owner, "status", jv_str(f->owner_status));
        jv_put(obj, "known_key", owner);
    } else {
        jv_put(obj, "known_key", jv_null());
    }
    jv_put(obj, "secrets", report_json_secrets(f, show));
    jv_put(obj, "session_tokens",
                    report_json_values(CRED_SESSION_TOKEN, f->session_tokens,
                                       f->n_session_tokens, show));
    jv_put(obj, "smtp_passwords", report_json_smtp(f, show));
    jv_put(obj, "bedrock_api_keys", report_json_bedrock(f, show));
    jv_put(obj, "regions", report_json_str_array(f->regions, f->n_regions));
    jv_put(obj, "sender_addresses", report_json_str_array(f->senders, f->n_senders));
    jv_put(obj, "exposure", jv_str(exposure_name(f->exposure)));
    jv_put(obj, "branches", report_json_str_array(f->branches, f->n_branches));
    jv_put(obj, "risk", report_json_risk(f->risk));
    jv_put(obj, "verification", report_json_verification(f->verification));
    jv_put(obj, "rules", report_json_str_array(f->rule_ids, f->n_rule_ids));
    jv_put(obj, "locations", report_json_locations(f));
    return obj;
}

static struct jv *report_json_scan(const struct report_opts *opts, const struct scan_stats *st)
{
    struct jv *scan = jv_object();
    struct jv *targets = jv_array();
    double mb_per_s = 0.0;

    for (size_t i = 0; opts->targets != NULL && i < opts->n_targets; i++)
        jv_push(targets, report_json_path(opts->targets[i], 0));
    if (st->seconds > 0.0)
        mb_per_s = (double)st->bytes / 1e6 / st->seconds;

    jv_put(scan, "targets", targets); /* stolen */
    jv_put(scan, "started_at", report_json_time(st->started_at));
    jv_put(scan, "seconds", report_json_real(st->seconds, 3));
    jv_put(scan, "files", jv_uint(st->files));
    jv_put(scan, "blobs", jv_uint(st->blobs));
    if (st->images) { /* container images (1.3) */
        struct jv *img = jv_object();
        jv_put(img, "images", jv_uint(st->images));
        jv_put(img, "layers", jv_uint(st->image_layers));
        jv_put(img, "layers_repeated", jv_uint(st->image_layers_dup));
        jv_put(img, "files_repeated", jv_uint(st->image_files_dup)); /* 1.4 */
        jv_put(scan, "images", img);
    }
    jv_put(scan, "bytes", jv_uint(st->bytes));
    jv_put(scan, "mb_per_s", report_json_real(mb_per_s, 2));
    jv_put(scan, "skipped", jv_uint(st->skipped));
    jv_put(scan, "excluded", jv_uint(st->excluded));
    jv_put(scan, "errors", jv_uint(st->errors));
    jv_put(scan, "limits", jv_uint(st->limits));
    jv_put(scan, "history_truncated", jv_bool(st->history_cut > 0));
    jv_put(scan, "timed_out", jv_bool(st->timed_out));
    jv_put(scan, "complete", jv_bool(!st->incomplete));
    jv_put(scan, "decoded_views", jv_uint(st->decoded_views));
    jv_put(scan, "examples_hidden", jv_uint(st->examples_hidden));
    jv_put(scan, "suppressed", jv_uint(st->suppressed));
    jv_put(scan, "filtered", jv_uint(st->filtered));
    {
        struct jv *allowed = jv_array();
        for (size_t i = 0; i < st->n_allowed; i++)
            jv_push(allowed, report_json_location(st->allowed[i]));
        jv_put(scan, "inline_allow", jv_str(st->inline_allow ? st->inline_allow
                                                                              : "all"));
        jv_put(scan, "allowed", allowed);
    }
    jv_put(scan, "diagnostics", report_json_diagnostics(st));
    return scan;
}

/* The findings are checked already: each kind is a credential, below CRED_CONTEXT. */
static struct jv *report_json_summary(const struct finding *const *sorted, size_t n)
{
    uint64_t by_kind[CRED_CONTEXT] = { 0 };
    uint64_t examples = 0;
    struct jv *summary = jv_object();
    struct jv *counts = jv_object();

    for (size_t i = 0; i < n; i++) {
        by_kind[sorted[i]->kind]++;
        examples += sorted[i]->example;
    }
    for (unsigned k = CRED_ACCESS_KEY_ID; k < CRED_CONTEXT; k++)
        jv_put(counts, cred_kind_name((enum cred_kind)k), jv_uint(by_kind[k]));

    jv_put(summary, "findings", jv_uint(n));
    jv_put(summary, "by_kind", counts); /* stolen */
    jv_put(summary, "examples", jv_uint(examples));
    return summary;
}

static enum status report_json_dump(FILE *out, const struct jv *v, enum jv_style style)
{
    if (!jv_write(out, v, style))
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    return STATUS_OK;
}

static enum status report_json_flush(FILE *out)
{
    if (fflush(out) != 0 || ferror(out))
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    return STATUS_OK;
}

struct next_finding {
    const struct finding *const *sorted;
    size_t n, i;
    bool show_secrets;
};

static struct jv *next_finding(void *ctx)
{
    struct next_finding *nf = ctx;

    return nf->i < nf->n ? report_json_finding(nf->sorted[nf->i++], nf->show_secrets) : NULL;
}

enum status report_json_write(FILE *out, const struct finding *const *sorted, size_t n,
                              const struct report_opts *opts)
{
    const struct scan_stats *stats;
    struct jv *doc = NULL, *tool = NULL;
    enum status st = STATUS_OK;

    if (opts == NULL)
        opts = &report_json_no_opts;
    stats = opts->stats != NULL ? opts->stats : &report_json_no_stats;
    for (size_t i = 0; i < n; i++) {
        if ((st = report_json_check(sorted[i], i)) != STATUS_OK)
            goto out;
    }

    doc = jv_object();
    tool = jv_object();
    jv_put(tool, "name", jv_str("sesame"));
    jv_put(tool, "version", jv_str(SESAME_VERSION));

    jv_put(doc, "version", jv_str(REPORT_JSON_VERSION));
    jv_put(doc, "tool", tool);
    tool = NULL; /* stolen */
    jv_put(doc, "scan", report_json_scan(opts, stats));
    jv_put(doc, "summary", report_json_summary(sorted, n));
    /* the findings last, each built, written and freed in turn: the same bytes as one
     * document, without the whole tree in memory */
    {
        struct next_finding nf = { sorted, n, 0, opts->show_secrets };
        if (!jv_write_streamed(out, doc, "findings", next_finding, &nf)) {
            st = fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
            goto out;
        }
    }
    st = report_json_flush(out);

out:
    jv_free(tool);
    jv_free(doc);
    return st;
}

enum status report_jsonl_write(FILE *out, const struct finding *const *sorted, size_t n,
                               const struct report_opts *opts)
{
    bool show = opts != NULL && opts->show_secrets;
    struct jv *obj = NULL;
    enum status st = STATUS_OK;

    for (size_t i = 0; i < n; i++) {
        if ((st = report_json_check(sorted[i], i)) != STATUS_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        obj = report_json_finding(sorted[i], show);
        if ((st = report_json_dump(out, obj, JV_LINE)) != STATUS_OK)
            goto out;
        jv_free(obj);
        obj = NULL;
    }
    st = report_json_flush(out);

out:
    jv_free(obj);
    return st;
}
