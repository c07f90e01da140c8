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

struct image {
    const struct ifile *config;
    struct ilayer *layers;
    size_t n_layers;
    struct whiteout *wh;
    size_t n_wh, cap_wh;
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

#endif
