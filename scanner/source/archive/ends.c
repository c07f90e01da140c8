/*
 * source/archive/ends.c - where an archive or a compressed stream ends, found from its
 * own structure without decoding it.
 *
 * libarchive stops reading an archive where it likes (read-ahead, or a zip read from
 * its end record), and a decoder takes the bytes after its stream for a broken
 * continuation; neither says where the archive or stream ended. What follows it (a
 * second archive, trailing data) is only scanned if that place is known, so it is
 * worked out here: a zip from its end record, as libarchive's seeking reader finds it;
 * a 7z from its signature header; xz, zstd and lz4 from their footers, frame and block
 * headers. Everything read here is checked (CRCs, sizes within the input) and bounded.
 */
#include "source/archive/internal.h"

#include <string.h>

/* CRC-32 (zip, xz, 7z), bit by bit: only a few header bytes are ever checked. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/*
 * Find the zip whose end record lies in the last ZIP_TAIL_BYTES of in[from, to), with
 * libarchive's rules (the last "PK\5\6" found, single volume, central directory in
 * front of it): that is the zip libarchive reads from in[from, to). `strict` (for
 * bytes that do not start like a zip) also wants a central directory entry where it
 * says and a local header where that entry says.
 */
bool zip_find_end(struct input *in, uint64_t from, uint64_t to, bool strict,
                         uint64_t max_entries, struct zip_end *z)
{
    unsigned char buf[ZIP_TAIL_BYTES], h[56];
    const unsigned char *t, *p = NULL;
    size_t tail, got;
    uint64_t eocd, cd_size, cd_off, entries, at, k, min_lho = UINT64_MAX;
    int64_t correction;
    bool regular, zip64;

    if (to <= from || to - from <= 22)
        return false;
    tail = to - from < ZIP_TAIL_BYTES ? (size_t)(to - from) : ZIP_TAIL_BYTES;
    if (in->kind == IN_MEM && to <= in->size) {
        t = in->mem + (to - tail);
    } else {
        if (in_read_full(in, to - tail, buf, tail, &got) != STATUS_OK || got != tail)
            return false;
        t = buf;
    }
    /* The last "PK\5\6" starting in t[1, tail - 22]: look for its rare last byte. */
    for (const unsigned char *q = t + 4, *e = t + tail - 18;
         q < e && (q = memchr(q, 6, (size_t)(e - q))); q++)
        if (q[-3] == 'P' && q[-2] == 'K' && q[-1] == 5)
            p = q - 3;
    if (!p)
        return false;
    eocd = to - tail + (uint64_t)(p - t) - from;
    cd_size = le32(p + 12);
    cd_off = le32(p + 16);
    entries = le16(p + 10);
    correction = (int64_t)eocd - (int64_t)cd_size - (int64_t)cd_off;
    regular = le16(p + 4) == 0 && le16(p + 6) == 0 && le16(p + 10) == le16(p + 8) &&
              (uint32_t)(cd_off + cd_size) <= eocd; /* 32-bit, as libarchive computes it */
    zip64 = p - t >= 20 && memcmp(p - 20, "PK\6\7", 4) == 0 && le32(p - 16) == 0 &&
            le32(p - 4) == 1 && le64(p - 12) < to - from &&
            in_read_full(in, from + le64(p - 12), h, 56, &got) == STATUS_OK && got == 56 &&
            le64(h + 4) >= 44 && le64(h + 4) <= 16384 - 12 && le32(h + 16) == 0 &&
            le32(h + 20) == 0 && le64(h + 24) == le64(h + 32);
    if (!regular && !zip64)
        return false;
    if (zip64) { /* libarchive takes the directory from the zip64 record, uncorrected */
        cd_off = le64(h + 48);
        entries = le64(h + 32);
        correction = 0;
    }
    z->end = from + eocd + 22;
    if (correction < 0 || (uint64_t)correction > eocd)
        correction = 0;
    at = cd_off <= eocd - (uint64_t)correction ? from + (uint64_t)correction + cd_off
                                                : UINT64_MAX;
    z->cd = at;
    for (k = 0; at != UINT64_MAX && k < entries && k < max_entries && at < from + eocd; k++) {
        uint32_t lho;
        if (in_read_full(in, at, h, 46, &got) != STATUS_OK || got != 46 ||
            memcmp(h, "PK\1\2", 4) != 0)
            break;
        lho = le32(h + 42);
        if (lho != 0xffffffffu && lho < min_lho)
            min_lho = lho;
        at += 46 + (uint64_t)le16(h + 28) + le16(h + 30) + le16(h + 32);
    }
    z->data = from + (uint64_t)correction;
    if (min_lho != UINT64_MAX && min_lho <= eocd - (uint64_t)correction)
        z->data += min_lho;
    if (strict) {
        if (k == 0 || min_lho == UINT64_MAX)
            return false;
        if (in_read_full(in, z->data, h, 4, &got) != STATUS_OK || got != 4 ||
            memcmp(h, "PK\3\4", 4) != 0)
            return false;
    }
    return true;
}

/* The zip that starts at `pos` when another one follows it (cat a.zip b.zip: the end
 * record at the end is b's): the first end record after `pos` whose zip starts there.
 * A zip whose end record lies further than this many candidates away is left to the
 * caller (then read from the last end record, with what lies in front as a prefix). */
#define ZIP_FIRST_CANDIDATES 64u

bool zip_find_first(struct input *in, uint64_t pos, uint64_t max_entries,
                           struct zip_end *z)
{
    unsigned char b[16384];
    unsigned tries = 0;

    for (uint64_t at = pos + 1; at < in->size && tries < ZIP_FIRST_CANDIDATES;) {
        size_t got = 0;
        if (in_read_full(in, at, b, sizeof(b), &got) != STATUS_OK || got < 4)
            return false;
        for (const unsigned char *q = b + 3, *e = b + got;
             q < e && (q = memchr(q, 6, (size_t)(e - q))); q++) {
            uint64_t eocd = at + (uint64_t)(q - 3 - b);
            if (q[-3] != 'P' || q[-2] != 'K' || q[-1] != 5 || eocd + 22 > in->size)
                continue;
            if (++tries > ZIP_FIRST_CANDIDATES)
                return false;
            if (zip_find_end(in, pos, eocd + 22, false, max_entries, z) && z->data == pos &&
                z->end == eocd + 22)
                return true;
        }
        at += got - 3;
    }
    return false;
}

/* One past a 7z archive at `pos`: its signature header says where its header ends. */
bool sevenz_end(struct input *in, uint64_t pos, uint64_t *end)
{
    unsigned char h[32];
    size_t got;
    uint64_t off, size;

    if (in->kind == IN_TAP ||
        in_read_full(in, pos, h, sizeof(h), &got) != STATUS_OK || got != sizeof(h) ||
        memcmp(h, "7z\xbc\xaf\x27\x1c", 6) != 0 || crc32_of(h + 12, 20) != le32(h + 8))
        return false;
    off = le64(h + 12);
    size = le64(h + 20);
    if (in->size - pos < 32 || off > in->size - pos - 32 || size > in->size - pos - 32 - off)
        return false;
    *end = pos + 32 + off + size;
    return true;
}

static bool xz_footer_ok(const unsigned char *f, const unsigned char *flags)
{
    return f[10] == 'Y' && f[11] == 'Z' && f[8] == flags[0] && f[9] == flags[1] &&
           crc32_of(f + 4, 6) == le32(f);
}

/* One past the xz stream at `pos`: the input's end if it ends with a footer (several
 * streams in a row are one for libarchive), else the first footer that matches its
 * header (data follows it; xz would take that data for a broken stream). */
static uint64_t xz_end(struct input *in, uint64_t pos)
{
    unsigned char h[12], b[16384];
    size_t got;

    if (in_read_full(in, pos, h, sizeof(h), &got) != STATUS_OK || got != sizeof(h) ||
        crc32_of(h + 6, 2) != le32(h + 8))
        return in->size;
    if (in->size - pos >= 24 && in_read_full(in, in->size - 12, b, 12, &got) == STATUS_OK &&
        got == 12 && xz_footer_ok(b, h + 6))
        return in->size;
    for (uint64_t at = pos + 12; at < in->size;) {
        if (in_read_full(in, at, b, sizeof(b), &got) != STATUS_OK || got < 12)
            break;
        for (size_t i = 0; i + 12 <= got; i++)
            if (b[i + 10] == 'Y' && xz_footer_ok(b + i, h + 6))
                return at + i + 12;
        at += got - 11;
    }
    return in->size;
}

/* Skippable frames of zstd and lz4: magic 0x184D2A5?, a 4-byte size, that many bytes. */
static bool skippable_frame(const unsigned char *h)
{
    return (le32(h) & 0xfffffff0u) == 0x184d2a50u;
}

/* One past the zstd frames at `pos`, found from their block headers without decoding
 * (zstd takes what follows them for a broken frame). The input's end if they run past
 * it or are not understood. */
static uint64_t zstd_end(struct input *in, uint64_t pos)
{
    static const unsigned did_bytes[4] = { 0, 1, 2, 4 };
    unsigned char h[8];
    size_t got;
    uint64_t at = pos;

    for (;;) {
        unsigned fhd;
        bool single;
        if (in_read_full(in, at, h, 8, &got) != STATUS_OK || got < 4)
            return at > pos && got == 0 ? at : in->size;
        if (skippable_frame(h)) {
            if (got < 8)
                return in->size;
            at += 8 + (uint64_t)le32(h + 4);
            continue;
        }
        if (le32(h) != 0xfd2fb528u)
            return at > pos ? at : in->size;
        if (got < 5)
            return in->size;
        fhd = h[4];
        single = fhd & 0x20;
        if (fhd & 0x08)
            return in->size; /* reserved bit */
        at += 5 + (single ? 0 : 1) + did_bytes[fhd & 3];
        switch (fhd >> 6) {
        case 0: at += single ? 1 : 0; break;
        case 1: at += 2; break;
        case 2: at += 4; break;
        default: at += 8; break;
        }
        for (;;) {
            uint32_t bh;
            unsigned type;
            if (in_read_full(in, at, h, 3, &got) != STATUS_OK || got < 3)
                return in->size;
            bh = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
            type = (bh >> 1) & 3;
            if (type == 3)
                return in->size;
            at += 3 + (type == 1 ? 1 : (bh >> 3));
            if (at > in->size)
                return in->size;
            if (bh & 1)
                break;
        }
        if (fhd & 0x04)
            at += 4;
        if (at > in->size)
            return in->size;
    }
}

/* One past the lz4 frames at `pos`, from their block sizes (libarchive reads a few
 * bytes past the last frame). The input's end if not understood. */
static uint64_t lz4_end(struct input *in, uint64_t pos)
{
    unsigned char h[8];
    size_t got;
    uint64_t at = pos;

    for (;;) {
        unsigned flg;
        if (in_read_full(in, at, h, 6, &got) != STATUS_OK || got < 4)
            return at > pos && got == 0 ? at : in->size;
        if (skippable_frame(h)) {
            if (in_read_full(in, at, h, 8, &got) != STATUS_OK || got < 8)
                return in->size;
            at += 8 + (uint64_t)le32(h + 4);
            continue;
        }
        if (le32(h) != 0x184d2204u)
            return at > pos ? at : in->size;
        if (got < 6)
            return in->size;
        flg = h[4];
        if ((flg >> 6) != 1)
            return in->size;
        at += 4 + 2 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0) + 1;
        for (;;) {
            uint32_t bs;
            if (in_read_full(in, at, h, 4, &got) != STATUS_OK || got < 4)
                return in->size;
            bs = le32(h);
            at += 4;
            if (bs == 0)
                break;
            at += (bs & 0x7fffffffu) + ((flg & 0x10) ? 4 : 0);
            if (at > in->size)
                return in->size;
        }
        if (flg & 0x04)
            at += 4;
        if (at > in->size)
            return in->size;
    }
}

/* Where the compressed stream of kind k at `pos` ends, as far as can be told without
 * decoding it (a stream read front to back: not at all). */
uint64_t stream_end(struct input *in, uint64_t pos, enum kind k)
{
    if (in->kind == IN_TAP)
        return UINT64_MAX;
    switch (k) {
    case K_XZ: return xz_end(in, pos);
    case K_ZSTD: return zstd_end(in, pos);
    case K_LZ4: return lz4_end(in, pos);
    default: return in->size;
    }
}
