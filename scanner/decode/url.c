/*
 * decode/url.c - percent-decoding (%XX, either case) of a whole buffer.
 *
 * '+' is left alone (it is common in raw secrets), and a '%' not followed by two hex
 * digits is copied. Each decoded byte maps to its own '%', so a key split by escapes is
 * still reported where its first character is.
 */
#include "decode/decode.h"

/* True if p[i] starts a valid %XX; *byte gets its value. */
static bool url_escape_at(const unsigned char *p, size_t n, size_t i, unsigned char *byte)
{
    int hi, lo;

    if (p[i] != '%' || n - i < 3)
        return false;
    hi = decode_hex_digit(p[i + 1]);
    lo = decode_hex_digit(p[i + 2]);
    if (hi < 0 || lo < 0)
        return false;
    *byte = (unsigned char)(hi << 4 | lo);
    return true;
}

enum status decode_url(const unsigned char *p, size_t n, size_t max_bytes, struct decoded *out)
{
    enum status st = STATUS_OK;
    unsigned char byte;
    size_t i = 0, copy_from = 0;

    *out = (struct decoded)DECODED_INIT;
    out->encoding = "url";
    while (i < n && !url_escape_at(p, n, i, &byte))
        i++;
    if (i == n)
        return STATUS_OK; /* nothing to decode: no view */

    while (i < n) {
        if (!url_escape_at(p, n, i, &byte)) {
            i++;
            continue;
        }
        st = decoded_append(out, max_bytes, p + copy_from, i - copy_from, copy_from, SEG_COPY);
        if (st != STATUS_OK)
            goto out;
        if ((st = decoded_append(out, max_bytes, &byte, 1, i, SEG_OPAQUE)) != STATUS_OK)
            goto out;
        i += 3;
        copy_from = i;
    }
    st = decoded_append(out, max_bytes, p + copy_from, n - copy_from, copy_from, SEG_COPY);

out:
    if (st != STATUS_OK)
        decoded_release(out);
    return st;
}
