/*
 * source/src_image.h - container images: `docker save` tarballs and OCI image layouts
 * (a directory or a tar of one), read layer by layer.
 *
 * An image is not just a tar of tars: its layers stack, a later layer deletes files of
 * an earlier one with whiteouts (".wh.NAME", ".wh..wh..opq") although their bytes stay
 * in the image, one layer blob can be listed by many images or twice by one, and the
 * image config (Env, labels, history) holds values too. So:
 *   - each layer's files are reported as "IMAGE!LAYER-DIGEST!path", with the layer's
 *     history command (blob.layer_cmd) when the config records it;
 *   - a file a later layer's whiteout removed is still scanned, and its blob says which
 *     layer removed it (blob.removed_in, "sha256:...");
 *   - a file a later layer overwrote (same path, other content) is scanned too, and its
 *     blob says which layer replaced it (removed_in, with blob.replaced);
 *   - a layer blob (content-addressed) is scanned once, however often it is listed; a
 *     content held by several files of an image's layers is matched once, at its first
 *     place, and reported at every place (blob.prov, blob.places: image_index.c);
 *   - everything else in the image (the manifests, the config with its Env, blobs no
 *     manifest names) is scanned as "IMAGE!name", so nothing is left out.
 * An image tar compressed as a whole (gzip, zstd, xz, ...) is decoded into memory and read
 * the same way; one nested in another archive is read as an image by the archive walk.
 * A manifest that cannot be understood is a warning naming it (an unreadable gap: the
 * run is incomplete) and the input is then scanned as a plain tar or directory by the
 * caller. The code is in source/archive/image.c (libarchive); manifests are parsed with
 * json/ (jv_*).
 */
#ifndef SESAME_SOURCE_SRC_IMAGE_H
#define SESAME_SOURCE_SRC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "source/chunk.h"
#include "source/src_archive.h"

/* What happened to an input offered as an image. */
enum image_result {
    IMAGE_NOT,       /* not an image: scan it as usual (nothing was scanned) */
    IMAGE_DONE,      /* scanned as an image */
    IMAGE_MALFORMED, /* looks like one but its manifest is malformed or too large: warned
                      * about (counted in stats->errors); scan it as usual */
};

/* data[0, len) is a whole input (tmpl->path its display path): a tar holding an image
 * (manifest.json, or oci-layout with index.json), or such a tar compressed, is scanned
 * as one. Layers, image
 * counts and problems inside layers are counted in *stats (images: stats->images,
 * layer blobs scanned: stats->image_layers, listed again: stats->image_layers_dup). *st
 * is the callback's failure, if any. */
enum image_result src_image_scan_mem(const unsigned char *data, size_t len,
                                     const struct blob *tmpl, const struct archive_limits *lim,
                                     unsigned char **buf, blob_fn *fn, void *payload,
                                     struct archive_stats *stats, enum status *st);

/* The same for the regular file open at fd (mapped read-only while it is read, unless it
 * is a plain tar whose headers say it is no image). */
enum image_result src_image_scan_fd(int fd, const struct blob *tmpl,
                                    const struct archive_limits *lim, unsigned char **buf,
                                    blob_fn *fn, void *payload, struct archive_stats *stats,
                                    enum status *st);

/* Files the container-image check has mapped in this process (SESAME_TIMINGS, tests): a
 * plain tar is told no image from its headers, read with pread, and is not mapped. */
uint64_t src_image_files_mapped(void);

/* True if directory `dir` is an OCI image layout (holds oci-layout and index.json). */
bool src_image_is_layout_dir(const char *dir);

/* Scan the OCI image layout directory `dir` (display path tmpl->path) as an image.
 * IMAGE_MALFORMED: warned about (an unreadable gap); if the manifest was the problem,
 * its files were scanned each as a plain file ("DIR/name"); if a file could not be read
 * (or a limit was passed), nothing was scanned. */
enum image_result src_image_scan_dir(const char *dir, const struct blob *tmpl,
                                     const struct archive_limits *lim, unsigned char **buf,
                                     blob_fn *fn, void *payload, struct archive_stats *stats,
                                     enum status *st);

#endif
