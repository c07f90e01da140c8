/*
 * store/queue.c - the work queue of a fleet of audit workers, and the claims that make a
 * credential verified once for the whole fleet (issue 15; schema 8, store.h).
 *
 * Every operation is one statement, run on its own (autocommit), except store_queue_done
 * which runs inside the transaction that records the repository's results: so a claim, a
 * lease renewal or a failure never waits behind another worker's long write, and a
 * repository is done exactly when its results are committed. Times are the database's
 * clock in milliseconds (the adapter's now_ms), so workers on machines whose clocks
 * disagree still agree on when a lease expires. On PostgreSQL a claim skips the rows
 * another worker is claiming (FOR UPDATE SKIP LOCKED); SQLite has one writer at a time,
 * so one UPDATE is a claim there too (the queue works on a SQLite file for workers on one
 * machine).
 *
 * A claim is (id, worker, attempt): every statement that acts on a claim names all three,
 * so a worker whose lease expired and whose repository was claimed again changes nothing.
 * Rows read back are checked (a state that is not one of the four, a missing URL: skipped).
 */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/store.h"
#include "store/store_int.h"

enum {
    QS_ADD_GET, QS_ADD_NEW, QS_ADD_AGAIN, QS_PARK, QS_CLAIM, QS_RENEW, QS_DONE, QS_FAIL,
    QS_RELEASE, QS_COUNTS, QS_ITEMS, QS_VCLAIM, QS_VRENEW, QS_VRELEASE, QS_FINDING, QS_COUNT
};

/* %NOW%: the database's clock (ms); %SKIP%: skip rows locked by another claim */
static const char *const templates[QS_COUNT] = {
    [QS_ADD_GET] = "SELECT state FROM queue WHERE url=?1",
    [QS_ADD_NEW] = "INSERT INTO queue(url, path, remote, enqueued) VALUES(?1, ?2, ?3, %NOW%)"
                   " ON CONFLICT(url) DO NOTHING",
    [QS_ADD_AGAIN] = "UPDATE queue SET path=?2, remote=?3, state='pending', attempts=0,"
                     " worker=NULL, claimed=NULL, lease_until=NULL, finished=NULL, error=NULL,"
                     " enqueued=%NOW% WHERE url=?1 AND state IN ('done', 'failed')",
    [QS_PARK] = "UPDATE queue SET state='failed', lease_until=NULL, finished=%NOW%,"
                " error='its lease expired ' || attempts || ' times: the worker stopped or"
                " was killed in it (last ' || COALESCE(worker, '') || ')'"
                " WHERE state='running' AND lease_until<%NOW% AND attempts>=?1",
    [QS_CLAIM] = "UPDATE queue SET state='running', worker=?1, attempts=attempts+1,"
                 " claimed=%NOW%, lease_until=%NOW%+?2, error=NULL WHERE id=(SELECT id FROM"
                 " queue WHERE state='pending' OR (state='running' AND lease_until<%NOW%"
                 " AND attempts<?3) ORDER BY id LIMIT 1%SKIP%)"
                 " RETURNING id, url, path, remote, attempts",
    [QS_RENEW] = "UPDATE queue SET lease_until=%NOW%+?4 WHERE id=?1 AND worker=?2 AND"
                 " attempts=?3 AND state='running' RETURNING id",
    [QS_DONE] = "UPDATE queue SET state='done', lease_until=NULL, finished=%NOW%, error=NULL"
                " WHERE id=?1 AND worker=?2 AND attempts=?3 AND state='running' RETURNING id",
    [QS_FAIL] = "UPDATE queue SET state=CASE WHEN attempts>=?4 THEN 'failed' ELSE 'pending'"
                " END, lease_until=NULL, error=?5, finished=CASE WHEN attempts>=?4 THEN %NOW%"
                " ELSE NULL END WHERE id=?1 AND worker=?2 AND attempts=?3 AND state='running'",
    [QS_RELEASE] = "UPDATE queue SET state='pending', attempts=attempts-1, lease_until=NULL,"
                   " error=?4 WHERE id=?1 AND worker=?2 AND attempts=?3 AND state='running'",
    [QS_COUNTS] = "SELECT state, COUNT(*) FROM queue GROUP BY state",
    [QS_ITEMS] = "SELECT url, state, attempts, worker, error, %NOW%-claimed,"
                 " lease_until-%NOW% FROM queue WHERE state IN ('running', 'failed')"
                 " ORDER BY state DESC, id",
    [QS_VCLAIM] = "INSERT INTO verify_claims(fingerprint, worker, lease_until)"
                  " VALUES(?1, ?2, %NOW%+?3) ON CONFLICT(fingerprint) DO UPDATE SET"
                  " worker=excluded.worker, lease_until=excluded.lease_until"
                  " WHERE verify_claims.lease_until<%NOW% OR verify_claims.worker=excluded.worker"
                  " RETURNING worker",
    [QS_VRENEW] = "UPDATE verify_claims SET lease_until=%NOW%+?2 WHERE worker=?1",
    [QS_VRELEASE] = "DELETE FROM verify_claims WHERE fingerprint=?1 AND worker=?2",
    [QS_FINDING] = "INSERT INTO findings(fingerprint, kind, first_seen, last_seen)"
                   " VALUES(?1, ?2, ?3, ?3) ON CONFLICT(fingerprint) DO NOTHING",
};

/* A template with `tok` replaced by `with` everywhere (new string). */
static char *replace(const char *sql, const char *tok, const char *with)
{
    size_t n = 0, cap = strlen(sql) + 1;
    char *out;
    for (const char *p = strstr(sql, tok); p; p = strstr(p + strlen(tok), tok))
        cap += strlen(with);
    out = xmalloc(cap);
    for (const char *p = sql; *p;) {
        const char *hit = strstr(p, tok);
        size_t len = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(out + n, p, len);
        n += len;
        if (!hit)
            break;
        memcpy(out + n, with, strlen(with));
        n += strlen(with);
        p = hit + strlen(tok);
    }
    out[n] = '\0';
    return out;
}

/* Statement k in the store's dialect, made once (a stable address: see store_int.h). */
static const char *sql_of(struct store *s, int k)
{
    if (!s->qsql[k]) {
        char *one = replace(templates[k], "%NOW%", s->a->now_ms);
        s->qsql[k] = replace(one, "%SKIP%", s->a->skip_locked);
        free(one);
    }
    return s->qsql[k];
}

static enum status run(struct store *s, int k, const struct store_val *a, size_t n,
                       store_row_fn *fn, void *ctx)
{
    if (s->version < 8)
        return fail(STATUS_BUG, "store: the queue needs schema 8 (this store is at %d)",
                    s->version);
    return s->a->exec(s->db, sql_of(s, k), a, n, fn, ctx);
}

/* Some row came back (RETURNING of an UPDATE that matched). */
static enum status any_row(void *ctx, const struct store_val *c, size_t n)
{
    (void)c;
    (void)n;
    *(bool *)ctx = true;
    return STATUS_OK;
}

static const char *const states[] = { "pending", "running", "done", "failed" };

static int state_index(const struct store_val *v)
{
    for (int i = 0; v->t == SV_TEXT && i < 4; i++)
        if (strcmp(v->s, states[i]) == 0)
            return i;
    return -1;
}

static enum status state_row(void *ctx, const struct store_val *c, size_t n)
{
    int *st = ctx;
    if (n >= 1)
        *st = state_index(&c[0]);
    return STATUS_OK;
}

enum status store_queue_add(struct store *s, const char *url, const char *path, bool remote,
                            enum store_queue_add *what)
{
    struct store_val a[3] = { V_TEXT(url), V_TEXT(path), V_INT(remote) };
    int state = -2;
    enum status st = run(s, QS_ADD_GET, a, 1, state_row, &state);

    *what = SQ_ALREADY;
    if (st != STATUS_OK)
        return st;
    if (state == -2) {
        *what = SQ_NEW;
        return run(s, QS_ADD_NEW, a, 3, NULL, NULL);
    }
    if (state == 2 || state == 3) {
        *what = SQ_AGAIN;
        return run(s, QS_ADD_AGAIN, a, 3, NULL, NULL);
    }
    if (state < 0) /* a state that makes no sense: queued again, from the start */
        log_warn("store: queue entry with an unknown state, left as it is");
    return STATUS_OK;
}

static enum status job_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_job *j = ctx;
    if (n < 5 || c[0].t != SV_INT || c[1].t != SV_TEXT || c[2].t != SV_TEXT ||
        c[4].t != SV_INT || !*c[1].s || !*c[2].s || j->url) {
        log_warn("store: a queue row that makes no sense is skipped");
        return STATUS_OK;
    }
    j->id = c[0].i;
    j->url = xstrdup(c[1].s);
    j->path = xstrdup(c[2].s);
    j->remote = c[3].t == SV_INT && c[3].i != 0;
    j->attempt = c[4].i;
    return STATUS_OK;
}

enum status store_queue_claim(struct store *s, const char *worker, int64_t lease_ms,
                              int64_t max_attempts, struct store_job *job, bool *got)
{
    struct store_val park = V_INT(max_attempts);
    struct store_val a[3] = { V_TEXT(worker), V_INT(lease_ms), V_INT(max_attempts) };
    enum status st;

    memset(job, 0, sizeof(*job));
    *got = false;
    if ((st = run(s, QS_PARK, &park, 1, NULL, NULL)) != STATUS_OK ||
        (st = run(s, QS_CLAIM, a, 3, job_row, job)) != STATUS_OK) {
        store_job_release(job);
        return st;
    }
    *got = job->url != NULL;
    return STATUS_OK;
}

void store_job_release(struct store_job *j)
{
    free(j->url);
    free(j->path);
    memset(j, 0, sizeof(*j));
}

enum status store_queue_renew(struct store *s, const struct store_job *j, const char *worker,
                              int64_t lease_ms, bool *held)
{
    struct store_val a[4] = { V_INT(j->id), V_TEXT(worker), V_INT(j->attempt), V_INT(lease_ms) };
    *held = false;
    return run(s, QS_RENEW, a, 4, any_row, held);
}

enum status store_queue_done(struct store *s, const struct store_job *j, const char *worker,
                             bool *held)
{
    struct store_val a[3] = { V_INT(j->id), V_TEXT(worker), V_INT(j->attempt) };
    *held = false;
    return run(s, QS_DONE, a, 3, any_row, held);
}

enum status store_queue_fail(struct store *s, const struct store_job *j, const char *worker,
                             int64_t max_attempts, const char *error, bool retry_free)
{
    struct store_val a[5] = { V_INT(j->id), V_TEXT(worker), V_INT(j->attempt), V_INT(max_attempts),
                              V_TEXT(error) };
    if (retry_free) {
        a[3] = V_TEXT(error);
        return run(s, QS_RELEASE, a, 4, NULL, NULL);
    }
    return run(s, QS_FAIL, a, 5, NULL, NULL);
}

static enum status count_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_queue_status *q = ctx;
    uint64_t *slot[4] = { &q->pending, &q->running, &q->done, &q->failed };
    int k = n >= 2 ? state_index(&c[0]) : -1;
    if (k < 0 || c[1].t != SV_INT || c[1].i < 0) {
        log_warn("store: a queue count that makes no sense is skipped");
        return STATUS_OK;
    }
    *slot[k] = (uint64_t)c[1].i;
    return STATUS_OK;
}

static char *opt_str(const struct store_val *v)
{
    return v->t == SV_TEXT ? xstrdup(v->s) : NULL;
}

static enum status item_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_queue_status *q = ctx;
    struct store_queue_item *it;
    int k = n >= 7 ? state_index(&c[1]) : -1;

    if ((k != 1 && k != 3) || c[0].t != SV_TEXT) {
        log_warn("store: a queue row that makes no sense is skipped");
        return STATUS_OK;
    }
    if (q->n_items >= LIMIT_STORE_ROWS)
        return fail(STATUS_LIMIT, "store: more than %u queue entries running or failed",
                    LIMIT_STORE_ROWS);
    q->items = xrealloc(q->items, (q->n_items + 1) * sizeof(*q->items));
    it = &q->items[q->n_items++];
    memset(it, 0, sizeof(*it));
    it->url = xstrdup(c[0].s);
    it->state = xstrdup(states[k]);
    it->attempts = c[2].t == SV_INT ? c[2].i : 0;
    it->worker = opt_str(&c[3]);
    it->error = opt_str(&c[4]);
    it->claimed_ago_ms = c[5].t == SV_INT ? c[5].i : 0;
    it->lease_left_ms = c[6].t == SV_INT ? c[6].i : 0;
    return STATUS_OK;
}

enum status store_queue_status(struct store *s, bool items, struct store_queue_status *out)
{
    enum status st;
    memset(out, 0, sizeof(*out));
    st = run(s, QS_COUNTS, NULL, 0, count_row, out);
    if (st == STATUS_OK && items)
        st = run(s, QS_ITEMS, NULL, 0, item_row, out);
    if (st != STATUS_OK)
        store_queue_status_release(out);
    return st;
}

void store_queue_status_release(struct store_queue_status *q)
{
    for (size_t i = 0; i < q->n_items; i++) {
        free(q->items[i].url);
        free(q->items[i].state);
        free(q->items[i].worker);
        free(q->items[i].error);
    }
    free(q->items);
    memset(q, 0, sizeof(*q));
}

enum status store_verify_claim(struct store *s, const char *fingerprint, const char *worker,
                               int64_t lease_ms, bool *got)
{
    struct store_val a[3] = { V_TEXT(fingerprint), V_TEXT(worker), V_INT(lease_ms) };
    *got = false;
    return run(s, QS_VCLAIM, a, 3, any_row, got);
}

enum status store_verify_renew(struct store *s, const char *worker, int64_t lease_ms)
{
    struct store_val a[2] = { V_TEXT(worker), V_INT(lease_ms) };
    return run(s, QS_VRENEW, a, 2, NULL, NULL);
}

enum status store_verify_release(struct store *s, const char *fingerprint, const char *worker)
{
    struct store_val a[2] = { V_TEXT(fingerprint), V_TEXT(worker) };
    return run(s, QS_VRELEASE, a, 2, NULL, NULL);
}

enum status store_finding_ensure(struct store *s, const char *fingerprint, const char *kind,
                                 int64_t when)
{
    struct store_val a[3] = { V_TEXT(fingerprint), V_TEXT(kind), V_INT(when) };
    return run(s, QS_FINDING, a, 3, NULL, NULL);
}
