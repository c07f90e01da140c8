/*
 * base/hashmap.h - the one hash table of sesame: an index from keys to items the caller
 * stores in its own array.
 *
 * The table holds item numbers (and 32 bits of each key's hash), never keys: the caller
 * keeps its items densely (git object ids, pack offsets, credential values, paths) and
 * says how a key hashes and whether item i has it. Open addressing with linear probing,
 * a power-of-two size, at most half full. Lookups are inline, so an equality function in
 * the caller's file is inlined into the probe loop (the git walk probes once per tree
 * entry). Items are numbered below HASHMAP_NONE (2^32 - 1); callers bound their counts.
 */
#ifndef SESAME_BASE_HASHMAP_H
#define SESAME_BASE_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASHMAP_NONE UINT32_MAX

struct hashmap_slot {
    uint32_t item1; /* item + 1; 0 marks an empty slot */
    uint32_t tag;   /* low 32 bits of the key's hash */
};

struct hashmap {
    struct hashmap_slot *slots;
    size_t size;    /* a power of two, or 0 */
    size_t used;
};

#define HASHMAP_INIT { NULL, 0, 0 }

/* Does item `item` have key `key`? */
typedef bool hashmap_eq_fn(const void *ctx, uint32_t item, const void *key);

void hashmap_release(struct hashmap *m);
void hashmap_clear(struct hashmap *m); /* empty, keeps its memory */

/* Make room for `n` items without growing again. */
void hashmap_reserve(struct hashmap *m, size_t n);

/* Add `item` under `hash`; the caller knows no item has its key. */
void hashmap_insert(struct hashmap *m, uint64_t hash, uint32_t item);

/* The item with `key`, or HASHMAP_NONE. */
static inline uint32_t hashmap_find(const struct hashmap *m, uint64_t hash, hashmap_eq_fn *eq,
                                    const void *ctx, const void *key)
{
    size_t mask, i;

    if (m->size == 0)
        return HASHMAP_NONE;
    mask = m->size - 1;
    for (i = (size_t)hash & mask;; i = (i + 1) & mask) {
        const struct hashmap_slot *s = &m->slots[i];
        if (s->item1 == 0)
            return HASHMAP_NONE;
        if (s->tag == (uint32_t)hash && eq(ctx, s->item1 - 1, key))
            return s->item1 - 1;
    }
}

/* Fetch into the cache the slot where a probe for `hash` starts: a hint for a probe to
 * come, which finds the same either way. */
static inline void hashmap_prefetch(const struct hashmap *m, uint64_t hash)
{
    if (m->size)
        __builtin_prefetch(&m->slots[(size_t)hash & (m->size - 1)]);
}

/* The item with `key`; if there is none, `item` is added under it and returned, with
 * *added set. */
static inline uint32_t hashmap_find_or_add(struct hashmap *m, uint64_t hash, hashmap_eq_fn *eq,
                                           const void *ctx, const void *key, uint32_t item,
                                           bool *added)
{
    uint32_t found = hashmap_find(m, hash, eq, ctx, key);

    *added = found == HASHMAP_NONE;
    if (!*added)
        return found;
    hashmap_insert(m, hash, item);
    return item;
}

/* Hashes for keys: bytes (FNV-1a, then mixed), a NUL-terminated string, a 64-bit number.
 * Git object ids are already uniform: their first 8 bytes serve (hash_u64 of them). */
uint64_t hash_bytes(const void *p, size_t n);
uint64_t hash_str(const char *s);

static inline uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

#endif
