/*
 * source/git/graph.c - raw trees, and the tree graph of a whole-history scan.
 *
 * What it does: read trees as raw bytes (tree.c parses them), from the packs through one
 * pack reader for the single-threaded walks, else from libgit2; visit each distinct tree
 * of the history once (pass 1), collecting its blobs and keeping only its edges
 * (children as numbers), then, after the scan, mark the trees that lead to a blob with
 * findings, so that attribution diffs only those (attribute.c).
 * What it does not: attribute anything itself, or keep names (paths are rebuilt later).
 * The tricky point: this walk probes the blob and tree indexes once per tree entry of
 * the history; libgit2's git_tree objects would cost more than the reading itself.
 */
#include "source/git/internal.h"
#include "base/limits.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"

git_odb_object *read_tree(const struct src_git *g, git_odb *odb, const git_oid *id)
{
    git_odb_object *o = NULL;

    if (bad_object(g, id) || git_odb_read(&o, odb, id) != 0)
        return NULL;
    if (git_odb_object_type(o) != GIT_OBJECT_TREE) {
        git_odb_object_free(o);
        git_error_set_str(GIT_ERROR_INVALID, "not a tree");
        return NULL;
    }
    return o;
}

/* A tree's bytes from the packs through a pack reader (valid until its next read; *hint:
 * the pack that held the last one, tried first), else (or if reader is NULL) from
 * libgit2 through `odb`. */
struct rawtree {
    git_odb_object *o;
    const unsigned char *data;
    size_t len;
};

static bool tree_read(const struct src_git *g, struct gitpack_reader **reader, size_t *hint,
                      git_odb *odb, const git_oid *id, struct rawtree *t)
{
    size_t i;
    uint64_t off;
    enum gitpack_type type;

    memset(t, 0, sizeof(*t));
    if (bad_object(g, id))
        return false;
    if (reader && packs_find(g, id, hint, &i, &off)) {
        if (!*reader)
            *reader = gitpack_reader_new(LIMIT_PACK_TREE_CACHE_BYTES);
        if (gitpack_read(*reader, g->packs[i], off, LIMIT_GIT_TREE_BYTES, &type, &t->data,
                         &t->len) == STATUS_OK &&
            type == GP_TREE)
            return true;
    }
    t->o = read_tree(g, odb, id);
    if (!t->o)
        return false;
    t->data = git_odb_object_data(t->o);
    t->len = git_odb_object_size(t->o);
    return true;
}

/* The single-threaded walks (pass 1 and exposure): g's own reader and handle. */
static bool tree_get(struct src_git *g, const git_oid *id, struct rawtree *t)
{
    return tree_read(g, &g->tree_reader, &g->tree_pack, g->odb, id, t);
}

static void tree_put(struct rawtree *t)
{
    git_odb_object_free(t->o);
    t->o = NULL;
}

unsigned char *tree_copy_from(const struct src_git *g, struct gitpack_reader **reader,
                              size_t *hint, git_odb *odb, const git_oid *id, size_t *len)
{
    struct rawtree t;
    unsigned char *copy;

    if (!tree_read(g, reader, hint, odb, id, &t))
        return NULL;
    copy = xmalloc(t.len ? t.len : 1);
    memcpy(copy, t.data, t.len);
    *len = t.len;
    tree_put(&t);
    return copy;
}

unsigned char *tree_copy(struct src_git *g, const git_oid *id, size_t *len)
{
    return tree_copy_from(g, &g->tree_reader, &g->tree_pack, g->odb, id, len);
}

/* ---- the tree graph of a full-history scan ------------------------------------------ */

/* Pass 1 of a full-history scan visits each distinct tree once and keeps only its edges
 * (children as numbers), not names. After the scan, the trees that lead to a blob with
 * findings are marked hot, and only hot subtrees are diffed to find which commit
 * introduced those blobs at which path (src_git_attribute). */
void graph_release(struct tgraph *tg)
{
    hashmap_release(&tg->index);
    free(tg->nodes);
    edge_log_release(&tg->log);
    edge_slots_release(&tg->slots);
    hashmap_release(&tg->slot_index);
    for (size_t k = 0; k < tg->n_slots; k++)
        free(tg->slot_names[k]);
    free(tg->slot_names);
    free(tg->cur);
    free(tg->cur_oids);
    for (size_t k = 0; k < tg->cap_prev; k++) {
        free(tg->prev[k].vals);
        free(tg->prev[k].oids);
    }
    free(tg->prev);
    free(tg->hot);
    free(tg->target);
    memset(tg, 0, sizeof(*tg));
}

static bool node_eq(const void *ctx, uint32_t item, const void *key)
{
    return oid_eq(&((const struct tgraph *)ctx)->nodes[item].key, key);
}

static uint32_t node_find(const struct tgraph *tg, const git_oid *key)
{
    return hashmap_find(&tg->index, oid_hash(key), node_eq, tg, key);
}

/* The number of the tree with graph key `key`, created (no edges yet) if new. */
static uint32_t tree_node(struct src_git *g, const git_oid *key, bool *created)
{
    struct tgraph *tg = &g->tg;
    uint32_t k = node_find(tg, key);

    *created = k == HASHMAP_NONE;
    if (*created) {
        XGROW(tg->nodes, tg->cap_nodes, tg->n_nodes + 1);
        tg->nodes[tg->n_nodes].key = *key;
        hashmap_insert(&tg->index, oid_hash(key), (uint32_t)tg->n_nodes);
        k = (uint32_t)tg->n_nodes++;
    }
    return k;
}

/* The graph's key for a tree: its id, mixed with its path when path filters apply (the
 * same tree may be filtered differently at two paths, so it is visited at each). */
static void tree_key(const struct src_git *g, const git_oid *id, const char *path, git_oid *key)
{
    *key = *id;
    if (filtering(g)) {
        uint64_t h = hash_str(path);
        for (int i = 0; i < 8; i++)
            key->id[i] ^= (unsigned char)(h >> (8 * i));
    }
}

bool tree_hot(const struct src_git *g, const git_oid *id, const char *path)
{
    git_oid key;
    uint32_t k;

    if (!g->tg.hot)
        return false;
    tree_key(g, id, path, &key);
    k = node_find(&g->tg, &key);
    return k != HASHMAP_NONE && g->tg.hot[k];
}

bool blob_target(const struct src_git *g, const git_oid *id)
{
    size_t at;

    if (!g->tg.target)
        return false;
    at = blob_find(g, id);
    return at != SIZE_MAX && g->tg.target[g->blobs[at].seq];
}

static void edge_push(struct tgraph *tg, uint32_t e, const unsigned char *oid)
{
    XGROW(tg->cur, tg->cap_cur, tg->n_cur + 1);
    XGROW(tg->cur_oids, tg->cap_cur_oids, (tg->n_cur + 1) * GIT_OID_RAWSZ);
    memcpy(tg->cur_oids + tg->n_cur * GIT_OID_RAWSZ, oid, GIT_OID_RAWSZ);
    tg->cur[tg->n_cur++] = e;
}

/* The edge of object `oid` (a subtree if `tree`) if the previous tree at the same path
 * had it as a child, near position *j (entries before it may be gone): the same object,
 * hence the same child, found without probing the indexes (random memory reads, the
 * larger part of pass 1). UINT32_MAX if not. Only without path filters, where an
 * object's edge does not depend on its name. */
static uint32_t prev_edge(const struct tprev *pv, size_t *j, const unsigned char *oid, bool tree)
{
    for (size_t k = *j; k < pv->n && k < *j + 4; k++)
        if ((pv->vals[k] & 1u) == (tree ? 1u : 0u) &&
            raw_oid_eq(pv->oids + k * GIT_OID_RAWSZ, oid)) {
            *j = k + 1;
            return pv->vals[k];
        }
    return UINT32_MAX;
}

/* After a visit: the tree's children become its slot's previous ones (buffers swapped). */
static void prev_set(struct tgraph *tg, uint32_t slot)
{
    struct tprev *pv, old;

    if (slot >= tg->cap_prev) {
        size_t was = tg->cap_prev;
        XGROW(tg->prev, tg->cap_prev, (size_t)slot + 1);
        memset(tg->prev + was, 0, (tg->cap_prev - was) * sizeof(*tg->prev));
    }
    pv = &tg->prev[slot];
    old = *pv;
    pv->vals = tg->cur;
    pv->oids = tg->cur_oids;
    pv->n = tg->n_cur;
    pv->cap_vals = tg->cap_cur;
    pv->cap_oids = tg->cap_cur_oids;
    tg->cur = old.vals;
    tg->cur_oids = old.oids;
    tg->cap_cur = old.cap_vals;
    tg->cap_cur_oids = old.cap_oids;
    tg->n_cur = 0;
}

static bool slot_eq(const void *ctx, uint32_t item, const void *key)
{
    return strcmp(((const struct tgraph *)ctx)->slot_names[item], key) == 0;
}

/* The slot of the trees visited at `path` (edges.h), numbered in order of first use. */
static uint32_t slot_of(struct tgraph *tg, const char *path)
{
    uint64_t h = hash_str(path);
    uint32_t k = hashmap_find(&tg->slot_index, h, slot_eq, tg, path);

    if (k == HASHMAP_NONE) {
        XGROW(tg->slot_names, tg->cap_slots, tg->n_slots + 1);
        tg->slot_names[tg->n_slots] = xstrdup(path);
        hashmap_insert(&tg->slot_index, h, (uint32_t)tg->n_slots);
        k = (uint32_t)tg->n_slots++;
    }
    return k;
}

struct titem {
    git_oid id;
    uint32_t node;
    uint32_t depth;
    char *path;
};

/* Visit the trees under `root` not visited yet; `commit_hex` names it in warnings. */
static void graph_visit(struct src_git *g, const git_oid *root, const char *commit_hex)
{
    struct tgraph *tg = &g->tg;
    struct titem *stack = NULL;
    size_t n = 0, cap = 0;
    struct pathbuf pb = { 0 };
    bool created;
    git_oid key;
    uint32_t node;

    tree_key(g, root, "", &key);
    node = tree_node(g, &key, &created);
    if (!created)
        return;
    XGROW(stack, cap, 1);
    stack[n].id = *root;
    stack[n].node = node;
    stack[n].depth = 0;
    stack[n++].path = xstrdup("");
    while (n) {
        struct titem it = stack[--n];
        struct rawtree o;
        char hex[GIT_OID_HEXSZ + 1];
        struct gt_iter gi;
        struct gt_entry e, next;
        bool more;
        uint32_t slot;
        const struct tprev *pv = NULL;
        size_t pj = 0;

        if (!tree_get(g, &it.id, &o)) {
            git_oid_tostr(hex, sizeof(hex), &it.id);
            log_warn("commit %.12s: cannot read tree %s ('%s'): %s", commit_hex, hex,
                     *it.path ? it.path : "/", libgit2_message());
            g->counts.errors++;
            free(it.path);
            continue;
        }
        pb_cut(&pb, 0);
        pb_push(&pb, it.path, strlen(it.path));
        tg->n_cur = 0;
        slot = slot_of(tg, it.path);
        if (!filtering(g) && slot < tg->cap_prev)
            pv = &tg->prev[slot];
        gt_init(&gi, o.data, o.len);
        for (more = gt_next(&gi, &next); more;) {
            size_t at;
            git_oid cid;
            e = next;
            /* the next entry's hash slot fetched while this one is handled */
            if ((more = gt_next(&gi, &next)) && !filtering(g) &&
                (next.kind == GT_TREE || next.kind == GT_BLOB))
                hashmap_prefetch(next.kind == GT_TREE ? &tg->index : &g->blob_index,
                                 raw_oid_hash(next.oid));
            if (pv && (e.kind == GT_TREE || e.kind == GT_BLOB)) {
                uint32_t v = prev_edge(pv, &pj, e.oid, e.kind == GT_TREE);
                if (v != UINT32_MAX) {
                    edge_push(tg, v, e.oid);
                    continue;
                }
            }
            at = pb_push(&pb, e.name, e.name_len);
            memcpy(cid.id, e.oid, GIT_OID_RAWSZ);
            if (e.kind == GT_TREE && !excluded(g, pb_str(&pb), true)) {
                uint32_t c;
                tree_key(g, &cid, pb_str(&pb), &key);
                c = tree_node(g, &key, &created);
                edge_push(tg, c << 1 | 1u, e.oid);
                if (created && it.depth >= 512) {
                    log_warn("commit %.12s: tree '%s' nests deeper than 512 levels, not "
                             "followed", commit_hex, pb_str(&pb));
                    g->counts.errors++;
                } else if (created) {
                    XGROW(stack, cap, n + 1);
                    stack[n].id = cid;
                    stack[n].node = c;
                    stack[n].depth = it.depth + 1;
                    stack[n++].path = xstrdup(pb_str(&pb));
                }
            } else if (e.kind == GT_BLOB && !excluded(g, pb_str(&pb), false)) {
                size_t bi = blob_find(g, &cid); /* inline: most blobs were seen before */
                if (bi == SIZE_MAX)
                    bi = blob_seen(g, &cid, pb_str(&pb));
                edge_push(tg, g->blobs[bi].seq << 1, e.oid);
            } else if (e.kind == GT_GITLINK) {
                g->counts.submodules++;
            }
            pb_cut(&pb, at);
        }
        if (gi.bad) {
            git_oid_tostr(hex, sizeof(hex), &it.id);
            log_warn("commit %.12s: tree %s ('%s') is malformed, the rest of it skipped",
                     commit_hex, hex, *it.path ? it.path : "/");
            g->counts.errors++;
        }
        edge_log_put(&tg->log, &tg->slots, it.node, slot, tg->cur, tg->n_cur);
        tg->n_edges += tg->n_cur;
        prev_set(tg, slot);
        tree_put(&o);
        free(it.path);
    }
    free(stack);
    free(pb.s);
}

/* Mark target blobs and every tree that leads to one. One pass decodes the edge lists
 * (edges.h) in visit order: a tree with a target blob is hot, and the tree-to-subtree
 * edges (few: most children are blobs) are kept, reversed; then hot trees make their
 * parents hot, up to the roots. */
void graph_mark(struct src_git *g, const char *const *blob_hex, size_t n_hex)
{
    struct tgraph *tg = &g->tg;
    size_t nt = tg->n_nodes, n_pairs = 0, cap_pairs = 0, qh = 0, qt = 0;
    uint32_t *pairs = NULL; /* (subtree, tree) */
    uint32_t *start = xcalloc(nt + 1, sizeof(*start));
    uint32_t *parents, *queue;
    struct edge_iter it;
    uint32_t t;
    const uint32_t *e;
    size_t n;

    tg->target = xcalloc(g->n_blobs + 1, 1);
    tg->hot = xcalloc(nt + 1, 1);
    for (size_t i = 0; i < n_hex; i++) {
        git_oid id;
        size_t at;
        if (git_oid_fromstr(&id, blob_hex[i]) == 0 && (at = blob_find(g, &id)) != SIZE_MAX)
            tg->target[g->blobs[at].seq] = 1;
    }
    edge_iter_init(&it, &tg->log);
    while (edge_iter_next(&it, &t, &e, &n)) {
        if (t >= nt)
            continue;
        for (size_t k = 0; k < n; k++) {
            uint32_t x = e[k] >> 1;
            if (!(e[k] & 1u)) {
                if (x < g->n_blobs && tg->target[x])
                    tg->hot[t] = 1;
            } else if (x < nt) {
                XGROW(pairs, cap_pairs, 2 * n_pairs + 2);
                pairs[2 * n_pairs] = x;
                pairs[2 * n_pairs++ + 1] = t;
                start[x]++;
            }
        }
    }
    if (it.bad) {
        log_warn("'%s': internal error: the tree graph is inconsistent; provenance may be "
                 "incomplete", g->path);
        g->counts.errors++;
    }
    edge_iter_release(&it);
    /* the parents of subtree x at parents[start[x] .. start[x + 1]) */
    for (size_t x = 0, sum = 0; x <= nt; x++) {
        size_t c = x < nt ? start[x] : 0;
        start[x] = (uint32_t)sum;
        sum += c;
    }
    parents = xcalloc(n_pairs + 1, sizeof(*parents));
    {
        uint32_t *fill = xcalloc(nt + 1, sizeof(*fill));
        for (size_t k = 0; k < n_pairs; k++) {
            uint32_t x = pairs[2 * k];
            parents[start[x] + fill[x]++] = pairs[2 * k + 1];
        }
        free(fill);
    }
    free(pairs);
    queue = xcalloc(nt + 1, sizeof(*queue));
    for (size_t x = 0; x < nt; x++)
        if (tg->hot[x])
            queue[qt++] = (uint32_t)x;
    while (qh < qt) {
        uint32_t x = queue[qh++];
        for (uint32_t k = start[x]; k < start[x + 1]; k++) {
            uint32_t p = parents[k];
            if (!tg->hot[p]) {
                tg->hot[p] = 1;
                queue[qt++] = p;
            }
        }
    }
    free(start);
    free(parents);
    free(queue);
}

static void visit_commits_1(struct src_git *g, const struct oidvec *commits,
                            const struct oidvec *trees)
{
    double deadline = g->opts.deadline;
    git_oid none;

    memset(&none, 0, sizeof(none));
    for (size_t i = 0; i < commits->n; i++) {
        git_commit *c = NULL;
        const git_oid *tree;
        char hex[GIT_OID_HEXSZ + 1];

        if (deadline > 0 && (i & 31) == 0 && clock_now() > deadline) {
            g->counts.timed_out = true;
            return;
        }
        if (g->tg.n_nodes >= ((size_t)1 << 31) || g->n_blobs >= ((size_t)1 << 31) ||
            g->tg.n_edges >= ((size_t)UINT32_MAX - ((size_t)1 << 20))) {
            log_warn("'%s': more than 2^31 trees or blobs: the rest of the history is not "
                     "scanned", g->path);
            g->counts.errors++;
            return;
        }
        git_oid_tostr(hex, sizeof(hex), &commits->v[i]);
        /* the walk read its tree already (full_walk), else libgit2 reads the commit */
        if (trees && i < trees->n && !oid_eq(&trees->v[i], &none)) {
            tree = &trees->v[i];
        } else if (bad_object(g, &commits->v[i]) ||
                   git_commit_lookup(&c, g->repo, &commits->v[i]) != 0) {
            log_warn("cannot read commit %s: %s", hex, libgit2_message());
            g->counts.errors++;
            continue;
        } else {
            tree = git_commit_tree_id(c);
        }
        g->counts.commits++;
        add_message(g, &commits->v[i], MSG_COMMIT, NULL,
                    oidmap_has(&g->unreachable_commits, &commits->v[i]));
        oidvec_push(&g->walked, &commits->v[i]);
        oidvec_push(&g->walked_roots, tree);
        graph_visit(g, tree, hex);
        git_commit_free(c);
        if (g->opts.progress && ((i & 63) == 63 || i + 1 == commits->n))
            g->opts.progress(g->opts.progress_ctx, i + 1, commits->n);
    }
}

/* libgit2 caches every tree and commit of up to 4 KB it reads (its defaults, in a cache
 * of up to 256 MiB); pass 1 reads each tree and commit once, so caching them only costs
 * time and memory (a third of pass 1, measured in benches/RESULTS.md; on git/git's 85,361
 * commits about 100 MiB of the peak RSS, "History: issue 16"). The setting is
 * process-wide: restored when pass 1 ends. */
#define LIBGIT2_CACHE_LIMIT 4096

static void tree_cache(bool on)
{
    (void)git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
                           (size_t)(on ? LIBGIT2_CACHE_LIMIT : 0));
    (void)git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT,
                           (size_t)(on ? LIBGIT2_CACHE_LIMIT : 0));
}

void visit_commits(struct src_git *g, const struct oidvec *commits, const struct oidvec *trees)
{
    tree_cache(false);
    visit_commits_1(g, commits, trees);
    tree_cache(true);
}
