/*
 * source/git/edges.c - the tree graph's edge lists as differences (see edges.h).
 *
 * A record: varint node, varint slot, then operations on the slot's previous list (the
 * "base", read from position j) producing the new list, each a varint count << 2 | kind:
 *   COPY  n  the next n base entries        SKIP n  drop the next n base entries
 *   LIT   n  n new values follow (varints)  REPL n  n new values replace n base entries
 * and a 0 (a COPY of nothing) ends the record. The encoder is greedy: it copies while the
 * lists agree, and on a difference looks a few entries ahead for where they agree again
 * (entries added or removed), else replaces one entry. Trees are sorted by name, so the
 * lists of two versions of a directory line up.
 */
#include "source/git/edges.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

enum { OP_COPY = 0, OP_SKIP = 1, OP_LIT = 2, OP_REPL = 3 };

/* How far ahead the encoder looks for the lists to agree again. */
#define LOOKAHEAD 8

static void put_varint(struct edge_log *log, uint64_t v)
{
    XGROW(log->b, log->cap, log->n + 10);
    while (v >= 0x80) {
        log->b[log->n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    log->b[log->n++] = (unsigned char)v;
}

static bool get_varint(const struct edge_log *log, size_t *at, uint64_t *v)
{
    uint64_t r = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        unsigned char c;
        if (*at >= log->n)
            return false;
        c = log->b[(*at)++];
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

static void op(struct edge_log *log, unsigned kind, size_t count)
{
    put_varint(log, (uint64_t)count << 2 | kind);
}

static void slot_set(struct edge_slots *slots, uint32_t slot, const uint32_t *v, size_t n)
{
    struct edge_slot *s;

    if (slot >= slots->n) {
        XGROW(slots->s, slots->cap, (size_t)slot + 1);
        memset(slots->s + slots->n, 0, ((size_t)slot + 1 - slots->n) * sizeof(*slots->s));
        slots->n = (size_t)slot + 1;
    }
    s = &slots->s[slot];
    XGROW(s->v, s->cap, n ? n : 1);
    if (n)
        memcpy(s->v, v, n * sizeof(*v));
    s->n = n;
}

void edge_log_put(struct edge_log *log, struct edge_slots *slots, uint32_t node, uint32_t slot,
                  const uint32_t *cur, size_t n)
{
    const uint32_t *base = slot < slots->n ? slots->s[slot].v : NULL;
    size_t nb = slot < slots->n ? slots->s[slot].n : 0;
    size_t i = 0, j = 0;

    put_varint(log, node);
    put_varint(log, slot);
    while (i < n) {
        size_t d, run = 0;
        bool found = false;

        while (i < n && j < nb && cur[i] == base[j]) {
            i++;
            j++;
            run++;
        }
        if (run) {
            op(log, OP_COPY, run);
            continue;
        }
        for (d = 1; d <= LOOKAHEAD && j + d < nb && !found; d++)
            found = cur[i] == base[j + d];
        if (found) { /* base entries removed */
            op(log, OP_SKIP, d - 1);
            j += d - 1;
            continue;
        }
        for (d = 1; d <= LOOKAHEAD && i + d < n && j < nb && !found; d++)
            found = cur[i + d] == base[j];
        if (!found) /* one entry changed; or the base is used up: the rest is new */
            d = j < nb ? 2 : n - i + 1;
        op(log, j < nb && !found ? OP_REPL : OP_LIT, d - 1);
        for (size_t k = 0; k < d - 1; k++)
            put_varint(log, cur[i + k]);
        if (j < nb && !found)
            j += d - 1;
        i += d - 1;
    }
    put_varint(log, 0);
    log->records++;
    slot_set(slots, slot, cur, n);
}

void edge_log_release(struct edge_log *log)
{
    free(log->b);
    memset(log, 0, sizeof(*log));
}

void edge_slots_release(struct edge_slots *slots)
{
    for (size_t k = 0; k < slots->n; k++)
        free(slots->s[k].v);
    free(slots->s);
    memset(slots, 0, sizeof(*slots));
}

void edge_iter_init(struct edge_iter *it, const struct edge_log *log)
{
    memset(it, 0, sizeof(*it));
    it->log = log;
}

static bool decode(struct edge_iter *it, uint32_t *node, size_t *out_n)
{
    uint64_t v, slot;
    const uint32_t *base;
    size_t nb, j = 0, n = 0;

    if (!get_varint(it->log, &it->at, &v) || v > UINT32_MAX ||
        !get_varint(it->log, &it->at, &slot) || slot > it->slots.n || slot >= UINT32_MAX)
        return false;
    *node = (uint32_t)v;
    base = slot < it->slots.n ? it->slots.s[slot].v : NULL;
    nb = slot < it->slots.n ? it->slots.s[slot].n : 0;
    for (;;) {
        uint64_t count;
        unsigned kind;
        if (!get_varint(it->log, &it->at, &v))
            return false;
        if (v == 0)
            break;
        kind = (unsigned)(v & 3);
        count = v >> 2;
        if (count > it->log->n) /* no list is longer than its record */
            return false;
        if ((kind == OP_COPY || kind == OP_SKIP || kind == OP_REPL) && count > nb - j)
            return false;
        if (kind != OP_SKIP)
            XGROW(it->scratch, it->cap_scratch, n + (size_t)count);
        if (kind == OP_COPY) {
            memcpy(it->scratch + n, base + j, (size_t)count * sizeof(*base));
            n += (size_t)count;
        }
        if (kind == OP_LIT || kind == OP_REPL)
            for (uint64_t k = 0; k < count; k++) {
                if (!get_varint(it->log, &it->at, &v) || v > UINT32_MAX)
                    return false;
                it->scratch[n++] = (uint32_t)v;
            }
        if (kind != OP_LIT)
            j += (size_t)count;
    }
    *out_n = n;
    slot_set(&it->slots, (uint32_t)slot, it->scratch, n);
    return true;
}

bool edge_iter_next(struct edge_iter *it, uint32_t *node, const uint32_t **edges, size_t *n)
{
    if (it->bad || it->at >= it->log->n)
        return false;
    if (!decode(it, node, n)) {
        it->bad = true;
        return false;
    }
    *edges = it->scratch;
    return true;
}

void edge_iter_release(struct edge_iter *it)
{
    edge_slots_release(&it->slots);
    free(it->scratch);
    memset(it, 0, sizeof(*it));
}
