/*
 * source/git/tree.c - parse raw git tree objects (see tree.h).
 */
#include "source/git/tree.h"

#include <stdint.h>
#include <string.h>

void gt_init(struct gt_iter *it, const void *data, size_t len)
{
    it->p = data;
    it->end = it->p + (data ? len : 0);
    it->bad = false;
}

static enum gt_kind kind_of(unsigned mode)
{
    switch (mode & 0170000u) {
    case 0040000u: return GT_TREE;
    case 0100000u: return GT_BLOB;
    case 0120000u: return GT_BLOB;
    case 0160000u: return GT_GITLINK;
    default: return GT_OTHER;
    }
}

/* The first NUL in [p, end), or NULL. Names are short (a dozen bytes): eight bytes at a
 * time inline cost less than a call to memchr per entry (the walk parses every entry of
 * every tree of a history: 12 % of its time went to gt_next and memchr). A zero byte is
 * one whose "x - 1" borrows and whose top bit was clear; the lowest such byte is the
 * first NUL (a borrow only ever marks bytes above a zero one). */
static inline const unsigned char *find_nul(const unsigned char *p, const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

    for (; end - p >= 8; p += 8) {
        uint64_t w, z;
        memcpy(&w, p, sizeof(w));
        z = (w - ones) & ~w & highs;
        if (z)
            return p + (__builtin_ctzll(z) >> 3);
    }
#endif
    return memchr(p, '\0', (size_t)(end - p));
}

bool gt_next(struct gt_iter *it, struct gt_entry *e)
{
    const unsigned char *p = it->p, *name, *nul;
    unsigned mode = 0;
    int digits = 0;

    if (it->bad || p >= it->end)
        return false;
    /* mode: 1 to 7 octal digits, then one space; the two of almost every entry first
     * (what the loop would make of them) */
    if (it->end - p >= 7 && memcmp(p, "100644 ", 7) == 0) {
        mode = 0100644u;
        p += 6;
        digits = 6;
    } else if (it->end - p >= 6 && memcmp(p, "40000 ", 6) == 0) {
        mode = 040000u;
        p += 5;
        digits = 5;
    }
    while (p < it->end && *p >= '0' && *p <= '7' && digits < 7) {
        mode = mode << 3 | (unsigned)(*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || p >= it->end || *p != ' ')
        goto bad;
    name = ++p;
    nul = find_nul(name, it->end);
    if (!nul || nul == name || (size_t)(it->end - nul - 1) < GT_OID_RAWSZ)
        goto bad;
    e->mode = mode;
    e->kind = kind_of(mode);
    e->name = (const char *)name;
    e->name_len = (size_t)(nul - name);
    e->oid = nul + 1;
    it->p = nul + 1 + GT_OID_RAWSZ;
    return true;
bad:
    it->bad = true;
    return false;
}

int gt_cmp(const struct gt_entry *a, const struct gt_entry *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    unsigned char ca, cb;

    if (c != 0)
        return c;
    ca = n < a->name_len ? (unsigned char)a->name[n] : a->kind == GT_TREE ? '/' : '\0';
    cb = n < b->name_len ? (unsigned char)b->name[n] : b->kind == GT_TREE ? '/' : '\0';
    return (int)ca - (int)cb;
}

bool gt_find(const void *data, size_t len, const char *name, size_t name_len,
             struct gt_entry *out)
{
    struct gt_iter it;
    struct gt_entry e;

    gt_init(&it, data, len);
    while (gt_next(&it, &e)) {
        if (e.name_len == name_len && memcmp(e.name, name, name_len) == 0) {
            *out = e;
            return true;
        }
    }
    return false;
}
