/*
 * decode/escapes.c - the driver the escape decoders (URL, JSON escapes, HTML) share:
 * find what they undo, and decode windows around their triggers instead of copying whole
 * chunks.
 *
 * A view of a whole 8 MiB chunk that differs from it in one "%2F" costs a copy and a
 * second matcher pass over 8 MiB (on the benchmark tree these views were two thirds as
 * many bytes again as the tree itself). So the scanner decodes only windows around the
 * runs of the matcher's trigger hits (decode_spans: LIMIT_DECODE_WINDOW of context, any
 * match and the proximity window around it, on each side, widened to whole lines, runs
 * whose windows overlap or touch merged), and in a nested view only the runs near what
 * the view below changed (decode_spans_near_changes). Each window is one view, byte for
 * byte the part of the whole-buffer view (decode_url, ...: the tests' reference) that
 * covers its source range: escapes never contain a newline except as the second byte of
 * an unknown JSON escape, which ends at the line's end, so decoding from any line start
 * finds the escapes decoding from the buffer's start does. Escape bytes are found with
 * memchr (each lead byte's next position kept, so two leads cost one pass each).
 */
#include "decode/decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"

/* The next escape at or after a position: each lead's next occurrence is remembered,
 * so that a lead that is rare is not looked for again after every frequent one. */
struct esc_scan {
    const struct decode_escaper *x;
    const unsigned char *p;
    size_t n;
    size_t next[2]; /* next occurrence of lead[k] at or after the last query, or n */
    bool valid[2];
};

static size_t esc_lead(struct esc_scan *s, int k, size_t i)
{
    if (!s->valid[k] || s->next[k] < i) {
        const unsigned char *q = i < s->n ? memchr(s->p + i, s->x->lead[k], s->n - i) : NULL;
        s->next[k] = q ? (size_t)(q - s->p) : s->n;
        s->valid[k] = true;
    }
    return s->next[k];
}

/* The first escape in [i, end): its offset (end if none), bytes, length and source
 * length. Unknown escapes are stepped over as the decoder's tokenisation says. */
static size_t esc_next(struct esc_scan *s, size_t i, size_t end, unsigned char bytes[4],
                       size_t *len, size_t *used)
{
    while (i < end) {
        size_t at = esc_lead(s, 0, i);
        if (s->x->n_lead > 1) {
            size_t b = esc_lead(s, 1, i);
            if (b < at)
                at = b;
        }
        if (at >= end)
            return end;
        if (s->x->at(s->p, s->n, at, bytes, len, used))
            return at;
        i = at + (s->n - at >= s->x->skip_unknown ? s->x->skip_unknown : 1);
    }
    return end;
}

/* Start of the line holding p[i] (not before `floor`). */
static size_t line_start(const unsigned char *p, size_t floor, size_t i)
{
    while (i > floor && p[i - 1] != '\n')
        i--;
    return i;
}

/* End of the line holding p[i]: the offset after its '\n', or n. */
static size_t line_end(const unsigned char *p, size_t n, size_t i)
{
    const unsigned char *q;

    if (i >= n)
        return n;
    q = memchr(p + i, '\n', n - i);
    return q ? (size_t)(q - p) + 1 : n;
}

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Decode p[lo, hi) (lo a line start) into out. A view with nothing decoded in it, or cut
 * by max_bytes, is released (its encoding kept). */
static enum status decode_range(struct esc_scan *s, size_t lo, size_t hi, size_t max_bytes,
                                struct decoded *out)
{
    const unsigned char *p = s->p;
    enum status st = STATUS_OK;
    unsigned char bytes[4];
    size_t i, copy_from, cap, site, len, used, decoded = 0;

    /* Every escape is longer than what it decodes to, so the view fits in hi - lo bytes. */
    cap = hi - lo < max_bytes ? hi - lo : max_bytes;
    out->data = xmalloc(st_add(cap, 1));
    out->data_cap = cap;
    for (i = copy_from = lo; i < hi && st == STATUS_OK;) {
        site = esc_next(s, i, hi, bytes, &len, &used);
        if (site >= hi)
            break;
        st = decoded_append(out, max_bytes, p + copy_from, site - copy_from, copy_from, SEG_COPY);
        if (st == STATUS_OK)
            st = decoded_append(out, max_bytes, bytes, len, site, SEG_OPAQUE);
        i = copy_from = site + used;
        decoded++;
    }
    if (st == STATUS_OK)
        st = decoded_append(out, max_bytes, p + copy_from, hi - copy_from, copy_from, SEG_COPY);
    if (st != STATUS_OK || out->len == 0 || decoded == 0) {
        const char *enc = out->encoding;
        decoded_release(out);
        out->encoding = enc;
    }
    return st;
}

enum status decode_escapes_span(const struct decode_escaper *x, const unsigned char *p, size_t n,
                                struct decode_span w, size_t max_bytes, struct decoded *out)
{
    struct esc_scan s = { x, p, n, { 0, 0 }, { false, false } };

    *out = (struct decoded)DECODED_INIT;
    out->encoding = x->encoding;
    if (w.hi > n)
        w.hi = n;
    if (w.lo >= w.hi)
        return STATUS_OK;
    out->cut_lo = w.lo > 0;
    out->cut_hi = w.hi < n;
    return decode_range(&s, w.lo, w.hi, max_bytes, out);
}

static int cmp_span(const void *a, const void *b)
{
    const struct decode_span *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Runs come in order of their hits' ends, so sorting is seldom needed. */
static bool spans_sorted(const struct decode_span *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (v[i].lo < v[i - 1].lo)
            return false;
    return true;
}

size_t decode_spans(const unsigned char *p, size_t n, struct decode_span *v, size_t nv)
{
    size_t margin = LIMIT_DECODE_WINDOW, k = 0;

    if (!spans_sorted(v, nv))
        qsort(v, nv, sizeof(*v), cmp_span);
    for (size_t i = 0; i < nv; i++) {
        size_t lo = v[i].lo, hi = v[i].hi;
        if (lo >= n)
            lo = n ? n - 1 : 0;
        if (hi < lo)
            hi = lo;
        /* The previous window ends at a line end: a line start found from here does
         * not look back past it (a one-line file is walked back once, not per run). */
        lo = lo > margin ? lo - margin : 0;
        lo = k && lo <= v[k - 1].hi ? v[k - 1].hi : line_start(p, k ? v[k - 1].hi : 0, lo);
        if (k && lo <= v[k - 1].hi) {
            if (sat_add(hi, margin) >= v[k - 1].hi)
                v[k - 1].hi = line_end(p, n, sat_add(hi, margin));
            continue;
        }
        v[k].lo = lo;
        v[k].hi = line_end(p, n, sat_add(hi, margin));
        k++;
    }
    return k;
}

size_t decode_spans_near_changes(const struct decoded *outer, const struct decode_span *in,
                                 size_t n_in, size_t margin, struct decode_span **out,
                                 size_t *cap)
{
    size_t k = 0, j = 0, n_segs = outer ? outer->n_segs : 0;
    struct decode_span *sorted = NULL;

    /* The walk below moves on through the segments run by run: runs out of order (a
     * trigger hit reported late, far before the last run) are sorted first. */
    if (!spans_sorted(in, n_in)) {
        sorted = xmalloc(st_mult(n_in, sizeof(*sorted)));
        memcpy(sorted, in, n_in * sizeof(*sorted));
        qsort(sorted, n_in, sizeof(*sorted), cmp_span);
        in = sorted;
    }
    for (size_t i = 0; i < n_in; i++) {
        size_t lo = in[i].lo, hi = in[i].hi;
        /* The changes near [lo, hi]: segment j's change sits at its start (a boundary) and,
         * if opaque, spans it; a copy segment's own bytes change nothing. */
        while (j < n_segs) {
            const struct decode_seg *g = &outer->segs[j];
            size_t c_lo = g->view_off, c_hi = g->view_off;
            if (g->kind == SEG_OPAQUE)
                c_hi = j + 1 < n_segs ? outer->segs[j + 1].view_off : outer->len;
            if (j == 0 && g->kind != SEG_OPAQUE) {
                j++;
                continue; /* the view's start is no change */
            }
            if (sat_add(c_hi, margin) < lo) {
                j++;
                continue; /* too far before this run (and every later one) */
            }
            if (c_lo > sat_add(hi, margin))
                break; /* past this run: kept for the next */
            {
                size_t a = c_lo > margin ? c_lo - margin : 0, b = sat_add(c_hi, margin);
                if (a < lo)
                    a = lo;
                if (b > hi)
                    b = hi;
                if (k && a <= (*out)[k - 1].hi) {
                    if (b > (*out)[k - 1].hi)
                        (*out)[k - 1].hi = b;
                } else {
                    XGROW(*out, *cap, k + 1);
                    (*out)[k].lo = a;
                    (*out)[k].hi = b;
                    k++;
                }
            }
            if (sat_add(c_hi, margin) > hi)
                break; /* it may reach the next run too */
            j++;
        }
    }
    free(sorted);
    return k;
}
