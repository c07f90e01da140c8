/*
 * source/archive/image_index.c - what the layers of one image hold, known before any
 * layer is scanned: their whiteouts, and their regular files (name, size, SHA-256 of
 * the content) so that
 *   - a content held by several files of the image's layers (the same file added again
 *     by a later layer, or copied) is matched once, at its first place, and reported at
 *     every place (as git reports a blob seen at several paths: struct blob's prov, with
 *     each place's own layer command and removal in struct blob_place);
 *   - a file a later layer wrote over (same path, other content, no whiteout) is
 *     reported saying which layer replaced it, as a whiteout's removing layer is.
 * Two passes over each layer's headers: the first lists names and sizes (and
 * whiteouts), the second hashes only the files whose size another file has too (a
 * content seen once needs no hash). The index is bounded (LIMIT_IMAGE_FILES); what it
 * cannot hold is scanned in every layer as before.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "source/archive/image_int.h"
#include "source/archive/internal.h"

/* Is escaped path `m` (normalized) `w` or under it? */
static bool under(const char *m, const char *w, bool opaque)
{
    size_t n = strlen(w);

    if (n == 0)
        return opaque; /* an opaque whiteout at the top hides everything below */
    if (strncmp(m, w, n) != 0)
        return false;
    return opaque ? m[n] == '/' : m[n] == '\0' || m[n] == '/';
}

/* The first layer after `layer` whose whiteout removes `member`, or SIZE_MAX. */
static size_t whiteout_layer(const struct image *img, size_t layer, const char *member)
{
    for (size_t i = 0; i < img->n_wh; i++) {
        const struct whiteout *w = &img->wh[i];
        if (w->layer > layer && under(member, w->path, w->opaque))
            return w->layer; /* whiteouts are listed in layer order */
    }
    return SIZE_MAX;
}

const char *image_removed_by(const struct image *img, size_t layer, const char *member)
{
    size_t w = whiteout_layer(img, layer, member);

    return w == SIZE_MAX ? NULL : img->layers[w].digest;
}

static void add_whiteout(struct image *img, size_t k, const char *name, const char *slash,
                         const char *base)
{
    bool opaque = strcmp(base, ".wh..wh..opq") == 0;
    char *target, *esc;

    if (opaque)
        target = xstrndup(name, slash ? (size_t)(slash - name) : 0);
    else
        target = xasprintf("%.*s%s", slash ? (int)(slash - name + 1) : 0, name, base + 4);
    esc = escape_dup(target, strlen(target), ESC_BACKSLASH | ESC_BANG);
    free(target);
    image_add_whiteout(img, k, esc, opaque);
}

/* Pass 1 over layer k: its whiteouts (later layers only remove files) and its regular
 * files. A damaged layer: what was listed; its scan says what is wrong. */
static void list_layer(struct image *img, size_t k)
{
    const struct ifile *f = img->layers[k].file;
    struct archive *a = image_tar_open(f->data, f->len, true);
    struct iindex *ix = &img->ix;
    struct archive_entry *e;
    uint32_t seq = 0;
    int r;

    if (!a)
        return;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *raw = archive_entry_pathname(e), *name, *slash, *base;
        struct ientry *ie;

        seq++;
        if (!raw)
            raw = archive_entry_pathname_utf8(e);
        if (!raw || !*raw)
            continue;
        name = image_norm(raw);
        slash = strrchr(name, '/');
        base = slash ? slash + 1 : name;
        if (strncmp(base, ".wh.", 4) == 0) {
            if (k > 0)
                add_whiteout(img, k, name, slash, base);
            continue;
        }
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) <= 0)
            continue;
        if (ix->n >= LIMIT_IMAGE_FILES) {
            ix->full = true;
            continue;
        }
        XGROW(ix->e, ix->cap, ix->n + 1);
        ie = &ix->e[ix->n++];
        memset(ie, 0, sizeof(*ie));
        ie->layer = (uint32_t)k;
        ie->seq = seq;
        ie->name = escape_dup(raw, strlen(raw), ESC_BACKSLASH | ESC_BANG);
        ie->norm = image_norm(ie->name);
        ie->size = (uint64_t)archive_entry_size(e);
        ie->group = UINT32_MAX;
    }
    archive_read_free(a);
}

/* Pass 2 over layer k: the SHA-256 of its entries [from, to) marked `hashed` (those
 * whose size another file has). One that cannot be read is left unhashed. */
static void hash_layer(struct image *img, size_t k, size_t from, size_t to)
{
    const struct ifile *f = img->layers[k].file;
    struct archive *a = image_tar_open(f->data, f->len, true);
    struct iindex *ix = &img->ix;
    struct archive_entry *e;
    unsigned char buf[64 * 1024];
    uint32_t seq = 0;
    size_t at = from;
    int r;

    while (at < to && !ix->e[at].hashed)
        at++;
    while (a && at < to &&
           ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        struct ientry *ie = &ix->e[at];
        struct crypto_sha256_ctx *c;
        uint64_t got = 0;
        la_ssize_t n;

        if (++seq != ie->seq)
            continue;
        c = crypto_sha256_begin();
        while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
            crypto_sha256_add(c, buf, (size_t)n);
            got += (uint64_t)n;
        }
        crypto_sha256_end(c, ie->hash);
        ie->hashed = n == 0 && got == ie->size;
        for (at++; at < to && !ix->e[at].hashed; at++)
            ;
    }
    for (; at < to; at++) /* not reached: a damaged layer */
        ix->e[at].hashed = false;
    if (a)
        archive_read_free(a);
}

static int by_size(const void *x, const void *y, void *ctx)
{
    const struct iindex *sort_ix = ctx;
    const struct ientry *a = &sort_ix->e[*(const uint32_t *)x],
                        *b = &sort_ix->e[*(const uint32_t *)y];

    return a->size < b->size ? -1 : a->size > b->size;
}

/* Same content, then the first place first. */
static int by_content(const void *x, const void *y, void *ctx)
{
    const struct iindex *sort_ix = ctx;
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    const struct ientry *a = &sort_ix->e[i], *b = &sort_ix->e[j];
    int c = a->size < b->size ? -1 : a->size > b->size;

    if (!c)
        c = memcmp(a->hash, b->hash, sizeof(a->hash));
    return c ? c : i < j ? -1 : i > j; /* entries are in (layer, seq) order */
}

static int by_norm(const void *x, const void *y, void *ctx)
{
    const struct iindex *sort_ix = ctx;
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    int c = strcmp(sort_ix->e[i].norm, sort_ix->e[j].norm);

    return c ? c : i < j ? -1 : i > j;
}

static int by_name(const void *x, const void *y, void *ctx)
{
    const struct iindex *sort_ix = ctx;
    const struct ientry *a = &sort_ix->e[*(const uint32_t *)x],
                        *b = &sort_ix->e[*(const uint32_t *)y];

    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    return strcmp(a->name, b->name);
}

static uint32_t *order(const struct iindex *ix, int (*cmp)(const void *, const void *, void *))
{
    uint32_t *o = xmalloc((ix->n ? ix->n : 1) * sizeof(*o));

    for (size_t i = 0; i < ix->n; i++)
        o[i] = (uint32_t)i;
    qsort_r(o, ix->n, sizeof(*o), cmp, (void *)ix);
    return o;
}

static bool same_content(const struct ientry *a, const struct ientry *b)
{
    return a->size == b->size && a->hashed && b->hashed &&
           memcmp(a->hash, b->hash, sizeof(a->hash)) == 0;
}

/* Which files are hashed: those whose size another file of the image has. */
static void mark_candidates(struct iindex *ix)
{
    uint32_t *o = order(ix, by_size);

    for (size_t i = 0; i < ix->n;) {
        size_t j = i + 1;
        while (j < ix->n && ix->e[o[j]].size == ix->e[o[i]].size)
            j++;
        for (size_t k = i; j - i > 1 && k < j; k++)
            ix->e[o[k]].hashed = true; /* to be hashed; cleared if it cannot be */
        i = j;
    }
    free(o);
}

/* The same path twice in one layer (a tar appended to): neither is deduplicated or
 * told replaced. Then what removed or replaced each file. */
static void removals(struct image *img)
{
    struct iindex *ix = &img->ix;
    uint32_t *o = order(ix, by_norm);

    for (size_t i = 0; i + 1 < ix->n; i++) {
        struct ientry *a = &ix->e[o[i]], *b = &ix->e[o[i + 1]];
        if (a->layer == b->layer && strcmp(a->norm, b->norm) == 0)
            a->ambiguous = b->ambiguous = true;
    }
    for (size_t i = 0; i < ix->n; i++) {
        struct ientry *a = &ix->e[o[i]];
        size_t w = whiteout_layer(img, a->layer, a->norm), r = SIZE_MAX;

        if (a->ambiguous)
            continue;
        for (size_t j = i + 1; j < ix->n && strcmp(ix->e[o[j]].norm, a->norm) == 0; j++) {
            const struct ientry *b = &ix->e[o[j]];
            if (b->layer > a->layer && !same_content(a, b)) {
                r = b->layer;
                break;
            }
        }
        if (r != SIZE_MAX && (w == SIZE_MAX || r < w)) {
            a->removed_in = img->layers[r].digest;
            a->replaced = true;
        } else if (w != SIZE_MAX) {
            a->removed_in = img->layers[w].digest;
        }
    }
    free(o);
}

/* Groups of files with the same content in the layers scanned here. */
static void groups(struct image *img, const bool *scanned, size_t max_name)
{
    struct iindex *ix = &img->ix;
    uint32_t *o = order(ix, by_content);
    size_t n = 0;

    /* only files that can stand for each other: hashed, in a layer scanned here, read
     * by the layer walk under their own name */
    for (size_t i = 0; i < ix->n; i++) {
        const struct ientry *e = &ix->e[o[i]];
        if (e->hashed && !e->ambiguous && scanned[e->layer] && strlen(e->name) <= max_name)
            o[n++] = o[i];
    }
    ix->members = o;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && same_content(&ix->e[o[i]], &ix->e[o[j]]))
            j++;
        if (j - i > 1) {
            XGROW(ix->groups, ix->cap_groups, ix->n_groups + 1);
            ix->groups[ix->n_groups].at = (uint32_t)i;
            ix->groups[ix->n_groups].n = (uint32_t)(j - i);
            for (size_t k = i; k < j; k++)
                ix->e[o[k]].group = (uint32_t)ix->n_groups;
            ix->e[o[i]].first = true;
            ix->n_groups++;
        }
        i = j;
    }
}

void image_index(struct image *img, const bool *scanned, bool dedup, size_t max_name,
                 const char *shown)
{
    struct iindex *ix = &img->ix;
    size_t from = 0;

    for (size_t k = 0; k < img->n_layers; k++)
        list_layer(img, k);
    if (ix->full)
        log_warn("'%s': more than %u files in the layers of one image: the rest are "
                 "scanned in every layer that holds them, and not told overwritten",
                 shown, LIMIT_IMAGE_FILES);
    mark_candidates(ix);
    for (size_t k = 0; k < img->n_layers; k++) {
        size_t to = from;
        while (to < ix->n && ix->e[to].layer == k)
            to++;
        hash_layer(img, k, from, to);
        from = to;
    }
    removals(img);
    if (dedup)
        groups(img, scanned, max_name);
    ix->by_name = order(ix, by_name);
}

const struct ientry *image_lookup(const struct image *img, size_t layer, const char *name)
{
    const struct iindex *ix = &img->ix;
    size_t lo = 0, hi = ix->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct ientry *e = &ix->e[ix->by_name[mid]];
        int c = e->layer != layer ? (e->layer < layer ? -1 : 1) : strcmp(e->name, name);
        if (c == 0)
            return e->ambiguous ? NULL : e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void image_index_free(struct iindex *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        free(ix->e[i].name);
    free(ix->e);
    free(ix->by_name);
    free(ix->members);
    free(ix->groups);
    memset(ix, 0, sizeof(*ix));
}
