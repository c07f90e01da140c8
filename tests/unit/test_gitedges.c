/*
 * tests/unit/test_gitedges.c - the tree graph's edge lists stored as differences
 * (source/git/edges.h, issue 16): what goes in comes out, record by record in visit
 * order, whatever the lists (versions of a directory with entries changed, added and
 * removed; unrelated lists; empty ones; many slots interleaved), the stream is much
 * smaller than the lists when versions are alike, and a cut stream stops cleanly.
 */
#include "source/git/edges.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (uint32_t)(rng % n) : 0;
}

#define SLOTS 5
#define RECORDS 3000
#define MAXLEN 400

struct rec {
    uint32_t node, slot;
    uint32_t *v;
    size_t n;
};

/* The next version of a list: a few entries changed, added or removed (or, now and then,
 * a list with nothing in common, or an empty one). */
static size_t mutate(const uint32_t *prev, size_t n, uint32_t *out)
{
    size_t m = 0;
    uint32_t r = rnd(100);

    if (r < 5)
        return 0;
    if (r < 10) {
        size_t len = rnd(MAXLEN / 2);
        for (size_t k = 0; k < len; k++)
            out[m++] = rnd(UINT32_MAX);
        return m;
    }
    for (size_t k = 0; k < n && m < MAXLEN - 12; k++) {
        uint32_t c = rnd(200);
        if (c == 0)
            continue;                      /* removed */
        if (c == 1) {                      /* several removed */
            k += rnd(12);
            continue;
        }
        if (c == 2)                        /* several added */
            for (uint32_t a = rnd(11) + 1; a > 0; a--)
                out[m++] = rnd(1u << 20);
        out[m++] = c == 3 ? rnd(UINT32_MAX) : prev[k]; /* changed, or kept */
    }
    while (m < MAXLEN && rnd(4) == 0)
        out[m++] = rnd(1u << 25);          /* appended */
    return m;
}

static void round_trips(void)
{
    struct edge_log log = { 0 };
    struct edge_slots slots = { 0 };
    struct rec *recs = calloc(RECORDS, sizeof(*recs));
    uint32_t *last[SLOTS] = { 0 };
    size_t n_last[SLOTS] = { 0 }, total = 0, used = 0, got = 0;
    struct edge_iter it;
    uint32_t node;
    const uint32_t *e;
    size_t n;

    for (size_t k = 0; k < RECORDS; k++) {
        /* slots are numbered in order of first use */
        uint32_t slot = rnd(used < SLOTS ? (uint32_t)used + 1 : SLOTS);
        if (slot == used)
            used++;
        recs[k].node = rnd(1u << 30);
        recs[k].slot = slot;
        recs[k].v = malloc(MAXLEN * sizeof(uint32_t));
        recs[k].n = mutate(last[slot], n_last[slot], recs[k].v);
        last[slot] = recs[k].v;
        n_last[slot] = recs[k].n;
        total += recs[k].n;
        edge_log_put(&log, &slots, recs[k].node, slot, recs[k].v, recs[k].n);
    }
    CHECK(log.records == RECORDS);
    /* versions alike (a tenth of the lists are random here): under half of 4 bytes an
     * entry; git/git's history takes 0.4 byte an entry (benches/RESULTS.md) */
    CHECK(log.n < total * 2);
    edge_iter_init(&it, &log);
    while (edge_iter_next(&it, &node, &e, &n)) {
        CHECK(got < RECORDS);
        if (got >= RECORDS)
            break;
        CHECK(node == recs[got].node);
        CHECK(n == recs[got].n);
        CHECK(n == recs[got].n && (n == 0 || memcmp(e, recs[got].v, n * sizeof(*e)) == 0));
        got++;
    }
    CHECK(!it.bad);
    CHECK(got == RECORDS);
    edge_iter_release(&it);

    /* a stream cut anywhere: records before the cut come out whole, then it stops */
    for (size_t cut = 0; cut < log.n; cut += 1 + log.n / 97) {
        struct edge_log part = log;
        size_t k = 0;
        part.n = cut;
        edge_iter_init(&it, &part);
        while (edge_iter_next(&it, &node, &e, &n)) {
            CHECK(k < RECORDS && node == recs[k].node && n == recs[k].n);
            k++;
        }
        edge_iter_release(&it);
    }
    for (size_t k = 0; k < RECORDS; k++)
        free(recs[k].v);
    free(recs);
    edge_log_release(&log);
    edge_slots_release(&slots);
}

/* Garbage never makes the decoder read outside its lists or loop. */
static void garbage_stops(void)
{
    unsigned char buf[512];
    struct edge_log log = { buf, sizeof(buf), sizeof(buf), 0 };

    for (int round = 0; round < 2000; round++) {
        struct edge_iter it;
        uint32_t node;
        const uint32_t *e;
        size_t n, k = 0;
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (unsigned char)(round & 1 ? rnd(256) : rnd(8));
        edge_iter_init(&it, &log);
        while (edge_iter_next(&it, &node, &e, &n) && k < sizeof(buf))
            k++;
        CHECK(k < sizeof(buf)); /* every record takes a byte at least */
        edge_iter_release(&it);
    }
}

static const struct test tests[] = {
    TEST(round_trips),
    TEST(garbage_stops),
};

HARNESS_MAIN(tests)
