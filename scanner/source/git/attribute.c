/*
 * source/git/attribute.c - deferred provenance: where the blobs with findings of a whole
 * history were introduced, handed back as a table.
 *
 * What it does: after the scan, mark the trees that lead to the blobs named (graph.c),
 * diff only the commits whose root tree is among them, and only those subtrees (diff.c,
 * hot_only), then list, for each blob named, every (path, commit) it was introduced at:
 * a struct prov_table (model/provenance.h) the finding builder consumes.
 * What it does not: touch findings; the table is data, owned by the git source.
 * The tricky point: the tree graph is released once attribution is done, so this runs
 * once per repository; asking again returns the same table.
 */
#include "source/git/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static int cmp_prov_blob(const void *a, const void *b)
{
    return strcmp(((const struct prov_blob *)a)->blob_id, ((const struct prov_blob *)b)->blob_id);
}

/* The table for the blobs named (those the plan does not know are left out). */
static void table_build(struct src_git *g, const char *const *blob_hex, size_t n)
{
    size_t *which = xmalloc((n ? n : 1) * sizeof(*which));
    size_t n_blobs = 0, n_places = 0, at = 0, k = 0;

    for (size_t i = 0; i < n; i++) {
        git_oid id;
        size_t b;
        if (git_oid_fromstr(&id, blob_hex[i]) != 0 || (b = blob_find(g, &id)) == SIZE_MAX)
            continue;
        which[n_blobs++] = b;
        n_places += g->blobs[b].n_prov;
    }
    g->ptab_blobs = xcalloc(n_blobs + 1, sizeof(*g->ptab_blobs));
    g->ptab_places = xcalloc(n_places + 1, sizeof(*g->ptab_places));
    for (size_t i = 0; i < n_blobs; i++) {
        const struct gblob *b = &g->blobs[which[i]];
        struct prov_blob *e = &g->ptab_blobs[i];
        e->blob_id = b->hex;
        e->display = b->display;
        e->places = &g->ptab_places[at];
        e->n_places = b->n_prov;
        for (size_t j = 0; j < b->n_prov; j++, at++) {
            const struct prov_entry *p = &g->prov[b->prov[j]];
            g->ptab_places[at].path = p->path;
            g->ptab_places[at].commit = PROV_IS_COMMIT(p->commit) ? g->commits[p->commit]
                                                                  : NULL;
        }
    }
    if (n_blobs > 1)
        qsort(g->ptab_blobs, n_blobs, sizeof(*g->ptab_blobs), cmp_prov_blob);
    /* each blob once, should it have been named twice */
    for (size_t i = 0; i < n_blobs; i++)
        if (k == 0 || strcmp(g->ptab_blobs[k - 1].blob_id, g->ptab_blobs[i].blob_id) != 0)
            g->ptab_blobs[k++] = g->ptab_blobs[i];
    g->ptab.blobs = g->ptab_blobs;
    g->ptab.n = k;
    free(which);
}

const struct prov_table *src_git_attribute(struct src_git *g, const char *const *blob_hex,
                                           size_t n)
{
    if (!g->deferred || g->attributed)
        return &g->ptab;
    g->attributed = true;
    if (n) {
        struct oidvec hot = { 0 };
        graph_mark(g, blob_hex, n);
        /* Only commits whose tree leads to a blob with findings can have introduced one. */
        for (size_t i = 0; i < g->walked.n; i++) {
            *oidmap_add(&g->walked_at, &g->walked.v[i], NULL) = i;
            if (tree_hot(g, &g->walked_roots.v[i], ""))
                oidvec_push(&hot, &g->walked.v[i]);
        }
        plan_commits(g, &hot, true);
        oidmap_release(&g->walked_at);
        free(hot.v);
    }
    graph_release(&g->tg);
    table_build(g, blob_hex, n);
    return &g->ptab;
}

void attribution_release(struct src_git *g)
{
    free(g->ptab_blobs);
    free(g->ptab_places);
    g->ptab_blobs = NULL;
    g->ptab_places = NULL;
    memset(&g->ptab, 0, sizeof(g->ptab));
}
