/*
 * source/archive/image_int.h - what image.c (the files and the walk) and image_parse.c
 * (the manifests) share. Private to source/archive/.
 */
#ifndef SESAME_SOURCE_ARCHIVE_IMAGE_INT_H
#define SESAME_SOURCE_ARCHIVE_IMAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A file of the image: a tar member or a file of a layout directory. */
struct ifile {
    char *name;                /* normalized ("blobs/sha256/...", "manifest.json") */
    const unsigned char *data; /* borrowed from the input, or `owned` */
    size_t len;
    unsigned char *owned;
    bool used;                 /* scanned as a layer already */
};

struct ifiles {
    struct ifile *v;
    size_t n, cap;
    uint64_t total;            /* bytes copied (held in memory) */
};

/* One layer of one image. */
struct ilayer {
    const struct ifile *file;
    char *digest;              /* "sha256:..." (or the file's name, escaped for a path) */
    char *cmd;                 /* history created_by, or NULL */
};

/* A file a later layer removes: escaped path (as member paths are), whole subtree. */
struct whiteout {
    size_t layer;              /* the layer holding the whiteout */
    char *path;                /* ".wh.NAME": DIR/NAME; ".wh..wh..opq": DIR (its contents) */
    bool opaque;
};

/* A regular file of a layer (image_index.c). */
struct ientry {
    uint32_t layer;
    uint32_t seq;              /* its header's number in the layer, from 1 */
    char *name;                /* escaped as member paths are, as the tar names it */
    const char *norm;          /* in name: without "./" or "/" in front */
    uint64_t size;
    bool want;                 /* to be read by the next pass (image_index.c) */
    bool hashed;               /* hash is its content's SHA-256 */
    bool ambiguous;            /* its path twice in its layer: taken as it comes */
    bool first;                /* the place its group's content is scanned at */
    bool replaced;             /* removed_in wrote another file at its path */
    uint32_t group;            /* files of the same content (UINT32_MAX: none) */
    const char *removed_in;    /* the layer that removed or replaced it (a digest), or NULL */
    uint64_t sample;           /* FNV-1a of bytes at its start, middle and end */
    const unsigned char *direct; /* its bytes in one piece in the layer, or NULL */
    unsigned char hash[32];
};

/* The files of an image's layers, bounded by LIMIT_IMAGE_FILES. */
struct iindex {
    struct ientry *e;          /* in (layer, seq) order */
    size_t n, cap;
    bool full;                 /* some were not listed */
    uint32_t *by_name;         /* indices, by (layer, name) */
    uint32_t *members;         /* indices, each group's together, first place first */
    struct igroup {
        uint32_t at, n;        /* members[at, at + n) */
    } *groups;
    size_t n_groups, cap_groups;
};

struct image {
    const struct ifile *config;
    struct ilayer *layers;
    size_t n_layers;
    struct whiteout *wh;
    size_t n_wh, cap_wh;
    struct iindex ix;
};

/* "./a" and "/a" are "a". */
const char *image_norm(const char *name);
const struct ifile *ifiles_find(const struct ifiles *fs, const char *name);
void ifiles_release(struct ifiles *fs);

/* The images the manifests of fs describe (manifest.json first, else index.json).
 * False if the manifest is malformed: *which names the file, *why (allocated) says why. */
bool image_parse(const struct ifiles *fs, struct image **imgs, size_t *n, const char **which,
                 char **why);
void image_add_whiteout(struct image *img, size_t layer, char *path, bool opaque);
void images_free(struct image *imgs, size_t n);

struct archive;
/* A reader of the tar in data[0, len) (filters: compressed too), or NULL. */
struct archive *image_tar_open(const unsigned char *data, size_t len, bool filters);

/* List the files and whiteouts of img's layers: which layer removed or replaced each
 * file, and (dedup) which files hold a content an earlier file of the layers scanned
 * here (scanned[k]) holds too. Names longer than max_name are left alone (the layer
 * walk skips them); `shown` names the image in a note. */
void image_index(struct image *img, const bool *scanned, bool dedup, size_t max_name,
                 const char *shown);
/* The file `name` (escaped as member paths are) of layer `layer`, or NULL. */
const struct ientry *image_lookup(const struct image *img, size_t layer, const char *name);
/* The digest of the first layer after `layer` whose whiteout removes `member`, or NULL. */
const char *image_removed_by(const struct image *img, size_t layer, const char *member);
void image_index_free(struct iindex *ix);

#endif
