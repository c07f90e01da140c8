/*
 * tests/unit/test_gitpack.c - the pack reader against git and libgit2: every object of a
 * repacked repository (deep delta chains) read in index order, in delta-family order and
 * with no cache, byte for byte as libgit2 reads it; the family order puts every base
 * before what is deltified against it; git's delta instructions, edge cases included;
 * damaged packs and indexes are refused or reported, never read past.
 */
#include "source/git/pack.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "base/limits.h"
#include "harness.h"

/* ---- delta instructions ------------------------------------------------------------------ */

static bool apply(const char *base, size_t base_len, const unsigned char *d, size_t dl,
                  char *out, size_t out_len)
{
    return gitpack_delta_apply((const unsigned char *)base, base_len, d, dl,
                               (unsigned char *)out, out_len);
}

static void delta_copy_and_insert(void)
{
    /* src 11, dst 8: copy "world" (offset 6, size 5), insert "!!!" */
    static const unsigned char d[] = { 11, 8, 0x91, 6, 5, 3, '!', '!', '!' };
    char out[8];
    uint64_t src, dst;
    size_t used;

    CHECK(gitpack_delta_sizes(d, sizeof(d), &src, &dst, &used));
    CHECK(src == 11 && dst == 8 && used == 2);
    CHECK(apply("hello world", 11, d, sizeof(d), out, sizeof(out)));
    CHECK(memcmp(out, "world!!!", 8) == 0);
}

static void delta_size_zero_means_64k(void)
{
    /* src 0x10000, dst 0x10000: one copy with no size bytes = 0x10000 bytes */
    static const unsigned char d[] = { 0x80, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80 };
    char *base = malloc(0x10000), *out = malloc(0x10000);

    for (size_t i = 0; i < 0x10000; i++)
        base[i] = (char)(i * 7);
    CHECK(apply(base, 0x10000, d, sizeof(d), out, 0x10000));
    CHECK(memcmp(base, out, 0x10000) == 0);
    free(base);
    free(out);
}

static void delta_malformed_is_refused(void)
{
    char out[16];
    /* copy past the end of the base */
    static const unsigned char past_base[] = { 11, 5, 0x91, 8, 5 };
    /* insert longer than what is left of the delta */
    static const unsigned char short_insert[] = { 11, 5, 5, 'a', 'b' };
    /* the reserved instruction 0 */
    static const unsigned char reserved[] = { 11, 1, 0 };
    /* result shorter than announced */
    static const unsigned char short_result[] = { 11, 6, 0x91, 6, 5 };
    /* result longer than announced */
    static const unsigned char long_result[] = { 11, 4, 0x91, 6, 5 };
    /* announced base size differs */
    static const unsigned char wrong_src[] = { 12, 5, 0x91, 6, 5 };
    /* copy instruction cut short */
    static const unsigned char cut[] = { 11, 5, 0x91, 6 };
    /* varint that never ends */
    static const unsigned char endless[] = { 0xff, 0xff, 0xff };

    CHECK(!apply("hello world", 11, past_base, sizeof(past_base), out, 5));
    CHECK(!apply("hello world", 11, short_insert, sizeof(short_insert), out, 5));
    CHECK(!apply("hello world", 11, reserved, sizeof(reserved), out, 1));
    CHECK(!apply("hello world", 11, short_result, sizeof(short_result), out, 6));
    CHECK(!apply("hello world", 11, long_result, sizeof(long_result), out, 4));
    CHECK(!apply("hello world", 11, wrong_src, sizeof(wrong_src), out, 5));
    CHECK(!apply("hello world", 11, cut, sizeof(cut), out, 5));
    CHECK(!apply("hello world", 11, endless, sizeof(endless), out, 5));
}

/* ---- a real pack ------------------------------------------------------------------------- */

struct repo {
    char dir[64];
    char idx[512];
    unsigned char *idx_data, *pack_data;
    size_t idx_len, pack_len;
    unsigned max_depth;
};

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* Version i of a file: a.txt has its first i lines changed (each version one line away
 * from the last, so git chains deltas deep), b.txt cycles, c.txt grows. */
static void file_version(FILE *out, int file, int i)
{
    char buf[16384];
    size_t n = 0;

    for (int j = 1; j <= (file == 2 ? 200 + i : file == 1 ? 300 : 400); j++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                              file == 0 ? (j <= i ? "changed %d\n" : "line %d\n")
                              : file == 1 ? "row of b %d\n" : "%d\n", j);
    if (file == 1)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "cycle %d\n", i % 7);
    fprintf(out, "M 100644 inline %c.txt\ndata %zu\n", 'a' + file, n);
    fwrite(buf, 1, n, out);
    fputc('\n', out);
}

/* 60 commits of three files through git fast-import, repacked with deep delta chains. */
static bool make_repo(struct repo *r)
{
    char cmd[1024];
    FILE *p;
    char line[512];

    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "/tmp/sesame-gitpack-XXXXXX");
    if (!mkdtemp(r->dir))
        return false;
    snprintf(cmd, sizeof(cmd), "cd %s && git init -q . && git fast-import --quiet", r->dir);
    if (!(p = popen(cmd, "w")))
        return false;
    for (int i = 1; i <= 60; i++) {
        fprintf(p, "commit refs/heads/main\ncommitter t <t@t> %d +0000\ndata 4\nc %02d\n",
                1577836800 + i, i);
        for (int f = 0; f < 3; f++)
            file_version(p, f, i);
    }
    if (pclose(p) != 0)
        return false;
    snprintf(cmd, sizeof(cmd),
             "cd %s && git repack -adfq --depth=40 --window=60 && ls .git/objects/pack/*.idx",
             r->dir);
    if (!(p = popen(cmd, "r")))
        return false;
    if (fgets(line, sizeof(line), p))
        snprintf(r->idx, sizeof(r->idx), "%s/%.*s", r->dir, (int)strcspn(line, "\n"), line);
    if (pclose(p) != 0 || !r->idx[0])
        return false;
    /* the deepest delta chain, as git sees it */
    snprintf(cmd, sizeof(cmd), "git verify-pack -v %s | awk 'NF>=7 && $6>m {m=$6} END {print m+0}'",
             r->idx);
    if ((p = popen(cmd, "r")) && fgets(line, sizeof(line), p))
        r->max_depth = (unsigned)atoi(line);
    if (p)
        pclose(p);
    r->idx_data = slurp(r->idx, &r->idx_len);
    snprintf(line, sizeof(line), "%.*s.pack", (int)(strlen(r->idx) - 4), r->idx);
    r->pack_data = slurp(line, &r->pack_len);
    return r->idx_data && r->pack_data;
}

static void drop_repo(struct repo *r)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", r->dir);
    free(r->idx_data);
    free(r->pack_data);
}

/* Read every object of the pack in `order` (indices into the index) and compare. */
static size_t compare_all_r(git_odb *odb, const struct gitpack *p, const uint32_t *order,
                            size_t cache, bool release)
{
    struct gitpack_reader *rd = gitpack_reader_new(cache);
    size_t same = 0;

    for (uint32_t k = 0; k < gitpack_count(p); k++) {
        const unsigned char *id, *data;
        uint64_t off;
        enum gitpack_type type;
        size_t len;
        git_oid oid;
        git_odb_object *o;

        gitpack_entry(p, order[k], &id, &off);
        memcpy(oid.id, id, GITPACK_OID_RAWSZ);
        if (release && k % 7 == 3)
            gitpack_release_pages(p); /* issue 16: the pages come back on the next read */
        if (gitpack_read(rd, p, off, 1u << 20, &type, &data, &len) != STATUS_OK ||
            git_odb_read(&o, odb, &oid) != 0)
            continue;
        if ((int)type == (int)git_odb_object_type(o) && len == git_odb_object_size(o) &&
            memcmp(data, git_odb_object_data(o), len) == 0)
            same++;
        git_odb_object_free(o);
    }
    gitpack_reader_free(rd);
    return same;
}

static size_t compare_all(git_odb *odb, const struct gitpack *p, const uint32_t *order,
                          size_t cache)
{
    return compare_all_r(odb, p, order, cache, false);
}

/* Issue 16 (pushwalk.c): gitpack_read_head() gives the first bytes of every whole
 * object, refuses deltas; a reader that follows OFS_DELTA bases without the index table
 * (gitpack_reader_any_base) reads what libgit2 reads. */
static void heads_and_any_base_read_as_libgit2_does(git_odb *odb, const struct gitpack *p)
{
    struct gitpack_reader *full = gitpack_reader_new(0), *head = gitpack_reader_new(0);
    struct gitpack_reader *any = gitpack_reader_new(1u << 20);
    size_t whole = 0, deltas = 0, same_any = 0, small = 0;

    gitpack_reader_any_base(any);
    for (uint32_t i = 0; i < gitpack_count(p); i++) {
        const unsigned char *id, *data, *d2;
        unsigned char buf[256]; /* objects up to 256 bytes whole, others their first 40 */
        uint64_t off, size = 0;
        enum gitpack_type type, t2, t3;
        size_t len, l2, l3;
        git_oid oid;
        git_odb_object *o;

        gitpack_entry(p, i, &id, &off);
        memcpy(oid.id, id, GITPACK_OID_RAWSZ);
        CHECK_OK(gitpack_read(full, p, off, 1u << 20, &type, &data, &len));
        CHECK(gitpack_type_at(p, off, &t2) && t2 == type);
        if (gitpack_read_head(head, p, off, buf, sizeof(buf), 40, &t2, &l2, &size)) {
            whole++;
            small += len <= sizeof(buf) && len > 40;
            CHECK(t2 == type && size == len && l2 == (len <= sizeof(buf) ? len : 40));
            CHECK(memcmp(buf, data, l2) == 0);
        } else {
            deltas++;
        }
        if (gitpack_read(any, p, off, 1u << 20, &t3, &d2, &l3) == STATUS_OK &&
            git_odb_read(&o, odb, &oid) == 0) {
            if ((int)t3 == (int)git_odb_object_type(o) && l3 == git_odb_object_size(o) &&
                memcmp(d2, git_odb_object_data(o), l3) == 0)
                same_any++;
            git_odb_object_free(o);
        }
    }
    CHECK(whole > 0 && deltas > 0 && whole + deltas == gitpack_count(p));
    CHECK(small > 0 && small < whole); /* both ways of gitpack_read_head were taken */
    CHECK(same_any == gitpack_count(p));
    gitpack_reader_free(full);
    gitpack_reader_free(head);
    gitpack_reader_free(any);
}

static void reads_every_object_as_libgit2_does(void)
{
    struct repo r;
    struct gitpack *p = NULL;
    git_repository *repo = NULL;
    git_odb *odb = NULL;
    uint32_t n, *order;
    uint64_t *offs, *keys;

    CHECK(make_repo(&r));
    CHECK(r.max_depth >= 15); /* otherwise this test proves little */
    CHECK_OK(gitpack_open(&p, r.idx));
    CHECK(git_repository_open(&repo, r.dir) == 0 && git_repository_odb(&odb, repo) == 0);
    if (!p || !odb) {
        drop_repo(&r);
        return;
    }
    n = gitpack_count(p);
    CHECK(n > 180); /* 60 commits, 60 trees, 3 x 60 blobs (some repeat) */
    order = malloc(n * sizeof(*order));
    offs = malloc(n * sizeof(*offs));
    keys = malloc(n * sizeof(*keys));

    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    CHECK(compare_all(odb, p, order, 8u << 20) == n); /* object-id order: random */
    CHECK(compare_all(odb, p, order, 0) == n);        /* nothing kept between reads */
    /* pages released between reads (issue 16): the same bytes, read from the page cache */
    CHECK(compare_all_r(odb, p, order, 0, true) == n);
    CHECK(compare_all_r(odb, p, order, 8u << 20, true) == n);
    heads_and_any_base_read_as_libgit2_does(odb, p);

    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *id;
        gitpack_entry(p, i, &id, &offs[i]);
    }
    gitpack_order(p, offs, n, keys);
    /* keys are a permutation of 0..n-1 here (every base is an object of the pack) */
    for (uint32_t i = 0; i < n; i++) {
        CHECK(keys[i] < n);
        if (keys[i] < n)
            order[keys[i]] = i;
    }
    CHECK(compare_all(odb, p, order, 0) == n);

    gitpack_close(p);
    git_odb_free(odb);
    git_repository_free(repo);
    free(order);
    free(offs);
    free(keys);
    drop_repo(&r);
}

/* gitpack_typed (issue 16: the prescan's list) names exactly the objects of a type, a
 * delta's being its base's, as libgit2 reads them, once each, in pack order. */
static void typed_lists_match_libgit2(void)
{
    struct repo r;
    struct gitpack *p = NULL;
    git_repository *repo = NULL;
    git_odb *odb = NULL;

    CHECK(make_repo(&r));
    CHECK_OK(gitpack_open(&p, r.idx));
    CHECK(git_repository_open(&repo, r.dir) == 0 && git_repository_odb(&odb, repo) == 0);
    if (!p || !odb) {
        drop_repo(&r);
        return;
    }
    for (int want = GP_COMMIT; want <= GP_TAG; want++) {
        uint32_t *v = NULL;
        size_t n = gitpack_typed(p, 1u << want, &v), expected = 0;
        unsigned char *in = calloc(gitpack_count(p), 1);
        uint64_t prev = 0;
        for (size_t k = 0; k < n; k++) {
            const unsigned char *id;
            uint64_t off;
            CHECK(v[k] < gitpack_count(p));
            gitpack_entry(p, v[k], &id, &off);
            CHECK(k == 0 || off > prev); /* pack order, once each */
            prev = off;
            in[v[k]] = 1;
        }
        for (uint32_t i = 0; i < gitpack_count(p); i++) {
            const unsigned char *id;
            uint64_t off;
            git_oid oid;
            size_t len;
            git_object_t t;
            gitpack_entry(p, i, &id, &off);
            memcpy(oid.id, id, 20);
            CHECK(git_odb_read_header(&len, &t, odb, &oid) == 0);
            expected += (int)t == want;
            CHECK(in[i] == ((int)t == want));
        }
        CHECK(n == expected);
        if (want == GP_BLOB || want == GP_COMMIT)
            CHECK(n > 50); /* this pack has them, deltified blobs among them */
        free(in);
        free(v);
    }
    gitpack_close(p);
    git_odb_free(odb);
    git_repository_free(repo);
    drop_repo(&r);
}

/* Every delta's base comes before it in gitpack_order, per `git verify-pack -v`. */
static void family_order_puts_bases_first(void)
{
    struct repo r;
    struct gitpack *p = NULL;
    char cmd[1024], line[512];
    FILE *vp;
    size_t checked = 0, bad = 0;
    uint32_t n;
    uint64_t *offs, *keys;

    CHECK(make_repo(&r));
    CHECK_OK(gitpack_open(&p, r.idx));
    if (!p) {
        drop_repo(&r);
        return;
    }
    n = gitpack_count(p);
    offs = malloc(n * sizeof(*offs));
    keys = malloc(n * sizeof(*keys));
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *id;
        gitpack_entry(p, i, &id, &offs[i]);
    }
    gitpack_order(p, offs, n, keys);
    /* "<id> <type> <size> <size in pack> <offset> [<depth> <base id>]" */
    snprintf(cmd, sizeof(cmd), "git verify-pack -v %s", r.idx);
    vp = popen(cmd, "r");
    while (vp && fgets(line, sizeof(line), vp)) {
        char id[41], type[16], base[41];
        unsigned long long size, psize, off;
        unsigned depth;
        uint64_t boff = 0;
        uint64_t kid = UINT64_MAX, kbase = UINT64_MAX;
        if (sscanf(line, "%40s %15s %llu %llu %llu %u %40s", id, type, &size, &psize, &off,
                   &depth, base) != 7)
            continue;
        /* the base's offset through the index */
        unsigned char raw[20];
        for (int i = 0; i < 20; i++)
            raw[i] = (unsigned char)strtoul((char[]){ base[2 * i], base[2 * i + 1], 0 }, NULL, 16);
        CHECK(gitpack_find(p, raw, &boff));
        for (uint32_t i = 0; i < n; i++) {
            if (offs[i] == off)
                kid = keys[i];
            if (offs[i] == boff)
                kbase = keys[i];
        }
        checked++;
        if (!(kbase < kid))
            bad++;
    }
    if (vp)
        pclose(vp);
    CHECK(checked > 100);
    CHECK(bad == 0);
    gitpack_close(p);
    free(offs);
    free(keys);
    drop_repo(&r);
}

/* ---- damage ------------------------------------------------------------------------------ */

static enum status read_first_blob(const struct gitpack *p, size_t max, uint64_t *at)
{
    struct gitpack_reader *rd = gitpack_reader_new(0);
    enum status st = STATUS_BUG;

    for (uint32_t i = 0; i < gitpack_count(p); i++) {
        const unsigned char *id, *data;
        enum gitpack_type type;
        size_t len;
        uint64_t off;
        gitpack_entry(p, i, &id, &off);
        if (*at && off != *at)
            continue;
        st = gitpack_read(rd, p, off, max, &type, &data, &len);
        if (st != STATUS_OK || type == GP_BLOB) {
            *at = off;
            break;
        }
    }
    gitpack_reader_free(rd);
    return st;
}

static void damaged_packs_are_refused_or_reported(void)
{
    struct repo r;
    struct gitpack *p = NULL;
    unsigned char *pk;
    uint64_t at = 0;

    CHECK(make_repo(&r));
    if (!r.pack_data) {
        drop_repo(&r);
        return;
    }
    pk = malloc(r.pack_len);

    /* truncated pack: its trailer no longer matches the index */
    CHECK(gitpack_open_mem(&p, r.idx_data, r.idx_len, r.pack_data, r.pack_len - 1) ==
          STATUS_CORRUPT);
    CHECK(strstr(status_message(), "checksum") != NULL);
    /* the index claims another object count than the pack */
    memcpy(pk, r.pack_data, r.pack_len);
    pk[11] ^= 1;
    CHECK(gitpack_open_mem(&p, r.idx_data, r.idx_len, pk, r.pack_len) == STATUS_CORRUPT);
    /* not an index at all */
    CHECK(gitpack_open_mem(&p, r.pack_data, r.pack_len, r.pack_data, r.pack_len) ==
          STATUS_CORRUPT);
    /* an index cut short */
    CHECK(gitpack_open_mem(&p, r.idx_data, 1100, r.pack_data, r.pack_len) == STATUS_CORRUPT);

    /* a blob read whole, then with one byte of its zlib stream changed */
    memcpy(pk, r.pack_data, r.pack_len);
    CHECK_OK(gitpack_open_mem(&p, r.idx_data, r.idx_len, pk, r.pack_len));
    if (p) {
        CHECK_OK(read_first_blob(p, 1u << 20, &at));
        CHECK(read_first_blob(p, 4, &at) == STATUS_LIMIT); /* bigger than the cap */
        CHECK(at > 12 && at + 8 < r.pack_len);
        pk[at + 6] ^= 0x55;
        CHECK(read_first_blob(p, 1u << 20, &at) == STATUS_CORRUPT);
        CHECK(strstr(status_message(), "pack offset") != NULL);
        /* a header whose type is not an object type */
        pk[at] = (unsigned char)((pk[at] & 0x8f) | 0x50);
        CHECK(read_first_blob(p, 1u << 20, &at) == STATUS_CORRUPT);
        gitpack_close(p);
    }
    free(pk);
    drop_repo(&r);
}

static void put32(unsigned char *p, uint32_t v);

/* An index entry whose offset lies outside the pack, or that names a 64-bit offset the
 * index does not have: the pack still opens (offsets are checked on use), that one
 * object is not found in it (so it is looked for elsewhere, as when such a pack was
 * refused whole), and every other object still is. */
static void bad_offsets_hide_their_entry_only(void)
{
    struct repo r;
    unsigned char *ix;
    uint32_t n;
    static const uint32_t bad[] = { 0x7fffffffu, 0u, 11u, 0x80000000u, 0x80000007u };

    CHECK(make_repo(&r));
    if (!r.pack_data) {
        drop_repo(&r);
        return;
    }
    n = (uint32_t)r.idx_data[8 + 1020] << 24 | (uint32_t)r.idx_data[8 + 1021] << 16 |
        (uint32_t)r.idx_data[8 + 1022] << 8 | r.idx_data[8 + 1023];
    CHECK(n > 2);
    ix = malloc(r.idx_len);
    for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
        struct gitpack *p = NULL;
        const uint32_t victim = n / 2;
        unsigned char *offs = ix + 8 + 1024 + (size_t)n * 24;
        uint64_t off;
        uint32_t found = 0;

        memcpy(ix, r.idx_data, r.idx_len);
        put32(offs + (size_t)victim * 4, bad[b]);
        CHECK_OK(gitpack_open_mem(&p, ix, r.idx_len, r.pack_data, r.pack_len));
        if (!p)
            continue;
        CHECK(!gitpack_find(p, ix + 8 + 1024 + (size_t)victim * 20, &off));
        for (uint32_t i = 0; i < n; i++)
            if (i != victim && gitpack_find(p, ix + 8 + 1024 + (size_t)i * 20, &off) &&
                off >= 12 && off < r.pack_len - 20)
                found++;
        CHECK(found == n - 1);
        gitpack_close(p);
    }
    free(ix);
    drop_repo(&r);
}

/* ---- chains that never end ---------------------------------------------------------------- */

struct mini {
    unsigned char pack[512], idx[2048];
    size_t pack_len, idx_len;
};

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A pack of: W, a whole blob "hello"; A, a REF_DELTA on B; B, a REF_DELTA on A (ids are
 * 0x11.., 0x22.., 0x33..: nothing checks them against the content). */
static void mini_cycle(struct mini *m)
{
    static const unsigned char hello_z[] = { 0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                                             0x07, 0x00, 0x06, 0x2c, 0x02, 0x15 };
    static const unsigned char delta_z[] = { 0x78, 0x9c, 0x63, 0x65, 0x9d, 0xc8, 0xc0,
                                             0x0a, 0x00, 0x01, 0xea, 0x00, 0xa1 };
    unsigned char ids[3][20];
    uint32_t offs[3];
    size_t n = 12;

    memset(m, 0, sizeof(*m));
    for (int i = 0; i < 3; i++)
        memset(ids[i], 0x11 * (i + 1), 20);
    memcpy(m->pack, "PACK", 4);
    put32(m->pack + 4, 2);
    put32(m->pack + 8, 3);
    offs[0] = (uint32_t)n; /* W: blob, size 5 */
    m->pack[n++] = 0x35;
    memcpy(m->pack + n, hello_z, sizeof(hello_z));
    n += sizeof(hello_z);
    for (int k = 1; k <= 2; k++) { /* A on B, B on A: REF_DELTA, delta size 5 */
        offs[k] = (uint32_t)n;
        m->pack[n++] = 0x75;
        memcpy(m->pack + n, ids[k == 1 ? 2 : 1], 20);
        n += 20;
        memcpy(m->pack + n, delta_z, sizeof(delta_z));
        n += sizeof(delta_z);
    }
    memset(m->pack + n, 0xab, 20); /* "checksum": only compared with the index's copy */
    m->pack_len = n + 20;
    memcpy(m->idx, "\377tOc", 4);
    put32(m->idx + 4, 2);
    for (int b = 0; b < 256; b++)
        put32(m->idx + 8 + 4 * b, (uint32_t)(b >= 0x33 ? 3 : b >= 0x22 ? 2 : b >= 0x11 ? 1 : 0));
    n = 8 + 1024;
    for (int i = 0; i < 3; i++, n += 20)
        memcpy(m->idx + n, ids[i], 20);
    n += 3 * 4; /* CRC32s: unchecked */
    for (int i = 0; i < 3; i++, n += 4)
        put32(m->idx + n, offs[i]);
    memset(m->idx + n, 0xab, 20);
    m->idx_len = n + 40;
}

static void unresolvable_chains_are_found(void)
{
    struct mini m;
    struct gitpack *p = NULL;
    struct gitpack_reader *rd = gitpack_reader_new(0);
    uint32_t *bad = NULL;
    const unsigned char *data, *id;
    enum gitpack_type type;
    size_t len;
    uint64_t off;
    struct repo r;

    mini_cycle(&m);
    CHECK_OK(gitpack_open_mem(&p, m.idx, m.idx_len, m.pack, m.pack_len));
    if (p) {
        CHECK(gitpack_unresolvable(p, &bad) == 2);
        CHECK(bad && ((bad[0] == 1 && bad[1] == 2) || (bad[0] == 2 && bad[1] == 1)));
        gitpack_entry(p, 0, &id, &off);
        CHECK_OK(gitpack_read(rd, p, off, 1024, &type, &data, &len));
        CHECK(type == GP_BLOB && len == 5 && memcmp(data, "hello", 5) == 0);
        gitpack_entry(p, 1, &id, &off);
        CHECK(gitpack_read(rd, p, off, 1024, &type, &data, &len) == STATUS_CORRUPT);
        CHECK(strstr(status_message(), "delta chain longer than") != NULL);
        free(bad);
        gitpack_close(p);
    }
    /* a pack git wrote has none (and no REF_DELTA at all) */
    CHECK(make_repo(&r));
    p = NULL;
    CHECK_OK(gitpack_open(&p, r.idx));
    if (p) {
        bad = NULL;
        CHECK(gitpack_unresolvable(p, &bad) == 0 && bad == NULL);
        gitpack_close(p);
    }
    drop_repo(&r);
    gitpack_reader_free(rd);
}

/* Whole objects are inflated with libdeflate (pack.c inflate_at): a stream that gives
 * more bytes than its entry says, fewer, or whose Adler-32 is wrong is corrupt, as zlib
 * said, with the same words ("stream", "wrong size"). */
static void zlib_streams_are_checked(void)
{
    static const struct {
        unsigned char header;  /* type 3 (blob), size in the low 4 bits */
        int flip;              /* a byte of the zlib stream xor 0x01, or -1 */
        const char *says;      /* NULL: "hello" is read */
    } cases[] = {
        { 0x35, -1, NULL },
        { 0x34, -1, "bad zlib data (stream)" },     /* the stream gives 5 bytes, not 4 */
        { 0x36, -1, "bad zlib data (wrong size)" }, /* ... not 6 */
        { 0x35, 12, "bad zlib data (stream)" },     /* the last byte of the Adler-32 */
        { 0x35, 0, "bad zlib data (stream)" },      /* the header: CMF no longer 8/32K */
    };

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct mini m;
        struct gitpack *p = NULL;
        struct gitpack_reader *rd = gitpack_reader_new(0);
        const unsigned char *data, *id;
        enum gitpack_type type;
        size_t len;
        uint64_t off;
        enum status st;

        mini_cycle(&m);
        m.pack[12] = cases[c].header; /* W, the whole blob, is the first entry */
        if (cases[c].flip >= 0)
            m.pack[13 + cases[c].flip] ^= 0x01;
        CHECK_OK(gitpack_open_mem(&p, m.idx, m.idx_len, m.pack, m.pack_len));
        if (p) {
            gitpack_entry(p, 0, &id, &off);
            CHECK(off == 12);
            st = gitpack_read(rd, p, off, 1024, &type, &data, &len);
            if (!cases[c].says) {
                CHECK_OK(st);
                CHECK(type == GP_BLOB && len == 5 && memcmp(data, "hello", 5) == 0);
            } else {
                CHECK(st == STATUS_CORRUPT);
                CHECK(strstr(status_message(), cases[c].says) != NULL);
            }
            gitpack_close(p);
        }
        gitpack_reader_free(rd);
    }
}

/* ---- packs built entry by entry (issue 11) ------------------------------------------------ */

/* A pack grown one entry at a time, and an index of some of its entries. Ids are a
 * counter (sorted as created); nothing checks them against the content. */
struct pk {
    unsigned char *pack, *idx;
    size_t pack_len, idx_len, cap;
    uint32_t n_listed, cap_listed;
    unsigned char (*ids)[20];
    uint32_t *offs;
};

static const unsigned char pk_hello_z[] = { 0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                                            0x07, 0x00, 0x06, 0x2c, 0x02, 0x15 };
/* the delta { 5, 5, 0x91, 0, 5 }: a 5-byte base to 5 bytes, copying them all */
static const unsigned char pk_delta_z[] = { 0x78, 0x9c, 0x63, 0x65, 0x9d, 0xc8, 0xc0,
                                            0x0a, 0x00, 0x01, 0xea, 0x00, 0xa1 };

static void pk_put(struct pk *k, const void *data, size_t len)
{
    if (k->pack_len + len > k->cap) {
        k->cap = (k->pack_len + len) * 2 + 64;
        k->pack = realloc(k->pack, k->cap);
    }
    memcpy(k->pack + k->pack_len, data, len);
    k->pack_len += len;
}

static void pk_init(struct pk *k)
{
    memset(k, 0, sizeof(*k));
    pk_put(k, "PACK\0\0\0\2\0\0\0\0", 12);
}

static void pk_id(unsigned char *id, uint32_t i)
{
    memset(id, 0, 20);
    id[0] = 0x10;
    put32(id + 1, i + 1);
}

/* Entries: whole "hello", OFS_DELTA on the entry at `base`, REF_DELTA on id number `ref`.
 * Each returns the entry's offset. */
static uint64_t pk_whole(struct pk *k)
{
    uint64_t at = k->pack_len;
    pk_put(k, "\x35", 1);
    pk_put(k, pk_hello_z, sizeof(pk_hello_z));
    return at;
}

static uint64_t pk_ofs(struct pk *k, uint64_t base)
{
    uint64_t at = k->pack_len, rel = at - base;
    unsigned char v[16];
    size_t pos = sizeof(v) - 1;

    v[pos] = (unsigned char)(rel & 127);
    while (rel >>= 7)
        v[--pos] = (unsigned char)(128 | (--rel & 127));
    pk_put(k, "\x65", 1);
    pk_put(k, v + pos, sizeof(v) - pos);
    pk_put(k, pk_delta_z, sizeof(pk_delta_z));
    return at;
}

static uint64_t pk_ref(struct pk *k, uint32_t ref)
{
    uint64_t at = k->pack_len;
    unsigned char id[20];

    pk_id(id, ref);
    pk_put(k, "\x75", 1);
    pk_put(k, id, 20);
    pk_put(k, pk_delta_z, sizeof(pk_delta_z));
    return at;
}

/* List the entry at `off` in the index as id number k->n_listed (returned). */
static uint32_t pk_list(struct pk *k, uint64_t off)
{
    if (k->n_listed == k->cap_listed) {
        k->cap_listed = k->cap_listed * 2 + 16;
        k->ids = realloc(k->ids, k->cap_listed * sizeof(*k->ids));
        k->offs = realloc(k->offs, k->cap_listed * sizeof(*k->offs));
    }
    pk_id(k->ids[k->n_listed], k->n_listed);
    k->offs[k->n_listed] = (uint32_t)off;
    return k->n_listed++;
}

/* Close the pack (count, "checksum") and write its index. */
static void pk_finish(struct pk *k)
{
    size_t n = 8 + 1024;

    put32(k->pack + 8, k->n_listed);
    pk_put(k, "\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab"
              "\xab\xab\xab\xab", 20);
    k->idx = calloc(1, n + k->n_listed * 28 + 40);
    memcpy(k->idx, "\377tOc", 4);
    put32(k->idx + 4, 2);
    for (int b = 0; b < 256; b++)
        put32(k->idx + 8 + 4 * b, b >= 0x10 ? k->n_listed : 0);
    for (uint32_t i = 0; i < k->n_listed; i++, n += 20)
        memcpy(k->idx + n, k->ids[i], 20);
    n += k->n_listed * 4; /* CRC32s: unchecked */
    for (uint32_t i = 0; i < k->n_listed; i++, n += 4)
        put32(k->idx + n, k->offs[i]);
    memset(k->idx + n, 0xab, 20);
    k->idx_len = n + 40;
}

static void pk_release(struct pk *k)
{
    free(k->ids);
    free(k->offs);
    free(k->pack);
    free(k->idx);
}

/* What gitpack_unresolvable lists, the reader cannot read (with or without a cache,
 * after every other object was read). */
static size_t listed_ones_unreadable(const struct gitpack *p, uint32_t **bad)
{
    size_t nb = gitpack_unresolvable(p, bad);
    struct gitpack_reader *warm = gitpack_reader_new(1u << 20), *cold = gitpack_reader_new(0);

    for (uint32_t i = 0; i < gitpack_count(p); i++) {
        const unsigned char *id, *d;
        enum gitpack_type t;
        size_t l;
        uint64_t off;
        gitpack_entry(p, i, &id, &off);
        (void)gitpack_read(warm, p, off, 1024, &t, &d, &l);
    }
    for (size_t k = 0; k < nb; k++) {
        const unsigned char *id, *d;
        enum gitpack_type t;
        size_t l;
        uint64_t off;
        gitpack_entry(p, (*bad)[k], &id, &off);
        CHECK(gitpack_read(warm, p, off, 1024, &t, &d, &l) != STATUS_OK);
        CHECK(gitpack_read(cold, p, off, 1024, &t, &d, &l) != STATUS_OK);
    }
    gitpack_reader_free(warm);
    gitpack_reader_free(cold);
    return nb;
}

/* Issue 11, item 15 (the fuzz_gitpack invariant, corpus crash-d49d9885...): an OFS_DELTA
 * whose base is a whole object the index does not list, in a pack with a REF_DELTA (so
 * the chains are looked at). The check listed it as never resolving while the reader
 * read it: now neither lists it (libgit2 reads it, as git does) and the reader refuses
 * a base outside the index. */
static void test_gitpack__issue_11_ofs_base_outside_the_index(void)
{
    struct pk k;
    struct gitpack *p = NULL;
    uint32_t *bad = NULL, a;
    struct gitpack_reader *rd = gitpack_reader_new(0);
    const unsigned char *id, *d;
    enum gitpack_type t;
    size_t l;
    uint64_t off;

    pk_init(&k);
    off = pk_whole(&k);               /* W: not listed */
    a = pk_list(&k, pk_ofs(&k, off)); /* A: OFS_DELTA on W */
    (void)pk_list(&k, pk_ref(&k, a)); /* R: REF_DELTA on A */
    pk_finish(&k);
    CHECK_OK(gitpack_open_mem(&p, k.idx, k.idx_len, k.pack, k.pack_len));
    if (p) {
        CHECK(listed_ones_unreadable(p, &bad) == 0);
        gitpack_entry(p, a, &id, &off);
        CHECK(gitpack_read(rd, p, off, 1024, &t, &d, &l) == STATUS_CORRUPT);
        CHECK(strstr(status_message(), "not an object of the pack index") != NULL);
        free(bad);
        gitpack_close(p);
    }
    gitpack_reader_free(rd);
    pk_release(&k);
}

/* A cycle that only an entry outside the index closes: B is an OFS_DELTA on U, U (not
 * listed) a REF_DELTA on B. No listed entry is a REF_DELTA, which used to end the check
 * at its first pass: B was handed to libgit2, which loops forever on it. */
static void test_gitpack__issue_11_cycle_behind_an_unlisted_entry(void)
{
    struct pk k;
    struct gitpack *p = NULL;
    uint32_t *bad = NULL, b;
    uint64_t u;

    pk_init(&k);
    (void)pk_list(&k, pk_whole(&k)); /* W, listed: resolves */
    u = pk_ref(&k, 1);               /* U: REF_DELTA on id 1 (B), not listed */
    b = pk_list(&k, pk_ofs(&k, u));  /* B: OFS_DELTA on U */
    pk_finish(&k);
    CHECK(b == 1);
    CHECK_OK(gitpack_open_mem(&p, k.idx, k.idx_len, k.pack, k.pack_len));
    if (p) {
        CHECK(listed_ones_unreadable(p, &bad) == 1);
        CHECK(bad && bad[0] == b);
        free(bad);
        gitpack_close(p);
    }
    pk_release(&k);
}

/* A chain one delta longer than LIMIT_DELTA_DEPTH: unreadable and listed, also by a reader
 * that holds the object above it (it used to count only the deltas it still had to
 * apply, and read it). Every entry is listed. */
static void test_gitpack__issue_11_depth_counts_what_the_cache_holds(void)
{
    struct pk k;
    struct gitpack *p = NULL;
    uint32_t *bad = NULL;
    uint64_t off, top = 0, last = 0;
    struct gitpack_reader *rd = gitpack_reader_new(1u << 20);
    const unsigned char *d;
    enum gitpack_type t;
    size_t l;

    pk_init(&k);
    off = pk_whole(&k);
    (void)pk_list(&k, off);
    for (unsigned i = 1; i <= LIMIT_DELTA_DEPTH + 1; i++) {
        top = last;
        last = off = pk_ofs(&k, off);
        (void)pk_list(&k, off);          /* id number i, at depth i */
    }
    (void)pk_list(&k, pk_ref(&k, 0));    /* a REF_DELTA, so that chains are looked at */
    pk_finish(&k);
    CHECK_OK(gitpack_open_mem(&p, k.idx, k.idx_len, k.pack, k.pack_len));
    if (p) {
        CHECK_OK(gitpack_read(rd, p, top, 1024, &t, &d, &l));
        CHECK(t == GP_BLOB && l == 5 && memcmp(d, "hello", 5) == 0);
        CHECK(gitpack_read(rd, p, last, 1024, &t, &d, &l) == STATUS_CORRUPT);
        CHECK(strstr(status_message(), "delta chain longer than") != NULL);
        CHECK(listed_ones_unreadable(p, &bad) == 1);
        CHECK(bad && bad[0] == LIMIT_DELTA_DEPTH + 1);
        free(bad);
        gitpack_close(p);
    }
    gitpack_reader_free(rd);
    pk_release(&k);
}

/* ---- looking ids up -------------------------------------------------------------------------- */

/* An index of n sorted ids (object i at pack offset 12 + i) and a pack whose entries are
 * never read: enough for gitpack_find. */
static void ids_pack(const unsigned char (*ids)[20], uint32_t n, unsigned char **idx,
                     size_t *idx_len, unsigned char **pack, size_t *pack_len)
{
    size_t at = 8 + 1024;

    *pack_len = 12 + (size_t)n + 20;
    *pack = calloc(1, *pack_len);
    memcpy(*pack, "PACK\0\0\0\2", 8);
    put32(*pack + 8, n);
    memset(*pack + *pack_len - 20, 0xab, 20);
    *idx_len = at + (size_t)n * 28 + 40;
    *idx = calloc(1, *idx_len);
    memcpy(*idx, "\377tOc", 4);
    put32(*idx + 4, 2);
    for (int b = 0; b < 256; b++) {
        uint32_t c = 0;
        while (c < n && ids[c][0] <= b)
            c++;
        put32(*idx + 8 + 4 * b, c);
    }
    for (uint32_t i = 0; i < n; i++, at += 20)
        memcpy(*idx + at, ids[i], 20);
    at += (size_t)n * 4;
    for (uint32_t i = 0; i < n; i++, at += 4)
        put32(*idx + at, 12 + i);
    memset(*idx + at, 0xab, 20);
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, 20);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Every id is found at its offset, and ids next to them (one more, one less in the last
 * byte) and random ones are not: for ids spread evenly (hashes), bunched (a few runs of
 * ids that share their first 8 bytes, and runs that share only the first), and for every
 * index size from 0 to 40, where guesses give way to halving. */
static void ids_are_found_however_they_spread(void)
{
    enum { N = 60000 };
    static unsigned char ids[N][20];
    uint64_t seed = 0x5e5a3e16;

    for (int shape = 0; shape < 3; shape++) {
        for (uint32_t n = 0; n <= N; n = n < 40 ? n + 1 : n == 40 ? N : N + 1) {
            uint32_t m = n <= 40 ? n : N;
            unsigned char *idx, *pack;
            size_t idx_len, pack_len;
            struct gitpack *p = NULL;
            uint32_t dup = 0;
            for (uint32_t i = 0; i < m; i++) {
                for (int b = 0; b < 20; b++)
                    ids[i][b] = (unsigned char)rng_next(&seed);
                if (shape == 1 && i % 3 != 0) /* 8 equal leading bytes, then random */
                    memset(ids[i], 0x42, 8);
                if (shape == 2) /* all in one fan-out range, bunched near its start */
                    ids[i][0] = 0x42, ids[i][1] = (unsigned char)(ids[i][1] & 3),
                    ids[i][2] = i % 7 ? 0 : ids[i][2];
            }
            qsort(ids, m, 20, cmp_id);
            for (uint32_t i = 1; i < m; i++)
                if (memcmp(ids[i], ids[i - 1], 20) == 0)
                    dup++;
            CHECK(dup == 0);
            ids_pack((const unsigned char(*)[20])ids, m, &idx, &idx_len, &pack, &pack_len);
            CHECK_OK(gitpack_open_mem(&p, idx, idx_len, pack, pack_len));
            if (p) {
                uint32_t bad = 0;
                for (uint32_t i = 0; i < m; i++) {
                    unsigned char near[20];
                    uint64_t off = 0;
                    if (!gitpack_find(p, ids[i], &off) || off != 12 + i)
                        bad++;
                    memcpy(near, ids[i], 20);
                    near[19]++;
                    if (near[19] != 0 && (i + 1 == m || memcmp(near, ids[i + 1], 20) != 0) &&
                        gitpack_find(p, near, &off))
                        bad++;
                    near[19] -= 2;
                    if (near[19] != 0xff && (i == 0 || memcmp(near, ids[i - 1], 20) != 0) &&
                        gitpack_find(p, near, &off))
                        bad++;
                }
                for (int k = 0; k < 2000; k++) {
                    unsigned char r[20];
                    uint64_t off;
                    for (int b = 0; b < 20; b++)
                        r[b] = (unsigned char)rng_next(&seed);
                    if (shape == 1 && k % 2)
                        memset(r, 0x42, 8);
                    if (bsearch(r, ids, m, 20, cmp_id) == NULL && gitpack_find(p, r, &off))
                        bad++;
                }
                CHECK(bad == 0);
                gitpack_close(p);
            }
            free(idx);
            free(pack);
        }
    }
}

int main(int argc, char **argv)
{
    static const struct test tests[] = {
        TEST(delta_copy_and_insert),
        TEST(delta_size_zero_means_64k),
        TEST(delta_malformed_is_refused),
        TEST(reads_every_object_as_libgit2_does),
        TEST(family_order_puts_bases_first),
        TEST(typed_lists_match_libgit2),
        TEST(damaged_packs_are_refused_or_reported),
        TEST(bad_offsets_hide_their_entry_only),
        TEST(unresolvable_chains_are_found),
        TEST(zlib_streams_are_checked),
        TEST(test_gitpack__issue_11_ofs_base_outside_the_index),
        TEST(test_gitpack__issue_11_cycle_behind_an_unlisted_entry),
        TEST(test_gitpack__issue_11_depth_counts_what_the_cache_holds),
        TEST(ids_are_found_however_they_spread),
    };
    int rc;
    git_libgit2_init();
    rc = harness_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
    git_libgit2_shutdown();
    return rc;
}
