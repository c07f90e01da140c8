/*
 * source/chunk.h - hand an in-memory input to a blob callback in overlapping chunks.
 *
 * The same ownership rule as the file reader (source/src_fs.c): a chunk owns the
 * matches that end in its half of the overlap. No copy is made.
 */
#ifndef SESAME_SOURCE_CHUNK_H
#define SESAME_SOURCE_CHUNK_H

#include <stddef.h>

#include "base/status.h"
#include "source/source.h"

typedef enum status blob_fn(const struct blob *blob, void *payload);

/* Call fn for each chunk of data[0, len). `tmpl` supplies path, blob id and provenance;
 * data, len, offset, line and ownership are filled in. */
enum status chunk_feed(const struct blob *tmpl, const unsigned char *data, size_t len,
                       blob_fn *fn, void *payload);

#endif
