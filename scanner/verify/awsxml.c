/*
 * verify/awsxml.c - check a small, untrusted XML body from end to end and read a few
 * elements at exact paths.
 *
 * One linear pass: UTF-8, then prolog, root element, content and epilog, with a stack
 * of the open elements' names (LIMIT_XML_DEPTH). Each field keeps how much of its path
 * the open elements match, so reading costs nothing more. The point is that nothing is
 * believed before the end: a field's text is taken when its end tag is seen, but the call
 * succeeds only if the whole document is well-formed and closed.
 */
#include "verify/awsxml.h"
#include "base/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/compiler.h"


struct xname {
    size_t q, ql; /* qualified name: xml[q, q + ql) */
    size_t l, ll; /* local part */
};

struct xfield {
    const char *comp[AWSXML_MAX_PATH];
    size_t comp_len[AWSXML_MAX_PATH];
    size_t n_comp;
    size_t matched; /* leading components matched by the open elements below the root */
    bool open;      /* inside the field's element */
    size_t text;    /* where its content starts */
    bool is_item;   /* the list's item element, not a field */
    bool in_list;   /* a field read inside each item */
};

struct xr {
    const char *s;
    size_t n, i;
    char *why;
    size_t why_size;
    struct xname stack[LIMIT_XML_DEPTH];
    size_t depth;
    struct awsxml_field *f[AWSXML_MAX_FIELDS + 1]; /* fields, then list fields */
    struct xfield fs[AWSXML_MAX_FIELDS + 1];       /* the same, then the list's item */
    size_t nf;
    size_t open_fields;
    struct awsxml_list *list;
    bool item_open;
};

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


static bool xr_fail(struct xr *x, const char *fmt, ...) FORMAT(2, 3);
static bool xr_fail(struct xr *x, const char *fmt, ...)
{
    va_list ap;

    if (x->why_size) {
        va_start(ap, fmt);
        vsnprintf(x->why, x->why_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* xml[off, off + len) for a message: at most 40 bytes, unusual bytes as '?'. */
static const char *xr_show(const struct xr *x, size_t off, size_t len, char out[48])
{
    size_t o = 0;

    for (size_t k = 0; k < len && k < 40; k++) {
        unsigned char c = (unsigned char)x->s[off + k];
        out[o++] = (c > 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    if (len > 40) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* Offset of the first byte of s[0, n) that is not valid UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF, not U+FFFE or U+FFFF), or n. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        unsigned long cp;
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i <= k)
            return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
            return i;
        i += k + 1;
    }
    return n;
}

static bool xr_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The text of [ts, te), trimmed, decoded into out. */
static void xr_trim_decode(const struct xr *x, size_t ts, size_t te, char *out, size_t out_size)
{
    while (ts < te && xr_space(x->s[ts]))
        ts++;
    while (te > ts && xr_space(x->s[te - 1]))
        te--;
    decode_text(x->s + ts, te - ts, out, out_size);
}

/* A character XML allows in text (the encoding was checked already). */
static bool xr_char_ok(unsigned char c)
{
    return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

static bool xr_at(const struct xr *x, const char *lit)
{
    size_t l = strlen(lit);
    return x->n - x->i >= l && memcmp(x->s + x->i, lit, l) == 0;
}

static void xr_skip_space(struct xr *x)
{
    while (x->i < x->n && xr_space(x->s[x->i]))
        x->i++;
}

static bool xr_name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static bool xr_name_char(unsigned char c)
{
    return xr_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A qualified name at x->i ("local" or "prefix:local"); advances past it. */
static bool xr_qname(struct xr *x, struct xname *nm)
{
    size_t a = x->i, colon = 0;

    if (a >= x->n || !xr_name_start((unsigned char)x->s[a]))
        return x->i >= x->n ? xr_fail(x, "tag cut at the end of the body (%zu bytes)", x->n)
                            : xr_fail(x, "bad name at byte %zu", a);
    while (x->i < x->n && (xr_name_char((unsigned char)x->s[x->i]) || x->s[x->i] == ':')) {
        if (x->s[x->i] == ':') {
            if (colon || x->i + 1 >= x->n || !xr_name_start((unsigned char)x->s[x->i + 1]))
                return xr_fail(x, "bad name at byte %zu", a);
            colon = x->i;
        }
        if (x->i - a >= LIMIT_XML_NAME_BYTES)
            return xr_fail(x, "name longer than %d bytes at byte %zu", LIMIT_XML_NAME_BYTES, a);
        x->i++;
    }
    nm->q = a;
    nm->ql = x->i - a;
    nm->l = colon ? colon + 1 : a;
    nm->ll = x->i - nm->l;
    return true;
}

/* At '&': a reference to one of the five predefined entities or to a character XML
 * allows, at most 12 bytes long ("&#x10FFFF;"); advances past it. */
static bool xr_ref(struct xr *x)
{
    static const char *const ents[] = { "amp", "lt", "gt", "quot", "apos" };
    size_t a = x->i, avail = x->n - a - 1;
    const char *semi = memchr(x->s + a + 1, ';', avail < 11 ? avail : 11);
    const char *b = x->s + a + 1;
    size_t bl;

    if (!semi)
        return xr_fail(x, "bad or cut reference at byte %zu", a);
    bl = (size_t)(semi - b);
    if (bl >= 2 && b[0] == '#') {
        bool hex = b[1] == 'x';
        unsigned long cp = 0;
        size_t k = hex ? 2 : 1;
        if (k >= bl)
            return xr_fail(x, "bad character reference at byte %zu", a);
        for (; k < bl; k++) {
            char c = b[k];
            int d = c >= '0' && c <= '9'               ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0)
                return xr_fail(x, "bad character reference at byte %zu", a);
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (!(cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
              (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)))
            return xr_fail(x, "reference to a character XML does not allow at byte %zu", a);
    } else {
        bool known = false;
        for (size_t k = 0; k < ARRAY_SIZE(ents); k++)
            known |= strlen(ents[k]) == bl && memcmp(b, ents[k], bl) == 0;
        if (!known)
            return xr_fail(x, "reference to an undeclared entity at byte %zu", a);
    }
    x->i = (size_t)(semi - x->s) + 1;
    return true;
}

/* Characters of a comment, PI or CDATA section [from, to): allowed ones only. */
static bool xr_chars(struct xr *x, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (!xr_char_ok((unsigned char)x->s[k]))
            return xr_fail(x, "control character 0x%02x at byte %zu", (unsigned char)x->s[k], k);
    return true;
}

/* Find `lit` from x->i; its offset or x->n. */
static size_t xr_find(const struct xr *x, size_t from, const char *lit)
{
    size_t l = strlen(lit);

    for (size_t k = from; k + l <= x->n; k++)
        if (x->s[k] == lit[0] && memcmp(x->s + k, lit, l) == 0)
            return k;
    return x->n;
}

/* At "<!--": the comment, with no "--" inside; advances past "-->". */
static bool xr_comment(struct xr *x)
{
    size_t a = x->i, d = xr_find(x, a + 4, "--");

    if (d >= x->n)
        return xr_fail(x, "comment not closed (it starts at byte %zu)", a);
    if (d + 2 >= x->n || x->s[d + 2] != '>')
        return xr_fail(x, "'--' inside a comment at byte %zu", d);
    if (!xr_chars(x, a + 4, d))
        return false;
    x->i = d + 3;
    return true;
}

/* At "<?": a processing instruction; an XML declaration only where `decl_ok`. */
static bool xr_pi(struct xr *x, bool decl_ok)
{
    size_t a = x->i, e;
    struct xname nm;

    x->i += 2;
    if (!xr_qname(x, &nm))
        return false;
    if (nm.ql == 3 && (x->s[nm.q] | 0x20) == 'x' && (x->s[nm.q + 1] | 0x20) == 'm' &&
        (x->s[nm.q + 2] | 0x20) == 'l' && !decl_ok)
        return xr_fail(x, "XML declaration not at the start, at byte %zu", a);
    e = xr_find(x, x->i, "?>");
    if (e >= x->n)
        return xr_fail(x, "processing instruction not closed (it starts at byte %zu)", a);
    if (e > x->i && !xr_space(x->s[x->i]))
        return xr_fail(x, "bad processing instruction at byte %zu", a);
    if (!xr_chars(x, x->i, e))
        return false;
    x->i = e + 2;
    return true;
}

/* At '<' of a start tag: its name, attributes (well-formed, quoted, references checked)
 * and whether it is empty ("/>"); advances past it. */
static bool xr_start_tag(struct xr *x, struct xname *nm, bool *empty)
{
    char shown[48];

    x->i++;
    if (!xr_qname(x, nm))
        return false;
    for (;;) {
        size_t before = x->i;
        struct xname an;
        char q;
        xr_skip_space(x);
        if (x->i >= x->n)
            return xr_fail(x, "<%s> tag cut at the end of the body (%zu bytes)",
                           xr_show(x, nm->q, nm->ql, shown), x->n);
        if (x->s[x->i] == '>' || x->s[x->i] == '/') {
            *empty = x->s[x->i] == '/';
            if (*empty && (x->i + 1 >= x->n || x->s[x->i + 1] != '>'))
                return xr_fail(x, "bad '/' in <%s> at byte %zu", xr_show(x, nm->q, nm->ql, shown),
                               x->i);
            x->i += *empty ? 2 : 1;
            return true;
        }
        if (x->i == before)
            return xr_fail(x, "bad character in <%s> at byte %zu",
                           xr_show(x, nm->q, nm->ql, shown), x->i);
        if (!xr_qname(x, &an))
            return false;
        xr_skip_space(x);
        if (x->i >= x->n || x->s[x->i] != '=')
            return xr_fail(x, "attribute without a value in <%s> at byte %zu",
                           xr_show(x, nm->q, nm->ql, shown), x->i);
        x->i++;
        xr_skip_space(x);
        if (x->i >= x->n || (x->s[x->i] != '"' && x->s[x->i] != '\''))
            return xr_fail(x, "attribute value not quoted in <%s> at byte %zu",
                           xr_show(x, nm->q, nm->ql, shown), x->i);
        q = x->s[x->i++];
        while (x->i < x->n && x->s[x->i] != q) {
            unsigned char c = (unsigned char)x->s[x->i];
            if (c == '<')
                return xr_fail(x, "'<' in an attribute value at byte %zu", x->i);
            if (c == '&') {
                if (!xr_ref(x))
                    return false;
                continue;
            }
            if (!xr_char_ok(c))
                return xr_fail(x, "control character 0x%02x at byte %zu", c, x->i);
            x->i++;
        }
        if (x->i >= x->n)
            return xr_fail(x, "<%s> tag cut at the end of the body (%zu bytes)",
                           xr_show(x, nm->q, nm->ql, shown), x->n);
        x->i++;
    }
}

/* An element opens (its start tag read; `empty` for "<name/>"). */
static bool xr_push(struct xr *x, const struct xname *nm, bool empty, size_t tag_at)
{
    size_t d = x->depth;
    char shown[48];

    if (d >= LIMIT_XML_DEPTH)
        return xr_fail(x, "elements nested deeper than %d at byte %zu", LIMIT_XML_DEPTH, tag_at);
    for (size_t k = 0; k < x->nf; k++)
        if (x->fs[k].open)
            return xr_fail(x, "<%s> holds an element at byte %zu",
                           x->f[k]->path, tag_at);
    x->stack[d] = *nm;
    x->depth++;
    for (size_t k = 0; d >= 1 && k < x->nf + (x->list ? 1 : 0); k++) {
        struct xfield *f = &x->fs[k];
        if (f->matched != d - 1 || d - 1 >= f->n_comp || f->comp_len[d - 1] != nm->ll ||
            memcmp(f->comp[d - 1], x->s + nm->l, nm->ll) != 0)
            continue;
        f->matched = d;
        if (d != f->n_comp)
            continue;
        if (f->is_item) {
            /* A new item: its fields start afresh. */
            x->list->count++;
            x->item_open = !empty;
            for (size_t j = 0; j < x->nf; j++)
                if (x->fs[j].in_list) {
                    x->f[j]->count = 0;
                    x->f[j]->out[0] = '\0';
                }
            if (empty && !x->list->item(x->list->payload, x->list->fields,
                                        x->list->n_fields, x->why, x->why_size))
                return false;
            continue;
        }
        if (++x->f[k]->count > 1)
            return xr_fail(x, "<%s> appears twice (%s), again at byte %zu",
                           xr_show(x, nm->q, nm->ql, shown), x->f[k]->path, tag_at);
        if (!empty) {
            f->open = true;
            f->text = x->i;
            x->open_fields++;
        }
    }
    return true;
}

/* The open element closes; its end tag starts at tag_at. False if the list's item
 * callback refuses the item that closes. */
static bool xr_pop(struct xr *x, size_t tag_at)
{
    size_t d = --x->depth;
    size_t n = x->nf + (x->list ? 1 : 0);
    bool item_closes = false;

    for (size_t k = 0; k < n; k++) {
        struct xfield *f = &x->fs[k];
        if (f->open && d == f->n_comp) {
            xr_trim_decode(x, f->text, tag_at, x->f[k]->out, x->f[k]->out_size);
            f->open = false;
            x->open_fields--;
        }
        if (f->is_item && x->item_open && d == f->n_comp && f->matched == d)
            item_closes = true;
        if (d >= 1 && f->matched == d)
            f->matched = d - 1;
    }
    if (item_closes) {
        x->item_open = false;
        return x->list->item(x->list->payload, x->list->fields, x->list->n_fields, x->why,
                             x->why_size);
    }
    return true;
}

/* At "</": the end tag of the open element; advances past it. */
static bool xr_end_tag(struct xr *x)
{
    size_t a = x->i;
    const struct xname *top = &x->stack[x->depth - 1];
    struct xname nm;
    char s1[48], s2[48];

    x->i += 2;
    if (!xr_qname(x, &nm))
        return false;
    xr_skip_space(x);
    if (x->i >= x->n)
        return xr_fail(x, "</%s> tag cut at the end of the body (%zu bytes)",
                       xr_show(x, nm.q, nm.ql, s1), x->n);
    if (x->s[x->i] != '>')
        return xr_fail(x, "bad character in </%s> at byte %zu", xr_show(x, nm.q, nm.ql, s1),
                       x->i);
    if (nm.ql != top->ql || memcmp(x->s + nm.q, x->s + top->q, nm.ql) != 0)
        return xr_fail(x, "</%s> closes <%s> at byte %zu", xr_show(x, nm.q, nm.ql, s1),
                       xr_show(x, top->q, top->ql, s2), a);
    x->i++;
    return xr_pop(x, a);
}

/* Prolog or epilog: white space, comments, processing instructions. Stops at anything
 * else (x->i < x->n) or at the end. */
static bool xr_misc(struct xr *x, size_t doc_start)
{
    for (;;) {
        xr_skip_space(x);
        if (x->i >= x->n || x->s[x->i] != '<')
            return true;
        if (xr_at(x, "<?")) {
            if (!xr_pi(x, x->i == doc_start))
                return false;
        } else if (xr_at(x, "<!--")) {
            if (!xr_comment(x))
                return false;
        } else {
            return true;
        }
    }
}

/* Append the components of path p to f's path. */
static bool xr_split(struct xr *x, struct xfield *f, const char *p)
{
    const char *whole = p;

    if (!p || !*p)
        return xr_fail(x, "bad field path");
    while (*p) {
        size_t l = strcspn(p, "/");
        if (l == 0 || f->n_comp == AWSXML_MAX_PATH)
            return xr_fail(x, "bad field path '%s'", whole);
        f->comp[f->n_comp] = p;
        f->comp_len[f->n_comp++] = l;
        p += l;
        if (*p == '/' && !*++p)
            return xr_fail(x, "bad field path '%s'", whole);
    }
    return true;
}

/* Split and check the fields' paths (list fields after the list's path). */
static bool xr_fields(struct xr *x, struct awsxml_field *fields, size_t n_fields,
                      struct awsxml_list *list)
{
    size_t n_list = list ? list->n_fields : 0;

    if (n_fields + n_list > AWSXML_MAX_FIELDS)
        return xr_fail(x, "more than %d fields asked for", AWSXML_MAX_FIELDS);
    if (list && (!list->item || (n_list && !list->fields)))
        return xr_fail(x, "bad list");
    for (size_t k = 0; k < n_fields + n_list; k++) {
        struct awsxml_field *fd = k < n_fields ? &fields[k] : &list->fields[k - n_fields];
        struct xfield *f = &x->fs[k];
        memset(f, 0, sizeof(*f));
        x->f[k] = fd;
        if (!fd->out || !fd->out_size)
            return xr_fail(x, "bad field %zu", k);
        fd->count = 0;
        fd->out[0] = '\0';
        f->in_list = k >= n_fields;
        if ((f->in_list && !xr_split(x, f, list->path)) || !xr_split(x, f, fd->path))
            return false;
    }
    x->nf = n_fields + n_list;
    if (list) {
        struct xfield *it = &x->fs[x->nf];
        memset(it, 0, sizeof(*it));
        it->is_item = true;
        if (!xr_split(x, it, list->path))
            return false;
        list->count = 0;
        x->list = list;
    }
    return true;
}

static bool xr_read(struct xr *x, const char *root);

bool awsxml_read(const char *xml, size_t len, const char *root, struct awsxml_field *fields,
                 size_t n_fields, char *why, size_t why_size)
{
    return awsxml_read_list(xml, len, root, fields, n_fields, NULL, why, why_size);
}

bool awsxml_read_list(const char *xml, size_t len, const char *root,
                      struct awsxml_field *fields, size_t n_fields, struct awsxml_list *list,
                      char *why, size_t why_size)
{
    struct xr x;
    bool ok;

    memset(&x, 0, sizeof(x));
    x.s = xml;
    x.n = xml ? len : 0;
    x.why = why;
    x.why_size = why_size;
    if (why_size)
        why[0] = '\0';
    ok = (!n_fields || fields) && xr_fields(&x, fields, n_fields, list) && xr_read(&x, root);
    /* Nothing is believed from a document that is not acceptable as a whole. */
    for (size_t k = 0; fields && k < n_fields && k < AWSXML_MAX_FIELDS; k++) {
        if (!ok)
            fields[k].count = 0;
        if (!ok && fields[k].out && fields[k].out_size)
            fields[k].out[0] = '\0';
    }
    if (!ok && why_size && !why[0])
        xr_fail(&x, "bad arguments");
    return ok;
}

/* The document from its first byte to its last; fields are filled on the way. */
static bool xr_read(struct xr *x, const char *root)
{
    const char *xml = x->s;
    struct xname nm;
    size_t bad, doc_start = 0;
    bool empty;
    char s1[48];

    if (!root)
        return xr_fail(x, "no root element name given");
    if (x->n == 0)
        return xr_fail(x, "empty body");
    if ((bad = utf8_bad((const unsigned char *)xml, x->n)) < x->n)
        return xr_fail(x, "not UTF-8 at byte %zu", bad);
    if (x->n >= 3 && memcmp(xml, "\xef\xbb\xbf", 3) == 0)
        x->i = doc_start = 3;
    if (!xr_misc(x, doc_start))
        return false;
    if (x->i >= x->n)
        return xr_fail(x, "no element in the body (%zu bytes)", x->n);
    if (xml[x->i] != '<')
        return xr_fail(x, "not XML: text before the first element, at byte %zu", x->i);
    if (xr_at(x, "<!"))
        return xr_fail(x, "not an AWS answer: a DOCTYPE or declaration at byte %zu", x->i);
    if (!xr_start_tag(x, &nm, &empty))
        return false;
    if (nm.ll != strlen(root) || memcmp(xml + nm.l, root, nm.ll) != 0)
        return xr_fail(x, "root element <%s>, not <%s>", xr_show(x, nm.q, nm.ql, s1), root);
    if (!xr_push(x, &nm, empty, 0))
        return false;
    if (empty && !xr_pop(x, x->i))
        return false;
    while (x->depth > 0) {
        size_t at = x->i;
        if (x->i >= x->n) {
            const struct xname *top = &x->stack[x->depth - 1];
            return xr_fail(x, "<%s> not closed: the body ends at byte %zu",
                           xr_show(x, top->q, top->ql, s1), x->n);
        }
        if (xml[x->i] == '<') {
            bool ok;
            if (xr_at(x, "</")) {
                ok = xr_end_tag(x);
            } else if (xr_at(x, "<!--") || xr_at(x, "<?")) {
                if (x->open_fields)
                    return xr_fail(x, "markup inside a field's element at byte %zu", at);
                ok = xml[x->i + 1] == '?' ? xr_pi(x, false) : xr_comment(x);
            } else if (xr_at(x, "<![CDATA[")) {
                size_t e = xr_find(x, x->i + 9, "]]>");
                if (e >= x->n)
                    return xr_fail(x, "CDATA section not closed (it starts at byte %zu)", at);
                ok = xr_chars(x, x->i + 9, e);
                x->i = e + 3;
            } else if (xr_at(x, "<!")) {
                return xr_fail(x, "declaration inside an element at byte %zu", at);
            } else {
                ok = xr_start_tag(x, &nm, &empty) && xr_push(x, &nm, empty, at);
                if (ok && empty)
                    ok = xr_pop(x, x->i);
            }
            if (!ok)
                return false;
        } else if (xml[x->i] == '&') {
            if (!xr_ref(x))
                return false;
        } else {
            unsigned char c = (unsigned char)xml[x->i];
            if (!xr_char_ok(c))
                return xr_fail(x, "control character 0x%02x at byte %zu", c, x->i);
            if (c == ']' && xr_at(x, "]]>"))
                return xr_fail(x, "']]>' in text at byte %zu", x->i);
            x->i++;
        }
    }
    if (!xr_misc(x, doc_start))
        return false;
    if (x->i < x->n)
        return xr_fail(x, "content after the root element, at byte %zu", x->i);
    return true;
}
