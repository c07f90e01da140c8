/*
 * source/git/pack_delta.c - git's delta format (see pack.h): the base's size, the result's
 * size (varints), then copy (from the base) and insert (literal bytes) instructions, as
 * git's Documentation/gitformat-pack.txt describes. Apart from pack.c, which reads the
 * pack's entries, because it needs nothing of a pack: only the two buffers.
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

bool gitpack_delta_apply(const unsigned char *base, size_t base_len, const unsigned char *delta,
                         size_t delta_len, unsigned char *out, size_t out_len)
{
    uint64_t src, dst;
    size_t at, o = 0;

    if (!gitpack_delta_sizes(delta, delta_len, &src, &dst, &at) || src != base_len ||
        dst != out_len)
        return false;
    while (at < delta_len) {
        unsigned char cmd = delta[at++];
        if (cmd & 0x80) {
            size_t cp_off = 0, cp_len = 0;
            for (unsigned b = 0; b < 4; b++)
                if (cmd & (1u << b)) {
                    if (at >= delta_len)
                        return false;
                    cp_off |= (size_t)delta[at++] << (8 * b);
                }
            for (unsigned b = 0; b < 3; b++)
                if (cmd & (0x10u << b)) {
                    if (at >= delta_len)
                        return false;
                    cp_len |= (size_t)delta[at++] << (8 * b);
                }
            if (cp_len == 0)
                cp_len = 0x10000;
            if (cp_off > base_len || cp_len > base_len - cp_off || cp_len > out_len - o)
                return false;
            memcpy(out + o, base + cp_off, cp_len);
            o += cp_len;
        } else if (cmd) {
            if (cmd > delta_len - at || cmd > out_len - o)
                return false;
            memcpy(out + o, delta + at, cmd);
            at += cmd;
            o += cmd;
        } else {
            return false; /* reserved */
        }
    }
    return o == out_len;
}
