/*
 * source/git/prescan.c - read and scan a whole history's packed blobs while the walk
 * plans (issue 16 item 1: the walk is one thread, and nothing was read while it ran).
 *
 * What it does: before pass 1 of a whole-history plan, lists every blob, commit and tag
 * of every pack (pack.c: gitpack_typed; commits and tags hold the messages scanned after
 * the blobs), puts them in delta-family order (gitpack_order: one inflate
 * and at most one delta application each) and starts src_git_prescan.threads threads
 * that read them through their own pack readers and hand each to the caller's `clean`
 * with no path. When the plan is done (prescan_stop) the threads stop after the batch
 * they hold; src_git_prescanned then says, for a planned blob, whether it was read and
 * found clean.
 * Why the output stays the same: only a scan that gave nothing at all (no observation,
 * no warning, no archive opened) is kept, and such a scan gives nothing at any path;
 * every other blob, and every blob not reached in time, not in a pack or not a plain
 * blob of gitpack's, is read again as before, with its first path. Blobs the walk never
 * reaches are simply never asked about.
 */
#include "source/git/internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/limits.h"

/* Blobs a thread claims at once: a delta family stays with one reader's cache. */
#define PRESCAN_BATCH 64

enum { PS_NONE = 0, PS_CLEAN, PS_AGAIN };

/* One pack's blobs, in pack order (offsets ascending), and what their scans gave. */
struct ps_pack {
    uint64_t *off;
    uint32_t *idx;      /* index numbers (gitpack_entry) */
    unsigned char *state;
    unsigned char *type;  /* enum gitpack_type, once read */
    uint64_t *bytes;
    uint64_t *views;
    size_t n;
};

struct prescan {
    struct src_git *g;
    struct src_git_prescan cb;
    struct ps_pack *packs;
    uint64_t *todo;     /* pack << 32 | position in packs[pack], in read order */
    size_t n_todo;
    atomic_size_t next;
    atomic_int stop;
    pthread_t *tids;    /* [0]: the lead, which starts and joins the others */
    unsigned started;   /* threads the lead started besides itself */
};

static void read_one(struct prescan *ps, struct gitpack_reader *r, void *state, uint64_t item)
{
    const struct src_git *g = ps->g;
    struct ps_pack *pp = &ps->packs[item >> 32];
    size_t k = (size_t)(item & 0xffffffffu);
    const unsigned char *raw, *data;
    uint64_t off, views = 0;
    size_t len;
    enum gitpack_type t;
    git_oid id;
    char hex[GIT_OID_HEXSZ + 1];
    struct blob tmpl;

    pp->state[k] = PS_AGAIN;
    gitpack_entry(g->packs[item >> 32], pp->idx[k], &raw, &off);
    memcpy(id.id, raw, GIT_OID_RAWSZ);
    if (bad_object(g, &id) ||
        gitpack_read(r, g->packs[item >> 32], off, LIMIT_GIT_INMEM_BLOB_BYTES, &t, &data, &len) !=
            STATUS_OK ||
        t == GP_TREE)
        return;
    pp->type[k] = (unsigned char)t;
    git_oid_tostr(hex, sizeof(hex), &id);
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "";
    tmpl.blob_id = hex;
    tmpl.deferred = true;
    if (ps->cb.clean(state, &tmpl, data, len, &views)) {
        pp->bytes[k] = len;
        pp->views[k] = views;
        pp->state[k] = PS_CLEAN;
    }
}

static void *prescan_main(void *arg)
{
    struct prescan *ps = arg;
    void *state = ps->cb.start(ps->cb.ctx);
    struct gitpack_reader *r = gitpack_reader_new(LIMIT_PACK_BLOB_CACHE_BYTES);
    size_t mine = 0, end = 0;

    while (!atomic_load_explicit(&ps->stop, memory_order_relaxed)) {
        if (mine == end) {
            mine = atomic_fetch_add(&ps->next, PRESCAN_BATCH);
            end = mine + PRESCAN_BATCH;
        }
        if (mine >= ps->n_todo)
            break;
        read_one(ps, r, state, ps->todo[mine++]);
    }
    gitpack_reader_free(r);
    ps->cb.stop(state);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The read order: pack by pack, each in delta-family order. */
static void list_blobs(struct prescan *ps)
{
    const struct src_git *g = ps->g;
    size_t total = 0;

    ps->packs = xcalloc(g->n_packs ? g->n_packs : 1, sizeof(*ps->packs));
    for (size_t i = 0; i < g->n_packs; i++) {
        struct ps_pack *pp = &ps->packs[i];
        const unsigned char *raw;
        pp->n = gitpack_typed(g->packs[i], 1u << GP_BLOB | 1u << GP_COMMIT | 1u << GP_TAG,
                              &pp->idx);
        pp->off = xmalloc((pp->n ? pp->n : 1) * sizeof(*pp->off));
        for (size_t k = 0; k < pp->n; k++)
            gitpack_entry(g->packs[i], pp->idx[k], &raw, &pp->off[k]);
        pp->state = xcalloc(pp->n ? pp->n : 1, 1);
        pp->type = xcalloc(pp->n ? pp->n : 1, 1);
        pp->bytes = xcalloc(pp->n ? pp->n : 1, sizeof(*pp->bytes));
        pp->views = xcalloc(pp->n ? pp->n : 1, sizeof(*pp->views));
        total += pp->n;
    }
    ps->todo = xmalloc((total ? total : 1) * sizeof(*ps->todo));
    for (size_t i = 0; i < g->n_packs; i++) {
        struct ps_pack *pp = &ps->packs[i];
        uint64_t *keys = xmalloc((pp->n ? pp->n : 1) * sizeof(*keys));
        size_t from = ps->n_todo;
        gitpack_order(g->packs[i], pp->off, pp->n, keys);
        /* family position << 32 | position: sorted, then the position kept */
        for (size_t k = 0; k < pp->n; k++)
            ps->todo[ps->n_todo++] = (keys[k] & 0xffffffffu) << 32 | k;
        qsort(ps->todo + from, pp->n, sizeof(*ps->todo), cmp_u64);
        for (size_t k = from; k < ps->n_todo; k++)
            ps->todo[k] = (uint64_t)i << 32 | (ps->todo[k] & 0xffffffffu);
        free(keys);
        gitpack_release_pages(g->packs[i]); /* the passes over its headers */
    }
}

/* The first thread lists and orders the blobs (the walk has started meanwhile), starts
 * the others, reads with them, and joins them. */
static void *prescan_lead(void *arg)
{
    struct prescan *ps = arg;

    list_blobs(ps);
    for (unsigned i = 1; i < ps->cb.threads; i++) {
        if (pthread_create(&ps->tids[i], NULL, prescan_main, ps) != 0)
            break; /* fewer threads: whatever they do not read is read later */
        ps->started++;
    }
    prescan_main(ps);
    for (unsigned i = 1; i <= ps->started; i++)
        pthread_join(ps->tids[i], NULL);
    return NULL;
}

void prescan_start(struct src_git *g)
{
    const struct src_git_prescan *cb = g->opts.prescan;
    struct prescan *ps;

    if (!cb || !cb->threads || !g->n_packs || g->n_packs > UINT32_MAX)
        return;
    ps = xcalloc(1, sizeof(*ps));
    ps->g = g;
    ps->cb = *cb;
    ps->tids = xcalloc(cb->threads, sizeof(*ps->tids));
    if (pthread_create(&ps->tids[0], NULL, prescan_lead, ps) != 0) {
        free(ps->tids);
        free(ps);
        return;
    }
    g->pre = ps;
}

void prescan_stop(struct src_git *g)
{
    struct prescan *ps = g->pre;

    if (!ps || !ps->tids)
        return;
    if (!ps->cb.finish)
        atomic_store(&ps->stop, 1);
    pthread_join(ps->tids[0], NULL);
    free(ps->tids);
    ps->tids = NULL;
    free(ps->todo);
    ps->todo = NULL;
}

void prescan_free(struct src_git *g)
{
    struct prescan *ps = g->pre;

    if (!ps)
        return;
    prescan_stop(g);
    for (size_t i = 0; i < g->n_packs; i++) {
        free(ps->packs[i].off);
        free(ps->packs[i].idx);
        free(ps->packs[i].state);
        free(ps->packs[i].type);
        free(ps->packs[i].bytes);
        free(ps->packs[i].views);
    }
    free(ps->packs);
    free(ps);
    g->pre = NULL;
}

bool prescan_clean(const struct src_git *g, uint32_t pack, uint64_t off, int type,
                   uint64_t *bytes, uint64_t *views)
{
    const struct prescan *ps = g->pre;
    const struct ps_pack *pp;
    size_t lo;

    if (!ps || ps->tids || !g->deferred || pack == NO_PACK || pack >= g->n_packs)
        return false;
    pp = &ps->packs[pack];
    lo = gitpack_first_at(pp->off, pp->n, off);
    if (lo == pp->n || pp->off[lo] != off || pp->state[lo] != PS_CLEAN || pp->type[lo] != type)
        return false;
    if (bytes)
        *bytes = pp->bytes[lo];
    if (views)
        *views = pp->views[lo];
    return true;
}

bool src_git_prescanned(const struct src_git *g, size_t i, uint64_t *bytes, uint64_t *views)
{
    if (i < g->n_blobs)
        return prescan_clean(g, g->blobs[i].pack, g->blobs[i].off, GP_BLOB, bytes, views);
    if (i - g->n_blobs < g->n_msgs) {
        const struct gmsg *m = &g->msgs[i - g->n_blobs];
        return prescan_clean(g, m->pack, m->off, m->kind == MSG_COMMIT ? GP_COMMIT : GP_TAG,
                             bytes, views);
    }
    return false;
}
