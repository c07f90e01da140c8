/*
 * fuzz_decode - bytes -> every decoder (utf-16 both ways, url, json escapes, base64 runs,
 * literal concatenation: at every quote, as the engine's trigger would give them),
 * with a roomy cap and with one the view may pass. Each view keeps its invariants:
 * segments sorted from 0, every view byte mapped inside the input and the map monotonic
 * (scanbuf counts lines in view order), copied bytes equal to their source, and nothing
 * left allocated when the view is empty or failed. The escape decoders by trigger: the
 * windows decode_spans makes of runs at the input's escape lead bytes are whole lines,
 * sorted, apart and cover each run's margin, and each window's view (decode_url_span,
 * ...) is the whole-buffer view's bytes and map for its source range, on the input and on
 * two copies of it a window's margin apart; decode_spans_near_changes keeps parts of its
 * runs, sorted and apart. The URL and JSON triggers' run rule (decode_*_trigger_in_run)
 * at every hit end: the run an answer is shared with holds the hit's last byte, hits
 * ending inside it get the same answer, and no byte is looked at more than three times.
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
typedef enum status (*fuzz_span_fn)(const unsigned char *, size_t, struct decode_span, size_t,
                                    struct decoded *);

/* decode_spans' windows: whole lines, sorted, apart (touching ones merged), every run
 * with LIMIT_DECODE_WINDOW on each side inside one. */
static size_t fuzz_spans(const uint8_t *p, size_t n, const struct decode_span *runs, size_t nr,
                         struct decode_span *w)
{
    size_t k, margin = LIMIT_DECODE_WINDOW;

    memcpy(w, runs, nr * sizeof(*w));
    k = decode_spans(p, n, w, nr);
    FUZZ_CHECK(k <= nr && (k > 0 || nr == 0));
    for (size_t i = 0; i < k; i++) {
        FUZZ_CHECK(w[i].hi <= n && (w[i].lo < w[i].hi || n == 0));
        FUZZ_CHECK(w[i].lo == 0 || p[w[i].lo - 1] == '\n');
        FUZZ_CHECK(w[i].hi == n || p[w[i].hi - 1] == '\n');
        FUZZ_CHECK(i == 0 || w[i].lo > w[i - 1].hi);
    }
    for (size_t r = 0; r < nr && n > 0; r++) {
        size_t lo = runs[r].lo >= n ? n - 1 : runs[r].lo, hi = runs[r].hi < lo ? lo : runs[r].hi;
        size_t a = lo > margin ? lo - margin : 0, b = hi + margin >= n ? n - 1 : hi + margin;
        bool in = false;
        for (size_t i = 0; i < k && !in; i++)
            in = w[i].lo <= a && b < w[i].hi;
        FUZZ_CHECK(in);
    }
    return k;
}

/* Each window's view is the whole view's bytes and map for its source range (no view
 * where the range holds no escape). */
static void fuzz_decode_spans(const uint8_t *p, size_t n, const struct decode_span *w, size_t k,
                              fuzz_whole_fn whole, fuzz_span_fn span)
{
    struct decoded all = DECODED_INIT, d = DECODED_INIT;
    size_t v0 = 0, v1 = 0; /* the whole view's bytes from w[i].lo, from w[i].hi */

    FUZZ_CHECK(whole(p, n, FUZZ_DECODE_MAX_BYTES, &all) == STATUS_OK);
    for (size_t i = 0; i < k; i++) {
        for (v0 = v1; v0 < all.len && decoded_to_source(&all, v0) < w[i].lo;)
            v0++;
        for (v1 = v0; v1 < all.len && decoded_to_source(&all, v1) < w[i].hi;)
            v1++;
        if (all.len == 0)
            v1 = v0 + (w[i].hi - w[i].lo);
        FUZZ_CHECK(span(p, n, w[i], FUZZ_DECODE_MAX_BYTES, &d) == STATUS_OK);
        if (v1 - v0 == w[i].hi - w[i].lo) { /* every escape is longer than its decoding */
            FUZZ_CHECK(d.len == 0 && !d.data && !d.segs);
            continue;
        }
        FUZZ_CHECK(d.len == v1 - v0 && memcmp(d.data, all.data + v0, d.len) == 0);
        FUZZ_CHECK(d.cut_lo == (w[i].lo > 0) && d.cut_hi == (w[i].hi < n));
        for (size_t v = 0; v < d.len; v++)
            FUZZ_CHECK(decoded_to_source(&d, v) == decoded_to_source(&all, v0 + v));
        /* inside it, the runs near what it changed lie within runs, sorted and apart */
        {
            struct decode_span in[2] = { { 0, d.len / 2 }, { d.len / 2 + 1, d.len } }, *out = NULL;
            size_t cap = 0, m = decode_spans_near_changes(&d, in, 2, p[0] % 64, &out, &cap);
            for (size_t j = 0; j < m; j++)
                FUZZ_CHECK(out[j].lo <= out[j].hi && out[j].hi <= d.len &&
                           (j == 0 || out[j].lo > out[j - 1].hi));
            FUZZ_CHECK(m > 0); /* the view changed something, in[] covers all of it */
            free(out);
        }
        decoded_release(&d);
    }
    decoded_release(&all);
}

/* Runs as the matcher would give them: at the escape lead bytes (a hit's end), some
 * stretched, in an order the input picks. */
static size_t fuzz_runs(const uint8_t *p, size_t n, struct decode_span *runs, size_t max)
{
    size_t nr = 0;

    for (size_t i = 0; i < n && nr < max; i++) {
        if (p[i] != '%' && p[i] != '\\' && p[i] != '&' && p[i] != '<')
            continue;
        runs[nr].lo = i + 1;
        runs[nr].hi = i + 1 + (i + 1 < n && p[i + 1] == 'x' ? 2 * LIMIT_DECODE_WINDOW : 3);
        if (nr > 0 && (p[i] & 1)) { /* out of order */
            struct decode_span t = runs[nr];
            runs[nr] = runs[nr - 1];
            runs[nr - 1] = t;
        }
        nr++;
    }
    if (nr < max && n > 0)
        runs[nr++] = (struct decode_span){ n + p[n - 1], n + 2 * (size_t)p[n - 1] }; /* past */
    return nr;
}

/* The input, filler longer than a window's margin (lines, or for odd sizes one long
 * line), the input again. */
static void fuzz_decode_all_spans(const uint8_t *data, size_t size)
{
    size_t fill = LIMIT_DECODE_WINDOW + 200, n = 2 * size + fill + 1;
    unsigned char *p = malloc(n);
    struct decode_span runs[130], w[130];

    FUZZ_CHECK(p != NULL);
    memcpy(p, data, size);
    p[size] = '\n';
    for (size_t i = 0; i < fill; i++)
        p[size + 1 + i] = i % 50 == 49 && size % 2 == 0 ? '\n' : 'f';
    memcpy(p + size + 1 + fill, data, size);
    for (int twice = 0; twice < 2; twice++) {
        size_t len = twice ? n : size, nr = fuzz_runs(p, len, runs, 130);
        size_t k = fuzz_spans(p, len, runs, nr, w);
        fuzz_decode_spans(p, len, w, k, decode_url, decode_url_span);
        fuzz_decode_spans(p, len, w, k, decode_json_escapes, decode_json_escapes_span);
        fuzz_decode_spans(p, len, w, k, decode_html, decode_html_span);
    }
    free(p);
}

typedef bool (*fuzz_run_fn)(const unsigned char *, size_t, size_t, struct decode_span *,
                            size_t *);

static void fuzz_trigger_runs(const uint8_t *p, size_t n)
{
    static const fuzz_run_fn fns[] = { decode_url_trigger_in_run, decode_json_trigger_in_run };

    for (size_t f = 0; f < 2; f++)
        for (size_t at = 0; at <= n + 1 && at < 800; at++) {
            struct decode_span r, r2;
            size_t work = 0;
            bool kept = fns[f](p, n, at, &r, &work);
            FUZZ_CHECK(work <= 3 * (n + 1)); /* each byte looked at three times at most */
            if (r.hi <= r.lo) {
                FUZZ_CHECK(r.lo == 0 && r.hi == 0);
                continue;
            }
            FUZZ_CHECK(at >= 1 && r.lo <= at - 1 && at <= r.hi && r.hi <= n);
            FUZZ_CHECK(fns[f](p, n, r.lo + 1 + (r.hi - r.lo - 1) / 2, &r2, NULL) == kept);
            FUZZ_CHECK(fns[f](p, n, r.hi, &r2, NULL) == kept);
            FUZZ_CHECK(r.hi - r.lo >= LIMIT_ESCAPE_RUN_BACK || (r2.lo == r.lo && r2.hi == r.hi));
        }
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
    fuzz_decode_all_spans(data, size);
    fuzz_trigger_runs(data, size);
    return 0;
}
