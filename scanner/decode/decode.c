/*
 * decode/decode.c - what every decoded view shares: release, the map back to the source,
 * and the append helper the decoders build their views with.
 *
 * It does no decoding itself. The one subtle point is segment merging: an append that
 * continues the previous segment's mapping extends it instead of adding a segment, so a
 * long copied or UTF-16 ASCII run costs one segment, not one per byte.
 */
#include "decode/decode.h"

#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/xalloc.h"

/* Smallest data allocation, so short views do not reallocate on every append. */
#define DECODE_MIN_ALLOC 256u

void decoded_release(struct decoded *d)
{
    if (!d)
        return;
    free(d->data);
    free(d->segs);
    *d = (struct decoded)DECODED_INIT;
}

size_t decoded_to_source(const struct decoded *d, size_t view_off)
{
    const struct decode_seg *s;
    size_t lo = 0, hi;

    if (!d || d->n_segs == 0)
        return view_off;
    /* Find the last segment whose view_off <= view_off: invariant segs[lo].view_off <= it. */
    hi = d->n_segs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->segs[mid].view_off <= view_off)
            lo = mid;
        else
            hi = mid;
    }
    s = &d->segs[lo];
    if (view_off < s->view_off)
        return s->src_off; /* segs[0].view_off is 0, so this is only a guard */
    switch (s->kind) {
    case SEG_COPY:
        return s->src_off + (view_off - s->view_off);
    case SEG_SCALE2:
        return s->src_off + 2 * (view_off - s->view_off);
    case SEG_OPAQUE:
        break;
    }
    return s->src_off;
}

/* True if a segment (view_off, src_off, kind) starting at d->len continues the last one. */
static bool decoded_continues(const struct decoded *d, size_t src_off, enum decode_seg_kind kind)
{
    const struct decode_seg *last;
    size_t run;

    if (d->n_segs == 0)
        return false;
    last = &d->segs[d->n_segs - 1];
    if (last->kind != kind)
        return false;
    run = d->len - last->view_off;
    switch (kind) {
    case SEG_COPY:
        return last->src_off + run == src_off;
    case SEG_SCALE2:
        return last->src_off + 2 * run == src_off;
    case SEG_OPAQUE:
        return last->src_off == src_off;
    }
    return false;
}

static void decoded_add_seg(struct decoded *d, size_t src_off, enum decode_seg_kind kind)
{
    if (decoded_continues(d, src_off, kind))
        return;
    XGROW(d->segs, d->segs_cap, st_add(d->n_segs, 1));
    d->segs[d->n_segs].view_off = d->len;
    d->segs[d->n_segs].src_off = src_off;
    d->segs[d->n_segs].kind = kind;
    d->n_segs++;
}

enum status decoded_append(struct decoded *d, size_t max_bytes, const void *bytes, size_t len,
                           size_t src_off, enum decode_seg_kind kind)
{
    size_t need;

    if (len == 0)
        return STATUS_OK;
    if (d->len > max_bytes || len > max_bytes - d->len)
        return fail(STATUS_LIMIT, "decoded %s view exceeds %zu bytes",
                    d->encoding ? d->encoding : "", max_bytes);
    need = d->len + len;
    if (need > d->data_cap || !d->data) {
        /* Double, but never past max_bytes: the cap is checked before allocating. */
        size_t cap = d->data_cap > max_bytes / 2 ? max_bytes : 2 * d->data_cap;
        if (cap < DECODE_MIN_ALLOC)
            cap = DECODE_MIN_ALLOC < max_bytes ? DECODE_MIN_ALLOC : max_bytes;
        if (cap < need)
            cap = need;
        d->data = xrealloc(d->data, st_add(cap, 1));
        d->data_cap = cap;
    }
    decoded_add_seg(d, src_off, kind);
    memcpy(d->data + d->len, bytes, len);
    d->len = need;
    d->data[d->len] = '\0';
    return STATUS_OK;
}

bool decode_is_sorted(const size_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[i - 1])
            return false;
    return true;
}

int decode_hex_digit(unsigned char c)
{
    return hex_digit(c);
}

size_t decode_utf8_encode(unsigned long cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | ((cp >> 18) & 0x07));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
