/*
 * fuzz_decode - bytes -> every decoder (utf-16 both ways, url, json escapes, base64 runs,
 * literal concatenation: at every quote, as the engine's trigger would give them),
 * with a roomy cap and with one the view may pass. Each view keeps its invariants:
 * segments sorted from 0, every view byte mapped inside the input and the map monotonic
 * (scanbuf counts lines in view order), copied bytes equal to their source, and nothing
 * left allocated when the view is empty or failed. The escape decoders' windows
 * (decode_url_window, ...) rebuild their whole-buffer view exactly, on the input and on
 * two copies of it a window's margin apart.
 */
#include "decode/decode.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

#define FUZZ_DECODE_MAX_BYTES (1024u * 1024)

static void fuzz_decode_check(struct decoded *d, enum status st, const uint8_t *p, size_t n,
                              size_t scale2_byte)
{
    FUZZ_CHECK(st == STATUS_OK || st == STATUS_LIMIT);
    FUZZ_CHECK(d->len > 0 || (!d->data && !d->segs && !d->n_segs));
    FUZZ_CHECK(d->len == 0 || (d->data && d->data[d->len] == '\0' && d->n_segs > 0 &&
                               d->n_segs <= d->len && d->segs[0].view_off == 0));
    for (size_t i = 0; i < d->n_segs; i++) {
        const struct decode_seg *s = &d->segs[i];
        size_t end = i + 1 < d->n_segs ? d->segs[i + 1].view_off : d->len;
        FUZZ_CHECK(s->view_off < end); /* sorted, none empty */
        for (size_t v = s->view_off; v < end; v++) {
            size_t src = decoded_to_source(d, v);
            FUZZ_CHECK(src < n);
            FUZZ_CHECK(v == 0 || decoded_to_source(d, v - 1) <= src);
            FUZZ_CHECK(s->kind != SEG_COPY || d->data[v] == p[src]);
            FUZZ_CHECK(s->kind != SEG_SCALE2 || d->data[v] == p[src + scale2_byte]);
        }
    }
    decoded_release(d);
}

static void fuzz_decode_all(const uint8_t *p, size_t n, const size_t *at, size_t n_at,
                            size_t max_bytes)
{
    struct decoded d = DECODED_INIT;
    size_t quotes[260], n_q = 0;

    for (size_t i = 0; i < n && n_q < 260; i++)
        if (p[i] == '"' || p[i] == '\'' || p[i] == '`')
            quotes[n_q++] = i;
    fuzz_decode_check(&d, decode_concat(p, n, quotes, n_q, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_concat(p, n, at, n_at, max_bytes, &d), p, n, 0);

    fuzz_decode_check(&d, decode_utf16(p, n, false, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_utf16(p, n, true, max_bytes, &d), p, n, 1);
    fuzz_decode_check(&d, decode_url(p, n, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_json_escapes(p, n, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_html(p, n, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_utf16_strings(p, n, at, n_at, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_base64_runs(p, n, at, n_at, max_bytes, &d), p, n, 0);
}

typedef enum status (*fuzz_whole_fn)(const unsigned char *, size_t, size_t, struct decoded *);
typedef enum status (*fuzz_window_fn)(const unsigned char *, size_t, size_t *, size_t,
                                      struct decoded *);

/* The whole view is the windows' views with the source bytes between them. */
static void fuzz_decode_windows(const uint8_t *p, size_t n, fuzz_whole_fn whole,
                                fuzz_window_fn window)
{
    struct decoded w = DECODED_INIT, d = DECODED_INIT;
    size_t from = 0, prev = 0, r = 0;
    unsigned char *re = malloc(n + 1);

    FUZZ_CHECK(re != NULL);
    FUZZ_CHECK(whole(p, n, FUZZ_DECODE_MAX_BYTES, &w) == STATUS_OK);
    while (from < n) {
        size_t before = from, lo;
        FUZZ_CHECK(window(p, n, &from, FUZZ_DECODE_MAX_BYTES, &d) == STATUS_OK);
        FUZZ_CHECK(from > before && from <= n);
        if (d.len == 0)
            break;
        lo = decoded_to_source(&d, 0);
        FUZZ_CHECK(lo >= prev && lo < from && (lo == 0 || p[lo - 1] == '\n'));
        FUZZ_CHECK(d.cut_lo == (lo > 0) && d.cut_hi == (from < n));
        FUZZ_CHECK(r + (lo - prev) + d.len <= n);
        memcpy(re + r, p + prev, lo - prev);
        memcpy(re + r + (lo - prev), d.data, d.len);
        r += lo - prev + d.len;
        prev = from;
        decoded_release(&d);
    }
    if (w.len > 0) {
        FUZZ_CHECK(r + (n - prev) == w.len);
        memcpy(re + r, p + prev, n - prev);
        FUZZ_CHECK(memcmp(re, w.data, w.len) == 0);
    } else {
        FUZZ_CHECK(r == 0 && from == n);
    }
    decoded_release(&w);
    free(re);
}

/* The input, filler longer than a window's margin (lines, or for odd sizes one long
 * line), the input again. */
static void fuzz_decode_all_windows(const uint8_t *data, size_t size)
{
    size_t fill = LIMIT_DECODE_WINDOW + 200, n = 2 * size + fill + 1;
    unsigned char *p = malloc(n);

    FUZZ_CHECK(p != NULL);
    memcpy(p, data, size);
    p[size] = '\n';
    for (size_t i = 0; i < fill; i++)
        p[size + 1 + i] = i % 50 == 49 && size % 2 == 0 ? '\n' : 'f';
    memcpy(p + size + 1 + fill, data, size);
    for (int twice = 0; twice < 2; twice++) {
        size_t len = twice ? n : size;
        fuzz_decode_windows(p, len, decode_url, decode_url_window);
        fuzz_decode_windows(p, len, decode_json_escapes, decode_json_escapes_window);
        fuzz_decode_windows(p, len, decode_html, decode_html_window);
    }
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at[260], n_at = 0;
    bool be = false;

    (void)decode_utf16_detect(data, size, &be);
    /* Offsets spread over the input, last first (unsorted), and one past the end. */
    for (size_t i = 0; i < size && n_at < 258; i += 1 + size / 256)
        at[n_at++] = size - 1 - i;
    at[n_at++] = size;
    fuzz_decode_all(data, size, at, n_at, FUZZ_DECODE_MAX_BYTES);
    fuzz_decode_all(data, size, at, n_at, size / 3);
    fuzz_decode_all_windows(data, size);
    return 0;
}
