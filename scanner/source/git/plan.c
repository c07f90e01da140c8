/*
 * source/git/plan.c - what to read: refs, commit walks and the planners.
 *
 * What it does: find the tips (every ref, stash entry and HEAD for a whole history; a
 * revision range; the objects of a push), walk the commits between them, and plan: a
 * whole history tree by tree (graph.c, provenance deferred), a range or a push commit
 * by commit (diff.c); with --all-objects also what no ref reaches; with --staged the
 * index against HEAD. Annotated tags met on the way are planned as messages.
 * What it does not: read blobs, or plan the work tree (worktree.c).
 * The tricky point: libgit2's revwalk stops at the first missing parent and would read
 * objects it must not (bad_object): walks fall back to a tolerant walk of our own.
 */
#include "source/git/internal.h"
#include "source/git/cgraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/log.h"
#include "base/xalloc.h"

struct odb_walk {
    const struct src_git *g;
    git_odb *odb;
    git_oid *commits;
    size_t n_commits, cap_commits;
    git_oid *blobs;
    size_t n_blobs, cap_blobs;
    git_oid *tags;
    size_t n_tags, cap_tags;
    uint64_t errors;
};

static int collect_object(const git_oid *id, void *payload)
{
    struct odb_walk *w = payload;
    size_t len;
    git_object_t type;

    if (bad_object(w->g, id))
        return 0; /* warned about when it was found */
    if (git_odb_read_header(&len, &type, w->odb, id) != 0) {
        w->errors++;
        return 0;
    }
    if (type == GIT_OBJECT_COMMIT) {
        XGROW(w->commits, w->cap_commits, w->n_commits + 1);
        git_oid_cpy(&w->commits[w->n_commits++], id);
    } else if (type == GIT_OBJECT_BLOB) {
        XGROW(w->blobs, w->cap_blobs, w->n_blobs + 1);
        git_oid_cpy(&w->blobs[w->n_blobs++], id);
    } else if (type == GIT_OBJECT_TAG) {
        XGROW(w->tags, w->cap_tags, w->n_tags + 1);
        git_oid_cpy(&w->tags[w->n_tags++], id);
    }
    return 0;
}

/* Add every blob of a tree that a ref names directly (a tag on a tree). */
static void plan_tree_blobs(struct src_git *g, const git_tree *t, const char *prefix,
                            git_odb *only_in, int depth)
{
    size_t n = git_tree_entrycount(t);

    if (depth > 512)
        return;
    for (size_t i = 0; i < n; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(t, i);
        char *path = xasprintf("%s/%s", prefix, git_tree_entry_name(e));
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
            if (!only_in || git_odb_exists(only_in, git_tree_entry_id(e)))
                add_blob(g, git_tree_entry_id(e), path, PROV_REF);
        } else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
            git_tree *sub = NULL;
            if (git_tree_lookup(&sub, g->repo, git_tree_entry_id(e)) == 0)
                plan_tree_blobs(g, sub, path, only_in, depth + 1);
            git_tree_free(sub);
        }
        free(path);
    }
}

/* The objects a push adds sit in git's quarantine directory during pre-receive: an odb
 * of just those, to tell new blobs of a pushed tree from ones the server already has.
 * NULL outside a quarantine (everything counts as new). */
static git_odb *quarantine_odb(const struct src_git *g)
{
    const char *q = g->opts.quarantine;
    git_odb *odb = NULL;

    if (!q || !*q || git_odb_open(&odb, q) != 0)
        return NULL;
    return odb;
}

/* git_reference_peel, but no object libgit2 must not read (bad_object) is looked up: the
 * ref's target, then through annotated tags to what they name (each tag's message is
 * planned). */
int peel(struct src_git *g, git_reference *ref, git_object **out, bool plan_tags)
{
    git_reference *direct = NULL;
    git_oid id;

    *out = NULL;
    if (git_reference_resolve(&direct, ref) != 0)
        return -1;
    git_oid_cpy(&id, git_reference_target(direct));
    git_reference_free(direct);
    for (int depth = 0; depth < 64; depth++) {
        git_object *obj = NULL;
        if (bad_object(g, &id)) {
            git_error_set_str(GIT_ERROR_ODB, "corrupt object");
            return -1;
        }
        if (git_object_lookup(&obj, g->repo, &id, GIT_OBJECT_ANY) != 0)
            return -1;
        if (git_object_type(obj) != GIT_OBJECT_TAG) {
            *out = obj;
            return 0;
        }
        if (plan_tags)
            add_message(g, &id, MSG_TAG, git_tag_name((git_tag *)obj), false);
        git_oid_cpy(&id, git_tag_target_id((git_tag *)obj));
        git_object_free(obj);
    }
    git_error_set_str(GIT_ERROR_INVALID, "tags nested more than 64 deep");
    return -1;
}

/* Remember a tip planned from (src_git_ref_tips). */
static void note_tip(struct src_git *g, const char *name, const git_oid *id)
{
    char hex[GIT_OID_HEXSZ + 1];

    git_oid_tostr(hex, sizeof(hex), id);
    g->tip_names = xrealloc(g->tip_names, (g->n_tips + 1) * sizeof(char *));
    g->tip_ids = xrealloc(g->tip_ids, (g->n_tips + 1) * sizeof(char *));
    g->tip_names[g->n_tips] = xstrdup(name);
    g->tip_ids[g->n_tips++] = xstrdup(hex);
}

/* Tips of a full scan: every ref (peeled; refs to trees and blobs are planned directly),
 * every stash entry (older ones live only in the refs/stash reflog), HEAD. */
static void collect_ref_tips(struct src_git *g, struct oidvec *tips)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    git_reflog *log = NULL;
    git_oid head;

    if (git_reference_iterator_new(&it, g->repo) != 0) {
        log_warn("'%s': cannot list refs: %s", g->path, libgit2_message());
        g->counts.errors++;
        return;
    }
    while (git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL;
        const char *name = git_reference_name(ref);
        if (peel(g, ref, &obj, true) == 0) {
            git_object_t type = git_object_type(obj);
            if (type == GIT_OBJECT_COMMIT) {
                oidvec_push(tips, git_object_id(obj));
                note_tip(g, name, git_object_id(obj));
            } else if (type == GIT_OBJECT_TREE) {
                char *prefix = xasprintf("(%s)", name);
                plan_tree_blobs(g, (git_tree *)obj, prefix, NULL, 0);
                free(prefix);
            } else if (type == GIT_OBJECT_BLOB) {
                char *path = xasprintf("(%s)", name);
                add_blob(g, git_object_id(obj), path, PROV_REF);
                free(path);
            }
        } else {
            char hex[GIT_OID_HEXSZ + 1] = "?";
            const git_oid *target = git_reference_target(ref);
            if (target)
                git_oid_tostr(hex, sizeof(hex), target);
            log_warn("'%s': ref %s: cannot read object %s: %s", g->path, name, hex,
                     libgit2_message());
            g->counts.errors++;
        }
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    if (git_reflog_read(&log, g->repo, "refs/stash") == 0) {
        for (size_t i = 0; i < git_reflog_entrycount(log); i++) {
            const git_oid *id = git_reflog_entry_id_new(git_reflog_entry_byindex(log, i));
            char *name = xasprintf("refs/stash@{%zu}", i);
            oidvec_push(tips, id);
            note_tip(g, name, id);
            free(name);
        }
        git_reflog_free(log);
    }
    if (git_reference_name_to_id(&head, g->repo, "HEAD") == 0) {
        oidvec_push(tips, &head);
        note_tip(g, "HEAD", &head);
    }
}

/* An incremental plan (opts.since): the tips of the last scan that today's refs still
 * reach are hidden, so that only the commits new since are walked. If one is not reached
 * any more (a force push, a deleted branch), what it held may be gone: the whole history
 * is planned again (and the caller learns it from counts.rewritten). */
static void since_hide(struct src_git *g, const struct oidvec *tips, struct oidvec *hide)
{
    for (size_t i = 0; i < g->opts.n_since; i++) {
        git_oid id;
        bool reached = false;
        if (git_oid_fromstr(&id, g->opts.since[i]) == 0 && !bad_object(g, &id) &&
            git_odb_exists(g->odb, &id)) {
            for (size_t k = 0; k < tips->n && !reached; k++)
                reached = oid_eq(&tips->v[k], &id);
            if (!reached && tips->n)
                reached = git_graph_reachable_from_any(g->repo, &id, tips->v, tips->n) == 1;
        }
        if (!reached) {
            g->counts.rewritten++;
            continue;
        }
        oidvec_push(hide, &id);
    }
    if (g->counts.rewritten)
        hide->n = 0;
}

/* The type of object `id` from the entry headers of the pack that has it (pack.c), or
 * false: libgit2's odb tells then. */
static bool packed_type(const struct src_git *g, const git_oid *id, git_object_t *type)
{
    size_t first = 0, i;
    uint64_t off;
    enum gitpack_type t;

    if (!packs_find(g, id, &first, &i, &off) || !gitpack_type_at(g->packs[i], off, &t))
        return false;
    *type = (git_object_t)t; /* the same numbers: commit 1, tree 2, blob 3, tag 4 */
    return true;
}

const git_oid *ref_target(const git_reference *ref)
{
    const git_oid *id;

    if (git_reference_type(ref) != GIT_REFERENCE_DIRECT)
        return NULL;
    id = git_reference_target_peel(ref);
    return id ? id : git_reference_target(ref);
}

/* Refs whose targets the repository's commit-graph file lists are commits, known without
 * reading their pack entries' headers: on git/git those 1,016 reads, each a page of a
 * 314 MB pack touched at random, were 5 ms of a push's 12 ms of planning (a pre-receive
 * hook; benches/RESULTS.md). */
static void collect_glob_tips(struct src_git *g, const char *glob, struct oidvec *out)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    git_odb *odb = NULL;
    const struct cgraph *graph = commit_graph(g);

    if (git_reference_iterator_glob_new(&it, g->repo, glob) != 0)
        return;
    if (git_repository_odb(&odb, g->repo) != 0)
        odb = NULL;
    while (git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL;
        /* packed-refs records what each annotated tag peels to ("^" lines): with that and
         * the object's type from its pack header, no tag or commit is inflated (a push
         * into git/git hides 1,008 tags: 3-4 ms of the hook, benches/RESULTS.md); the
         * header read by pack.c, not libgit2's object database (1.5 ms more, issue 16) */
        const git_oid *id = ref_target(ref);
        size_t size;
        uint32_t pos;
        git_object_t type = GIT_OBJECT_INVALID;
        if (id && graph && cgraph_find(graph, id->id, &pos)) {
            type = GIT_OBJECT_COMMIT;
            g->counts.tips_from_graph++;
        }
        if (id && !bad_object(g, id) &&
            (type == GIT_OBJECT_COMMIT || packed_type(g, id, &type) ||
             (odb && git_odb_read_header(&size, &type, odb, id) == 0)) &&
            type == GIT_OBJECT_COMMIT)
            oidvec_push(out, id);
        else if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB &&
                 git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0)
            oidvec_push(out, git_object_id(obj)); /* a loose tag, a symbolic ref */
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_odb_free(odb);
    git_reference_iterator_free(it);
}

/* The commits reachable from `tips` and not from `hide`, tolerating missing objects
 * (shallow clones, corrupt repositories): libgit2's revwalk stops at the first missing
 * parent and loses everything. */
static void walk_tolerant(struct src_git *g, const struct oidvec *tips, const struct oidvec *hide,
                          struct oidvec *out)
{
    struct oidmap hidden = OIDMAP_INIT, seen = OIDMAP_INIT, shallow = OIDMAP_INIT;
    struct oidvec stack = { 0 };

    read_shallow(g, &shallow);
    for (int pass = 0; pass < 2; pass++) {
        const struct oidvec *from = pass == 0 ? hide : tips;
        struct oidmap *mark = pass == 0 ? &hidden : &seen;
        stack.n = 0;
        for (size_t i = 0; i < from->n; i++)
            oidvec_push(&stack, &from->v[i]);
        while (stack.n) {
            git_oid id = stack.v[--stack.n];
            git_commit *c = NULL;
            bool created = false;
            if (pass == 1 && oidmap_has(&hidden, &id))
                continue;
            (void)oidmap_add(mark, &id, &created);
            if (!created)
                continue;
            if (bad_object(g, &id) || git_commit_lookup(&c, g->repo, &id) != 0) {
                if (pass == 1) {
                    char hex[GIT_OID_HEXSZ + 1];
                    git_oid_tostr(hex, sizeof(hex), &id);
                    log_warn("'%s': commit %s is missing or unreadable: %s", g->path, hex,
                             libgit2_message());
                    g->counts.errors++;
                }
                continue;
            }
            if (pass == 1)
                oidvec_push(out, &id);
            if (!oidmap_has(&shallow, &id))
                for (unsigned k = 0; k < git_commit_parentcount(c); k++)
                    oidvec_push(&stack, git_commit_parent_id(c, k));
            else if (pass == 1 && git_commit_parentcount(c) > 0)
                g->counts.shallow_cut++; /* its parents are past the shallow boundary */
            git_commit_free(c);
        }
    }
    free(stack.v);
    oidmap_release(&hidden);
    oidmap_release(&seen);
    oidmap_release(&shallow);
}

/* tips minus hide: libgit2's revwalk first (fast, handles hiding lazily), the tolerant
 * walk if it fails or the repository is shallow. */
static void walk(struct src_git *g, const struct oidvec *tips, const struct oidvec *hide,
                 struct oidvec *out, struct oidvec *trees)
{
    git_revwalk *w = NULL;
    git_oid id;
    bool ok = true;
    bool shallow = is_shallow(g);

    out->n = 0;
    /* A push: the same walk as libgit2's below, each commit read once (pushwalk.c) */
    if (!shallow && !g->bad_loose.n && g->opts.n_tips && push_walk(g, tips, hide, out))
        return;
    /* A whole history: the same, each commit read once and its tree kept for pass 1
     * (libgit2 read every commit twice, in its walk and in git_commit_lookup) */
    if (trees && !shallow && !g->bad_loose.n && !hide->n && !g->opts.libgit2_walk &&
        full_walk(g, tips, out, trees))
        return;
    /* libgit2's walk would read the objects it must not (bad_object): walk ourselves */
    if (!shallow && !g->bad_loose.n && git_revwalk_new(&w, g->repo) == 0) {
        git_revwalk_sorting(w, GIT_SORT_NONE);
        for (size_t i = 0; ok && i < tips->n; i++)
            ok = git_revwalk_push(w, &tips->v[i]) == 0;
        for (size_t i = 0; ok && i < hide->n; i++)
            (void)git_revwalk_hide(w, &hide->v[i]);
        for (int rc; ok && (rc = git_revwalk_next(&id, w)) != GIT_ITEROVER;) {
            if (rc != 0)
                ok = false;
            else
                oidvec_push(out, &id);
        }
        git_revwalk_free(w);
        if (ok)
            return;
        out->n = 0;
    }
    walk_tolerant(g, tips, hide, out);
}

/* The tips of a push (pre-receive, pre-push): pushed commits into *tips; pushed
 * annotated tags (their messages), trees and blobs are planned here. Commits the push
 * does not add into *hide; or, when the push is new commits on top of the refs'
 * (pushnew.c), the commits it adds into *walked and *hide left empty. */
static enum status plan_push(struct src_git *g, struct oidvec *tips, struct oidvec *hide,
                             struct oidvec *walked, bool *done)
{
    enum status st = STATUS_OK;
    /* objects the push adds (pre-receive), to tell new tags, trees and blobs */
    git_odb *q = quarantine_odb(g);
    bool one = true;

    for (size_t i = 0; st == STATUS_OK && i < g->opts.n_tips; i++) {
        git_oid tip;
        git_object *obj = NULL;
        if (git_oid_fromstr(&tip, g->opts.tips[i]) != 0 ||
            git_object_lookup(&obj, g->repo, &tip, GIT_OBJECT_ANY) != 0) {
            st = fail(STATUS_CORRUPT, "'%s': cannot read pushed object %s: %s", g->path,
                      g->opts.tips[i], libgit2_message());
            break;
        }
        for (int depth = 0; obj && git_object_type(obj) == GIT_OBJECT_TAG; depth++) {
            git_object *target = NULL;
            /* a pushed annotated tag: its message is pushed content */
            if (!q || git_odb_exists(q, git_object_id(obj)))
                add_message(g, git_object_id(obj), MSG_TAG, git_tag_name((git_tag *)obj),
                            false);
            if (depth >= 64 || git_tag_target(&target, (git_tag *)obj) != 0)
                target = NULL;
            git_object_free(obj);
            obj = target;
        }
        if (!obj) {
            st = fail(STATUS_CORRUPT, "'%s': cannot read the target of pushed tag %s: %s",
                      g->path, g->opts.tips[i], libgit2_message());
            break;
        }
        /* A tag may point at a tree or a blob: those are pushed content too. */
        if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
            oidvec_push(tips, git_object_id(obj));
        } else if (git_object_type(obj) == GIT_OBJECT_TREE) {
            plan_tree_blobs(g, (git_tree *)obj, "(pushed tree)", q, 0);
        } else if (git_object_type(obj) == GIT_OBJECT_BLOB) {
            if (!q || git_odb_exists(q, git_object_id(obj)))
                add_blob(g, git_object_id(obj), "(pushed blob)", PROV_REF);
        }
        git_object_free(obj);
    }
    /* one pushed commit (a branch and a tag on it count once: the walk takes each
     * commit once) */
    for (size_t i = 1; i < tips->n && st == STATUS_OK; i++)
        one = one && oid_eq(&tips->v[i], &tips->v[0]);
    *done = st == STATUS_OK && one && tips->n && push_new_chain(g, &tips->v[0], q, walked);
    git_odb_free(q);
    if (st != STATUS_OK || *done)
        return st;
    for (size_t i = 0; i < g->opts.n_hide; i++) {
        git_oid h;
        /* A hidden commit we do not have (a force push over unknown history) is fine. */
        git_commit *hc = NULL;
        if (git_oid_fromstr(&h, g->opts.hide[i]) == 0 &&
            git_commit_lookup(&hc, g->repo, &h) == 0)
            oidvec_push(hide, &h);
        git_commit_free(hc);
    }
    if (g->opts.hide_glob)
        collect_glob_tips(g, g->opts.hide_glob, hide);
    {
        /* With a commit-graph file (5 MB for git/git) libgit2 1.5 spent 12 ms of a 40 ms
         * hook inside its own code before the walk gained anything: more than the few
         * commits a push walks cost without it (benches/RESULTS.md, issue 16). The walk
         * is the same without it. */
        git_odb *odb = NULL;
        if (git_repository_odb(&odb, g->repo) == 0)
            (void)git_odb_set_commit_graph(odb, NULL);
        git_odb_free(odb);
    }
    return STATUS_OK;
}

/* The tips and the hidden commits of a revision range ("A..B", or one revision). */
static enum status plan_range(struct src_git *g, const char *range, struct oidvec *tips,
                              struct oidvec *hide)
{
    git_revspec spec;
    git_object *to, *from, *pt = NULL, *pf = NULL;

    if (git_revparse(&spec, g->repo, range) != 0)
        return fail(STATUS_USAGE, "'%s': bad revision range '%s': %s", g->path, range,
                    libgit2_message());
    to = (spec.flags & GIT_REVSPEC_SINGLE) ? spec.from : spec.to;
    from = (spec.flags & GIT_REVSPEC_SINGLE) ? NULL : spec.from;
    if (to && git_object_peel(&pt, to, GIT_OBJECT_COMMIT) == 0)
        oidvec_push(tips, git_object_id(pt));
    if (from && git_object_peel(&pf, from, GIT_OBJECT_COMMIT) == 0)
        oidvec_push(hide, git_object_id(pf));
    git_object_free(pt);
    git_object_free(pf);
    git_object_free(spec.from);
    git_object_free(spec.to);
    return STATUS_OK;
}

/* A shallow clone (or a `shallow` file): the walk stops where git's does, and says so,
 * since older commits may hold keys. */
static void report_shallow(const struct src_git *g)
{
    if (g->opts.allow_shallow)
        log_warn("'%s': shallow repository: history before %llu boundary commit%s not "
                 "scanned (--allow-shallow)", g->path,
                 (unsigned long long)g->counts.shallow_cut,
                 g->counts.shallow_cut == 1 ? " is" : "s is");
    else
        log_gap(DIAG_HISTORY, "'%s': shallow repository: the history is truncated at "
                "%llu boundary commit%s, older commits are not scanned (git fetch "
                "--unshallow, or accept it with --allow-shallow)", g->path,
                (unsigned long long)g->counts.shallow_cut,
                g->counts.shallow_cut == 1 ? "" : "s");
}

/* Blobs no commit reaches: dropped stashes, dangling adds; or staged, which the index
 * names (at their path: the next commit takes them). */
static void plan_loose_blobs(struct src_git *g, const struct odb_walk *ow)
{
    git_index *index = NULL;
    struct oidmap in_index = OIDMAP_INIT; /* blob -> index entry */

    if (ow->n_blobs && git_repository_index(&index, g->repo) == 0) {
        for (size_t k = 0; k < git_index_entrycount(index); k++) {
            const git_index_entry *e = git_index_get_byindex(index, k);
            if (e && git_index_entry_stage(e) == 0 &&
                (e->mode & 0170000) != 0160000 && !excluded(g, e->path, false))
                *oidmap_add(&in_index, &e->id, NULL) = k;
        }
    }
    for (size_t i = 0; i < ow->n_blobs; i++) {
        size_t *k = oidmap_get(&in_index, &ow->blobs[i]);
        if (blob_find(g, &ow->blobs[i]) != SIZE_MAX)
            continue;
        if (k)
            add_blob(g, &ow->blobs[i], git_index_get_byindex(index, *k)->path, PROV_STAGED);
        else
            add_blob(g, &ow->blobs[i], "(unreachable blob)", PROV_UNREACHABLE);
    }
    oidmap_release(&in_index);
    git_index_free(index);
}

/* --all-objects: what no ref reaches (`tips`: what refs reach). */
static void plan_unreachable(struct src_git *g, const struct oidvec *tips)
{
    struct odb_walk ow = { .g = g };
    struct oidvec extra = { 0 }, unreach = { 0 };

    if (git_repository_odb(&ow.odb, g->repo) != 0 ||
        git_odb_foreach(ow.odb, collect_object, &ow) != 0) {
        log_warn("'%s': cannot list the object database: %s", g->path, libgit2_message());
        g->counts.errors++;
    }
    g->counts.errors += ow.errors;
    /* Commits no ref reaches (rewritten history): walk them, hiding what refs reach. */
    for (size_t i = 0; i < ow.n_commits; i++)
        oidvec_push(&extra, &ow.commits[i]);
    walk(g, &extra, tips, &unreach, NULL);
    for (size_t i = 0; i < unreach.n; i++)
        (void)oidmap_add(&g->unreachable_commits, &unreach.v[i], NULL);
    if (g->deferred)
        visit_commits(g, &unreach, NULL);
    else
        plan_commits(g, &unreach, false);
    plan_loose_blobs(g, &ow);
    /* Annotated tags no ref names (deleted tags): their messages. */
    for (size_t i = 0; i < ow.n_tags; i++) {
        git_tag *t = NULL;
        if (msg_find(g, &ow.tags[i]) != SIZE_MAX)
            continue;
        if (git_tag_lookup(&t, g->repo, &ow.tags[i]) == 0)
            add_message(g, &ow.tags[i], MSG_TAG, git_tag_name(t), true);
        else
            add_message(g, &ow.tags[i], MSG_TAG, NULL, true);
        git_tag_free(t);
    }
    free(extra.v);
    free(unreach.v);
    free(ow.commits);
    free(ow.blobs);
    free(ow.tags);
    git_odb_free(ow.odb);
}

enum status plan_history(struct src_git *g)
{
    struct oidvec tips = { 0 }, hide = { 0 }, commits = { 0 }, trees = { 0 };
    enum status st = STATUS_OK;
    char *range = NULL;
    bool walked = false;

    if (g->opts.since_commit)
        range = xasprintf("%s..HEAD", g->opts.since_commit);
    else if (g->opts.rev_range)
        range = xstrdup(g->opts.rev_range);
    if (g->opts.n_tips)
        st = plan_push(g, &tips, &hide, &commits, &walked);
    else if (range)
        st = plan_range(g, range, &tips, &hide);
    else
        collect_ref_tips(g, &tips);
    if (st != STATUS_OK)
        goto out;
    if (!range && !g->opts.n_tips && g->opts.n_since)
        since_hide(g, &tips, &hide);
    g->counts.incremental = !range && !g->opts.n_tips && hide.n > 0;
    if (walked)
        g->counts.push_new = commits.n;
    else
        walk(g, &tips, &hide, &commits, &trees);
    g->counts.walk_digest = hash_bytes(commits.v, commits.n * sizeof(*commits.v)); /* tests */
    if (g->counts.shallow_cut)
        report_shallow(g);
    g->counts.commits = 0;
    /* A whole history is read tree by tree, each distinct tree once; a range or a push
     * needs what its commits introduced, and path filters need every path: diff those. */
    g->deferred = !range && !g->opts.n_tips && !g->counts.incremental;
    if (g->deferred)
        visit_commits(g, &commits, &trees);
    else
        plan_commits(g, &commits, false);
    if (g->opts.all_objects && g->deferred)
        plan_unreachable(g, &tips);
out:
    free(range);
    free(tips.v);
    free(hide.v);
    free(commits.v);
    free(trees.v);
    return st;
}

enum status plan_staged(struct src_git *g)
{
    git_index *index = NULL;
    git_object *head = NULL;
    git_tree *head_tree = NULL;
    enum status st = STATUS_OK;
    size_t n;

    if (git_repository_index(&index, g->repo) != 0)
        return fail(STATUS_CORRUPT, "'%s': cannot read the index: %s", g->path, libgit2_message());
    if (git_revparse_single(&head, g->repo, "HEAD^{tree}") == 0)
        head_tree = (git_tree *)head;
    n = git_index_entrycount(index);
    for (size_t i = 0; i < n; i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        git_tree_entry *te = NULL;
        bool same = false;

        if (!e || git_index_entry_stage(e) != 0 || (e->mode & 0170000) == 0160000)
            continue;
        if (head_tree && git_tree_entry_bypath(&te, head_tree, e->path) == 0) {
            same = git_oid_equal(git_tree_entry_id(te), &e->id);
            git_tree_entry_free(te);
        }
        if (!same && !excluded(g, e->path, false))
            add_blob(g, &e->id, e->path, PROV_STAGED);
    }
    git_object_free(head);
    git_index_free(index);
    return st;
}

