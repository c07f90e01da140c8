/*
 * test_scan_pipe - the archive pipeline (scanner/scan_pipe.c) with a stand-in scanner:
 * thousands of blobs of many sizes (some larger than the pipe holds at once) handed over
 * while helper threads scan them at uneven speeds. Each blob is scanned exactly once,
 * with its own bytes, path and context (nothing lost, duplicated or torn by the copy);
 * the warnings the scanner gives (held while helpers scan) and those the producer gives
 * between blobs come out in the order a scan on one thread gives them; a scan failure
 * reaches the producer and the close; with no helper every blob is scanned at once, on
 * the producer's thread.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/diag.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "harness.h"
#include "scan_pipe.h"
#include "source/source.h"

#define N_BLOBS 3000u
#define HELPERS 3u

static atomic_uint scanned[N_BLOBS];
static atomic_uint bad_bytes, bad_ctx, on_producer;
static atomic_uint fail_at; /* blob index whose scan fails, or N_BLOBS */
static pthread_t producer;
static struct diags diags;

/* Blob i: its length, and the byte at k. */
static size_t blob_len(unsigned i)
{
    if (i % 997 == 5)
        return 9u * 1024 * 1024; /* more than a third of SCAN_PIPE_BYTES */
    return (size_t)(i * 7919u) % 70000u;
}

static unsigned char blob_byte(unsigned i, size_t k)
{
    return (unsigned char)(i * 31u + k * 7u);
}

/* Some blobs give a warning when scanned; the producer gives one before some blobs. */
static bool scan_warns(unsigned i)
{
    return i % 5 == 0;
}

static bool walker_warns(unsigned i)
{
    return i % 11 == 3;
}

static void tiny_sleep(unsigned i)
{
    struct timespec ts = { 0, (long)(i % 13) * 20000L };
    if (i % 3 == 0)
        nanosleep(&ts, NULL);
}

static enum status fake_scan(struct scanbuf *sb, const struct scanbuf_ctx *ctx,
                             const struct blob *b)
{
    unsigned i = (unsigned)b->offset;

    (void)sb;
    if (i >= N_BLOBS || strcmp(b->path, "archive!member") != 0)
        return fail(STATUS_BUG, "not a blob of the test");
    atomic_fetch_add(&scanned[i], 1);
    if (ctx->target != 7)
        atomic_fetch_add(&bad_ctx, 1);
    if (pthread_equal(pthread_self(), producer))
        atomic_fetch_add(&on_producer, 1);
    if (b->len != blob_len(i) || b->n_prov != 1 || strcmp(b->prov[0].path, "p!member") != 0)
        atomic_fetch_add(&bad_bytes, 1);
    for (size_t k = 0; k < b->len; k += 4093)
        if (b->data[k] != blob_byte(i, k))
            atomic_fetch_add(&bad_bytes, 1);
    tiny_sleep(i);
    if (scan_warns(i))
        log_gap(DIAG_LIMIT, "scanned blob %u", i);
    if (i == atomic_load(&fail_at))
        return fail(STATUS_LIMIT, "blob %u fails", i);
    return STATUS_OK;
}

struct helper_arg {
    struct pipe_hub *hub;
};

static void *helper_main(void *arg)
{
    struct helper_arg *a = arg;

    diag_bind(&diags);
    pipe_hub_help(a->hub, (struct scanbuf *)a); /* any non-NULL: fake_scan ignores it */
    return NULL;
}

/* Hand blobs 0..N_BLOBS-1 over (the producer's warnings between them) with `helpers`
 * helpers; returns the status of the close. */
static enum status run_pipe(unsigned helpers, unsigned *handed)
{
    struct pipe_hub hub;
    struct scan_pipe p;
    struct scanbuf_ctx ctx;
    struct helper_arg arg;
    pthread_t tids[HELPERS];
    unsigned char *data = xmalloc(9u * 1024 * 1024);
    struct provenance prov = { "p!member", NULL };
    enum status st = STATUS_OK;

    for (unsigned i = 0; i < N_BLOBS; i++)
        atomic_store(&scanned[i], 0);
    atomic_store(&bad_bytes, 0);
    atomic_store(&bad_ctx, 0);
    atomic_store(&on_producer, 0);
    diags_init(&diags);
    diag_bind(&diags);
    producer = pthread_self();
    pipe_hub_init(&hub, 1 + helpers);
    arg.hub = &hub;
    for (unsigned k = 0; k < helpers; k++)
        CHECK(pthread_create(&tids[k], NULL, helper_main, &arg) == 0);
    /* Wait until the helpers are idle, so that blobs are handed over from the first. */
    for (;;) {
        unsigned idle;
        pthread_mutex_lock(&hub.lock);
        idle = hub.idle;
        pthread_mutex_unlock(&hub.lock);
        if (idle == helpers)
            break;
        nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.target = 7;
    scan_pipe_open(&p, &hub, NULL, &ctx);
    p.scan = fake_scan;
    for (unsigned i = 0; i < N_BLOBS && st == STATUS_OK; i++) {
        struct blob b;
        char path[] = "archive!member";
        size_t len = blob_len(i);
        memset(&b, 0, sizeof(b));
        for (size_t k = 0; k < len; k++)
            data[k] = blob_byte(i, k);
        b.path = path;
        b.data = data;
        b.len = len;
        b.offset = i;
        b.prov = &prov;
        b.n_prov = 1;
        if (walker_warns(i))
            log_warn("walker before blob %u", i);
        st = scan_pipe_blob(&b, &p);
        memset(data, 0xee, len); /* the reader reuses its buffer */
        memset(path, '#', sizeof(path) - 1);
    }
    st = scan_pipe_close(&p, st);
    pipe_hub_help(&hub, NULL); /* the producer is done */
    for (unsigned k = 0; k < helpers; k++)
        pthread_join(tids[k], NULL);
    *handed = (unsigned)hub.handed;
    pipe_hub_release(&hub);
    free(data);
    diag_bind(NULL);
    return st;
}

/* The warnings recorded start with those of blobs 0..upto-1 in order (a scan on one
 * thread); `all`: and there are no others. */
static void check_order(unsigned upto, bool all)
{
    size_t at = 0;
    bool ok = true;

    for (unsigned i = 0; i < upto && ok; i++) {
        char want[64];
        if (walker_warns(i)) {
            snprintf(want, sizeof(want), "walker before blob %u", i);
            ok = at < diags.n && strcmp(diags.v[at++].text, want) == 0;
        }
        if (ok && scan_warns(i)) {
            snprintf(want, sizeof(want), "scanned blob %u", i);
            ok = at < diags.n && strcmp(diags.v[at++].text, want) == 0;
        }
        if (!ok)
            fprintf(stderr, "order: blob %u, diagnostic %zu is '%s'\n", i, at - 1,
                    at - 1 < diags.n ? diags.v[at - 1].text : "(none)");
    }
    CHECK(ok);
    CHECK(!all || at == diags.n);
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Byte k of the buffer filled for tag t (its last byte checked too). */
static bool filled_with(const struct pipe_buf *pb, size_t n, unsigned char t)
{
    for (size_t k = 0; k < n; k += 1024)
        if (pb->data[k] != t)
            return false;
    return n == 0 || pb->data[n - 1] == t;
}

/* The pool's buffers, got and put back in random order, of sizes from 0 to 5 MiB: each
 * holds what was asked (a power of two from 4 KiB; the smallest pooled one that does), none overlaps another in use (each is
 * filled whole, and checked when it goes back and at the end), the small ones come from
 * slabs until the slabs reach SCAN_PIPE_BYTES and from plain memory after, and the pool
 * keeps no more than SCAN_PIPE_BYTES. */
static void test_buffers_do_not_overlap(void)
{
    enum { LIVE = 96, ROUNDS = 5000 };
    struct pipe_hub hub;
    struct pipe_buf *live[LIVE] = { 0 };
    size_t want[LIVE] = { 0 };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned bad = 0, cut = 0, plain_small = 0;

    pipe_hub_init(&hub, 1);
    for (unsigned r = 0; r < ROUNDS; r++) {
        unsigned i = (unsigned)(rng_next(&seed) % LIVE);
        uint64_t x = rng_next(&seed);
        size_t n;
        if (live[i]) {
            if (!filled_with(live[i], want[i], (unsigned char)i))
                bad++;
            pipe_buf_put(&hub, live[i]);
            live[i] = NULL;
            continue;
        }
        n = x % 100 < 75 ? (size_t)(x >> 8) % 70000
            : x % 100 < 95 ? (size_t)(x >> 8) % (1u << 20) : (size_t)(x >> 8) % (5u << 20);
        live[i] = pipe_buf_get(&hub, n);
        want[i] = n;
        if (live[i]->cap < n || live[i]->cap != (size_t)4096 << live[i]->cls)
            bad++;
        if (live[i]->slab)
            cut++;
        else if (live[i]->cap < SCAN_PIPE_SLAB_BYTES)
            plain_small++;
        memset(live[i]->data, (unsigned char)i, n);
        if (hub.n_slabs * SCAN_PIPE_SLAB_BYTES > SCAN_PIPE_BYTES ||
            hub.pooled + hub.n_slabs * SCAN_PIPE_SLAB_BYTES > SCAN_PIPE_BYTES + (5u << 20))
            bad++;
    }
    for (unsigned i = 0; i < LIVE; i++)
        if (live[i]) {
            if (!filled_with(live[i], want[i], (unsigned char)i))
                bad++;
            pipe_buf_put(&hub, live[i]);
        }
    CHECK(bad == 0);
    CHECK(cut > ROUNDS / 4);
    /* 96 buffers of up to 1 MiB live at once fit in the slabs, most of the time */
    CHECK(plain_small < ROUNDS / 20);
    CHECK(hub.n_slabs > 0 && hub.n_slabs * SCAN_PIPE_SLAB_BYTES <= SCAN_PIPE_BYTES);
    CHECK(hub.pooled + hub.n_slabs * SCAN_PIPE_SLAB_BYTES <= SCAN_PIPE_BYTES);
    pipe_hub_release(&hub);
}

static void test_order_and_bytes(void)
{
    unsigned handed = 0;

    log_set_quiet(1);
    atomic_store(&fail_at, N_BLOBS);
    CHECK_OK(run_pipe(HELPERS, &handed));
    for (unsigned i = 0; i < N_BLOBS; i++)
        CHECK(atomic_load(&scanned[i]) == 1);
    CHECK(atomic_load(&bad_bytes) == 0);
    CHECK(atomic_load(&bad_ctx) == 0);
    CHECK(handed > N_BLOBS / 4); /* the helpers did scan */
    CHECK(diags.n < LIMIT_DIAG_KEPT);
    check_order(N_BLOBS, true);
    diags_release(&diags);
}

static void test_no_helper_scans_at_once(void)
{
    unsigned handed = 1;

    atomic_store(&fail_at, N_BLOBS);
    CHECK_OK(run_pipe(0, &handed));
    CHECK(handed == 0);
    CHECK(atomic_load(&on_producer) == N_BLOBS);
    for (unsigned i = 0; i < N_BLOBS; i++)
        CHECK(atomic_load(&scanned[i]) == 1);
    check_order(N_BLOBS, true);
    diags_release(&diags);
}

static void test_failure_stops(void)
{
    unsigned handed = 0, last = 0;

    atomic_store(&fail_at, 1234);
    CHECK(run_pipe(HELPERS, &handed) == STATUS_LIMIT);
    for (unsigned i = 0; i < N_BLOBS; i++) {
        CHECK(atomic_load(&scanned[i]) <= 1);
        if (atomic_load(&scanned[i]))
            last = i;
    }
    for (unsigned i = 0; i <= 1234; i++)
        CHECK(atomic_load(&scanned[i]) == 1);
    CHECK(last >= 1234);
    check_order(1235, false);
    diags_release(&diags);
}

static const struct test tests[] = {
    TEST(test_order_and_bytes),
    TEST(test_no_helper_scans_at_once),
    TEST(test_failure_stops),
    TEST(test_buffers_do_not_overlap),
};

HARNESS_MAIN(tests)
