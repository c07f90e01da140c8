/*
 * source/git/records.c - the plan's records: interned paths, commits, blobs and the
 * messages (raw commit and tag objects) to scan, each found again by its id.
 *
 * What it does: keep each blob once, with every (path, commit) it was seen at, and each
 * path string once; index them with base/hashmap.h (the arrays here hold the keys).
 * What it does not: decide what is seen where (the planners do).
 * The tricky point: the blob index is probed for every blob entry of every tree visited
 * (graph.c), so its probe is inline and compares ids stored in g->blobs.
 */
#include "source/git/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"

size_t *oidmap_add(struct oidmap *m, const git_oid *id, bool *added)
{
    uint64_t h = oid_hash(id);
    uint32_t k = hashmap_find(&m->index, h, oidmap_eq, m, id);

    if (added)
        *added = k == HASHMAP_NONE;
    if (k != HASHMAP_NONE)
        return &m->vals[k];
    if (m->n == m->cap) {
        size_t cap = m->cap;
        XGROW(m->ids, m->cap, m->n + 1);
        XGROW(m->vals, cap, m->n + 1);
    }
    git_oid_cpy(&m->ids[m->n], id);
    m->vals[m->n] = 0;
    hashmap_insert(&m->index, h, (uint32_t)m->n);
    return &m->vals[m->n++];
}

void oidmap_release(struct oidmap *m)
{
    hashmap_release(&m->index);
    free(m->ids);
    free(m->vals);
    m->ids = NULL;
    m->vals = NULL;
    m->n = m->cap = 0;
}

static bool path_eq(const void *ctx, uint32_t item, const void *key)
{
    return strcmp(((const struct src_git *)ctx)->paths[item], key) == 0;
}

const char *intern_path(struct src_git *g, const char *p)
{
    uint64_t h = hash_str(p);
    uint32_t k = hashmap_find(&g->path_index, h, path_eq, g, p);

    if (k != HASHMAP_NONE)
        return g->paths[k];
    XGROW(g->paths, g->cap_paths, g->n_paths + 1);
    g->paths[g->n_paths] = xstrdup(p);
    hashmap_insert(&g->path_index, h, (uint32_t)g->n_paths);
    return g->paths[g->n_paths++];
}

void paths_release(struct src_git *g)
{
    for (size_t i = 0; i < g->n_paths; i++)
        free(g->paths[i]);
    free(g->paths);
    g->paths = NULL;
    g->n_paths = g->cap_paths = 0;
    hashmap_release(&g->path_index);
}

/* A commit's provenance record, made from the commit object (by any thread). */
struct commit_info *commit_info_of(const git_commit *c)
{
    struct commit_info *ci = xcalloc(1, sizeof(*ci));
    const git_signature *a = git_commit_author(c), *cm = git_commit_committer(c);
    const char *summary = git_commit_summary((git_commit *)c);
    char hex[GIT_OID_HEXSZ + 1];

    git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
    ci->commit = xstrdup(hex);
    if (a)
        ci->author = xasprintf("%s <%s>", a->name ? a->name : "", a->email ? a->email : "");
    ci->author_time = a ? (int64_t)a->when.time : 0;
    ci->commit_time = cm ? (int64_t)cm->when.time : ci->author_time;
    ci->summary = summary ? xstrndup(summary, strlen(summary) > 200 ? 200 : strlen(summary))
                          : NULL;
    return ci;
}

void commit_info_free(struct commit_info *ci)
{
    if (!ci)
        return;
    free(ci->commit);
    free(ci->author);
    free(ci->summary);
    free(ci);
}

/* Commit k is item k of g->commit_index. */
size_t add_commit(struct src_git *g, const git_oid *id, struct commit_info **ci)
{
    uint32_t k = oidmap_find(&g->commit_index, id);

    if (k != HASHMAP_NONE) {
        commit_info_free(*ci);
        *ci = NULL;
        return k;
    }
    (void)oidmap_add(&g->commit_index, id, NULL);
    {
        size_t cap = g->cap_commits;
        XGROW(g->commits, g->cap_commits, g->n_commits + 1);
        if (cap != g->cap_commits)
            g->commit_unreachable = xrealloc(g->commit_unreachable,
                                             g->cap_commits * sizeof(*g->commit_unreachable));
    }
    g->commits[g->n_commits] = *ci;
    *ci = NULL;
    g->commit_unreachable[g->n_commits] = oidmap_has(&g->unreachable_commits, id);
    return g->n_commits++;
}

size_t blob_seen(struct src_git *g, const git_oid *oid, const char *path)
{
    uint64_t h = oid_hash(oid);
    uint32_t k = hashmap_find(&g->blob_index, h, blob_eq, g, oid);

    if (k == HASHMAP_NONE) {
        struct gblob *b;
        XGROW(g->blobs, g->cap_blobs, g->n_blobs + 1);
        b = &g->blobs[g->n_blobs];
        memset(b, 0, sizeof(*b));
        git_oid_cpy(&b->oid, oid);
        git_oid_tostr(b->hex, sizeof(b->hex), oid);
        b->order = UINT64_MAX;
        b->pack = NO_PACK;
        b->seq = (uint32_t)g->n_blobs;
        b->display = intern_path(g, path);
        hashmap_insert(&g->blob_index, h, (uint32_t)g->n_blobs);
        k = (uint32_t)g->n_blobs++;
    }
    return k;
}

void add_blob(struct src_git *g, const git_oid *oid, const char *path, size_t commit)
{
    size_t at = blob_seen(g, oid, path);
    struct gblob *b = &g->blobs[at];

    for (size_t i = 0; i < b->n_prov; i++) {
        const struct prov_entry *p = &g->prov[b->prov[i]];
        if (p->commit == commit && strcmp(p->path, path) == 0)
            return;
    }
    XGROW(g->prov, g->cap_prov, g->n_prov + 1);
    g->prov[g->n_prov].path = intern_path(g, path);
    g->prov[g->n_prov].commit = commit;
    XGROW(b->prov, b->cap_prov, b->n_prov + 1);
    b->prov[b->n_prov++] = g->n_prov++;
}

static bool msg_eq(const void *ctx, uint32_t item, const void *key)
{
    return oid_eq(&((const struct src_git *)ctx)->msgs[item].oid, key);
}

size_t msg_find(const struct src_git *g, const git_oid *id)
{
    uint32_t k = hashmap_find(&g->msg_index, oid_hash(id), msg_eq, g, id);
    return k == HASHMAP_NONE ? SIZE_MAX : k;
}

/* A commit no ref reaches (--all-objects) is marked so; a tag that is only found in
 * the object database as well. */
void add_message(struct src_git *g, const git_oid *id, enum gmsg_kind kind, const char *name,
                 bool unreachable)
{
    size_t at = msg_find(g, id);
    struct gmsg *m;
    char *display;

    if (at != SIZE_MAX) {
        if (!unreachable)
            g->msgs[at].unreachable = false;
        return;
    }
    XGROW(g->msgs, g->cap_msgs, g->n_msgs + 1);
    m = &g->msgs[g->n_msgs];
    memset(m, 0, sizeof(*m));
    git_oid_cpy(&m->oid, id);
    git_oid_tostr(m->hex, sizeof(m->hex), id);
    m->kind = kind;
    m->unreachable = unreachable;
    m->pack = NO_PACK;
    display = kind == MSG_COMMIT ? xasprintf("(commit %s)", m->hex)
                                 : xasprintf("(tag %.*s)", LIMIT_GIT_TAG_NAME_BYTES,
                                             name && *name ? name : m->hex);
    m->display = intern_path(g, display);
    free(display);
    hashmap_insert(&g->msg_index, oid_hash(id), (uint32_t)g->n_msgs++);
    g->counts.messages++;
}

void records_reindex(struct src_git *g)
{
    hashmap_clear(&g->blob_index);
    for (size_t i = 0; i < g->n_blobs; i++)
        hashmap_insert(&g->blob_index, oid_hash(&g->blobs[i].oid), (uint32_t)i);
    hashmap_clear(&g->msg_index);
    for (size_t k = 0; k < g->n_msgs; k++)
        hashmap_insert(&g->msg_index, oid_hash(&g->msgs[k].oid), (uint32_t)k);
}
