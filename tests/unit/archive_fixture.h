/*
 * tests/unit/archive_fixture.h - what the archive tests share: archives written in memory
 * with libarchive's writer, fake keys in .env-like text, and a scanning pipeline that
 * records every blob and finding (fx_*). Included by test_archive.c and
 * test_archive_loss.c only.
 */
#ifndef SESAME_TEST_ARCHIVE_FIXTURE_H
#define SESAME_TEST_ARCHIVE_FIXTURE_H

#include "source/src_archive.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "finding/findings.h"
#include "harness.h"
#include "match/engine.h"
#include "rules/fakekey.h"
#include "rules/rule.h"
#include "scanbuf.h"
#include "source/source.h"

#define MIB (1024u * 1024)

/* ------------------------------------------------------------------ building archives */

struct mem {
    unsigned char *p;
    size_t n, cap;
};

static inline la_ssize_t mem_write(struct archive *a, void *cd, const void *p, size_t n)
{
    struct mem *m = cd;
    (void)a;
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->p = xrealloc(m->p, m->cap);
    }
    memcpy(m->p + m->n, p, n);
    m->n += n;
    return (la_ssize_t)n;
}

struct writer {
    struct archive *a;
    struct mem out;
};

/* format: ARCHIVE_FORMAT_*, filter: ARCHIVE_FILTER_* (NONE for none), options: e.g.
 * "zip:compression=store" or NULL, passphrase or NULL. */
static inline void wr_begin_opts(struct writer *w, int format, int filter, const char *options,
                          const char *passphrase)
{
    memset(w, 0, sizeof(*w));
    w->a = archive_write_new();
    CHECK(archive_write_set_format(w->a, format) == ARCHIVE_OK);
    if (filter != ARCHIVE_FILTER_NONE)
        CHECK(archive_write_add_filter(w->a, filter) == ARCHIVE_OK);
    if (options)
        CHECK(archive_write_set_options(w->a, options) == ARCHIVE_OK);
    if (passphrase)
        CHECK(archive_write_set_passphrase(w->a, passphrase) == ARCHIVE_OK);
    archive_write_set_bytes_in_last_block(w->a, 1);
    CHECK(archive_write_open(w->a, &w->out, NULL, mem_write, NULL) == ARCHIVE_OK);
}

static inline void wr_begin(struct writer *w, int format, int filter)
{
    wr_begin_opts(w, format, filter, NULL, NULL);
}

static inline void wr_header(struct writer *w, const char *name, size_t len)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, 1700000000, 0);
    CHECK(archive_write_header(w->a, e) == ARCHIVE_OK);
    archive_entry_free(e);
}

static inline void wr_data(struct writer *w, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        la_ssize_t r = archive_write_data(w->a, p, len);
        CHECK(r > 0);
        if (r <= 0)
            return;
        p += r;
        len -= (size_t)r;
    }
}

static inline void wr_add(struct writer *w, const char *name, const void *data, size_t len)
{
    wr_header(w, name, len);
    wr_data(w, data, len);
}

static inline void wr_add_str(struct writer *w, const char *name, const char *text)
{
    wr_add(w, name, text, strlen(text));
}

static inline void wr_dir(struct writer *w, const char *name)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_size(e, 0);
    CHECK(archive_write_header(w->a, e) == ARCHIVE_OK);
    archive_entry_free(e);
}

/* A member of `len` bytes of `byte`, written in pieces (never held whole in memory). */
static inline void wr_add_fill(struct writer *w, const char *name, const char *prefix, int byte,
                        size_t len)
{
    static unsigned char block[1 << 16];
    size_t plen = prefix ? strlen(prefix) : 0;

    memset(block, byte, sizeof(block));
    wr_header(w, name, plen + len);
    if (plen)
        wr_data(w, prefix, plen);
    while (len > 0) {
        size_t k = len < sizeof(block) ? len : sizeof(block);
        wr_data(w, block, k);
        len -= k;
    }
}

static inline struct mem wr_end(struct writer *w)
{
    CHECK(archive_write_close(w->a) == ARCHIVE_OK);
    archive_write_free(w->a);
    return w->out;
}

/* ------------------------------------------------------------------ keys and texts */

static inline void new_id(struct fakekey_rng *rng, char id[21])
{
    fakekey_access_key_id(rng, "AKIA", true, id);
}

/* An env-style file whose line `key_line` holds the key ID. */
static inline char *env_text(const char *id, int key_line)
{
    char *t = xstrdup("");
    for (int i = 1; i < key_line; i++) {
        char *n = xasprintf("%s# setting %d of the service\n", t, i);
        free(t);
        t = n;
    }
    {
        char *n = xasprintf("%saws_access_key_id = %s\nregion = eu-west-1\n", t, id);
        free(t);
        t = n;
    }
    return t;
}

/* ------------------------------------------------------------------ the pipeline */

static struct ruleset g_rs = RULESET_INIT;
static struct engine *g_engine;

struct fx {
    struct findings *f;
    struct scanbuf *sb;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    bool built;
    struct archive_limits lim;
    struct archive_stats stats;
    unsigned char *buf;
    /* every blob: chunk invariants and the member paths seen */
    char *cur_path;
    uint64_t cur_end;
    size_t bad_chunks;
    size_t blobs;
    size_t max_chunks_of_one; /* most chunks seen for one member */
    size_t chunks_of_cur;
    char **paths;
    size_t n_paths, cap_paths;
    size_t fail_after; /* callback fails on this blob (1-based); 0 = never */
};

static inline void fx_setup(struct fx *x)
{
    memset(x, 0, sizeof(*x));
    if (!g_engine) {
        CHECK_OK(ruleset_load(&g_rs, false, NULL, 0));
        CHECK_OK(engine_new(&g_engine, &g_rs, NULL));
    }
    findings_new(&x->f);
    CHECK_OK(scanbuf_new(&x->sb, g_engine, &g_rs, x->f));
    src_archive_default_limits(&x->lim);
}

static inline void dump(struct fx *x);

static inline void fx_teardown(struct fx *x)
{
    if (getenv("SESAME_TEST_DUMP")) /* debugging aid: what was seen and found */
        dump(x);
    CHECK(x->bad_chunks == 0);
    scanbuf_free(x->sb);
    findings_free(x->f);
    free(x->buf);
    free(x->cur_path);
    for (size_t i = 0; i < x->n_paths; i++)
        free(x->paths[i]);
    free(x->paths);
}

static inline enum status collect(const struct blob *b, void *payload)
{
    struct fx *x = payload;
    const char *path = b->path ? b->path : "";

    x->blobs++;
    if (x->fail_after && x->blobs >= x->fail_after)
        return fail(STATUS_IO, "callback refused blob %zu", x->blobs);
    /* The same scheme as src_fs_read: chunks of one member (or of one run of plain
     * bytes, which may start anywhere) follow each other, and the owned ranges
     * (offset + own_from, offset + own_to] tile it exactly. */
    if (b->len > LIMIT_CHUNK_BYTES || b->own_from > b->own_to || b->own_to > b->len)
        x->bad_chunks++;
    if (b->own_from == 0) {
        if (b->offset == 0 && (b->line != 1 || b->column0 != 0))
            x->bad_chunks++;
        free(x->cur_path);
        x->cur_path = xstrdup(path);
        x->chunks_of_cur = 0;
        XGROW(x->paths, x->cap_paths, x->n_paths + 1);
        x->paths[x->n_paths++] = xstrdup(path);
    } else if (!x->cur_path || strcmp(x->cur_path, path) != 0 ||
               b->offset + b->own_from != x->cur_end) {
        x->bad_chunks++;
    }
    x->cur_end = b->offset + b->own_to;
    if (++x->chunks_of_cur > x->max_chunks_of_one)
        x->max_chunks_of_one = x->chunks_of_cur;
    return scanbuf_scan(x->sb, b);
}

static inline enum status fx_scan(struct fx *x, const struct mem *m, const char *path)
{
    struct blob tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path;
    return src_archive_scan_mem(m->p, m->n, &tmpl, &x->lim, &x->buf, collect, x, &x->stats);
}

/* Findings are built once, after the last scan of a fixture. */
static inline void fx_build(struct fx *x)
{
    struct findings_opts fo = { (const char *const *)g_rs.smtp_regions, g_rs.n_smtp_regions,
                                false, 1 };
    if (!x->built)
        findings_build(x->f, &fo, &x->out, &x->n, &x->hidden);
    x->built = true;
}

/* Locations of key `id` at `path` (and `line` unless 0). */
static inline size_t found_at(struct fx *x, const char *id, const char *path, uint64_t line)
{
    size_t k = 0;
    fx_build(x);
    for (size_t i = 0; i < x->n; i++) {
        const struct finding *f = x->out[i];
        if (!f->access_key_id || strcmp(f->access_key_id, id) != 0)
            continue;
        for (size_t j = 0; j < f->n_locations; j++)
            if (f->locations[j].part == CRED_ACCESS_KEY_ID &&
                (!path || strcmp(f->locations[j].path, path) == 0) &&
                (line == 0 || f->locations[j].line == line))
                k++;
    }
    return k;
}

static inline void dump(struct fx *x)
{
    fx_build(x);
    for (size_t i = 0; i < x->n_paths; i++)
        fprintf(stderr, "  path %s\n", x->paths[i]);
    for (size_t i = 0; i < x->n; i++)
        for (size_t j = 0; j < x->out[i]->n_locations; j++)
            fprintf(stderr, "  key %s at %s:%llu:%llu offset %llu\n",
                    x->out[i]->access_key_id ? x->out[i]->access_key_id : "-",
                    x->out[i]->locations[j].path,
                    (unsigned long long)x->out[i]->locations[j].line,
                    (unsigned long long)x->out[i]->locations[j].column,
                    (unsigned long long)x->out[i]->locations[j].offset);
}

static inline bool saw_path(const struct fx *x, const char *path)
{
    for (size_t i = 0; i < x->n_paths; i++)
        if (strcmp(x->paths[i], path) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------ tests */

static inline uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline void wr16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void wr32(unsigned char *p, uint32_t v)
{
    wr16(p, v);
    wr16(p + 2, v >> 16);
}

static inline int write_temp(const struct mem *prefix, const struct mem *m, char *path)
{
    const char *dir = getenv("TMPDIR");
    int fd;
    snprintf(path, 256, "%s/sesame-archive-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return -1;
    if (prefix)
        CHECK(write(fd, prefix->p, prefix->n) == (ssize_t)prefix->n);
    CHECK(write(fd, m->p, m->n) == (ssize_t)m->n);
    CHECK(lseek(fd, prefix ? (off_t)prefix->n : 0, SEEK_SET) >= 0);
    return fd;
}

/* Run the tests, then free the rules and engine the fixture loaded once. */
static inline int fx_main(const struct test *tests, size_t n, int argc, char **argv)
{
    int rc = harness_run(tests, n, argc, argv);
    engine_free(g_engine);
    ruleset_release(&g_rs);
    return rc;
}

#endif
