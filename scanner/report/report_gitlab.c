/*
 * report/report_gitlab.c - `--format gitlab`: GitLab's Secret Detection report
 * (gl-secret-detection-report.json), which the security dashboard, the merge request
 * widget and the vulnerability report ingest from `artifacts: reports: secret_detection`.
 *
 * The shape is security-report-schemas v15.0.7 (dist/secret-detection-report-format.json),
 * the version GitLab's own secrets analyzer pins because GitLab 16 and later all ingest
 * it. GitLab refuses a whole report that does not match the schema, so only fields the
 * schema defines are written (tests/data/gitlab-secret-detection-subset.schema.json is the
 * subset the tests check). One vulnerability per place a credential was seen: GitLab's
 * location is a single file, line and commit. Its id is a UUID derived from the
 * credential's fingerprint and the place, so the same leak keeps the same id from one
 * pipeline to the next; severity is the risk tier. Secrets are redacted as everywhere
 * (report_redact); the key ID is an identifier and is shown whole.
 */
#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_json_util.h"

#include "base/diag.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "rank/risk.h"

#define GITLAB_SCHEMA_VERSION "15.0.7"
#define GITLAB_SCHEMA_URL                                                                  \
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v"     \
    GITLAB_SCHEMA_VERSION "/dist/secret-detection-report-format.json"
#define GITLAB_TOOL_URL "https://github.com/sesame-scanner/sesame"
#define GITLAB_NO_COMMIT "0000000" /* what GitLab's analyzer writes outside git history */
#define GITLAB_SOLUTION_MAX 7000   /* the schema's maxLength of "solution" */

static const struct scan_stats gitlab_no_stats;
static const struct report_opts gitlab_no_opts;

FORMAT(2, 3) static void gitlab_cat(char **s, const char *fmt, ...)
{
    va_list ap;
    char more[1024];
    char *joined;

    va_start(ap, fmt);
    vsnprintf(more, sizeof(more), fmt, ap);
    va_end(ap);
    joined = xasprintf("%s%s", *s ? *s : "", more);
    crypto_wipe(more, sizeof(more));
    if (*s)
        crypto_free_secret(*s); /* may hold a value under --show-secrets */
    *s = joined;
}

/* GitLab's times have no zone: "2026-01-01T00:00:00" (UTC). */
static struct jv *gitlab_time(int64_t t)
{
    char buf[REPORT_JSON_TIME_SIZE];
    size_t n;

    if (!report_json_iso_time(buf, t))
        report_json_iso_time(buf, 0);
    n = strlen(buf);
    if (n && buf[n - 1] == 'Z')
        buf[n - 1] = '\0';
    return jv_str(buf);
}

static struct jv *gitlab_tool(void)
{
    struct jv *o = jv_object(), *vendor = jv_object();

    jv_put(vendor, "name", jv_str("sesame"));
    jv_put(o, "id", jv_str("sesame"));
    jv_put(o, "name", jv_str("sesame"));
    jv_put(o, "url", jv_str(GITLAB_TOOL_URL));
    jv_put(o, "version", jv_str(SESAME_VERSION));
    jv_put(o, "vendor", vendor);
    return o;
}

static struct jv *gitlab_message(const char *level, const char *text)
{
    struct jv *m = jv_object();

    jv_put(m, "level", jv_str(level));
    jv_put(m, "value", jv_str(text));
    return m;
}

/* The scan object: what ran, when, and every warning (an incomplete scan says so). */
static struct jv *gitlab_scan(const struct scan_stats *st)
{
    struct jv *scan = jv_object(), *msgs = jv_array();

    if (st->incomplete) {
        char *text = xasprintf("incomplete scan: %" PRIu64 " input(s) could not be read, %"
                               PRIu64 " cut short by a limit%s%s",
                               st->errors, st->limits,
                               st->history_cut ? ", git history truncated" : "",
                               st->timed_out ? ", time budget exceeded" : "");
        jv_push(msgs, gitlab_message("warning", text));
        free(text);
    }
    for (size_t i = 0; st->diags && i < st->diags->n; i++)
        jv_push(msgs, gitlab_message(st->diags->v[i].kind == DIAG_NOTE ? "info" : "warning",
                                     st->diags->v[i].text));
    jv_put(scan, "analyzer", gitlab_tool());
    jv_put(scan, "scanner", gitlab_tool());
    jv_put(scan, "type", jv_str("secret_detection"));
    jv_put(scan, "start_time", gitlab_time(st->started_at));
    jv_put(scan, "end_time", gitlab_time(st->started_at + (int64_t)(st->seconds + 0.5)));
    jv_put(scan, "status", jv_str("success"));
    jv_put(scan, "messages", msgs);
    return scan;
}

static const char *gitlab_severity(const struct finding *f)
{
    if (!f->risk)
        return "Unknown";
    switch (f->risk->tier) {
    case TIER_CRITICAL: return "Critical";
    case TIER_HIGH: return "High";
    case TIER_MEDIUM: return "Medium";
    case TIER_LOW: return "Low";
    case TIER_INFO: return "Info";
    }
    return "Unknown";
}

static const char *gitlab_part_phrase(enum cred_kind k)
{
    switch (k) {
    case CRED_ACCESS_KEY_ID: return "AWS access key ID";
    case CRED_SECRET_ACCESS_KEY: return "AWS secret access key";
    case CRED_SESSION_TOKEN: return "AWS session token";
    case CRED_SMTP_PASSWORD: return "Amazon SES SMTP password";
    case CRED_BEDROCK_API_KEY: return "Amazon Bedrock API key";
    case CRED_CONTEXT:
    case CRED_KIND_COUNT: break;
    }
    return "AWS credential";
}

/* A UUID (version 4 layout, deterministic: SHA-256 of the fingerprint and the place). */
static struct jv *gitlab_uuid(const struct finding *f, const struct location *l)
{
    unsigned char h[CRYPTO_SHA256_LEN];
    char *key = xasprintf("sesame-gitlab\n%s\n%s\n%" PRIu64 "\n%" PRIu64 "\n%d\n%s",
                          f->fingerprint, l->path ? l->path : "", l->line, l->column,
                          (int)l->part, l->commit.commit ? l->commit.commit : "");
    char out[40];

    crypto_sha256(key, strlen(key), h);
    free(key);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    snprintf(out, sizeof(out),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
             h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
             h[15]);
    return jv_str(out);
}

/* " Secret access keys: wJal…[sha256:…], …." through report_redact. */
static void gitlab_values(char **d, const char *head, enum cred_kind kind,
                          const struct secret_value *v, size_t n, bool show)
{
    for (size_t i = 0; i < n; i++) {
        char *s = report_redact(kind, v[i].value, show);
        gitlab_cat(d, "%s%s", i ? ", " : head, s);
        crypto_free_secret(s);
    }
    if (n)
        gitlab_cat(d, ".");
}

/* "AWS access key ID AKIA… (account 1234…, fingerprint …): secret access key found at
 * this place. The credential has …; verification: live; risk 70/100 (high)." */
static char *gitlab_description(const struct finding *f, const struct location *l, bool show)
{
    char *d = NULL;
    const struct verification *v = f->verification;

    if (f->example)
        gitlab_cat(&d, "AWS documentation example. ");
    if (f->access_key_id) {
        char *id = report_redact(CRED_ACCESS_KEY_ID, f->access_key_id, show);
        gitlab_cat(&d, "AWS access key ID %s", id);
        free(id);
        if (f->account_id)
            gitlab_cat(&d, " (account %s)", f->account_id);
        gitlab_cat(&d, ": its %s is here", l->part == CRED_ACCESS_KEY_ID
                                               ? "key ID"
                                               : gitlab_part_phrase(l->part) + 4);
        if (l->value_sha[0]) /* which one: as the lists below show it */
            gitlab_cat(&d, " ([sha256:%.12s])", l->value_sha);
        gitlab_cat(&d, ".");
    } else {
        gitlab_cat(&d, "%s found here.", gitlab_part_phrase(l->part));
    }
    gitlab_cat(&d, " The credential has %zu secret access key(s), %zu session token(s) and "
                   "%zu SES SMTP password(s), and was seen in %zu place(s) (exposure: %s).",
               f->n_secrets, f->n_session_tokens, f->n_smtp_passwords, f->n_locations,
               exposure_name(f->exposure));
    for (size_t i = 0; i < f->n_secrets; i++) {
        char *s = report_redact(CRED_SECRET_ACCESS_KEY, f->secrets[i].value, show);
        gitlab_cat(&d, "%s%s", i ? ", " : " Secret access keys: ", s);
        if (v)
            gitlab_cat(&d, " (%s)", verify_status_name(f->secrets[i].status));
        crypto_free_secret(s);
    }
    if (f->n_secrets)
        gitlab_cat(&d, ".");
    gitlab_values(&d, " Session tokens: ", CRED_SESSION_TOKEN, f->session_tokens,
                  f->n_session_tokens, show);
    for (size_t i = 0; i < f->n_smtp_passwords; i++) {
        char *s = report_redact(CRED_SMTP_PASSWORD, f->smtp_passwords[i].value, show);
        gitlab_cat(&d, "%s%s", i ? ", " : " SES SMTP passwords: ", s);
        crypto_free_secret(s);
    }
    if (f->n_smtp_passwords)
        gitlab_cat(&d, ".");
    gitlab_cat(&d, " Rule %s. Verification: %s%s%s.", l->rule_id ? l->rule_id : "?",
               verify_status_name(v ? v->status : VERIFY_NOT_CHECKED),
               v && v->arn ? ", " : "", v && v->arn ? v->arn : "");
    if (f->risk)
        gitlab_cat(&d, " Risk %d/100 (%s).", f->risk->score, risk_tier_name(f->risk->tier));
    gitlab_cat(&d, " sesame fingerprint %s.", f->fingerprint);
    return d;
}

static struct jv *gitlab_solution(const struct finding *f)
{
    char *s = NULL;
    struct jv *v;

    for (size_t i = 0; f->risk && i < f->risk->n_remediation; i++)
        gitlab_cat(&s, "%s%zu. %s", i ? "\n" : "", i + 1, f->risk->remediation[i]);
    if (!s)
        s = xstrdup("Deactivate and rotate the key (aws iam update-access-key --status "
                    "Inactive), then remove it from the code and its history.");
    if (strlen(s) > GITLAB_SOLUTION_MAX)
        s[GITLAB_SOLUTION_MAX] = '\0';
    v = jv_str(s);
    free(s);
    return v;
}

static struct jv *gitlab_identifier(const char *type, const char *name, const char *value)
{
    struct jv *o = jv_object();

    jv_put(o, "type", jv_str(type));
    jv_put(o, "name", jv_str(name));
    jv_put(o, "value", jv_str(value));
    return o;
}

static struct jv *gitlab_location(const struct location *l)
{
    struct jv *loc = jv_object(), *commit = jv_object();
    char when[REPORT_JSON_TIME_SIZE];
    uint64_t line = l->line ? l->line : 1;

    jv_put(loc, "file", l->path && *l->path ? report_json_path(l->path, l->shown_tail)
                                              : report_json_path("-", 0));
    jv_put(loc, "start_line", jv_uint(line));
    jv_put(loc, "end_line", jv_uint(line));
    jv_put(commit, "sha", jv_str(l->commit.commit ? l->commit.commit : GITLAB_NO_COMMIT));
    if (l->commit.author)
        jv_put(commit, "author", jv_str(l->commit.author));
    if (l->commit.commit && report_json_iso_time(when, l->commit.author_time))
        jv_put(commit, "date", jv_str(when));
    if (l->commit.summary)
        jv_put(commit, "message", jv_str(l->commit.summary));
    jv_put(loc, "commit", commit);
    return loc;
}

static struct jv *gitlab_vulnerability(const struct finding *f, const struct location *l,
                                       bool show)
{
    struct jv *vul = jv_object(), *ids = jv_array();
    char *desc = gitlab_description(f, l, show);
    char *name, fp[64];
    const struct verification *v = f->verification;

    name = xasprintf("%s%s%s", gitlab_part_phrase(l->part),
                     v && v->status == VERIFY_LIVE ? " (live)" : "",
                     f->example ? " (documentation example)" : "");
    jv_push(ids, gitlab_identifier("sesame_rule_id",
                                   l->rule_id ? l->rule_id : cred_kind_name(l->part),
                                   l->rule_id ? l->rule_id : cred_kind_name(l->part)));
    snprintf(fp, sizeof(fp), "sesame credential %s", f->fingerprint);
    jv_push(ids, gitlab_identifier("sesame_fingerprint", fp, f->fingerprint));
    jv_put(vul, "id", gitlab_uuid(f, l));
    jv_put(vul, "name", jv_str(name));
    jv_put(vul, "description", jv_str(desc));
    jv_put(vul, "severity", jv_str(gitlab_severity(f)));
    jv_put(vul, "solution", gitlab_solution(f));
    jv_put(vul, "identifiers", ids);
    jv_put(vul, "location", gitlab_location(l));
    crypto_free_secret(desc);
    free(name);
    return vul;
}

enum status report_gitlab_write(FILE *out, const struct finding *const *sorted, size_t n,
                                const struct report_opts *opts)
{
    const struct scan_stats *st;
    struct jv *doc, *vuls;
    bool ok;

    if (opts == NULL)
        opts = &gitlab_no_opts;
    st = opts->stats ? opts->stats : &gitlab_no_stats;
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        if (f == NULL)
            return fail(STATUS_BUG, "report: finding %zu is NULL", i);
        if ((unsigned)f->kind > CRED_SMTP_PASSWORD || (unsigned)f->exposure > EXPOSURE_UNREACHABLE)
            return fail(STATUS_BUG, "report: finding %.16s has kind %u, exposure %u",
                        f->fingerprint, (unsigned)f->kind, (unsigned)f->exposure);
        for (size_t k = 0; k < f->n_locations; k++)
            if (f->locations[k].path == NULL)
                return fail(STATUS_BUG, "report: finding %.16s has a location without a path",
                            f->fingerprint);
    }
    vuls = jv_array();
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sorted[i]->n_locations; k++)
            jv_push(vuls, gitlab_vulnerability(sorted[i], &sorted[i]->locations[k],
                                               opts->show_secrets));
    doc = jv_object();
    jv_put(doc, "version", jv_str(GITLAB_SCHEMA_VERSION));
    jv_put(doc, "schema", jv_str(GITLAB_SCHEMA_URL));
    jv_put(doc, "scan", gitlab_scan(st));
    jv_put(doc, "vulnerabilities", vuls);
    ok = jv_write(out, doc, JV_PRETTY);
    jv_free(doc);
    if (!ok || fflush(out) != 0 || ferror(out))
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    return STATUS_OK;
}
