/*
 * source/chunk.h - the one chunk streamer: an input handed to a blob callback in
 * overlapping chunks, from memory or from a read callback.
 *
 * Every source cuts its inputs here: files (src_fs), archive members, the plain bytes
 * around archives and decompressed streams (source/archive/), git blobs in memory and
 * those streamed from `git cat-file` (source/git/). The streamer owns what must agree
 * between them: chunks of LIMIT_CHUNK_BYTES overlapping by LIMIT_CHUNK_OVERLAP, each
 * owning the matches that end in (own_from, own_to] (the cut in the middle of each
 * overlap, so a key across a boundary is reported once, by the chunk that sees it
 * whole with context on both sides), and each chunk's offset, line and column base
 * (blob.column0: bytes of its first line that lie in earlier chunks).
 *
 * Invariants of the chunks of one input: the first starts at `at` (offset, line and
 * column of the input's first byte, CHUNK_POS_START for a whole input); each later one
 * starts LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP bytes after the one before; only the
 * last is shorter than LIMIT_CHUNK_BYTES; there is always at least one (an empty input
 * is one empty chunk). The same bytes give the same chunks from memory or from a reader.
 */
#ifndef SESAME_SOURCE_CHUNK_H
#define SESAME_SOURCE_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "source/source.h"

typedef enum status blob_fn(const struct blob *blob, void *payload);

/* A place in an input: byte offset, 1-based line, bytes of that line before it. */
struct chunk_pos {
    uint64_t offset;
    uint64_t line;
    uint64_t column0;
};

#define CHUNK_POS_START { 0, 1, 0 }

/* Move *pos over p[0, n): the lines it ends, and the column of the byte after it. */
void chunk_pos_advance(struct chunk_pos *pos, const unsigned char *p, size_t n);

/* Call fn for each chunk of data[0, len) (no copy is made). `tmpl` supplies path, blob
 * id and provenance; data, len, offset, line, column0 and ownership are filled in, from
 * `at` (NULL: CHUNK_POS_START). Returns fn's first non-OK status, which stops it. */
enum status chunk_feed(const struct blob *tmpl, const struct chunk_pos *at,
                       const unsigned char *data, size_t len, blob_fn *fn, void *payload);

/* Where a stream's bytes come from: up to n bytes into p, *got of them. *got == 0 with
 * STATUS_OK is the end; any other status ends the stream too (its message recorded with
 * fail(); a callback run afterwards may record another). */
typedef enum status chunk_read_fn(void *src, unsigned char *p, size_t n, size_t *got);

/* Fill p[0, n) from rd unless the stream ends or fails first; *got says how much
 * arrived (also when the status is not OK). */
enum status chunk_read_full(chunk_read_fn *rd, void *src, unsigned char *p, size_t n,
                            size_t *got);

/* A stream for chunk_stream(). */
struct chunk_stream {
    chunk_read_fn *rd;
    void *src;
    unsigned char **buf;   /* worker-owned, LIMIT_CHUNK_BYTES + 1, allocated on first use */
    size_t have;           /* in: the stream's first bytes already in *buf (<= LIMIT_CHUNK_BYTES) */
    bool eof;              /* in: those are all of it */
    enum status read_st;   /* out: why reading ended early (STATUS_OK: at the end) */
    uint64_t bytes;        /* out: bytes of the stream read, `have` included */
};

/* The same chunks for what s->rd reads, through *s->buf: each chunk is read whole
 * before fn sees it (the bytes read before a read failure are still handed over), then
 * its overlap is moved to the front of the buffer. Returns fn's first non-OK status,
 * which stops it; the reader's is in s->read_st. */
enum status chunk_stream(const struct blob *tmpl, const struct chunk_pos *at,
                         struct chunk_stream *s, blob_fn *fn, void *payload);

#endif
