/*
 * decode/jsonesc.c - JSON / JavaScript string escapes over a buffer, whole or by windows
 * around triggers (decode/escapes.c).
 *
 * It does not parse JSON: every backslash escape anywhere is decoded, inside strings or
 * not, and unknown or malformed escapes are copied as they are. \xXX gives the raw byte.
 * Surrogate pairs written as two \u escapes become one code point (lone ones become '?');
 * ES2015 code point escapes (\u{41}, \u{1F600}) are decoded too.
 */
#include "decode/decode.h"

#include <string.h>

/* Value of the `digits` hex digits at p[i], or -1 if they are not all there. */
static long jsonesc_hex_at(const unsigned char *p, size_t n, size_t i, size_t digits)
{
    long v = 0;

    if (i > n || n - i < digits)
        return -1;
    for (size_t k = 0; k < digits; k++) {
        int h = decode_hex_digit(p[i + k]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* Decode the escape starting at p[i] (a backslash) into bytes[0, *len); *used gets the
 * escape's length in the source. False if it is not an escape we decode. */
static bool jsonesc_at(const unsigned char *p, size_t n, size_t i, unsigned char bytes[4],
                       size_t *len, size_t *used)
{
    static const char from[] = "/\"\\bfnrt";
    static const char to[] = "/\"\\\b\f\n\r\t";
    const char *hit;
    long u, lo;

    if (p[i] != '\\' || n - i < 2)
        return false;
    if (p[i + 1] != '\0' && (hit = strchr(from, p[i + 1])) != NULL) {
        bytes[0] = (unsigned char)to[hit - from];
        *len = 1;
        *used = 2;
        return true;
    }
    if (p[i + 1] == 'x') {
        if ((u = jsonesc_hex_at(p, n, i + 2, 2)) < 0)
            return false;
        bytes[0] = (unsigned char)u;
        *len = 1;
        *used = 4;
        return true;
    }
    if (p[i + 1] == 'u' && n - i >= 4 && p[i + 2] == '{') {
        /* ES2015 \u{41}: 1 to 6 hex digits, at most U+10FFFF */
        size_t k = i + 3;
        u = 0;
        while (k < n && k - (i + 3) < 6 && decode_hex_digit(p[k]) >= 0)
            u = u << 4 | decode_hex_digit(p[k++]);
        if (k == i + 3 || k >= n || p[k] != '}' || u > 0x10FFFF)
            return false;
        if (u >= 0xD800 && u <= 0xDFFF)
            u = '?';
        *used = k + 1 - i;
        *len = decode_utf8_encode((unsigned long)u, bytes);
        return true;
    }
    if (p[i + 1] != 'u' || (u = jsonesc_hex_at(p, n, i + 2, 4)) < 0)
        return false;
    *used = 6;
    if (u >= 0xD800 && u <= 0xDBFF && n - i >= 12 && p[i + 6] == '\\' && p[i + 7] == 'u' &&
        (lo = jsonesc_hex_at(p, n, i + 8, 4)) >= 0xDC00 && lo <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        *used = 12;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
        u = '?'; /* lone surrogate */
    }
    *len = decode_utf8_encode((unsigned long)u, bytes);
    return true;
}

/* An unknown escape is stepped over whole: "\\q\\u0041" is \q then an escape. */
static const struct decode_escaper json_escaper = { "json-escape", { '\\', 0 }, 1, 2,
                                                    jsonesc_at };

enum status decode_json_escapes(const unsigned char *p, size_t n, size_t max_bytes,
                                struct decoded *out)
{
    return decode_escapes_span(&json_escaper, p, n, (struct decode_span){ 0, n }, max_bytes,
                               out);
}

enum status decode_json_escapes_span(const unsigned char *p, size_t n, struct decode_span w,
                                     size_t max_bytes, struct decoded *out)
{
    return decode_escapes_span(&json_escaper, p, n, w, max_bytes, out);
}

bool decode_json_trigger_in_run(const unsigned char *p, size_t n, size_t at,
                                struct decode_span *trigger_run, size_t *work)
{
    return decode_escape_run(&json_escaper, p, n, at, trigger_run, work);
}
