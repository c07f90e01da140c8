/*
 * base/escape.c - printable, lossless forms of text from the input (see escape.h).
 */
#include "base/escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

size_t utf8_next(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c, min;
    size_t len;

    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] >= 0xc2 && u[0] <= 0xdf) {
        len = 2;
        c = u[0] & 0x1fu;
        min = 0x80;
    } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
        len = 3;
        c = u[0] & 0x0fu;
        min = 0x800;
    } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
        len = 4;
        c = u[0] & 0x07u;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, or a lead byte that only starts overlong forms */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

bool escape_unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes the escaped form of one unit takes; writes it to out when out is non-NULL. */
static size_t escape_unit(const char *s, size_t n, unsigned flags, size_t *used, char *out)
{
    uint32_t cp = 0;
    size_t k = utf8_next(s, n, &cp);
    char tmp[16];
    size_t len;

    if (k == 0) {
        *used = 1;
        len = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned char)s[0]);
    } else if (escape_unsafe_cp(cp)) {
        *used = k;
        len = cp < 0x80 ? (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp)
                        : (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
    } else if ((cp == '\\' && (flags & ESC_BACKSLASH)) || (cp == '!' && (flags & ESC_BANG))) {
        *used = 1;
        tmp[0] = '\\';
        tmp[1] = (char)cp;
        len = 2;
    } else {
        *used = k;
        if (out)
            memcpy(out, s, k);
        return k;
    }
    if (out)
        memcpy(out, tmp, len);
    return len;
}

bool escape_is_clean(const char *s, size_t n, unsigned flags)
{
    size_t i = 0;

    while (i < n) {
        size_t used, len = escape_unit(s + i, n - i, flags, &used, NULL);
        if (len != used)
            return false;
        /* same length: changed only if it was escaped ("\\" for one byte is 2) */
        i += used;
    }
    return true;
}

char *escape_dup(const char *s, size_t n, unsigned flags)
{
    size_t total = 0, i = 0, used;
    char *out, *p;

    while (i < n) {
        total = st_add(total, escape_unit(s + i, n - i, flags, &used, NULL));
        i += used;
    }
    out = p = xmalloc(st_add(total, 1));
    for (i = 0; i < n; i += used)
        p += escape_unit(s + i, n - i, flags, &used, p);
    *p = '\0';
    return out;
}

char *escape_path(const char *path, size_t tail)
{
    size_t n = strlen(path), head = tail < n ? n - tail : 0;
    char *h = escape_dup(path, head, ESC_BACKSLASH | ESC_BANG);
    char *out;

    if (head == n)
        return h;
    out = xasprintf("%s%s", h, path + head);
    free(h);
    return out;
}
