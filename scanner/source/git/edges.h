/*
 * source/git/edges.h - the edge lists of the tree graph (graph.c), kept small.
 *
 * Pass 1 of a whole-history scan keeps, for each distinct tree, its children (subtree
 * numbers and blob numbers, one uint32 each). On git/git that is 58.9 million entries,
 * 235 MB: the largest part of the scan's memory (issue 16). Yet a tree is mostly the
 * previous version of the same directory with an entry or two changed. So each list is
 * stored as the difference from the list of the tree visited last at the same path (its
 * "slot"): runs copied from it, entries skipped, new values. The records form one byte
 * stream in visit order, decoded in that same order (the decoder rebuilds each slot's
 * latest list as it goes); graph_mark() is the only reader, once or twice per scan.
 * The data is our own (not read from a repository), but decoding is bounds-checked all
 * the same and stops at anything inconsistent.
 */
#ifndef SESAME_SOURCE_GITEDGES_H
#define SESAME_SOURCE_GITEDGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The latest list of each slot. */
struct edge_slot {
    uint32_t *v;
    size_t n, cap;
};

struct edge_slots {
    struct edge_slot *s;
    size_t n, cap;
};

/* The records, in the order the trees were visited. */
struct edge_log {
    unsigned char *b;
    size_t n, cap;
    size_t records;
};

/* Append the record of tree `node` with children cur[0..n), visited at `slot` (slots are
 * numbered from 0 in the order of their first use: at most slots->n), encoded against that slot's previous list, which
 * then becomes cur. */
void edge_log_put(struct edge_log *log, struct edge_slots *slots, uint32_t node, uint32_t slot,
                  const uint32_t *cur, size_t n);
void edge_log_release(struct edge_log *log);
void edge_slots_release(struct edge_slots *slots);

/* Decoding, record by record in visit order. */
struct edge_iter {
    const struct edge_log *log;
    size_t at;
    struct edge_slots slots;
    uint32_t *scratch;
    size_t cap_scratch;
    bool bad; /* a record was inconsistent: iteration stopped */
};

void edge_iter_init(struct edge_iter *it, const struct edge_log *log);
/* The next record: its node and children (valid until the next call); false at the end
 * or on an inconsistent record (it->bad). */
bool edge_iter_next(struct edge_iter *it, uint32_t *node, const uint32_t **edges, size_t *n);
void edge_iter_release(struct edge_iter *it);

#endif
