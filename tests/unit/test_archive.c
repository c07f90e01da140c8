/*
 * tests/unit/test_archive.c - archives built at test time with libarchive's writer,
 * in memory, with fake keys from a fixed seed, read back through src_archive and the
 * real scanning pipeline: every format, nesting, chunk boundaries inside compressed
 * members, bombs, member/name/depth limits, odd names, truncation, corruption,
 * encryption, and reading from a file descriptor. Nothing large is committed.
 */
#include "archive_fixture.h"

static void test_archive__default_limits(void)
{
    struct archive_limits lim;
    src_archive_default_limits(&lim);
    CHECK(lim.max_total_bytes == 1024ull * MIB);
    CHECK(lim.max_ratio == 200.0);
    CHECK(lim.max_members == 100000);
    CHECK(lim.max_depth == 3);
    CHECK(lim.max_name_bytes == 4096);
}

static void test_archive__sniff(void)
{
    static const struct {
        const char *bytes;
        size_t n;
        bool archive;
    } cases[] = {
        { "PK\3\4\24\0\0\0", 8, true },
        { "PK\5\6\0\0\0\0", 8, true },
        { "PK\7\10PK\3\4", 8, true },
        { "\x1f\x8b\x08\0\0\0\0\0", 8, true },
        { "BZh91AY&SY\0", 11, true },
        { "BZh9\x17\x72\x45\x38\x50\x90", 10, true },
        { "\xfd" "7zXZ\0\0\4", 8, true },
        { "\x28\xb5\x2f\xfd\0", 5, true },
        { "7z\xbc\xaf\x27\x1c\0\4", 8, true },
        { "\x04\x22\x4d\x18\x64", 5, true },
        { "LZIP\x01\x0c", 6, true },
        { "\x1f\x9d\x90", 3, true },
        { "", 0, false },
        { "PK", 2, false },
        { "PK and other letters", 20, false },
        { "BZh9 is how the text begins", 27, false },
        { "\x1f\x8b", 2, false },
        { "{\"zip\": \"PK\\u0003\"}", 19, false },
        { "aws_access_key_id = x\n", 22, false },
        { "7z is a format\n", 15, false },
        { "\x1f\x9d\xff", 3, false },
    };
    char tarish[600];

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        bool got = src_archive_sniff((const unsigned char *)cases[i].bytes, cases[i].n);
        if (got != cases[i].archive)
            fprintf(stderr, "sniff case %zu\n", i);
        CHECK(got == cases[i].archive);
    }
    CHECK(!src_archive_sniff(NULL, 0));
    /* "ustar" at 257 in plain text is not enough when the header checksum is wrong. */
    memset(tarish, 'a', sizeof(tarish));
    memcpy(tarish + 257, "ustar", 5);
    CHECK(!src_archive_sniff((const unsigned char *)tarish, sizeof(tarish)));
    CHECK(src_archive_sniff((const unsigned char *)tarish, 300)); /* too short to check */
}

struct fmt {
    const char *name;   /* top-level display name (the extension means nothing) */
    int format;
    int filter;
    const char *options;
    const char *member; /* expected member display name */
};

static const struct fmt formats[] = {
    { "t.zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "stored.zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression=store",
      "conf/app.env" },
    { "app.jar", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "report.docx", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "t.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "ustar.tar", ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "gnu.tar", ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "t.tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, NULL, "conf/app.env" },
    { "snapshot.dat", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, NULL,
      "conf/app.env" },
    { "t.tar.bz2", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_BZIP2, NULL,
      "conf/app.env" },
    { "t.tar.xz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ, NULL, "conf/app.env" },
    { "t.tar.zst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD, NULL,
      "conf/app.env" },
    { "t.tar.lz4", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_LZ4, NULL,
      "conf/app.env" },
    { "t.tar.lz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_LZIP, NULL,
      "conf/app.env" },
    { "t.7z", ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, NULL, "conf/app.env" },
    { "creds.env.gz", ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, NULL, "creds.env" },
    { "creds.env.bz2", ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_BZIP2, NULL, "creds.env" },
    { "creds.env.xz", ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_XZ, NULL, "creds.env" },
    { "creds.env.zst", ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_ZSTD, NULL, "creds.env" },
    { "upload-7", ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, NULL, "data" },
};

static void test_archive__each_format(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(101);
    char ids[ARRAY_SIZE(formats)][21];

    fx_setup(&x);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        const struct fmt *f = &formats[i];
        struct writer w;
        struct mem m;
        char *text;
        uint64_t members = x.stats.members, archives = x.stats.archives;

        new_id(&rng, ids[i]);
        text = env_text(ids[i], 12);
        wr_begin_opts(&w, f->format, f->filter, f->options, NULL);
        if (f->format != ARCHIVE_FORMAT_RAW)
            wr_dir(&w, "conf/");
        wr_add_str(&w, f->format == ARCHIVE_FORMAT_RAW ? "creds.env" : "conf/app.env", text);
        m = wr_end(&w);
        CHECK(src_archive_sniff(m.p, m.n));
        CHECK_OK(fx_scan(&x, &m, f->name));
        if (x.stats.members != members + 1 || x.stats.archives != archives + 1)
            fprintf(stderr, "format %s: members %llu archives %llu\n", f->name,
                    (unsigned long long)(x.stats.members - members),
                    (unsigned long long)(x.stats.archives - archives));
        CHECK(x.stats.members == members + 1);
        CHECK(x.stats.archives == archives + 1);
        free(text);
        free(m.p);
    }
    CHECK(x.stats.errors == 0 && x.stats.limits_hit == 0 && x.stats.skipped == 0);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        char *path = xasprintf("%s!%s", formats[i].name, formats[i].member);
        size_t n = found_at(&x, ids[i], path, 12);
        if (n != 1)
            fprintf(stderr, "format %s: key at '%s':12 seen %zu times\n", formats[i].name, path,
                    n);
        CHECK(n == 1);
        free(path);
    }
    fx_teardown(&x);
}

static struct mem zip_of(const char *name, const struct mem *inner, const char *options)
{
    struct writer w;
    wr_begin_opts(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, options, NULL);
    wr_add(&w, name, inner->p, inner->n);
    return wr_end(&w);
}

static void test_archive__zip_in_tar_in_zip_with_provenance(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(102);
    char id1[21], id2[21], id3[21];
    char *t1, *t2, *t3;
    struct writer w;
    struct mem d_zip, b_tar, a_zip;
    char h1[] = "1111111111111111111111111111111111111111", h2[] = "2222222222222222222222222222222222222222";
    char who[] = "A <a@x>", what[] = "s";
    struct commit_info c1 = { h1, who, 1, 1, what };
    struct commit_info c2 = { h2, who, 2, 2, what };
    struct provenance prov[2] = { { "x/a.zip", &c1 }, { "y/a.zip", &c2 } };
    struct blob tmpl;

    fx_setup(&x);
    new_id(&rng, id1);
    new_id(&rng, id2);
    new_id(&rng, id3);
    t1 = env_text(id1, 3);
    t2 = env_text(id2, 5);
    t3 = env_text(id3, 7);
    wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
    wr_add_str(&w, "e.env", t2);
    d_zip = wr_end(&w);
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE);
    wr_add_str(&w, "c.env", t1);
    wr_add(&w, "d.zip", d_zip.p, d_zip.n);
    b_tar = wr_end(&w);
    wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
    wr_add(&w, "b.tar", b_tar.p, b_tar.n);
    wr_add_str(&w, "f.env", t3);
    a_zip = wr_end(&w);

    CHECK_OK(fx_scan(&x, &a_zip, "a.zip"));
    CHECK(found_at(&x, id1, "a.zip!b.tar!c.env", 3) == 1);
    CHECK(found_at(&x, id2, "a.zip!b.tar!d.zip!e.env", 5) == 1);
    CHECK(found_at(&x, id3, "a.zip!f.env", 7) == 1);
    CHECK(x.stats.archives == 3);
    CHECK(x.stats.limits_hit == 0 && x.stats.errors == 0);
    fx_teardown(&x);

    /* Git provenance: every place the outer blob was seen gets its own member paths. */
    fx_setup(&x);
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "x/a.zip";
    tmpl.blob_id = "3333333333333333333333333333333333333333";
    tmpl.prov = prov;
    tmpl.n_prov = 2;
    CHECK_OK(src_archive_scan_mem(a_zip.p, a_zip.n, &tmpl, &x.lim, &x.buf, collect, &x,
                                  &x.stats));
    CHECK(found_at(&x, id2, "x/a.zip!b.tar!d.zip!e.env", 5) == 1);
    CHECK(found_at(&x, id2, "y/a.zip!b.tar!d.zip!e.env", 5) == 1);
    CHECK(found_at(&x, id1, "y/a.zip!b.tar!c.env", 3) == 1);
    for (size_t i = 0; i < x.n; i++)
        for (size_t j = 0; j < x.out[i]->n_locations; j++) {
            const struct location *l = &x.out[i]->locations[j];
            bool under_y = strncmp(l->path, "y/", 2) == 0;
            CHECK(l->commit.commit && strcmp(l->commit.commit, under_y ? c2.commit : c1.commit) == 0);
            CHECK(l->blob && strcmp(l->blob, tmpl.blob_id) == 0);
        }
    fx_teardown(&x);

    /* One level less: d.zip is too deep, its (deflated) member is not decoded. */
    fx_setup(&x);
    x.lim.max_depth = 2;
    CHECK_OK(fx_scan(&x, &a_zip, "a.zip"));
    CHECK(found_at(&x, id1, "a.zip!b.tar!c.env", 3) == 1);
    CHECK(found_at(&x, id2, NULL, 0) == 0);
    CHECK(saw_path(&x, "a.zip!b.tar!d.zip"));
    CHECK(x.stats.limits_hit == 1);
    fx_teardown(&x);

    free(t1);
    free(t2);
    free(t3);
    free(d_zip.p);
    free(b_tar.p);
    free(a_zip.p);
}

/* A text of `len` bytes of short lines with key IDs planted at `at[]`. */
static char *big_text(size_t len, const size_t *at, size_t n_at, char ids[][21],
                      struct fakekey_rng *rng)
{
    char *big = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        big[i] = (i % 97 == 96) ? '\n' : (char)('a' + (i * 7) % 26);
    big[len] = '\0';
    for (size_t k = 0; k < n_at; k++) {
        new_id(rng, ids[k]);
        big[at[k] - 1] = ' ';
        memcpy(big + at[k], ids[k], 20);
        big[at[k] + 20] = ' ';
    }
    return big;
}

static uint64_t line_of(const char *text, size_t off)
{
    uint64_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

static void test_archive__key_at_chunk_boundary_in_compressed_member(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(103);
    size_t len = 2 * LIMIT_CHUNK_BYTES + 5000;
    size_t at[] = { LIMIT_CHUNK_BYTES - 10, LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 - 5,
                    LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 - 60,
                    2 * LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP - 7, len - 40 };
    char ids[ARRAY_SIZE(at)][21];
    char *big = big_text(len, at, ARRAY_SIZE(at), ids, &rng);
    struct writer w;
    struct mem tgz, zip;

    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP);
    wr_add(&w, "logs/big.log", big, len);
    tgz = wr_end(&w);
    CHECK(tgz.n < len / 4); /* really compressed */
    zip = zip_of("big.tar.gz", &tgz, "zip:compression=store");

    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &tgz, "big.tar.gz"));
    CHECK(x.max_chunks_of_one == 3);
    CHECK_OK(fx_scan(&x, &zip, "outer.zip"));
    for (size_t k = 0; k < ARRAY_SIZE(at); k++) {
        uint64_t line = line_of(big, at[k]);

        CHECK(found_at(&x, ids[k], "big.tar.gz!logs/big.log", line) == 1);
        CHECK(found_at(&x, ids[k], "outer.zip!big.tar.gz!logs/big.log", line) == 1);
        CHECK(found_at(&x, ids[k], NULL, 0) == 2); /* once per path, not once per chunk */
    }
    CHECK(x.stats.errors == 0 && x.stats.limits_hit == 0);
    fx_teardown(&x);
    free(big);
    free(tgz.p);
    free(zip.p);
}

static void test_archive__zip_bomb_stops_at_limits(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(104);
    char id[21];
    char *head;
    struct writer w;
    struct mem bomb, tgz, outer;

    new_id(&rng, id);
    head = xasprintf("aws_access_key_id = %s\n", id);
    wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
    wr_add_fill(&w, "blank.txt", head, ' ', 200u * MIB);
    bomb = wr_end(&w);
    CHECK(bomb.n < 1 * MIB);
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP);
    wr_add_fill(&w, "zeros.bin", head, 0, 200u * MIB);
    tgz = wr_end(&w);
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE);
    wr_add(&w, "inner/bomb.zip", bomb.p, bomb.n);
    outer = wr_end(&w);

    /* Default limits: the ratio stops it long before 200 MB; the key before it is found. */
    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &bomb, "bomb.zip"));
    CHECK(x.stats.limits_hit == 1);
    CHECK(x.stats.bytes < 64u * MIB);
    CHECK(found_at(&x, id, "bomb.zip!blank.txt", 1) == 1);
    fx_teardown(&x);

    /* The same as a compression filter (tar.gz) and nested inside another archive. */
    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &tgz, "bomb.tar.gz"));
    CHECK(x.stats.limits_hit == 1 && x.stats.bytes < 64u * MIB);
    CHECK_OK(fx_scan(&x, &outer, "outer.tar"));
    CHECK(x.stats.limits_hit == 2);
    CHECK(x.stats.bytes < 128u * MIB);
    fx_teardown(&x);

    /* A small byte budget with no ratio limit to speak of. */
    fx_setup(&x);
    x.lim.max_total_bytes = 4u * MIB;
    x.lim.max_ratio = 1e12;
    CHECK_OK(fx_scan(&x, &bomb, "bomb.zip"));
    CHECK(x.stats.limits_hit == 1);
    CHECK(x.stats.bytes <= 4u * MIB);
    fx_teardown(&x);

    /* A tight ratio: stops right after the first MiB. */
    fx_setup(&x);
    x.lim.max_ratio = 10;
    CHECK_OK(fx_scan(&x, &tgz, "bomb.tar.gz"));
    CHECK(x.stats.limits_hit == 1 && x.stats.bytes < 2u * MIB);
    fx_teardown(&x);

    free(head);
    free(bomb.p);
    free(tgz.p);
    free(outer.p);
}

/* David Fifield's overlapping-entry bomb: one deflated local file, and `copies` central
 * directory entries that all point at it. */
static struct mem overlapping_zip(size_t copies)
{
    struct writer w;
    struct mem one, out = { NULL, 0, 0 };
    const unsigned char *eocd = NULL, *cd;
    size_t cd_off, ent_len;

    wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
    wr_add_fill(&w, "k.bin", NULL, 'k', 1 * MIB);
    one = wr_end(&w);
    for (size_t i = one.n - 22 + 1; i-- > 0;)
        if (memcmp(one.p + i, "PK\5\6", 4) == 0) {
            eocd = one.p + i;
            break;
        }
    CHECK(eocd != NULL);
    if (!eocd)
        return one;
    cd_off = rd32(eocd + 16);
    cd = one.p + cd_off;
    CHECK(memcmp(cd, "PK\1\2", 4) == 0);
    ent_len = 46u + rd16(cd + 28) + rd16(cd + 30) + rd16(cd + 32);
    out.cap = cd_off + copies * ent_len + 22;
    out.p = xmalloc(out.cap);
    memcpy(out.p, one.p, cd_off);
    out.n = cd_off;
    for (size_t i = 0; i < copies; i++) {
        memcpy(out.p + out.n, cd, ent_len);
        out.n += ent_len;
    }
    memcpy(out.p + out.n, eocd, 22);
    wr16(out.p + out.n + 8, (uint32_t)copies);
    wr16(out.p + out.n + 10, (uint32_t)copies);
    wr32(out.p + out.n + 12, (uint32_t)(copies * ent_len));
    wr32(out.p + out.n + 16, (uint32_t)cd_off);
    wr16(out.p + out.n + 20, 0);
    out.n += 22;
    free(one.p);
    return out;
}

/* libarchive keys a zip's directory by local header offset: the 20000 entries that
 * point at one local file are read as one member. (The ratio limit used to stop this
 * only because libarchive does not move its input position while a stored or inflated
 * member from memory is read: the "compressed size" stayed at 61 bytes. It is now what
 * was handed to libarchive.) */
static void test_archive__overlapping_zip_entries(void)
{
    struct fx x;
    struct mem m = overlapping_zip(20000); /* 20000 x 1 MiB from about 1.3 MB */

    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &m, "overlap.zip"));
    CHECK(x.stats.members == 1);
    CHECK(x.stats.bytes < 8u * MIB);
    CHECK(x.stats.limits_hit == 0 && x.stats.errors == 0);
    fx_teardown(&x);
    free(m.p);
}

static void test_archive__nesting_deeper_than_max_depth(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(105);
    char id[21];
    char *text, *path;
    struct writer w;
    struct mem cur;

    new_id(&rng, id);
    text = env_text(id, 2);
    /* A quine-like chain: l0.zip holds l1.zip holds ... l39.zip holds k.env, all stored,
     * so the key's bytes are visible (uncompressed) at every level. */
    wr_begin_opts(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression=store", NULL);
    wr_add_str(&w, "k.env", text);
    cur = wr_end(&w);
    for (int level = 39; level >= 1; level--) {
        char name[32];
        struct mem next;
        snprintf(name, sizeof(name), "l%d.zip", level);
        next = zip_of(name, &cur, "zip:compression=store");
        free(cur.p);
        cur = next;
    }
    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &cur, "l0.zip"));
    CHECK(x.stats.archives == 3);
    CHECK(x.stats.members == 3);
    CHECK(x.stats.limits_hit == 1);
    /* The member at the depth limit is scanned as plain bytes. */
    CHECK(found_at(&x, id, "l0.zip!l1.zip!l2.zip!l3.zip", 0) == 1);
    fx_teardown(&x);

    fx_setup(&x);
    x.lim.max_depth = 40;
    CHECK_OK(fx_scan(&x, &cur, "l0.zip"));
    CHECK(x.stats.archives == 40 && x.stats.limits_hit == 0);
    path = xstrdup("l0.zip");
    for (int level = 1; level <= 39; level++) {
        char *n = xasprintf("%s!l%d.zip", path, level);
        free(path);
        path = n;
    }
    {
        char *n = xasprintf("%s!k.env", path);
        CHECK(found_at(&x, id, n, 2) == 1);
        free(n);
    }
    fx_teardown(&x);

    free(path);
    free(text);
    free(cur.p);
}

static void test_archive__member_count_limit(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(106);
    char early[21], late[21];
    char *t_early, *t_late;
    struct writer w;
    struct mem m;

    new_id(&rng, early);
    new_id(&rng, late);
    t_early = env_text(early, 1);
    t_late = env_text(late, 1);
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP);
    for (int i = 0; i < 10050; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f/%05d.txt", i);
        if (i == 5)
            wr_add_str(&w, name, t_early);
        else if (i == 10040)
            wr_add_str(&w, name, t_late);
        else
            wr_add_str(&w, name, "x\n");
    }
    m = wr_end(&w);

    fx_setup(&x);
    x.lim.max_members = 10000;
    CHECK_OK(fx_scan(&x, &m, "many.tgz"));
    CHECK(x.stats.limits_hit == 1);
    CHECK(x.stats.members == 10000);
    CHECK(found_at(&x, early, "many.tgz!f/00005.txt", 1) == 1);
    CHECK(found_at(&x, late, NULL, 0) == 0);
    fx_teardown(&x);

    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &m, "many.tgz"));
    CHECK(x.stats.limits_hit == 0 && x.stats.members == 10050);
    CHECK(found_at(&x, late, "many.tgz!f/10040.txt", 1) == 1);
    fx_teardown(&x);

    free(t_early);
    free(t_late);
    free(m.p);
}

static void test_archive__overlong_member_name(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(107);
    char a[21], b[21], c[21];
    char *ta, *tb, *tc, *longname;
    struct writer w;
    struct mem m;

    new_id(&rng, a);
    new_id(&rng, b);
    new_id(&rng, c);
    ta = env_text(a, 1);
    tb = env_text(b, 1);
    tc = env_text(c, 1);
    longname = xmalloc(5001);
    for (size_t i = 0; i < 5000; i++)
        longname[i] = i % 100 == 50 ? '/' : 'n';
    longname[5000] = '\0';
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE);
    wr_add_str(&w, "before.env", ta);
    wr_add_str(&w, longname, tb);
    wr_add_str(&w, "after.env", tc);
    m = wr_end(&w);

    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &m, "names.tar"));
    CHECK(x.stats.limits_hit == 1);
    CHECK(found_at(&x, a, "names.tar!before.env", 1) == 1);
    CHECK(found_at(&x, b, NULL, 0) == 0);
    CHECK(found_at(&x, c, "names.tar!after.env", 1) == 1);
    fx_teardown(&x);

    fx_setup(&x);
    x.lim.max_name_bytes = 6000;
    CHECK_OK(fx_scan(&x, &m, "names.tar"));
    CHECK(x.stats.limits_hit == 0 && found_at(&x, b, NULL, 1) == 1);
    fx_teardown(&x);

    free(ta);
    free(tb);
    free(tc);
    free(longname);
    free(m.p);
}

static void test_archive__absolute_dotdot_and_control_names(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(108);
    static const char *const names[] = {
        "/etc/sesame-test/creds.env",
        "../../sesame-archive-test-escape.env",
        "a/../../../b.env",
        "evil\x1b]0;title\x07\n.env",
    };
    static const char *const shown[] = {
        "/etc/sesame-test/creds.env",
        "../../sesame-archive-test-escape.env",
        "a/../../../b.env",
        "evil\\x1b]0;title\\x07\\x0a.env", /* escaped once, without loss */
    };
    char ids[2][ARRAY_SIZE(names)][21];
    int formats_[2] = { ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_ZIP };
    const char *tops[2] = { "odd.tar", "odd.zip" };

    fx_setup(&x);
    for (size_t f = 0; f < 2; f++) {
        struct writer w;
        struct mem m;
        wr_begin(&w, formats_[f], ARCHIVE_FILTER_NONE);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
            char *t;
            new_id(&rng, ids[f][i]);
            t = env_text(ids[f][i], 2);
            wr_add_str(&w, names[i], t);
            free(t);
        }
        m = wr_end(&w);
        CHECK_OK(fx_scan(&x, &m, tops[f]));
        free(m.p);
    }
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
            char *path = xasprintf("%s!%s", tops[f], shown[i]);
            size_t n = found_at(&x, ids[f][i], path, 2);
            if (n != 1)
                fprintf(stderr, "odd name: '%s' seen %zu times\n", path, n);
            CHECK(n == 1);
            free(path);
        }
    /* Nothing was written anywhere. */
    CHECK(access("../../sesame-archive-test-escape.env", F_OK) != 0);
    CHECK(access("/etc/sesame-test", F_OK) != 0);
    fx_teardown(&x);
}

/* Three members: a key, 200 KB of incompressible text, another key. */
static struct mem three_members(int format, int filter, const char *k1, const char *k2,
                                struct fakekey_rng *rng)
{
    struct writer w;
    char *t1 = env_text(k1, 1), *t2 = env_text(k2, 1);
    size_t n = 200 * 1024;
    char *noise = xmalloc(n);

    for (size_t i = 0; i < n; i++)
        noise[i] = (i % 64 == 63) ? '\n' : "0123456789abcdef"[fakekey_next(rng) & 15];
    wr_begin(&w, format, filter);
    wr_add_str(&w, "first.env", t1);
    wr_add(&w, "noise.txt", noise, n);
    wr_add_str(&w, "last.env", t2);
    free(t1);
    free(t2);
    free(noise);
    return wr_end(&w);
}

/* prefix: whether what comes before a cut can be decoded at all (bzip2 and zstd work
 * in blocks larger than these archives; 7z keeps its directory at the end). */
static const struct {
    const char *name;
    int format, filter;
    bool prefix;
} damaged_formats[] = {
    { "t.zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, true },
    { "t.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, true },
    { "t.tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, true },
    { "t.tar.bz2", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_BZIP2, false },
    { "t.tar.xz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ, true },
    { "t.tar.zst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD, false },
    { "t.7z", ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, false },
};

static void test_archive__truncated_archives(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(109);

    for (size_t i = 0; i < ARRAY_SIZE(damaged_formats); i++) {
        struct fx x;
        char k1[21], k2[21];
        struct mem m, cut;

        new_id(&rng, k1);
        new_id(&rng, k2);
        m = three_members(damaged_formats[i].format, damaged_formats[i].filter, k1, k2, &rng);
        cut = m;
        cut.n = m.n / 2;
        fx_setup(&x);
        CHECK_OK(fx_scan(&x, &cut, damaged_formats[i].name));
        CHECK(x.stats.errors + x.stats.skipped + x.stats.damaged >= 1);
        if (damaged_formats[i].prefix) {
            char *p = xasprintf("%s!first.env", damaged_formats[i].name);
            if (found_at(&x, k1, p, 1) != 1)
                fprintf(stderr, "truncated %s: first key not found\n", damaged_formats[i].name);
            CHECK(found_at(&x, k1, p, 1) == 1);
            free(p);
        }
        CHECK(found_at(&x, k2, NULL, 0) == 0);
        fx_teardown(&x);

        /* Every cut, every 1/120th of the way: warnings, never a crash. */
        fx_setup(&x);
        log_set_quiet(1);
        for (size_t at = 0; at < m.n; at += m.n / 120 + 1) {
            cut.n = at;
            CHECK_OK(fx_scan(&x, &cut, damaged_formats[i].name));
        }
        log_set_quiet(0);
        fx_teardown(&x);
        free(m.p);
    }
}

static void test_archive__corrupt_bytes(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(110);

    for (size_t i = 0; i < ARRAY_SIZE(damaged_formats); i++) {
        struct fx x;
        char k1[21], k2[21];
        struct mem m;
        unsigned char *copy;
        struct mem bad;

        new_id(&rng, k1);
        new_id(&rng, k2);
        m = three_members(damaged_formats[i].format, damaged_formats[i].filter, k1, k2, &rng);
        copy = xmalloc(m.n);
        bad.p = copy;
        bad.n = bad.cap = m.n;
        fx_setup(&x);
        log_set_quiet(1);
        for (size_t round = 0; round < 60; round++) {
            memcpy(copy, m.p, m.n);
            /* Headers live near the ends: hit the first and last 1 KiB more often. */
            for (int k = 0; k < 4; k++) {
                uint64_t r = fakekey_next(&rng);
                size_t at = (round % 3 == 0) ? r % m.n
                            : (round % 3 == 1) ? r % (m.n < 1024 ? m.n : 1024)
                                               : m.n - 1 - r % (m.n < 1024 ? m.n : 1024);
                copy[at] ^= (unsigned char)(1 + (r >> 32) % 255);
            }
            CHECK_OK(fx_scan(&x, &bad, damaged_formats[i].name));
        }
        log_set_quiet(0);
        fx_teardown(&x);
        free(copy);
        free(m.p);
    }
}

static void test_archive__not_an_archive_is_scanned_as_bytes(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(111);
    char id[21];
    char *text, *body;
    struct mem m;

    new_id(&rng, id);
    /* gzip magic with reserved flag bits: no filter accepts it, no format either. */
    text = env_text(id, 2);
    body = xasprintf("\x1f\x8b\x08\xe0\n%s", text + strlen("# setting 1 of the service\n"));
    m.p = (unsigned char *)body;
    m.n = strlen(body);
    m.cap = m.n;
    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &m, "fake.gz"));
    CHECK(x.stats.damaged == 1 && x.stats.errors == 0 /* all scanned */);
    CHECK(found_at(&x, id, "fake.gz", 2) == 1);
    fx_teardown(&x);

    /* Empty input: an empty archive, nothing to say. */
    fx_setup(&x);
    m.n = 0;
    CHECK_OK(fx_scan(&x, &m, "empty"));
    CHECK(x.stats.errors == 0);
    fx_teardown(&x);
    free(text);
    free(body);
}

static void test_archive__encrypted_member_skipped(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(112);
    char id[21], id2[21];
    char *text, *t2;
    struct writer w;
    struct mem enc, outer;

    new_id(&rng, id);
    new_id(&rng, id2);
    text = env_text(id, 1);
    t2 = env_text(id2, 1);
    wr_begin_opts(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt",
                  "not-a-real-password");
    wr_add_str(&w, "secret.env", text);
    wr_add_str(&w, "other.env", text);
    enc = wr_end(&w);
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP);
    wr_add(&w, "locked.zip", enc.p, enc.n);
    wr_add_str(&w, "open.env", t2);
    outer = wr_end(&w);

    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &enc, "locked.zip"));
    CHECK(x.stats.skipped == 2);
    CHECK(x.stats.members == 0);
    CHECK_OK(fx_scan(&x, &outer, "outer.tgz"));
    CHECK(x.stats.skipped == 4);
    CHECK(found_at(&x, id, NULL, 0) == 0);
    CHECK(found_at(&x, id2, "outer.tgz!open.env", 1) == 1);
    fx_teardown(&x);
    free(text);
    free(t2);
    free(enc.p);
    free(outer.p);
}

static void test_archive__callback_failure_stops_the_walk(void)
{
    struct fx x;
    struct writer w;
    struct mem m;

    wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
    wr_add_str(&w, "a.txt", "a\n");
    wr_add_str(&w, "b.txt", "b\n");
    wr_add_str(&w, "c.txt", "c\n");
    m = wr_end(&w);
    fx_setup(&x);
    x.fail_after = 2;
    CHECK(fx_scan(&x, &m, "t.zip") == STATUS_IO);
    CHECK(x.blobs == 2);
    CHECK(strstr(status_message(), "refused") != NULL);
    fx_teardown(&x);
    free(m.p);
}

static void test_archive__scan_fd(void)
{
    struct fx x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(113);
    char id1[21], id2[21], id3[21], id4[21];
    char *t1, *t2, *t3, *t4;
    char path[256];
    struct writer w;
    struct mem tgz, zip, plain, junk;
    struct blob tmpl;
    int fd, pfd[2];

    new_id(&rng, id1);
    new_id(&rng, id2);
    new_id(&rng, id3);
    new_id(&rng, id4);
    t1 = env_text(id1, 4);
    t2 = env_text(id2, 6);
    t3 = env_text(id3, 2);
    t4 = env_text(id4, 3);
    wr_begin(&w, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP);
    wr_add_str(&w, "in/tgz.env", t1);
    tgz = wr_end(&w);
    wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
    wr_add_str(&w, "in/zip.env", t2);
    wr_add(&w, "in/nested.tgz", tgz.p, tgz.n);
    zip = wr_end(&w);
    plain.p = (unsigned char *)t3;
    plain.n = strlen(t3);
    junk.p = (unsigned char *)"0123456789 prefix bytes before the archive\n";
    junk.n = strlen((const char *)junk.p);

    fx_setup(&x);
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "disk.tgz";
    fd = write_temp(NULL, &tgz, path);
    CHECK_OK(src_archive_scan_fd(fd, &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
    close(fd);
    unlink(path);
    /* A zip (read with seeks) that starts 44 bytes into the file, where fd points. */
    tmpl.path = "disk.zip";
    fd = write_temp(&junk, &zip, path);
    CHECK_OK(src_archive_scan_fd(fd, &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
    close(fd);
    unlink(path);
    /* Not an archive: scanned as plain bytes from where it started. */
    tmpl.path = "notes.txt";
    fd = write_temp(NULL, &plain, path);
    CHECK_OK(src_archive_scan_fd(fd, &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
    close(fd);
    unlink(path);
    CHECK(x.stats.damaged == 1 && x.stats.errors == 0 /* all scanned */);
    /* A pipe cannot seek: a zip is read from its local headers. */
    CHECK(pipe(pfd) == 0);
    {
        struct mem z;
        wr_begin(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE);
        wr_add_str(&w, "piped.env", t4);
        z = wr_end(&w);
        CHECK(z.n < 60000);
        CHECK(write(pfd[1], z.p, z.n) == (ssize_t)z.n);
        close(pfd[1]);
        tmpl.path = "-";
        CHECK_OK(src_archive_scan_fd(pfd[0], &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
        close(pfd[0]);
        free(z.p);
    }
    CHECK(found_at(&x, id1, "disk.tgz!in/tgz.env", 4) == 1);
    CHECK(found_at(&x, id2, "disk.zip!in/zip.env", 6) == 1);
    CHECK(found_at(&x, id1, "disk.zip!in/nested.tgz!in/tgz.env", 4) == 1);
    CHECK(found_at(&x, id3, "notes.txt", 2) == 1);
    CHECK(found_at(&x, id4, "-!piped.env", 3) == 1);
    fx_teardown(&x);

    free(t1);
    free(t2);
    free(t3);
    free(t4);
    free(tgz.p);
    free(zip.p);
}

static const struct test tests[] = {
    TEST(test_archive__default_limits),
    TEST(test_archive__sniff),
    TEST(test_archive__each_format),
    TEST(test_archive__zip_in_tar_in_zip_with_provenance),
    TEST(test_archive__key_at_chunk_boundary_in_compressed_member),
    TEST(test_archive__zip_bomb_stops_at_limits),
    TEST(test_archive__overlapping_zip_entries),
    TEST(test_archive__nesting_deeper_than_max_depth),
    TEST(test_archive__member_count_limit),
    TEST(test_archive__overlong_member_name),
    TEST(test_archive__absolute_dotdot_and_control_names),
    TEST(test_archive__truncated_archives),
    TEST(test_archive__corrupt_bytes),
    TEST(test_archive__not_an_archive_is_scanned_as_bytes),
    TEST(test_archive__encrypted_member_skipped),
    TEST(test_archive__callback_failure_stops_the_walk),
    TEST(test_archive__scan_fd),
};

int main(int argc, char **argv)
{
    return fx_main(tests, ARRAY_SIZE(tests), argc, argv);
}
