/*
 * source/git/pushnew.c - a push's new commits when they sit on top of the refs' commits.
 *
 * What it does: push_new_chain() answers, for the usual pre-receive push (one ref
 * moved forward by a few new commits, or a new branch or a merge on top of existing
 * branches), which commits the push adds without reading any commit a ref names. It
 * follows the one pushed commit (a branch and a tag on it are one) back while each
 * commit is a new object (in the push's quarantine and not in the repository's own
 * object database, alternates included) with at most one new parent; every other
 * parent, and the parent where the chain ends, must be a commit some ref (or an
 * updated ref's old value) names as it is.
 * Why that is the walk's answer, in its order: the refs' commits and their ancestors
 * are all in the repository's object database (git keeps every ref's history there;
 * the quarantine joins it only after pre-receive accepts), so no ref reaches a commit
 * only the quarantine has; every parent outside the chain is a ref's commit, so the
 * chain is everything the tip reaches that no ref does. Only one commit of a chain is
 * in the walk's list at a time, so libgit2's date-ordered walk (pushwalk.c) gives the
 * chain in its order, tip first, whatever the dates.
 * Why: the walk inserts every ref's commit into its date-ordered list, so it reads each
 * of them (git/git: 1,015 commits, a look-up in a 12 MB pack index and an entry of a
 * 314 MB pack each), and telling which refs name commits reads each one's pack entry
 * header first. A 1-commit push into git/git: the hook alone 42 -> 29 ms without a
 * commit-graph file, 30 -> 27 ms with one (benches/RESULTS.md, issue 16 goal 5).
 * What it does not: decide anything it cannot show. A tip or a chain commit the
 * repository already has, two new parents (a merge of two new branches), a parent no ref
 * names as it is (an older commit), a commit header not in the plain form
 * (commithead.h), a shallow repository, no quarantine: false, and the caller walks as
 * before.
 */
#include "source/git/internal.h"
#include "source/git/commithead.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* A chain longer than this is walked as before (its commits are read either way). */
#define CHAIN_MAX 4096
/* Parents of one commit looked at; an octopus wider than this is walked as before. */
#define PARENTS_MAX 64

struct parents {
    unsigned char id[PARENTS_MAX][COMMIT_ID_RAWSZ];
    size_t n;
};

static bool add_parent(void *arg, const unsigned char id[COMMIT_ID_RAWSZ])
{
    struct parents *p = arg;

    if (p->n >= PARENTS_MAX)
        return false;
    memcpy(p->id[p->n++], id, COMMIT_ID_RAWSZ);
    return true;
}

/* The commits the refs matching `glob` name (the peeled commit of an annotated tag as
 * packed-refs records it, else the ref's own target), and the updated refs' old
 * values. Nothing is read but the refs. */
static void ref_commits(struct src_git *g, const char *glob, struct oidmap *out)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;

    for (size_t i = 0; i < g->opts.n_hide; i++) {
        git_oid h;
        if (git_oid_fromstr(&h, g->opts.hide[i]) == 0)
            (void)oidmap_add(out, &h, NULL);
    }
    if (!glob || git_reference_iterator_glob_new(&it, g->repo, glob) != 0)
        return;
    while (git_reference_next(&ref, it) == 0) {
        if (ref_target(ref))
            (void)oidmap_add(out, ref_target(ref), NULL);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
}

/* Commit `id` read from the quarantine `q` alone, its parents into *p. */
static bool read_new(const struct src_git *g, git_odb *q, git_odb *own, const git_oid *id,
                     struct parents *p)
{
    git_odb_object *o = NULL;
    struct commit_head h;
    bool ok;

    p->n = 0;
    if (bad_object(g, id) || !git_odb_exists(q, id) ||
        git_odb_exists_ext(own, id, GIT_ODB_LOOKUP_NO_REFRESH) ||
        git_odb_read(&o, q, id) != 0)
        return false;
    ok = git_odb_object_type(o) == GIT_OBJECT_COMMIT &&
         commit_head_parse(git_odb_object_data(o), git_odb_object_size(o), &h, add_parent, p) &&
         h.n_parents == p->n;
    git_odb_object_free(o);
    return ok;
}

bool push_new_chain(struct src_git *g, const git_oid *tip, git_odb *q, struct oidvec *out)
{
    const char *common = git_repository_commondir(g->repo);
    char *path = xasprintf("%sobjects", common ? common : g->gitdir);
    bool ok = false;
    struct oidmap refs = OIDMAP_INIT;
    git_odb *own = NULL;
    git_oid cur = *tip;
    struct parents *p = xmalloc(sizeof(*p));

    out->n = 0;
    /* the refs are listed only once the tip is new (a tag pushed on a commit the
     * repository has is walked, and the walk lists them itself) */
    if (!q || is_shallow(g) || g->bad_loose.n || git_odb_open(&own, path) != 0 ||
        !read_new(g, q, own, &cur, p))
        goto out;
    ref_commits(g, g->opts.hide_glob, &refs);
    do {
        const unsigned char *next = NULL;
        size_t k;
        oidvec_push(out, &cur);
        for (k = 0; k < p->n; k++) {
            git_oid id;
            memcpy(id.id, p->id[k], COMMIT_ID_RAWSZ);
            if (oidmap_has(&refs, &id))
                continue;
            if (next && memcmp(next, p->id[k], COMMIT_ID_RAWSZ) != 0)
                break; /* a second new parent */
            next = p->id[k];
        }
        if (k < p->n)
            break;
        if (!next) {
            ok = true;
            break;
        }
        memcpy(cur.id, next, COMMIT_ID_RAWSZ);
    } while (out->n < CHAIN_MAX && read_new(g, q, own, &cur, p));
out:
    if (!ok)
        out->n = 0;
    free(p);
    free(path);
    git_odb_free(own);
    oidmap_release(&refs);
    return ok;
}
