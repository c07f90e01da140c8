/*
 * verify/pace.c - token buckets by key for the verifier's pacing (see pace.h): a bucket
 * refills at its rate up to its burst (its rate, at least 4; at most its cap) and is
 * created full on first use. Keys are found through base/hashmap.
 */
#include "verify/pace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hashmap.h"
#include "base/xalloc.h"

struct bucket {
    char *key;
    double level, rate, cap, at;
};

struct pace {
    double rate;
    struct bucket *b;
    size_t n, cap;
    struct hashmap index;
};

struct pace *pace_new(double rate)
{
    struct pace *p = xcalloc(1, sizeof(*p));
    p->rate = rate > 0 ? rate : 1e9;
    p->index = (struct hashmap)HASHMAP_INIT;
    return p;
}

void pace_free(struct pace *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->b[i].key);
    free(p->b);
    hashmap_release(&p->index);
    free(p);
}

static bool same_key(const void *ctx, uint32_t item, const void *key)
{
    const struct pace *p = ctx;
    return strcmp(p->b[item].key, key) == 0;
}

static double burst(const struct bucket *b)
{
    double n = b->rate < 4 ? 4 : b->rate > 1e6 ? 1e6 : b->rate;
    return b->cap > 0 && n > b->cap ? b->cap : n;
}

static struct bucket *find(struct pace *p, const char *key, double cap, double now)
{
    uint64_t h = hash_str(key);
    uint32_t i = hashmap_find(&p->index, h, same_key, p, key);
    struct bucket *b;

    if (i != HASHMAP_NONE)
        return &p->b[i];
    XGROW(p->b, p->cap, p->n + 1);
    b = &p->b[p->n];
    b->key = xstrdup(key);
    b->cap = cap > 0 ? (cap < 1 ? 1 : cap) : 0;
    b->rate = b->cap > 0 && b->cap < p->rate ? b->cap : p->rate;
    b->at = now;
    b->level = burst(b);
    hashmap_insert(&p->index, h, (uint32_t)p->n);
    p->n++;
    return b;
}

bool pace_take(struct pace *p, const char *key, double cap, double now)
{
    struct bucket *b = find(p, key, cap, now);
    double max = burst(b);

    if (now > b->at)
        b->level += (now - b->at) * b->rate;
    if (b->level > max)
        b->level = max;
    b->at = now;
    if (b->level < 1.0)
        return false;
    b->level -= 1.0;
    return true;
}

void pace_throttled(struct pace *p, const char *key, double now)
{
    struct bucket *b = find(p, key, 0, now);
    b->rate = b->rate / 2 < 1 ? 1 : b->rate / 2;
    if (b->level > burst(b))
        b->level = burst(b);
}

double pace_rate(struct pace *p, const char *key)
{
    uint32_t i = hashmap_find(&p->index, hash_str(key), same_key, p, key);
    return i == HASHMAP_NONE ? p->rate : p->b[i].rate;
}
