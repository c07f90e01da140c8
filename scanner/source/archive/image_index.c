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
 * Passes over each layer: the first lists names, sizes and whiteouts and samples each
 * file (256 bytes at its start, middle and end); files whose size and sample a file of
 * another layer has too are then compared in place (uncompressed layers) or hashed by a
 * second pass: a content seen in one layer needs neither, and files of one size that
 * differ are mostly told apart by the sample. An image of one layer needs none of it. The index is bounded (LIMIT_IMAGE_FILES); what it
 * cannot hold is scanned in every layer as before.
 */
#include "source/archive/lazy.h"
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

/* Bytes of a file sampled at each of its start, middle and end before it is hashed. */
#define SAMPLE_BYTES 256u

/* Fold the sampled bytes of block p[0, n) at file offset `off` into *h (FNV-1a). */
static void sample_add(uint64_t *h, const unsigned char *p, size_t n, uint64_t off,
                       uint64_t size)
{
    uint64_t mid = size / 2, ranges[3][2] = {
        { 0, SAMPLE_BYTES }, { mid, mid + SAMPLE_BYTES }, { size - SAMPLE_BYTES, size } };

    if (size <= 3 * SAMPLE_BYTES)
        ranges[0][1] = size, ranges[1][1] = ranges[2][1] = 0;
    for (size_t r = 0; r < 3; r++) {
        uint64_t from = ranges[r][0] > off ? ranges[r][0] : off;
        uint64_t to = ranges[r][1] < off + n ? ranges[r][1] : off + n;
        for (uint64_t i = from; i < to; i++)
            *h = (*h ^ p[i - off]) * 0x100000001b3ull;
    }
}

/* The data of the member libarchive is at, entry ie: its sample and where it lies in
 * one piece (uncompressed layers are read in place: libarchive hands out their own
 * bytes); full: its SHA-256 instead. Hashing every file of a compressed layer as it is
 * listed would save decoding it again where files repeat, but cost a quarter more CPU
 * on images where none do (benches/RESULTS.md): hashed only when wanted. `want` says
 * whether it was read whole, `hashed` whether `hash` is its SHA-256. */
static void read_entry(struct archive *a, const struct ifile *f, struct ientry *ie, bool full)
{
    struct crypto_sha256_ctx *c = NULL;
    uint64_t got = 0, h = 0xcbf29ce484222325ull;
    const void *p;
    size_t n;
    la_int64_t off;
    int rd;

    ie->direct = NULL;
    while ((rd = archive_read_data_block(a, &p, &n, &off)) == ARCHIVE_OK) {
        if (off < 0 || (uint64_t)off != got || n > ie->size - got)
            break; /* a sparse member, or longer than said: not deduplicated */
        if (got == 0) {
            if (n == ie->size && (const unsigned char *)p >= f->data &&
                (const unsigned char *)p + n <= f->data + f->len)
                ie->direct = p; /* in one piece, where it lies in the layer */
            if (full)
                c = crypto_sha256_begin();
        }
        if (c)
            crypto_sha256_add(c, p, n);
        if (!full)
            sample_add(&h, p, n, got, ie->size);
        got += n;
    }
    if (c)
        crypto_sha256_end(c, ie->hash);
    if (!full)
        ie->sample = h;
    ie->want = rd == ARCHIVE_EOF && got == ie->size;
    ie->hashed = c && ie->want;
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
 * files, each sampled. A damaged layer: what was listed; its scan says what is wrong. */
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
        read_entry(a, f, ie, false);
    }
    archive_read_free(a);
}

/* Pass 2 over layer k: the SHA-256 of its entries [from, to) marked `want`. */
static void hash_layer(struct image *img, size_t k, size_t from, size_t to)
{
    const struct ifile *f = img->layers[k].file;
    struct archive *a = image_tar_open(f->data, f->len, true);
    struct iindex *ix = &img->ix;
    struct archive_entry *e;
    uint32_t seq = 0;
    size_t at = from;
    int r;

    while (at < to && !ix->e[at].want)
        at++;
    while (a && at < to &&
           ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        if (++seq != ix->e[at].seq)
            continue;
        read_entry(a, f, &ix->e[at], true);
        for (at++; at < to && !ix->e[at].want; at++)
            ;
    }
    for (; at < to; at++) /* not reached: a damaged layer */
        ix->e[at].want = false;
    if (a)
        archive_read_free(a);
}

/* Pass 2 over the layers holding files marked `want`. */
static void hash_layers(struct image *img)
{
    struct iindex *ix = &img->ix;

    for (size_t from = 0, to; from < ix->n; from = to) {
        bool any = false;
        for (to = from; to < ix->n && ix->e[to].layer == ix->e[from].layer; to++)
            any |= ix->e[to].want;
        if (any)
            hash_layer(img, ix->e[from].layer, from, to);
    }
}

static int by_size(const void *x, const void *y, void *ctx)
{
    const struct iindex *sort_ix = ctx;
    const struct ientry *a = &sort_ix->e[*(const uint32_t *)x],
                        *b = &sort_ix->e[*(const uint32_t *)y];

    return a->size < b->size ? -1 : a->size > b->size;
}

/* Files not sampled (want clear) sort apart from every sampled one: their own run. */
static int by_sample(const void *x, const void *y, void *ctx)
{
    const struct iindex *sort_ix = ctx;
    const struct ientry *a = &sort_ix->e[*(const uint32_t *)x],
                        *b = &sort_ix->e[*(const uint32_t *)y];
    int c = by_size(x, y, ctx);

    if (!c && a->want != b->want)
        c = a->want ? -1 : 1;
    if (!c && a->sample != b->sample)
        c = a->sample < b->sample ? -1 : 1;
    return c;
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

/* Runs of files alike (same size and sample) that span two layers or more stay marked
 * `want` (a content repeated within one layer only is left alone: hashing costs about
 * what matching clean text does); the rest are cleared. */
static void mark_alike(struct iindex *ix)
{
    uint32_t *o = order(ix, by_sample);

    for (size_t i = 0; i < ix->n;) {
        const struct ientry *a = &ix->e[o[i]];
        size_t j = i + 1;
        bool layers = false;
        while (j < ix->n && ix->e[o[j]].size == a->size && ix->e[o[j]].sample == a->sample &&
               ix->e[o[j]].want == a->want) {
            layers |= ix->e[o[j]].layer != a->layer;
            j++;
        }
        for (size_t k = i; k < j; k++)
            ix->e[o[k]].want = layers && ix->e[o[k]].want;
        i = j;
    }
    free(o);
}

/* Files held in one piece in memory (uncompressed layers) are told alike by comparing
 * their bytes, faster than hashing them: each run of files of one size and sample is
 * compared with up to this many distinct contents, then the rest are hashed. */
#define DIRECT_CONTENTS 8u

static void compare_direct(struct iindex *ix)
{
    uint32_t *o = order(ix, by_sample);

    for (size_t i = 0; i < ix->n;) {
        const struct ientry *a = &ix->e[o[i]];
        uint32_t reps[DIRECT_CONTENTS];
        size_t j = i, n_reps = 0;

        while (j < ix->n && ix->e[o[j]].size == a->size && ix->e[o[j]].sample == a->sample &&
               ix->e[o[j]].want == a->want)
            j++;
        /* a whole run, or none of it: contents compared and contents hashed never meet */
        bool all = a->want;
        for (size_t k = i; all && k < j; k++) {
            struct ientry *e = &ix->e[o[k]];
            size_t r = 0;

            all = e->direct != NULL;
            while (all && r < n_reps && memcmp(ix->e[reps[r]].direct, e->direct, e->size))
                r++;
            if (all && r == n_reps && (all = n_reps < DIRECT_CONTENTS))
                reps[n_reps++] = o[k];
            if (!all)
                break;
            /* the first file of its content stands for it: no SHA-256 is that */
            memset(e->hash, 0, sizeof(e->hash));
            e->hash[0] = 'D';
            memcpy(e->hash + 1, &reps[r], sizeof(reps[r]));
        }
        for (size_t k = i; all && k < j; k++)
            ix->e[o[k]].hashed = true;
        i = j > i ? j : i + 1;
    }
    for (size_t i = 0; i < ix->n; i++)
        ix->e[i].want = ix->e[i].want && !ix->e[i].hashed; /* left to hash */
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

    if (img->n_layers < 2)
        return; /* nothing removes, replaces or repeats a file of one layer */
    for (size_t k = 0; k < img->n_layers; k++)
        list_layer(img, k);
    if (ix->full)
        log_warn("'%s': more than %u files in the layers of one image: the rest are "
                 "scanned in every layer that holds them, and not told overwritten",
                 shown, LIMIT_IMAGE_FILES);
    mark_alike(ix);           /* the same size and sample in two layers */
    compare_direct(ix);       /* those in memory, compared */
    hash_layers(img);         /* the rest hashed */
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
