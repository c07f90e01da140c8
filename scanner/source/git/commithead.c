/*
 * source/git/commithead.c - a commit's header in its plain form (commithead.h), as
 * libgit2 1.5's quick commit parse reads it: the tree line, the parents, any author
 * lines, the committer's time. A line in any other form (no time, a sign, spaces, more
 * than 18 digits, an unknown header before the committer) refuses the commit; the
 * caller then walks with libgit2, so a refusal never changes a result.
 */
#include "source/git/commithead.h"

#include <string.h>

#include "base/hex.h"

#define HEX_LEN (2 * COMMIT_ID_RAWSZ)

/* 40 hex digits at s -> id; false if any is not one. */
static bool hex_id(const char *s, unsigned char id[COMMIT_ID_RAWSZ])
{
    for (int i = 0; i < COMMIT_ID_RAWSZ; i++) {
        int hi = hex_digit((unsigned char)s[2 * i]), lo = hex_digit((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        id[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* One signature line "<header>NAME <EMAIL> SECONDS +ZZZZ" (without its newline), in the
 * plain form only: libgit2 reads the time after the last '>' (and one more byte). */
static bool parse_signature(const char *s, const char *end, int64_t *time)
{
    const char *lt = NULL, *gt = NULL;
    int64_t v = 0;
    int digits = 0;

    for (const char *p = s; p < end; p++) {
        if (*p == '<')
            lt = p;
        else if (*p == '>')
            gt = p;
    }
    if (!lt || !gt || gt <= lt || gt + 2 >= end || gt[1] != ' ')
        return false;
    for (const char *p = gt + 2; p < end && *p != ' '; p++) {
        if (*p < '0' || *p > '9' || ++digits > 18)
            return false;
        v = v * 10 + (*p - '0');
    }
    if (!digits)
        return false;
    *time = v;
    return true;
}

bool commit_head_parse(const char *d, size_t len, struct commit_head *h, commit_parent_fn *fn,
                       void *arg)
{
    const char *end = d + len, *p = d;

    memset(h, 0, sizeof(*h));
    if (len < 6 + HEX_LEN || memcmp(p, "tree ", 5) != 0 || !hex_id(p + 5, h->tree) ||
        p[5 + HEX_LEN] != '\n')
        return false;
    p += 6 + HEX_LEN;
    while ((size_t)(end - p) >= 8 + HEX_LEN && memcmp(p, "parent ", 7) == 0) {
        unsigned char id[COMMIT_ID_RAWSZ];
        if (!hex_id(p + 7, id) || p[7 + HEX_LEN] != '\n' || !fn(arg, id))
            return false;
        h->n_parents++;
        p += 8 + HEX_LEN;
    }
    for (bool committer = false; !committer;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t hl;
        if (!eol)
            return false;
        if ((size_t)(eol - p) > 7 && memcmp(p, "author ", 7) == 0)
            hl = 7, h->authors++;
        else if ((size_t)(eol - p) > 10 && memcmp(p, "committer ", 10) == 0)
            hl = 10, committer = true;
        else
            return false;
        if (!parse_signature(p + hl, eol, &h->time))
            return false;
        p = eol + 1;
    }
    return true;
}
