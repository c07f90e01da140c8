/*
 * fuzz_commithead - bytes as a commit object (untrusted: commits come with pushes and
 * repositories) -> commit_head_parse (source/git/commithead.h), the parser the push and
 * history walks use before libgit2. When it accepts: the bytes begin with the tree line
 * and one line per parent it reported, in order, with the same ids; the committer's
 * time is not negative; the parse reads nothing past the committer line (the same
 * header followed by other bytes parses the same); and a parent refused by the callback
 * refuses the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "source/git/commithead.h"

#define MAX_SEEN 64u

struct seen {
    unsigned char ids[MAX_SEEN][COMMIT_ID_RAWSZ];
    size_t n;
    size_t refuse_at; /* refuse the parent of this index (SIZE_MAX: none) */
};

static bool on_parent(void *arg, const unsigned char id[COMMIT_ID_RAWSZ])
{
    struct seen *s = arg;

    if (s->n == s->refuse_at)
        return false;
    if (s->n < MAX_SEEN)
        memcpy(s->ids[s->n], id, COMMIT_ID_RAWSZ);
    s->n++;
    return true;
}

/* Whether p starts with "WORD HEX\n" for id (hex in either case). */
static bool line_is(const char *p, const char *word, const unsigned char id[COMMIT_ID_RAWSZ])
{
    char want[8 + 2 * COMMIT_ID_RAWSZ + 1];
    size_t k = (size_t)snprintf(want, sizeof(want), "%s ", word);

    for (int i = 0; i < COMMIT_ID_RAWSZ; i++)
        k += (size_t)snprintf(want + k, sizeof(want) - k, "%02x", id[i]);
    want[k++] = '\n';
    for (size_t i = 0; i < k; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (c != want[i])
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    struct seen s = { .n = 0, .refuse_at = SIZE_MAX };
    struct commit_head h;
    const char *p, *committer_end;

    if (!commit_head_parse(d, size, &h, on_parent, &s))
        return 0;
    FUZZ_CHECK(h.n_parents == s.n && h.time >= 0);
    FUZZ_CHECK(size >= 46 && line_is(d, "tree", h.tree));
    p = d + 46;
    for (size_t i = 0; i < h.n_parents; i++, p += 48) {
        FUZZ_CHECK((size_t)(d + size - p) >= 48);
        if (i < MAX_SEEN)
            FUZZ_CHECK(line_is(p, "parent", s.ids[i]));
    }
    /* the header ends at the first line that starts with "committer " after the parents */
    committer_end = NULL;
    for (const char *q = p; q < d + size;) {
        const char *eol = memchr(q, '\n', (size_t)(d + size - q));
        FUZZ_CHECK(eol != NULL);
        if ((size_t)(eol - q) > 10 && memcmp(q, "committer ", 10) == 0) {
            committer_end = eol + 1;
            break;
        }
        q = eol + 1;
    }
    FUZZ_CHECK(committer_end != NULL);
    {
        /* the header alone, and the header followed by other bytes, parse the same */
        size_t hl = (size_t)(committer_end - d);
        char *copy = malloc(hl + 3);
        struct seen s2 = { .n = 0, .refuse_at = SIZE_MAX };
        struct commit_head h2;
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, d, hl);
        memcpy(copy + hl, "\xff\n", 3);
        FUZZ_CHECK(commit_head_parse(copy, hl, &h2, on_parent, &s2));
        FUZZ_CHECK(memcmp(&h, &h2, sizeof(h)) == 0 && s2.n == s.n);
        s2.n = 0;
        FUZZ_CHECK(commit_head_parse(copy, hl + 2, &h2, on_parent, &s2));
        FUZZ_CHECK(memcmp(&h, &h2, sizeof(h)) == 0);
        free(copy);
    }
    if (h.n_parents > 0) {
        struct seen s3 = { .n = 0, .refuse_at = h.n_parents - 1 };
        FUZZ_CHECK(!commit_head_parse(d, size, &h, on_parent, &s3));
    }
    return 0;
}
