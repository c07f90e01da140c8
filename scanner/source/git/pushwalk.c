/*
 * source/git/pushwalk.c - the commits a push adds, walked without libgit2's revwalk.
 *
 * What it does: the walk of plan.c's walk() for a push (the pushed tips minus every
 * ref's commit), returning the same commits in the same order as libgit2 1.5's revwalk with
 * GIT_SORT_NONE, whose algorithm (its limit_list, still_interesting, date-ordered
 * insertion and "slop" of 5) is reproduced step by step here. Why: a push into git/git
 * hides the 1,016 commits its refs name; libgit2 inflates each of them twice (once in
 * git_revwalk_hide's lookup, once in the walk's own parse) through its generic object
 * layer: a third of the hook's time (benches/RESULTS.md, issue 16). Here each commit is
 * read once, through the project's pack reader (pack.c), and only its header is parsed.
 * What it does not: anything libgit2 would do differently on odd input. Whenever a
 * commit cannot be read, is not a commit, or its header is not in the plain form this
 * parser accepts, push_walk() gives up and the caller runs libgit2's walk (and its
 * tolerant fallback) exactly as before, so the result never differs from it.
 * Objects not in the repository's packs (a push's quarantine, loose objects, alternates)
 * are read through libgit2's object database, once each. Commits the repository's
 * commit-graph file lists (cgraph.h; servers usually have one) are not read at all: their
 * date and parents are in it, as git itself uses them.
 * full_walk() is the same for a whole history (no hidden commits: libgit2's walk without
 * limit_list): pass 1 then takes each commit's tree from here rather than from
 * git_commit_lookup (libgit2 read every commit twice, 1 s of git/git's 5 s walk, and kept
 * them all in its cache: 110 MiB). It reads the commits themselves, not the commit-graph:
 * the tree is taken only from a header libgit2's full parse accepts as it is (one author
 * line, then the committer); any other commit is left to git_commit_lookup as before.
 */
#include "source/git/internal.h"
#include "source/git/cgraph.h"
#include "source/git/commithead.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"

/* libgit2 1.5's revwalk.c: uninteresting commits looked at after the last interesting. */
#define SLOP 5
#define PW_NONE UINT32_MAX
/* Bytes of a commit inflated first: its tree, parent, author and committer lines fit in
 * far less (a longer header is read whole) */
#define PW_HEAD_BYTES 512
/* A commit up to this size is inflated whole, by libdeflate (pack.c), in about 3/4 of the
 * time zlib took for its first PW_HEAD_BYTES (git/git: 0.25 s against 0.34 s for 85,361
 * commits, benches/RESULTS.md); 99.7 % of git/git's commits (40 % are under 512 bytes) */
#define PW_WHOLE_BYTES 4096

struct pw_node {
    int64_t time;
    uint32_t first_parent; /* into pw.parents */
    uint16_t n_parents;
    bool parsed, uninteresting, seen, added;
    bool has_tree;         /* tree: its commit's, read from the commit (full_walk) */
    git_oid tree;
};

/* A singly linked list of nodes (libgit2's git_commit_list), cells from one pool. */
struct pw_cell {
    uint32_t node, next;
};

struct pw {
    struct src_git *g;
    struct oidmap index; /* id -> node number (item k is node k) */
    struct pw_node *nodes;
    size_t cap_nodes;
    uint32_t *parents;
    size_t n_parents, cap_parents;
    struct pw_cell *cells;
    size_t n_cells, cap_cells;
    uint32_t free_cells;
    uint32_t *stack;
    size_t cap_stack;
    struct gitpack_reader *reader;
    size_t last_pack;
    uint64_t reads, graph_reads;
    unsigned char head[PW_WHOLE_BYTES];
    struct cgraph *graph; /* the repository's commit-graph file, or NULL */
    uint32_t *gpar;       /* parents' positions in it */
    size_t cap_gpar;
};

static uint32_t node_of(struct pw *w, const git_oid *id)
{
    bool added = false;
    size_t *v = oidmap_add(&w->index, id, &added);

    if (added) {
        XGROW(w->nodes, w->cap_nodes, w->index.n);
        memset(&w->nodes[w->index.n - 1], 0, sizeof(w->nodes[0]));
        *v = w->index.n - 1;
    }
    return (uint32_t)*v;
}

/* ---- lists ------------------------------------------------------------------------ */

static uint32_t cell_new(struct pw *w, uint32_t node, uint32_t next)
{
    uint32_t c;

    if (w->free_cells != PW_NONE) {
        c = w->free_cells;
        w->free_cells = w->cells[c].next;
    } else {
        XGROW(w->cells, w->cap_cells, w->n_cells + 1);
        c = (uint32_t)w->n_cells++;
    }
    w->cells[c].node = node;
    w->cells[c].next = next;
    return c;
}

/* git_commit_list_insert: in front of the list whose head is *head (a variable outside
 * w->cells, which cell_new() may move). */
static void list_insert(struct pw *w, uint32_t *head, uint32_t node)
{
    uint32_t c = cell_new(w, node, *head);

    *head = c;
}

static uint32_t list_pop(struct pw *w, uint32_t *list)
{
    uint32_t c = *list, node;

    if (c == PW_NONE)
        return PW_NONE;
    node = w->cells[c].node;
    *list = w->cells[c].next;
    w->cells[c].next = w->free_cells;
    w->free_cells = c;
    return node;
}

/* git_commit_list_insert_by_date: before the first commit strictly older. */
static void list_insert_by_date(struct pw *w, uint32_t *list, uint32_t node)
{
    uint32_t prev = PW_NONE, cur = *list, c;
    int64_t t = w->nodes[node].time;

    while (cur != PW_NONE && !(w->nodes[w->cells[cur].node].time < t)) {
        prev = cur;
        cur = w->cells[cur].next;
    }
    /* linked by index after cell_new(), which may move w->cells */
    c = cell_new(w, node, cur);
    if (prev == PW_NONE)
        *list = c;
    else
        w->cells[prev].next = c;
}

/* ---- reading and parsing commits --------------------------------------------------- */

/* commithead.c's callback: each parent becomes a node (node_of may move w->nodes). */
static bool add_parent(void *arg, const unsigned char id[COMMIT_ID_RAWSZ])
{
    struct pw *w = arg;
    git_oid oid;

    memcpy(oid.id, id, COMMIT_ID_RAWSZ);
    XGROW(w->parents, w->cap_parents, w->n_parents + 1);
    w->parents[w->n_parents++] = node_of(w, &oid);
    return true;
}

/* libgit2's quick commit parse (GIT_COMMIT_PARSE_QUICK): the tree line, the parents,
 * any author lines, the committer's time (commithead.c). */
static bool parse_commit(struct pw *w, uint32_t node, const char *d, size_t len)
{
    size_t first = w->n_parents;
    struct commit_head h;

    if (!commit_head_parse(d, len, &h, add_parent, w) || h.n_parents > UINT16_MAX)
        return false;
    w->nodes[node].time = h.time;
    w->nodes[node].first_parent = (uint32_t)first;
    w->nodes[node].n_parents = (uint16_t)h.n_parents;
    w->nodes[node].parsed = true;
    /* The tree, for pass 1 (full_walk), of a commit whose header libgit2's full parse
     * (git_commit_lookup) accepts as it is: one author line, then the committer. */
    w->nodes[node].has_tree = h.authors == 1;
    memcpy(w->nodes[node].tree.id, h.tree, COMMIT_ID_RAWSZ);
    return true;
}

/* Commit `node` from the commit-graph file (cgraph.h), if it has it. Its date is its
 * commit's as git parsed it; one git could not parse (0) or past the file's 34 bits is
 * read from the commit, where libgit2 parses it. */
static bool parse_graph(struct pw *w, uint32_t node)
{
    uint32_t pos;
    size_t n = 0, first = w->n_parents;
    int64_t when;

    if (!w->graph || !cgraph_find(w->graph, w->index.ids[node].id, &pos) ||
        !cgraph_commit(w->graph, pos, &when, w->gpar, w->cap_gpar, &n))
        return false;
    if (n > w->cap_gpar) {
        XGROW(w->gpar, w->cap_gpar, n);
        if (!cgraph_commit(w->graph, pos, &when, w->gpar, w->cap_gpar, &n))
            return false;
    }
    if (when <= 0 || when >= ((int64_t)1 << 34) - 1 || n > UINT16_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        git_oid id;
        memcpy(id.id, cgraph_oid(w->graph, w->gpar[i]), GIT_OID_RAWSZ);
        XGROW(w->parents, w->cap_parents, w->n_parents + 1);
        w->parents[w->n_parents++] = node_of(w, &id); /* may move w->nodes */
    }
    w->nodes[node].time = when;
    w->nodes[node].first_parent = (uint32_t)first;
    w->nodes[node].n_parents = (uint16_t)n;
    w->nodes[node].parsed = true;
    w->graph_reads++;
    return true;
}

/* git_commit_list_parse: read commit `node` once. */
static bool parse(struct pw *w, uint32_t node)
{
    struct src_git *g = w->g;
    git_oid own = w->index.ids[node]; /* a copy: parsing adds ids, w->index.ids moves */
    const git_oid *id = &own;
    git_odb_object *o = NULL;
    size_t i;
    uint64_t off;
    bool ok;

    if (w->nodes[node].parsed)
        return true;
    if (bad_object(g, id))
        return false;
    w->reads++;
    if (parse_graph(w, node))
        return true;
    if (packs_find(g, id, &w->last_pack, &i, &off)) {
        uint64_t size;
        enum gitpack_type type;
        const unsigned char *data;
        size_t len;
        /* the whole commit when small, else its first lines, unless its header is longer */
        if (gitpack_read_head(w->reader, g->packs[i], off, w->head, sizeof(w->head),
                              PW_HEAD_BYTES, &type, &len, &size)) {
            if (type != GP_COMMIT)
                return false;
            if (parse_commit(w, node, (const char *)w->head, len))
                return true;
            if (len == size)
                return false;
        }
        if (gitpack_read(w->reader, g->packs[i], off, LIMIT_PUSHWALK_COMMIT_BYTES, &type, &data,
                         &len) != STATUS_OK || type != GP_COMMIT)
            return false;
        return parse_commit(w, node, (const char *)data, len);
    }
    if (git_odb_read(&o, g->odb, id) != 0)
        return false;
    ok = git_odb_object_type(o) == GIT_OBJECT_COMMIT &&
         parse_commit(w, node, git_odb_object_data(o), git_odb_object_size(o));
    git_odb_object_free(o);
    return ok;
}

/* ---- libgit2 1.5's revwalk (revwalk.c), step by step ------------------------------ */

/* Mark the parents of `node` uninteresting, and theirs if they were parsed, down to
 * commits already uninteresting. */
static void mark_parents_uninteresting(struct pw *w, uint32_t node)
{
    size_t n = 0;

    for (uint16_t i = 0; i < w->nodes[node].n_parents; i++) {
        XGROW(w->stack, w->cap_stack, n + 1);
        w->stack[n++] = w->parents[w->nodes[node].first_parent + i];
    }
    while (n) {
        uint32_t c = w->stack[--n];
        struct pw_node *x = &w->nodes[c];
        if (x->uninteresting)
            continue;
        x->uninteresting = true;
        if (!x->parsed)
            continue;
        for (uint16_t i = 0; i < x->n_parents; i++) {
            XGROW(w->stack, w->cap_stack, n + 1);
            w->stack[n++] = w->parents[x->first_parent + i];
        }
    }
}

static bool add_parents_to_list(struct pw *w, uint32_t node, uint32_t *list)
{
    if (w->nodes[node].added)
        return true;
    w->nodes[node].added = true;
    for (uint16_t i = 0; i < w->nodes[node].n_parents; i++) {
        uint32_t p = w->parents[w->nodes[node].first_parent + i];
        if (w->nodes[node].uninteresting) {
            w->nodes[p].uninteresting = true;
            if (!parse(w, p))
                return false;
            mark_parents_uninteresting(w, p);
            w->nodes[p].seen = true;
            list_insert_by_date(w, list, p);
            continue;
        }
        if (!parse(w, p))
            return false;
        if (!w->nodes[p].seen) {
            w->nodes[p].seen = true;
            list_insert_by_date(w, list, p);
        }
    }
    return true;
}

static int still_interesting(const struct pw *w, uint32_t list, int64_t time, int slop)
{
    if (list == PW_NONE)
        return 0;
    if (time <= w->nodes[w->cells[list].node].time)
        return SLOP;
    for (uint32_t c = list; c != PW_NONE; c = w->cells[c].next) {
        const struct pw_node *x = &w->nodes[w->cells[c].node];
        if (!x->uninteresting || x->time > time)
            return SLOP;
    }
    return slop - 1;
}

static bool limit_list(struct pw *w, uint32_t list, struct oidvec *out)
{
    int slop = SLOP;
    int64_t time = INT64_MAX;
    bool ok = true;

    while (list != PW_NONE) {
        uint32_t c = list_pop(w, &list);
        if (!add_parents_to_list(w, c, &list)) {
            ok = false;
            break;
        }
        if (w->nodes[c].uninteresting) {
            mark_parents_uninteresting(w, c);
            slop = still_interesting(w, list, time, slop);
            if (slop)
                continue;
            break;
        }
        time = w->nodes[c].time;
        oidvec_push(out, &w->index.ids[c]);
    }
    return ok;
}

/* The walk's state, and the commit-graph file when `graph` (a push walk: only dates and
 * parents are needed; a full walk also wants each commit's tree, read from the commit). */
static void pw_init(struct pw *w, struct src_git *g, bool graph)
{
    *w = (struct pw){ .g = g, .index = OIDMAP_INIT, .free_cells = PW_NONE };
    w->reader = gitpack_reader_new(LIMIT_PACK_TREE_CACHE_BYTES);
    gitpack_reader_any_base(w->reader);
    if (graph)
        w->graph = commit_graph(g);
}

struct cgraph *commit_graph(struct src_git *g)
{
    if (!g->graph_tried) {
        const char *common = git_repository_commondir(g->repo);
        char *path = xasprintf("%sobjects/info/commit-graph", common ? common : g->gitdir);
        g->graph = cgraph_open(path);
        g->graph_tried = true;
        free(path);
    }
    return g->graph;
}

static void pw_release(struct pw *w)
{
    gitpack_reader_free(w->reader);
    free(w->gpar);
    free(w->nodes);
    free(w->parents);
    free(w->cells);
    free(w->stack);
    oidmap_release(&w->index);
}

/* git_revwalk_push (then git_revwalk_hide) of tips and hide, in walk()'s order, and
 * prepare_walk up to its limit_list: the list of commits to start from, in *list. */
static bool pw_prepare(struct pw *w, const struct oidvec *tips, const struct oidvec *hide,
                       uint32_t *list)
{
    size_t n_hide = hide ? hide->n : 0;
    uint32_t *input = xcalloc(tips->n + n_hide + 1, sizeof(*input)); /* user_input, pushed */
    size_t n_input = 0;
    bool ok = true;

    for (size_t i = 0; i < tips->n + n_hide; i++) {
        bool hidden = i >= tips->n;
        uint32_t c = node_of(w, hidden ? &hide->v[i - tips->n] : &tips->v[i]);
        if (w->nodes[c].uninteresting)
            continue;
        w->nodes[c].uninteresting = hidden;
        input[n_input++] = c;
    }
    /* prepare_walk: user_input is a stack (the last pushed first); each commit once, in
     * front of the list, so the list ends in push order again */
    *list = PW_NONE;
    for (size_t k = n_input; ok && k-- > 0;) {
        uint32_t c = input[k];
        if (!parse(w, c)) {
            ok = false;
            break;
        }
        if (w->nodes[c].uninteresting)
            mark_parents_uninteresting(w, c);
        if (!w->nodes[c].seen) {
            w->nodes[c].seen = true;
            list_insert(w, list, c);
        }
    }
    free(input);
    return ok;
}

bool push_walk(struct src_git *g, const struct oidvec *tips, const struct oidvec *hide,
               struct oidvec *out)
{
    struct pw w;
    uint32_t commits = PW_NONE;
    bool ok;

    out->n = 0;
    /* Without hidden commits libgit2 walks differently (no limit_list): full_walk. */
    if (!tips->n || !hide->n)
        return false;
    pw_init(&w, g, true);
    ok = pw_prepare(&w, tips, hide, &commits) && limit_list(&w, commits, out);
    /* revwalk_next_unsorted: what became uninteresting after it was listed is dropped */
    if (ok) {
        size_t n = 0;
        for (size_t i = 0; i < out->n; i++) {
            uint32_t c = (uint32_t)*oidmap_get(&w.index, &out->v[i]);
            if (!w.nodes[c].uninteresting)
                out->v[n++] = out->v[i];
        }
        out->n = n;
        g->counts.walk_reads = w.reads;
        g->counts.walk_graph_reads = w.graph_reads;
    } else {
        out->n = 0;
    }
    pw_release(&w);
    return ok;
}

bool full_walk(struct src_git *g, const struct oidvec *tips, struct oidvec *out,
               struct oidvec *trees)
{
    struct pw w;
    uint32_t list = PW_NONE, c;
    bool ok;
    git_oid none;

    out->n = trees->n = 0;
    if (!tips->n)
        return false;
    memset(&none, 0, sizeof(none));
    pw_init(&w, g, false);
    ok = pw_prepare(&w, tips, NULL, &list);
    /* revwalk_next_unsorted without limit_list: get_revision pops the first commit and
     * adds its parents by date; nothing is uninteresting */
    while (ok && (c = list_pop(&w, &list)) != PW_NONE) {
        if (!add_parents_to_list(&w, c, &list)) {
            ok = false;
            break;
        }
        oidvec_push(out, &w.index.ids[c]);
        oidvec_push(trees, w.nodes[c].has_tree ? &w.nodes[c].tree : &none);
    }
    if (ok) {
        g->counts.walk_reads = w.reads;
        g->counts.walk_graph_reads = w.graph_reads;
    } else {
        out->n = trees->n = 0;
    }
    pw_release(&w);
    return ok;
}
