/*
 * audit_queue.c - a fleet of audit workers sharing one store (issue 15): `sesame audit
 * --enqueue` fills the store's work queue, `sesame audit --worker` audits what it claims
 * from it, `sesame queue status` shows it. No scheduler: any (a Kubernetes Job, a CI
 * matrix, cron on a few hosts) starts as many workers as it likes.
 *
 * A worker claims one repository at a time (store_queue_claim: FOR UPDATE SKIP LOCKED on
 * PostgreSQL) with a lease that a heartbeat thread renews every third of it, on its own
 * connection, so a long scan keeps it; the repository's results and its "done" are one
 * transaction (audit_one, then mark_done before the commit). A worker that dies (SIGKILL,
 * a lost machine) stops renewing: its repository is claimed again once the lease expired.
 * A repository that fails is tried again up to --max-attempts claims, then parked as
 * failed with its error. A store that cannot be reached (restarted, a network cut) is
 * tried again with a growing wait, up to QUEUE_GIVE_UP_S; what was being written then is
 * rolled back by the server and the repository claimed again (nothing lost, nothing
 * twice). --verify: each credential is verified by one worker of the fleet
 * (audit.c, verify_fleet), its claim renewed by the same heartbeat.
 */
#include "audit.h"
#include "audit_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/env.h"
#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "json/json.h"
#include "rules/rule.h"
#include "store/store.h"

/* A store that cannot be reached is tried again, the wait doubling from 0.5 s up to 30 s;
 * at start QUEUE_CONNECT_TRIES times (a typo in the URL should not hang a Job), while
 * running for up to QUEUE_GIVE_UP_S (a server restart or a network cut of a few minutes
 * costs nothing; one that lasts longer ends the worker, exit 6, for its scheduler to
 * restart it). */
#define QUEUE_CONNECT_TRIES 5
#define QUEUE_GIVE_UP_S 600
#define QUEUE_POLL_MS 500 /* nothing to claim: look again after this */

static void msleep(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int64_t backoff(unsigned tries)
{
    int64_t ms = 500;
    for (unsigned i = 1; i < tries && ms < 30000; i++)
        ms *= 2;
    return ms < 30000 ? ms : 30000;
}

/* Open the store, trying again while it cannot be reached (bounded: see the top). */
static enum status connect_retry(struct store **s, const char *db, const struct env *env)
{
    enum status st = STATUS_NET;
    /* a server that answers and refuses is not asked again */
    static const char *const refused[] = { "authentication failed", "does not exist",
                                           "no password supplied", "permission denied" };
    for (unsigned k = 1; k <= QUEUE_CONNECT_TRIES; k++) {
        if ((st = store_connect(s, db, env)) != STATUS_NET)
            return st;
        for (size_t r = 0; r < sizeof(refused) / sizeof(refused[0]); r++)
            if (strstr(status_message(), refused[r]))
                return st;
        if (k < QUEUE_CONNECT_TRIES) {
            log_warn("%s (try %u of %u; again in %.1f s)", status_message(), k,
                     QUEUE_CONNECT_TRIES, (double)backoff(k) / 1000);
            msleep(backoff(k));
        }
    }
    return fail(STATUS_NET, "%s (gave up after %u tries)", status_message(),
                QUEUE_CONNECT_TRIES);
}

/* ---- enqueue --------------------------------------------------------------------------- */

enum status audit_enqueue(const struct audit_opts *ao)
{
    struct audit_list list = { NULL, 0 };
    struct store *s = NULL;
    size_t counts[3] = { 0, 0, 0 };
    enum status st;

    if ((st = audit_collect(ao, &list)) != STATUS_OK)
        return st;
    if (list.n == 0 && !ao->n_github_orgs && !ao->n_gitlab_groups) {
        audit_list_release(&list);
        return fail(STATUS_USAGE, "nothing to enqueue (PATH..., --repos-from, --discover, "
                                  "--github-org or --gitlab-group)");
    }
    if ((st = connect_retry(&s, audit_db_path(ao->db, ao->scan->env), ao->scan->env)) !=
        STATUS_OK) {
        audit_list_release(&list);
        return st;
    }
    /* one transaction: the queue gets the whole list or none of it */
    if ((st = store_begin(s)) == STATUS_OK) {
        for (size_t i = 0; st == STATUS_OK && i < list.n; i++) {
            const struct audit_target *t = &list.v[i];
            enum store_queue_add what;
            /* a remote one is queued by its URL without user information: no password
             * in the store; workers fetch with their own git credentials */
            st = store_queue_add(s, t->url, t->remote ? t->url : t->path, t->remote, &what);
            if (st == STATUS_OK)
                counts[what]++;
        }
        if (st == STATUS_OK)
            st = store_commit(s);
        else
            store_rollback(s);
    }
    if (st == STATUS_OK && strcmp(ao->format, "json") == 0) {
        struct jv *doc = jv_object();
        jv_put(doc, "enqueued", jv_uint(counts[SQ_NEW]));
        jv_put(doc, "queued_again", jv_uint(counts[SQ_AGAIN]));
        jv_put(doc, "already_queued", jv_uint(counts[SQ_ALREADY]));
        jv_write(stdout, doc, JV_PRETTY);
        jv_free(doc);
    } else if (st == STATUS_OK && !ao->scan->quiet) {
        printf("%zu repositories enqueued, %zu queued again (done or failed before), %zu "
               "already pending or running\n",
               counts[SQ_NEW], counts[SQ_AGAIN], counts[SQ_ALREADY]);
    }
    store_close(s);
    audit_list_release(&list);
    return st;
}

/* ---- the heartbeat --------------------------------------------------------------------- */

struct heart {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, have_job;
    struct store_job job;   /* the claim being renewed (id and attempt only) */
    const char *db, *worker;
    const struct env *env;
    int64_t lease_ms;
};

static void *beat(void *arg)
{
    struct heart *h = arg;
    struct store *s = NULL;
    bool warned = false;

    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        struct timespec until;
        struct store_job j;
        bool have, held = true;
        enum status st = STATUS_OK;
        int64_t ns;

        clock_gettime(CLOCK_REALTIME, &until);
        ns = (int64_t)until.tv_nsec + h->lease_ms / 3 * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&h->cv, &h->mu, &until);
        if (h->stop)
            break;
        j = h->job;
        have = h->have_job;
        pthread_mutex_unlock(&h->mu);
        if (!s)
            st = store_connect(&s, h->db, h->env);
        if (st == STATUS_OK && have)
            st = store_queue_renew(s, &j, h->worker, h->lease_ms, &held);
        if (st == STATUS_OK)
            st = store_verify_renew(s, h->worker, h->lease_ms);
        if (st != STATUS_OK && !warned)
            log_warn("queue: cannot renew the lease: %s", status_message());
        warned = st != STATUS_OK;
        if (st == STATUS_OK && !held)
            log_warn("queue: the lease on the repository being audited was lost (another "
                     "worker claimed it after --lease-timeout); its results will not be kept");
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    store_close(s);
    return NULL;
}

static void heart_set(struct heart *h, const struct store_job *j)
{
    pthread_mutex_lock(&h->mu);
    h->have_job = j != NULL;
    if (j) {
        h->job.id = j->id;
        h->job.attempt = j->attempt;
    }
    pthread_mutex_unlock(&h->mu);
}

/* ---- the worker ------------------------------------------------------------------------ */

struct worker {
    const struct queue_opts *qo;
    const struct env *env;
    struct store_job job;
    bool lost;               /* the lease on job was lost: its transaction rolled back */
};

/* Inside the repository's transaction: done with it, unless the claim is gone. */
static enum status mark_done(void *ctx, struct store *s)
{
    struct worker *w = ctx;
    const char *stall = env_get(w->env, "SESAME_TEST_STALL");
    bool held = false;
    enum status st;

    /* tests only (documented as such): "TEXT": stop here, the transaction open, for a
     * test to kill the worker mid-repository (only on a repository's first claim);
     * "TEXT:MS": wait MS milliseconds here in every repository whose URL holds TEXT (a
     * run long enough to restart the server in) */
    const char *colon = stall ? strrchr(stall, ':') : NULL;
    if (colon && colon[1]) {
        char *text = xstrndup(stall, (size_t)(colon - stall));
        bool hit = strstr(w->job.url, text) != NULL;
        free(text);
        if (hit)
            msleep(strtoll(colon + 1, NULL, 10));
    } else if (stall && *stall && strstr(w->job.url, stall) && w->job.attempt == 1) {
        fprintf(stderr, "sesame: test: worker %s (pid %ld) stalls in %s\n", w->qo->worker_id,
                (long)getpid(), w->job.url);
        fflush(stderr);
        for (;;)
            msleep(3600 * 1000);
    }
    if ((st = store_queue_done(s, &w->job, w->qo->worker_id, &held)) != STATUS_OK)
        return st;
    if (!held) {
        w->lost = true;
        return fail(STATUS_IO, "%s: the lease was lost (another worker claimed it after "
                               "--lease-timeout): this audit of it is not kept", w->job.url);
    }
    return STATUS_OK;
}

/* The store cannot be reached: wait (growing), or give up after QUEUE_GIVE_UP_S. */
static enum status net_wait(unsigned *tries, time_t *since)
{
    if (!*since)
        *since = time(NULL);
    if (time(NULL) - *since > QUEUE_GIVE_UP_S)
        return fail(STATUS_NET, "%s (the store could not be reached for %d s: giving up)",
                    status_message(), QUEUE_GIVE_UP_S);
    log_warn("queue: %s (again in %.1f s)", status_message(), (double)backoff(*tries + 1) / 1000);
    msleep(backoff(++*tries));
    return STATUS_OK;
}

/* Add the claimed repository to the pool's list (the summary keeps one slot each). */
static size_t take(struct pool *p, struct audit_list *l, const struct store_job *j)
{
    struct audit_target *t;
    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    p->slots = xrealloc(p->slots, (l->n + 1) * sizeof(*p->slots));
    p->slots[l->n] = NULL;
    t = &l->v[l->n];
    memset(t, 0, sizeof(*t));
    t->url = xstrdup(j->url);
    t->path = xstrdup(j->path);
    t->remote = j->remote;
    return l->n++;
}

static void print_json(struct pool *p, const struct audit_list *l,
                       const struct audit_outcome *out, const struct store_queue_status *q)
{
    struct jv *doc = audit_summary_doc(p, l->n, out), *queue = jv_object();
    jv_put(queue, "pending", jv_uint(q->pending));
    jv_put(queue, "running", jv_uint(q->running));
    jv_put(queue, "done", jv_uint(q->done));
    jv_put(queue, "failed", jv_uint(q->failed));
    jv_put(doc, "queue", queue);
    jv_write(stdout, doc, JV_PRETTY);
    jv_free(doc);
}

enum status audit_worker(const struct audit_opts *ao_in, const struct queue_opts *qo,
                         struct audit_outcome *out, bool *parked)
{
    struct audit_opts ao = *ao_in;
    struct audit_list list = { NULL, 0 };
    struct ruleset rs = RULESET_INIT;
    struct store_queue_status q;
    struct store *s = NULL;
    struct worker w;
    struct heart h;
    struct pool p;
    char key[65];
    const char *db = audit_db_path(ao.db, ao.scan->env);
    unsigned tries = 0;
    time_t down_since = 0;
    bool beating = false;
    struct store_job release; /* a claim to hand back once the store answers again */
    enum status st;

    memset(out, 0, sizeof(*out));
    memset(&q, 0, sizeof(q));
    memset(&release, 0, sizeof(release));
    *parked = false;
    ao.worker_id = qo->worker_id;
    ao.lease_ms = qo->lease_ms;
    if ((st = audit_rules_key(ao.scan, key, &rs)) != STATUS_OK ||
        (st = connect_retry(&s, db, ao.scan->env)) != STATUS_OK) {
        ruleset_release(&rs);
        return st;
    }
    memset(&w, 0, sizeof(w));
    w.qo = qo;
    w.env = ao.scan->env;
    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.lock, NULL);
    p.ao = &ao;
    p.key = key;
    p.rs = &rs;
    p.list = &list;
    p.db = db;
    p.out = out;
    p.scan_threads = ao.jobs;
    p.queue = true;
    p.before_commit = mark_done;
    p.hook_ctx = &w;
    memset(&h, 0, sizeof(h));
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    h.db = db;
    h.env = ao.scan->env;
    h.worker = qo->worker_id;
    h.lease_ms = qo->lease_ms;
    if (pthread_create(&h.tid, NULL, beat, &h) != 0) {
        st = fail(STATUS_BUG, "cannot start the heartbeat thread");
        goto out;
    }
    beating = true;
    for (;;) {
        bool got = false;
        size_t i;

        if (release.url && (st = store_queue_fail(s, &release, qo->worker_id, qo->max_attempts,
                                                  "the store went away", true)) == STATUS_OK)
            store_job_release(&release);
        if (st == STATUS_OK)
            st = store_queue_claim(s, qo->worker_id, qo->lease_ms, qo->max_attempts, &w.job,
                                   &got);
        if (st == STATUS_OK && !got && qo->until_empty)
            st = store_queue_status(s, false, &q);
        if (st == STATUS_NET) {
            if ((st = net_wait(&tries, &down_since)) != STATUS_OK)
                break;
            continue;
        }
        if (st != STATUS_OK)
            break;
        tries = 0;
        down_since = 0;
        if (!got) {
            if (qo->until_empty && !q.pending && !q.running)
                break;
            msleep(QUEUE_POLL_MS);
            continue;
        }
        i = take(&p, &list, &w.job);
        w.lost = false;
        heart_set(&h, &w.job);
        st = audit_one(&p, s, i);
        heart_set(&h, NULL);
        if (st == STATUS_NET) { /* not the repository's fault: back to the queue */
            store_job_release(&release);
            release = w.job;
            memset(&w.job, 0, sizeof(w.job));
        } else if (st != STATUS_OK && !w.lost) {
            char *why = xstrdup(status_message());
            st = store_queue_fail(s, &w.job, qo->worker_id, qo->max_attempts, why, false);
            free(why);
            if (st == STATUS_NET) {
                store_job_release(&release);
                release = w.job; /* counted as an attempt by its lease expiring instead */
                memset(&w.job, 0, sizeof(w.job));
            }
        }
        store_job_release(&w.job);
        st = STATUS_OK;
    }
out:
    if (beating) {
        pthread_mutex_lock(&h.mu);
        h.stop = true;
        pthread_cond_signal(&h.cv);
        pthread_mutex_unlock(&h.mu);
        pthread_join(h.tid, NULL);
    }
    if (st == STATUS_OK) {
        store_queue_status_release(&q);
        st = store_queue_status(s, true, &q);
    }
    if (st == STATUS_OK) {
        *parked = q.failed > 0;
        if (strcmp(ao.format, "json") == 0)
            print_json(&p, &list, out, &q);
        /* the reason for the exit code: said even with --quiet */
        if (q.failed)
            log_error("queue: %llu of %llu repositories parked as failed (sesame queue status "
                     "shows their errors; --enqueue them again to retry)",
                     (unsigned long long)q.failed,
                     (unsigned long long)(q.pending + q.running + q.done + q.failed));
        for (size_t k = 0; k < q.n_items; k++)
            if (strcmp(q.items[k].state, "failed") == 0)
                log_error("queue: failed: %s: %s", q.items[k].url,
                         q.items[k].error ? q.items[k].error : "");
    }
    store_job_release(&release);
    store_job_release(&w.job);
    store_queue_status_release(&q);
    store_close(s);
    pthread_cond_destroy(&h.cv);
    pthread_mutex_destroy(&h.mu);
    for (size_t k = 0; p.slots && k < list.n; k++)
        jv_free(p.slots[k]);
    free(p.slots);
    pthread_mutex_destroy(&p.lock);
    audit_list_release(&list);
    ruleset_release(&rs);
    return st;
}

/* ---- sesame queue status ----------------------------------------------------------------- */

enum status audit_queue_status(const char *db, const struct env *env, const char *format)
{
    struct store_queue_status q;
    struct store *s = NULL;
    enum status st = audit_open_existing(db, env, &s);

    if (st != STATUS_OK)
        return st;
    if ((st = store_queue_status(s, true, &q)) != STATUS_OK) {
        store_close(s);
        return st;
    }
    if (strcmp(format, "json") == 0) {
        struct jv *doc = jv_object(), *running = jv_array(), *failed = jv_array();
        jv_put(doc, "pending", jv_uint(q.pending));
        jv_put(doc, "running", jv_uint(q.running));
        jv_put(doc, "done", jv_uint(q.done));
        jv_put(doc, "failed", jv_uint(q.failed));
        for (size_t i = 0; i < q.n_items; i++) {
            const struct store_queue_item *it = &q.items[i];
            struct jv *o = jv_object();
            jv_put(o, "repository", jv_str(it->url));
            jv_put(o, "attempts", jv_int(it->attempts));
            jv_put(o, "worker", it->worker ? jv_str(it->worker) : jv_null());
            if (strcmp(it->state, "running") == 0) {
                jv_put(o, "claimed_seconds_ago", jv_int(it->claimed_ago_ms / 1000));
                jv_put(o, "lease_seconds_left", jv_int(it->lease_left_ms / 1000));
                jv_put(o, "lease_expired", jv_bool(it->lease_left_ms < 0));
                jv_push(running, o);
            } else {
                jv_put(o, "error", it->error ? jv_str(it->error) : jv_null());
                jv_push(failed, o);
            }
        }
        jv_put(doc, "running_repositories", running);
        jv_put(doc, "failed_repositories", failed);
        jv_write(stdout, doc, JV_PRETTY);
        jv_free(doc);
    } else {
        printf("pending %llu, running %llu, done %llu, failed %llu\n",
               (unsigned long long)q.pending, (unsigned long long)q.running,
               (unsigned long long)q.done, (unsigned long long)q.failed);
        for (size_t i = 0; i < q.n_items; i++) {
            const struct store_queue_item *it = &q.items[i];
            char *u = escape_dup(it->url, strlen(it->url), ESC_BACKSLASH);
            char *wk = it->worker ? escape_dup(it->worker, strlen(it->worker), ESC_BACKSLASH)
                                  : xstrdup("-");
            if (strcmp(it->state, "running") == 0) {
                printf("running  %s  worker %s, claimed %llds ago, attempt %lld, lease %s %llds\n",
                       u, wk, (long long)(it->claimed_ago_ms / 1000), (long long)it->attempts,
                       it->lease_left_ms < 0 ? "expired" : "left",
                       (long long)((it->lease_left_ms < 0 ? -it->lease_left_ms
                                                          : it->lease_left_ms) / 1000));
            } else {
                char *e = escape_dup(it->error ? it->error : "", it->error ? strlen(it->error)
                                                                           : 0, ESC_BACKSLASH);
                printf("failed   %s  after %lld attempts (last worker %s): %s\n", u,
                       (long long)it->attempts, wk, e);
                free(e);
            }
            free(u);
            free(wk);
        }
    }
    store_queue_status_release(&q);
    store_close(s);
    return STATUS_OK;
}
