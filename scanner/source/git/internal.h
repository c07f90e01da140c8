/*
 * source/git/internal.h - what the files of the git source share (private: included by
 * the files of scanner/source/git/ only; the public face is source/src_git.h).
 *
 * The git source is one object, struct src_git, built in stages by several files:
 *   open.c      open and free; libgit2 hazards checked at open (broken loose objects,
 *               packed objects whose delta chain never ends, grafts, shallow files)
 *   records.c   the plan's records: interned paths, commits, blobs, messages
 *   plan.c      refs, walks and the planners (whole history, range or push, staged)
 *   diff.c      what each commit introduced (tree diffs, over threads)
 *   graph.c     raw trees and the tree graph of a whole-history scan (pass 1)
 *   worktree.c  uncommitted, untracked and ignored files of the work tree
 *   read.c      read order and the readers (pack reader or libgit2)
 *   stream.c    objects too big to hold, streamed through a `git cat-file` child
 *   attribute.c where the blobs with findings were introduced: the provenance table
 *   exposure.c  at HEAD, at which branch tips, removed by which commit
 *   prescan.c   a whole history's packed blobs, read and scanned while the walk runs
 *   pushwalk.c  the commit walks of a push and of a whole history, without libgit2's revwalk
 *   pushnew.c   a pre-receive push's new commits on top of the refs', without a walk
 *   lazy.c      libgit2 itself, loaded on first use (lazy.h: every call goes through it)
 *   pack.c      the pack reader (pack_delta.c its deltas); tree.c the raw tree parser;
 *               commithead.c a commit's header (headers of their own, without <git2.h>,
 *               for their unit tests and fuzz targets)
 * Hash tables are base/hashmap.h: an index over arrays kept here (blobs, messages, tree
 * nodes, paths), or struct oidmap below where the ids are kept nowhere else.
 */
#ifndef SESAME_SOURCE_GIT_INTERNAL_H
#define SESAME_SOURCE_GIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/hashmap.h"
#include "base/xalloc.h"
#include "model/provenance.h"
#include "source/git/edges.h"
#include "source/git/lazy.h" /* <git2.h>; its functions are loaded on first use */
#include "source/git/pack.h"
#include "source/git/tree.h"
#include "source/src_fs.h"
#include "source/src_git.h"

/* ---- object ids --------------------------------------------------------------------- */

/* Inline: these run for every tree entry of a history (libgit2's are calls). Raw ids
 * (GIT_OID_RAWSZ bytes) compared as three words, not a call to memcmp. */
static inline bool raw_oid_eq(const unsigned char *a, const unsigned char *b)
{
    uint64_t a0, a1, b0, b1;
    uint32_t a2, b2;

    memcpy(&a0, a, 8), memcpy(&a1, a + 8, 8), memcpy(&a2, a + 16, 4);
    memcpy(&b0, b, 8), memcpy(&b1, b + 8, 8), memcpy(&b2, b + 16, 4);
    return ((a0 ^ b0) | (a1 ^ b1) | (uint64_t)(a2 ^ b2)) == 0;
}

static inline bool oid_eq(const git_oid *x, const git_oid *y)
{
    return raw_oid_eq(x->id, y->id);
}

/* Object ids are uniform already: their first 8 bytes are the hash. */
static inline uint64_t raw_oid_hash(const unsigned char *id)
{
    uint64_t h;
    memcpy(&h, id, sizeof(h));
    return h;
}

static inline uint64_t oid_hash(const git_oid *o)
{
    return raw_oid_hash(o->id);
}

/* A set of object ids, or a map from ids to numbers: item k (in the order added) is
 * ids[k] with value vals[k]. */
struct oidmap {
    struct hashmap index;
    git_oid *ids;
    size_t *vals;
    size_t n, cap;
};

#define OIDMAP_INIT { HASHMAP_INIT, NULL, NULL, 0, 0 }

static inline bool oidmap_eq(const void *ctx, uint32_t item, const void *key)
{
    return oid_eq(&((const struct oidmap *)ctx)->ids[item], key);
}

/* The item number of `id`, or HASHMAP_NONE. */
static inline uint32_t oidmap_find(const struct oidmap *m, const git_oid *id)
{
    return hashmap_find(&m->index, oid_hash(id), oidmap_eq, m, id);
}

static inline bool oidmap_has(const struct oidmap *m, const git_oid *id)
{
    return oidmap_find(m, id) != HASHMAP_NONE;
}

/* The value of `id`, or NULL if the map does not have it. */
static inline size_t *oidmap_get(const struct oidmap *m, const git_oid *id)
{
    uint32_t k = oidmap_find(m, id);
    return k == HASHMAP_NONE ? NULL : &m->vals[k];
}

/* The value of `id`; added (item m->n - 1, value 0) if new, and *added (if not NULL)
 * says so. */
size_t *oidmap_add(struct oidmap *m, const git_oid *id, bool *added);
void oidmap_release(struct oidmap *m);

struct oidvec {
    git_oid *v;
    size_t n, cap;
};

static inline void oidvec_push(struct oidvec *v, const git_oid *id)
{
    XGROW(v->v, v->cap, v->n + 1);
    git_oid_cpy(&v->v[v->n++], id);
}

/* ---- the plan ------------------------------------------------------------------- */

struct prov_entry {
    const char *path;    /* interned */
    size_t commit;       /* index into commits, or one of the PROV_ values below */
};

/* Where a blob seen outside any commit was seen: no ref reaches it (--all-objects), a ref
 * names it or a tree holding it (a tag on a blob, a pushed tree), or the index has it
 * (staged, not committed). Exposure tells them apart (issue 11). */
#define PROV_UNREACHABLE SIZE_MAX
#define PROV_REF (SIZE_MAX - 1)
#define PROV_STAGED (SIZE_MAX - 2)
#define PROV_IS_COMMIT(c) ((c) < PROV_STAGED)

struct gblob {
    git_oid oid;
    char hex[GIT_OID_HEXSZ + 1];
    uint64_t order;      /* pack number << 40 | delta-family position; unpacked last */
    uint64_t off;        /* offset in g->packs[pack] */
    uint32_t pack;       /* NO_PACK: read through libgit2 */
    uint32_t seq;        /* creation number (stable across order_blobs) */
    const char *display; /* interned: the first path it was seen at */
    size_t *prov;        /* indices into g->prov */
    size_t n_prov, cap_prov;
};

#define NO_PACK UINT32_MAX

/* A commit or an annotated tag whose raw object (headers, signature, message) is
 * scanned: messages carry user text as blobs do (issue 11). */
enum gmsg_kind { MSG_COMMIT, MSG_TAG };

struct gmsg {
    git_oid oid;
    char hex[GIT_OID_HEXSZ + 1];
    enum gmsg_kind kind;
    bool unreachable;    /* no ref reaches it (--all-objects) */
    const char *display; /* interned: "(commit <id>)", "(tag <name>)" */
    uint64_t off;        /* offset in g->packs[pack] */
    uint32_t pack;       /* NO_PACK: read through libgit2 */
};

struct branch_set {
    char *name;
    struct oidmap blobs;
};

struct tnode {
    git_oid key;           /* tree_key() of the tree */
};

/* The children of the tree visited last at a path (a slot), with their ids: most
 * entries of the next version are the same objects, whose edges need no lookup. */
struct tprev {
    uint32_t *vals;
    unsigned char *oids;
    size_t n, cap_vals, cap_oids;
};

struct tgraph {
    struct hashmap index;  /* tree key -> tree number (nodes[]) */
    struct tnode *nodes;
    size_t n_nodes, cap_nodes;
    /* each visited tree's children (child tree number << 1 | 1, or blob seq << 1), as
     * differences from the tree visited before at the same path (edges.h) */
    struct edge_log log;
    struct edge_slots slots;   /* the encoder's latest list per path */
    struct hashmap slot_index; /* path -> slot (slot_names[]) */
    char **slot_names;
    size_t n_slots, cap_slots;
    uint32_t *cur;             /* the children of the tree being visited... */
    unsigned char *cur_oids;   /* ...and their ids (GIT_OID_RAWSZ bytes each) */
    size_t n_cur, cap_cur, cap_cur_oids;
    struct tprev *prev;        /* by slot: the children of the tree visited last there */
    size_t cap_prev;
    size_t n_edges;            /* children of all visited trees */
    unsigned char *hot;    /* by tree number: leads to a target blob */
    unsigned char *target; /* by blob seq: a blob with findings */
};

struct rnode;

struct src_git {
    char *path;          /* as given */
    char *gitdir;        /* the repository's .git (or bare) directory */
    char *workdir;       /* NULL when bare */
    git_repository *repo;
    git_odb *odb;        /* repo's object database */
    bool partial_clone;  /* extensions.partialClone: missing blobs were never fetched */
    struct src_git_opts opts;
    /* Full-history scans defer provenance: blobs are found by visiting each distinct
     * tree once (pass 1), and which commits introduced them at which paths is worked
     * out after the scan for the blobs with findings (src_git_attribute). */
    bool deferred, attributed;
    struct tgraph tg;
    struct oidvec walked;      /* the commits pass 1 visited, in walk order... */
    struct oidvec walked_roots; /* ...and their root trees */
    /* during attribution: a walked commit's position in `walked` (a parent's tree is
     * then walked_roots' entry, not a libgit2 lookup of the parent) */
    struct oidmap walked_at;
    /* src_git_attribute's answer: the table and what it points into */
    struct prov_table ptab;
    struct prov_blob *ptab_blobs;
    struct provenance *ptab_places;
    struct src_git_counts counts;
    struct commit_info **commits;
    size_t n_commits, cap_commits;
    struct oidmap commit_index; /* item k is commits[k] */
    struct oidmap unreachable_commits; /* --all-objects: commits no ref reaches */
    struct oidmap bad_loose;   /* objects libgit2 must not read: loose ones whose zlib stream
                                * is broken, packed ones whose delta chain never ends */
    bool *commit_unreachable;          /* by commit index */
    char **paths;              /* interned paths */
    size_t n_paths, cap_paths;
    struct hashmap path_index;
    struct prov_entry *prov;
    size_t n_prov, cap_prov;
    struct gblob *blobs;
    size_t n_blobs, cap_blobs;
    struct cgraph *graph;      /* its commit-graph file for a push (commit_graph()) */
    bool graph_tried;
    struct gitpack **packs;    /* this repository's packs, read by pack.c */
    size_t n_packs;
    struct gitpack_reader *tree_reader; /* pass 1 and exposure (one thread) */
    struct prescan *pre;       /* blobs read while pass 1 runs (prescan.c), or NULL */
    size_t tree_pack;          /* the pack that held the last tree read */
    struct hashmap blob_index; /* blob id -> blobs[] */
    struct gmsg *msgs;         /* read after the blobs: item n_blobs + k is msgs[k] */
    size_t n_msgs, cap_msgs;
    struct hashmap msg_index;  /* object id -> msgs[] */
    char **worktree;
    size_t n_worktree, cap_worktree;
    char **tip_names, **tip_ids; /* the refs planned from (src_git_ref_tips) */
    size_t n_tips;
    /* exposure, computed lazily */
    bool exposure_ready;
    struct oidmap head_blobs;
    struct branch_set *branches;
    size_t n_branches;
    git_oid *chain;      /* HEAD's first-parent line, oldest first */
    size_t n_chain;
    struct oidmap exp_blobs;     /* blobs exposure is asked about */
    struct oidmap exp_msgs;      /* commit messages exposure is asked about (item k...) */
    uint64_t *msg_bits;          /* ...has words_per_msg words of tip bits at k */
    size_t words_per_msg;        /* bit 0: HEAD, bit 1 + b: g->branches[b] */
    struct rnode *rroot;         /* the paths it is asked about, as a tree */
    char **branch_scratch;
};

struct src_git_reader {
    struct src_git *g;
    git_repository *repo;
    git_odb *odb;
    struct gitpack_reader *pack; /* for g->packs, made on first use */
    struct provenance *prov;
    size_t cap_prov;
};




/* ---- open.c: libgit2 and its hazards --------------------------------------------- */

/* libgit2's last error message (never NULL). */
const char *libgit2_message(void);

/* Objects libgit2 must not be handed (it would hang or loop on them): see bad_loose. */
static inline bool bad_object(const struct src_git *g, const git_oid *id)
{
    return g->bad_loose.n && oidmap_has(&g->bad_loose, id);
}

/* Another handle on g's repository (for a thread), or NULL. */
git_repository *open_like(const struct src_git *g);

/* Commit ids of a shallow repository's boundary ($GIT_DIR/shallow) into `out`. */
void read_shallow(const struct src_git *g, struct oidmap *out);
/* Whether the repository is shallow (it has $GIT_DIR/shallow): sesame's own walks
 * stop at missing parents no better than libgit2's; the tolerant walk handles it. */
bool is_shallow(const struct src_git *g);

/* ---- records.c: the plan's records --------------------------------------------------- */

const char *intern_path(struct src_git *g, const char *p);
void paths_release(struct src_git *g);

/* A commit's provenance record, made from the commit object (by any thread). */
struct commit_info *commit_info_of(const git_commit *c);
void commit_info_free(struct commit_info *ci);

/* Register commit `id`; takes ownership of *ci (set to NULL). Returns its index. */
size_t add_commit(struct src_git *g, const git_oid *id, struct commit_info **ci);
/* The blob's index, created (first seen at `path`) if new. */
size_t blob_seen(struct src_git *g, const git_oid *oid, const char *path);
/* Blob `oid` seen at `path` in commit `commit` (an index, or a PROV_ value). */
void add_blob(struct src_git *g, const git_oid *oid, const char *path, size_t commit);
/* Plan the raw object of commit or annotated tag `id` (`name`: the tag's name) for
 * scanning, once. */
void add_message(struct src_git *g, const git_oid *id, enum gmsg_kind kind, const char *name,
                 bool unreachable);
/* Index blobs[] and msgs[] again after they were sorted. */
void records_reindex(struct src_git *g);

static inline bool blob_eq(const void *ctx, uint32_t item, const void *key)
{
    return oid_eq(&((const struct src_git *)ctx)->blobs[item].oid, key);
}

/* The index of blob `id` in g->blobs, or SIZE_MAX. */
static inline size_t blob_find(const struct src_git *g, const git_oid *id)
{
    uint32_t k = hashmap_find(&g->blob_index, oid_hash(id), blob_eq, g, id);
    return k == HASHMAP_NONE ? SIZE_MAX : k;
}

/* The pack that has object `id` and its offset there, the packs tried from *hint on (the
 * pack that held the last object looked for: it is set to this one), or false. */
static inline bool packs_find(const struct src_git *g, const git_oid *id, size_t *hint,
                              size_t *pack, uint64_t *off)
{
    for (size_t k = 0; k < g->n_packs; k++) {
        size_t i = (*hint + k) % g->n_packs;
        if (gitpack_find(g->packs[i], id->id, off)) {
            *hint = *pack = i;
            return true;
        }
    }
    return false;
}

/* The index of message `id` (a commit or tag) in g->msgs, or SIZE_MAX. */
size_t msg_find(const struct src_git *g, const git_oid *id);

/* Do path filters (--exclude/--include, .sesame.json) apply? */
static inline bool filtering(const struct src_git *g)
{
    return g->opts.filter && (g->opts.filter->n_excludes || g->opts.filter->n_includes);
}

/* Is the file or directory at `path` excluded by --exclude/--include? */
static inline bool excluded(const struct src_git *g, const char *path, bool is_dir)
{
    return filtering(g) && src_fs_excluded(g->opts.filter, path, is_dir);
}

/* ---- graph.c: raw trees, paths, the tree graph ---------------------------------------- */

/* A tree object's raw bytes, or NULL (missing, corrupt, not a tree: the caller warns). */
git_odb_object *read_tree(const struct src_git *g, git_odb *odb, const git_oid *id);

/* A copy of a tree's bytes (caller frees), for walks that read other trees while they
 * hold it; through the pack reader (single-threaded walks only). */
unsigned char *tree_copy(struct src_git *g, const git_oid *id, size_t *len);

/* The same through a reader of the caller's own (created on first use; *hint: the pack
 * that held the last tree), else libgit2 through `odb`: for threads, one reader each.
 * reader NULL: libgit2 only. NULL when the tree cannot be read (libgit2's error says
 * why). */
unsigned char *tree_copy_from(const struct src_git *g, struct gitpack_reader **reader,
                              size_t *hint, git_odb *odb, const git_oid *id, size_t *len);

/* A path built up while descending trees. */
struct pathbuf {
    char *s;
    size_t len, cap;
};

/* Append "/name" (or "name" at the top); returns the length to restore with pb_cut. */
static inline size_t pb_push(struct pathbuf *pb, const char *name, size_t n)
{
    size_t at = pb->len;
    XGROW(pb->s, pb->cap, pb->len + n + 2);
    if (pb->len)
        pb->s[pb->len++] = '/';
    memcpy(pb->s + pb->len, name, n);
    pb->len += n;
    pb->s[pb->len] = '\0';
    return at;
}

static inline void pb_cut(struct pathbuf *pb, size_t at)
{
    pb->len = at;
    if (pb->s)
        pb->s[at] = '\0';
}

static inline const char *pb_str(const struct pathbuf *pb)
{
    return pb->s ? pb->s : "";
}

/* Pass 1 of a deferred scan: the trees of these commits. trees, if not NULL, holds each
 * commit's tree as full_walk() read it (all zeros: read the commit again). */
void visit_commits(struct src_git *g, const struct oidvec *commits, const struct oidvec *trees);
/* Mark target blobs and every tree that leads to one. */
void graph_mark(struct src_git *g, const char *const *blob_hex, size_t n_hex);
void graph_release(struct tgraph *tg);
/* Does tree `id` at `path` lead to a target blob? Is blob `id` a target? */
bool tree_hot(const struct src_git *g, const git_oid *id, const char *path);
bool blob_target(const struct src_git *g, const git_oid *id);

/* ---- diff.c, plan.c, worktree.c: planning ------------------------------------------ */

/* Diff each commit against its parents (threads, merged in commit order); hot_only:
 * attribution after a deferred scan. */
void plan_commits(struct src_git *g, const struct oidvec *commits, bool hot_only);
/* git_reference_peel, without looking up any object libgit2 must not read. */
int peel(struct src_git *g, git_reference *ref, git_object **out, bool plan_tags);
enum status plan_history(struct src_git *g);
enum status plan_staged(struct src_git *g);
enum status plan_worktree(struct src_git *g);

/* ---- read.c, stream.c: reading ------------------------------------------------------ */

/* Sort blobs and messages into read order (packs known). */
void order_blobs(struct src_git *g);

/* Stream object `hex` of `type` ("blob", "commit", "tag") through `git cat-file` to fn,
 * chunk by chunk, each chunk a copy of tmpl (path, id, commit, provenance). */
enum status read_streamed(struct src_git_reader *r, const char *hex, const char *type,
                          unsigned char **buf, const struct blob *tmpl, blob_fn *fn,
                          void *payload, uint64_t *bytes);

/* ---- prescan.c: reading while the walk runs ------------------------------------------ */

/* Start reading the packed blobs (g->opts.prescan; nothing without it or without packs);
 * stop (the threads joined; what they found is kept for src_git_prescanned); free. */
void prescan_start(struct src_git *g);
void prescan_stop(struct src_git *g);
void prescan_free(struct src_git *g);
/* After prescan_stop: was the object at `off` of pack `pack` read clean as a `type`
 * (enum gitpack_type)? Its size and decoded views then, if asked. */
bool prescan_clean(const struct src_git *g, uint32_t pack, uint64_t off, int type,
                   uint64_t *bytes, uint64_t *views);

/* ---- pushwalk.c: the commits of a push ----------------------------------------------- */

/* The repository's commit-graph file (cgraph.h), opened on first use and kept with g,
 * or NULL if it has none that cgraph_open() reads. A push uses it twice: which ref tips
 * are commits (plan.c), and their dates and parents (push_walk). */
struct cgraph *commit_graph(struct src_git *g);

/* The commits reachable from `tips` and not from `hide`, in the order libgit2 1.5's
 * revwalk (GIT_SORT_NONE) gives them, each commit read once. false (out emptied) when a
 * commit cannot be read or parsed as plainly as it expects: the caller walks with
 * libgit2 then. */
bool push_walk(struct src_git *g, const struct oidvec *tips, const struct oidvec *hide,
               struct oidvec *out);
/* A pre-receive push of new commits on top of the refs' (pushnew.c): true and the
 * commits it adds in *out, in push_walk's order, when the one pushed tip and the
 * commits behind it are objects only the quarantine `q` has, each with at most one
 * such parent, and their other parents commits the refs (opts.hide_glob) or the
 * updated refs' old values (opts.hide) name. false (out emptied) otherwise: the caller
 * collects the hidden commits and walks (push_walk). No ref's commit is read. */
bool push_new_chain(struct src_git *g, const git_oid *tip, git_odb *q, struct oidvec *out);
/* What a direct ref names, as packed-refs records it: the commit an annotated tag
 * peels to where a "^" line says so, else the ref's own target (plan.c). NULL for a
 * symbolic ref. Nothing is read. */
const git_oid *ref_target(const git_reference *ref);
/* The same for a whole history (nothing hidden: libgit2's walk without its limit_list),
 * and each commit's tree in trees (parallel to out; all zeros where the commit's header
 * is not in the one form libgit2's full parse surely accepts, which pass 1 then reads
 * with libgit2). Commits are read from the packs (the commit-graph has no trees
 * sesame trusts). false (both emptied) as push_walk. */
bool full_walk(struct src_git *g, const struct oidvec *tips, struct oidvec *out,
               struct oidvec *trees);

/* ---- attribute.c, exposure.c ----------------------------------------------------------- */

void attribution_release(struct src_git *g);
void exposure_free(struct src_git *g);

#endif
