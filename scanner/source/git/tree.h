/*
 * source/git/tree.h - git tree objects read from their raw bytes.
 *
 * A tree is a sequence of "<octal mode> <name>\0<20-byte id>" entries, sorted by name
 * (a subtree sorting as if its name ended in '/'). libgit2's git_tree objects allocate
 * and index every entry; walking raw bytes instead is what makes visiting every tree of
 * a history cheap (see benches/RESULTS.md). The bytes come from the object database of
 * an untrusted repository: every read is bounds-checked and a malformed tree stops the
 * iteration with `bad` set (a fuzz target covers this parser).
 */
#ifndef SESAME_SOURCE_GITTREE_H
#define SESAME_SOURCE_GITTREE_H

#include <stdbool.h>
#include <stddef.h>

#define GT_OID_RAWSZ 20

enum gt_kind {
    GT_BLOB,      /* 100644, 100755, 100664, 120000 (symlink: its target is a blob) */
    GT_TREE,      /* 040000 */
    GT_GITLINK,   /* 160000: a submodule's commit, not an object of this repository */
    GT_OTHER
};

struct gt_entry {
    enum gt_kind kind;
    unsigned mode;
    const char *name;           /* not NUL-terminated inside the tree... */
    size_t name_len;            /* ...but name[name_len] is the NUL that ends it */
    const unsigned char *oid;   /* GT_OID_RAWSZ bytes */
};

struct gt_iter {
    const unsigned char *p, *end;
    bool bad;                   /* set when an entry is malformed; iteration stops */
};

void gt_init(struct gt_iter *it, const void *data, size_t len);
/* The next entry, or false at the end (check it->bad). */
bool gt_next(struct gt_iter *it, struct gt_entry *e);

/* git's tree order: names compared bytewise, a tree's name followed by '/'. */
int gt_cmp(const struct gt_entry *a, const struct gt_entry *b);

/* The entry called `name` (any kind), by a scan of the tree. */
bool gt_find(const void *data, size_t len, const char *name, size_t name_len,
             struct gt_entry *out);

#endif
