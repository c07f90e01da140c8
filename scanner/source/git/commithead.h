/*
 * source/git/commithead.h - a commit object's header, in the one plain form that git
 * and libgit2's quick parse (GIT_COMMIT_PARSE_QUICK) read alike: "tree HEX\n", any
 * "parent HEX\n" lines, author lines, then "committer NAME <EMAIL> SECONDS +ZZZZ\n".
 * Anything else is refused, and the caller (pushwalk.c) lets libgit2 parse the commit.
 * Commits come with pushes and repositories: untrusted input (tests/fuzz/fuzz_commithead.c).
 */
#ifndef SESAME_SOURCE_GIT_COMMITHEAD_H
#define SESAME_SOURCE_GIT_COMMITHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMMIT_ID_RAWSZ 20

struct commit_head {
    unsigned char tree[COMMIT_ID_RAWSZ]; /* the commit's tree */
    int64_t time;                        /* the committer's time, seconds since 1970 */
    unsigned authors;                    /* author lines before the committer line */
    size_t n_parents;                    /* parent lines (each handed to the callback) */
};

/* Called for each parent, in order; false refuses the commit. */
typedef bool commit_parent_fn(void *arg, const unsigned char id[COMMIT_ID_RAWSZ]);

/* Parse d[0, len): true and *h filled when the header is in the plain form (bytes
 * after the committer line are not looked at). */
bool commit_head_parse(const char *d, size_t len, struct commit_head *h, commit_parent_fn *fn,
                       void *arg);

#endif
