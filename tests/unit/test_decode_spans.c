/*
 * tests/unit/test_decode_spans.c - the escape decoders by trigger, as the scanner uses
 * them: decode_spans turns runs of trigger hits into windows (LIMIT_DECODE_WINDOW of
 * context on each side, widened to whole lines, sorted, those that overlap or touch
 * merged: checked against a brute-force reference); decode_url_span,
 * decode_json_escapes_span and decode_html_span give, for each window, exactly the bytes
 * and map of the whole-buffer view for that source range (so matches there are the ones
 * the whole view had); decode_spans_near_changes keeps the parts of runs within a margin
 * of what a view changed (against a brute-force reference, random segment layouts).
 */
#include "decode/decode.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "base/limits.h"
#include "base/xalloc.h"

#define BIG (64u * 1024 * 1024)
#define MARGIN ((size_t)LIMIT_DECODE_WINDOW)

typedef enum status (*whole_fn)(const unsigned char *, size_t, size_t, struct decoded *);
typedef enum status (*span_fn)(const unsigned char *, size_t, struct decode_span, size_t,
                               struct decoded *);

static const struct {
    whole_fn whole;
    span_fn span;
    const char *escape;    /* one escape of this decoder, decoding to key characters */
    const char *near_miss; /* not an escape, but starts like one */
} decoders[] = {
    { decode_url, decode_url_span, "%2F", "%zz" },
    { decode_json_escapes, decode_json_escapes_span, "\\u0041", "\\q" },
    { decode_html, decode_html_span, "&#65;", "&#;" },
};

#define N_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* ---- decode_spans against a reference ------------------------------------------------ */

static int cmp_lo(const void *a, const void *b)
{
    const struct decode_span *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* What decode_spans should give, the slow way: each run [lo, hi] (lo past the end taken
 * as the last byte) to [start of the line holding lo - MARGIN, end of the line holding
 * hi + MARGIN), sorted, merged while the next starts at or before the current end. */
static size_t spans_reference(const unsigned char *p, size_t n, const struct decode_span *runs,
                              size_t nr, struct decode_span *out)
{
    size_t k = 0;

    for (size_t i = 0; i < nr; i++) {
        size_t lo = runs[i].lo >= n ? (n ? n - 1 : 0) : runs[i].lo;
        size_t hi = runs[i].hi < lo ? lo : runs[i].hi;
        size_t a = lo > MARGIN ? lo - MARGIN : 0;
        size_t b = hi > SIZE_MAX - MARGIN ? SIZE_MAX : hi + MARGIN;
        while (a > 0 && p[a - 1] != '\n')
            a--;
        if (b >= n) {
            b = n;
        } else {
            while (b < n && p[b] != '\n')
                b++;
            b = b < n ? b + 1 : n;
        }
        out[i] = (struct decode_span){ a, b };
    }
    qsort(out, nr, sizeof(*out), cmp_lo);
    for (size_t i = 0; i < nr; i++) {
        if (k && out[i].lo <= out[k - 1].hi) {
            if (out[i].hi > out[k - 1].hi)
                out[k - 1].hi = out[i].hi;
            continue;
        }
        out[k++] = out[i];
    }
    return k;
}

/* decode_spans(runs) is the reference, and its windows have the properties the scanner
 * relies on: whole lines, sorted, apart, every run and its margin inside one. */
static void check_spans(const unsigned char *p, size_t n, const struct decode_span *runs,
                        size_t nr, struct decode_span *w, size_t *nw)
{
    struct decode_span *ref = xmalloc((nr + 1) * sizeof(*ref));
    size_t k, kr;

    memcpy(w, runs, nr * sizeof(*w));
    k = decode_spans(p, n, w, nr);
    kr = spans_reference(p, n, runs, nr, ref);
    CHECK(k == kr);
    for (size_t i = 0; i < k && i < kr; i++)
        CHECK(w[i].lo == ref[i].lo && w[i].hi == ref[i].hi);
    for (size_t i = 0; i < k; i++) {
        CHECK(w[i].lo < w[i].hi || n == 0);
        CHECK(w[i].hi <= n);
        CHECK(w[i].lo == 0 || p[w[i].lo - 1] == '\n');
        CHECK(w[i].hi == n || p[w[i].hi - 1] == '\n');
        CHECK(i == 0 || w[i].lo > w[i - 1].hi); /* apart: touching ones were merged */
    }
    for (size_t r = 0; r < nr && n > 0; r++) {
        size_t lo = runs[r].lo >= n ? n - 1 : runs[r].lo, hi = runs[r].hi < lo ? lo : runs[r].hi;
        size_t a = lo > MARGIN ? lo - MARGIN : 0, b = hi + MARGIN >= n ? n - 1 : hi + MARGIN;
        bool in = false;
        for (size_t i = 0; i < k; i++)
            in = in || (w[i].lo <= a && b < w[i].hi);
        CHECK(in);
    }
    *nw = k;
    free(ref);
}

/* ---- a window's view against the whole view ------------------------------------------ */

/* The first byte of view w made from source offset `src` or later (w->len if none). */
static size_t view_from(const struct decoded *w, size_t src)
{
    size_t a = 0, b = w->len;

    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (decoded_to_source(w, m) < src)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* The window's view holds exactly the bytes and map of the whole view for its source
 * range, cut flags where it does not reach the buffer's ends; no view when the range
 * holds no escape. Returns whether it had a view. */
static bool check_window(const struct decoded *whole, span_fn span, const unsigned char *p,
                         size_t n, struct decode_span win)
{
    struct decoded d = DECODED_INIT;
    size_t v0 = whole->len ? view_from(whole, win.lo) : 0;
    size_t v1 = whole->len ? view_from(whole, win.hi) : win.hi - win.lo;
    bool changed = whole->len && v1 - v0 != win.hi - win.lo;

    CHECK_OK(span(p, n, win, BIG, &d));
    /* every escape is longer than what it decodes to: a range with one is shorter */
    if (!changed) {
        CHECK(d.len == 0 && d.data == NULL && d.segs == NULL);
        return false;
    }
    CHECK(d.len == v1 - v0);
    CHECK(d.cut_lo == (win.lo > 0) && d.cut_hi == (win.hi < n));
    if (d.len == v1 - v0) {
        CHECK(memcmp(d.data, whole->data + v0, d.len) == 0);
        for (size_t k = 0; k < d.len; k++)
            CHECK(decoded_to_source(&d, k) == decoded_to_source(whole, v0 + k));
    }
    decoded_release(&d);
    return true;
}

/* Every window of `runs` against the whole view; returns how many windows had a view. */
static size_t check_runs(whole_fn wholef, span_fn span, const unsigned char *p, size_t n,
                         const struct decode_span *runs, size_t nr, size_t *n_windows)
{
    struct decoded whole = DECODED_INIT;
    struct decode_span *w = xmalloc((nr + 1) * sizeof(*w));
    size_t nw = 0, views = 0;

    CHECK_OK(wholef(p, n, BIG, &whole));
    check_spans(p, n, runs, nr, w, &nw);
    for (size_t i = 0; i < nw; i++)
        views += check_window(&whole, span, p, n, w[i]);
    if (n_windows)
        *n_windows = nw;
    decoded_release(&whole);
    free(w);
    return views;
}

/* Lines of filler ("line 00042 ...\n", 64 bytes each) with `escape` appended to the
 * lines listed in `at` (ascending); where[i] gets the end of escape i (a trigger hit's
 * end). */
static unsigned char *spans_text(size_t lines, const size_t *at, size_t n_at, const char *escape,
                                 const char *near_miss, size_t *len, size_t *where)
{
    size_t cap = lines * 80 + 1, n = 0, k = 0;
    unsigned char *p = xmalloc(cap);

    for (size_t l = 0; l < lines; l++) {
        n += (size_t)snprintf((char *)p + n, cap - n, "line %05zu AKIAx%s key=abc%s", l,
                              l % 7 == 3 ? near_miss : "", k < n_at && at[k] == l ? escape : "");
        if (k < n_at && at[k] == l)
            where[k++] = n;
        for (; n % 64 != 63 && n + 1 < cap; n++)
            p[n] = (unsigned char)('a' + n % 26);
        p[n++] = '\n';
    }
    *len = n;
    return p;
}

static void test_decode_spans__apart_joined_and_edges(void)
{
    for (size_t i = 0; i < N_DECODERS; i++) {
        /* 64-byte lines: LIMIT_DECODE_WINDOW is 256 lines. Escapes (one run each) at lines
         * 10 (a window from the start), 2000 and 2300 (one window: 300 lines apart), 5000
         * (its own); none near the end. */
        const size_t at[] = { 10, 2000, 2300, 5000 };
        size_t n, end[4], nw = 0;
        unsigned char *p = spans_text(8000, at, 4, decoders[i].escape, decoders[i].near_miss,
                                      &n, end);
        struct decode_span runs[4], w[4];

        for (size_t k = 0; k < 4; k++)
            runs[k] = (struct decode_span){ end[k], end[k] };
        CHECK(LIMIT_DECODE_WINDOW == 256 * 64);
        CHECK(check_runs(decoders[i].whole, decoders[i].span, p, n, runs, 4, &nw) == 3);
        CHECK(nw == 3);
        memcpy(w, runs, sizeof(runs));
        CHECK(decode_spans(p, n, w, 4) == 3);
        CHECK(w[0].lo == 0 && w[0].hi == (10 + 256 + 1) * 64); /* the line 256 below, whole */
        CHECK(w[1].lo == (2000 - 256) * 64 && w[1].hi == (2300 + 256 + 1) * 64);
        CHECK(w[2].lo == (5000 - 256) * 64 && w[2].hi == (5000 + 256 + 1) * 64);
        /* in any order (the scanner's are sorted; a caller's may not be) */
        runs[0] = (struct decode_span){ end[3], end[3] };
        runs[3] = (struct decode_span){ end[0], end[0] };
        CHECK(check_runs(decoders[i].whole, decoders[i].span, p, n, runs, 4, &nw) == 3);
        /* a run from 10 to 5000: one window */
        runs[0] = (struct decode_span){ end[0], end[3] };
        CHECK(check_runs(decoders[i].whole, decoders[i].span, p, n, runs, 1, &nw) == 1);
        /* a run where no escape is (a trigger without a decodable escape): no view */
        runs[0] = (struct decode_span){ 7000 * 64, 7000 * 64 };
        CHECK(check_runs(decoders[i].whole, decoders[i].span, p, n, runs, 1, &nw) == 0);
        CHECK(nw == 1);
        free(p);
    }
}

/* Two runs whose windows' line ends meet: one whose window ends exactly where the next
 * one's begins is merged (touching), one line further apart they stay two. */
static void test_decode_spans__touching_windows_merge(void)
{
    size_t n = 2000 * 64;
    unsigned char *p = xmalloc(n);

    for (size_t k = 0; k < n; k++)
        p[k] = k % 64 == 63 ? '\n' : 'k';
    /* run 1 ends its window at the end of line 500 (hi + MARGIN on line 500) */
    for (size_t gap = 0; gap < 3; gap++) {
        size_t hi1 = 500 * 64 + 10 - MARGIN;
        /* run 2: lo - MARGIN on line 501 + gap: its window starts at that line */
        size_t lo2 = (501 + gap) * 64 + 5 + MARGIN;
        struct decode_span runs[2] = { { hi1 - 100, hi1 }, { lo2, lo2 + 7 } }, w[2];
        size_t nw;
        check_spans(p, n, runs, 2, w, &nw);
        CHECK(nw == (gap == 0 ? 1 : 2));
        CHECK(gap == 0 || w[0].hi == 501 * 64);
    }
    /* a run whose margin ends exactly at the end of the window so far (a line start):
     * the merged window takes that line too, as a window of its own would */
    {
        struct decode_span runs[2] = { { 100 * 64 + 3, 100 * 64 + 3 }, { 0, 0 } }, w[2];
        size_t nw, end;
        memcpy(w, runs, sizeof(*w));
        CHECK(decode_spans(p, n, w, 1) == 1);
        end = w[0].hi;
        runs[1] = (struct decode_span){ 100 * 64 + 4, end - MARGIN };
        check_spans(p, n, runs, 2, w, &nw);
        CHECK(nw == 1 && w[0].hi == end + 64);
    }
    free(p);
}

static void test_decode_spans__random_text_equals_whole_view(void)
{
    static const char alphabet[] = "%\\&#;<>/ux0123456789abcdefABCDEF{}\n\n\n\n\nspanq AKI+";
    uint64_t x = 0x5e5a3e;

    for (int iter = 0; iter < 200; iter++) {
        size_t n = 1 + (size_t)(rnd(&x) % 90000), dense = 1 + (size_t)(x >> 20) % 5000;
        size_t nr = (size_t)(rnd(&x) % 9);
        unsigned char *p = xmalloc(n);
        struct decode_span runs[8];
        for (size_t k = 0; k < n; k++) {
            rnd(&x);
            /* mostly filler, escape characters only here and there */
            p[k] = x % dense == 0 ? (unsigned char)alphabet[(x >> 8) % (sizeof(alphabet) - 1)]
                                  : (unsigned char)('a' + (x >> 8) % 20);
            if ((x >> 40) % (iter % 3 ? 61 : 40000) == 0)
                p[k] = '\n'; /* lines of ~60 bytes, or one in three inputs long lines */
        }
        for (size_t r = 0; r < nr; r++) {
            size_t lo = (size_t)(rnd(&x) % (n + n / 8 + 1)); /* some past the end */
            size_t len = rnd(&x) % 4 ? (size_t)(rnd(&x) % 40000) : 0;
            runs[r] = (struct decode_span){ lo, lo + len };
        }
        for (size_t i = 0; i < N_DECODERS; i++)
            (void)check_runs(decoders[i].whole, decoders[i].span, p, n, runs, nr, NULL);
        free(p);
    }
}

/* Windows with many escapes (tens of thousands), near misses and line breaks between
 * them: still the whole view's bytes. */
static void test_decode_spans__many_escapes_per_window(void)
{
    const size_t counts[] = { 255, 256, 257, 5000, 65536, 70000 };

    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        for (size_t i = 0; i < N_DECODERS; i++) {
            size_t esc = strlen(decoders[i].escape), miss = strlen(decoders[i].near_miss);
            size_t cap = counts[c] * (esc + miss + 4) + 1, n = 0, nw;
            unsigned char *p = xmalloc(cap);
            struct decode_span runs[2];
            for (size_t k = 0; k < counts[c]; k++) {
                memcpy(p + n, decoders[i].escape, esc);
                n += esc;
                if (k % 5 == 2) {
                    memcpy(p + n, decoders[i].near_miss, miss);
                    n += miss;
                }
                p[n++] = k % 97 == 0 ? '\n' : 'k';
            }
            runs[0] = (struct decode_span){ 3, n / 2 };
            runs[1] = (struct decode_span){ n - 1, n };
            CHECK(check_runs(decoders[i].whole, decoders[i].span, p, n, runs, 2, &nw) == nw);
            CHECK(nw >= 1);
            free(p);
        }
    }
}

static void test_decode_spans__one_long_line_is_one_window(void)
{
    size_t n = 200000;
    unsigned char *p = xmalloc(n);
    struct decoded d = DECODED_INIT;
    struct decode_span runs[2] = { { 103, 103 }, { 150003, 150003 } };

    memset(p, 'k', n);
    memcpy(p + 100, "%41", 3);
    memcpy(p + 150000, "%42", 3);
    CHECK(decode_spans(p, n, runs, 2) == 1);
    CHECK(runs[0].lo == 0 && runs[0].hi == n);
    CHECK_OK(decode_url_span(p, n, runs[0], BIG, &d));
    CHECK(!d.cut_lo && !d.cut_hi && d.len == n - 4);
    decoded_release(&d);
    free(p);
}

/* An escape, and lead bytes that start no escape (a lone backslash, '%', '&', '<') at
 * LIMIT_DECODE_WINDOW - 3 .. + 8 bytes from it, on either side, on lines of 50 bytes or
 * (d odd) of 3 KiB: window edges fall next to them, and the windows are still the whole
 * view's bytes. */
static void test_decode_spans__escapes_and_lead_bytes_at_the_margin(void)
{
    static const char *const leads[] = { "\\q", "\\", "%", "%4", "&", "&#", "<", "\\u004" };
    static const char *const escapes[] = { "\\u0041", "%41", "&#65;", "\\\\", "&amp;" };

    for (size_t e = 0; e < sizeof(escapes) / sizeof(escapes[0]); e++) {
        for (size_t l = 0; l < sizeof(leads) / sizeof(leads[0]); l++) {
            for (size_t d = 0; d < 12; d++) {
                size_t n = 3 * MARGIN, el = strlen(escapes[e]);
                size_t ll = strlen(leads[l]), at = MARGIN + 1000;
                unsigned char *p = xmalloc(n);
                struct decode_span run = { at + el, at + el };
                for (size_t k = 0; k < n; k++)
                    p[k] = k % (d % 2 ? 3072 : 50) == 49 ? '\n' : 'k';
                memcpy(p + at, escapes[e], el);
                memcpy(p + at - MARGIN - ll - 3 + d, leads[l], ll);
                memcpy(p + at + el + MARGIN - 6 + d, leads[l], ll);
                for (size_t i = 0; i < N_DECODERS; i++)
                    (void)check_runs(decoders[i].whole, decoders[i].span, p, n, &run, 1, NULL);
                free(p);
            }
        }
    }
}

/* A run LIMIT_DECODE_WINDOW bytes after a line's first byte (off 0), its '\n' (off 63) or
 * near it (off 61): the window starts at that line's start, not at the next one, and ends
 * at the end of the line holding the run's end + LIMIT_DECODE_WINDOW. */
static void test_decode_spans__margin_at_line_edges(void)
{
    const size_t offs[] = { 0, 63, 61 };

    for (size_t o = 0; o < 3; o++) {
        size_t n = 1000 * 64, site = MARGIN + 300 * 64 + offs[o];
        unsigned char *p = xmalloc(n);
        struct decoded d = DECODED_INIT;
        struct decode_span w = { site, site };
        for (size_t k = 0; k < n; k++)
            p[k] = k % 64 == 63 ? '\n' : 'k';
        memcpy(p + site - 3, "%41", 3);
        CHECK(decode_spans(p, n, &w, 1) == 1);
        CHECK(w.lo == 300 * 64);
        CHECK(w.hi == (300 + 512 + 1) * 64); /* site + MARGIN: 256 lines further */
        CHECK_OK(decode_url_span(p, n, w, BIG, &d));
        CHECK(d.cut_lo && d.cut_hi && decoded_to_source(&d, 0) == 300 * 64);
        decoded_release(&d);
        free(p);
    }
}

static void test_decode_spans__limit_then_next_window(void)
{
    const size_t at[] = { 300, 3000 };
    size_t n, end[2];
    unsigned char *p = spans_text(4000, at, 2, "%2F", "%", &n, end);
    struct decoded d = DECODED_INIT;
    struct decode_span w[2] = { { end[0], end[0] }, { end[1], end[1] } };

    CHECK(decode_spans(p, n, w, 2) == 2);
    /* A window larger than the cap fails alone, with nothing left allocated */
    CHECK(decode_url_span(p, n, w[0], 1000, &d) == STATUS_LIMIT);
    CHECK(d.len == 0 && d.data == NULL && d.segs == NULL);
    CHECK(decode_url_span(p, n, w[1], BIG, &d) == STATUS_OK && d.len > 0);
    decoded_release(&d);
    /* windows past the end, or empty: no view */
    CHECK_OK(decode_url_span(p, n, (struct decode_span){ n, n + 10 }, BIG, &d));
    CHECK(d.len == 0 && d.data == NULL);
    CHECK_OK(decode_url_span(p, n, (struct decode_span){ 64, 64 }, BIG, &d));
    CHECK(d.len == 0 && d.data == NULL);
    free(p);
}

/* ---- decode_spans_near_changes against a reference ------------------------------------ */

/* The points of runs [lo, hi] within `margin` of a change of `outer`: a segment's start
 * (except the first's, unless opaque) and every byte of an opaque segment up to the
 * next segment's start. */
static unsigned char *near_reference(const struct decoded *outer, size_t len, size_t margin)
{
    long *diff = xcalloc(len + 2, sizeof(*diff));
    unsigned char *near = xcalloc(len + 1, 1);
    long run = 0;

    for (size_t j = 0; j < outer->n_segs; j++) {
        const struct decode_seg *g = &outer->segs[j];
        size_t c_lo = g->view_off, c_hi = g->view_off, a, b;
        if (g->kind == SEG_OPAQUE)
            c_hi = j + 1 < outer->n_segs ? outer->segs[j + 1].view_off : outer->len;
        else if (j == 0)
            continue;
        a = c_lo > margin ? c_lo - margin : 0;
        b = c_hi + margin > len ? len : c_hi + margin;
        diff[a]++;
        diff[b + 1]--;
    }
    for (size_t i = 0; i <= len; i++) {
        run += diff[i];
        near[i] = run > 0;
    }
    free(diff);
    return near;
}

/* A view of random segments: copies of the source (continuing or jumping: dropped bytes),
 * opaque runs of 1 to 4 bytes (decoded escapes), nothing at all (a removed tag). */
static void random_view(uint64_t *x, size_t target, struct decoded *d)
{
    static const unsigned char bytes[64] = { 0 };
    size_t src = (size_t)(rnd(x) % 100);
    uint64_t sparse = 1 + rnd(x) % 6; /* some views change little, some a lot */

    *d = (struct decoded)DECODED_INIT;
    d->encoding = "url";
    while (d->len < target) {
        uint64_t r = rnd(x);
        if (r % (sparse * 4) < 3) {
            size_t m = 1 + (size_t)(r >> 8) % 4;
            CHECK_OK(decoded_append(d, BIG, bytes, m, src, SEG_OPAQUE));
            src += 3 * m;
        } else if (r % (sparse * 4) == 3) {
            src += 1 + (size_t)(r >> 8) % 30; /* dropped */
        } else {
            size_t m = 1 + (size_t)((r >> 8) % (r >> 40 & 1 ? 40 : 400 * sparse * sparse));
            m = m > sizeof(bytes) ? sizeof(bytes) : m;
            for (size_t k = 0; k < (size_t)(r >> 20) % 8 + 1; k++) {
                CHECK_OK(decoded_append(d, BIG, bytes, m, src, SEG_COPY));
                src += m;
            }
        }
    }
}

/* decode_spans_near_changes(runs) keeps exactly the reference's points, sorted and
 * disjoint. */
static void check_near(const struct decoded *outer, const struct decode_span *runs, size_t nr,
                       size_t margin)
{
    unsigned char *near = near_reference(outer, outer->len, margin);
    unsigned char *want = xcalloc(outer->len + 1, 1), *got = xcalloc(outer->len + 1, 1);
    struct decode_span *out = NULL;
    size_t cap = 0, k = decode_spans_near_changes(outer, runs, nr, margin, &out, &cap);

    for (size_t r = 0; r < nr; r++)
        for (size_t i = runs[r].lo; i <= runs[r].hi; i++)
            want[i] = near[i];
    for (size_t i = 0; i < k; i++) {
        CHECK(out[i].lo <= out[i].hi && out[i].hi <= outer->len);
        CHECK(i == 0 || out[i].lo > out[i - 1].hi); /* sorted, disjoint */
        for (size_t v = out[i].lo; v <= out[i].hi && v <= outer->len; v++)
            got[v] = 1;
    }
    CHECK(memcmp(want, got, outer->len + 1) == 0);
    free(out);
    free(near);
    free(want);
    free(got);
}

static void test_decode_spans__near_changes_equals_reference(void)
{
    const size_t margins[] = { 0, 1, 7, 128u, LIMIT_DECODE_WINDOW };
    uint64_t x = 0x7ea4c4a;

    for (int iter = 0; iter < 400; iter++) {
        size_t target = 1 + (size_t)(rnd(&x) % (iter % 4 ? 4000 : 120000));
        size_t nr = (size_t)(rnd(&x) % 12), pos = 0, r = 0;
        struct decoded d;
        struct decode_span runs[12];
        random_view(&x, target, &d);
        /* sorted, disjoint runs within the view (hit ends: up to its length) */
        while (r < nr && pos <= d.len) {
            size_t lo = pos + (size_t)(rnd(&x) % (d.len / (nr + 1) + 2));
            size_t hi = lo + (rnd(&x) % 3 ? (size_t)(rnd(&x) % (d.len / 8 + 2)) : 0);
            if (lo > d.len)
                break;
            runs[r++] = (struct decode_span){ lo, hi > d.len ? d.len : hi };
            pos = (hi > d.len ? d.len : hi) + 1;
        }
        for (size_t m = 0; m < sizeof(margins) / sizeof(margins[0]); m++)
            check_near(&d, runs, r, margins[m]);
        /* the same runs in reverse order (a hit reported late), one of them overlapping
         * two others */
        if (r > 1) {
            struct decode_span rev[13];
            for (size_t i = 0; i < r; i++)
                rev[i] = runs[r - 1 - i];
            rev[r] = (struct decode_span){ runs[0].hi, runs[1].lo + (runs[1].hi - runs[1].lo) / 2 };
            for (size_t m = 0; m < sizeof(margins) / sizeof(margins[0]); m++)
                check_near(&d, rev, r + 1, margins[m]);
        }
        decoded_release(&d);
    }
}

/* The scanner's case: a URL window's view, a JSON trigger's run next to its one "%2F",
 * far from it, and spanning it; no view at all (depth 0) keeps nothing. */
static void test_decode_spans__near_changes_of_a_window(void)
{
    size_t n = 3000 * 64, esc = 1000 * 64 + 20, nw = 0;
    unsigned char *p = xmalloc(n);
    struct decoded d = DECODED_INIT;
    struct decode_span w = { esc + 3, esc + 3 }, *out = NULL;
    size_t cap = 0, at;

    for (size_t k = 0; k < n; k++)
        p[k] = k % 64 == 63 ? '\n' : 'k';
    memcpy(p + esc, "%2F", 3);
    nw = decode_spans(p, n, &w, 1);
    CHECK(nw == 1);
    CHECK_OK(decode_url_span(p, n, w, BIG, &d));
    at = view_from(&d, esc); /* the decoded '/' */
    CHECK(d.len > 0 && d.data[at] == '/');
    {
        struct decode_span runs[3] = { { at + 6, at + 6 },
                                       { at + 6 + 128u + 1,
                                         at + 6 + 128u + 1 },
                                       { at + MARGIN + 2, at + MARGIN + 50 } };
        size_t k = decode_spans_near_changes(&d, runs, 3, 128u, &out, &cap);
        CHECK(k == 1);
        CHECK(k < 1 || (out[0].lo == at + 6 && out[0].hi == at + 6));
        k = decode_spans_near_changes(&d, runs, 3, MARGIN, &out, &cap);
        CHECK(k == 2);
        CHECK(k < 2 || (out[1].lo == runs[1].lo && out[1].hi == runs[1].hi));
        runs[0] = (struct decode_span){ 10, d.len };
        k = decode_spans_near_changes(&d, runs, 1, 100, &out, &cap);
        CHECK(k == 1);
        CHECK(k < 1 || (out[0].lo == at - 100 && out[0].hi == at + 1 + 100));
        CHECK(decode_spans_near_changes(NULL, runs, 1, 100, &out, &cap) == 0);
    }
    free(out);
    decoded_release(&d);
    free(p);
}

static const struct test tests[] = {
    TEST(test_decode_spans__apart_joined_and_edges),
    TEST(test_decode_spans__touching_windows_merge),
    TEST(test_decode_spans__random_text_equals_whole_view),
    TEST(test_decode_spans__many_escapes_per_window),
    TEST(test_decode_spans__one_long_line_is_one_window),
    TEST(test_decode_spans__escapes_and_lead_bytes_at_the_margin),
    TEST(test_decode_spans__margin_at_line_edges),
    TEST(test_decode_spans__limit_then_next_window),
    TEST(test_decode_spans__near_changes_equals_reference),
    TEST(test_decode_spans__near_changes_of_a_window),
};

HARNESS_MAIN(tests)
