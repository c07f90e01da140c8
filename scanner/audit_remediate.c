/*
 * audit_remediate.c - `sesame remediate FINGERPRINT --db FILE`: the remediation plan of
 * one finding of the audit store, the same plan `--report` prints from a saved report.
 *
 * The store is read back into a finding with what the plan needs: key ID, type and
 * account, the SMTP passwords (their number), the regions it points to, where it is
 * still seen (or was, when every occurrence is gone; paths in the repository, after the
 * repository when there are several), whether it stays in git history,
 * and the last stored verification (the JSON report's "verification" object, kept as
 * evidence since store schema 6; an older row gives status, account and ARN only).
 * What the store does not hold stays unknown and becomes remediate's placeholder. A
 * store file may come from elsewhere: the evidence is parsed like a report's.
 */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sender.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "finding/finding.h"
#include "finding/load.h"
#include "json/json.h"
#include "model/verification.h"
#include "report/remediate.h"
#include "store/store.h"

static void free_finding(struct finding *f)
{
    free(f->access_key_id);
    free(f->account_id);
    free(f->key_type);
    free(f->smtp_passwords);
    for (size_t i = 0; i < f->n_regions; i++)
        free(f->regions[i]);
    free(f->regions);
    for (size_t i = 0; i < f->n_senders; i++)
        free(f->senders[i]);
    free(f->senders);
    for (size_t i = 0; i < f->n_locations; i++)
        free(f->locations[i].path);
    free(f->locations);
    verification_free(f->verification);
    free(f);
}

static struct verification *stored_verification(const struct store_row *r)
{
    struct verification *v = NULL;
    struct jv *doc = NULL;

    if (r->verify_evidence && jv_load(&doc, "store: verification evidence", r->verify_evidence,
                                      strlen(r->verify_evidence), 0) == STATUS_OK) {
        v = load_verification(doc);
        jv_free(doc);
    }
    if (v || !r->verify_status)
        return v;
    /* a verification stored before schema 6: what it kept */
    v = xcalloc(1, sizeof(*v));
    v->status = VERIFY_UNKNOWN;
    for (int k = VERIFY_NOT_CHECKED; k <= VERIFY_SKIPPED; k++)
        if (strcmp(verify_status_name((enum verify_status)k), r->verify_status) == 0)
            v->status = (enum verify_status)k;
    v->account = r->verify_account ? xstrdup(r->verify_account) : NULL;
    v->arn = r->verify_arn ? xstrdup(r->verify_arn) : NULL;
    v->reason = r->verify_detail ? xstrdup(r->verify_detail) : NULL;
    v->checked_at = r->verified_at;
    return v;
}

/* The finding of a stored row, as far as the plan needs it. */
static struct finding *finding_of_row(const struct store_row *r)
{
    struct finding *f = audit_finding_of_row(r);
    size_t live = 0;
    bool history = false;

    for (size_t i = 0; i < r->n_parts; i++)
        if (strncmp(r->parts[i], "smtp_password ", 14) == 0)
            f->n_smtp_passwords++;
    f->smtp_passwords = xcalloc(f->n_smtp_passwords + 1, sizeof(*f->smtp_passwords));
    for (size_t i = 0; i < f->n_smtp_passwords; i++)
        f->smtp_passwords[i].from_secret = -1; /* value and region unknown: see regions */
    for (const char *p = r->regions; p && *p && f->n_regions < 64;) {
        size_t n = strcspn(p, ",");
        f->regions = xrealloc(f->regions, (f->n_regions + 1) * sizeof(char *));
        f->regions[f->n_regions++] = xstrndup(p, n);
        p += n + (p[n] == ',');
    }
    /* the sender addresses named next to it (schema 7): a store is input too */
    for (const char *p = r->senders; p && *p && f->n_senders < LIMIT_SENDERS;) {
        size_t n = strcspn(p, ",");
        if (aws_sender_ok(p, n)) {
            f->senders = xrealloc(f->senders, (f->n_senders + 1) * sizeof(char *));
            f->senders[f->n_senders++] = xstrndup(p, n);
        }
        p += n + (p[n] == ',');
    }
    /* where it is still seen; every place it was when it is gone everywhere */
    for (size_t i = 0; i < r->n_locs; i++)
        live += r->locs[i].gone_since == 0;
    f->locations = xcalloc(r->n_locs + 1, sizeof(*f->locations));
    for (size_t i = 0; i < r->n_locs; i++) {
        const struct store_loc *l = &r->locs[i];
        struct location *d;
        if (live && l->gone_since)
            continue;
        d = &f->locations[f->n_locations++];
        /* seen in several repositories: say which (the repository's path or URL) */
        d->path = r->n_repos > 1 ? xasprintf("%s/%s", l->repo, l->path) : xstrdup(l->path);
        d->shown_tail = l->shown_tail;
        d->line = l->line > 0 ? (uint64_t)l->line : 0;
        history |= l->commit && *l->commit;
    }
    /* at a HEAD, else in commits only (history, another branch, unreachable), else a
     * file on disk or in a work tree */
    f->exposure = r->at_head ? EXPOSURE_HEAD : history ? EXPOSURE_HISTORY : EXPOSURE_FILE;
    f->verification = stored_verification(r);
    return f;
}

enum status audit_remediate(const char *db, const struct env *env, const char *output,
                            const char *which, const struct remediate_opts *o)
{
    struct store *s = NULL;
    struct store_row *rows = NULL;
    struct store_query q;
    struct finding **fs = NULL;
    const struct finding *f;
    size_t n = 0;
    enum status st;

    if ((st = audit_open_existing(db, env, &s)) != STATUS_OK)
        return st;
    memset(&q, 0, sizeof(q));
    q.include_gone = true;
    if ((st = store_findings(s, &q, &rows, &n)) != STATUS_OK)
        goto out;
    fs = xcalloc(n + 1, sizeof(*fs));
    for (size_t i = 0; i < n; i++)
        fs[i] = finding_of_row(&rows[i]);
    if ((st = remediate_find(fs, n, which, "store", &f)) == STATUS_OK)
        st = remediate_print(output, f, o);
out:
    for (size_t i = 0; fs && i < n; i++)
        free_finding(fs[i]);
    free(fs);
    store_rows_free(rows, n);
    store_close(s);
    return st;
}
