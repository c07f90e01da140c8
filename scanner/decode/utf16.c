/*
 * decode/utf16.c - detect UTF-16 text and transcode it to a UTF-8 view.
 *
 * Detection is a heuristic (a BOM, or mostly-NUL high bytes); it does not validate the
 * text, and an odd trailing byte is ignored. The point to keep in mind: ASCII maps back
 * with SEG_SCALE2 to the first byte of its code unit, so a key found in the view is
 * reported at its real offset even though the view is half as long as the source.
 */
#include "decode/decode.h"

#include <string.h>

/* Detection looks at this much of the buffer (UTF-16 text shows itself quickly). */
#define UTF16_SAMPLE_BYTES 4096u
/* Without a BOM, shorter buffers are too small to tell UTF-16 from binary. */
#define UTF16_MIN_BYTES 16u
/* UTF-16LE strings inside a binary (a .NET assembly's user strings, Windows resources)
 * are decoded from this many characters on (a key ID is 20). */
#define UTF16_STRINGS_MIN 16u
/* Bytes of ASCII gathered before one append call. */
#define UTF16_ASCII_CHUNK 512u

bool decode_utf16_detect(const unsigned char *p, size_t n, bool *big_endian)
{
    size_t m, pairs, even_nul = 0, odd_nul = 0;
    bool be = false, found = false;

    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        found = true;
    } else if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        found = true;
        be = true;
    } else if (n >= UTF16_MIN_BYTES) {
        m = (n < UTF16_SAMPLE_BYTES ? n : UTF16_SAMPLE_BYTES) & ~(size_t)1;
        pairs = m / 2;
        /* Text without a NUL (nearly every file) is not UTF-16: one memchr says so
         * instead of a byte loop over the sample for every buffer. */
        if (!memchr(p, 0, m))
            m = 0;
        for (size_t i = 0; i < m; i += 2) {
            even_nul += p[i] == 0;
            odd_nul += p[i + 1] == 0;
        }
        /* >= 70% NUL on one side; the other side must hold more text than NULs, so a
         * zero-filled buffer is not taken for text. */
        if (odd_nul * 10 >= pairs * 7 && odd_nul > even_nul) {
            found = true;
        } else if (even_nul * 10 >= pairs * 7 && even_nul > odd_nul) {
            found = true;
            be = true;
        }
    }
    if (big_endian)
        *big_endian = found && be;
    return found;
}

static unsigned utf16_unit(const unsigned char *p, size_t i, bool big_endian)
{
    return big_endian ? (unsigned)p[i] << 8 | p[i + 1] : (unsigned)p[i + 1] << 8 | p[i];
}

enum status decode_utf16(const unsigned char *p, size_t n, bool big_endian, size_t max_bytes,
                         struct decoded *out)
{
    enum status st = STATUS_OK;
    unsigned char ascii[UTF16_ASCII_CHUNK];
    size_t end = n & ~(size_t)1; /* an odd trailing byte is ignored */
    size_t i = 0;

    *out = (struct decoded)DECODED_INIT;
    out->encoding = big_endian ? "utf-16be" : "utf-16le";
    if (end >= 2 && utf16_unit(p, 0, big_endian) == 0xFEFF)
        i = 2;
    while (i < end) {
        unsigned u = utf16_unit(p, i, big_endian);
        unsigned char utf8[4];
        unsigned long cp;
        size_t k = 0, start = i, units = 1;

        if (u < 0x80) {
            /* A run of ASCII: one byte per code unit, one SCALE2 segment for all of it. */
            while (i < end && k < sizeof(ascii) && (u = utf16_unit(p, i, big_endian)) < 0x80) {
                ascii[k++] = (unsigned char)u;
                i += 2;
            }
            if ((st = decoded_append(out, max_bytes, ascii, k, start, SEG_SCALE2)) != STATUS_OK)
                goto out;
            continue;
        }
        cp = u;
        if (u >= 0xD800 && u <= 0xDBFF && i + 4 <= end) {
            unsigned lo = utf16_unit(p, i + 2, big_endian);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + (lo - 0xDC00);
                units = 2;
            }
        }
        if (units == 1 && u >= 0xD800 && u <= 0xDFFF)
            cp = '?'; /* unpaired surrogate */
        k = decode_utf8_encode(cp, utf8);
        if ((st = decoded_append(out, max_bytes, utf8, k, start, SEG_OPAQUE)) != STATUS_OK)
            goto out;
        i += 2 * units;
    }

out:
    if (st != STATUS_OK)
        decoded_release(out);
    return st;
}

/* A UTF-16LE code unit of printable ASCII (or a tab) at p[i]. */
static bool utf16_strings_unit(const unsigned char *p, size_t n, size_t i)
{
    return i + 1 < n && p[i + 1] == 0 && ((p[i] >= 0x20 && p[i] < 0x7F) || p[i] == '\t');
}

enum status decode_utf16_strings(const unsigned char *p, size_t n, const size_t *at, size_t n_at,
                                 size_t max_bytes, struct decoded *out)
{
    enum status st = STATUS_OK;
    size_t done = 0; /* source bytes before this are in the view already */
    unsigned char chunk[UTF16_ASCII_CHUNK];

    *out = (struct decoded)DECODED_INIT;
    out->encoding = "utf-16le";
    for (size_t k = 0; k < n_at && st == STATUS_OK; k++) {
        size_t o = at[k], start, end;
        if (o >= n || o < done || !utf16_strings_unit(p, n, o))
            continue;
        start = o;
        while (start >= 2 && start - 2 >= done && utf16_strings_unit(p, n, start - 2))
            start -= 2;
        end = o;
        while (utf16_strings_unit(p, n, end))
            end += 2;
        done = end;
        if ((end - start) / 2 < UTF16_STRINGS_MIN)
            continue;
        if (out->len && (st = decoded_append(out, max_bytes, "\n", 1, start, SEG_OPAQUE)) != STATUS_OK)
            break;
        for (size_t i = start; i < end && st == STATUS_OK;) {
            size_t m = 0, from = i;
            while (i < end && m < sizeof(chunk)) {
                chunk[m++] = p[i];
                i += 2;
            }
            st = decoded_append(out, max_bytes, chunk, m, from, SEG_SCALE2);
        }
    }
    if (st != STATUS_OK)
        decoded_release(out);
    return st;
}
