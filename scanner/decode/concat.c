/*
 * decode/concat.c - string literals joined by the program, reassembled.
 *
 * A key written as fragments ("AKIA..." + "...", Python's implicit concatenation across
 * lines, ''.join([...]), [...].join(''), C adjacent literals, shell 'AKIA''...') is
 * invisible to a matcher reading bytes. This rewrites each chain of literal-only
 * fragments of one statement into one literal, in a copy of the buffer, so that the
 * keyword before it, the key ID next to it and pairing work as on plain text. No code
 * is evaluated: only quoted literals separated by blanks, line continuations and at
 * most one operator each ('+', '.', or ',' inside a join call) are joined; a variable,
 * a call or anything else ends the chain. Bounded: LIMIT_CONCAT_FRAGMENTS fragments of
 * one line each, LIMIT_CONCAT_BYTES of joined text.
 *
 * The view is the whole buffer with each chain's separators (and the join call around
 * a list) removed; the joined literal's bytes map to their own source bytes, so a value
 * is reported where its first fragment is.
 */
#include "decode/decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"

/* One fragment: p[open] is its quote, its text is [open + 1, close), p[close] the quote. */
struct frag {
    size_t open, close;
};

struct chain {
    struct frag f[LIMIT_CONCAT_FRAGMENTS];
    size_t n;
    size_t start, end; /* the bytes the rewritten literal replaces: [start, end) */
};

static bool is_quote(unsigned char c)
{
    return c == '"' || c == '\'' || c == '`';
}

static bool key_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

static bool blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Forward: the fragment opening at p[o], or false (no closing quote on its line, too
 * long, a template substitution). */
static bool frag_forward(const unsigned char *p, size_t n, size_t o, struct frag *f)
{
    unsigned char q = p[o];

    for (size_t i = o + 1; i < n && i - o <= LIMIT_CONCAT_FRAGMENT_BYTES; i++) {
        if (p[i] == '\n' || (q == '`' && p[i] == '$'))
            return false;
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if (p[i] == q) {
            f->open = o;
            f->close = i;
            return true;
        }
    }
    return false;
}

/* Backward: the fragment whose closing quote is p[c]. */
static bool frag_backward(const unsigned char *p, size_t c, struct frag *f)
{
    unsigned char q = p[c];

    for (size_t i = c; i > 0 && c - i < LIMIT_CONCAT_FRAGMENT_BYTES;) {
        i--;
        if (p[i] == '\n' || (q == '`' && p[i] == '$'))
            return false;
        if (p[i] == q && !(i > 0 && p[i - 1] == '\\')) {
            f->open = i;
            f->close = c;
            return true;
        }
    }
    return false;
}

/* Separator forward from p[i]: blanks, line continuations, at most one operator (',' only
 * when `commas`). Returns the index of the next fragment's quote, or SIZE_MAX. */
static size_t sep_forward(const unsigned char *p, size_t n, size_t i, bool commas)
{
    bool op = false;
    size_t from = i;

    while (i < n && i - from <= LIMIT_CONCAT_GAP) {
        if (blank(p[i]) || (p[i] == '\\' && i + 1 < n && (p[i + 1] == '\n' || p[i + 1] == '\r')))
            i++;
        else if (!op && (p[i] == '+' || p[i] == '.' || (commas && p[i] == ',')))
            op = true, i++;
        else
            return is_quote(p[i]) ? i : SIZE_MAX;
    }
    return SIZE_MAX;
}

/* Separator backward from p[i - 1]: the index of the previous fragment's closing quote. */
static size_t sep_backward(const unsigned char *p, size_t i, bool commas)
{
    bool op = false;
    size_t from = i;

    while (i > 0 && from - i <= LIMIT_CONCAT_GAP) {
        unsigned char c = p[i - 1];
        if (blank(c) || (c == '\\' && i < from && (p[i] == '\n' || p[i] == '\r')))
            i--;
        else if (!op && (c == '+' || c == '.' || (commas && c == ',')))
            op = true, i--;
        else
            return is_quote(c) ? i - 1 : SIZE_MAX;
    }
    return SIZE_MAX;
}

static bool ends_with(const unsigned char *p, size_t end, const char *s)
{
    size_t m = strlen(s);
    return end >= m && memcmp(p + end - m, s, m) == 0;
}

static bool starts_with(const unsigned char *p, size_t n, size_t at, const char *s)
{
    size_t m = strlen(s);
    return at <= n && n - at >= m && memcmp(p + at, s, m) == 0;
}

static size_t skip_blanks_back(const unsigned char *p, size_t i)
{
    for (size_t k = 0; i > 0 && blank(p[i - 1]) && k < LIMIT_CONCAT_GAP; k++)
        i--;
    return i;
}

static size_t skip_blanks(const unsigned char *p, size_t n, size_t i)
{
    for (size_t k = 0; i < n && blank(p[i]) && k < LIMIT_CONCAT_GAP; k++)
        i++;
    return i;
}

/* Before the first fragment: '(' or '[' openers, and ''.join( / "".join( before them.
 * Returns where the rewrite starts; *join tells whether a join call was found. */
static size_t head(const unsigned char *p, size_t open, bool *join)
{
    size_t i = skip_blanks_back(p, open), opened = 0;

    *join = false;
    while (i > 0 && (p[i - 1] == '(' || p[i - 1] == '[') && opened < 2) {
        i = skip_blanks_back(p, i - 1);
        opened++;
    }
    if (opened && (ends_with(p, i, "''.join") || ends_with(p, i, "\"\".join"))) {
        *join = true;
        return i - 7;
    }
    return opened ? i : open;
}

/* After the last fragment: ')' / ']' closers and ].join('') / ].join(""). */
static size_t tail(const unsigned char *p, size_t n, size_t close, bool *join)
{
    size_t i = skip_blanks(p, n, close + 1), closed = 0, end = close + 1;

    *join = false;
    while (i < n && (p[i] == ')' || p[i] == ']') && closed < 3) {
        if (p[i] == ']' && (starts_with(p, n, i + 1, ".join('')") ||
                            starts_with(p, n, i + 1, ".join(\"\")"))) {
            *join = true;
            return i + 10;
        }
        end = i + 1;
        i = skip_blanks(p, n, i + 1);
        closed++;
    }
    return end;
}

/* The chain through the fragment opening at p[o], fragments separated per `commas`. */
static void chain_through(const unsigned char *p, size_t n, size_t o, bool commas,
                          struct chain *c)
{
    struct frag back[LIMIT_CONCAT_FRAGMENTS], f;
    size_t nb = 0, q = o;

    c->n = 0;
    /* Backward from o: fragments before it, nearest first. */
    while (nb < LIMIT_CONCAT_FRAGMENTS - 1) {
        size_t cq = sep_backward(p, q, commas);
        if (cq == SIZE_MAX || p[cq] != p[q] || !frag_backward(p, cq, &f))
            break;
        back[nb++] = f;
        q = f.open;
    }
    while (nb > 0)
        c->f[c->n++] = back[--nb];
    for (q = o; c->n < LIMIT_CONCAT_FRAGMENTS && frag_forward(p, n, q, &f);) {
        size_t nq;
        c->f[c->n++] = f;
        nq = sep_forward(p, n, f.close + 1, commas);
        if (nq == SIZE_MAX || p[nq] != p[o])
            break;
        q = nq;
    }
}

/* A chain worth rewriting: two fragments or more, a join between two key characters
 * inside a run of LIMIT_CONCAT_MIN_RUN key characters, within the byte cap. */
static bool chain_ok(const unsigned char *p, const struct chain *c)
{
    size_t total = 0, run = 0;
    bool split = false;

    if (c->n < 2)
        return false;
    for (size_t k = 0; k < c->n; k++) {
        const struct frag *f = &c->f[k];
        total += f->close - f->open - 1;
        if (k > 0 && f->close > f->open + 1 && c->f[k - 1].close > c->f[k - 1].open + 1 &&
            key_char(p[f->open + 1]) && key_char(p[c->f[k - 1].close - 1]))
            split = true;
        for (size_t i = f->open + 1; i < f->close; i++) {
            run = key_char(p[i]) ? run + 1 : 0;
            if (run >= LIMIT_CONCAT_MIN_RUN && split)
                return total <= LIMIT_CONCAT_BYTES;
        }
    }
    return false;
}

/* The chain through the fragment at p[o]: a join list when a join call surrounds it,
 * else a chain of '+', '.' and blanks. */
static bool find_chain(const unsigned char *p, size_t n, size_t o, struct chain *c)
{
    bool jh, jt;

    chain_through(p, n, o, true, c);
    if (c->n >= 2) {
        size_t s = head(p, c->f[0].open, &jh), e = tail(p, n, c->f[c->n - 1].close, &jt);
        if (jh || jt) {
            c->start = s;
            c->end = e;
            return chain_ok(p, c);
        }
    }
    chain_through(p, n, o, false, c);
    if (c->n < 2)
        return false;
    c->start = head(p, c->f[0].open, &jh);
    c->end = tail(p, n, c->f[c->n - 1].close, &jt);
    return chain_ok(p, c);
}

static enum status emit_chain(const unsigned char *p, const struct chain *c, size_t max_bytes,
                              struct decoded *out)
{
    enum status st;
    const struct frag *last = &c->f[c->n - 1];

    st = decoded_append(out, max_bytes, p + c->f[0].open, 1, c->f[0].open, SEG_COPY);
    for (size_t k = 0; k < c->n && st == STATUS_OK; k++)
        st = decoded_append(out, max_bytes, p + c->f[k].open + 1,
                            c->f[k].close - c->f[k].open - 1, c->f[k].open + 1, SEG_COPY);
    if (st == STATUS_OK)
        st = decoded_append(out, max_bytes, p + c->f[0].open, 1, last->close, SEG_COPY);
    return st;
}

/* A position at the ']' of an array joined by .join(''): the opening quote of its last
 * literal, or SIZE_MAX. */
static size_t array_last(const unsigned char *p, size_t o)
{
    size_t q = skip_blanks_back(p, o);
    struct frag f;

    if (q == 0 || !is_quote(p[q - 1]) || !frag_backward(p, q - 1, &f))
        return SIZE_MAX;
    return f.open;
}

/* The first quote in p[o, o + LIMIT_CONCAT_GAP + 32) that opens a literal (a keyword's
 * value: `secret_key = (\n    "...`), or SIZE_MAX. Stops at a second line break. */
static size_t quote_after(const unsigned char *p, size_t n, size_t o)
{
    unsigned lines = 0;

    for (size_t i = o; i < n && i - o < LIMIT_CONCAT_GAP + 32; i++) {
        if (p[i] == '\n' && ++lines > 1)
            return SIZE_MAX;
        if (is_quote(p[i]) && i + 1 < n && (key_char(p[i + 1]) || p[i + 1] == '-'))
            return i;
    }
    return SIZE_MAX;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

enum status decode_concat(const unsigned char *p, size_t n, const size_t *at_in, size_t n_at,
                          size_t max_bytes, struct decoded *out)
{
    enum status st = STATUS_OK;
    size_t copied = 0; /* p[0, copied) is in the view or replaced */
    bool any = false;
    struct chain c;
    size_t *at = n_at ? xmalloc(n_at * sizeof(*at)) : NULL;

    *out = (struct decoded)DECODED_INIT;
    out->encoding = "concat";
    /* Quotes in source order (a ']' of a joined array stands for its last literal). */
    for (size_t k = 0; k < n_at; k++)
        at[k] = at_in[k] < n && p[at_in[k]] == ']' ? array_last(p, at_in[k]) : at_in[k];
    if (!decode_is_sorted(at, n_at))
        qsort(at, n_at, sizeof(*at), cmp_size);
    for (size_t k = 0; k < n_at && st == STATUS_OK; k++) {
        size_t o = at[k];
        struct frag f;
        bool found;
        if (o >= n || o < copied)
            continue;
        if (!is_quote(p[o]) && o > 0 && is_quote(p[o - 1]))
            o--; /* the first character of a literal: its opening quote */
        else if (!is_quote(p[o]))
            o = quote_after(p, n, o); /* after a keyword: the value's first quote */
        if (o >= n || !is_quote(p[o]) || o < copied)
            continue;
        /* an opening quote, else the closing quote of a fragment */
        found = find_chain(p, n, o, &c) ||
                (frag_backward(p, o, &f) && f.open >= copied && find_chain(p, n, f.open, &c));
        if (!found)
            continue;
        if (c.start < copied)
            continue; /* overlaps a chain already rewritten (positions out of order) */
        st = decoded_append(out, max_bytes, p + copied, c.start - copied, copied, SEG_COPY);
        if (st == STATUS_OK)
            st = emit_chain(p, &c, max_bytes, out);
        copied = c.end;
        any = true;
    }
    if (st == STATUS_OK && any)
        st = decoded_append(out, max_bytes, p + copied, n - copied, copied, SEG_COPY);
    free(at);
    if (st != STATUS_OK || !any)
        decoded_release(out);
    if (!any && st == STATUS_OK)
        out->encoding = "concat";
    return st;
}
