/*
 * audit_query.c - the commands that read the audit store back: `sesame findings` (a
 * ranked listing in text, JSON, JSON Lines, CSV or HTML), `sesame report --html FILE`
 * (the same, as one self-contained page) and `sesame triage` (a decision, kept with its
 * history).
 */
#include "audit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "config.h"
#include "report/report_store.h"
#include "store/store.h"

/* An existing store: a query must not create an empty one where the user mistyped. */
static enum status open_existing(const char *db, const struct env *env, struct store **s)
{
    const char *path = audit_db_path(db, env);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(STATUS_IO, "cannot open the store '%s': %s (run sesame audit first)", path,
                    strerror(errno));
    fclose(f);
    return store_open(s, path);
}

enum status audit_findings(const struct findings_opts_cli *o, size_t *n)
{
    struct store *s = NULL;
    struct store_row *rows = NULL;
    struct store_query q;
    FILE *out = stdout;
    enum status st;

    *n = 0;
    if (o->state && !store_state_valid(o->state))
        return fail(STATUS_USAGE, "no state '%s' (open, false_positive, revoked, "
                                  "accepted_risk)", o->state);
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 &&
        strcmp(o->format, "jsonl") != 0 && strcmp(o->format, "csv") != 0 &&
        strcmp(o->format, "html") != 0)
        return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", o->format,
                    report_store_formats());
    if ((st = open_existing(o->db, o->env, &s)) != STATUS_OK)
        return st;
    memset(&q, 0, sizeof(q));
    q.state = o->state;
    q.min_risk = o->min_risk;
    q.repo = o->repo;
    q.include_gone = o->include_gone;
    if ((st = store_findings(s, &q, &rows, n)) != STATUS_OK)
        goto out;
    if (o->output && strcmp(o->output, "-") != 0 && !(out = fopen(o->output, "w"))) {
        out = stdout;
        st = fail(STATUS_IO, "cannot write '%s': %s", o->output, strerror(errno));
        goto out;
    }
    st = report_store(out, o->format, rows, *n, o->now);
    if (fflush(out) != 0 && st == STATUS_OK)
        st = fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
out:
    if (out != stdout)
        fclose(out);
    store_rows_free(rows, *n);
    store_close(s);
    return st;
}

enum status audit_triage(const char *db, const struct env *env, const char *fingerprint,
                         const char *state, const char *note, const char *by, int64_t now)
{
    struct store *s = NULL;
    char *old = NULL;
    bool found = false;
    enum status st;

    if (strlen(fingerprint) != 16 || strspn(fingerprint, "0123456789abcdef") != 16)
        return fail(STATUS_USAGE, "'%s' is not a fingerprint (16 hex digits, as `sesame "
                                  "findings` prints them)", fingerprint);
    if (!store_state_valid(state))
        return fail(STATUS_USAGE, "no state '%s' (open, false_positive, revoked, "
                                  "accepted_risk)", state);
    if ((st = open_existing(db, env, &s)) != STATUS_OK)
        return st;
    if ((st = store_begin(s)) != STATUS_OK)
        goto out;
    st = store_triage(s, fingerprint, state, note, by, now, &found, &old);
    if (st == STATUS_OK && !found)
        st = fail(STATUS_USAGE, "the store has no finding %s", fingerprint);
    if (st != STATUS_OK) {
        store_rollback(s);
        goto out;
    }
    if ((st = store_commit(s)) == STATUS_OK) {
        char *e = escape_dup(old, strlen(old), ESC_BACKSLASH);
        printf("%s: %s -> %s\n", fingerprint, e, state);
        free(e);
    }
out:
    free(old);
    store_close(s);
    return st;
}

enum status audit_import_baseline(const char *db, const struct env *env, const char *path,
                                  const char *note, const char *by, int64_t now)
{
    struct baseline b;
    struct store *s = NULL;
    size_t accepted = 0, kept = 0, unknown = 0;
    char *dflt = NULL;
    enum status st;

    memset(&b, 0, sizeof(b));
    if ((st = baseline_load(path, &b)) != STATUS_OK)
        return st;
    if ((st = open_existing(db, env, &s)) != STATUS_OK || (st = store_begin(s)) != STATUS_OK)
        goto out;
    dflt = xasprintf("imported from baseline %s", path);
    for (size_t i = 0; st == STATUS_OK && i < b.n; i++) {
        char *state = NULL, *old = NULL;
        bool found;
        if ((st = store_state(s, b.v[i].fingerprint, &state)) != STATUS_OK)
            break;
        if (!state) {
            unknown++;
        } else if (strcmp(state, "open") != 0) {
            kept++; /* a decision already made is not overridden */
        } else if ((st = store_triage(s, b.v[i].fingerprint, "accepted_risk",
                                      note ? note : dflt, by, now, &found, &old)) == STATUS_OK) {
            accepted++;
        }
        free(state);
        free(old);
    }
    if (st != STATUS_OK) {
        store_rollback(s);
        goto out;
    }
    if ((st = store_commit(s)) == STATUS_OK)
        printf("%zu findings now accepted_risk, %zu already triaged (kept), %zu not in the "
               "store\n", accepted, kept, unknown);
out:
    free(dflt);
    store_close(s);
    baseline_release(&b);
    return st;
}
