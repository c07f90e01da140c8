/*
 * base/hashmap.c - growing and filling the index of base/hashmap.h.
 */
#include "base/hashmap.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/xalloc.h"

void hashmap_release(struct hashmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->size = m->used = 0;
}

void hashmap_clear(struct hashmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->size * sizeof(*m->slots));
    m->used = 0;
}

/* Put a slot's content at its place in a table known to have room. */
static void place(struct hashmap_slot *slots, size_t mask, struct hashmap_slot s)
{
    size_t i = s.tag & mask;

    while (slots[i].item1 != 0)
        i = (i + 1) & mask;
    slots[i] = s;
}

static void resize(struct hashmap *m, size_t size)
{
    struct hashmap_slot *slots = xcalloc(size, sizeof(*slots));

    for (size_t i = 0; i < m->size; i++)
        if (m->slots[i].item1 != 0)
            place(slots, size - 1, m->slots[i]);
    free(m->slots);
    m->slots = slots;
    m->size = size;
}

void hashmap_reserve(struct hashmap *m, size_t n)
{
    size_t size = m->size ? m->size : 64;

    while (size / 2 < n)
        size = st_mult(size, 2);
    if (size > ((size_t)1 << 32)) {
        /* positions come from the 32-bit tag: callers bound their item counts */
        fprintf(stderr, "sesame: hash table of more than 2^31 items\n");
        abort();
    }
    if (size != m->size)
        resize(m, size);
}

void hashmap_insert(struct hashmap *m, uint64_t hash, uint32_t item)
{
    struct hashmap_slot s = { item + 1, (uint32_t)hash };

    /* The tag is the low 32 bits: it is also the position (size <= 2^32). */
    hashmap_reserve(m, m->used + 1);
    place(m->slots, m->size - 1, s);
    m->used++;
}

uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return hash_u64(h);
}

uint64_t hash_str(const char *s)
{
    return hash_bytes(s, strlen(s));
}
