/*
 * tests/unit/test_chunk.c - the one chunk streamer (source/chunk.h): the same bytes give
 * the same chunks (offsets, lines, column bases, ownership) from memory and from a
 * reader however it hands them over, and a byte far along a long first line gets the
 * column it has in the whole input (issue 12: the archive copy of the loop once lost
 * the column base).
 */
#include "source/chunk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "harness.h"

/* What a callback saw of one chunk. */
struct seen {
    uint64_t offset, line, column0;
    size_t len, own_from, own_to;
};

struct rec {
    const unsigned char *whole; /* the input, to check each chunk's bytes against */
    uint64_t base;              /* offset of whole[0] */
    struct seen *v;
    size_t n, cap;
    size_t fail_at;             /* the callback fails on this chunk (SIZE_MAX: never) */
    bool bytes_ok;
};

static enum status record(const struct blob *b, void *payload)
{
    struct rec *r = payload;

    XGROW(r->v, r->cap, r->n + 1);
    r->v[r->n] = (struct seen){ b->offset, b->line, b->column0, b->len, b->own_from, b->own_to };
    if (b->len > 0 && memcmp(b->data, r->whole + (b->offset - r->base), b->len) != 0)
        r->bytes_ok = false;
    if (b->path == NULL || strcmp(b->path, "t.txt") != 0)
        r->bytes_ok = false;
    return r->n++ == r->fail_at ? STATUS_LIMIT : STATUS_OK;
}

static void rec_init(struct rec *r, const unsigned char *whole, uint64_t base)
{
    memset(r, 0, sizeof(*r));
    r->whole = whole;
    r->base = base;
    r->fail_at = SIZE_MAX;
    r->bytes_ok = true;
}

/* A reader over memory that hands out pieces of odd sizes, failing after `fail_after`
 * bytes (SIZE_MAX: never). */
struct odd_src {
    const unsigned char *p;
    size_t len, at, turn, fail_after;
};

static enum status odd_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    static const size_t sizes[] = { 1, 4093, 65536 + 3, 7, 1u << 20, 300000, 2 };
    struct odd_src *s = src;
    size_t k = sizes[s->turn++ % ARRAY_SIZE(sizes)];

    *got = 0;
    if (s->at >= s->fail_after)
        return fail(STATUS_IO, "read error: test");
    if (k > n)
        k = n;
    if (k > s->len - s->at)
        k = s->len - s->at;
    if (k > s->fail_after - s->at)
        k = s->fail_after - s->at;
    memcpy(p, s->p + s->at, k);
    s->at += k;
    *got = k;
    return STATUS_OK;
}

static bool same_chunks(const struct rec *a, const struct rec *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(&a->v[i], &b->v[i], sizeof(a->v[i])) != 0)
            return false;
    return true;
}

/* The column (1-based) chunk c gives the byte at offset `off` in it, as scanbuf counts
 * it: from the chunk's last newline before it, or from the column base. */
static uint64_t column_in(const unsigned char *whole, uint64_t base, const struct seen *c,
                          uint64_t off, uint64_t *line)
{
    const unsigned char *p = whole + (c->offset - base);
    size_t k = (size_t)(off - c->offset), start = 0;

    *line = c->line;
    for (size_t i = 0; i < k; i++)
        if (p[i] == '\n') {
            (*line)++;
            start = i + 1;
        }
    return (k - start) + 1 + (start == 0 ? c->column0 : 0);
}

/* The chunk that owns a 20-byte match starting at `off` (its end in (own_from, own_to]). */
static const struct seen *owner(const struct rec *r, uint64_t off)
{
    const struct seen *found = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const struct seen *c = &r->v[i];
        if (off >= c->offset && off + 20 > c->offset + c->own_from &&
            off + 20 <= c->offset + c->own_to) {
            CHECK(found == NULL); /* owned once */
            found = c;
        }
    }
    return found;
}

/* Line 1 runs on for 2.5 chunks, then short lines. */
static unsigned char *make_input(size_t len, size_t first_nl)
{
    unsigned char *d = xmalloc(len);
    for (size_t i = 0; i < len; i++)
        d[i] = i < first_nl ? (unsigned char)('a' + i % 26) : (i % 61 == 60 ? '\n' : 'z');
    if (first_nl < len)
        d[first_nl] = '\n';
    return d;
}

static void test_chunk__memory_and_streams_give_the_same_chunks(void)
{
    const size_t lens[] = { 0, 1, LIMIT_CHUNK_BYTES - 1, LIMIT_CHUNK_BYTES, LIMIT_CHUNK_BYTES + 1,
                            2 * LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP,
                            2 * LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP + 1,
                            3 * LIMIT_CHUNK_BYTES + 12345 };
    const size_t big = 3 * LIMIT_CHUNK_BYTES + 12345;
    unsigned char *d = make_input(big, 5 * LIMIT_CHUNK_BYTES / 2);
    unsigned char *buf = NULL;
    struct blob tmpl;

    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "t.txt";
    for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
        struct rec mem, str, pre;
        struct odd_src s = { d, lens[i], 0, 0, SIZE_MAX };
        struct chunk_stream cs = { odd_read, &s, &buf, 0, false, STATUS_OK, 0 };
        size_t have = lens[i] < 5000 ? lens[i] : 5000;

        rec_init(&mem, d, 0);
        rec_init(&str, d, 0);
        rec_init(&pre, d, 0);
        CHECK_OK(chunk_feed(&tmpl, NULL, d, lens[i], record, &mem));
        CHECK_OK(chunk_stream(&tmpl, NULL, &cs, record, &str));
        CHECK(cs.read_st == STATUS_OK && cs.bytes == lens[i]);
        /* the stream's first bytes already in the buffer (as a sniffed member's are) */
        memcpy(buf, d, have);
        s = (struct odd_src){ d, lens[i], have, 3, SIZE_MAX };
        cs = (struct chunk_stream){ odd_read, &s, &buf, have, have == lens[i], STATUS_OK, 0 };
        CHECK_OK(chunk_stream(&tmpl, NULL, &cs, record, &pre));
        CHECK(cs.read_st == STATUS_OK && cs.bytes == lens[i]);

        CHECK(mem.n >= 1 && mem.bytes_ok && str.bytes_ok && pre.bytes_ok);
        CHECK(same_chunks(&mem, &str));
        CHECK(same_chunks(&mem, &pre));
        for (size_t k = 0; k < mem.n; k++) {
            const struct seen *c = &mem.v[k];
            bool last = k + 1 == mem.n;
            CHECK(c->offset == k * (uint64_t)(LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP));
            CHECK(last ? c->len == lens[i] - c->offset : c->len == LIMIT_CHUNK_BYTES);
            CHECK(c->own_from == (k == 0 ? 0 : LIMIT_CHUNK_OVERLAP / 2));
            CHECK(c->own_to == (last ? c->len : LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2));
        }
        free(mem.v);
        free(str.v);
        free(pre.v);
    }
    free(buf);
    free(d);
}

/* Issue 12: a key at byte 8,388,729 of line 1 (and further) is at column offset + 1 in
 * whichever chunk owns it, from memory, from a stream, and from a place `at` inside a
 * larger input (the plain bytes after an archive). */
static void test_chunk__issue_12_column_far_along_the_first_line(void)
{
    const size_t len = 3 * LIMIT_CHUNK_BYTES + 12345, first_nl = 5 * LIMIT_CHUNK_BYTES / 2;
    const uint64_t offs[] = { 8388729, LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 - 10,
                              2 * (LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP) + 3, first_nl - 20,
                              first_nl + 100 };
    const struct chunk_pos at = { 1000, 7, 33 };
    unsigned char *d = make_input(len, first_nl);
    unsigned char *buf = NULL;
    struct blob tmpl;
    struct rec mem, str, far;
    struct odd_src s = { d, len, 0, 0, SIZE_MAX };
    struct chunk_stream cs = { odd_read, &s, &buf, 0, false, STATUS_OK, 0 };

    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "t.txt";
    rec_init(&mem, d, 0);
    rec_init(&str, d, 0);
    rec_init(&far, d, at.offset);
    CHECK_OK(chunk_feed(&tmpl, NULL, d, len, record, &mem));
    CHECK_OK(chunk_stream(&tmpl, NULL, &cs, record, &str));
    CHECK_OK(chunk_feed(&tmpl, &at, d, len, record, &far));
    CHECK(mem.n == 4 && same_chunks(&mem, &str) && far.n == mem.n && far.bytes_ok);
    for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
        const struct seen *c = owner(&mem, offs[i]), *f = owner(&far, at.offset + offs[i]);
        uint64_t line = 0, fline = 0, col, fcol;
        if (!c || !f) {
            CHECK(c && f);
            continue;
        }
        col = column_in(d, 0, c, offs[i], &line);
        fcol = column_in(d, at.offset, f, at.offset + offs[i], &fline);
        if (offs[i] < first_nl) {
            CHECK(line == 1 && col == offs[i] + 1);
            CHECK(fline == at.line && fcol == at.column0 + offs[i] + 1);
        } else {
            const unsigned char *nl = d + offs[i];
            while (*--nl != '\n')
                ;
            CHECK(line >= 2 && col == (uint64_t)(d + offs[i] - nl));
            CHECK(fline == at.line + line - 1 && fcol == col);
        }
    }
    for (size_t k = 0; k < mem.n; k++) { /* each chunk's line and column base, counted */
        uint64_t line = 1, col0 = 0;
        for (uint64_t i = 0; i < mem.v[k].offset; i++) {
            col0 = d[i] == '\n' ? 0 : col0 + 1;
            line += d[i] == '\n';
        }
        CHECK(mem.v[k].line == line && mem.v[k].column0 == col0);
    }
    CHECK(mem.v[1].column0 == mem.v[1].offset && mem.v[2].column0 == mem.v[2].offset);
    CHECK(far.v[1].column0 == at.column0 + mem.v[1].offset && far.v[1].line == at.line);
    free(mem.v);
    free(str.v);
    free(far.v);
    free(buf);
    free(d);
}

/* A read failure ends the stream: the bytes before it are handed over, the reader's
 * status comes back in read_st; a callback failure stops at once and is returned. */
static void test_chunk__failures(void)
{
    const size_t len = 2 * LIMIT_CHUNK_BYTES, cut = LIMIT_CHUNK_BYTES + 777;
    unsigned char *d = make_input(len, len);
    unsigned char *buf = NULL;
    struct blob tmpl;
    struct rec r;
    struct odd_src s = { d, len, 0, 0, cut };
    struct chunk_stream cs = { odd_read, &s, &buf, 0, false, STATUS_OK, 0 };

    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "t.txt";
    rec_init(&r, d, 0);
    CHECK_OK(chunk_stream(&tmpl, NULL, &cs, record, &r));
    CHECK(cs.read_st == STATUS_IO && cs.bytes == cut);
    CHECK(r.n == 2 && r.bytes_ok && r.v[1].offset + r.v[1].len == cut);
    free(r.v);

    rec_init(&r, d, 0);
    r.fail_at = 0;
    s = (struct odd_src){ d, len, 0, 0, SIZE_MAX };
    cs = (struct chunk_stream){ odd_read, &s, &buf, 0, false, STATUS_OK, 0 };
    CHECK(chunk_stream(&tmpl, NULL, &cs, record, &r) == STATUS_LIMIT);
    CHECK(r.n == 1);
    free(r.v);

    rec_init(&r, d, 0);
    r.fail_at = 0;
    CHECK(chunk_feed(&tmpl, NULL, d, len, record, &r) == STATUS_LIMIT);
    CHECK(r.n == 1);
    free(r.v);
    free(buf);
    free(d);
}

/* chunk_pos_advance counts lines 16 bytes a step: the same place as a byte at a time,
 * for every length and alignment around the steps, line breaks dense and sparse, and
 * runs longer than 255 steps (the per-lane counters are summed then). */
static void test_chunk__pos_advance_counts_as_byte_by_byte(void)
{
    const size_t max = 16 * 600 + 40;
    unsigned char *d = malloc(max + 32);
    uint64_t seed = 986;

    CHECK(d != NULL);
    for (int density = 0; density < 4; density++) {
        for (size_t i = 0; i < max + 32; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(seed >> 33);
            d[i] = density == 0 ? (unsigned char)'a'
                 : density == 3 ? (unsigned char)'\n'
                 : r % (density == 1 ? 97u : 3u) == 0 ? (unsigned char)'\n' : (unsigned char)r;
        }
        for (size_t off = 0; off < 17; off += 5) {
            for (size_t n = 0; n <= max; n += n < 70 ? 1 : 997) {
                struct chunk_pos fast = { 5, 3, 11 }, slow = fast;
                chunk_pos_advance(&fast, d + off, n);
                for (size_t i = 0; i < n; i++) {
                    slow.column0 = d[off + i] == '\n' ? 0 : slow.column0 + 1;
                    slow.line += d[off + i] == '\n';
                }
                slow.offset += n;
                CHECK(fast.offset == slow.offset && fast.line == slow.line &&
                      fast.column0 == slow.column0);
            }
        }
    }
    free(d);
}

static const struct test tests[] = {
    TEST(test_chunk__pos_advance_counts_as_byte_by_byte),
    TEST(test_chunk__memory_and_streams_give_the_same_chunks),
    TEST(test_chunk__issue_12_column_far_along_the_first_line),
    TEST(test_chunk__failures),
};
HARNESS_MAIN(tests)
