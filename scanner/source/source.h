/*
 * source/source.h - what sources hand to the scanner.
 *
 * Sources push blobs and know nothing of matching. A blob's data is borrowed for the
 * duration of the callback. Large inputs arrive as several chunks of one blob, each
 * with its offset in the whole input and the line number at that offset.
 */
#ifndef SESAME_SOURCE_SOURCE_H
#define SESAME_SOURCE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/provenance.h"

struct blob {
    const char *path;            /* display path */
    /* Bytes at the end of path (and of every prov path) already escaped for display: the
     * "!member" parts of an archive member, names escaped as base/escape.h's escape_path
     * expects; 0 outside archives. */
    size_t shown_tail;
    const unsigned char *data;
    size_t len;
    uint64_t offset;             /* offset of data[0] in the whole input */
    uint64_t line;               /* 1-based line number of data[0] */
    uint64_t column0;            /* bytes of data[0]'s line before data[0] (chunks) */
    /* Chunks overlap: a match belongs to this chunk when its end lies in
     * (own_from, own_to]; a whole input has own_from = 0 and own_to = len. */
    size_t own_from;
    size_t own_to;
    const char *blob_id;         /* git blob id or NULL */
    const struct commit_info *commit; /* or NULL */
    /* Git blobs are scanned once but seen at many (path, commit) places: when n_prov is
     * non-zero, every observation is reported at each of them (path/commit above are
     * then ignored). */
    const struct provenance *prov;
    size_t n_prov;
    /* True: where this blob was seen is not known yet (a whole git history); its
     * observations are kept with `path` (the first path the blob was seen at, as a prefix
     * of archive member paths), `blob_id` and their scan target, and findings_expand()
     * fans them out over the places the git source's provenance table lists. */
    bool deferred;
    /* Container image layers (source/src_image.h): the history command that made the
     * layer this blob is in, and the digest of the later layer whose whiteout removed it
     * from the image's file system; NULL otherwise. */
    const char *layer_cmd;
    const char *removed_in;
    bool replaced;               /* removed_in is a later layer that wrote another file at
                                  * the same path (no whiteout) */
    /* Container images: a file whose content is in several layers is scanned once, at
     * its first place, with prov listing every place (path = IMAGE!LAYER!file, commit
     * NULL) and places[k] what differs per place; NULL otherwise. */
    const struct blob_place *places;
};

/* What one place of a file scanned once for several image layers says of itself. */
struct blob_place {
    size_t shown_tail;           /* of prov[k].path */
    const char *layer_cmd;
    const char *removed_in;
    bool replaced;
};

#endif
