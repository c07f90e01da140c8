/*
 * test_queue - the work queue's state machine (store/queue.c, issue 15), on a SQLite file
 * and on a private PostgreSQL server (tests/support/pg_server.sh; never skipped):
 * enqueue (new, again after done or failed, already queued), claims in order, a lease
 * renewed, done only while the claim is held, a failure back to pending then parked at
 * max attempts, an expired lease claimed again (the old claim then changes nothing), an
 * expired lease at max attempts parked, a release not counted as an attempt, the status
 * listing, and the claims that make a credential verified once for the fleet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/status.h"
#include "base/xalloc.h"
#include "harness.h"
#include "pg_fixture.h"
#include "store/store.h"

static char *pg_dir;

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static char *fresh(const char *name)
{
    const char *t = getenv("TMPDIR");
    char *p, *cmd;
    if (pg_dir) {
        cmd = xasprintf("sh tests/support/pg_server.sh psql %s -d postgres -c "
                        "'DROP DATABASE IF EXISTS %s' -c 'CREATE DATABASE %s' >/dev/null 2>&1",
                        pg_dir, name, name);
        CHECK(system(cmd) == 0);
        free(cmd);
        return xasprintf("postgresql:///%s?host=%s&user=postgres", name, pg_dir);
    }
    p = xasprintf("%s/sesame-queue-%ld-%s.db", t && *t ? t : "/tmp", (long)getpid(), name);
    cmd = xasprintf("rm -f %s %s-wal %s-shm", p, p, p);
    CHECK(system(cmd) == 0);
    free(cmd);
    return p;
}

static void gone(char *p)
{
    if (!store_is_url(p)) {
        char *cmd = xasprintf("rm -f %s %s-wal %s-shm", p, p, p);
        CHECK(system(cmd) == 0);
        free(cmd);
    }
    free(p);
}

static void counts(struct store *s, uint64_t pending, uint64_t running, uint64_t done,
                   uint64_t failed)
{
    struct store_queue_status q;
    CHECK_OK(store_queue_status(s, true, &q));
    CHECK(q.pending == pending);
    CHECK(q.running == running);
    CHECK(q.done == done);
    CHECK(q.failed == failed);
    CHECK(q.n_items == running + failed);
    store_queue_status_release(&q);
}

static void test_enqueue_and_claim_order(void)
{
    char *db = fresh("q_order");
    struct store *s = NULL;
    enum store_queue_add what;
    struct store_job a, b, none;
    bool got, held;

    CHECK_OK(store_connect(&s, db, NULL));
    CHECK(store_schema_version(s) == 9);
    CHECK_OK(store_queue_add(s, "/r/a", "/r/a", false, &what));
    CHECK(what == SQ_NEW);
    CHECK_OK(store_queue_add(s, "https://h/b.git", "https://h/b.git", true, &what));
    CHECK(what == SQ_NEW);
    CHECK_OK(store_queue_add(s, "/r/a", "/r/a", false, &what));
    CHECK(what == SQ_ALREADY);
    counts(s, 2, 0, 0, 0);
    /* claims in the order queued */
    CHECK_OK(store_queue_claim(s, "w1", 60000, 3, &a, &got));
    CHECK(got);
    CHECK_STREQ(a.url, "/r/a");
    CHECK(a.attempt == 1 && !a.remote);
    CHECK_OK(store_queue_claim(s, "w2", 60000, 3, &b, &got));
    CHECK(got);
    CHECK_STREQ(b.url, "https://h/b.git");
    CHECK(b.remote);
    CHECK_OK(store_queue_claim(s, "w3", 60000, 3, &none, &got));
    CHECK(!got && !none.url);
    counts(s, 0, 2, 0, 0);
    /* a running one is not queued twice */
    CHECK_OK(store_queue_add(s, "/r/a", "/r/a", false, &what));
    CHECK(what == SQ_ALREADY);
    /* renewed by its worker only */
    CHECK_OK(store_queue_renew(s, &a, "w1", 60000, &held));
    CHECK(held);
    CHECK_OK(store_queue_renew(s, &a, "w2", 60000, &held));
    CHECK(!held);
    /* done inside a transaction; another worker's "done" changes nothing */
    CHECK_OK(store_begin(s));
    CHECK_OK(store_queue_done(s, &a, "w2", &held));
    CHECK(!held);
    CHECK_OK(store_queue_done(s, &a, "w1", &held));
    CHECK(held);
    CHECK_OK(store_commit(s));
    /* rolled back: still running */
    CHECK_OK(store_begin(s));
    CHECK_OK(store_queue_done(s, &b, "w2", &held));
    CHECK(held);
    store_rollback(s);
    counts(s, 0, 1, 1, 0);
    /* done again is not done twice */
    CHECK_OK(store_begin(s));
    CHECK_OK(store_queue_done(s, &a, "w1", &held));
    CHECK(!held);
    CHECK_OK(store_commit(s));
    /* a done one enqueued again: a re-audit */
    CHECK_OK(store_queue_add(s, "/r/a", "/r/a", false, &what));
    CHECK(what == SQ_AGAIN);
    counts(s, 1, 1, 0, 0);
    store_job_release(&a);
    store_job_release(&b);
    store_close(s);
    gone(db);
}

static void test_failures_and_parking(void)
{
    char *db = fresh("q_fail");
    struct store *s = NULL;
    enum store_queue_add what;
    struct store_job j;
    struct store_queue_status q;
    bool got;

    CHECK_OK(store_connect(&s, db, NULL));
    CHECK_OK(store_queue_add(s, "/r/x", "/r/x", false, &what));
    /* two failures with max 2: pending, then parked with its error */
    CHECK_OK(store_queue_claim(s, "w1", 60000, 2, &j, &got));
    CHECK(got && j.attempt == 1);
    CHECK_OK(store_queue_fail(s, &j, "w1", 2, "first error", false));
    store_job_release(&j);
    counts(s, 1, 0, 0, 0);
    /* the store went away (not the repository's fault): released, not counted */
    CHECK_OK(store_queue_claim(s, "w1", 60000, 2, &j, &got));
    CHECK(got && j.attempt == 2);
    CHECK_OK(store_queue_fail(s, &j, "w1", 2, "the store went away", true));
    store_job_release(&j);
    CHECK_OK(store_queue_claim(s, "w2", 60000, 2, &j, &got));
    CHECK(got && j.attempt == 2);
    /* another worker's failure report changes nothing */
    CHECK_OK(store_queue_fail(s, &j, "w1", 2, "not mine", false));
    counts(s, 0, 1, 0, 0);
    CHECK_OK(store_queue_fail(s, &j, "w2", 2, "second error", false));
    store_job_release(&j);
    CHECK_OK(store_queue_claim(s, "w2", 60000, 2, &j, &got));
    CHECK(!got);
    CHECK_OK(store_queue_status(s, true, &q));
    CHECK(q.failed == 1 && q.n_items == 1);
    CHECK_STREQ(q.items[0].state, "failed");
    CHECK_STREQ(q.items[0].error, "second error");
    CHECK_STREQ(q.items[0].worker, "w2");
    CHECK(q.items[0].attempts == 2);
    store_queue_status_release(&q);
    /* enqueued again: from the start */
    CHECK_OK(store_queue_add(s, "/r/x", "/r/x", false, &what));
    CHECK(what == SQ_AGAIN);
    CHECK_OK(store_queue_claim(s, "w3", 60000, 2, &j, &got));
    CHECK(got && j.attempt == 1);
    store_job_release(&j);
    store_close(s);
    gone(db);
}

static void test_expired_leases(void)
{
    char *db = fresh("q_lease");
    struct store *s = NULL;
    enum store_queue_add what;
    struct store_job old, again, last;
    struct store_queue_status q;
    bool got, held;

    CHECK_OK(store_connect(&s, db, NULL));
    CHECK_OK(store_queue_add(s, "/r/k", "/r/k", false, &what));
    CHECK_OK(store_queue_claim(s, "dead", 30, 2, &old, &got));
    CHECK(got);
    /* live: nobody else gets it; the status shows it running with its worker */
    CHECK_OK(store_queue_claim(s, "w2", 60000, 2, &again, &got));
    CHECK(!got);
    CHECK_OK(store_queue_status(s, true, &q));
    CHECK(q.running == 1 && q.n_items == 1);
    CHECK_STREQ(q.items[0].worker, "dead");
    CHECK(q.items[0].claimed_ago_ms >= 0 && q.items[0].claimed_ago_ms < 60000);
    store_queue_status_release(&q);
    msleep(80);
    /* expired: claimed again, and the old claim can neither renew nor complete */
    CHECK_OK(store_queue_status(s, true, &q));
    CHECK(q.n_items == 1 && q.items[0].lease_left_ms < 0);
    store_queue_status_release(&q);
    CHECK_OK(store_queue_claim(s, "w2", 30, 2, &again, &got));
    CHECK(got && again.attempt == 2);
    CHECK_OK(store_queue_renew(s, &old, "dead", 60000, &held));
    CHECK(!held);
    CHECK_OK(store_begin(s));
    CHECK_OK(store_queue_done(s, &old, "dead", &held));
    CHECK(!held);
    store_rollback(s);
    /* expired again at max attempts: parked, with why */
    msleep(80);
    CHECK_OK(store_queue_claim(s, "w3", 60000, 2, &last, &got));
    CHECK(!got);
    CHECK_OK(store_queue_status(s, true, &q));
    CHECK(q.failed == 1 && q.running == 0 && q.n_items == 1);
    CHECK(q.items[0].error && strstr(q.items[0].error, "lease expired 2 times") &&
          strstr(q.items[0].error, "w2"));
    store_queue_status_release(&q);
    store_job_release(&old);
    store_job_release(&again);
    store_close(s);
    gone(db);
}

static void test_verify_claims(void)
{
    char *db = fresh("q_verify");
    struct store *s = NULL;
    bool got;

    CHECK_OK(store_connect(&s, db, NULL));
    CHECK_OK(store_verify_claim(s, "0123456789abcdef", "w1", 60000, &got));
    CHECK(got);
    CHECK_OK(store_verify_claim(s, "0123456789abcdef", "w2", 60000, &got));
    CHECK(!got);
    /* its own claim again: still its */
    CHECK_OK(store_verify_claim(s, "0123456789abcdef", "w1", 60000, &got));
    CHECK(got);
    /* another credential is free */
    CHECK_OK(store_verify_claim(s, "fedcba9876543210", "w2", 30, &got));
    CHECK(got);
    /* released: the next worker gets it */
    CHECK_OK(store_verify_release(s, "0123456789abcdef", "w2")); /* not w2's: no-op */
    CHECK_OK(store_verify_claim(s, "0123456789abcdef", "w3", 60000, &got));
    CHECK(!got);
    CHECK_OK(store_verify_release(s, "0123456789abcdef", "w1"));
    CHECK_OK(store_verify_claim(s, "0123456789abcdef", "w3", 60000, &got));
    CHECK(got);
    /* a lapsed claim (its worker died) is taken over; a renewed one is not */
    CHECK_OK(store_verify_claim(s, "1111111111111111", "w4", 30, &got));
    CHECK(got);
    CHECK_OK(store_verify_renew(s, "w4", 60000));
    msleep(80);
    CHECK_OK(store_verify_claim(s, "fedcba9876543210", "w1", 60000, &got));
    CHECK(got);
    CHECK_OK(store_verify_claim(s, "1111111111111111", "w1", 60000, &got));
    CHECK(!got);
    store_close(s);
    gone(db);
}

static void run_all(void)
{
    test_enqueue_and_claim_order();
    test_failures_and_parking();
    test_expired_leases();
    test_verify_claims();
}

static void test_on_postgresql(void)
{
    pg_dir = pg_fixture_start();
    run_all();
    pg_fixture_stop();
    pg_dir = NULL;
}

static void test_on_sqlite(void)
{
    log_set_quiet(1);
    run_all();
}

static const struct test tests[] = {
    TEST(test_on_sqlite),
    TEST(test_on_postgresql),
};

HARNESS_MAIN(tests)
