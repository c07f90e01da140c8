/*
 * scanbuf.h - scan one input buffer: matches, decoded views, pairing, observations.
 *
 * A scanbuf belongs to one worker thread. For each blob (a file, or a chunk of a large
 * one) it runs the engine over the bytes, then over decoded views (UTF-16, URL, JSON
 * escapes, base64; nested up to LIMIT_DECODE_DEPTH within LIMIT_DECODE_BYTES), pairs
 * values with the access key ID next to them, maps every location back to the
 * original bytes, and adds observations to the shared findings collection.
 */
#ifndef SESAME_SCANBUF_H
#define SESAME_SCANBUF_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"

struct engine;
struct ruleset;
struct findings;
struct blob;
struct scanbuf;

/* Which `sesame:allow` comments count (a server does not let the pusher decide). */
enum inline_allow {
    INLINE_ALLOW_ALL = 0, /* any occurrence on a marked line is allowed */
    INLINE_ALLOW_NONE,    /* markers are ignored: everything is reported */
    INLINE_ALLOW_IDS,     /* only bare key IDs (identifiers, not secrets) may be allowed */
};

/* What applies to the input being scanned: set by the driver before each input. */
struct scanbuf_ctx {
    unsigned target;              /* index of the scan target, copied into observations */
    const unsigned char *disabled; /* per rule index: 1 = disabled for this target, or NULL */
    enum inline_allow allow;
    bool quiet;                   /* limits counted (stats.truncated), not logged */
};

struct scanbuf_stats {
    uint64_t decoded_views; /* views scanned (each window of an escape decoder is one) */
    uint64_t decoded_bytes; /* their bytes, which the matcher scanned again (SESAME_TIMINGS) */
    uint64_t truncated; /* blobs where a hit cap was reached */
    uint64_t allowed;   /* observations on lines marked `sesame:allow` */
};

enum status scanbuf_new(struct scanbuf **out, const struct engine *e, const struct ruleset *rs,
                        struct findings *f);
void scanbuf_free(struct scanbuf *sb);

/* Scan one blob. Only matches ending in (blob->own_from, blob->own_to] are kept (the
 * rest belong to the neighbouring chunk). */
enum status scanbuf_scan(struct scanbuf *sb, const struct blob *blob);

void scanbuf_set_ctx(struct scanbuf *sb, const struct scanbuf_ctx *ctx);

/* Tests: pair each value by looking at every candidate partner (the reference), not only
 * those that could beat the best found so far (scanbuf.c may_beat). Same pairs. */
void scanbuf_set_exhaustive_pairing(struct scanbuf *sb, bool on);

const struct scanbuf_stats *scanbuf_stats(const struct scanbuf *sb);

#endif
