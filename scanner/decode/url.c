/*
 * decode/url.c - percent-decoding (%XX, either case) of a buffer, whole or by windows
 * around triggers (decode/escapes.c).
 *
 * '+' is left alone (it is common in raw secrets), and a '%' not followed by two hex
 * digits is copied. Each decoded byte maps to its own '%', so a key split by escapes is
 * still reported where its first character is.
 */
#include "decode/decode.h"


/* The %XX at p[i], if it is one: its byte. */
static bool url_escape_at(const unsigned char *p, size_t n, size_t i, unsigned char bytes[4],
                          size_t *len, size_t *used)
{
    int hi, lo;

    if (p[i] != '%' || n - i < 3)
        return false;
    hi = decode_hex_digit(p[i + 1]);
    lo = decode_hex_digit(p[i + 2]);
    if (hi < 0 || lo < 0)
        return false;
    bytes[0] = (unsigned char)(hi << 4 | lo);
    *len = 1;
    *used = 3;
    return true;
}

static const struct decode_escaper url_escaper = { "url", { '%', 0 }, 1, 1, url_escape_at };

enum status decode_url(const unsigned char *p, size_t n, size_t max_bytes, struct decoded *out)
{
    return decode_escapes_span(&url_escaper, p, n, (struct decode_span){ 0, n }, max_bytes,
                               out);
}

enum status decode_url_span(const unsigned char *p, size_t n, struct decode_span w,
                            size_t max_bytes, struct decoded *out)
{
    return decode_escapes_span(&url_escaper, p, n, w, max_bytes, out);
}

bool decode_url_trigger_in_run(const unsigned char *p, size_t n, size_t at,
                               struct decode_span *trigger_run, size_t *work)
{
    return decode_escape_run(&url_escaper, p, n, at, trigger_run, work);
}
