/*
 * source/git/cgraph.c - read a commit-graph file (see cgraph.h): open and check its
 * header and chunk table, find a commit by binary search, decode its entry.
 */
#include "source/git/cgraph.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

#define CG_HEADER 8
#define CG_CHUNK_ENTRY 12
#define CG_FANOUT (256 * 4)
#define CG_DATA_WIDTH (CGRAPH_OID_RAWSZ + 16)
#define CG_NO_PARENT 0x70000000u
#define CG_EXTRA_EDGES 0x80000000u
#define CG_LAST_EDGE 0x80000000u

struct cgraph {
    const unsigned char *data;
    size_t len;
    bool mapped;
    uint32_t n;
    const unsigned char *fanout, *oids, *cdat, *edges;
    size_t n_edges;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Header, chunk table, the chunks' sizes. */
static bool parse(struct cgraph *c)
{
    const unsigned char *d = c->data;
    unsigned n_chunks;
    uint64_t fanout_len = 0, oids_len = 0, cdat_len = 0, edges_len = 0;
    const unsigned char *fanout = NULL, *oids = NULL, *cdat = NULL, *edges = NULL;
    uint32_t prev = 0;

    /* "CGPH", version 1, hash version 1 (SHA-1), chunk count, no base graphs */
    if (c->len < CG_HEADER + CG_CHUNK_ENTRY || memcmp(d, "CGPH", 4) != 0 || d[4] != 1 ||
        d[5] != 1 || d[7] != 0)
        return false;
    n_chunks = d[6];
    if ((uint64_t)CG_HEADER + ((uint64_t)n_chunks + 1) * CG_CHUNK_ENTRY > c->len)
        return false;
    for (unsigned i = 0; i < n_chunks; i++) {
        const unsigned char *e = d + CG_HEADER + (size_t)i * CG_CHUNK_ENTRY;
        uint64_t off = be64(e + 4), end = be64(e + 4 + CG_CHUNK_ENTRY);
        if (off < CG_HEADER + ((uint64_t)n_chunks + 1) * CG_CHUNK_ENTRY || end < off ||
            end > c->len)
            return false;
        if (memcmp(e, "OIDF", 4) == 0)
            fanout = d + off, fanout_len = end - off;
        else if (memcmp(e, "OIDL", 4) == 0)
            oids = d + off, oids_len = end - off;
        else if (memcmp(e, "CDAT", 4) == 0)
            cdat = d + off, cdat_len = end - off;
        else if (memcmp(e, "EDGE", 4) == 0)
            edges = d + off, edges_len = end - off;
    }
    if (!fanout || !oids || !cdat || fanout_len != CG_FANOUT)
        return false;
    for (unsigned b = 0; b < 256; b++) {
        uint32_t f = be32(fanout + b * 4);
        if (f < prev)
            return false;
        prev = f;
    }
    if (oids_len != (uint64_t)prev * CGRAPH_OID_RAWSZ ||
        cdat_len != (uint64_t)prev * CG_DATA_WIDTH || edges_len % 4 != 0)
        return false;
    c->n = prev;
    c->fanout = fanout;
    c->oids = oids;
    c->cdat = cdat;
    c->edges = edges;
    c->n_edges = (size_t)(edges_len / 4);
    return true;
}

struct cgraph *cgraph_open_mem(const void *data, size_t len)
{
    struct cgraph *c = xcalloc(1, sizeof(*c));

    c->data = data;
    c->len = len;
    if (!parse(c)) {
        free(c);
        return NULL;
    }
    return c;
}

struct cgraph *cgraph_open(const char *path)
{
    struct stat sb;
    void *m;
    struct cgraph *c;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        return NULL;
    }
    m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return NULL;
    c = cgraph_open_mem(m, (size_t)sb.st_size);
    if (!c) {
        munmap(m, (size_t)sb.st_size);
        return NULL;
    }
    c->mapped = true;
    return c;
}

void cgraph_close(struct cgraph *c)
{
    if (!c)
        return;
    if (c->mapped)
        munmap((void *)c->data, c->len);
    free(c);
}

uint32_t cgraph_count(const struct cgraph *c)
{
    return c->n;
}

const unsigned char *cgraph_oid(const struct cgraph *c, uint32_t pos)
{
    return c->oids + (size_t)pos * CGRAPH_OID_RAWSZ;
}

bool cgraph_find(const struct cgraph *c, const unsigned char *oid, uint32_t *pos)
{
    uint32_t lo = oid[0] ? be32(c->fanout + (oid[0] - 1u) * 4) : 0;
    uint32_t hi = be32(c->fanout + oid[0] * 4u);
    uint64_t key = be64(oid);

    /* the first 8 bytes compared as one number decide almost every step; a call to
     * memcmp per step cost more than the search (a push into git/git looks up 2,000) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const unsigned char *at = c->oids + (size_t)mid * CGRAPH_OID_RAWSZ;
        uint64_t x = be64(at);
        int r = x != key ? (x < key ? -1 : 1) : memcmp(at + 8, oid + 8, CGRAPH_OID_RAWSZ - 8);
        if (r == 0) {
            *pos = mid;
            return true;
        }
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool cgraph_commit(const struct cgraph *c, uint32_t pos, int64_t *time, uint32_t *parents,
                   size_t cap, size_t *n)
{
    const unsigned char *e;
    uint32_t p1, p2;
    size_t k = 0;

    if (pos >= c->n)
        return false;
    e = c->cdat + (size_t)pos * CG_DATA_WIDTH + CGRAPH_OID_RAWSZ;
    p1 = be32(e);
    p2 = be32(e + 4);
    /* the date: the low 2 bits of the first word, then the second word */
    *time = (int64_t)((uint64_t)(be32(e + 8) & 3u) << 32 | be32(e + 12));
    if (p1 != CG_NO_PARENT) {
        if (p1 >= c->n)
            return false;
        if (k < cap)
            parents[k] = p1;
        k++;
    } else if (p2 != CG_NO_PARENT) {
        return false; /* a second parent without a first */
    }
    if (p2 != CG_NO_PARENT && !(p2 & CG_EXTRA_EDGES)) {
        if (p2 >= c->n)
            return false;
        if (k < cap)
            parents[k] = p2;
        k++;
    } else if (p2 != CG_NO_PARENT) {
        /* an octopus: its parents after the first are a list in EDGE, the last marked */
        size_t at = p2 & ~CG_EXTRA_EDGES;
        for (;;) {
            uint32_t v;
            if (at >= c->n_edges)
                return false;
            v = be32(c->edges + at * 4);
            if ((v & ~CG_LAST_EDGE) >= c->n)
                return false;
            if (k < cap)
                parents[k] = v & ~CG_LAST_EDGE;
            k++;
            at++;
            if (v & CG_LAST_EDGE)
                break;
        }
    }
    *n = k;
    return true;
}
