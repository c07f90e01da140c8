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

/* What decode_escape_run makes of a byte, raw or decoded: a break, a gap that may sit
 * between a keyword and its value (blanks, quotes, ':', ',', brackets), part of a value
 * (base64 of either alphabet, '='; '%' and '\\', which may start an escape of a view
 * inside the view, as in "%252F" or a JSON "\/" inside a URL's encoding), a '/' or '+'
 * of a value (no key ID holds one). */
enum run_class { RUN_BREAK, RUN_GAP, RUN_VALUE, RUN_SLASH };

/* By byte: value characters (base64 of either alphabet, '=', '%', '\\'), '/' and '+',
 * gaps (blanks, quotes, ':', ',', brackets, '>'); anything else breaks a run. */
static const unsigned char run_classes[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 1, 0, 0, 2, 0, 1, 1, 1, 0, 3, 1, 2, 0, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0, 2, 1, 0,
    0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 1, 0, 2,
    1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static inline enum run_class run_class(unsigned char c)
{
    return (enum run_class)run_classes[c];
}

/* Gaps bridged between a trigger's run and a value beside it ("%3D%20%22", "\": \""). */
#define RUN_MAX_GAPS 8u

/* The token at p[i] (a raw byte, or an escape x decodes): its class; *used its length. */
static inline enum run_class run_token(const struct decode_escaper *x, const unsigned char *p,
                                       size_t n, size_t i, size_t *used)
{
    unsigned char bytes[4];
    size_t len;

    if ((p[i] == x->lead[0] || (x->n_lead > 1 && p[i] == x->lead[1])) &&
        x->at(p, n, i, bytes, &len, used))
        return run_class(bytes[0]); /* a UTF-8 lead byte (\u00e9) is a break */
    *used = 1;
    return run_class(p[i]);
}

/* A run of value tokens: long once it could hold a value, LIMIT_ESCAPE_RUN_MIN tokens
 * without '/' or '+' (a key ID) or LIMIT_ESCAPE_RUN_ANY in all (anything else: a secret,
 * a password, a token, base64 of a key ID). */
struct run {
    size_t all, plain;
    bool is_long;
};

static void run_add(struct run *r, enum run_class c)
{
    r->all++;
    r->plain = c == RUN_SLASH ? 0 : r->plain + 1;
    if (r->all >= LIMIT_ESCAPE_RUN_ANY || r->plain >= LIMIT_ESCAPE_RUN_MIN)
        r->is_long = true;
}

/* The end of the run of value tokens going on at p[i]: hits up to there share one answer. */
static size_t run_end(const struct decode_escaper *x, const unsigned char *p, size_t n, size_t i,
                      size_t *steps)
{
    size_t used;

    while (i < n && run_token(x, p, n, i, &used) >= RUN_VALUE) {
        i += used;
        ++*steps;
    }
    return i;
}

static bool escape_run(const struct decode_escaper *x, const unsigned char *p, size_t n,
                       size_t at, struct decode_span *trigger_run, size_t *steps)
{
    size_t i, used, start, floor, gaps = 0;
    struct run run = { 0, 0, false };
    bool cut, prev_long = false;
    enum run_class c;

    *trigger_run = (struct decode_span){ 0, 0 };
    if (at == 0 || at > n)
        return true;
    /* Tokens are read from just after the last raw break before the hit (no escape holds
     * one, so they are the tokens the decoder sees from the line's start), or from
     * LIMIT_ESCAPE_RUN_BACK before it: a run that starts there may be longer, and counts
     * as long, as one at the buffer's start does. */
    floor = at - 1 > LIMIT_ESCAPE_RUN_BACK ? at - 1 - LIMIT_ESCAPE_RUN_BACK : 0;
    for (start = at - 1; start > floor; start--)
        if (run_class(p[start - 1]) == RUN_BREAK)
            break;
    *steps += at - start;
    cut = start == floor && (start == 0 || run_class(p[start - 1]) != RUN_BREAK);
    /* Up to the token holding p[at - 1]: the current run (long if it starts at a cut or
     * a long run lies before the gaps before it), and whether the last run before the
     * gaps is long (by itself: a chain of short runs bridges nothing) */
    bool bridged = false;
    for (i = start;; i += used, ++*steps) {
        c = run_token(x, p, n, i, &used);
        if (c >= RUN_VALUE) {
            if (run.all == 0) {
                run.is_long = i == start && cut;
                bridged = prev_long && gaps <= RUN_MAX_GAPS;
                trigger_run->lo = i;
            }
            run_add(&run, c);
        } else {
            if (run.all)
                prev_long = run.is_long, gaps = 0;
            if (c == RUN_BREAK)
                prev_long = false;
            run = (struct run){ 0, 0, false };
            gaps++;
        }
        if (i + used >= at)
            break;
    }
    if (c < RUN_VALUE) {
        trigger_run->lo = 0; /* no run: nothing to share */
        if (c == RUN_BREAK)
            return false;
        if (prev_long && gaps <= RUN_MAX_GAPS)
            return true; /* a long value (or a cut run) before the gaps */
    } else if (run.is_long || bridged) {
        trigger_run->hi = run_end(x, p, n, i + used, steps);
        return true;
    }
    /* After it: the trigger's run goes on, or the next run after a few gaps */
    bool in_trigger_run = c >= RUN_VALUE;
    gaps = in_trigger_run ? 0 : 1;
    for (i += used; i < n; i += used, ++*steps) {
        c = run_token(x, p, n, i, &used);
        if (c >= RUN_VALUE) {
            run_add(&run, c);
            if (!run.is_long)
                continue;
            if (in_trigger_run)
                trigger_run->hi = run_end(x, p, n, i + used, steps);
            return true;
        }
        if (in_trigger_run)
            trigger_run->hi = i;
        if (c == RUN_BREAK || (run.all && !in_trigger_run) || ++gaps > RUN_MAX_GAPS)
            return false; /* a break, the run after the gaps ended short, too many gaps */
        in_trigger_run = false;
        run = (struct run){ 0, 0, false };
    }
    if (in_trigger_run)
        trigger_run->hi = n;
    return true; /* the run reaches the buffer's end */
}

bool decode_escape_run(const struct decode_escaper *x, const unsigned char *p, size_t n,
                       size_t at, struct decode_span *trigger_run, size_t *work)
{
    size_t steps = 0;
    bool kept = escape_run(x, p, n, at, trigger_run, &steps);

    if (work)
        *work += steps;
    return kept;
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
