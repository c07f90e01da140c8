/*
 * decode/html.c - HTML character references and markup inside values, over a buffer,
 * whole or by windows around triggers (decode/escapes.c).
 *
 * Numeric references (&#65; &#x41;), the five XML entities (&quot; &amp; &lt; &gt;
 * &apos;) and inline tags that split a run of key characters (AKIA<span>...</span>...,
 * a value highlighted or wrapped by a renderer) are undone; everything else is copied.
 * A decoded reference maps to its '&'; a removed tag maps nowhere (the bytes around it
 * keep their own offsets), so a value is reported where its first character is.
 */
#include "decode/decode.h"

#include <string.h>

/* Longest tag removed from between two key characters: <span class="x"> and the like. */
#define HTML_TAG_MAX 64u

static bool html_key_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* The reference at p[i] ('&'): its UTF-8 bytes and source length; false if none. */
static bool html_ref(const unsigned char *p, size_t n, size_t i, unsigned char out[4],
                     size_t *len, size_t *used)
{
    static const struct { const char *name; char c; } named[] = {
        { "&quot;", '"' }, { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&apos;", '\'' },
    };
    unsigned long cp = 0;
    size_t k;

    for (size_t e = 0; e < sizeof(named) / sizeof(*named); e++) {
        size_t m = strlen(named[e].name);
        if (n - i >= m && memcmp(p + i, named[e].name, m) == 0) {
            out[0] = (unsigned char)named[e].c;
            *len = 1;
            *used = m;
            return true;
        }
    }
    if (n - i < 4 || p[i + 1] != '#')
        return false;
    if (p[i + 2] == 'x' || p[i + 2] == 'X') {
        for (k = i + 3; k < n && k - (i + 3) < 6 && decode_hex_digit(p[k]) >= 0; k++)
            cp = cp << 4 | (unsigned long)decode_hex_digit(p[k]);
        if (k == i + 3)
            return false;
    } else {
        for (k = i + 2; k < n && k - (i + 2) < 7 && p[k] >= '0' && p[k] <= '9'; k++)
            cp = cp * 10 + (unsigned long)(p[k] - '0');
        if (k == i + 2)
            return false;
    }
    if (k >= n || p[k] != ';' || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    *len = decode_utf8_encode(cp, out);
    *used = k + 1 - i;
    return true;
}

/* Inline elements: they highlight or wrap part of a word and never end one (<br>, <p>,
 * <td> do, and stay). */
static bool html_inline(const unsigned char *name, size_t n)
{
    static const char *const names[] = { "span", "b", "i", "u", "s", "em", "strong", "mark",
                                         "wbr", "font", "small", "big", "sub", "sup", "tt",
                                         "kbd", "samp", "var", "code", "ins", "del" };
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        size_t m = strlen(names[i]);
        bool same = m == n;
        for (size_t k = 0; same && k < n; k++)
            same = (name[k] | 0x20) == (unsigned char)names[i][k];
        if (same)
            return true;
    }
    return false;
}

/* An inline tag at p[i] ('<') between two key characters: its length, or 0. */
static size_t html_tag(const unsigned char *p, size_t n, size_t i)
{
    size_t k = i + 1, name;

    if (i == 0 || !html_key_char(p[i - 1]) || k >= n)
        return 0;
    if (p[k] == '/')
        k++;
    for (name = k; k < n && ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z'));)
        k++;
    if (k == name || k >= n || !html_inline(p + name, k - name) ||
        !(p[k] == '>' || p[k] == ' ' || p[k] == '/'))
        return 0;
    for (; k < n && k - i < HTML_TAG_MAX; k++) {
        if (p[k] == '<' || p[k] == '\n')
            return 0;
        if (p[k] == '>') {
            /* the next byte is a key character, or another tag that is followed by one */
            if (k + 1 < n && (html_key_char(p[k + 1]) || p[k + 1] == '<'))
                return k + 1 - i;
            return 0;
        }
    }
    return 0;
}

/* A reference or an inline tag at p[i] (a removed tag decodes to nothing). */
static bool html_at(const unsigned char *p, size_t n, size_t i, unsigned char bytes[4],
                    size_t *len, size_t *used)
{
    size_t tag;

    if (p[i] == '&')
        return html_ref(p, n, i, bytes, len, used);
    if (p[i] == '<' && (tag = html_tag(p, n, i)) > 0) {
        *len = 0;
        *used = tag;
        return true;
    }
    return false;
}

static const struct decode_escaper html_escaper = { "html", { '&', '<' }, 2, 1, html_at };

enum status decode_html(const unsigned char *p, size_t n, size_t max_bytes, struct decoded *out)
{
    return decode_escapes_span(&html_escaper, p, n, (struct decode_span){ 0, n }, max_bytes,
                               out);
}

enum status decode_html_span(const unsigned char *p, size_t n, struct decode_span w,
                             size_t max_bytes, struct decoded *out)
{
    return decode_escapes_span(&html_escaper, p, n, w, max_bytes, out);
}
