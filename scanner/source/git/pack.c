/*
 * source/git/pack.c - read objects from a git pack (see pack.h).
 *
 * Formats (git's Documentation/gitformat-pack.txt): an .idx v2 is "\377tOc", version 2,
 * a 256-entry fan-out table, the sorted object ids, their CRC32s, 31-bit offsets (the
 * high bit selects an entry of a 64-bit offset table), the pack's checksum and its own.
 * A pack entry is a type and size varint, then (for an OFS_DELTA) a negative offset to
 * its base or (REF_DELTA) the base's id, then a zlib stream. Deltas themselves are applied
 * by pack_delta.c.
 */
#include "source/git/pack.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>

#include "base/hashmap.h"
#include "base/limits.h"
#include "base/xalloc.h"

enum { OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7 };

#define IDX_HEADER 8u
#define IDX_FANOUT 1024u
#define PACK_HEADER 12u
#define TRAILER 20u

struct gitpack {
    const unsigned char *idx, *pack;
    size_t idx_len, pack_len;
    bool mapped;
    uint32_t n;
    const unsigned char *fanout, *oids, *offs32, *offs64;
    size_t n64; /* entries of the 64-bit offset table */
    /* The index's offsets in pack order, and the index number at each: built on first
     * use (readers share the pack, hence the lock), to tell an object of the index
     * from an offset no index entry names. */
    pthread_mutex_t lock;
    _Atomic(struct by_off *) by_off;
    /* pack bytes inflated since the mapping's pages were last released (see
     * gitpack_release_pages): readers add to it, the one that crosses
     * LIMIT_PACK_RESIDENT_BYTES releases them */
    _Atomic uint64_t consumed;
};

struct by_off {
    uint64_t *off;
    uint32_t *idx;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The offset of index entry i, or 0 (where no entry can start: entry_at refuses it) when
 * the index gives one outside the pack or names a 64-bit entry it does not have. Checked
 * here, on use, rather than for every entry when the pack is opened: that pass over the
 * offset table took 2-3 ms of every open of git/git's 419,000-object pack, a twentieth
 * of a pre-receive hook that looks up a few thousand ids (benches/RESULTS.md, issue 16). */
static uint64_t nth_offset(const struct gitpack *p, uint32_t i)
{
    uint32_t o = be32(p->offs32 + (size_t)i * 4);
    uint64_t off = o;

    if (o & 0x80000000u) {
        if ((o & 0x7fffffffu) >= p->n64)
            return 0;
        off = be64(p->offs64 + (size_t)(o & 0x7fffffffu) * 8);
    }
    return off >= PACK_HEADER && off < p->pack_len - TRAILER ? off : 0;
}

static enum status validate(struct gitpack *p, const char *name)
{
    const unsigned char *x = p->idx;
    uint32_t prev = 0;
    size_t tables;

    if (p->idx_len < IDX_HEADER + IDX_FANOUT + 2 * TRAILER || memcmp(x, "\377tOc", 4) != 0 ||
        be32(x + 4) != 2)
        return fail(STATUS_CORRUPT, "'%s': not a version 2 pack index", name);
    p->fanout = x + IDX_HEADER;
    for (unsigned b = 0; b < 256; b++) {
        uint32_t f = be32(p->fanout + b * 4);
        if (f < prev)
            return fail(STATUS_CORRUPT, "'%s': pack index fan-out is not sorted", name);
        prev = f;
    }
    p->n = prev;
    if (p->n > (p->idx_len - IDX_HEADER - IDX_FANOUT - 2 * TRAILER) / 28)
        return fail(STATUS_CORRUPT, "'%s': pack index too short for %u objects", name, p->n);
    p->oids = p->fanout + IDX_FANOUT;
    p->offs32 = p->oids + (size_t)p->n * 24; /* ids, then CRC32s */
    p->offs64 = p->offs32 + (size_t)p->n * 4;
    tables = (size_t)(p->offs64 - x);
    if ((p->idx_len - 2 * TRAILER - tables) % 8 != 0)
        return fail(STATUS_CORRUPT, "'%s': pack index has a torn offset table", name);
    p->n64 = (p->idx_len - 2 * TRAILER - tables) / 8;
    if (p->pack_len < PACK_HEADER + TRAILER || memcmp(p->pack, "PACK", 4) != 0 ||
        (be32(p->pack + 4) != 2 && be32(p->pack + 4) != 3))
        return fail(STATUS_CORRUPT, "'%s': its pack is not a version 2 or 3 pack", name);
    if (be32(p->pack + 8) != p->n)
        return fail(STATUS_CORRUPT, "'%s': index lists %u objects, its pack %u", name, p->n,
                    be32(p->pack + 8));
    if (memcmp(p->pack + p->pack_len - TRAILER, x + p->idx_len - 2 * TRAILER, TRAILER) != 0)
        return fail(STATUS_CORRUPT, "'%s': pack checksum does not match its index", name);
    /* each object's offset is checked when it is used (nth_offset) */
    return STATUS_OK;
}

enum status gitpack_open_mem(struct gitpack **out, const void *idx, size_t idx_len,
                             const void *pack, size_t pack_len)
{
    struct gitpack *p = xcalloc(1, sizeof(*p));
    enum status st;

    pthread_mutex_init(&p->lock, NULL);
    p->idx = idx;
    p->idx_len = idx_len;
    p->pack = pack;
    p->pack_len = pack_len;
    if ((st = validate(p, "pack index")) != STATUS_OK) {
        gitpack_close(p);
        p = NULL;
    }
    *out = p;
    return st;
}

static enum status map_file(const char *path, const unsigned char **data, size_t *len)
{
    struct stat sb;
    void *m;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return fail(STATUS_IO, "'%s': cannot open: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        return fail(STATUS_IO, "'%s': not a readable file", path);
    }
    m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return fail(STATUS_IO, "'%s': cannot map: %s", path, strerror(errno));
    *data = m;
    *len = (size_t)sb.st_size;
    return STATUS_OK;
}

enum status gitpack_open(struct gitpack **out, const char *idx_path)
{
    struct gitpack *p = xcalloc(1, sizeof(*p));
    size_t l = strlen(idx_path);
    char *pack_path;
    enum status st;

    *out = NULL;
    if (l < 4 || strcmp(idx_path + l - 4, ".idx") != 0) {
        free(p);
        return fail(STATUS_IO, "'%s': not a .idx file", idx_path);
    }
    pack_path = xasprintf("%.*s.pack", (int)(l - 4), idx_path);
    pthread_mutex_init(&p->lock, NULL);
    p->mapped = true;
    if ((st = map_file(idx_path, &p->idx, &p->idx_len)) == STATUS_OK &&
        (st = map_file(pack_path, &p->pack, &p->pack_len)) == STATUS_OK)
        st = validate(p, idx_path);
    free(pack_path);
    if (st != STATUS_OK) {
        gitpack_close(p);
        return st;
    }
    *out = p;
    return STATUS_OK;
}

void gitpack_close(struct gitpack *p)
{
    struct by_off *bo;

    if (!p)
        return;
    if ((bo = atomic_load(&p->by_off))) {
        free(bo->off);
        free(bo->idx);
        free(bo);
    }
    pthread_mutex_destroy(&p->lock);
    if (p->mapped) {
        if (p->idx)
            munmap((void *)p->idx, p->idx_len);
        if (p->pack)
            munmap((void *)p->pack, p->pack_len);
    }
    free(p);
}

uint32_t gitpack_count(const struct gitpack *p)
{
    return p->n;
}

/* memcmp of two ids, the first 8 bytes compared as one number (they decide almost every
 * step of a binary search; a call to memcmp cost more than the search's own work). */
static inline int oid_cmp(const unsigned char *a, const unsigned char *b)
{
    uint64_t x = be64(a), y = be64(b);

    if (x != y)
        return x < y ? -1 : 1;
    return memcmp(a + 8, b + 8, GITPACK_OID_RAWSZ - 8);
}

bool gitpack_find(const struct gitpack *p, const unsigned char *oid, uint64_t *offset)
{
    uint32_t lo = oid[0] ? be32(p->fanout + (oid[0] - 1u) * 4) : 0;
    uint32_t hi = be32(p->fanout + oid[0] * 4u);

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = oid_cmp(p->oids + (size_t)mid * GITPACK_OID_RAWSZ, oid);
        if (c == 0) {
            /* an entry whose offset is outside the pack is not one this reader can read:
             * the object is looked for elsewhere (another pack, libgit2), as when a pack
             * with such an entry was refused whole */
            *offset = nth_offset(p, mid);
            return *offset != 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void gitpack_entry(const struct gitpack *p, uint32_t i, const unsigned char **oid,
                   uint64_t *offset)
{
    *oid = p->oids + (size_t)i * GITPACK_OID_RAWSZ;
    *offset = nth_offset(p, i);
}

/* ---- the index in pack order ------------------------------------------------------------ */

struct off_idx {
    uint64_t off;
    uint32_t idx;
};

static int cmp_off_idx(const void *a, const void *b)
{
    const struct off_idx *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The index's entries sorted by offset (built once, then shared read-only). */
static const struct by_off *by_off(const struct gitpack *cp)
{
    struct gitpack *p = (struct gitpack *)cp; /* the lazily built table only */
    struct by_off *bo = atomic_load_explicit(&p->by_off, memory_order_acquire);
    struct off_idx *v;

    if (bo)
        return bo;
    pthread_mutex_lock(&p->lock);
    if (!(bo = atomic_load_explicit(&p->by_off, memory_order_acquire))) {
        v = xmalloc((p->n ? p->n : 1) * sizeof(*v));
        for (uint32_t i = 0; i < p->n; i++) {
            v[i].off = nth_offset(p, i);
            v[i].idx = i;
        }
        qsort(v, p->n, sizeof(*v), cmp_off_idx);
        bo = xcalloc(1, sizeof(*bo));
        bo->off = xmalloc((p->n ? p->n : 1) * sizeof(*bo->off));
        bo->idx = xmalloc((p->n ? p->n : 1) * sizeof(*bo->idx));
        for (uint32_t i = 0; i < p->n; i++) {
            bo->off[i] = v[i].off;
            bo->idx[i] = v[i].idx;
        }
        free(v);
        atomic_store_explicit(&p->by_off, bo, memory_order_release);
    }
    pthread_mutex_unlock(&p->lock);
    return bo;
}

size_t gitpack_first_at(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The index number of an entry at `off` (the lowest if several), or false if no index
 * entry starts there. */
static bool indexed_at(const struct gitpack *p, uint64_t off, uint32_t *idx)
{
    const struct by_off *bo = by_off(p);
    size_t lo = gitpack_first_at(bo->off, p->n, off);

    if (lo == p->n || bo->off[lo] != off)
        return false;
    *idx = bo->idx[lo];
    return true;
}

/* ---- entries --------------------------------------------------------------------------- */

struct hdr {
    uint64_t at;       /* offset of the entry */
    int type;          /* 1-4, or a delta type */
    uint64_t size;     /* inflated size of what follows (the delta, for a delta) */
    uint64_t data;     /* offset of the zlib stream */
    uint64_t base;     /* a delta's base offset */
};

/* ---- resident pages --------------------------------------------------------------------- */

void gitpack_release_pages(const struct gitpack *p)
{
    if (p->mapped && p->pack_len)
        (void)madvise((void *)p->pack, p->pack_len, MADV_DONTNEED);
}

/* `n` more bytes of the pack read (a header counts as the page it is on): past every
 * LIMIT_PACK_RESIDENT_BYTES of them, the mapping's pages are released. The pack struct is shared by the readers: the counter is
 * its only mutable part (atomic). */
static void note_consumed(const struct gitpack *cp, uint64_t n)
{
    struct gitpack *p = (struct gitpack *)cp;
    uint64_t before = atomic_fetch_add(&p->consumed, n);

    if (before / LIMIT_PACK_RESIDENT_BYTES != (before + n) / LIMIT_PACK_RESIDENT_BYTES)
        gitpack_release_pages(p);
}

/* The header of the entry at `off`; a delta's base as an absolute offset. */
static bool entry_at(const struct gitpack *p, uint64_t off, struct hdr *h)
{
    const uint64_t end = p->pack_len - TRAILER;
    unsigned shift = 4;
    unsigned char c;

    if (off < PACK_HEADER || off >= end)
        return false;
    note_consumed(p, 4096); /* passes over every header touch every page */
    h->at = off;
    c = p->pack[off++];
    h->type = (c >> 4) & 7;
    h->size = c & 15u;
    while (c & 0x80) {
        if (off >= end || shift > 57)
            return false;
        c = p->pack[off++];
        h->size |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    }
    h->base = UINT64_MAX;
    if (h->type == OBJ_OFS_DELTA) {
        uint64_t rel;
        if (off >= end)
            return false;
        c = p->pack[off++];
        rel = c & 0x7f;
        while (c & 0x80) {
            if (off >= end || rel >= (UINT64_MAX >> 8))
                return false;
            c = p->pack[off++];
            rel = ((rel + 1) << 7) | (c & 0x7f);
        }
        if (rel == 0 || rel > h->at - PACK_HEADER)
            return false; /* the base starts after the pack header, before this entry */
        h->base = h->at - rel;
    } else if (h->type == OBJ_REF_DELTA) {
        if (end - off < GITPACK_OID_RAWSZ || !gitpack_find(p, p->pack + off, &h->base))
            return false;
        off += GITPACK_OID_RAWSZ;
    } else if (h->type < GP_COMMIT || h->type > GP_TAG) {
        return false;
    }
    h->data = off;
    return true;
}

static bool is_delta(const struct hdr *h)
{
    return h->type == OBJ_OFS_DELTA || h->type == OBJ_REF_DELTA;
}

bool gitpack_type_at(const struct gitpack *p, uint64_t offset, enum gitpack_type *type)
{
    struct hdr h;
    uint64_t off = offset;

    for (unsigned depth = 0; depth <= LIMIT_DELTA_DEPTH; depth++) {
        if (!entry_at(p, off, &h))
            return false;
        if (!is_delta(&h)) {
            *type = (enum gitpack_type)h.type;
            return true;
        }
        off = h.base;
    }
    return false;
}

/* ---- order ------------------------------------------------------------------------------ */

struct onode {
    uint32_t parent, child, sibling; /* node numbers, UINT32_MAX for none */
    uint32_t seq;
};

/* Pack offsets are indexed with base/hashmap.h: item k is offs[k] of an array the
 * caller keeps (the nodes' offsets below, the unlisted entries' in
 * gitpack_unresolvable). */
static bool off_eq(const void *ctx, uint32_t item, const void *key)
{
    return ((const uint64_t *)ctx)[item] == *(const uint64_t *)key;
}

static uint32_t off_find(const struct hashmap *m, const uint64_t *offs, uint64_t off)
{
    return hashmap_find(m, hash_u64(off), off_eq, offs, &off);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void gitpack_order(const struct gitpack *p, const uint64_t *offs, size_t n, uint64_t *keys)
{
    struct hashmap m = HASHMAP_INIT; /* offset -> node number (node_off[]) */
    struct onode *nodes = NULL;
    uint64_t *node_off = NULL;
    size_t n_nodes = 0, cap = 0, cap_off = 0, n_seq = 0;
    uint64_t *by_off;
    uint32_t roots = UINT32_MAX, *stack;
    size_t depth = 0;

    /* Nodes: the wanted objects and every base their chains go through. */
    for (size_t i = 0; i < n; i++) {
        uint64_t off = offs[i];
        uint32_t child = UINT32_MAX;
        for (unsigned d = 0; d <= LIMIT_DELTA_DEPTH; d++) {
            uint32_t v = off_find(&m, node_off, off);
            bool created = v == HASHMAP_NONE;
            struct hdr h;
            if (created) {
                xgrow((void **)&nodes, &cap, n_nodes + 1, sizeof(*nodes));
                XGROW(node_off, cap_off, n_nodes + 1);
                nodes[n_nodes] = (struct onode){ UINT32_MAX, UINT32_MAX, UINT32_MAX,
                                                 UINT32_MAX };
                node_off[n_nodes] = off;
                hashmap_insert(&m, hash_u64(off), (uint32_t)n_nodes);
                v = (uint32_t)n_nodes++;
            }
            if (child != UINT32_MAX)
                nodes[child].parent = v;
            if (!created)
                break;
            child = v;
            if (!entry_at(p, off, &h) || !is_delta(&h))
                break;
            off = h.base;
        }
    }
    /* Children and roots in pack order: link them from the highest offset down. */
    by_off = xmalloc((n_nodes ? n_nodes : 1) * sizeof(*by_off));
    if (n_nodes)
        memcpy(by_off, node_off, n_nodes * sizeof(*by_off));
    qsort(by_off, n_nodes, sizeof(*by_off), cmp_u64);
    for (size_t k = n_nodes; k-- > 0;) {
        uint32_t v = off_find(&m, node_off, by_off[k]);
        uint32_t *head = nodes[v].parent == UINT32_MAX ? &roots : &nodes[nodes[v].parent].child;
        nodes[v].sibling = *head;
        *head = v;
    }
    /* Depth first from each root; members of a cycle (REF_DELTAs) are never reached. */
    stack = xmalloc((n_nodes ? n_nodes : 1) * sizeof(*stack));
    for (uint32_t r = roots; r != UINT32_MAX; r = nodes[r].sibling) {
        stack[depth++] = r;
        while (depth) {
            uint32_t v = stack[--depth];
            nodes[v].seq = (uint32_t)n_seq++;
            /* push children last-first so the first is visited next */
            size_t at = depth;
            for (uint32_t c = nodes[v].child; c != UINT32_MAX; c = nodes[c].sibling)
                stack[depth++] = c;
            for (size_t a = at, b = depth; b > a + 1; a++, b--) {
                uint32_t t = stack[a];
                stack[a] = stack[b - 1];
                stack[b - 1] = t;
            }
        }
    }
    for (size_t k = 0; k < n_nodes; k++) {
        uint32_t v = off_find(&m, node_off, by_off[k]);
        if (nodes[v].seq == UINT32_MAX)
            nodes[v].seq = (uint32_t)n_seq++;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = nodes[off_find(&m, node_off, offs[i])].seq;
    free(stack);
    free(by_off);
    free(nodes);
    free(node_off);
    hashmap_release(&m);
}

/* ---- the objects of a pack by type ------------------------------------------------------ */

/* The type an entry resolves to (its chain followed, memo by position in pack order),
 * or 0 if the chain cannot be followed. */
static int resolved_type(const struct gitpack *p, const struct by_off *bo,
                         const unsigned char *memo, uint64_t off)
{
    for (unsigned d = 0; d <= LIMIT_DELTA_DEPTH; d++) {
        size_t lo = gitpack_first_at(bo->off, p->n, off);
        struct hdr h;
        if (lo < p->n && bo->off[lo] == off && memo[lo])
            return memo[lo] == 0xff ? 0 : memo[lo];
        if (!entry_at(p, off, &h))
            return 0;
        if (!is_delta(&h))
            return h.type;
        off = h.base;
    }
    return 0;
}

size_t gitpack_typed(const struct gitpack *p, unsigned types, uint32_t **out)
{
    const struct by_off *bo = by_off(p);
    unsigned char *memo = xcalloc(p->n ? p->n : 1, 1); /* 0: not yet, 0xff: none */
    size_t n = 0;

    *out = xmalloc((p->n ? p->n : 1) * sizeof(**out));
    for (uint32_t k = 0; k < p->n; k++) {
        int t;
        if (k > 0 && bo->off[k] == bo->off[k - 1])
            continue;
        t = resolved_type(p, bo, memo, bo->off[k]);
        memo[k] = t ? (unsigned char)t : 0xff;
        if (t && (types & 1u << t))
            (*out)[n++] = bo->idx[k];
    }
    free(memo);
    return n;
}

/* ---- chains that never end ---------------------------------------------------------------- */

#define CH_ROOT UINT32_MAX        /* a whole object */
#define CH_BAD (UINT32_MAX - 1)   /* malformed entry, or a base that is no entry */

/* Does any chain need following? Only a REF_DELTA can close a cycle (an OFS_DELTA's base
 * lies before it), and one can also hide behind an OFS_DELTA whose base is an entry the
 * index does not list: a pack with neither (what git writes) needs no more than this
 * pass over its headers, in pack order. */
static bool any_ref_or_unlisted(const struct gitpack *p)
{
    const struct by_off *bo = by_off(p);

    for (uint32_t k = 0; k < p->n; k++) {
        struct hdr h;
        uint32_t bi;
        if (k > 0 && bo->off[k] == bo->off[k - 1])
            continue;
        if (!entry_at(p, bo->off[k], &h))
            continue;
        if (h.type == OBJ_REF_DELTA || (h.type == OBJ_OFS_DELTA && !indexed_at(p, h.base, &bi)))
            return true;
    }
    return false;
}

size_t gitpack_unresolvable(const struct gitpack *p, uint32_t **out)
{
    const uint32_t n = p->n;
    /* nodes: the index's entries (0..n-1), then entries outside it that chains go
     * through (n + k at xoff[k]), at most LIMIT_PACK_UNLISTED of them */
    struct hashmap extra = HASHMAP_INIT; /* offset -> k (xoff[k]) */
    uint64_t *xoff = NULL;
    size_t n_x = 0, cap_x = 0, n_nodes, cap_parent = 0;
    uint32_t *parent = NULL, *depth, *path, *bad = NULL;
    unsigned char *state; /* 0 unknown, 1 on the current path, 2 resolves, 3 never does */
    size_t n_bad = 0, cap = 0;
    const size_t max_x = n < CH_BAD - 1 - LIMIT_PACK_UNLISTED ? LIMIT_PACK_UNLISTED : 0;

    *out = NULL;
    if (!any_ref_or_unlisted(p))
        return 0;
    for (size_t v = 0; v < n + n_x; v++) {
        uint64_t off = v < n ? nth_offset(p, (uint32_t)v) : xoff[v - n];
        struct hdr h;
        uint32_t bi, par;

        if (!entry_at(p, off, &h)) {
            par = CH_BAD;
        } else if (!is_delta(&h)) {
            par = CH_ROOT;
        } else if (indexed_at(p, h.base, &bi)) {
            par = bi;
        } else {
            uint32_t hit = off_find(&extra, xoff, h.base);
            if (hit != HASHMAP_NONE) {
                par = (uint32_t)(n + hit);
            } else if (n_x < max_x) {
                XGROW(xoff, cap_x, n_x + 1);
                xoff[n_x] = h.base;
                hashmap_insert(&extra, hash_u64(h.base), (uint32_t)n_x);
                par = (uint32_t)(n + n_x++);
            } else {
                par = CH_BAD; /* too many entries outside the index to follow */
            }
        }
        XGROW(parent, cap_parent, v + 1);
        parent[v] = par;
    }
    n_nodes = n + n_x;
    depth = xcalloc(n_nodes, sizeof(*depth));
    path = xmalloc(n_nodes * sizeof(*path));
    state = xcalloc(n_nodes, 1);
    for (uint32_t i = 0; i < n_nodes; i++) {
        size_t len = 0;
        uint32_t v = i, d = 0;
        bool ok;

        /* up until a known object, a whole one, a bad one, or the path itself (a cycle) */
        while (v < CH_BAD && state[v] == 0) {
            state[v] = 1;
            path[len++] = v;
            v = parent[v];
        }
        if (v == CH_ROOT) {
            ok = true;
        } else if (v == CH_BAD || state[v] != 2) {
            ok = false;      /* bad, never resolves, or on this path: a cycle */
        } else {
            ok = true;
            d = depth[v] + 1;
        }
        /* down again: depths from the top, too deep is as bad as a cycle */
        while (len-- > 0) {
            uint32_t w = path[len];
            if (ok && d > LIMIT_DELTA_DEPTH)
                ok = false;
            state[w] = ok ? 2 : 3;
            depth[w] = d++;
            if (!ok && w < n) {
                XGROW(bad, cap, n_bad + 1);
                bad[n_bad++] = w;
            }
        }
    }
    free(state);
    free(path);
    free(depth);
    free(parent);
    free(xoff);
    hashmap_release(&extra);
    *out = bad;
    return n_bad;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* A whole object the reader rebuilt, in a hash chain and in the recency list. */
struct centry {
    const struct gitpack *p;
    uint64_t off;
    enum gitpack_type type;
    uint32_t depth;              /* deltas applied to rebuild it */
    unsigned char *buf;
    size_t len;
    struct centry *hnext;
    struct centry *next, *prev; /* towards older, towards newer entries */
};


struct gitpack_reader {
    z_stream z;           /* for the first bytes of an object (gitpack_read_head) */
    bool z_ready;
    struct libdeflate_decompressor *dd; /* for whole objects (inflate_at) */
    /* Objects rebuilt lately, least recently used dropped first past `budget` bytes:
     * whole objects, so a delta whose base is here costs one application. */
    struct centry **buckets;
    size_t n_buckets, n_entries; /* n_buckets: a power of two, at least n_entries */
    struct centry lru;    /* lru.next is the newest entry, lru.prev the oldest */
    size_t bytes, budget;
    struct hdr *path;     /* headers from the wanted object up to a cached or whole one */
    size_t path_cap;
    unsigned char *delta; /* an inflated delta */
    size_t delta_cap;
    bool any_base;        /* gitpack_reader_any_base() */
};

static size_t bucket_of(const struct gitpack_reader *r, const struct gitpack *p, uint64_t off)
{
    uint64_t h = (off ^ (uint64_t)(uintptr_t)p) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) & (r->n_buckets - 1);
}

static void rehash(struct gitpack_reader *r, size_t n_buckets)
{
    struct centry **old = r->buckets;
    size_t n_old = r->n_buckets;

    r->buckets = xcalloc(n_buckets, sizeof(*r->buckets));
    r->n_buckets = n_buckets;
    for (size_t i = 0; i < n_old; i++)
        for (struct centry *e = old[i], *next; e; e = next) {
            size_t b = bucket_of(r, e->p, e->off);
            next = e->hnext;
            e->hnext = r->buckets[b];
            r->buckets[b] = e;
        }
    free(old);
}

struct gitpack_reader *gitpack_reader_new(size_t cache_bytes)
{
    struct gitpack_reader *r = xcalloc(1, sizeof(*r));
    r->budget = cache_bytes;
    r->lru.next = r->lru.prev = &r->lru;
    rehash(r, 256);
    return r;
}

void gitpack_reader_any_base(struct gitpack_reader *r)
{
    r->any_base = true;
}

static void lru_unlink(struct centry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_front(struct gitpack_reader *r, struct centry *e)
{
    e->next = r->lru.next;
    e->prev = &r->lru;
    r->lru.next->prev = e;
    r->lru.next = e;
}

static struct centry *cache_get(struct gitpack_reader *r, const struct gitpack *p,
                                uint64_t off)
{
    for (struct centry *e = r->buckets[bucket_of(r, p, off)]; e; e = e->hnext)
        if (e->p == p && e->off == off) {
            lru_unlink(e);
            lru_front(r, e);
            return e;
        }
    return NULL;
}

static void cache_drop(struct gitpack_reader *r, struct centry *e)
{
    struct centry **pp = &r->buckets[bucket_of(r, e->p, e->off)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    r->n_entries--;
    r->bytes -= e->len;
    free(e->buf);
    free(e);
}

/* Add a rebuilt object as the newest entry; drop the oldest past the budget, but never
 * the two newest (the object being returned and the base it was made from). */
static struct centry *cache_put(struct gitpack_reader *r, const struct gitpack *p,
                                uint64_t off, enum gitpack_type type, uint32_t depth,
                                unsigned char *buf, size_t len)
{
    struct centry *e = xcalloc(1, sizeof(*e));
    size_t b;

    if (++r->n_entries > r->n_buckets)
        rehash(r, r->n_buckets * 2);
    b = bucket_of(r, p, off);
    *e = (struct centry){ p, off, type, depth, buf, len, r->buckets[b], NULL, NULL };
    r->buckets[b] = e;
    lru_front(r, e);
    r->bytes += len;
    while (r->bytes > r->budget && r->lru.prev != e && r->lru.prev != e->next)
        cache_drop(r, r->lru.prev);
    return e;
}

void gitpack_reader_free(struct gitpack_reader *r)
{
    if (!r)
        return;
    while (r->lru.prev != &r->lru)
        cache_drop(r, r->lru.prev);
    if (r->z_ready)
        inflateEnd(&r->z);
    if (r->dd)
        libdeflate_free_decompressor(r->dd);
    free(r->buckets);
    free(r->path);
    free(r->delta);
    free(r);
}

/* An entry's zlib stream, which must inflate to exactly `len` bytes, into out. With
 * libdeflate, not zlib: it inflates a whole buffer about twice as fast, and most pack
 * entries are small, where zlib's per-stream set-up dominated (git/git: 420,000 entries,
 * zlib 35% of the walk and 43% of the reading; benches/RESULTS.md, "History: issue 16
 * goal 1, a cheaper walk"). The same checks as zlib's inflate: the header, the blocks,
 * the Adler-32 of the result; the stream may not give more or fewer bytes than len. */
static enum status inflate_at(struct gitpack_reader *r, const struct gitpack *p,
                              const struct hdr *h, unsigned char *out, size_t len)
{
    const unsigned char *in = p->pack + h->data;
    size_t in_left = p->pack_len - TRAILER - h->data, used = 0, got = 0;
    enum libdeflate_result rc;

    if (!r->dd && !(r->dd = libdeflate_alloc_decompressor()))
        return fail(STATUS_BUG, "libdeflate: cannot initialise");
    rc = libdeflate_zlib_decompress_ex(r->dd, in, in_left, out, len, &used, &got);
    note_consumed(p, rc == LIBDEFLATE_SUCCESS ? (uint64_t)used : 0);
    if (rc != LIBDEFLATE_SUCCESS || got != len)
        return fail(STATUS_CORRUPT, "pack offset %llu: bad zlib data (%s)",
                    (unsigned long long)h->at, rc == LIBDEFLATE_SUCCESS ? "wrong size" : "stream");
    return STATUS_OK;
}

bool gitpack_read_head(struct gitpack_reader *r, const struct gitpack *p, uint64_t offset,
                       unsigned char *buf, size_t cap, size_t head, enum gitpack_type *type,
                       size_t *len, uint64_t *size)
{
    struct hdr h;
    size_t want;
    int rc = Z_OK;

    if (!entry_at(p, offset, &h) || is_delta(&h))
        return false;
    *type = (enum gitpack_type)h.type;
    *size = h.size;
    /* small enough: whole, by libdeflate (a commit in 3/4 of the time zlib streams its
     * first 512 bytes); a stream it rejects is left to zlib, which judges only the bytes
     * asked for */
    if (h.size <= cap && (r->dd || (r->dd = libdeflate_alloc_decompressor()))) {
        size_t used = 0;
        if (libdeflate_zlib_decompress_ex(r->dd, p->pack + h.data, p->pack_len - TRAILER - h.data,
                                          buf, (size_t)h.size, &used, len) == LIBDEFLATE_SUCCESS &&
            *len == h.size) {
            note_consumed(p, (uint64_t)used);
            return true;
        }
    }
    want = h.size < head ? (size_t)h.size : head < cap ? head : cap;
    if (!r->z_ready) {
        memset(&r->z, 0, sizeof(r->z));
        if (inflateInit(&r->z) != Z_OK)
            return false;
        r->z_ready = true;
    } else {
        inflateReset(&r->z);
    }
    /* the whole rest of the pack is input: zlib stops at the end of the stream */
    r->z.next_in = (unsigned char *)(p->pack + h.data);
    r->z.avail_in = (uInt)(p->pack_len - TRAILER - h.data > UINT_MAX
                               ? UINT_MAX
                               : p->pack_len - TRAILER - h.data);
    r->z.next_out = buf;
    r->z.avail_out = (uInt)want;
    while (rc == Z_OK && r->z.avail_out > 0)
        rc = inflate(&r->z, Z_NO_FLUSH);
    r->z.avail_in = 0;
    note_consumed(p, (uint64_t)r->z.total_in);
    if ((size_t)(r->z.next_out - buf) != want ||
        (rc == Z_STREAM_END && want != h.size) || (rc != Z_OK && rc != Z_STREAM_END))
        return false;
    *len = want;
    return true;
}

enum status gitpack_read(struct gitpack_reader *r, const struct gitpack *p, uint64_t offset,
                         size_t max_bytes, enum gitpack_type *type,
                         const unsigned char **data, size_t *len)
{
    size_t depth = 0;
    uint64_t off = offset;
    struct centry *b;
    enum status st;

    /* Up the chain until an object the reader holds, or a whole object. Every entry on
     * the way is an object of the index (a REF_DELTA's base is found through it; an
     * OFS_DELTA's base offset is checked): gitpack_unresolvable() judges chains by the
     * same entries, and git's index-pack never writes an entry it does not list. */
    while (!(b = cache_get(r, p, off))) {
        uint32_t bi;
        if (depth > LIMIT_DELTA_DEPTH)
            return fail(STATUS_CORRUPT, "pack offset %llu: delta chain longer than %u",
                        (unsigned long long)offset, LIMIT_DELTA_DEPTH);
        xgrow((void **)&r->path, &r->path_cap, depth + 1, sizeof(*r->path));
        if (!entry_at(p, off, &r->path[depth]))
            return fail(STATUS_CORRUPT, "pack offset %llu: malformed entry",
                        (unsigned long long)off);
        if (!is_delta(&r->path[depth++]))
            break;
        off = r->path[depth - 1].base;
        if (r->path[depth - 1].type == OBJ_OFS_DELTA && !r->any_base &&
            !indexed_at(p, off, &bi))
            return fail(STATUS_CORRUPT, "pack offset %llu: its delta base (offset %llu) is "
                        "not an object of the pack index",
                        (unsigned long long)r->path[depth - 1].at, (unsigned long long)off);
    }
    /* a chain the cache shortened counts whole, as it does for an empty cache */
    if (b && depth + b->depth > LIMIT_DELTA_DEPTH)
        return fail(STATUS_CORRUPT, "pack offset %llu: delta chain longer than %u",
                    (unsigned long long)offset, LIMIT_DELTA_DEPTH);
    if (!b) {
        const struct hdr *h = &r->path[--depth];
        unsigned char *buf;
        if (h->size > max_bytes)
            return fail(STATUS_LIMIT, "pack offset %llu: object of %llu bytes",
                        (unsigned long long)h->at, (unsigned long long)h->size);
        buf = xmalloc(h->size ? (size_t)h->size : 1);
        if ((st = inflate_at(r, p, h, buf, (size_t)h->size)) != STATUS_OK) {
            free(buf);
            return st;
        }
        b = cache_put(r, p, h->at, (enum gitpack_type)h->type, 0, buf, (size_t)h->size);
    }
    /* Down again: each delta applied to the object just above it. */
    while (depth-- > 0) {
        const struct hdr *h = &r->path[depth];
        uint64_t src, dst;
        size_t used;
        unsigned char *buf;

        /* a delta is at most its result plus a few bytes per 127 inserted */
        if (h->size > (uint64_t)max_bytes + max_bytes / 64 + 64)
            return fail(STATUS_LIMIT, "pack offset %llu: delta of %llu bytes",
                        (unsigned long long)h->at, (unsigned long long)h->size);
        xgrow((void **)&r->delta, &r->delta_cap, h->size ? (size_t)h->size : 1, 1);
        if ((st = inflate_at(r, p, h, r->delta, (size_t)h->size)) != STATUS_OK)
            return st;
        if (!gitpack_delta_sizes(r->delta, (size_t)h->size, &src, &dst, &used) ||
            src != b->len)
            return fail(STATUS_CORRUPT, "pack offset %llu: delta does not fit its base",
                        (unsigned long long)h->at);
        if (dst > max_bytes)
            return fail(STATUS_LIMIT, "pack offset %llu: object of %llu bytes",
                        (unsigned long long)h->at, (unsigned long long)dst);
        buf = xmalloc(dst ? (size_t)dst : 1);
        if (!gitpack_delta_apply(b->buf, b->len, r->delta, (size_t)h->size, buf, (size_t)dst)) {
            free(buf);
            return fail(STATUS_CORRUPT, "pack offset %llu: malformed delta",
                        (unsigned long long)h->at);
        }
        b = cache_put(r, p, h->at, b->type, b->depth + 1, buf, (size_t)dst);
    }
    *type = b->type;
    *data = b->buf;
    *len = b->len;
    return STATUS_OK;
}
