/*
 * source/git/cgraph.h - read a repository's commit-graph file (objects/info/commit-graph).
 *
 * Why: a push walk (pushwalk.c) needs the date and parents of every commit the
 * repository's refs name (1,016 on git/git) to know where the push's new commits end;
 * git keeps exactly that, for every commit it has, in this file (written by `git gc`
 * and `git commit-graph write`; servers usually have one). Reading it costs a binary
 * search per commit instead of inflating the commit.
 * Format: git's Documentation/gitformat-commit-graph.txt (version 1, SHA-1, the chunks
 * OIDF, OIDL, CDAT and EDGE). Only a single file without base graphs is read; a split
 * chain (objects/info/commit-graphs/) is not: the walk then reads the commits.
 * The file comes from the repository: the header and chunk table are checked when it is
 * opened, every position and edge list when read; anything out of place makes a lookup
 * fail and the caller reads the commit itself. A fuzz target covers both.
 * What is trusted, as git trusts it: that an entry's date and parents are its commit's.
 */
#ifndef SESAME_SOURCE_GITCGRAPH_H
#define SESAME_SOURCE_GITCGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CGRAPH_OID_RAWSZ 20

struct cgraph;

/* Map the file at `path`: NULL if it is absent or not a well-formed single-file
 * version 1 SHA-1 commit-graph. */
struct cgraph *cgraph_open(const char *path);
/* The same over caller-owned memory that must outlive it (tests, fuzzing). */
struct cgraph *cgraph_open_mem(const void *data, size_t len);
void cgraph_close(struct cgraph *c);

uint32_t cgraph_count(const struct cgraph *c);
/* The position of commit `oid` (CGRAPH_OID_RAWSZ bytes), if the graph has it. */
bool cgraph_find(const struct cgraph *c, const unsigned char *oid, uint32_t *pos);
/* The id of the commit at `pos` (< cgraph_count). */
const unsigned char *cgraph_oid(const struct cgraph *c, uint32_t pos);
/* The commit at `pos`: its committer date (seconds) and its parents' positions, in
 * order, into parents[0, cap); *n is how many it has (more than cap: call again with
 * room). false if its entry is malformed (a position out of range, an edge list that
 * runs off its chunk). */
bool cgraph_commit(const struct cgraph *c, uint32_t pos, int64_t *time, uint32_t *parents,
                   size_t cap, size_t *n);

#endif
