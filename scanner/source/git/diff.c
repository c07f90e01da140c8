/*
 * source/git/diff.c - what each commit introduced: the (path, blob) pairs it has that
 * none of its parents has.
 *
 * What it does: diff a commit's tree against each parent's (raw trees, merged by name),
 * over threads with a repository handle each (and a pack reader for attribution), and
 * fold the results into the plan in commit order, so the plan is the same whatever the
 * timing. Used to plan a revision range or a push, and, after a deferred scan, to
 * attribute the blobs with findings (hot_only: only the subtrees that lead to them,
 * graph.c).
 * What it does not: walk history (plan.c chooses the commits).
 * The tricky point: "introduced" for a merge means different from *every* parent, so
 * that scanning main..feature does not report what a merge from main brought in.
 */
#include "source/git/internal.h"
#include "source/git/commithead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"

/* (path, blob) pairs a tree has that another does not. */
struct pair {
    char *path;
    git_oid oid;
};

struct pairs {
    struct pair *v;
    size_t n, cap;
};

static void pairs_release(struct pairs *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].path);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* A commit's parents for attribution: each one's id and the tree to compare with (NULL:
 * compare with nothing). */
struct parents {
    git_oid *id;
    const git_oid **tree;
    size_t n, cap;
};

/* What one planning thread uses: its own repository handle and counters. */
struct plan_ctx {
    struct src_git *g;        /* read-only while threads run */
    git_repository *repo;
    git_odb *odb;
    /* attribution: trees from the packs, as pass 1 read them (libgit2 for the rest); a
     * range or a push reads through libgit2 (a pack reader's first read of a big pack
     * costs more than a push's few trees: 70 ms on git/git) */
    struct gitpack_reader *reader;
    size_t tree_pack;         /* the pack that held the last tree read */
    struct parents parents;   /* attribution: the commit being diffed (quick_commit) */
    bool hot_only;            /* attribution: only hot subtrees and target blobs */
    struct pathbuf path;
    uint64_t errors, submodules, commits;
    bool timed_out;
};

/* The (path, blob) pairs of tree `new_id` that tree `old_id` (or NULL) does not have.
 * Both trees are in git order, so one merge pass pairs entries by name. */
static void tree_diff(struct plan_ctx *pc, const char *commit_hex, const git_oid *old_id,
                      const git_oid *new_id, struct pairs *out, int depth)
{
    struct src_git *g = pc->g;
    struct gitpack_reader **rd = pc->hot_only ? &pc->reader : NULL;
    unsigned char *nt, *ot = NULL;
    size_t nlen = 0, olen = 0;
    struct gt_iter ni, oi;
    struct gt_entry ne, oe;
    bool have_old;

    if (depth > 512) {
        log_warn("commit %.12s: tree '%s' nests deeper than 512 levels, not followed",
                 commit_hex, pb_str(&pc->path));
        pc->errors++;
        return;
    }
    if (!(nt = tree_copy_from(g, rd, &pc->tree_pack, pc->odb, new_id, &nlen))) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof(hex), new_id);
        log_warn("commit %.12s: cannot read tree %s ('%s'): %s", commit_hex, hex,
                 pc->path.len ? pb_str(&pc->path) : "/", libgit2_message());
        pc->errors++;
        return;
    }
    if (old_id) /* unreadable: compare with nothing */
        ot = tree_copy_from(g, rd, &pc->tree_pack, pc->odb, old_id, &olen);
    gt_init(&ni, nt, nlen);
    gt_init(&oi, ot, ot ? olen : 0);
    have_old = gt_next(&oi, &oe);
    while (gt_next(&ni, &ne)) {
        const struct gt_entry *old = NULL;
        int c = -1;
        git_oid id;
        size_t at;

        while (have_old && (c = gt_cmp(&oe, &ne)) < 0)
            have_old = gt_next(&oi, &oe);
        if (have_old && c == 0)
            old = &oe;
        if (old && old->kind == ne.kind && memcmp(old->oid, ne.oid, GIT_OID_RAWSZ) == 0)
            continue;
        memcpy(id.id, ne.oid, GIT_OID_RAWSZ);
        if (ne.kind == GT_TREE) {
            git_oid old_sub;
            at = pb_push(&pc->path, ne.name, ne.name_len);
            if ((pc->hot_only && !tree_hot(g, &id, pb_str(&pc->path))) ||
                excluded(g, pb_str(&pc->path), true)) {
                pb_cut(&pc->path, at);
                continue;
            }
            if (old)
                memcpy(old_sub.id, old->oid, GIT_OID_RAWSZ);
            tree_diff(pc, commit_hex, old && old->kind == GT_TREE ? &old_sub : NULL, &id, out,
                      depth + 1);
            pb_cut(&pc->path, at);
        } else if (ne.kind == GT_BLOB) {
            if (pc->hot_only && !blob_target(g, &id))
                continue;
            at = pb_push(&pc->path, ne.name, ne.name_len);
            XGROW(out->v, out->cap, out->n + 1);
            out->v[out->n].path = xstrdup(pb_str(&pc->path));
            out->v[out->n].oid = id;
            out->n++;
            pb_cut(&pc->path, at);
        } else if (ne.kind == GT_GITLINK && !pc->hot_only) {
            pc->submodules++;
        }
    }
    if (ni.bad) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof(hex), new_id);
        log_warn("commit %.12s: tree %s ('%s') is malformed, the rest of it skipped",
                 commit_hex, hex, pc->path.len ? pb_str(&pc->path) : "/");
        pc->errors++;
    }
    free(ot);
    free(nt);
}

static bool pairs_has(const struct pairs *p, const struct pair *x)
{
    for (size_t i = 0; i < p->n; i++)
        if (git_oid_equal(&p->v[i].oid, &x->oid) && strcmp(p->v[i].path, x->path) == 0)
            return true;
    return false;
}

/* What a commit introduced: the (path, blob) pairs that differ from every parent. */
struct commit_result {
    struct pairs pairs;
    struct commit_info *ci;   /* only when pairs.n > 0 */
    bool read;                /* the commit could be read (its message is scanned) */
};

/* Attribution: the tree pass 1 visited for commit `id`, or NULL if it did not walk it. */
static const git_oid *walked_tree(const struct src_git *g, const git_oid *id)
{
    const size_t *at = oidmap_get(&g->walked_at, id);
    return at ? &g->walked_roots.v[*at] : NULL;
}

static bool parent_add(void *arg, const unsigned char id[COMMIT_ID_RAWSZ])
{
    struct parents *ps = arg;

    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 4;
        ps->id = xrealloc(ps->id, ps->cap * sizeof(*ps->id));
        ps->tree = xrealloc(ps->tree, ps->cap * sizeof(*ps->tree));
    }
    memcpy(ps->id[ps->n].id, id, GIT_OID_RAWSZ);
    ps->tree[ps->n++] = NULL;
    return true;
}

/* Attribution: a walked commit read as pass 1 reads commits (its header through this
 * thread's pack reader, in the plain form libgit2 reads alike with one author line:
 * pushwalk.c), its parents' trees those pass 1 visited. False (libgit2 reads it, as
 * before) for anything else: a commit not in a pack, another header, a parent pass 1
 * did not walk. */
static bool quick_commit(struct plan_ctx *pc, const git_oid *id, git_oid *tree,
                         struct parents *ps)
{
    struct src_git *g = pc->g;
    unsigned char head[4096];
    struct commit_head h;
    enum gitpack_type type;
    uint64_t off, size;
    size_t i, len;

    ps->n = 0;
    if (!pc->reader || !packs_find(g, id, &pc->tree_pack, &i, &off) ||
        !gitpack_read_head(pc->reader, g->packs[i], off, head, sizeof(head), sizeof(head), &type,
                           &len, &size) ||
        type != GP_COMMIT || !commit_head_parse((const char *)head, len, &h, parent_add, ps) ||
        h.authors != 1)
        return false;
    memcpy(tree->id, h.tree, GIT_OID_RAWSZ);
    for (size_t p = 0; p < ps->n; p++) {
        if (bad_object(g, &ps->id[p]))
            continue; /* compare with nothing, as below */
        if (!(ps->tree[p] = walked_tree(g, &ps->id[p])))
            return false;
    }
    return true;
}

static void plan_commit(struct plan_ctx *pc, const git_oid *id, struct commit_result *res)
{
    struct src_git *g = pc->g;
    git_commit *c = NULL;
    struct pairs first = { 0 };
    char hex[GIT_OID_HEXSZ + 1];
    const git_oid *tree;
    git_oid own_tree;
    struct parents *ps = &pc->parents;
    bool quick;
    size_t np;

    memset(res, 0, sizeof(*res));
    git_oid_tostr(hex, sizeof(hex), id);
    if (bad_object(g, id))
        return;
    quick = pc->hot_only && quick_commit(pc, id, &own_tree, ps);
    if (!quick && git_commit_lookup(&c, pc->repo, id) != 0) {
        log_warn("cannot read commit %s: %s", hex, libgit2_message());
        pc->errors++;
        return;
    }
    res->read = true;
    tree = quick ? &own_tree : git_commit_tree_id(c);
    if (pc->hot_only && !tree_hot(g, tree, ""))
        goto out;
    pc->commits++;
    np = quick ? ps->n : git_commit_parentcount(c);
    for (size_t p = 0; p < (np ? np : 1); p++) {
        git_commit *parent = NULL;
        const git_oid *ptree = NULL;
        struct pairs cur = { 0 };

        /* A missing parent (shallow clone, corrupt repo): compare with nothing. A parent
         * pass 1 walked has the tree it visited (read as libgit2 reads it: pushwalk.c). */
        if (quick) {
            ptree = np ? ps->tree[p] : NULL;
        } else if (np && !bad_object(g, git_commit_parent_id(c, (unsigned)p))) {
            if (pc->hot_only)
                ptree = walked_tree(g, git_commit_parent_id(c, (unsigned)p));
            if (!ptree && git_commit_parent(&parent, c, (unsigned)p) == 0)
                ptree = git_commit_tree_id(parent);
        }
        pb_cut(&pc->path, 0);
        tree_diff(pc, hex, ptree, tree, p == 0 ? &first : &cur, 0);
        if (p > 0) {
            /* Merge: keep what differs from this parent too. */
            size_t k = 0;
            for (size_t i = 0; i < first.n; i++) {
                if (pairs_has(&cur, &first.v[i]))
                    first.v[k++] = first.v[i];
                else
                    free(first.v[i].path);
            }
            first.n = k;
        }
        pairs_release(&cur);
        git_commit_free(parent);
    }
    if (first.n) {
        /* the commit's author and message, read by libgit2 (few commits introduce) */
        if (quick && git_commit_lookup(&c, pc->repo, id) != 0) {
            log_warn("cannot read commit %s: %s", hex, libgit2_message());
            pc->errors++;
            res->read = false;
            goto out;
        }
        res->pairs = first;
        res->ci = commit_info_of(c);
        memset(&first, 0, sizeof(first));
    }
out:
    pairs_release(&first);
    git_commit_free(c);
}

/* Fold one commit's result into the plan (main thread, commit order); its message too,
 * unless this is attribution (hot_only). */
static void plan_merge(struct src_git *g, const git_oid *id, struct commit_result *res,
                       bool hot_only)
{
    size_t ci = SIZE_MAX;

    if (res->read && !hot_only)
        add_message(g, id, MSG_COMMIT, NULL, oidmap_has(&g->unreachable_commits, id));

    for (size_t i = 0; i < res->pairs.n; i++) {
        if (excluded(g, res->pairs.v[i].path, false))
            continue;
        if (ci == SIZE_MAX)
            ci = add_commit(g, id, &res->ci);
        add_blob(g, &res->pairs.v[i].oid, res->pairs.v[i].path, ci);
    }
    pairs_release(&res->pairs);
    commit_info_free(res->ci);
    res->ci = NULL;
}

struct plan_job {
    struct plan_ctx pc;
    const struct oidvec *commits;
    struct commit_result *results;
    size_t first, step;
};

static void *plan_thread(void *arg)
{
    struct plan_job *j = arg;
    double deadline = j->pc.g->opts.deadline;

    for (size_t i = j->first, k = 0; i < j->commits->n; i += j->step, k++) {
        if (deadline > 0 && (k & 31) == 0 && clock_now() > deadline) {
            j->pc.timed_out = true;
            break;
        }
        plan_commit(&j->pc, &j->commits->v[i], &j->results[i]);
    }
    return NULL;
}

/* Diff each commit against its parents. The commits are split over threads, each with
 * its own repository handle; results are merged in commit order so the plan is the
 * same whatever the timing. hot_only: attribution after a deferred scan. */
void plan_commits(struct src_git *g, const struct oidvec *commits, bool hot_only)
{
    struct commit_result *results = xcalloc(commits->n + 1, sizeof(*results));
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = commits->n >= 256 && ncpu > 1 ? (size_t)(ncpu > 8 ? 8 : ncpu) : 1;
    struct plan_job *jobs = xcalloc(threads, sizeof(*jobs));
    pthread_t *tids = xcalloc(threads, sizeof(*tids));
    bool *started = xcalloc(threads, sizeof(*started));

    /* the threads' tree caches share what one walk's reader may keep */
    size_t cache = LIMIT_PACK_TREE_CACHE_BYTES / threads;
    for (size_t t = 0; t < threads; t++) {
        jobs[t].pc.g = g;
        if (hot_only && g->n_packs)
            jobs[t].pc.reader = gitpack_reader_new(cache);
        jobs[t].pc.hot_only = hot_only;
        jobs[t].commits = commits;
        jobs[t].results = results;
        jobs[t].first = t;
        jobs[t].step = threads;
        if (t == 0 || !(jobs[t].pc.repo = open_like(g)) ||
            git_repository_odb(&jobs[t].pc.odb, jobs[t].pc.repo) != 0 ||
            pthread_create(&tids[t], NULL, plan_thread, &jobs[t]) != 0) {
            /* No thread: the calling thread does this share with the shared handle. */
            git_odb_free(jobs[t].pc.odb);
            git_repository_free(jobs[t].pc.repo);
            jobs[t].pc.repo = g->repo;
            jobs[t].pc.odb = g->odb;
        } else {
            started[t] = true;
        }
    }
    for (size_t t = 0; t < threads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            plan_thread(&jobs[t]);
    }
    for (size_t t = 0; t < threads; t++) {
        g->counts.errors += jobs[t].pc.errors;
        g->counts.submodules += jobs[t].pc.submodules;
        if (!hot_only)
            g->counts.commits += jobs[t].pc.commits;
        g->counts.timed_out |= jobs[t].pc.timed_out;
        free(jobs[t].pc.path.s);
        gitpack_reader_free(jobs[t].pc.reader);
        free(jobs[t].pc.parents.id);
        free(jobs[t].pc.parents.tree);
    }
    for (size_t i = 0; i < commits->n; i++)
        plan_merge(g, &commits->v[i], &results[i], hot_only);
    for (size_t t = 0; t < threads; t++) {
        if (started[t]) {
            git_odb_free(jobs[t].pc.odb);
            git_repository_free(jobs[t].pc.repo);
        }
    }
    free(results);
    free(jobs);
    free(tids);
    free(started);
}
