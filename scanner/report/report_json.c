/*
 * report/report_json.c - the "json" document and "jsonl" (one finding per line) formats.
 *
 * This is a public, versioned interface (REPORT_JSON_VERSION, schema/report.schema.json):
 * keys come out in a fixed order (JSON_PRESERVE_ORDER) and findings in the order given,
 * so the same findings always give the same bytes. It does not sort, filter or verify.
 * The tricky point is strings: paths are bytes, not text, and jansson refuses invalid
 * UTF-8, so each string is checked and stray bytes become U+FFFD.
 */
#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "report/report_json_util.h"

#include "base/diag.h"
#include "base/escape.h"
#include "base/xalloc.h"
#include "rank/risk.h"

/* Reals are rounded before they are stored, so 15 significant digits print them exactly
 * ("1.25", not "1.2500000000000000"). */
#define REPORT_JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
#define REPORT_JSON_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD, UTF-8 */

static const struct scan_stats report_json_no_stats;
static const struct report_opts report_json_no_opts;

NORETURN static void report_json_oom(void)
{
    fputs("sesame: out of memory\n", stderr);
    abort();
}

/* Every string is made valid UTF-8 and every real finite before jansson sees it, so a
 * NULL from a jansson constructor can only mean out of memory. */
json_t *report_json_new(json_t *v)
{
    if (v == NULL)
        report_json_oom();
    return v;
}

/* obj[key] = v. Steals the reference to v (json_object_set_new). */
void report_json_put(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        report_json_oom();
}

/* Append v to arr. Steals the reference to v (json_array_append_new). */
void report_json_push(json_t *arr, json_t *v)
{
    if (v == NULL || json_array_append_new(arr, v) != 0)
        report_json_oom();
}

/* A JSON string for s (null for NULL); bytes that are not well-formed UTF-8 become U+FFFD. */
json_t *report_json_strn(const char *s, size_t n)
{
    char *fixed = NULL;
    size_t i = 0, m = 0;
    uint32_t cp;
    json_t *v;

    if (s == NULL)
        return json_null();
    while (i < n) {
        size_t k = utf8_next(s + i, n - i, &cp);

        if (k == 0)
            break;
        i += k;
    }
    if (i == n)
        return report_json_new(json_stringn(s, n));

    fixed = xmalloc(st_add(st_mult(n, sizeof(REPORT_JSON_REPLACEMENT) - 1), 1));
    for (i = 0; i < n;) {
        size_t k = utf8_next(s + i, n - i, &cp);

        if (k == 0) {
            memcpy(fixed + m, REPORT_JSON_REPLACEMENT, sizeof(REPORT_JSON_REPLACEMENT) - 1);
            m += sizeof(REPORT_JSON_REPLACEMENT) - 1;
            i++;
        } else {
            memcpy(fixed + m, s + i, k);
            m += k;
            i += k;
        }
    }
    v = report_json_new(json_stringn(fixed, m));
    free(fixed);
    return v;
}

/* A path from the input, as every reporter shows it: escaped without loss (a backslash
 * doubled, stray bytes as \xNN), so that two different paths never print the same. */
json_t *report_json_path(const char *s)
{
    char *e;
    json_t *v;

    if (s == NULL)
        return json_null();
    e = escape_dup(s, strlen(s), ESC_BACKSLASH);
    v = report_json_str(e);
    free(e);
    return v;
}

json_t *report_json_str(const char *s)
{
    return report_json_strn(s, s == NULL ? 0 : strlen(s));
}

/* json_int_t is signed: counts beyond INT64_MAX (never seen) are clamped, not wrapped. */
json_t *report_json_uint(uint64_t x)
{
    return report_json_new(json_integer(x > INT64_MAX ? INT64_MAX : (json_int_t)x));
}

/* x rounded to `decimals` places; 0 for NaN, infinities and negatives. */
static json_t *report_json_real(double x, int decimals)
{
    double scale = pow(10.0, decimals);

    if (!isfinite(x) || x < 0.0)
        x = 0.0;
    return report_json_new(json_real(round(x * scale) / scale));
}

/* ISO-8601 UTC ("2026-11-23T12:00:00Z"); null outside the years 0 to 9999. */
static json_t *report_json_time(int64_t t)
{
    char buf[sizeof("YYYY-MM-DDTHH:MM:SSZ") + 16];
    time_t tt = (time_t)t;
    struct tm tm;

    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year < -1900 ||
        tm.tm_year > 9999 - 1900)
        return json_null();
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return report_json_str(buf);
}

/* The hex digest stored in a finding: at most 64 characters, whatever follows. */
static json_t *report_json_sha256(const char sha256[65])
{
    return report_json_strn(sha256, strnlen(sha256, 64));
}

static json_t *report_json_str_array(char *const *items, size_t n)
{
    json_t *arr = report_json_new(json_array());

    for (size_t i = 0; i < n; i++)
        report_json_push(arr, report_json_str(items[i]));
    return arr;
}

/* {"redacted", "sha256", "value" (only when shown)} for one value of part `kind`. */
static json_t *report_json_value(enum cred_kind kind, const char *value, const char sha256[65],
                                 bool show)
{
    json_t *obj = report_json_new(json_object());
    char *redacted = report_redact(kind, value, false);

    report_json_put(obj, "redacted", report_json_str(redacted));
    report_json_put(obj, "sha256", report_json_sha256(sha256));
    if (show) {
        char *shown = report_redact(kind, value, true);

        report_json_put(obj, "value", report_json_str(shown));
        free(shown);
    }
    free(redacted);
    return obj;
}

static json_t *report_json_values(enum cred_kind kind, const struct secret_value *values,
                                  size_t n, bool show)
{
    json_t *arr = report_json_new(json_array());

    for (size_t i = 0; i < n; i++)
        report_json_push(arr, report_json_value(kind, values[i].value, values[i].sha256, show));
    return arr;
}

static json_t *report_json_smtp(const struct finding *f, bool show)
{
    json_t *arr = report_json_new(json_array());

    for (size_t i = 0; i < f->n_smtp_passwords; i++) {
        const struct smtp_password *p = &f->smtp_passwords[i];
        json_t *obj = report_json_value(CRED_SMTP_PASSWORD, p->value, p->sha256, show);
        bool derived = p->from_secret >= 0 && (size_t)p->from_secret < f->n_secrets;

        report_json_put(obj, "derived_from_secret",
                        derived ? report_json_sha256(f->secrets[p->from_secret].sha256)
                                : json_null());
        report_json_put(obj, "region", report_json_str(p->region));
        report_json_push(arr, obj);
    }
    return arr;
}

static json_t *report_json_commit(const struct commit_info *c)
{
    json_t *obj;

    if (c->commit == NULL)
        return json_null();
    obj = report_json_new(json_object());
    report_json_put(obj, "id", report_json_str(c->commit));
    report_json_put(obj, "author", report_json_str(c->author));
    report_json_put(obj, "author_time", report_json_time(c->author_time));
    report_json_put(obj, "commit_time", report_json_time(c->commit_time));
    report_json_put(obj, "summary", report_json_str(c->summary));
    return obj;
}

static json_t *report_json_location(const struct location *loc)
{
    json_t *obj = report_json_new(json_object());

    report_json_put(obj, "path", report_json_path(loc->path));
    report_json_put(obj, "line", report_json_uint(loc->line));
    report_json_put(obj, "column", report_json_uint(loc->column));
    report_json_put(obj, "offset", report_json_uint(loc->offset));
    report_json_put(obj, "part", report_json_str(cred_kind_name(loc->part)));
    report_json_put(obj, "rule", report_json_str(loc->rule_id));
    report_json_put(obj, "encoding", report_json_str(loc->encoding));
    report_json_put(obj, "blob", report_json_str(loc->blob));
    report_json_put(obj, "commit", report_json_commit(&loc->commit));
    report_json_put(obj, "removed_in", report_json_str(loc->removed_in));
    return obj;
}

static json_t *report_json_locations(const struct finding *f)
{
    json_t *arr = report_json_new(json_array());

    for (size_t i = 0; i < f->n_locations; i++)
        report_json_push(arr, report_json_location(&f->locations[i]));
    return arr;
}

/* Every warning of the run, with its kind ("unreadable", "limit", ... or "note"). */
json_t *report_json_diagnostics(const struct scan_stats *st)
{
    json_t *arr = report_json_new(json_array());
    const struct diags *d = st->diags;

    for (size_t i = 0; d != NULL && i < d->n; i++) {
        json_t *obj = report_json_new(json_object());
        report_json_put(obj, "kind", report_json_str(diag_kind_name(d->v[i].kind)));
        report_json_put(obj, "message", report_json_str(d->v[i].text));
        report_json_push(arr, obj);
    }
    return arr;
}

/* A finding must be a credential: CRED_CONTEXT only anchors rules and never heads one.
 * Its exposure must be one the schema lists. */
static enum status report_json_check(const struct finding *f, size_t i)
{
    if (f == NULL)
        return fail(STATUS_BUG, "report: finding %zu is NULL", i);
    if ((unsigned)f->kind > CRED_SMTP_PASSWORD)
        return fail(STATUS_BUG, "report: finding %.16s has kind '%s'", f->fingerprint,
                    cred_kind_name(f->kind));
    if ((unsigned)f->exposure > EXPOSURE_UNREACHABLE)
        return fail(STATUS_BUG, "report: finding %.16s has exposure %u", f->fingerprint,
                    (unsigned)f->exposure);
    return STATUS_OK;
}

/* One finding; the caller has checked it with report_json_check(). */
static json_t *report_json_tristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

static json_t *report_json_verification(const struct verification *v)
{
    json_t *o, *ses, *smtp;

    if (v == NULL)
        return json_null();
    o = report_json_new(json_object());
    report_json_put(o, "status", report_json_str(verify_status_name(v->status)));
    report_json_put(o, "reason", report_json_str(v->reason));
    report_json_put(o, "account", report_json_str(v->account));
    report_json_put(o, "arn", report_json_str(v->arn));
    report_json_put(o, "user_id", report_json_str(v->user_id));
    if (v->last_used_known) {
        json_t *lu = report_json_new(json_object());
        report_json_put(lu, "date", v->last_used > 0 ? report_json_time(v->last_used)
                                                     : json_null());
        report_json_put(lu, "service", report_json_str(v->last_used_service));
        report_json_put(lu, "region", report_json_str(v->last_used_region));
        report_json_put(lu, "via", report_json_str(v->last_used_via));
        report_json_put(o, "last_used", lu);
    } else {
        report_json_put(o, "last_used", json_null());
    }
    report_json_put(o, "last_used_error", report_json_str(v->last_used_error));
    ses = report_json_new(json_array());
    for (size_t i = 0; i < v->n_ses; i++) {
        const struct ses_state *s = &v->ses[i];
        json_t *e = report_json_new(json_object());
        report_json_put(e, "region", report_json_str(s->region));
        report_json_put(e, "sandbox", report_json_tristate(s->sandbox));
        report_json_put(e, "sending_enabled", report_json_tristate(s->sending_enabled));
        report_json_put(e, "enforcement_status", report_json_str(s->enforcement));
        report_json_put(e, "max_24_hour_send", s->have_quota ? report_json_real(s->max_24h, 2)
                                                             : json_null());
        report_json_put(e, "max_send_rate", s->have_quota ? report_json_real(s->max_rate, 2)
                                                          : json_null());
        report_json_put(e, "sent_last_24_hours", s->have_quota ? report_json_real(s->sent_24h, 2)
                                                               : json_null());
        report_json_put(e, "error", report_json_str(s->error));
        report_json_push(ses, e);
    }
    report_json_put(o, "ses", ses);
    smtp = report_json_new(json_array());
    for (size_t i = 0; i < v->n_smtp; i++) {
        json_t *e = report_json_new(json_object());
        report_json_put(e, "status", report_json_str(verify_status_name(v->smtp[i].status)));
        report_json_put(e, "region", report_json_str(v->smtp[i].region));
        report_json_put(e, "reason", report_json_str(v->smtp[i].reason));
        report_json_push(smtp, e);
    }
    report_json_put(o, "smtp", smtp);
    report_json_put(o, "checked_at", report_json_time(v->checked_at));
    return o;
}

static json_t *report_json_risk(const struct risk *r)
{
    json_t *o, *factors, *steps;

    if (r == NULL)
        return json_null();
    o = report_json_new(json_object());
    report_json_put(o, "score", report_json_new(json_integer(r->score)));
    report_json_put(o, "tier", report_json_str(risk_tier_name(r->tier)));
    factors = report_json_new(json_array());
    for (size_t i = 0; i < r->n_factors; i++) {
        json_t *e = report_json_new(json_object());
        report_json_put(e, "name", report_json_str(r->factors[i].name));
        report_json_put(e, "points", report_json_new(json_integer(r->factors[i].points)));
        report_json_put(e, "detail", report_json_str(r->factors[i].detail));
        report_json_push(factors, e);
    }
    report_json_put(o, "factors", factors);
    steps = report_json_new(json_array());
    for (size_t i = 0; i < r->n_remediation; i++)
        report_json_push(steps, report_json_str(r->remediation[i]));
    report_json_put(o, "remediation", steps);
    return o;
}

static json_t *report_json_finding(const struct finding *f, bool show)
{
    json_t *obj = report_json_new(json_object());

    report_json_put(obj, "fingerprint", report_json_strn(f->fingerprint,
                                                         strnlen(f->fingerprint, 16)));
    report_json_put(obj, "kind", report_json_str(cred_kind_name(f->kind)));
    report_json_put(obj, "confidence", report_json_str(confidence_name(f->confidence)));
    report_json_put(obj, "example", json_boolean(f->example));
    report_json_put(obj, "access_key_id", report_json_str(f->access_key_id));
    report_json_put(obj, "key_type", report_json_str(f->key_type));
    report_json_put(obj, "account_id", report_json_str(f->account_id));
    report_json_put(obj, "secrets",
                    report_json_values(CRED_SECRET_ACCESS_KEY, f->secrets, f->n_secrets, show));
    report_json_put(obj, "session_tokens",
                    report_json_values(CRED_SESSION_TOKEN, f->session_tokens,
                                       f->n_session_tokens, show));
    report_json_put(obj, "smtp_passwords", report_json_smtp(f, show));
    report_json_put(obj, "regions", report_json_str_array(f->regions, f->n_regions));
    report_json_put(obj, "exposure", report_json_str(exposure_name(f->exposure)));
    report_json_put(obj, "branches", report_json_str_array(f->branches, f->n_branches));
    report_json_put(obj, "risk", report_json_risk(f->risk));
    report_json_put(obj, "verification", report_json_verification(f->verification));
    report_json_put(obj, "rules", report_json_str_array(f->rule_ids, f->n_rule_ids));
    report_json_put(obj, "locations", report_json_locations(f));
    return obj;
}

static json_t *report_json_scan(const struct report_opts *opts, const struct scan_stats *st)
{
    json_t *scan = report_json_new(json_object());
    json_t *targets = report_json_new(json_array());
    double mb_per_s = 0.0;

    for (size_t i = 0; opts->targets != NULL && i < opts->n_targets; i++)
        report_json_push(targets, report_json_path(opts->targets[i]));
    if (st->seconds > 0.0)
        mb_per_s = (double)st->bytes / 1e6 / st->seconds;

    report_json_put(scan, "targets", targets); /* stolen */
    report_json_put(scan, "started_at", report_json_time(st->started_at));
    report_json_put(scan, "seconds", report_json_real(st->seconds, 3));
    report_json_put(scan, "files", report_json_uint(st->files));
    report_json_put(scan, "bytes", report_json_uint(st->bytes));
    report_json_put(scan, "mb_per_s", report_json_real(mb_per_s, 2));
    report_json_put(scan, "skipped", report_json_uint(st->skipped));
    report_json_put(scan, "excluded", report_json_uint(st->excluded));
    report_json_put(scan, "errors", report_json_uint(st->errors));
    report_json_put(scan, "limits", report_json_uint(st->limits));
    report_json_put(scan, "history_truncated", json_boolean(st->history_cut > 0));
    report_json_put(scan, "timed_out", json_boolean(st->timed_out));
    report_json_put(scan, "complete", json_boolean(!st->incomplete));
    report_json_put(scan, "decoded_views", report_json_uint(st->decoded_views));
    report_json_put(scan, "examples_hidden", report_json_uint(st->examples_hidden));
    report_json_put(scan, "suppressed", report_json_uint(st->suppressed));
    {
        json_t *allowed = report_json_new(json_array());
        for (size_t i = 0; i < st->n_allowed; i++)
            report_json_push(allowed, report_json_location(st->allowed[i]));
        report_json_put(scan, "inline_allow", report_json_str(st->inline_allow ? st->inline_allow
                                                                              : "all"));
        report_json_put(scan, "allowed", allowed);
    }
    report_json_put(scan, "diagnostics", report_json_diagnostics(st));
    return scan;
}

/* The findings are checked already: each kind is a credential, CRED_SMTP_PASSWORD or below. */
static json_t *report_json_summary(const struct finding *const *sorted, size_t n)
{
    uint64_t by_kind[CRED_SMTP_PASSWORD + 1] = { 0 };
    uint64_t examples = 0;
    json_t *summary = report_json_new(json_object());
    json_t *counts = report_json_new(json_object());

    for (size_t i = 0; i < n; i++) {
        by_kind[sorted[i]->kind]++;
        examples += sorted[i]->example;
    }
    for (unsigned k = CRED_ACCESS_KEY_ID; k <= CRED_SMTP_PASSWORD; k++)
        report_json_put(counts, cred_kind_name((enum cred_kind)k), report_json_uint(by_kind[k]));

    report_json_put(summary, "findings", report_json_uint(n));
    report_json_put(summary, "by_kind", counts); /* stolen */
    report_json_put(summary, "examples", report_json_uint(examples));
    return summary;
}

static enum status report_json_dump(FILE *out, const json_t *v, size_t flags)
{
    if (json_dumpf(v, out, flags) != 0 || fputc('\n', out) == EOF)
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    return STATUS_OK;
}

static enum status report_json_flush(FILE *out)
{
    if (fflush(out) != 0 || ferror(out))
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    return STATUS_OK;
}

enum status report_json_write(FILE *out, const struct finding *const *sorted, size_t n,
                              const struct report_opts *opts)
{
    const struct scan_stats *stats;
    json_t *doc = NULL, *tool = NULL, *findings = NULL;
    enum status st = STATUS_OK;

    if (opts == NULL)
        opts = &report_json_no_opts;
    stats = opts->stats != NULL ? opts->stats : &report_json_no_stats;
    for (size_t i = 0; i < n; i++) {
        if ((st = report_json_check(sorted[i], i)) != STATUS_OK)
            goto out;
    }

    doc = report_json_new(json_object());
    tool = report_json_new(json_object());
    report_json_put(tool, "name", report_json_str("sesame"));
    report_json_put(tool, "version", report_json_str(SESAME_VERSION));
    findings = report_json_new(json_array());
    for (size_t i = 0; i < n; i++)
        report_json_push(findings, report_json_finding(sorted[i], opts->show_secrets));

    report_json_put(doc, "version", report_json_str(REPORT_JSON_VERSION));
    report_json_put(doc, "tool", tool);
    tool = NULL; /* stolen */
    report_json_put(doc, "scan", report_json_scan(opts, stats));
    report_json_put(doc, "summary", report_json_summary(sorted, n));
    report_json_put(doc, "findings", findings);
    findings = NULL; /* stolen */

    if ((st = report_json_dump(out, doc, JSON_INDENT(2) | REPORT_JSON_FLAGS)) != STATUS_OK)
        goto out;
    st = report_json_flush(out);

out:
    json_decref(findings);
    json_decref(tool);
    json_decref(doc);
    return st;
}

enum status report_jsonl_write(FILE *out, const struct finding *const *sorted, size_t n,
                               const struct report_opts *opts)
{
    bool show = opts != NULL && opts->show_secrets;
    json_t *obj = NULL;
    enum status st = STATUS_OK;

    for (size_t i = 0; i < n; i++) {
        if ((st = report_json_check(sorted[i], i)) != STATUS_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        obj = report_json_finding(sorted[i], show);
        if ((st = report_json_dump(out, obj, JSON_COMPACT | REPORT_JSON_FLAGS)) != STATUS_OK)
            goto out;
        json_decref(obj);
        obj = NULL;
    }
    st = report_json_flush(out);

out:
    json_decref(obj);
    return st;
}
