/*
 * source/git/read.c - read the planned blobs and messages, in pack order.
 *
 * What it does: order the reads (each pack's blobs in delta-family order, then what is
 * in no pack), and read each item with a per-thread reader: from the packs through the
 * pack reader (pack.c), else through libgit2, else, past LIMIT_GIT_INMEM_BLOB_BYTES, streamed
 * (stream.c); then hand it in chunks, with its provenance, to the caller. Commit and tag
 * messages are the raw objects, their provenance parsed from the bytes.
 * What it does not: match anything, or decide what to do with archives (the caller's
 * whole_blob_fn does).
 * The tricky point: a deferred blob (whole history) goes out with its first path only,
 * marked `deferred`; where else it was seen is worked out after the scan (attribute.c).
 */
#include "source/git/internal.h"
#include "base/limits.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"


/* Read order: blobs in a pack are read by pack.c, in delta-family order (a base, then
 * what is deltified against it, depth first), so that each costs one inflate and at most
 * one delta application; blobs in no pack (loose, alternates) come last, through libgit2.
 * A pack gitpack cannot use (damaged, old index format) is left to libgit2 as well,
 * which reports what is wrong with its objects when they are read. */
static int cmp_blob_order(const void *a, const void *b)
{
    const struct gblob *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return memcmp(x->oid.id, y->oid.id, GIT_OID_RAWSZ);
}

static void order_pack(struct src_git *g, uint32_t pack)
{
    const struct gitpack *p = g->packs[pack];
    size_t n = 0;
    size_t *which = xmalloc((g->n_blobs ? g->n_blobs : 1) * sizeof(*which));
    uint64_t *offs, *keys;

    for (size_t i = 0; i < g->n_blobs; i++) {
        struct gblob *b = &g->blobs[i];
        if (b->pack == NO_PACK && gitpack_find(p, b->oid.id, &b->off)) {
            b->pack = pack;
            /* read clean while the walk ran (prescan.c): it will not be read again */
            if (prescan_clean(g, pack, b->off, GP_BLOB, NULL, NULL))
                b->order = (uint64_t)pack << 40;
            else
                which[n++] = i;
        }
    }
    offs = xmalloc((n ? n : 1) * sizeof(*offs));
    keys = xmalloc((n ? n : 1) * sizeof(*keys));
    for (size_t k = 0; k < n; k++)
        offs[k] = g->blobs[which[k]].off;
    gitpack_order(p, offs, n, keys);
    for (size_t k = 0; k < n; k++)
        g->blobs[which[k]].order = (uint64_t)pack << 40 | (keys[k] & 0xffffffffffull);
    free(keys);
    free(offs);
    free(which);
}

static int cmp_msg_order(const void *a, const void *b)
{
    const struct gmsg *x = a, *y = b;
    if (x->pack != y->pack)
        return x->pack < y->pack ? -1 : 1;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return memcmp(x->oid.id, y->oid.id, GIT_OID_RAWSZ);
}

void order_blobs(struct src_git *g)
{
    for (size_t i = 0; i < g->n_packs && g->n_blobs; i++) {
        order_pack(g, (uint32_t)i);
        gitpack_release_pages(g->packs[i]); /* ordering read every blob's header */
    }
    if (g->n_blobs > 1)
        qsort(g->blobs, g->n_blobs, sizeof(*g->blobs), cmp_blob_order);
    /* messages in pack order (commits are seldom deltified: no families to follow) */
    for (size_t k = 0; k < g->n_msgs; k++)
        for (size_t i = 0; i < g->n_packs; i++)
            if (gitpack_find(g->packs[i], g->msgs[k].oid.id, &g->msgs[k].off)) {
                g->msgs[k].pack = (uint32_t)i;
                break;
            }
    if (g->n_msgs > 1)
        qsort(g->msgs, g->n_msgs, sizeof(*g->msgs), cmp_msg_order);
    records_reindex(g);
}

enum status src_git_reader_new(struct src_git_reader **out, struct src_git *g)
{
    struct src_git_reader *r = xcalloc(1, sizeof(*r));

    *out = NULL;
    r->g = g;
    if (!(r->repo = open_like(g)) || git_repository_odb(&r->odb, r->repo) != 0) {
        enum status st = fail(STATUS_IO, "'%s': cannot open: %s", g->path, libgit2_message());
        src_git_reader_free(r);
        return st;
    }
    *out = r;
    return STATUS_OK;
}

void src_git_reader_free(struct src_git_reader *r)
{
    if (!r)
        return;
    git_odb_free(r->odb);
    git_repository_free(r->repo);
    gitpack_reader_free(r->pack);
    free(r->prov);
    free(r);
}

enum status src_git_read(struct src_git_reader *r, size_t i, unsigned char **buf, blob_fn *fn,
                         void *payload, uint64_t *bytes)
{
    return src_git_read_whole(r, i, buf, fn, NULL, payload, bytes);
}

/* The value of a raw object's header line "<name> ..." (before the blank line that ends
 * the headers), and its length; NULL if absent. */
static const char *raw_header(const unsigned char *data, size_t len, const char *name,
                              size_t *vlen)
{
    size_t nl = strlen(name), at = 0;

    while (at < len && data[at] != '\n') {
        const unsigned char *eol = memchr(data + at, '\n', len - at);
        size_t end = eol ? (size_t)(eol - data) : len;
        if (end - at > nl && memcmp(data + at, name, nl) == 0 && data[at + nl] == ' ') {
            *vlen = end - at - nl - 1;
            return (const char *)data + at + nl + 1;
        }
        at = end + 1;
    }
    return NULL;
}

/* "Name <email> 1700000000 +0100": the "Name <email>" part and the time. */
static void parse_ident(const char *v, size_t len, char **who, int64_t *when)
{
    const char *gt = NULL;

    for (size_t i = len; i-- > 0;)
        if (v[i] == '>') {
            gt = v + i;
            break;
        }
    if (!gt) {
        *who = xstrndup(v, len > 200 ? 200 : len);
        *when = 0;
        return;
    }
    *who = xstrndup(v, (size_t)(gt - v + 1) > 512 ? 512 : (size_t)(gt - v + 1));
    *when = 0;
    for (const char *p = gt + 1; p < v + len && *p == ' '; p++)
        if (p + 1 < v + len && p[1] >= '0' && p[1] <= '9') {
            int64_t t = 0;
            for (const char *q = p + 1; q < v + len && *q >= '0' && *q <= '9' &&
                                        t < INT64_MAX / 10 - 10; q++)
                t = t * 10 + (*q - '0');
            *when = t;
            break;
        }
}

/* The provenance of a commit message, from the commit's raw bytes (no second read):
 * author, dates, and the summary as git shows it (the first paragraph on one line). */
static void commit_info_raw(struct commit_info *ci, const char *hex, const unsigned char *data,
                            size_t len)
{
    size_t vl, at = 0;
    const char *v;
    char *sum;
    size_t n = 0;

    memset(ci, 0, sizeof(*ci));
    ci->commit = xstrdup(hex);
    if ((v = raw_header(data, len, "author", &vl)))
        parse_ident(v, vl, &ci->author, &ci->author_time);
    if ((v = raw_header(data, len, "committer", &vl))) {
        char *who = NULL;
        parse_ident(v, vl, &who, &ci->commit_time);
        free(who);
    } else {
        ci->commit_time = ci->author_time;
    }
    /* the message: after the first blank line */
    while (at < len) {
        const unsigned char *eol = memchr(data + at, '\n', len - at);
        if (!eol)
            return;
        if (eol == data + at) {
            at++;
            break;
        }
        at = (size_t)(eol - data) + 1;
    }
    while (at < len && (data[at] == '\n' || data[at] == ' ' || data[at] == '\t'))
        at++;
    sum = xmalloc(201);
    for (; at < len && n < 200; at++) {
        if (data[at] == '\n') {
            if (at + 1 >= len || data[at + 1] == '\n')
                break; /* the first paragraph ends */
            if (n && sum[n - 1] != ' ')
                sum[n++] = ' ';
            continue;
        }
        sum[n++] = (char)data[at];
    }
    while (n && (sum[n - 1] == ' ' || sum[n - 1] == '\t' || sum[n - 1] == '\r'))
        n--;
    sum[n] = '\0';
    ci->summary = sum;
}

/* Read and scan the raw object of a planned commit or tag (issue 11): headers (gpgsig,
 * mergetag, encoding, ...) and the message, bounded like a blob: in memory up to
 * LIMIT_GIT_INMEM_BLOB_BYTES, streamed through `git cat-file` beyond. */
static enum status read_message(struct src_git_reader *r, const struct gmsg *m,
                                unsigned char **buf, blob_fn *fn, void *payload,
                                uint64_t *bytes)
{
    const struct src_git *g = r->g;
    const char *type = m->kind == MSG_COMMIT ? "commit" : "tag";
    git_odb_object *obj = NULL;
    const unsigned char *data = NULL;
    size_t len = 0;
    git_object_t otype;
    struct commit_info ci;
    struct blob tmpl;
    enum status st;

    *bytes = 0;
    memset(&ci, 0, sizeof(ci));
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = m->display;
    tmpl.blob_id = m->hex;
    if (bad_object(g, &m->oid))
        return fail(STATUS_CORRUPT, "%s %s: corrupt object", type, m->hex);
    if (m->pack != NO_PACK) {
        enum gitpack_type t;
        if (!r->pack)
            r->pack = gitpack_reader_new(LIMIT_PACK_BLOB_CACHE_BYTES);
        if (gitpack_read(r->pack, g->packs[m->pack], m->off, LIMIT_GIT_INMEM_BLOB_BYTES, &t, &data,
                         &len) != STATUS_OK ||
            t != (m->kind == MSG_COMMIT ? GP_COMMIT : GP_TAG))
            data = NULL;
    }
    if (!data) {
        if (git_odb_read_header(&len, &otype, r->odb, &m->oid) != 0)
            return fail(STATUS_CORRUPT, "%s %s: cannot read: %s", type, m->hex,
                        libgit2_message());
        if (otype != (m->kind == MSG_COMMIT ? GIT_OBJECT_COMMIT : GIT_OBJECT_TAG))
            return fail(STATUS_CORRUPT, "%s %s: not a %s", type, m->hex, type);
        if (len > LIMIT_GIT_INMEM_BLOB_BYTES) {
            /* provenance from libgit2's parse: the bytes are not held here */
            git_commit *c = NULL;
            struct commit_info *pci = NULL;
            if (m->kind == MSG_COMMIT && git_commit_lookup(&c, r->repo, &m->oid) == 0) {
                pci = commit_info_of(c);
                tmpl.commit = pci;
            }
            git_commit_free(c);
            st = read_streamed(r, m->hex, type, buf, &tmpl, fn, payload, bytes);
            commit_info_free(pci);
            return st;
        }
        if (git_odb_read(&obj, r->odb, &m->oid) != 0)
            return fail(STATUS_CORRUPT, "%s %s: cannot read: %s", type, m->hex,
                        libgit2_message());
        data = git_odb_object_data(obj);
        len = git_odb_object_size(obj);
    }
    *bytes = len;
    if (m->kind == MSG_COMMIT) {
        commit_info_raw(&ci, m->hex, data, len);
        tmpl.commit = &ci;
    }
    st = chunk_feed(&tmpl, NULL, data, len, fn, payload);
    free(ci.commit);
    free(ci.author);
    free(ci.summary);
    git_odb_object_free(obj);
    return st;
}

static enum status read_blob(struct src_git_reader *r, const struct gblob *b,
                             unsigned char **buf, blob_fn *fn, whole_blob_fn *whole,
                             void *payload, uint64_t *bytes)
{
    const struct src_git *g = r->g;
    const char *path0 = b->display;
    size_t n_prov = g->deferred ? 0 : b->n_prov;
    git_odb_object *obj = NULL;
    const unsigned char *data = NULL; /* from gitpack, or obj's */
    size_t len = 0;
    git_object_t type;
    struct blob tmpl;
    enum status st;

    *bytes = 0;
    if (b->n_prov > r->cap_prov) {
        r->prov = xrealloc(r->prov, b->n_prov * sizeof(*r->prov));
        r->cap_prov = b->n_prov;
    }
    for (size_t k = 0; k < n_prov; k++) {
        const struct prov_entry *p = &g->prov[b->prov[k]];
        r->prov[k].path = p->path;
        r->prov[k].commit = PROV_IS_COMMIT(p->commit) ? g->commits[p->commit] : NULL;
    }
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path0;
    tmpl.blob_id = b->hex;
    tmpl.deferred = g->deferred;
    tmpl.prov = r->prov;
    tmpl.n_prov = n_prov;

    if (bad_object(g, &b->oid))
        return fail(STATUS_CORRUPT, "blob %s ('%s'): corrupt object", b->hex, path0);
    if (b->pack != NO_PACK) {
        enum gitpack_type t;

        if (!r->pack)
            r->pack = gitpack_reader_new(LIMIT_PACK_BLOB_CACHE_BYTES);
        /* anything gitpack does not serve (too big, damaged) goes to libgit2 below */
        if (gitpack_read(r->pack, g->packs[b->pack], b->off, LIMIT_GIT_INMEM_BLOB_BYTES, &t, &data,
                         &len) != STATUS_OK ||
            t != GP_BLOB)
            data = NULL;
    }
    if (!data) {
        if (git_odb_read_header(&len, &type, r->odb, &b->oid) != 0) {
            if (g->partial_clone && !git_odb_exists(r->odb, &b->oid))
                return fail(STATUS_IO, "blob %s ('%s'): not fetched (a partial clone): run "
                                       "`git fetch --refetch` (or clone without --filter), "
                                       "or scan with --no-history", b->hex, path0);
            return fail(STATUS_CORRUPT, "blob %s ('%s'): cannot read: %s", b->hex, path0,
                        libgit2_message());
        }
        if (len > LIMIT_GIT_INMEM_BLOB_BYTES)
            return read_streamed(r, b->hex, "blob", buf, &tmpl, fn, payload, bytes);
        if (git_odb_read(&obj, r->odb, &b->oid) != 0)
            return fail(STATUS_CORRUPT, "blob %s ('%s'): cannot read: %s", b->hex, path0,
                        libgit2_message());
        data = git_odb_object_data(obj);
        len = git_odb_object_size(obj);
    }
    *bytes = len;
    if (whole)
        st = whole(&tmpl, data, len, payload);
    else
        st = chunk_feed(&tmpl, NULL, data, len, fn, payload);
    git_odb_object_free(obj);
    return st;
}

enum status src_git_read_whole(struct src_git_reader *r, size_t i, unsigned char **buf,
                               blob_fn *fn, whole_blob_fn *whole, void *payload,
                               uint64_t *bytes)
{
    const struct src_git *g = r->g;

    if (i >= g->n_blobs)
        return read_message(r, &g->msgs[i - g->n_blobs], buf, fn, payload, bytes);
    return read_blob(r, &g->blobs[i], buf, fn, whole, payload, bytes);
}
