/*
 * source/git/pack.h - read objects straight from a git pack (.idx v2 + .pack).
 *
 * Why not libgit2 for this: reading a history's blobs is inflating and un-deltifying
 * them, and libgit2 1.5 keeps a fixed 16 MiB cache of delta *bases* only, so an object
 * at depth d of a delta chain costs d delta applications; on a 1 GB history that made
 * libgit2 1.75x slower than `git cat-file --batch-all-objects` (benches/RESULTS.md).
 * Here a reader keeps the chain it last rebuilt, and gitpack_order() puts the objects
 * to read in delta-family order (a base, then what is deltified against it, depth
 * first), so each object costs one inflate and at most one delta application.
 * libgit2 stays in charge of everything else (refs, loose objects, alternates, errors):
 * src_git falls back to it for any object this reader does not serve.
 *
 * Packs come from untrusted repositories: the index is validated when the pack is
 * opened (counts, table sizes, trailer checksums matching), each entry's offset when it
 * is used (one outside the pack: the object is not found in it), and every object
 * header, zlib stream, delta chain (depth capped, cycles stopped) and delta instruction
 * is bounds-checked when read; a fuzz target covers opening and reading.
 */
#ifndef SESAME_SOURCE_GITPACK_H
#define SESAME_SOURCE_GITPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "base/limits.h"

#define GITPACK_OID_RAWSZ 20

/* Object types as stored in a pack (1-4); deltas are resolved to their base's type. */
enum gitpack_type { GP_COMMIT = 1, GP_TREE = 2, GP_BLOB = 3, GP_TAG = 4 };


struct gitpack;
struct gitpack_reader;

/* Map `idx_path` and the .pack next to it. STATUS_IO if either cannot be read,
 * STATUS_CORRUPT if they are not a v2 index and its pack (the message says why). */
enum status gitpack_open(struct gitpack **out, const char *idx_path);
/* The same over caller-owned memory that must outlive the pack (tests, fuzzing). */
enum status gitpack_open_mem(struct gitpack **out, const void *idx, size_t idx_len,
                             const void *pack, size_t pack_len);
void gitpack_close(struct gitpack *p);

uint32_t gitpack_count(const struct gitpack *p);
/* Offset of the object `oid` (GITPACK_OID_RAWSZ bytes) in the pack, if it holds it at an
 * offset inside the pack. */
bool gitpack_find(const struct gitpack *p, const unsigned char *oid, uint64_t *offset);
/* The i-th object of the index (object-id order): its id and offset (0 when the index
 * gives one outside the pack: no read accepts it). */
void gitpack_entry(const struct gitpack *p, uint32_t i, const unsigned char **oid,
                   uint64_t *offset);

/* The type of the object at `offset` (a delta's is its chain's whole object's), from
 * the entry headers along its delta chain, nothing inflated. false if an entry on the
 * way is malformed or the chain is longer than LIMIT_DELTA_DEPTH. */
bool gitpack_type_at(const struct gitpack *p, uint64_t offset, enum gitpack_type *type);

/* Sort keys for reading the objects at offs[0..n) (offsets of this pack): keys[i] is
 * the position of offs[i] in a depth-first walk of the delta families, roots in pack
 * order. Objects whose chain cannot be followed come last, in pack order. */
void gitpack_order(const struct gitpack *p, const uint64_t *offs, size_t n, uint64_t *keys);

/* The first position of the ascending v[0..n) whose value is at least x (n if none). */
size_t gitpack_first_at(const uint64_t *v, size_t n, uint64_t x);

/* The index numbers (gitpack_entry order) of the entries whose type is in `types`
 * (1 << GP_BLOB | ...), a delta's type being its base's, in pack order (one per offset),
 * into *out (caller frees); returns how many. Entries whose chain cannot be followed are
 * left out. A pass over the headers. */
size_t gitpack_typed(const struct gitpack *p, unsigned types, uint32_t **out);

/* Objects whose delta chain, followed as git and libgit2 follow it (through entries the
 * index does not list as well), never reaches a whole object: a cycle (of REF_DELTAs, or
 * through an unlisted entry), a chain longer than LIMIT_DELTA_DEPTH, a malformed entry or
 * a missing base on the way, or more entries outside the index than LIMIT_PACK_UNLISTED
 * to follow. Their index numbers (gitpack_entry order) in *out (caller frees); returns
 * how many. libgit2 1.5 loops forever on a cycle (git itself runs out of memory), so
 * src_git keeps such objects away from it. gitpack_read() fails on every one of them.
 * A pass over the pack's headers; only a pack with a REF_DELTA, or an OFS_DELTA based on
 * an entry its index does not list (a cycle needs one of them), is looked at further:
 * others report nothing. */
size_t gitpack_unresolvable(const struct gitpack *p, uint32_t **out);

/* Release the pages of the pack's mapping from this process (madvise MADV_DONTNEED; the
 * page cache keeps them, the next read maps them again): a pass over a whole pack would
 * otherwise keep all of it resident, counted in the process's RSS. Readers do it by
 * themselves after every LIMIT_PACK_RESIDENT_BYTES of compressed data they inflate;
 * callers after a pass over the pack's headers. Harmless while other threads read it.
 * No effect on a pack opened over memory (gitpack_open_mem). */
void gitpack_release_pages(const struct gitpack *p);

/* A reader: one per thread (a zlib stream and the last chain it rebuilt, at most
 * `cache_bytes` of it kept). Readers share packs without locks. */
struct gitpack_reader *gitpack_reader_new(size_t cache_bytes);
void gitpack_reader_free(struct gitpack_reader *r);

/* Follow an OFS_DELTA to its base without checking that the pack index lists the base
 * (git and libgit2 do not check either): for a few reads from a big pack, where the
 * check's table of every index entry by offset (built on first use: a sort of 700,000
 * entries, 40 ms, on git/git) would cost more than the reads. OFS_DELTA bases lie
 * before their delta, so a chain still ends; its length is still capped, and REF_DELTA
 * bases are still looked up in the index. For readers whose failures have a fallback
 * (pushwalk.c falls back to libgit2, which reads what is there). */
void gitpack_reader_any_base(struct gitpack_reader *r);

/* The object at `offset` of `p`, whole: *data stays valid until the reader's next call.
 * STATUS_LIMIT if it, or an object its delta chain goes through, is larger than
 * `max_bytes`; STATUS_CORRUPT if anything on the way is malformed (the message names
 * the pack offset), including a chain longer than LIMIT_DELTA_DEPTH (whatever the
 * reader holds) and a delta whose base is not an object of the index (git never writes
 * one; libgit2 reads what is there). */
enum status gitpack_read(struct gitpack_reader *r, const struct gitpack *p, uint64_t offset,
                         size_t max_bytes, enum gitpack_type *type,
                         const unsigned char **data, size_t *len);

/* The object at `offset` into buf (`cap` bytes) when its entry is a whole object (not a
 * delta): all of it if its size is at most cap, else only its first `head` bytes (at most
 * cap), without inflating the rest: *type, *len (bytes written), *size (the object's).
 * false if it is a delta, or if the entry or its zlib stream is malformed before those
 * bytes: gitpack_read() it then. For headers (pushwalk.c reads the first lines of every
 * commit of a history). */
bool gitpack_read_head(struct gitpack_reader *r, const struct gitpack *p, uint64_t offset,
                       unsigned char *buf, size_t cap, size_t head, enum gitpack_type *type,
                       size_t *len, uint64_t *size);

/* A delta's header: the size of the base it applies to and of its result; *used is the
 * header's length. Then the delta applied to `base` into `out`: false if the delta is
 * malformed, reaches outside the base or the output, or does not fill out_len bytes
 * exactly. Used by gitpack_read(), exposed for the unit tests. */
bool gitpack_delta_sizes(const unsigned char *delta, size_t len, uint64_t *src_size,
                         uint64_t *dst_size, size_t *used);
bool gitpack_delta_apply(const unsigned char *base, size_t base_len, const unsigned char *delta,
                         size_t delta_len, unsigned char *out, size_t out_len);

#endif
