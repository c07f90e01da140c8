/*
 * source/git/pack_delta.c - git's delta format (see pack.h): the base's size, the result's
 * size (varints), then copy (from the base) and insert (literal bytes) instructions, as
 * git's Documentation/gitformat-pack.txt describes. Apart from pack.c, which reads the
 * pack's entries, because it needs nothing of a pack: only the two buffers. The one
 * parser of the instructions is gitpack_delta_next: applying a delta and listing what it
 * copies (the scan's silent deltas, scan_delta.c) both walk them through it.
 */
#include "source/git/pack.h"

#include <string.h>

static bool varint(const unsigned char *d, size_t len, size_t *at, uint64_t *v)
{
    unsigned shift = 0;
    unsigned char c;

    *v = 0;
    do {
        if (*at >= len || shift > 63)
            return false;
        c = d[(*at)++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    return true;
}

bool gitpack_delta_sizes(const unsigned char *delta, size_t len, uint64_t *src_size,
                         uint64_t *dst_size, size_t *used)
{
    size_t at = 0;
    if (!varint(delta, len, &at, src_size) || !varint(delta, len, &at, dst_size))
        return false;
    *used = at;
    return true;
}

int gitpack_delta_next(const unsigned char *delta, size_t delta_len, size_t *at,
                       struct gitpack_delta_op *op)
{
    unsigned char cmd;

    if (*at >= delta_len)
        return 0;
    cmd = delta[(*at)++];
    if (cmd & 0x80) {
        size_t cp_off = 0, cp_len = 0;
        for (unsigned b = 0; b < 4; b++)
            if (cmd & (1u << b)) {
                if (*at >= delta_len)
                    return -1;
                cp_off |= (size_t)delta[(*at)++] << (8 * b);
            }
        for (unsigned b = 0; b < 3; b++)
            if (cmd & (0x10u << b)) {
                if (*at >= delta_len)
                    return -1;
                cp_len |= (size_t)delta[(*at)++] << (8 * b);
            }
        op->copy = true;
        op->off = cp_off;
        op->len = cp_len ? cp_len : 0x10000;
        op->lit = NULL;
        return 1;
    }
    if (!cmd || cmd > delta_len - *at)
        return -1; /* 0 is reserved */
    op->copy = false;
    op->off = 0;
    op->len = cmd;
    op->lit = delta + *at;
    *at += cmd;
    return 1;
}

bool gitpack_delta_apply(const unsigned char *base, size_t base_len, const unsigned char *delta,
                         size_t delta_len, unsigned char *out, size_t out_len)
{
    uint64_t src, dst;
    size_t at, o = 0;
    struct gitpack_delta_op op;
    int rc;

    if (!gitpack_delta_sizes(delta, delta_len, &src, &dst, &at) || src != base_len ||
        dst != out_len)
        return false;
    while ((rc = gitpack_delta_next(delta, delta_len, &at, &op)) > 0) {
        if (op.len > out_len - o)
            return false;
        if (op.copy) {
            if (op.off > base_len || op.len > base_len - op.off)
                return false;
            memcpy(out + o, base + op.off, op.len);
        } else {
            memcpy(out + o, op.lit, op.len);
        }
        o += op.len;
    }
    return rc == 0 && o == out_len;
}
