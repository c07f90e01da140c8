/*
 * report/report_store.c - `sesame findings`: the store's findings as text, JSON, JSON
 * Lines or CSV (report_store.h). One entry per credential, in the order the store ranked
 * them (risk, highest first): which repositories hold it, whether it is still at a HEAD,
 * its triage state and history, its last verification, and every occurrence.
 */
#include "report/report_store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/escape.h"
#include "base/xalloc.h"
#include "json/json.h"
#include "report/report_json_util.h"

static const char *const formats = "text, json, jsonl, csv, sarif, html";

const char *report_store_formats(void)
{
    return formats;
}

static struct jv *jstr_or_null(const char *s)
{
    return s ? jv_str(s) : jv_null();
}

static struct jv *jtime(int64_t t)
{
    return t ? jv_int(t) : jv_null();
}

/* "name\tpoints\tdetail" lines into [{name, points, detail}]. */
static struct jv *factors_json(const char *text)
{
    struct jv *arr = jv_array();
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, len);
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (t1 && t2) {
            struct jv *f = jv_object();
            *t1 = *t2 = '\0';
            jv_put(f, "name", jv_str(line));
            jv_put(f, "points", jv_int(strtol(t1 + 1, NULL, 10)));
            jv_put(f, "detail", jv_str(t2 + 1));
            jv_push(arr, f);
        }
        free(line);
        p = nl ? nl + 1 : p + len;
    }
    return arr;
}

static struct jv *lines_json(const char *text)
{
    struct jv *arr = jv_array();
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len)
            jv_push(arr, jv_strn(p, len));
        p = nl ? nl + 1 : p + len;
    }
    return arr;
}

static struct jv *row_json(const struct store_row *r)
{
    struct jv *o = jv_object(), *a, *risk = jv_object();

    jv_put(o, "fingerprint", jv_str(r->fingerprint));
    jv_put(o, "kind", jstr_or_null(r->kind));
    jv_put(o, "access_key_id", jstr_or_null(r->key_id));
    jv_put(o, "key_type", jstr_or_null(r->key_type));
    jv_put(o, "account_id", jstr_or_null(r->account_id));
    jv_put(o, "confidence", jstr_or_null(r->confidence));
    {
        struct jv *rules = jv_array();
        for (const char *p = r->rules; p && *p;) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            jv_push(rules, jv_strn(p, len));
            p = c ? c + 1 : p + len;
        }
        jv_put(o, "rules", rules);
    }
    jv_put(risk, "score", jv_int(r->risk_score));
    jv_put(risk, "tier", jstr_or_null(r->risk_tier));
    jv_put(risk, "factors", factors_json(r->risk_factors));
    jv_put(risk, "remediation", lines_json(r->remediation));
    jv_put(o, "risk", risk);
    jv_put(o, "state", jv_str(r->state));
    jv_put(o, "state_note", jstr_or_null(r->state_note));
    jv_put(o, "state_by", jstr_or_null(r->state_by));
    jv_put(o, "state_at", jtime(r->state_at));
    jv_put(o, "first_seen", jtime(r->first_seen));
    jv_put(o, "last_seen", jtime(r->last_seen));
    jv_put(o, "gone_since", jtime(r->gone_since));
    jv_put(o, "at_head", jv_bool(r->at_head));
    a = jv_array();
    for (size_t i = 0; i < r->n_repos; i++)
        jv_push(a, jv_str(r->repos[i]));
    jv_put(o, "repositories", a);
    a = jv_array();
    for (size_t i = 0; i < r->n_parts; i++) {
        struct jv *p = jv_object();
        const char *sp = strchr(r->parts[i], ' ');
        jv_put(p, "kind", jv_strn(r->parts[i], sp ? (size_t)(sp - r->parts[i]) : 0));
        jv_put(p, "redacted", jv_str(sp ? sp + 1 : ""));
        jv_push(a, p);
    }
    jv_put(o, "parts", a);
    if (r->verify_status) {
        struct jv *v = jv_object();
        jv_put(v, "status", jv_str(r->verify_status));
        jv_put(v, "account", jstr_or_null(r->verify_account));
        jv_put(v, "detail", jstr_or_null(r->verify_detail));
        jv_put(v, "at", jtime(r->verified_at));
        jv_put(o, "verification", v);
    } else {
        jv_put(o, "verification", jv_null());
    }
    a = jv_array();
    for (size_t i = 0; i < r->n_locs; i++) {
        const struct store_loc *l = &r->locs[i];
        struct jv *j = jv_object();
        jv_put(j, "repository", jv_str(l->repo));
        jv_put(j, "path", report_json_path(l->path, l->shown_tail));
        jv_put(j, "line", jv_int(l->line));
        jv_put(j, "column", jv_int(l->column));
        jv_put(j, "part", jstr_or_null(l->part));
        jv_put(j, "rule", jstr_or_null(l->rule));
        jv_put(j, "commit", l->commit && *l->commit ? jv_str(l->commit) : jv_null());
        jv_put(j, "blob", l->blob && *l->blob ? jv_str(l->blob) : jv_null());
        jv_put(j, "author", jstr_or_null(l->author));
        jv_put(j, "commit_time", jtime(l->commit_time));
        jv_put(j, "removed_in", jstr_or_null(l->removed_in));
        jv_put(j, "replaced", jv_bool(l->replaced));
        jv_put(j, "layer_command", jstr_or_null(l->layer_command));
        jv_put(j, "at_head", jv_bool(l->at_head));
        jv_put(j, "first_seen", jtime(l->first_seen));
        jv_put(j, "last_seen", jtime(l->last_seen));
        jv_put(j, "gone_since", jtime(l->gone_since));
        jv_push(a, j);
    }
    jv_put(o, "locations", a);
    a = jv_array();
    for (size_t i = 0; i < r->n_history; i++) {
        struct jv *h = jv_object();
        jv_put(h, "state", jv_str(r->history[i].state));
        jv_put(h, "note", jstr_or_null(r->history[i].note));
        jv_put(h, "by", jstr_or_null(r->history[i].by));
        jv_put(h, "at", jtime(r->history[i].at));
        jv_push(a, h);
    }
    jv_put(o, "triage_history", a);
    return o;
}

/* At most n bytes of s, escaped ("-" for none). */
static void put_escn(FILE *out, const char *s, size_t n)
{
    char *e;
    if (!s) {
        fputc('-', out);
        return;
    }
    e = escape_dup(s, strnlen(s, n), ESC_BACKSLASH);
    fputs(e, out);
    free(e);
}

static void put_esc(FILE *out, const char *s)
{
    put_escn(out, s, s ? strlen(s) : 0);
}

/* What removed an occurrence and an image layer's command, as the scan's text report
 * says them (report_text.c): " · replaced in layer sha256:…", " · removed in …",
 * " · layer: RUN …" (a command cut at 120 bytes; JSON has it whole). */
static void text_removed(FILE *out, const struct store_loc *l)
{
    if (l->removed_in && strncmp(l->removed_in, "sha256:", 7) == 0) {
        fputs(l->replaced ? " · replaced in layer " : " · removed in layer ", out);
        put_escn(out, l->removed_in, 19);
    } else if (l->removed_in) {
        fputs(" · removed in ", out);
        put_escn(out, l->removed_in, 7);
    }
    if (l->layer_command) {
        fputs(" · layer: ", out);
        put_escn(out, l->layer_command, 120);
    }
}

static void text_row(FILE *out, const struct store_row *r)
{
    put_esc(out, r->key_id ? r->key_id : r->kind);
    fprintf(out, " · %s %lld · %s", r->risk_tier ? r->risk_tier : "?", (long long)r->risk_score,
            r->state);
    fprintf(out, " · fingerprint %s%s%s\n", r->fingerprint, r->at_head ? " · at HEAD" : "",
            r->gone_since ? " · gone" : "");
    for (size_t i = 0; i < r->n_parts; i++) {
        fputs("  part        ", out);
        put_esc(out, r->parts[i]);
        fputc('\n', out);
    }
    if (r->verify_status) {
        fputs("  verified    ", out);
        put_esc(out, r->verify_status);
        fputc('\n', out);
    }
    fputs("  repositories", out);
    for (size_t i = 0; i < r->n_repos; i++) {
        fputc(' ', out);
        put_esc(out, r->repos[i]);
    }
    fputc('\n', out);
    for (size_t i = 0; i < r->n_locs; i++) {
        const struct store_loc *l = &r->locs[i];
        fputs(i ? "              " : "  seen at     ", out);
        put_esc(out, l->repo);
        fputc(':', out);
        if (l->path) {
            char *shown = escape_path(l->path, l->shown_tail);
            fputs(shown, out);
            free(shown);
        }
        fprintf(out, ":%lld:%lld (", (long long)l->line, (long long)l->column);
        put_esc(out, l->part);
        fputc(')', out);
        if (l->commit && *l->commit) {
            fputs(" in commit ", out);
            put_escn(out, l->commit, 12);
        }
        text_removed(out, l);
        if (l->gone_since)
            fputs(" [gone]", out);
        fputc('\n', out);
    }
    if (r->state_note) {
        fputs("  note        ", out);
        put_esc(out, r->state_note);
        if (r->state_by) {
            fputs(" (", out);
            put_esc(out, r->state_by);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

/* A CSV cell: quoted, quotes doubled, control characters escaped, and a cell a
 * spreadsheet would take for a formula (= + - @ at the start) prefixed with '. */
static void csv_cell(FILE *out, const char *s, bool last)
{
    char *e = escape_dup(s ? s : "", s ? strlen(s) : 0, ESC_BACKSLASH);
    fputc('"', out);
    if (strchr("=+-@", e[0]) && e[0])
        fputc('\'', out);
    for (const char *p = e; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
    fputc(last ? '\n' : ',', out);
    free(e);
}

static void csv_rows(FILE *out, const struct store_row *rows, size_t n)
{
    fputs("fingerprint,access_key_id,kind,risk_score,risk_tier,state,at_head,repositories,"
          "locations,verification,first_seen,gone_since\n", out);
    for (size_t i = 0; i < n; i++) {
        const struct store_row *r = &rows[i];
        char num[32], loc[32], first[32], gone[32];
        char *repos = xstrdup("");
        for (size_t k = 0; k < r->n_repos; k++) {
            char *j = xasprintf("%s%s%s", repos, k ? " " : "", r->repos[k]);
            free(repos);
            repos = j;
        }
        snprintf(num, sizeof(num), "%lld", (long long)r->risk_score);
        snprintf(loc, sizeof(loc), "%zu", r->n_locs);
        snprintf(first, sizeof(first), "%lld", (long long)r->first_seen);
        snprintf(gone, sizeof(gone), "%lld", (long long)r->gone_since);
        csv_cell(out, r->fingerprint, false);
        csv_cell(out, r->key_id, false);
        csv_cell(out, r->kind, false);
        csv_cell(out, num, false);
        csv_cell(out, r->risk_tier, false);
        csv_cell(out, r->state, false);
        csv_cell(out, r->at_head ? "yes" : "no", false);
        csv_cell(out, repos, false);
        csv_cell(out, loc, false);
        csv_cell(out, r->verify_status, false);
        csv_cell(out, first, false);
        csv_cell(out, r->gone_since ? gone : "", true);
        free(repos);
    }
}

enum status report_store(FILE *out, const char *format, const struct store_row *rows, size_t n,
                         int64_t now)
{
    if (strcmp(format, "html") == 0)
        return report_store_html(out, rows, n, now);
    if (strcmp(format, "sarif") == 0)
        return report_store_sarif(out, rows, n);
    if (strcmp(format, "text") == 0) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputc('\n', out);
            text_row(out, &rows[i]);
        }
        if (n == 0)
            fputs("no findings in the store match\n", out);
        return STATUS_OK;
    }
    if (strcmp(format, "csv") == 0) {
        csv_rows(out, rows, n);
        return STATUS_OK;
    }
    if (strcmp(format, "jsonl") == 0) {
        for (size_t i = 0; i < n; i++) {
            struct jv *j = row_json(&rows[i]);
            jv_write(out, j, JV_LINE);
            jv_free(j);
        }
        return STATUS_OK;
    }
    if (strcmp(format, "json") == 0) {
        struct jv *doc = jv_object(), *arr = jv_array();
        jv_put(doc, "tool", jv_str("sesame"));
        jv_put(doc, "version", jv_str(SESAME_VERSION));
        jv_put(doc, "generated", jv_int(now));
        for (size_t i = 0; i < n; i++)
            jv_push(arr, row_json(&rows[i]));
        jv_put(doc, "findings", arr);
        jv_write(out, doc, JV_PRETTY);
        jv_free(doc);
        return STATUS_OK;
    }
    return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", format, formats);
}
