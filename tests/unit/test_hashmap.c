/*
 * tests/unit/test_hashmap.c - the one hash table (base/hashmap.h): items found by key,
 * absent keys not found, growth, collisions, clearing.
 */
#include "base/hashmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/xalloc.h"
#include "harness.h"

struct strings {
    char **v;
    size_t n;
};

static bool str_eq(const void *ctx, uint32_t item, const void *key)
{
    const struct strings *s = ctx;
    return strcmp(s->v[item], key) == 0;
}

static void test_hashmap__strings_found_and_absent(void)
{
    struct hashmap m = HASHMAP_INIT;
    struct strings s = { xcalloc(100000, sizeof(char *)), 0 };

    for (size_t i = 0; i < 100000; i++) {
        char *k = xasprintf("key-%zu", i * 7);
        bool added;
        uint32_t it = hashmap_find_or_add(&m, hash_str(k), str_eq, &s, k, (uint32_t)s.n, &added);
        CHECK(added && it == s.n);
        s.v[s.n++] = k;
    }
    CHECK(m.used == 100000 && m.size >= 200000);
    for (size_t i = 0; i < 100000; i++) {
        char k[32];
        bool added;
        snprintf(k, sizeof(k), "key-%zu", i * 7);
        CHECK(hashmap_find(&m, hash_str(k), str_eq, &s, k) == i);
        CHECK(hashmap_find_or_add(&m, hash_str(k), str_eq, &s, k, 999999, &added) == i && !added);
        snprintf(k, sizeof(k), "key-%zu", i * 7 + 1);
        CHECK(hashmap_find(&m, hash_str(k), str_eq, &s, k) == HASHMAP_NONE);
    }
    hashmap_clear(&m);
    CHECK(m.used == 0 && hashmap_find(&m, hash_str("key-0"), str_eq, &s, "key-0") == HASHMAP_NONE);
    hashmap_release(&m);
    for (size_t i = 0; i < s.n; i++)
        free(s.v[i]);
    free(s.v);
}

static bool u64_eq(const void *ctx, uint32_t item, const void *key)
{
    return ((const uint64_t *)ctx)[item] == *(const uint64_t *)key;
}

/* Every key with the same hash: the probe walks the whole run, still exact. */
static void test_hashmap__collisions(void)
{
    struct hashmap m = HASHMAP_INIT;
    uint64_t keys[300];

    for (uint32_t i = 0; i < 300; i++) {
        keys[i] = 1000 + i;
        CHECK(hashmap_find(&m, 42, u64_eq, keys, &keys[i]) == HASHMAP_NONE);
        hashmap_insert(&m, 42, i);
    }
    for (uint32_t i = 0; i < 300; i++)
        CHECK(hashmap_find(&m, 42, u64_eq, keys, &keys[i]) == i);
    {
        uint64_t other = 5;
        CHECK(hashmap_find(&m, 42, u64_eq, keys, &other) == HASHMAP_NONE);
        CHECK(hashmap_find(&m, 43, u64_eq, keys, &keys[0]) == HASHMAP_NONE);
    }
    hashmap_release(&m);
    CHECK(hashmap_find(&m, 42, u64_eq, keys, &keys[0]) == HASHMAP_NONE);
}

static void test_hashmap__hashes_spread(void)
{
    /* nearby inputs land in different low bits (the table position) */
    CHECK((hash_u64(1) & 1023) != (hash_u64(2) & 1023));
    CHECK(hash_str("a") != hash_str("b"));
    CHECK(hash_bytes("ab", 2) == hash_str("ab"));
}

static const struct test tests[] = {
    TEST(test_hashmap__strings_found_and_absent),
    TEST(test_hashmap__collisions),
    TEST(test_hashmap__hashes_spread),
};
HARNESS_MAIN(tests)
