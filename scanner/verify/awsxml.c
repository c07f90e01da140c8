/*
 * verify/awsxml.c - find one element's text in a small, untrusted XML body.
 *
 * A linear scan for "<" + optional "prefix:" + name + (">" | "/>" | whitespace), then
 * the text up to the matching close tag at the same depth. Bounded by len everywhere.
 */
#include "verify/awsxml.h"

#include <string.h>

/* Does tag text at p (after '<') start element `name` (any prefix)? Returns the offset
 * just past the name, or 0. */
static size_t tag_match(const char *p, size_t avail, const char *name)
{
    size_t nl = strlen(name), i = 0;
    const char *colon;

    if (avail == 0 || p[0] == '/' || p[0] == '?' || p[0] == '!')
        return 0;
    colon = NULL;
    for (size_t k = 0; k < avail && k < 64; k++) {
        char c = p[k];
        if (c == ':') {
            colon = p + k;
            break;
        }
        if (c == '>' || c == ' ' || c == '/' || c == '\t' || c == '\n' || c == '\r')
            break;
    }
    if (colon)
        i = (size_t)(colon - p) + 1;
    if (avail - i < nl || memcmp(p + i, name, nl) != 0)
        return 0;
    i += nl;
    if (i >= avail)
        return 0;
    if (p[i] == '>' || p[i] == '/' || p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
        return i;
    return 0;
}

/* Find element `name` within [from, to): sets [*ts, *te) to its inner text. */
static bool find_element(const char *xml, size_t from, size_t to, const char *name, size_t *ts,
                         size_t *te)
{
    for (size_t i = from; i < to; i++) {
        size_t m, j;
        int depth;
        if (xml[i] != '<')
            continue;
        m = tag_match(xml + i + 1, to - i - 1, name);
        if (!m)
            continue;
        j = i + 1 + m;
        while (j < to && xml[j] != '>')
            j++;
        if (j >= to)
            return false;
        if (xml[j - 1] == '/') { /* <name/> */
            *ts = *te = j + 1;
            return true;
        }
        *ts = j + 1;
        depth = 1;
        for (size_t k = j + 1; k < to; k++) {
            if (xml[k] != '<')
                continue;
            if (k + 1 < to && xml[k + 1] == '/' && tag_match(xml + k + 2, to - k - 2, name)) {
                if (--depth == 0) {
                    *te = k;
                    return true;
                }
            } else if (tag_match(xml + k + 1, to - k - 1, name)) {
                size_t q = k + 1;
                while (q < to && xml[q] != '>')
                    q++;
                if (q < to && xml[q - 1] != '/')
                    depth++;
            }
        }
        return false;
    }
    return false;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static void decode_text(const char *s, size_t n, char *out, size_t out_size)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 1 < out_size;) {
        char tmp[4];
        size_t tl = 0;
        if (s[i] == '<' && n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
            const char *end = NULL;
            for (size_t k = i + 9; k + 2 < n + 0 && k + 3 <= n; k++)
                if (memcmp(s + k, "]]>", 3) == 0) {
                    end = s + k;
                    break;
                }
            size_t stop = end ? (size_t)(end - s) : n;
            for (size_t k = i + 9; k < stop && o + 1 < out_size; k++)
                out[o++] = s[k];
            i = end ? stop + 3 : n;
            continue;
        }
        if (s[i] == '&') {
            const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
            if (semi) {
                size_t el = (size_t)(semi - (s + i)) + 1;
                const char *e = s + i;
                if (el == 5 && memcmp(e, "&amp;", 5) == 0)
                    tmp[tl++] = '&';
                else if (el == 4 && memcmp(e, "&lt;", 4) == 0)
                    tmp[tl++] = '<';
                else if (el == 4 && memcmp(e, "&gt;", 4) == 0)
                    tmp[tl++] = '>';
                else if (el == 6 && memcmp(e, "&quot;", 6) == 0)
                    tmp[tl++] = '"';
                else if (el == 6 && memcmp(e, "&apos;", 6) == 0)
                    tmp[tl++] = '\'';
                else if (el > 3 && e[1] == '#') {
                    unsigned long cp = 0;
                    bool hx = e[2] == 'x' || e[2] == 'X', ok = true;
                    for (size_t k = hx ? 3 : 2; k + 1 < el; k++) {
                        char c = e[k];
                        int d = c >= '0' && c <= '9'   ? c - '0'
                                : hx && c >= 'a' && c <= 'f' ? c - 'a' + 10
                                : hx && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                             : -1;
                        if (d < 0) {
                            ok = false;
                            break;
                        }
                        cp = cp * (hx ? 16 : 10) + (unsigned long)d;
                        if (cp > 0x10ffff) {
                            ok = false;
                            break;
                        }
                    }
                    if (ok && cp > 0)
                        tl = put_utf8(tmp, cp);
                }
                if (tl) {
                    if (o + tl >= out_size)
                        break;
                    memcpy(out + o, tmp, tl);
                    o += tl;
                    i += el;
                    continue;
                }
            }
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
}

bool awsxml_get(const char *xml, size_t len, const char *parent, const char *name, char *out,
                size_t out_size)
{
    size_t from = 0, to = len, ts, te;

    if (out_size)
        out[0] = '\0';
    if (!xml || !out_size)
        return false;
    if (parent) {
        if (!find_element(xml, 0, len, parent, &ts, &te))
            return false;
        from = ts;
        to = te;
    }
    if (!find_element(xml, from, to, name, &ts, &te))
        return false;
    /* Trim surrounding whitespace. */
    while (ts < te && (xml[ts] == ' ' || xml[ts] == '\n' || xml[ts] == '\r' || xml[ts] == '\t'))
        ts++;
    while (te > ts && (xml[te - 1] == ' ' || xml[te - 1] == '\n' || xml[te - 1] == '\r' ||
                       xml[te - 1] == '\t'))
        te--;
    decode_text(xml + ts, te - ts, out, out_size);
    return true;
}

bool awsxml_root_is(const char *xml, size_t len, const char *name)
{
    size_t i = 0;

    while (i < len) {
        while (i < len && (xml[i] == ' ' || xml[i] == '\n' || xml[i] == '\r' || xml[i] == '\t'))
            i++;
        if (i >= len || xml[i] != '<')
            return false;
        if (i + 1 < len && (xml[i + 1] == '?' || xml[i + 1] == '!')) {
            const char *gt = memchr(xml + i, '>', len - i);
            if (!gt)
                return false;
            i = (size_t)(gt - xml) + 1;
            continue;
        }
        return tag_match(xml + i + 1, len - i - 1, name) != 0;
    }
    return false;
}
