/*
 * decode/escapes.c - the driver the escape decoders (URL, JSON escapes, HTML) share:
 * find what they undo, and decode windows around it instead of copying whole chunks.
 *
 * A view of a whole 8 MiB chunk that differs from it in one "%2F" costs a copy and a
 * second matcher pass over 8 MiB (on the benchmark tree these views were two thirds as
 * many bytes again as the tree itself). So the bytes between escapes are only copied
 * within `margin` of one (LIMIT_DECODE_WINDOW: any match and the proximity window around
 * it), the window widened to whole lines; escapes closer than that share a window. Each
 * window is one view (a NULL `from`: one view of the whole buffer), byte for byte the part of the whole-buffer view that covers its
 * source range: escapes never contain a newline except as the second byte of an
 * unknown JSON escape, which ends at the line's end, so decoding from any line start
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

/* Escapes the window's first pass found, decoded again by the second without looking
 * for them (memchr and the decoder's test at each lead byte, a pass over the window):
 * the first ESC_SITES on the stack, up to ESC_SITES_MAX in a growing array (a JSON dump
 * or an access log has thousands per window; the second search was 2% of a tree scan). */
#define ESC_SITES 256
#define ESC_SITES_MAX 65536

struct esc_site {
    size_t at, len, used;
    unsigned char bytes[4];
};

static struct esc_site esc_site_of(size_t at, size_t len, size_t used,
                                   const unsigned char bytes[4])
{
    struct esc_site e = { at, len, used, { 0 } };

    memcpy(e.bytes, bytes, sizeof(e.bytes));
    return e;
}

/* Decode p[lo, hi) (lo a line start) into out: the escapes `sites` (those of the window
 * in order, as esc_next finds them from lo), then any after them. A view with nothing
 * in it, or cut by max_bytes, is released (its encoding kept). */
static enum status decode_range(struct esc_scan *s, size_t lo, size_t hi,
                                const struct esc_site *sites, size_t n_sites, size_t max_bytes,
                                struct decoded *out)
{
    const unsigned char *p = s->p;
    enum status st = STATUS_OK;
    unsigned char bytes[4];
    size_t i, k, copy_from, cap, site, len, used, decoded = 0;

    /* The scan restarts at lo: forget where the leads were. Every escape is longer than
     * what it decodes to, so the view fits in hi - lo bytes. */
    s->valid[0] = s->valid[1] = false;
    cap = hi - lo < max_bytes ? hi - lo : max_bytes;
    out->data = xmalloc(st_add(cap, 1));
    out->data_cap = cap;
    for (i = copy_from = lo, k = 0; i < hi && st == STATUS_OK; k++) {
        const unsigned char *b = bytes;
        if (k < n_sites) {
            site = sites[k].at;
            len = sites[k].len;
            used = sites[k].used;
            b = sites[k].bytes;
        } else {
            site = esc_next(s, i, hi, bytes, &len, &used);
            if (site >= hi)
                break;
        }
        st = decoded_append(out, max_bytes, p + copy_from, site - copy_from, copy_from, SEG_COPY);
        if (st == STATUS_OK)
            st = decoded_append(out, max_bytes, b, len, site, SEG_OPAQUE);
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

enum status decode_escapes(const struct decode_escaper *x, const unsigned char *p, size_t n,
                           size_t *from_window, size_t max_bytes, struct decoded *out)
{
    struct esc_scan s = { x, p, n, { 0, 0 }, { false, false } };
    enum status st = STATUS_OK;
    unsigned char bytes[4];
    size_t whole = 0, *from = from_window ? from_window : &whole, from0 = *from;
    size_t margin = from_window ? LIMIT_DECODE_WINDOW : SIZE_MAX;
    size_t len = 0, used = 0, site, lo, hi, reach, i, n_sites = 0;
    struct esc_site stack_sites[ESC_SITES], *sites = stack_sites;
    size_t cap_sites = ESC_SITES;

    *out = (struct decoded)DECODED_INIT;
    out->encoding = x->encoding;
    site = esc_next(&s, *from, n, bytes, &len, &used);
    if (site >= n) {
        *from = n;
        return STATUS_OK; /* nothing (more) to decode: no view */
    }
    sites[n_sites++] = esc_site_of(site, len, used, bytes);
    /* The window: `margin` bytes around each escape, to whole lines, joined while the
     * next escape's would reach this one's. */
    lo = line_start(p, *from, site > margin ? site - margin : 0);
    /* hi is the end of the line holding `reach` (the last escape's end + margin), looked
     * for only when an escape is far enough for that line's end to matter: with an
     * escape on every line (an access log) that is once a window, not once a line. */
    reach = sat_add(site + used, margin);
    hi = line_end(p, n, reach);
    for (i = site + used; hi < n;) {
        size_t next = esc_next(&s, i, n, bytes, &len, &used);
        if (next >= n)
            break;
        if (next > sat_add(reach, margin)) {
            if (hi <= reach) /* stale: reach moved on (line_end(reach) > reach) */
                hi = line_end(p, n, reach);
            if (hi >= n || (next > hi && next - hi > margin))
                break;
        }
        if (n_sites == cap_sites && cap_sites < ESC_SITES_MAX) {
            size_t grown = 2 * cap_sites;
            struct esc_site *h = xmalloc(st_mult(grown, sizeof(*h)));
            memcpy(h, sites, n_sites * sizeof(*h));
            if (sites != stack_sites)
                free(sites);
            sites = h;
            cap_sites = grown;
        }
        if (n_sites < cap_sites)
            sites[n_sites++] = esc_site_of(next, len, used, bytes);
        i = next + used;
        reach = sat_add(i, margin);
    }
    if (hi <= reach)
        hi = line_end(p, n, reach);
    *from = hi;
    out->cut_lo = lo > 0;
    out->cut_hi = hi < n;
    /* The sites are those the second pass finds when it starts at or after the first
     * pass's start: both start at line starts, where the decoders' tokenisations agree,
     * and the first pass found nothing before `site`. A window reaching back before that
     * start (lo < from0: it overlaps the previous one) is looked at again. Past the
     * sites recorded (ESC_SITES, or the window's end reached), the search goes on. */
    if (lo < from0)
        n_sites = 0;

    st = decode_range(&s, lo, hi, sites, n_sites, max_bytes, out);
    if (sites != stack_sites)
        free(sites);
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
    return decode_range(&s, w.lo, w.hi, NULL, 0, max_bytes, out);
}

static int cmp_span(const void *a, const void *b)
{
    const struct decode_span *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

size_t decode_spans(const unsigned char *p, size_t n, struct decode_span *v, size_t nv)
{
    size_t margin = LIMIT_DECODE_WINDOW, k = 0;

    for (size_t i = 1; i < nv; i++)
        if (v[i].lo < v[i - 1].lo) {
            qsort(v, nv, sizeof(*v), cmp_span);
            break;
        }
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
            if (sat_add(hi, margin) > v[k - 1].hi)
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
    return k;
}
