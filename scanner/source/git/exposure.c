/*
 * source/git/exposure.c - how exposed a blob with findings still is.
 *
 * What it does: for the blobs (and commit messages) with findings, at the paths they
 * were seen at, answer: present in HEAD's tree or at which branch tips; which commit on
 * HEAD's first-parent line removed it from its path; only in unreachable objects, or
 * staged; for a message, the branches whose history holds its commit.
 * What it does not: rank anything (rank/ turns these facts into a score).
 * The tricky point: the caller names every question first (src_git_exposure_want), so
 * that one walk over the branch tips and one over HEAD's first-parent line answer them
 * all; the walks read raw trees and never hand libgit2 an object it must not read.
 */
#include "source/git/internal.h"
#include "base/limits.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct rnode {                /* one component of a wanted path */
    char *name;
    struct rnode **kids;
    size_t n_kids;
    bool wanted;              /* a wanted path ends here */
    bool present, is_tree;    /* what is at this path in the previous commit... */
    git_oid cur;              /* ...and its id */
    struct oidmap removed;    /* wanted: blob -> chain index of the commit that removed it */
};

static void rnode_free(struct rnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        rnode_free(n->kids[i]);
    free(n->kids);
    free(n->name);
    oidmap_release(&n->removed);
    free(n);
}

/* Forget the previous walk (exposure is prepared again when more is wanted). */
static void rnode_reset(struct rnode *n)
{
    n->present = n->is_tree = false;
    oidmap_release(&n->removed);
    for (size_t i = 0; i < n->n_kids; i++)
        rnode_reset(n->kids[i]);
}

static struct rnode *rnode_child(struct rnode *n, const char *name, size_t len, bool create)
{
    struct rnode *k;

    for (size_t i = 0; i < n->n_kids; i++)
        if (strlen(n->kids[i]->name) == len && memcmp(n->kids[i]->name, name, len) == 0)
            return n->kids[i];
    if (!create)
        return NULL;
    k = xcalloc(1, sizeof(*k));
    k->name = xstrndup(name, len);
    n->kids = xrealloc(n->kids, (n->n_kids + 1) * sizeof(*n->kids));
    n->kids[n->n_kids++] = k;
    return k;
}

static struct rnode *rnode_path(struct rnode *root, const char *path, bool create)
{
    struct rnode *n = root;

    while (n && *path) {
        size_t len = strcspn(path, "/");
        if (len)
            n = rnode_child(n, path, len, create);
        path += len + (path[len] == '/');
    }
    return n == root ? NULL : n;
}

/* The path in the repository of a location of blob `id`: an archive member's location
 * ("x.zip!a/b") lives at the path of its archive. */
static const char *git_path_of(const struct src_git *g, const git_oid *id, const char *path)
{
    size_t at = blob_find(g, id);
    const char *best = path;
    size_t best_len = 0;

    if (at == SIZE_MAX)
        return path;
    for (size_t k = 0; k < g->blobs[at].n_prov; k++) {
        const char *p = g->prov[g->blobs[at].prov[k]].path;
        size_t l = strlen(p);
        if (strcmp(p, path) == 0)
            return p;
        if (l > best_len && strncmp(path, p, l) == 0 && path[l] == '!') {
            best = p;
            best_len = l;
        }
    }
    return best;
}

void src_git_exposure_want(struct src_git *g, const char *blob_hex, const char *path)
{
    git_oid id;
    bool created = false;
    size_t at;

    if (git_oid_fromstr(&id, blob_hex) != 0)
        return;
    if ((at = msg_find(g, &id)) != SIZE_MAX) {
        /* a message: which tips' history holds its commit (no path to follow) */
        if (g->msgs[at].kind == MSG_COMMIT) {
            (void)oidmap_add(&g->exp_msgs, &id, &created);
            if (created)
                g->exposure_ready = false;
        }
        return;
    }
    (void)oidmap_add(&g->exp_blobs, &id, &created);
    if (created)
        g->exposure_ready = false;
    if (path) {
        const char *gp = git_path_of(g, &id, path);
        struct rnode *n;
        if (!g->rroot)
            g->rroot = xcalloc(1, sizeof(*g->rroot));
        n = rnode_path(g->rroot, gp, true);
        if (n && !n->wanted) {
            n->wanted = true;
            g->exposure_ready = false;
        }
    }
}

/* Add the wanted blobs under `tree` to `out`; memo: tree -> 1 (none below), 2 (some). */
static bool tip_collect(struct src_git *g, const git_oid *tree, struct oidmap *memo,
                        struct oidmap *out, int depth)
{
    size_t *m = oidmap_get(memo, tree);
    struct gt_iter it;
    struct gt_entry e;
    bool any = false;
    unsigned char *copy;
    size_t len = 0;

    if ((m && *m == 1) || depth > 512 || !(copy = tree_copy(g, tree, &len)))
        return false;
    gt_init(&it, copy, len);
    while (gt_next(&it, &e)) {
        git_oid id;
        memcpy(id.id, e.oid, GIT_OID_RAWSZ);
        if (e.kind == GT_BLOB && oidmap_has(&g->exp_blobs, &id)) {
            (void)oidmap_add(out, &id, NULL);
            any = true;
        } else if (e.kind == GT_TREE && tip_collect(g, &id, memo, out, depth + 1)) {
            any = true;
        }
    }
    free(copy);
    *oidmap_add(memo, tree, NULL) = any ? 2 : 1;
    return any;
}

static void tip_blobs(struct src_git *g, const git_oid *commit, struct oidmap *memo,
                      struct oidmap *out)
{
    git_commit *c = NULL;

    if (!bad_object(g, commit) && git_commit_lookup(&c, g->repo, commit) == 0)
        tip_collect(g, git_commit_tree_id(c), memo, out, 0);
    git_commit_free(c);
}

/* Commit `i` of HEAD's first-parent line has `id` (of kind `kind`) at node n's path, or
 * nothing: record what left a wanted path, descend where the tree changed. */
static void chain_update(struct src_git *g, struct rnode *n, bool present, enum gt_kind kind,
                         const git_oid *id, size_t i, int depth)
{
    if (n->wanted && n->present && (!present || !oid_eq(&n->cur, id)))
        *oidmap_add(&n->removed, &n->cur, NULL) = i;
    if (n->n_kids && depth < 512) {
        bool was_tree = n->present && n->is_tree;
        if (present && kind == GT_TREE) {
            if (!was_tree || !oid_eq(&n->cur, id)) {
                size_t len = 0;
                unsigned char *o = tree_copy(g, id, &len);
                for (size_t k = 0; k < n->n_kids; k++) {
                    struct rnode *kid = n->kids[k];
                    struct gt_entry e;
                    git_oid cid;
                    bool found = o && gt_find(o, len, kid->name, strlen(kid->name), &e);
                    if (found)
                        memcpy(cid.id, e.oid, GIT_OID_RAWSZ);
                    chain_update(g, kid, found, found ? e.kind : GT_OTHER, &cid, i, depth + 1);
                }
                free(o);
            }
        } else if (was_tree) {
            for (size_t k = 0; k < n->n_kids; k++)
                chain_update(g, n->kids[k], false, GT_OTHER, NULL, i, depth + 1);
        }
    }
    n->present = present;
    n->is_tree = present && kind == GT_TREE;
    if (present)
        n->cur = *id;
}

/* Forget the answers (exposure is prepared again when more is wanted). */
static void exposure_release(struct src_git *g)
{
    oidmap_release(&g->head_blobs);
    for (size_t i = 0; i < g->n_branches; i++) {
        free(g->branches[i].name);
        oidmap_release(&g->branches[i].blobs);
    }
    free(g->branches);
    g->branches = NULL;
    g->n_branches = 0;
    free(g->branch_scratch);
    g->branch_scratch = NULL;
    free(g->chain);
    g->chain = NULL;
    g->n_chain = 0;
    free(g->msg_bits);
    g->msg_bits = NULL;
    g->words_per_msg = 0;
}


/* Which of `tips` (HEAD, then the branches) reach each commit of g->exp_msgs: the commit
 * graph below the tips, walked once (tolerating missing and bad objects, stopping at a
 * shallow boundary), then bits passed from children to parents in topological order
 * (Kahn's). Only run when a commit message has a finding. */
static void msg_reach(struct src_git *g, const git_oid *tips, const bool *have, size_t n_tips)
{
    struct rnodec {
        uint32_t first, n_par; /* its parents in par[first, first + n_par) */
        uint32_t children;
    } *nodes = NULL;
    size_t n_nodes = 0, cap_nodes = 0, n_par = 0, cap_par = 0, w;
    uint32_t *par = NULL, *queue;
    uint64_t *bits;
    /* commit id -> node number: node v is index.ids[v] (both in the order seen) */
    struct oidmap index = OIDMAP_INIT, shallow = OIDMAP_INIT;
    size_t qh = 0, qt = 0;

    g->words_per_msg = w = (n_tips + 63) / 64;
    g->msg_bits = xcalloc((g->exp_msgs.n ? g->exp_msgs.n : 1) * w, sizeof(uint64_t));
    read_shallow(g, &shallow);
    /* nodes: the tips, then every parent seen; node v is read when the loop reaches it */
    for (size_t t = 0; t < n_tips; t++) {
        bool created;
        size_t *v;
        if (!have[t])
            continue;
        v = oidmap_add(&index, &tips[t], &created);
        if (created) {
            XGROW(nodes, cap_nodes, n_nodes + 1);
            memset(&nodes[n_nodes], 0, sizeof(nodes[n_nodes]));
            *v = n_nodes++;
        }
    }
    for (size_t v = 0; v < n_nodes && n_nodes < UINT32_MAX; v++) {
        git_commit *c = NULL;
        git_oid id = index.ids[v];
        nodes[v].first = (uint32_t)n_par;
        if (bad_object(g, &id) || git_commit_lookup(&c, g->repo, &id) != 0)
            continue;
        if (!oidmap_has(&shallow, &id)) {
            for (unsigned k = 0; k < git_commit_parentcount(c); k++) {
                bool created;
                size_t *p = oidmap_add(&index, git_commit_parent_id(c, k), &created);
                if (created) {
                    XGROW(nodes, cap_nodes, n_nodes + 1);
                    memset(&nodes[n_nodes], 0, sizeof(nodes[n_nodes]));
                    *p = n_nodes++;
                }
                XGROW(par, cap_par, n_par + 1);
                par[n_par++] = (uint32_t)*p;
                nodes[*p].children++;
                nodes[v].n_par++;
            }
        }
        git_commit_free(c);
    }
    bits = xcalloc((n_nodes ? n_nodes : 1) * w, sizeof(uint64_t));
    for (size_t t = 0; t < n_tips; t++) {
        size_t *v = have[t] ? oidmap_get(&index, &tips[t]) : NULL;
        if (v)
            bits[*v * w + t / 64] |= (uint64_t)1 << (t % 64);
    }
    queue = xmalloc((n_nodes ? n_nodes : 1) * sizeof(*queue));
    for (size_t v = 0; v < n_nodes; v++)
        if (nodes[v].children == 0)
            queue[qt++] = (uint32_t)v;
    while (qh < qt) {
        uint32_t v = queue[qh++];
        for (uint32_t k = 0; k < nodes[v].n_par; k++) {
            uint32_t p = par[nodes[v].first + k];
            for (size_t j = 0; j < w; j++)
                bits[(size_t)p * w + j] |= bits[(size_t)v * w + j];
            if (--nodes[p].children == 0)
                queue[qt++] = p;
        }
    }
    for (size_t i = 0; i < g->exp_msgs.n; i++) {
        size_t *v = oidmap_get(&index, &g->exp_msgs.ids[i]);
        if (v)
            memcpy(g->msg_bits + i * w, bits + *v * w, w * sizeof(*bits));
    }
    free(queue);
    free(bits);
    free(par);
    free(nodes);
    oidmap_release(&index);
    oidmap_release(&shallow);
}

static void exposure_prepare(struct src_git *g)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    git_oid head, tips[1 + LIMIT_EXPOSURE_BRANCHES];
    bool have[1 + LIMIT_EXPOSURE_BRANCHES];
    struct oidmap memo = OIDMAP_INIT;
    bool have_head;

    exposure_release(g);
    g->exposure_ready = true;
    have_head = git_reference_name_to_id(&head, g->repo, "HEAD") == 0;
    tips[0] = head;
    have[0] = have_head;
    if (have_head)
        tip_blobs(g, &head, &memo, &g->head_blobs);
    if (git_reference_iterator_glob_new(&it, g->repo, "refs/*") == 0) {
        while (git_reference_next(&ref, it) == 0) {
            const char *name = git_reference_name(ref);
            git_object *obj = NULL;
            bool is_branch = strncmp(name, "refs/heads/", 11) == 0 ||
                             (strncmp(name, "refs/remotes/", 13) == 0 &&
                              strcmp(name + strlen(name) - 5, "/HEAD") != 0);
            /* peel: no object libgit2 must not read is looked up on the way */
            if (is_branch && g->n_branches < LIMIT_EXPOSURE_BRANCHES &&
                peel(g, ref, &obj, false) == 0 && git_object_type(obj) == GIT_OBJECT_COMMIT) {
                struct branch_set *bs;
                g->branches = xrealloc(g->branches, (g->n_branches + 1) * sizeof(*g->branches));
                tips[1 + g->n_branches] = *git_object_id(obj);
                have[1 + g->n_branches] = true;
                bs = &g->branches[g->n_branches++];
                memset(bs, 0, sizeof(*bs));
                bs->name = xstrdup(name + (name[5] == 'h' ? 11 : 13));
                tip_blobs(g, git_object_id(obj), &memo, &bs->blobs);
            }
            git_object_free(obj);
            git_reference_free(ref);
        }
        git_reference_iterator_free(it);
    }
    g->branch_scratch = xcalloc(g->n_branches + 1, sizeof(char *));
    oidmap_release(&memo);
    if (g->exp_msgs.n)
        msg_reach(g, tips, have, 1 + g->n_branches);
    if (!have_head || !g->rroot)
        return;
    /* Removals: HEAD's first-parent line, oldest first, each wanted path followed. It is
     * walked here rather than by libgit2's revwalk, which would read objects it must
     * not (bad_object: it loops forever on some). */
    {
        struct oidmap seen = OIDMAP_INIT;
        size_t cap = 0;
        bool created = true;
        for (git_oid at = head; created;) {
            git_commit *c = NULL;
            (void)oidmap_add(&seen, &at, &created);
            if (!created)
                break;
            XGROW(g->chain, cap, g->n_chain + 1);
            git_oid_cpy(&g->chain[g->n_chain++], &at);
            if (bad_object(g, &at) || git_commit_lookup(&c, g->repo, &at) != 0 ||
                git_commit_parentcount(c) == 0) {
                git_commit_free(c);
                break;
            }
            at = *git_commit_parent_id(c, 0);
            git_commit_free(c);
        }
        oidmap_release(&seen);
        for (size_t i = 0, j = g->n_chain; i + 1 < j; i++, j--) {
            git_oid t = g->chain[i];
            g->chain[i] = g->chain[j - 1];
            g->chain[j - 1] = t;
        }
    }
    rnode_reset(g->rroot);
    for (size_t i = 0; i < g->n_chain; i++) {
        git_commit *c = NULL;
        bool ok = !bad_object(g, &g->chain[i]) &&
                  git_commit_lookup(&c, g->repo, &g->chain[i]) == 0;
        chain_update(g, g->rroot, ok, GT_TREE, ok ? git_commit_tree_id(c) : NULL, i, 0);
        git_commit_free(c);
    }
}

enum status src_git_exposure(struct src_git *g, const char *blob_hex, const char *path,
                             struct src_git_exposure *out)
{
    git_oid oid;
    size_t bi;
    size_t nb = 0;
    static _Thread_local char removed_hex[GIT_OID_HEXSZ + 1];

    memset(out, 0, sizeof(*out));
    if (git_oid_fromstr(&oid, blob_hex) != 0)
        return fail(STATUS_BUG, "bad blob id '%s'", blob_hex);
    src_git_exposure_want(g, blob_hex, path);
    if (!g->exposure_ready)
        exposure_prepare(g);
    if ((bi = msg_find(g, &oid)) != SIZE_MAX) {
        /* A message stays with its commit: exposed on every branch whose history holds
         * the commit (HEAD's when only a detached HEAD does); a tag's, in history. */
        const struct gmsg *m = &g->msgs[bi];
        uint32_t e = oidmap_find(&g->exp_msgs, &oid);
        const uint64_t *bits = e != HASHMAP_NONE && g->msg_bits
                                   ? g->msg_bits + (size_t)e * g->words_per_msg
                                   : NULL;
        out->unreachable = m->unreachable;
        for (size_t b = 0; bits && b < g->n_branches; b++)
            if (bits[(b + 1) / 64] >> ((b + 1) % 64) & 1)
                g->branch_scratch[nb++] = g->branches[b].name;
        out->branches = (const char *const *)g->branch_scratch;
        out->n_branches = nb;
        out->at_head = nb == 0 && bits && (bits[0] & 1);
        return STATUS_OK;
    }
    out->at_head = oidmap_has(&g->head_blobs, &oid);
    for (size_t i = 0; i < g->n_branches; i++)
        if (oidmap_has(&g->branches[i].blobs, &oid))
            g->branch_scratch[nb++] = g->branches[i].name;
    out->branches = (const char *const *)g->branch_scratch;
    out->n_branches = nb;
    if ((bi = blob_find(g, &oid)) != SIZE_MAX) {
        const struct gblob *b = &g->blobs[bi];
        out->unreachable = true;
        for (size_t k = 0; k < b->n_prov; k++) {
            size_t c = g->prov[b->prov[k]].commit;
            if (c == PROV_STAGED)
                out->uncommitted = true;
            if (c == PROV_STAGED || c == PROV_REF ||
                (PROV_IS_COMMIT(c) && !g->commit_unreachable[c]))
                out->unreachable = false;
        }
    }
    if (path && g->n_chain && g->rroot) {
        struct rnode *n = rnode_path(g->rroot, git_path_of(g, &oid, path), false);
        size_t *at = n ? oidmap_get(&n->removed, &oid) : NULL;
        if (at) {
            git_oid_tostr(removed_hex, sizeof(removed_hex), &g->chain[*at]);
            out->removed_in = removed_hex;
        }
    }
    return STATUS_OK;
}

void exposure_free(struct src_git *g)
{
    exposure_release(g);
    oidmap_release(&g->exp_msgs);
    oidmap_release(&g->exp_blobs);
    rnode_free(g->rroot);
    g->rroot = NULL;
}
