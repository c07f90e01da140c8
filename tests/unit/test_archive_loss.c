/*
 * tests/unit/test_archive_loss.c - issue 11, "nothing lost", for archives: a stream of
 * zeros first, bytes after an archive's end, archives one after another, zips found by
 * their end record, damaged members scanned as far as they decode, inputs from files and
 * pipes, columns across chunks. Built with the same fixture as test_archive.c.
 */
#include "archive_fixture.h"

/* Locations of key `id` (its ID part) at exactly path:line:column, offset. */
static size_t found_exactly(struct fx *x, const char *id, const char *path, uint64_t line,
                            uint64_t column, uint64_t offset)
{
    size_t k = 0;
    fx_build(x);
    for (size_t i = 0; i < x->n; i++) {
        const struct finding *f = x->out[i];
        if (!f->access_key_id || strcmp(f->access_key_id, id) != 0)
            continue;
        for (size_t j = 0; j < f->n_locations; j++) {
            const struct location *l = &f->locations[j];
            if (l->part == CRED_ACCESS_KEY_ID && strcmp(l->path, path) == 0 &&
                l->line == line && l->column == column && l->offset == offset)
                k++;
        }
    }
    return k;
}

/* Where `id` is in p[0, n): exactly one place, found the way a reader of the file would. */
static size_t found_as_in(struct fx *x, const char *id, const char *path,
                          const unsigned char *p, size_t n)
{
    size_t len = strlen(id), off = SIZE_MAX;
    uint64_t line = 1, column = 1;

    for (size_t i = 0; i + len <= n; i++)
        if (memcmp(p + i, id, len) == 0) {
            CHECK(off == SIZE_MAX);
            off = i;
        }
    CHECK(off != SIZE_MAX);
    if (off == SIZE_MAX)
        return 0;
    for (size_t i = 0; i < off; i++) {
        column = p[i] == '\n' ? 1 : column + 1;
        line += p[i] == '\n';
    }
    if (found_exactly(x, id, path, line, column, off) != 1) {
        fprintf(stderr, "key %s not at %s:%llu:%llu (offset %zu); seen:\n", id, path,
                (unsigned long long)line, (unsigned long long)column, off);
        dump(x);
    }
    return found_exactly(x, id, path, line, column, off);
}

static struct mem mem_cat(const struct mem *a, const void *b, size_t n)
{
    struct mem m;
    m.n = m.cap = a->n + n;
    m.p = xmalloc(m.n ? m.n : 1);
    if (a->n) /* a->p may be NULL (an empty start): memcpy wants a pointer all the same */
        memcpy(m.p, a->p, a->n);
    memcpy(m.p + a->n, b, n);
    return m;
}

/* One file compressed with `filter` (no archive around it). */
static struct mem stream_of(int filter, const void *data, size_t len)
{
    struct writer w;
    wr_begin(&w, ARCHIVE_FORMAT_RAW, filter);
    wr_add(&w, "data", data, len);
    return wr_end(&w);
}

static struct mem archive_of(int format, int filter, const char *name, const char *text)
{
    struct writer w;
    wr_begin(&w, format, filter);
    wr_add_str(&w, name, text);
    return wr_end(&w);
}

static const struct {
    const char *name; /* its decoded bytes are reported as "<name>!z" */
    int filter;
} streams[] = {
    { "z.gz", ARCHIVE_FILTER_GZIP },  { "z.xz", ARCHIVE_FILTER_XZ },
    { "z.bz2", ARCHIVE_FILTER_BZIP2 }, { "z.zst", ARCHIVE_FILTER_ZSTD },
    { "z.lz4", ARCHIVE_FILTER_LZ4 },
};

/* Issue 11 item 4: a compressed stream whose data begins with 512 zero bytes was taken
 * for an empty tar and nothing was scanned (511 zero bytes: found). */
static void test_archive__issue_11_stream_of_512_zeros_is_scanned(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1101);

    for (size_t i = 0; i < ARRAY_SIZE(streams); i++)
        for (size_t zeros = 511; zeros <= 1024; zeros += zeros == 511 ? 1 : 512) {
            struct fx x;
            char id[21];
            char *text, *path = xasprintf("%s!z", streams[i].name);
            unsigned char *data;
            size_t n;
            struct mem m;

            new_id(&rng, id);
            text = env_text(id, 2);
            n = zeros + strlen(text);
            data = xcalloc(n, 1);
            memcpy(data + zeros, text, strlen(text));
            m = stream_of(streams[i].filter, data, n);
            fx_setup(&x);
            CHECK_OK(fx_scan(&x, &m, streams[i].name));
            CHECK(found_as_in(&x, id, path, data, n) == 1);
            CHECK(x.stats.errors == 0);
            fx_teardown(&x);
            free(m.p);
            free(data);
            free(text);
            free(path);
        }
}

/* Issue 11 item 4: bytes after the end of an archive or compressed stream are scanned
 * as plain bytes, under the input's own path, at their offset and line in it. */
static void test_archive__issue_11_bytes_after_the_end(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1102);
    static const char empty_zip[22] = "PK\5\6";
    const char *clean = "# nothing here\nregion = eu-west-1\n";
    struct {
        const char *name;
        struct mem head;
    } cases[] = {
        { "x.tar", archive_of(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, "a", clean) },
        { "x.zip", archive_of(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "a", clean) },
        { "x.7z", archive_of(ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "a", clean) },
        { "e.zip", { (unsigned char *)xmalloc(22), 22, 22 } },
        { "x.gz", stream_of(ARCHIVE_FILTER_GZIP, clean, strlen(clean)) },
        { "x.xz", stream_of(ARCHIVE_FILTER_XZ, clean, strlen(clean)) },
        { "x.bz2", stream_of(ARCHIVE_FILTER_BZIP2, clean, strlen(clean)) },
        { "x.zst", stream_of(ARCHIVE_FILTER_ZSTD, clean, strlen(clean)) },
        { "x.lz4", stream_of(ARCHIVE_FILTER_LZ4, clean, strlen(clean)) },
        { "x.tgz", archive_of(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "a", clean) },
    };

    memcpy(cases[3].head.p, empty_zip, 22);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fx x;
        char id[21];
        char *text;
        struct mem m;

        new_id(&rng, id);
        text = env_text(id, 3);
        m = mem_cat(&cases[i].head, text, strlen(text));
        fx_setup(&x);
        CHECK_OK(fx_scan(&x, &m, cases[i].name));
        CHECK(found_as_in(&x, id, cases[i].name, m.p, m.n) == 1);
        CHECK(x.stats.errors == 0);
        fx_teardown(&x);
        free(m.p);
        free(text);
    }

    /* After a tar inside a compressed stream: in the decoded bytes ("x.tgz!x.tar"). */
    for (size_t i = 0; i < ARRAY_SIZE(streams); i++) {
        struct fx x;
        char id[21];
        char *text, *name = xasprintf("%s.tgz", streams[i].name), *path;
        struct mem tar = archive_of(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE,
                                    "a", clean);
        struct mem inner, m;

        path = xasprintf("%s!%s.tar", name, streams[i].name);
        new_id(&rng, id);
        text = env_text(id, 3);
        inner = mem_cat(&tar, text, strlen(text));
        m = stream_of(streams[i].filter, inner.p, inner.n);
        fx_setup(&x);
        CHECK_OK(fx_scan(&x, &m, name));
        CHECK(found_as_in(&x, id, path, inner.p, inner.n) == 1);
        CHECK(found_at(&x, id, NULL, 0) == 1);
        CHECK(x.stats.errors == 0);
        fx_teardown(&x);
        free(m.p);
        free(inner.p);
        free(tar.p);
        free(text);
        free(name);
        free(path);
    }
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        free(cases[i].head.p);
}

/* Issue 11 item 4: archives one after the other (two tars, also gzipped; two zips, the
 * key in the first; a zip after a tar): the members of each are found. */
static void test_archive__issue_11_concatenated_archives(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1103);
    const char *clean = "nothing=here\n";
    char id[4][21];
    char *t[4];
    struct mem a, b, m, gz, c, d;
    struct fx x;

    for (int i = 0; i < 4; i++) {
        new_id(&rng, id[i]);
        t[i] = env_text(id[i], 2);
    }
    fx_setup(&x);
    a = archive_of(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, "a.txt", clean);
    b = archive_of(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, "second.env", t[0]);
    m = mem_cat(&a, b.p, b.n);
    gz = stream_of(ARCHIVE_FILTER_GZIP, m.p, m.n);
    CHECK_OK(fx_scan(&x, &m, "two.tar"));
    CHECK_OK(fx_scan(&x, &gz, "two.tar.gz"));
    CHECK(found_as_in(&x, id[0], "two.tar!second.env", (unsigned char *)t[0], strlen(t[0])) == 1);
    CHECK(found_as_in(&x, id[0], "two.tar.gz!second.env", (unsigned char *)t[0],
                      strlen(t[0])) == 1);
    CHECK(x.stats.errors == 0);
    fx_teardown(&x);
    free(m.p);
    free(gz.p);
    free(b.p);

    fx_setup(&x);
    c = archive_of(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "first.env", t[1]);
    d = archive_of(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "b.txt", clean);
    m = mem_cat(&c, d.p, d.n);
    CHECK_OK(fx_scan(&x, &m, "two.zip"));
    CHECK(found_as_in(&x, id[1], "two.zip!first.env", (unsigned char *)t[1], strlen(t[1])) == 1);
    CHECK(x.stats.errors == 0);
    fx_teardown(&x);
    free(m.p);
    free(c.p);

    fx_setup(&x);
    c = archive_of(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "k.env", t[2]);
    m = mem_cat(&a, c.p, c.n);
    CHECK_OK(fx_scan(&x, &m, "tar-zip"));
    CHECK(found_as_in(&x, id[2], "tar-zip!k.env", (unsigned char *)t[2], strlen(t[2])) == 1);
    CHECK(x.stats.errors == 0);
    fx_teardown(&x);
    free(m.p);
    free(c.p);
    free(d.p);
    free(a.p);
    for (int i = 0; i < 4; i++)
        free(t[i]);
}

/* Move every offset a zip records by `by` (zip -A after a stub was put in front). */
static void zip_shift(unsigned char *p, size_t n, uint32_t by)
{
    size_t eocd = n - 22, at;
    CHECK(memcmp(p + eocd, "PK\5\6", 4) == 0);
    at = rd32(p + eocd + 16);
    wr32(p + eocd + 16, (uint32_t)at + by);
    while (at + 46 <= eocd && memcmp(p + at, "PK\1\2", 4) == 0) {
        wr32(p + at + 42, rd32(p + at + 42) + by);
        at += 46 + (size_t)rd16(p + at + 28) + rd16(p + at + 30) + rd16(p + at + 32);
    }
}

/* Issue 11 item 4: a zip with a shebang line in front (a self-running jar) is found by
 * its end record, opened, and its front scanned as plain bytes. */
static void test_archive__issue_11_zip_found_by_end_record(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1104);
    char id[21], id2[21];
    char *t, *stub, path[256];
    struct mem zip, m;
    struct fx x;
    struct blob tmpl;
    int fd;

    new_id(&rng, id);
    new_id(&rng, id2);
    t = env_text(id, 4);
    {
        char *t2 = env_text(id2, 1);
        stub = xasprintf("#!/bin/sh\n# %s\nexec java -jar \"$0\" \"$@\"\n", t2);
        free(t2);
    }
    zip = archive_of(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "BOOT-INF/app.env", t);
    for (int adjusted = 0; adjusted < 2; adjusted++) {
        struct mem s = { (unsigned char *)stub, strlen(stub), strlen(stub) };
        m = mem_cat(&s, zip.p, zip.n);
        if (adjusted)
            zip_shift(m.p + s.n, zip.n, (uint32_t)s.n);
        CHECK(!src_archive_sniff(m.p, m.n));
        CHECK(src_archive_sniff_whole(m.p, m.n));
        fx_setup(&x);
        CHECK_OK(fx_scan(&x, &m, "app.jar"));
        CHECK(found_as_in(&x, id, "app.jar!BOOT-INF/app.env", (unsigned char *)t, strlen(t)) == 1);
        CHECK(found_as_in(&x, id2, "app.jar", m.p, m.n) == 1);
        CHECK(x.stats.errors == 0 && x.stats.members == 1);
        fx_teardown(&x);

        /* From a file: sniffed and read the same way. */
        fd = write_temp(NULL, &m, path);
        CHECK(src_archive_sniff_fd(fd));
        fx_setup(&x);
        memset(&tmpl, 0, sizeof(tmpl));
        tmpl.path = "disk.jar";
        CHECK_OK(src_archive_scan_fd(fd, &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
        CHECK(found_as_in(&x, id, "disk.jar!BOOT-INF/app.env", (unsigned char *)t, strlen(t)) == 1);
        CHECK(found_as_in(&x, id2, "disk.jar", m.p, m.n) == 1);
        fx_teardown(&x);
        close(fd);
        unlink(path);
        free(m.p);
    }
    /* Plain text is no zip, whatever its end looks like. */
    {
        struct mem txt = { (unsigned char *)t, strlen(t), strlen(t) };
        CHECK(!src_archive_sniff_whole(txt.p, txt.n));
        fd = write_temp(NULL, &txt, path);
        CHECK(!src_archive_sniff_fd(fd));
        close(fd);
        unlink(path);
    }
    free(zip.p);
    free(stub);
    free(t);
}

/* Issue 11 item 5: a zip member with a bad CRC was skipped although it was inflated:
 * its bytes are scanned, and a warning is counted. */
static void test_archive__issue_11_bad_crc_member_is_scanned(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1105);
    char id[21];
    char *t;
    struct mem zip;
    size_t cd;
    struct fx x;

    new_id(&rng, id);
    t = env_text(id, 2);
    zip = archive_of(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "creds.env", t);
    zip.p[14] ^= 0x5a; /* the CRC in the local header ... */
    for (cd = 0; cd + 4 <= zip.n && memcmp(zip.p + cd, "PK\1\2", 4) != 0; cd++)
        ;
    CHECK(cd + 4 <= zip.n);
    zip.p[cd + 16] ^= 0x5a; /* ... and in the central directory */
    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &zip, "bad.zip"));
    CHECK(found_as_in(&x, id, "bad.zip!creds.env", (unsigned char *)t, strlen(t)) == 1);
    CHECK(x.stats.damaged == 1 && x.stats.errors == 0 /* all scanned */);
    fx_teardown(&x);
    free(zip.p);
    free(t);
}

/* A compressed stream cut short: what it decodes to is scanned, with an error. gzip is
 * decoded to its last byte (libarchive dropped its last 64 KiB output block). */
static void test_archive__issue_11_truncated_stream_prefix_is_scanned(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1106);

    for (size_t cut = 4; cut <= 16; cut += 12) {
        struct fx x;
        char id[21];
        char *t;
        struct mem m;

        new_id(&rng, id);
        t = env_text(id, 2);
        m = stream_of(ARCHIVE_FILTER_GZIP, t, strlen(t));
        m.n -= cut; /* into the trailer, or into the deflate data */
        fx_setup(&x);
        CHECK_OK(fx_scan(&x, &m, "t.gz"));
        CHECK(found_as_in(&x, id, "t.gz!t", (unsigned char *)t, strlen(t)) == 1);
        CHECK(x.stats.errors == 1);
        fx_teardown(&x);
        free(m.p);
        free(t);
    }
}

/* Trailing bytes read from a file and from a pipe (front to back, through the tap). */
static void test_archive__issue_11_bytes_after_the_end_from_fd_and_pipe(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1107);
    char id1[21], id2[21];
    char *t1, *t2, path[256];
    struct mem tar, tgz, m1, m2;
    struct blob tmpl;
    struct fx x;
    int fd, pfd[2];

    new_id(&rng, id1);
    new_id(&rng, id2);
    t1 = env_text(id1, 5);
    t2 = env_text(id2, 2);
    tar = archive_of(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, "a", "a\nb\n");
    tgz = archive_of(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "a", "a\nb\n");
    m1 = mem_cat(&tar, t1, strlen(t1));
    m2 = mem_cat(&tgz, t2, strlen(t2));
    CHECK(m2.n < 60000);

    fx_setup(&x);
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = "disk.tar";
    fd = write_temp(NULL, &m1, path);
    CHECK_OK(src_archive_scan_fd(fd, &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
    close(fd);
    unlink(path);
    CHECK(pipe(pfd) == 0);
    CHECK(write(pfd[1], m2.p, m2.n) == (ssize_t)m2.n);
    close(pfd[1]);
    tmpl.path = "-";
    CHECK_OK(src_archive_scan_fd(pfd[0], &tmpl, &x.lim, &x.buf, collect, &x, &x.stats));
    close(pfd[0]);
    CHECK(found_as_in(&x, id1, "disk.tar", m1.p, m1.n) == 1);
    CHECK(found_as_in(&x, id2, "-", m2.p, m2.n) == 1);
    CHECK(x.stats.errors == 0);
    fx_teardown(&x);
    free(tar.p);
    free(tgz.p);
    free(m1.p);
    free(m2.p);
    free(t1);
    free(t2);
}

/* A key in a later chunk of a member, on a line that began in the chunk before: its
 * column counts from the start of that line (chunks carry column0). */
static void test_archive__column_of_a_key_on_a_line_across_chunks(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1108);
    size_t len = LIMIT_CHUNK_BYTES + 4096, line_start = LIMIT_CHUNK_BYTES - 20000;
    size_t at = LIMIT_CHUNK_BYTES - 4000;
    char id[21];
    char *big = xmalloc(len);
    struct mem zip;
    struct fx x;

    new_id(&rng, id);
    for (size_t i = 0; i < len; i++)
        big[i] = (i % 80 == 79 && i < line_start) ? '\n' : 'x';
    big[line_start - 1] = '\n';
    memcpy(big + at - 1, " ", 1);
    memcpy(big + at, id, 20);
    big[at + 20] = ' ';
    {
        struct writer w;
        wr_begin_opts(&w, ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression=store", NULL);
        wr_add(&w, "big.log", big, len);
        zip = wr_end(&w);
    }
    fx_setup(&x);
    CHECK_OK(fx_scan(&x, &zip, "big.zip"));
    CHECK(x.max_chunks_of_one == 2);
    CHECK(found_as_in(&x, id, "big.zip!big.log", (unsigned char *)big, len) == 1);
    CHECK(x.stats.limits_hit == 0); /* a stored member read from memory is no bomb */
    fx_teardown(&x);
    free(zip.p);
    free(big);
}

/* More archives one after another than LIMIT_ARCHIVE_SEGMENTS: a limit, said, and the
 * rest still scanned as plain bytes (a key stored in the last tar is found there). */
static void test_archive__many_archives_in_a_row(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1109);
    char id[21];
    char *t;
    struct mem one, last, all = { NULL, 0, 0 };
    struct fx x;

    new_id(&rng, id);
    t = env_text(id, 2);
    one = archive_of(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, "a.txt", "a\n");
    last = archive_of(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, "k.env", t);
    for (unsigned i = 0; i < LIMIT_ARCHIVE_SEGMENTS + 10; i++) {
        struct mem m = mem_cat(&all, one.p, one.n);
        free(all.p);
        all = m;
    }
    {
        struct mem m = mem_cat(&all, last.p, last.n);
        free(all.p);
        all = m;
    }
    fx_setup(&x);
    log_set_quiet(1);
    CHECK_OK(fx_scan(&x, &all, "many.tar"));
    log_set_quiet(0);
    CHECK(x.stats.limits_hit == 1);
    CHECK(x.stats.members == LIMIT_ARCHIVE_SEGMENTS);
    CHECK(found_as_in(&x, id, "many.tar", all.p, all.n) == 1);
    fx_teardown(&x);
    free(all.p);
    free(one.p);
    free(last.p);
    free(t);
}

static const struct test tests[] = {
    TEST(test_archive__issue_11_stream_of_512_zeros_is_scanned),
    TEST(test_archive__issue_11_bytes_after_the_end),
    TEST(test_archive__issue_11_concatenated_archives),
    TEST(test_archive__issue_11_zip_found_by_end_record),
    TEST(test_archive__issue_11_bad_crc_member_is_scanned),
    TEST(test_archive__issue_11_truncated_stream_prefix_is_scanned),
    TEST(test_archive__issue_11_bytes_after_the_end_from_fd_and_pipe),
    TEST(test_archive__column_of_a_key_on_a_line_across_chunks),
    TEST(test_archive__many_archives_in_a_row),
};

int main(int argc, char **argv)
{
    return fx_main(tests, ARRAY_SIZE(tests), argc, argv);
}
