/*
 * tests/unit/test_decode_windows.c - the escape decoders one window at a time
 * (decode_url_window, decode_json_escapes_window, decode_html_window): windows hold
 * every escape with LIMIT_DECODE_WINDOW bytes of context to whole lines, escapes closer
 * than that share one, and each window's view is exactly the part of the whole-buffer
 * view made from its source bytes (so matches there are the ones the whole view had).
 */
#include "decode/decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "base/limits.h"
#include "base/xalloc.h"

#define BIG (64u * 1024 * 1024)

typedef enum status (*whole_fn)(const unsigned char *, size_t, size_t, struct decoded *);
typedef enum status (*window_fn)(const unsigned char *, size_t, size_t *, size_t,
                                 struct decoded *);

static const struct {
    whole_fn whole;
    window_fn window;
    const char *escape; /* one escape of this decoder, decoding to key characters */
    const char *near_miss; /* not an escape, but starts like one */
} decoders[] = {
    { decode_url, decode_url_window, "%2F", "%zz" },
    { decode_json_escapes, decode_json_escapes_window, "\\u0041", "\\q" },
    { decode_html, decode_html_window, "&#65;", "&#;" },
};

/* Lines of filler ("line 00042 ...\n", 64 bytes each) with `escape` appended to the
 * lines listed in `at` (ascending). */
static unsigned char *test_windows_text(size_t lines, const size_t *at, size_t n_at,
                                        const char *escape, const char *near_miss,
                                        size_t *len)
{
    size_t cap = lines * 80 + 1, n = 0, k = 0;
    unsigned char *p = xmalloc(cap);

    for (size_t l = 0; l < lines; l++) {
        n += (size_t)snprintf((char *)p + n, cap - n, "line %05zu AKIAx%s key=abc%s", l,
                              l % 7 == 3 ? near_miss : "", k < n_at && at[k] == l ? escape : "");
        if (k < n_at && at[k] == l)
            k++;
        for (; n % 64 != 63 && n + 1 < cap; n++)
            p[n] = (unsigned char)('a' + n % 26);
        p[n++] = '\n';
    }
    *len = n;
    return p;
}

/* Every window is the whole view's bytes (and map) for its source range, and the whole
 * view is the windows with the unchanged source bytes between them; returns how many
 * windows there were. */
static size_t test_windows_check(whole_fn whole, window_fn window, const unsigned char *p,
                                 size_t n)
{
    struct decoded w = DECODED_INIT, d = DECODED_INIT;
    size_t from = 0, count = 0, prev_end = 0, r = 0;
    unsigned char *re = xmalloc(n + 1); /* the whole view rebuilt from the windows */

    CHECK_OK(whole(p, n, BIG, &w));
    while (from < n) {
        size_t before = from, v = 0, lo, hi;
        CHECK_OK(window(p, n, &from, BIG, &d));
        CHECK(from > before && from <= n);
        if (d.len == 0) {
            CHECK(from == n && d.data == NULL);
            break;
        }
        count++;
        lo = decoded_to_source(&d, 0);
        hi = from;
        CHECK(lo >= prev_end && lo < hi);
        CHECK(lo == 0 || p[lo - 1] == '\n'); /* whole lines */
        CHECK(hi == n || p[hi - 1] == '\n');
        CHECK(d.cut_lo == (lo > 0) && d.cut_hi == (hi < n));
        while (v < w.len && decoded_to_source(&w, v) < lo)
            v++;
        CHECK(v + d.len <= w.len);
        if (v + d.len <= w.len) {
            CHECK(memcmp(w.data + v, d.data, d.len) == 0);
            for (size_t k = 0; k < d.len; k++)
                CHECK(decoded_to_source(&d, k) == decoded_to_source(&w, v + k));
        }
        if (lo >= prev_end && r + (lo - prev_end) + d.len <= n) {
            memcpy(re + r, p + prev_end, lo - prev_end);
            r += lo - prev_end;
            memcpy(re + r, d.data, d.len);
            r += d.len;
        }
        prev_end = hi;
        decoded_release(&d);
    }
    if (count > 0 && prev_end <= n && r + (n - prev_end) <= n) {
        memcpy(re + r, p + prev_end, n - prev_end);
        r += n - prev_end;
        CHECK(r == w.len && memcmp(re, w.data, r) == 0);
    }
    CHECK((w.len > 0) == (count > 0));
    decoded_release(&w);
    free(re);
    return count;
}

static void test_decode_windows__apart_joined_and_edges(void)
{
    for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
        /* 64-byte lines: LIMIT_DECODE_WINDOW is 256 lines. Escapes at 10 (a window from
         * the start), 2000 and 2300 (one window: 300 lines apart), 5000 (its own), none
         * near the end. */
        const size_t at[] = { 10, 2000, 2300, 5000 };
        size_t n, from = 0;
        unsigned char *p = test_windows_text(8000, at, 4, decoders[i].escape,
                                             decoders[i].near_miss, &n);
        struct decoded d = DECODED_INIT;

        CHECK(LIMIT_DECODE_WINDOW == 256 * 64);
        CHECK(test_windows_check(decoders[i].whole, decoders[i].window, p, n) == 3);
        CHECK_OK(decoders[i].window(p, n, &from, BIG, &d)); /* the first window */
        CHECK(!d.cut_lo && d.cut_hi && decoded_to_source(&d, 0) == 0);
        CHECK(from == (10 + 256 + 1) * 64); /* to the end of the line 256 lines below */
        decoded_release(&d);
        CHECK_OK(decoders[i].window(p, n, &from, BIG, &d)); /* 2000 and 2300 together */
        CHECK(d.cut_lo && d.cut_hi);
        CHECK(decoded_to_source(&d, 0) == (2000 - 256) * 64);
        CHECK(from == (2300 + 256 + 1) * 64);
        decoded_release(&d);
        CHECK_OK(decoders[i].window(p, n, &from, BIG, &d));
        CHECK(decoded_to_source(&d, 0) == (5000 - 256) * 64);
        decoded_release(&d);
        CHECK_OK(decoders[i].window(p, n, &from, BIG, &d)); /* no more */
        CHECK(d.len == 0 && d.data == NULL && from == n);
        free(p);
    }
}

static void test_decode_windows__random_text_equals_whole_view(void)
{
    static const char alphabet[] = "%\\&#;<>/ux0123456789abcdefABCDEF{}\n\n\n\n\nspanq AKI+";
    uint64_t x = 0x5e5a3e;

    for (int iter = 0; iter < 200; iter++) {
        size_t n = 1 + (size_t)(x % 90000), dense = 1 + (size_t)(x >> 20) % 5000;
        unsigned char *p = xmalloc(n);
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* mostly filler, escape characters only here and there */
            p[k] = x % dense == 0 ? (unsigned char)alphabet[(x >> 8) % (sizeof(alphabet) - 1)]
                                  : (unsigned char)('a' + (x >> 8) % 20);
            if ((x >> 40) % (iter % 3 ? 61 : 40000) == 0)
                p[k] = '\n'; /* lines of ~60 bytes, or one in three inputs long lines */
        }
        for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
            (void)test_windows_check(decoders[i].whole, decoders[i].window, p, n);
        free(p);
    }
}

/* Windows with more escapes than the first pass records (decode/escapes.c: ESC_SITES on
 * the stack, then a growing array up to ESC_SITES_MAX, then searched again), near misses
 * and line breaks between them: still the whole view's bytes. */
static void test_decode_windows__many_escapes_per_window(void)
{
    const size_t counts[] = { 255, 256, 257, 5000, 65535, 65536, 65537, 70000 };

    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
            size_t esc = strlen(decoders[i].escape), miss = strlen(decoders[i].near_miss);
            size_t cap = counts[c] * (esc + miss + 4) + 1, n = 0;
            unsigned char *p = xmalloc(cap);
            for (size_t k = 0; k < counts[c]; k++) {
                memcpy(p + n, decoders[i].escape, esc);
                n += esc;
                if (k % 5 == 2) {
                    memcpy(p + n, decoders[i].near_miss, miss);
                    n += miss;
                }
                p[n++] = k % 97 == 0 ? '\n' : 'k';
            }
            CHECK(test_windows_check(decoders[i].whole, decoders[i].window, p, n) == 1);
            free(p);
        }
    }
}

static void test_decode_windows__one_long_line_is_one_window(void)
{
    size_t n = 200000, from = 0;
    unsigned char *p = xmalloc(n);
    struct decoded d = DECODED_INIT;

    memset(p, 'k', n);
    memcpy(p + 100, "%41", 3);
    memcpy(p + 150000, "%42", 3);
    CHECK_OK(decode_url_window(p, n, &from, BIG, &d));
    CHECK(from == n && !d.cut_lo && !d.cut_hi && d.len == n - 4);
    decoded_release(&d);
    free(p);
}

/* An escape, and lead bytes that start no escape (a lone backslash, '%', '&', '<') at
 * LIMIT_DECODE_WINDOW - 3 .. + 8 bytes from it, on either side, on lines of 50 bytes or
 * (d odd) of 3 KiB: window edges fall next to them, and the windows are still the whole
 * view's bytes. */
static void test_decode_windows__escapes_and_lead_bytes_at_the_margin(void)
{
    static const char *const leads[] = { "\\q", "\\", "%", "%4", "&", "&#", "<", "\\u004" };
    static const char *const escapes[] = { "\\u0041", "%41", "&#65;", "\\\\", "&amp;" };

    for (size_t e = 0; e < sizeof(escapes) / sizeof(escapes[0]); e++) {
        for (size_t l = 0; l < sizeof(leads) / sizeof(leads[0]); l++) {
            for (size_t d = 0; d < 12; d++) {
                size_t n = 3 * LIMIT_DECODE_WINDOW, el = strlen(escapes[e]);
                size_t ll = strlen(leads[l]), at = LIMIT_DECODE_WINDOW + 1000;
                unsigned char *p = xmalloc(n);
                for (size_t k = 0; k < n; k++)
                    p[k] = k % (d % 2 ? 3072 : 50) == 49 ? '\n' : 'k';
                memcpy(p + at, escapes[e], el);
                /* lead bytes right before / after the margin, d bytes off */
                memcpy(p + at - LIMIT_DECODE_WINDOW - ll - 3 + d, leads[l], ll);
                memcpy(p + at + el + LIMIT_DECODE_WINDOW - 6 + d, leads[l], ll);
                for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
                    (void)test_windows_check(decoders[i].whole, decoders[i].window, p, n);
                free(p);
            }
        }
    }
}

/* An escape whose margin ends exactly at a line start (the window's end so far): the
 * window then runs to the end of that next line, and an escape within the margin of
 * that end still joins it. */
static void test_decode_windows__margin_ends_at_a_line_start(void)
{
    size_t n = 1000 * 64, l = 400;
    size_t e2 = (l + 1) * 64 - LIMIT_DECODE_WINDOW; /* escape 2's end */
    /* escape 3 past the margin of escape 2, exactly the margin after the window's end
     * (the end of line l + 1), one byte more; or none */
    size_t far[] = { (l + 1) * 64 + LIMIT_DECODE_WINDOW + 1, (l + 2) * 64 + LIMIT_DECODE_WINDOW,
                     (l + 2) * 64 + LIMIT_DECODE_WINDOW + 1, 0 };
    for (size_t f = 0; f < 4; f++) {
        unsigned char *p = xmalloc(n);
        size_t from = 0;
        struct decoded d = DECODED_INIT;
        for (size_t k = 0; k < n; k++)
            p[k] = k % 64 == 63 ? '\n' : 'k';
        memcpy(p + e2 - 30, "%41", 3); /* escape 1: its margin ends in line l */
        memcpy(p + e2 - 3, "%41", 3);
        if (far[f])
            memcpy(p + far[f], "%42", 3);
        /* joined up to the end of line l + 1 plus the margin; past that, apart */
        CHECK(test_windows_check(decode_url, decode_url_window, p, n) == (f == 2 ? 2 : 1));
        CHECK_OK(decode_url_window(p, n, &from, BIG, &d));
        /* the first window ends at the end of line l + 1 unless escape 3 joined it */
        CHECK(f < 2 ? from > far[f] + LIMIT_DECODE_WINDOW : from == (l + 2) * 64);
        decoded_release(&d);
        free(p);
    }
}

/* An escape LIMIT_DECODE_WINDOW bytes after a line's '\n' (off 63) or first byte (off 0):
 * the window starts at that line's start, not at the next one (one byte short of the
 * margin). An escape whose end is the margin before a line start (off 61): the window
 * runs to the end of that line. */
static void test_decode_windows__margin_at_line_edges(void)
{
    const size_t offs[] = { 0, 63, 61 };

    for (size_t o = 0; o < 3; o++) {
        size_t n = 1000 * 64, from = 0, site = LIMIT_DECODE_WINDOW + 300 * 64 + offs[o];
        unsigned char *p = xmalloc(n);
        struct decoded d = DECODED_INIT;
        for (size_t k = 0; k < n; k++)
            p[k] = k % 64 == 63 ? '\n' : 'k';
        memcpy(p + site, "%41", 3);
        CHECK_OK(decode_url_window(p, n, &from, BIG, &d));
        CHECK(d.cut_lo && decoded_to_source(&d, 0) == 300 * 64);
        if (offs[o] == 61)
            CHECK(from == site + 3 + LIMIT_DECODE_WINDOW + 64);
        decoded_release(&d);
        free(p);
    }
}

static void test_decode_windows__limit_then_next_window(void)
{
    const size_t at[] = { 300, 3000 };
    size_t n, from = 0;
    unsigned char *p = test_windows_text(4000, at, 2, "%2F", "%", &n);
    struct decoded d = DECODED_INIT;

    /* A window larger than the cap fails alone: *from moves past it. */
    CHECK(decode_url_window(p, n, &from, 1000, &d) == STATUS_LIMIT);
    CHECK(d.len == 0 && d.data == NULL && from > 300 * 64 && from < 3000 * 64);
    CHECK(decode_url_window(p, n, &from, BIG, &d) == STATUS_OK && d.len > 0);
    decoded_release(&d);
    free(p);
}

static const struct test tests[] = {
    TEST(test_decode_windows__apart_joined_and_edges),
    TEST(test_decode_windows__random_text_equals_whole_view),
    TEST(test_decode_windows__many_escapes_per_window),
    TEST(test_decode_windows__one_long_line_is_one_window),
    TEST(test_decode_windows__escapes_and_lead_bytes_at_the_margin),
    TEST(test_decode_windows__margin_ends_at_a_line_start),
    TEST(test_decode_windows__margin_at_line_edges),
    TEST(test_decode_windows__limit_then_next_window),
};

HARNESS_MAIN(tests)
