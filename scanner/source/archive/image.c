/*
 * source/archive/image.c - container images (source/src_image.h): the files of an image
 * (a tar, or an OCI layout directory) in a table, its manifests understood, and its
 * layers scanned each once, whiteouts known before a layer is read.
 *
 * The table: an image tar in memory is listed with libarchive; a member's bytes are
 * borrowed from the input where the tar holds them in one piece (the usual case), else
 * copied. A layout directory is read file by file. Both are bounded by the archive
 * limits (bytes, members). Manifests are parsed by image_parse.c; everything here is
 * libarchive and the walk.
 */
#include "source/archive/lazy.h"
#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "source/archive/image_int.h"
#include "source/archive/internal.h"
#include "source/src_image.h"

/* "./a/b" and "/a/b" are "a/b": how layers and manifests name the same file. */
const char *image_norm(const char *name)
{
    for (;;) {
        if (name[0] == '.' && name[1] == '/')
            name += 2;
        else if (name[0] == '/')
            name++;
        else
            return name;
    }
}

const struct ifile *ifiles_find(const struct ifiles *fs, const char *name)
{
    name = image_norm(name);
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].name, name) == 0)
            return &fs->v[i];
    return NULL;
}

static bool ifiles_add(struct ifiles *fs, const char *name, const unsigned char *data, size_t len,
                       unsigned char *owned, const struct archive_limits *lim)
{
    /* bytes borrowed from a mapped tar cost no memory: only copies count */
    if (fs->n >= lim->max_members || (owned && len > lim->max_total_bytes - fs->total)) {
        free(owned);
        return false;
    }
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 16;
        fs->v = xrealloc(fs->v, fs->cap * sizeof(*fs->v));
    }
    fs->v[fs->n].name = xstrdup(image_norm(name));
    fs->v[fs->n].data = data;
    fs->v[fs->n].len = len;
    fs->v[fs->n].owned = owned;
    fs->v[fs->n].used = false;
    fs->n++;
    fs->total += owned ? len : 0;
    return true;
}

void ifiles_release(struct ifiles *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->v[i].name);
        free(fs->v[i].owned);
    }
    free(fs->v);
    memset(fs, 0, sizeof(*fs));
}

struct archive *image_tar_open(const unsigned char *data, size_t len, bool filters)
{
    struct archive *a = filters ? filter_reader_new() : reader_new();

    if (!a)
        abort();
    archive_read_support_format_tar(a);
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Whether p[0, n) holds one of the names an image tar is known by. */
static bool names_an_image_file(const unsigned char *p, size_t n)
{
    static const char *const names[] = { "manifest.json", "oci-layout", "index.json" };

    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (memmem(p, n, names[i], strlen(names[i])))
            return true;
    return false;
}

/* An octal tar field (spaces and NULs around it): false if it is none (base-256). */
static bool tar_octal(const unsigned char *f, size_t n, uint64_t *v)
{
    size_t i = 0;
    bool digits = false;

    *v = 0;
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits = true) {
        if (*v >> 60)
            return false;
        *v = *v << 3 | (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return false;
    return digits;
}

/* The bytes of a tar for the header walk below: in memory, or read from a file a window
 * at a time (tar_file_may_be_image). */
#define TAR_WALK_WINDOW ((size_t)64 << 10)

struct tar_bytes {
    const unsigned char *data; /* the whole tar, or NULL: read from fd */
    uint64_t len;
    int fd;
    unsigned char *win;        /* TAR_WALK_WINDOW bytes of the file, from win_at */
    uint64_t win_at;
    size_t win_len;
};

/* n bytes of the tar at off (n <= TAR_WALK_WINDOW when read from a file), or NULL if
 * they lie past its end or cannot be read. */
static const unsigned char *tar_bytes_at(struct tar_bytes *t, uint64_t off, size_t n)
{
    size_t want, got = 0;

    if (off > t->len || n > t->len - off)
        return NULL;
    if (t->data)
        return t->data + off;
    if (n > TAR_WALK_WINDOW)
        return NULL;
    if (off >= t->win_at && off - t->win_at + n <= t->win_len)
        return t->win + (off - t->win_at);
    want = t->len - off < TAR_WALK_WINDOW ? (size_t)(t->len - off) : TAR_WALK_WINDOW;
    while (got < want) {
        ssize_t r = pread(t->fd, t->win + got, want - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    t->win_at = off;
    t->win_len = got;
    return got >= n ? t->win : NULL;
}

/*
 * Before libarchive lists a whole tar (tar_is_image: a pass over every header, ~6 % of
 * the CPU of a plain tar's scan, on the reader before anything is handed to the other
 * workers): false when the tar cannot be an image because none of its headers names a
 * manifest.json, oci-layout or index.json, in its name fields or in an extended header
 * (pax, GNU long name) - walked as plain ustar blocks with their checksums, up to its
 * end block or the end of the data. Anything this walk does not know for sure (a bad
 * checksum, a size that is not octal, a link or directory with data, a sparse or other
 * header type, an extended header longer than the window, a read error) is true:
 * libarchive decides, as before.
 */
static bool tar_may_be_image(struct tar_bytes *t)
{
    uint64_t at = 0, len = t->len;

    while (len - at >= 512) {
        const unsigned char *h = tar_bytes_at(t, at, 512), *ext;
        uint64_t size, sum, u, blocks;
        int64_t s;
        unsigned char type;

        if (!h)
            return true;
        type = h[156];
        if (h[0] == 0 && !memcmp(h, h + 1, 511)) /* all zeros */
            return false; /* the end block: libarchive's listing ends here too */
        tar_header_sums(h, &u, &s);
        if (!tar_octal(h + 148, 8, &sum) || (sum != u && (int64_t)sum != s) ||
            !tar_octal(h + 124, 12, &size) || size > len)
            return true;
        if (names_an_image_file(h, 100) || names_an_image_file(h + 345, 155))
            return true;
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            if (size > len - at - 512 || !(ext = tar_bytes_at(t, at + 512, (size_t)size)) ||
                names_an_image_file(ext, (size_t)size))
                return true;
        } else if (!((type == '0' || type == '\0' || type == '7') ||
                     (size == 0 && type >= '1' && type <= '6'))) {
            return true;
        }
        blocks = (size + 511) / 512 * 512;
        if (blocks > len - at - 512)
            return false; /* cut short (its data or padding): libarchive's listing stops */
        at += 512 + blocks;
    }
    return false;
}

/* The same walk over a file, before it is mapped (src_image_scan_fd): false if it is a
 * plain tar that cannot be an image. Its headers are read a window at a time, into
 * the reader's chunk buffer (*buf, allocated as the scan would): mapped, each header
 * read cost a page fault that maps 64 KiB, ~20 us on a VM - 475 of them for a 62 MB
 * tar, before its first member was scanned (benches/RESULTS.md). */
static bool tar_file_may_be_image(int fd, uint64_t len, unsigned char **buf)
{
    struct tar_bytes t = { .len = len, .fd = fd, .win_at = 0, .win_len = 0 };
    unsigned char head[512];

    /* its first block first, here: the chunk buffer only for a plain tar (allocated
     * before a compressed stream's decoder, it would move that decoder's buffers out of
     * the memory xalloc_thread_huge_pages has in huge pages) */
    if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
        sniff_kind(head, sizeof(head)) != K_TAR)
        return true; /* not a plain tar (a compressed one, say): looked at as before */
    if (!*buf)
        *buf = xmalloc_big(LIMIT_CHUNK_BYTES + 1);
    t.win = *buf;
    return tar_may_be_image(&t);
}

/* A tar holding manifest.json, or oci-layout and index.json, at its top. */
static bool tar_is_image(const unsigned char *data, size_t len)
{
    struct archive *a;
    struct archive_entry *e;
    bool manifest = false, layout = false, index = false;
    int r;
    struct tar_bytes t = { .data = data, .len = len };

    if (len < 512 || sniff_kind(data, len) != K_TAR || !tar_may_be_image(&t) ||
        !(a = image_tar_open(data, len, false)))
        return false;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(e);
        if (!name || archive_entry_filetype(e) != AE_IFREG)
            continue;
        name = image_norm(name);
        manifest |= strcmp(name, "manifest.json") == 0;
        layout |= strcmp(name, "oci-layout") == 0;
        index |= strcmp(name, "index.json") == 0;
    }
    archive_read_free(a);
    return manifest || (layout && index);
}

/* The bytes of the member libarchive is at: borrowed from data when they lie there in
 * one piece, else copied. False if it cannot be read. */
static bool tar_member(struct archive *a, const unsigned char *data, size_t len, size_t size,
                       const unsigned char **out, unsigned char **owned)
{
    const void *p;
    size_t n;
    la_int64_t off;
    int r = archive_read_data_block(a, &p, &n, &off);

    *owned = NULL;
    if (r == ARCHIVE_EOF && size == 0) {
        *out = data; /* any valid pointer: nothing is read */
        return true;
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        return false;
    if (off == 0 && n == size && (const unsigned char *)p >= data &&
        (const unsigned char *)p + n <= data + len) {
        *out = p;
        return true;
    }
    *owned = xmalloc(size ? size : 1);
    memset(*owned, 0, size);
    do {
        if (off < 0 || (uint64_t)off > size || n > size - (size_t)off) {
            free(*owned);
            return false;
        }
        memcpy(*owned + off, p, n);
    } while ((r = archive_read_data_block(a, &p, &n, &off)) == ARCHIVE_OK || r == ARCHIVE_WARN);
    if (r != ARCHIVE_EOF) {
        free(*owned);
        return false;
    }
    *out = *owned;
    return true;
}

/* Every regular member of the tar, in the table; false (with *why) if one cannot be
 * read or the table would pass a limit. */
static bool tar_load(const unsigned char *data, size_t len, const struct archive_limits *lim,
                     struct ifiles *fs, const char **why)
{
    struct archive *a = image_tar_open(data, len, false);
    struct archive_entry *e;
    int r;
    bool ok = true;

    if (!a) {
        *why = "cannot be opened as a tar";
        return false;
    }
    while (ok && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        const char *name = archive_entry_pathname(e);
        la_int64_t size = archive_entry_size(e);
        const unsigned char *p;
        unsigned char *owned;

        if (!name || archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (size < 0 || (uint64_t)size > len) {
            *why = "a member is larger than the tar";
            ok = false;
        } else if (!tar_member(a, data, len, (size_t)size, &p, &owned)) {
            *why = "a member cannot be read";
            ok = false;
        } else if (!ifiles_add(fs, name, p, (size_t)size, owned, lim)) {
            *why = "it passes the archive byte or member limit";
            ok = false;
        }
    }
    if (ok && r != ARCHIVE_EOF) {
        *why = "the tar is damaged";
        ok = false;
    }
    archive_read_free(a);
    return ok;
}

/* ---- a layout directory -------------------------------------------------------------------- */

#define IMAGE_DIR_DEPTH 8u

static bool dir_load(const char *root, const char *rel, unsigned depth,
                     const struct archive_limits *lim, struct ifiles *fs, const char **why)
{
    char *path = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    DIR *d = opendir(path);
    struct dirent *de;
    bool ok = true;

    if (!d) {
        *why = "a directory cannot be read";
        free(path);
        return false;
    }
    while (ok && (de = readdir(d)) != NULL) {
        char *sub, *full;
        struct stat sst;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        full = xasprintf("%s/%s", root, sub);
        if (lstat(full, &sst) != 0) {
            *why = "a file cannot be read";
            ok = false;
        } else if (S_ISDIR(sst.st_mode)) {
            if (depth >= IMAGE_DIR_DEPTH) {
                *why = "directories are nested too deep";
                ok = false;
            } else {
                ok = dir_load(root, sub, depth + 1, lim, fs, why);
            }
        } else if (S_ISREG(sst.st_mode)) {
            int fd = open(full, O_RDONLY | O_CLOEXEC);
            unsigned char *p = NULL;
            size_t got = 0;

            if (fd < 0 || (uint64_t)sst.st_size > lim->max_total_bytes - fs->total) {
                *why = fd < 0 ? "a file cannot be read" : "it passes the archive byte limit";
                ok = false;
            } else {
                p = xmalloc((size_t)sst.st_size + 1);
                while (got < (size_t)sst.st_size) {
                    ssize_t r = read(fd, p + got, (size_t)sst.st_size - got);
                    if (r < 0 && errno == EINTR)
                        continue;
                    if (r <= 0)
                        break;
                    got += (size_t)r;
                }
                if (got != (size_t)sst.st_size) {
                    *why = "a file cannot be read";
                    free(p);
                    ok = false;
                } else if (!ifiles_add(fs, sub, p, got, p, lim)) {
                    *why = "it passes the archive byte or member limit";
                    ok = false;
                }
            }
            if (fd >= 0)
                close(fd);
        }
        /* symbolic links and special files: a layout has none, and the walk of a
         * directory does not follow them either */
        free(sub);
        free(full);
    }
    closedir(d);
    free(path);
    return ok;
}

bool src_image_is_layout_dir(const char *dir)
{
    char *a = xasprintf("%s/oci-layout", dir), *b = xasprintf("%s/index.json", dir);
    struct stat sa, sb;
    bool yes = stat(a, &sa) == 0 && S_ISREG(sa.st_mode) && stat(b, &sb) == 0 &&
               S_ISREG(sb.st_mode);

    free(a);
    free(b);
    return yes;
}

/* ---- the walk --------------------------------------------------------------------------------- */

/* One layer blob being scanned: who gets its blobs, and what to add to them. */
struct layer_walk {
    blob_fn *fn;
    void *payload;
    struct archive_stats *stats;
    size_t prefix;             /* strlen of "IMAGE!DIGEST" */
    const struct image *img;
    size_t layer;
    const char *cmd;
    char *const *lprefix;      /* each layer's "IMAGE!DIGEST" */
    char *last;                /* the member looked up last, and what is known of it: */
    const struct ientry *ent;  /* its entry in the index, or NULL */
    const char *removed;
    bool replaced;
    bool skip;                 /* its content was scanned at an earlier place */
    char *rest;                /* the places below, built for this nested suffix: */
    struct provenance *prov;
    struct blob_place *pl;
    size_t n_pl;
};

static void places_drop(struct layer_walk *lw)
{
    for (size_t i = 0; i < lw->n_pl; i++)
        free((char *)lw->prov[i].path);
    free(lw->prov);
    free(lw->pl);
    free(lw->rest);
    lw->prov = NULL;
    lw->pl = NULL;
    lw->rest = NULL;
    lw->n_pl = 0;
}

/* Every place of the content of lw->ent (its first place): IMAGE!DIGEST!member, then
 * the nested suffix `rest`; `head` bytes in front are not escaped already. */
static void places_build(struct layer_walk *lw, const char *rest, size_t head)
{
    const struct iindex *ix = &lw->img->ix;
    const struct igroup *g = &ix->groups[lw->ent->group];

    places_drop(lw);
    lw->rest = xstrdup(rest);
    lw->prov = xcalloc(g->n, sizeof(*lw->prov));
    lw->pl = xcalloc(g->n, sizeof(*lw->pl));
    for (uint32_t i = 0; i < g->n; i++) {
        const struct ientry *p = &ix->e[ix->members[g->at + i]];
        char *path = xasprintf("%s!%s%s", lw->lprefix[p->layer], p->name, rest);
        lw->prov[i].path = path;
        lw->pl[i].shown_tail = strlen(path) - head;
        lw->pl[i].layer_cmd = lw->img->layers[p->layer].cmd;
        lw->pl[i].removed_in = p->removed_in;
        lw->pl[i].replaced = p->replaced;
    }
    lw->n_pl = g->n;
}

/* The member of a layer's blob changed: what the index says of it. */
static void member_changed(struct layer_walk *lw, char *member)
{
    const struct ientry *ent = image_lookup(lw->img, lw->layer, member);

    free(lw->last);
    lw->last = member;
    lw->ent = ent;
    lw->removed = ent ? ent->removed_in : image_removed_by(lw->img, lw->layer, image_norm(member));
    lw->replaced = ent && ent->replaced;
    lw->skip = ent && ent->group != UINT32_MAX && !ent->first;
    if (lw->skip)
        lw->stats->image_files_dup++;
    places_drop(lw);
}

static enum status layer_blob(const struct blob *b, void *payload)
{
    struct layer_walk *lw = payload;
    struct blob copy = *b;
    const char *rest = b->path && strlen(b->path) > lw->prefix ? b->path + lw->prefix : NULL;

    copy.layer_cmd = lw->cmd;
    if (rest && rest[0] == '!') {
        /* the member: up to the first '!' not escaped ("\!"); a nested archive's
         * members follow it */
        const char *s = rest + 1, *e = s;

        while (*e && *e != '!')
            e += e[0] == '\\' && e[1] ? 2 : 1;
        if (!lw->last || strncmp(lw->last, s, (size_t)(e - s)) != 0 || lw->last[e - s])
            member_changed(lw, xstrndup(s, (size_t)(e - s)));
        if (lw->skip)
            return STATUS_OK; /* matched at its first place, reported at this one */
        copy.removed_in = lw->removed;
        copy.replaced = lw->replaced;
        if (lw->ent && lw->ent->group != UINT32_MAX) {
            if (!lw->rest || strcmp(lw->rest, e) != 0)
                places_build(lw, e, strlen(b->path) - b->shown_tail);
            copy.prov = lw->prov;
            copy.n_prov = lw->n_pl;
            copy.places = lw->pl;
        }
    }
    return lw->fn(&copy, lw->payload);
}

static enum status scan_file(const struct ifile *f, const struct blob *tmpl,
                             const struct archive_limits *lim, unsigned char **buf, blob_fn *fn,
                             void *payload, struct archive_stats *stats, const char *sep,
                             struct layer_walk *lw, const char *part)
{
    char *esc = escape_dup(part, strlen(part), ESC_BACKSLASH | ESC_BANG);
    char *path = xasprintf("%s%s%s", blob_name(tmpl), sep, esc);
    struct blob t = *tmpl;
    enum status st;

    t.path = path;
    /* "!part" is the escaped tail; a directory's "/name" is a file path */
    t.shown_tail = sep[0] == '!' ? tmpl->shown_tail + 1 + strlen(esc) : 0;
    if (lw) {
        lw->prefix = strlen(path);
        st = src_archive_scan_mem(f->data, f->len, &t, lim, buf, layer_blob, lw, stats);
    } else if (src_archive_sniff_whole(f->data, f->len)) {
        st = src_archive_scan_mem(f->data, f->len, &t, lim, buf, fn, payload, stats);
    } else {
        /* manifests, configs (Env): text, as a file is read */
        st = chunk_feed(&t, NULL, f->data, f->len, fn, payload);
        stats->bytes += f->len;
    }
    free(esc);
    free(path);
    return st;
}

/* Each layer's "IMAGE!DIGEST", and which layers are scanned here (a layer blob is
 * scanned once, at its first listing). */
static char **layer_prefixes(const struct image *img, const struct blob *tmpl, bool *scanned)
{
    char **pre = xcalloc(img->n_layers ? img->n_layers : 1, sizeof(*pre));

    for (size_t k = 0; k < img->n_layers; k++) {
        const char *d = img->layers[k].digest;
        char *esc = escape_dup(d, strlen(d), ESC_BACKSLASH | ESC_BANG);
        pre[k] = xasprintf("%s!%s", blob_name(tmpl), esc);
        free(esc);
        scanned[k] = !img->layers[k].file->used;
        for (size_t j = 0; j < k && scanned[k]; j++)
            scanned[k] = img->layers[j].file != img->layers[k].file;
    }
    return pre;
}

static enum status scan_images(struct ifiles *fs, struct image *imgs, size_t n_imgs,
                               const struct blob *tmpl, const struct archive_limits *lim,
                               unsigned char **buf, blob_fn *fn, void *payload,
                               struct archive_stats *stats, const char *sep)
{
    enum status st = STATUS_OK;

    for (size_t i = 0; i < n_imgs && st == STATUS_OK; i++) {
        struct image *img = &imgs[i];
        bool *scanned = xcalloc(img->n_layers ? img->n_layers : 1, sizeof(*scanned));
        char **pre = layer_prefixes(img, tmpl, scanned);

        stats->images++;
        /* content deduplicated unless the image itself is seen at several places (git) */
        image_index(img, scanned, tmpl->n_prov == 0, lim->max_name_bytes, blob_name(tmpl));
        for (size_t k = 0; k < img->n_layers && st == STATUS_OK; k++) {
            struct ilayer *l = &img->layers[k];
            struct layer_walk lw;

            if (!scanned[k]) {
                stats->image_layers_dup++;
                continue;
            }
            ((struct ifile *)l->file)->used = true;
            stats->image_layers++;
            memset(&lw, 0, sizeof(lw));
            lw.fn = fn;
            lw.payload = payload;
            lw.stats = stats;
            lw.img = img;
            lw.layer = k;
            lw.cmd = l->cmd;
            lw.lprefix = pre;
            st = scan_file(l->file, tmpl, lim, buf, fn, payload, stats, "!", &lw, l->digest);
            free(lw.last);
            places_drop(&lw);
        }
        for (size_t k = 0; k < img->n_layers; k++)
            free(pre[k]);
        free(pre);
        free(scanned);
    }
    /* the rest: manifests, configs (Env), anything no manifest names */
    for (size_t i = 0; i < fs->n && st == STATUS_OK; i++)
        if (!fs->v[i].used)
            st = scan_file(&fs->v[i], tmpl, lim, buf, fn, payload, stats, sep, NULL,
                           fs->v[i].name);
    return st;
}

/* Images being read by this thread, one inside another: see image_in_walk. */
static _Thread_local unsigned image_depth;

static enum image_result scan_table(struct ifiles *fs, const struct blob *tmpl,
                                    const struct archive_limits *lim, unsigned char **buf,
                                    blob_fn *fn, void *payload, struct archive_stats *stats,
                                    enum status *st, const char *sep)
{
    struct image *imgs = NULL;
    size_t n_imgs = 0;
    char *why = NULL;
    const char *which = NULL;

    if (!image_parse(fs, &imgs, &n_imgs, &which, &why)) {
        log_gap(DIAG_UNREADABLE, "'%s%s%s': not a valid image manifest (%s): scanned as plain "
                "files, without layers", blob_name(tmpl), sep, which ? which : "?", why);
        stats->errors++;
        free(why);
        images_free(imgs, n_imgs);
        /* a directory's files are all in the table already: scanned here, each as a
         * file (a tar is scanned again as a plain tar by the caller) */
        if (sep[0] == '/')
            *st = scan_images(fs, NULL, 0, tmpl, lim, buf, fn, payload, stats, sep);
        return IMAGE_MALFORMED;
    }
    image_depth++;
    *st = scan_images(fs, imgs, n_imgs, tmpl, lim, buf, fn, payload, stats, sep);
    image_depth--;
    images_free(imgs, n_imgs);
    return IMAGE_DONE;
}

/* ---- a compressed image tar ----------------------------------------------------------------- */

/* Bytes decoded at a time, and decoded before the first member's name is looked at. */
#define IMAGE_DECODE_STEP (256u * 1024)

/* Is a tar member named `name` (normalized) one an image tar has at its top? docker
 * save: "ID/layer.tar", "ID.json", "blobs/sha256/HEX", manifest.json, repositories
 * (IDs are hex); OCI: oci-layout, index.json, blobs/. */
static bool image_name(const char *name)
{
    size_t hex = strspn(name, "0123456789abcdef");

    return strncmp(name, "blobs", 5) == 0 || strcmp(name, "oci-layout") == 0 ||
           strcmp(name, "index.json") == 0 || strcmp(name, "manifest.json") == 0 ||
           strcmp(name, "repositories") == 0 ||
           (hex >= 12 && (name[hex] == '/' || name[hex] == '.' || !name[hex]));
}

/* The first header of a tar: named as an image's members are (docker save, OCI), or an
 * extended header that says nothing yet. */
static bool image_head(const unsigned char *h)
{
    char name[101];

    if (h[156] == 'x' || h[156] == 'g' || h[156] == 'L')
        return true; /* pax or GNU long name: the name is in the next block */
    memcpy(name, h, 100);
    name[100] = '\0';
    return image_name(image_norm(name));
}

/* A compressed stream (gzip, zstd, xz, bzip2, ...) holding an image tar, decoded into
 * memory: NULL if it is none (a tar whose first member no image has is given up after
 * its first block), cannot be decoded, or decodes to more than the archive byte limit
 * (then it is scanned as usual, within its limits). */
static unsigned char *decode_image(const unsigned char *data, size_t len,
                                   const struct archive_limits *lim, size_t *out)
{
    struct archive *a;
    struct archive_entry *e;
    unsigned char *p = NULL;
    size_t n = 0, cap = 0;
    bool checked = false, ok = false;

    if (len < 18 || !kind_is_stream(sniff_kind(data, len)))
        return NULL;
    if (!(a = filter_reader_new()))
        abort();
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK)
        goto out;
    for (;;) {
        la_ssize_t r;

        if (cap - n < IMAGE_DECODE_STEP) {
            if (cap > lim->max_total_bytes)
                goto out;
            cap += cap > IMAGE_DECODE_STEP ? cap : IMAGE_DECODE_STEP;
            p = xrealloc(p, cap);
        }
        /* the first block alone first: most compressed tars are no image */
        if ((r = archive_read_data(a, p + n, checked ? IMAGE_DECODE_STEP : 512 - n)) < 0)
            goto out;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > lim->max_total_bytes)
            goto out;
        if (!checked && n >= 512) {
            if (sniff_kind(p, n) != K_TAR || !image_head(p))
                goto out;
            checked = true;
        }
    }
    ok = checked && tar_is_image(p, n);
out:
    archive_read_free(a);
    if (!ok) {
        free(p);
        return NULL;
    }
    *out = n;
    return p;
}

static enum image_result scan_tar(const unsigned char *data, size_t len,
                                  const struct blob *tmpl, const struct archive_limits *lim,
                                  unsigned char **buf, blob_fn *fn, void *payload,
                                  struct archive_stats *stats, enum status *st)
{
    struct ifiles fs;
    const char *why = NULL;
    enum image_result res;

    memset(&fs, 0, sizeof(fs));
    if (!tar_load(data, len, lim, &fs, &why)) {
        log_gap(DIAG_UNREADABLE, "'%s': an image, but not read as one: %s; scanned as a tar",
                blob_name(tmpl), why);
        stats->errors++;
        ifiles_release(&fs);
        return IMAGE_MALFORMED;
    }
    res = scan_table(&fs, tmpl, lim, buf, fn, payload, stats, st, "!");
    ifiles_release(&fs);
    return res;
}

enum image_result src_image_scan_mem(const unsigned char *data, size_t len,
                                     const struct blob *tmpl, const struct archive_limits *lim,
                                     unsigned char **buf, blob_fn *fn, void *payload,
                                     struct archive_stats *stats, enum status *st)
{
    unsigned char *plain;
    size_t n = 0;
    enum image_result res;

    *st = STATUS_OK;
    if (tar_is_image(data, len))
        return scan_tar(data, len, tmpl, lim, buf, fn, payload, stats, st);
    /* docker save img | gzip > img.tar.gz: the same image, its paths under the
     * compressed file's name */
    if (!(plain = decode_image(data, len, lim ? lim : &src_archive_defaults, &n)))
        return IMAGE_NOT;
    res = scan_tar(plain, n, tmpl, lim, buf, fn, payload, stats, st);
    free(plain);
    return res;
}

bool image_in_walk(struct walk *w, const struct blob *tmpl, const unsigned char *data,
                   size_t len)
{
    enum status st;
    enum image_result r;

    /* an image inside an image (in a layer, or a blob no manifest names) is read as a
     * plain tar: one image read at a time, so memory stays bounded by one image's */
    if (image_depth > 0)
        return false;
    r = src_image_scan_mem(data, len, tmpl, w->lim, w->buf, w->fn, w->payload, w->stats, &st);
    if (r != IMAGE_DONE)
        return false;
    if (st != STATUS_OK && w->cb_st == STATUS_OK) {
        w->cb_st = st;
        w->stop = true;
    }
    return true;
}

static atomic_uint_fast64_t files_mapped;

uint64_t src_image_files_mapped(void)
{
    return atomic_load(&files_mapped);
}

enum image_result src_image_scan_fd(int fd, const struct blob *tmpl,
                                    const struct archive_limits *lim, unsigned char **buf,
                                    blob_fn *fn, void *payload, struct archive_stats *stats,
                                    enum status *st)
{
    struct stat sst;
    void *map;
    enum image_result res;

    *st = STATUS_OK;
    if (fstat(fd, &sst) != 0 || !S_ISREG(sst.st_mode) || sst.st_size < 512 ||
        (uint64_t)sst.st_size > SIZE_MAX)
        return IMAGE_NOT;
    if (!tar_file_may_be_image(fd, (uint64_t)sst.st_size, buf))
        return IMAGE_NOT; /* scanned as usual, streamed */
    map = mmap(NULL, (size_t)sst.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return IMAGE_NOT; /* scanned as usual, streamed */
    atomic_fetch_add(&files_mapped, 1);
    res = src_image_scan_mem(map, (size_t)sst.st_size, tmpl, lim, buf, fn, payload, stats, st);
    munmap(map, (size_t)sst.st_size);
    return res;
}

enum image_result src_image_scan_dir(const char *dir, const struct blob *tmpl,
                                     const struct archive_limits *lim, unsigned char **buf,
                                     blob_fn *fn, void *payload, struct archive_stats *stats,
                                     enum status *st)
{
    struct ifiles fs;
    const char *why = NULL;
    enum image_result res;

    *st = STATUS_OK;
    memset(&fs, 0, sizeof(fs));
    if (!dir_load(dir, "", 0, lim, &fs, &why)) {
        log_gap(DIAG_UNREADABLE, "'%s': image layout not read: %s", blob_name(tmpl), why);
        stats->errors++;
        ifiles_release(&fs);
        return IMAGE_MALFORMED;
    }
    res = scan_table(&fs, tmpl, lim, buf, fn, payload, stats, st, "/");
    ifiles_release(&fs);
    return res;
}
