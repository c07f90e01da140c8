/*
 * source/src_archive.c - archives read with libarchive, in memory: each member is
 * streamed to the blob callback in overlapping chunks, nested archives are opened
 * recursively, and every limit is enforced while decoding, not after.
 *
 * Nothing is extracted: member names are display text only, never paths on disk.
 * Formats that can touch the file system (mtree) and filters that would run an
 * external program are not enabled. The tricky point is accounting: every byte a
 * libarchive decoder produces, at any depth, counts against the top-level archive's
 * byte and ratio limits, so a bomb stops wherever it is nested.
 */
#include "source/src_archive.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"

/* The ratio limit applies once this much has been produced: tiny archives of
 * repetitive text legitimately expand far more than any sane ratio. */
#define ARCHIVE_RATIO_FLOOR_BYTES (1024u * 1024)

/* Read size for archives read from a file descriptor. */
#define ARCHIVE_FD_BLOCK_BYTES (256u * 1024)

/* Most bytes asked of libarchive at once: the limits are checked between reads, so
 * this bounds how far past a limit decoding can go. */
#define ARCHIVE_READ_STEP_BYTES (256u * 1024)

/* A nested archive's buffer is first sized from its header up to this much. */
#define ARCHIVE_SIZE_HINT_BYTES (64u * 1024 * 1024)

/* Warnings printed per top-level archive; an archive of 100000 encrypted or
 * overlong-named members must not flood stderr. Counters keep counting. */
#define ARCHIVE_WARNINGS_MAX 50u

/* Consecutive unreadable headers before an archive is given up as corrupt. */
#define ARCHIVE_BAD_HEADERS_MAX 16u

/* The walk over one top-level archive, nested archives included. */
struct walk {
    const struct archive_limits *lim;
    unsigned char **buf;
    blob_fn *fn;
    void *payload;
    struct archive_stats *stats;
    const char *top_name;   /* display path of the top-level archive */
    struct archive *top;    /* the top-level reader: its input position is the compressed size */
    uint64_t top_in;        /* largest input position seen on `top` */
    uint64_t produced;      /* bytes decoded at every depth */
    uint64_t members;       /* headers read at every depth */
    unsigned warnings;
    bool stop;              /* a limit for the whole archive was hit, or fn failed */
    enum status cb_st;      /* first failure of fn: ends the walk and is returned */
};

/* One member as a blob template: display path and one path per provenance entry. */
struct member {
    struct blob tmpl;
    char *path;
    struct provenance *prov;
    size_t n_prov;
};

/* Where a stream's bytes come from. *got == 0 with STATUS_OK means the end; any other
 * status has its message recorded with fail(). */
typedef enum status read_fn(void *src, unsigned char *p, size_t n, size_t *got);

/* A member's data, read through libarchive with accounting. */
struct member_src {
    struct walk *w;
    struct archive *a;
    const char *path;
    bool fatal;             /* the archive cannot go on after this error */
};

/* A file descriptor, for archives read from a file and for the plain-bytes fallback. */
struct fd_src {
    int fd;
    off_t start;            /* position of the archive's first byte */
    unsigned char *block;
    bool seekable;
};

static const struct archive_limits default_limits = {
    .max_total_bytes = 1024ull * 1024 * 1024,
    .max_ratio = 200.0,
    .max_members = 100000,
    .max_depth = 3,
    .max_name_bytes = 4096,
};

void src_archive_default_limits(struct archive_limits *lim)
{
    *lim = default_limits;
}

/* ------------------------------------------------------------------ sniffing */

static bool starts_with(const unsigned char *p, size_t n, const char *magic, size_t len)
{
    return n >= len && memcmp(p, magic, len) == 0;
}

static bool tar_header_checksum_ok(const unsigned char *h)
{
    uint64_t want = 0, sum = 0;
    size_t i = 148;

    while (i < 156 && h[i] == ' ')
        i++;
    if (i == 156 || h[i] < '0' || h[i] > '7')
        return false;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
        want = want * 8 + (uint64_t)(h[i] - '0');
    for (i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? (uint64_t)' ' : h[i];
    return sum == want;
}

bool src_archive_sniff(const unsigned char *p, size_t n)
{
    if (!p)
        return false;
    if (starts_with(p, n, "PK\3\4", 4) || starts_with(p, n, "PK\5\6", 4) ||
        starts_with(p, n, "PK\7\10", 4))
        return true; /* zip: local header, empty archive, spanned-archive marker */
    if (starts_with(p, n, "\x1f\x8b\x08", 3))
        return true; /* gzip, deflate */
    if (n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
        return true; /* bzip2: a block or the end-of-stream marker must follow */
    if (starts_with(p, n, "\xfd" "7zXZ\0", 6) || starts_with(p, n, "\x28\xb5\x2f\xfd", 4) ||
        starts_with(p, n, "7z\xbc\xaf\x27\x1c", 6) || starts_with(p, n, "\x04\x22\x4d\x18", 4) ||
        starts_with(p, n, "LZIP\x01", 5))
        return true; /* xz, zstd, 7z, lz4 frame, lzip v1 */
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x9d && (p[2] & 0x60) == 0 && (p[2] & 0x1f) >= 9 &&
        (p[2] & 0x1f) <= 16)
        return true; /* compress (.Z) with a valid bit width */
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
        return n < 512 || tar_header_checksum_ok(p); /* ustar, pax, GNU tar */
    return false;
}

/* ------------------------------------------------------------------ helpers */

static const char *blob_name(const struct blob *b)
{
    if (b->path)
        return b->path;
    if (b->n_prov && b->prov[0].path)
        return b->prov[0].path;
    return "-";
}

/* Copy of `s` with control characters (and DEL) shown as '?': member names and
 * libarchive messages come from the input and must not drive the terminal. */
static char *sanitize(const char *s, size_t max_bytes)
{
    size_t n = strnlen(s, max_bytes);
    char *out = xmalloc(n + 1);

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[n] = '\0';
    return out;
}

static void walk_warn(struct walk *w, const char *fmt, ...) FORMAT(2, 3);

static void walk_warn(struct walk *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (w->warnings++ >= ARCHIVE_WARNINGS_MAX) {
        if (w->warnings == ARCHIVE_WARNINGS_MAX + 1)
            log_warn("'%s': more warnings about this archive are not shown", w->top_name);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log_warn("%s", line);
}

/* A limit of the whole top-level archive was hit: say so and stop the walk. */
static void walk_limit(struct walk *w)
{
    walk_warn(w, "%s", status_message());
    w->stats->limits_hit++;
    w->stop = true;
}

/* libarchive's last message for `a` (or `otherwise`), sanitized: it may quote member
 * names. */
static char *archive_message(struct archive *a, const char *otherwise)
{
    const char *m = archive_error_string(a);
    return sanitize(m && *m ? m : otherwise, 300);
}

static void member_init(struct member *m, const struct blob *parent, const char *name)
{
    memset(m, 0, sizeof(*m));
    m->tmpl = *parent;
    m->path = xasprintf("%s!%s", blob_name(parent), name);
    m->tmpl.path = m->path;
    m->tmpl.data = NULL;
    m->tmpl.len = 0;
    m->tmpl.offset = 0;
    m->tmpl.line = 1;
    m->tmpl.own_from = 0;
    m->tmpl.own_to = 0;
    if (parent->n_prov) {
        m->n_prov = parent->n_prov;
        m->prov = xcalloc(parent->n_prov, sizeof(*m->prov));
        for (size_t k = 0; k < parent->n_prov; k++) {
            const char *pp = parent->prov[k].path ? parent->prov[k].path : "-";
            m->prov[k].path = xasprintf("%s!%s", pp, name);
            m->prov[k].commit = parent->prov[k].commit;
        }
        m->tmpl.prov = m->prov;
    }
}

static void member_release(struct member *m)
{
    for (size_t k = 0; k < m->n_prov; k++)
        free((char *)m->prov[k].path);
    free(m->prov);
    free(m->path);
    memset(m, 0, sizeof(*m));
}

/* Count n more decoded bytes against the top-level limits. */
static enum status account(struct walk *w, const char *path, uint64_t n)
{
    const struct archive_limits *lim = w->lim;
    int64_t in;

    w->produced += n;
    if (w->produced > lim->max_total_bytes)
        return fail(STATUS_LIMIT,
                    "'%s': archive limit hit: more than %" PRIu64
                    " uncompressed bytes in '%s', the rest of it is skipped",
                    path, lim->max_total_bytes, w->top_name);
    if (w->produced < ARCHIVE_RATIO_FLOOR_BYTES)
        return STATUS_OK;
    in = archive_filter_bytes(w->top, -1);
    if (in > 0 && (uint64_t)in > w->top_in)
        w->top_in = (uint64_t)in;
    if ((double)w->produced > lim->max_ratio * (double)(w->top_in ? w->top_in : 1))
        return fail(STATUS_LIMIT,
                    "'%s': archive limit hit: '%s' expands more than %g times its compressed "
                    "size, the rest of it is skipped",
                    path, w->top_name, lim->max_ratio);
    return STATUS_OK;
}

static enum status member_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct member_src *m = src;
    la_ssize_t r;

    uint64_t room = m->w->lim->max_total_bytes - m->w->produced;

    *got = 0;
    if (n == 0)
        return STATUS_OK;
    /* One byte past the budget is enough to know that it is exceeded. */
    if (n > ARCHIVE_READ_STEP_BYTES)
        n = ARCHIVE_READ_STEP_BYTES;
    if (room < n)
        n = (size_t)room + 1;
    r = archive_read_data(m->a, p, n);
    if (r < 0) {
        char *msg = archive_message(m->a, "read error");
        enum status st = fail(STATUS_CORRUPT, "'%s': cannot read member: %s", m->path, msg);
        m->fatal = r == ARCHIVE_FATAL;
        free(msg);
        return st;
    }
    if ((size_t)r > n)
        return fail(STATUS_BUG, "'%s': libarchive returned more than asked", m->path);
    *got = (uint64_t)r > room ? (size_t)room : (size_t)r; /* never scan past the budget */
    return account(m->w, m->path, (uint64_t)r);
}

static enum status fd_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct fd_src *f = src;

    *got = 0;
    for (;;) {
        ssize_t r = read(f->fd, p, n);
        if (r >= 0) {
            *got = (size_t)r;
            return STATUS_OK;
        }
        if (errno != EINTR)
            return fail(STATUS_IO, "read error: %s", strerror(errno));
    }
}

/* Fill p[0, n) unless the stream ends or fails first; *got says how much arrived. */
static enum status read_full(read_fn *rd, void *src, unsigned char *p, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t k = 0;
        enum status st = rd(src, p + *got, n - *got, &k);
        *got += k;
        if (st != STATUS_OK)
            return st;
        if (k == 0)
            break;
    }
    return STATUS_OK;
}

static void ensure_buf(struct walk *w)
{
    if (!*w->buf)
        *w->buf = xmalloc(LIMIT_CHUNK_BYTES + 1);
}

static enum status emit(struct walk *w, const struct blob *b)
{
    enum status st = w->fn(b, w->payload);
    if (st != STATUS_OK) {
        w->cb_st = st;
        w->stop = true;
    }
    return st;
}

/*
 * Hand a stream to the callback in chunks of LIMIT_CHUNK_BYTES overlapping by
 * LIMIT_CHUNK_OVERLAP, exactly as src_fs_read_fd does: a chunk owns the matches that
 * end in (own_from, own_to], the cut lying in the middle of each overlap. (*w->buf)
 * already holds the stream's first `have` bytes; `eof` says whether that is all.
 * Returns the reader's status (bytes read before a failure are still scanned); a
 * callback failure is in w->cb_st.
 */
static enum status stream(struct walk *w, const struct blob *tmpl, read_fn *rd, void *src,
                          size_t have, bool eof)
{
    unsigned char *buf = *w->buf;
    struct blob b = *tmpl;
    uint64_t base = 0, line = 1;
    size_t own_from = 0;
    enum status rst = STATUS_OK;

    w->stats->bytes += have;
    for (;;) {
        size_t got = 0;
        bool more;

        if (!eof && have < LIMIT_CHUNK_BYTES) {
            rst = read_full(rd, src, buf + have, LIMIT_CHUNK_BYTES - have, &got);
            have += got;
            w->stats->bytes += got;
            eof = rst != STATUS_OK || have < LIMIT_CHUNK_BYTES;
        }
        if (!eof) {
            /* A full chunk: is there more? Peek one byte into the spare slot. */
            rst = read_full(rd, src, buf + LIMIT_CHUNK_BYTES, 1, &got);
            w->stats->bytes += got;
            eof = got == 0;
        }
        more = !eof;
        b.data = buf;
        b.len = more ? LIMIT_CHUNK_BYTES : have;
        b.offset = base;
        b.line = line;
        b.own_from = own_from;
        b.own_to = more ? LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 : have;
        if ((b.len > 0 || base == 0) && emit(w, &b) != STATUS_OK)
            return STATUS_OK;
        if (!more)
            return rst;
        {
            size_t keep_from = LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP;
            unsigned char peek = buf[LIMIT_CHUNK_BYTES];
            for (const unsigned char *p = buf, *end = buf + keep_from;
                 (p = memchr(p, '\n', (size_t)(end - p))); p++)
                line++;
            memmove(buf, buf + keep_from, LIMIT_CHUNK_OVERLAP);
            base += keep_from;
            have = LIMIT_CHUNK_OVERLAP;
            buf[have++] = peek;
            own_from = LIMIT_CHUNK_OVERLAP / 2;
        }
    }
}

/* An in-memory input that is not an archive after all: scan its bytes as they are. */
static void feed_plain(struct walk *w, const struct blob *tmpl, const unsigned char *data,
                       size_t len)
{
    enum status st;

    w->stats->bytes += len;
    st = chunk_feed(tmpl, data, len, w->fn, w->payload);
    if (st != STATUS_OK) {
        w->cb_st = st;
        w->stop = true;
    }
}

/* ------------------------------------------------------------------ reading */

/* A reader for the formats and filters we need and trust: no mtree (it opens files
 * named in the input), no cpio (libarchive 3.6 allocates whatever its name-size field
 * says: 4 GB from a 240-byte input, found by fuzz_archive), no filter that would fall
 * back to an external program. Raw is the last resort for single-file compressed
 * streams; see walk_archive(). */
static struct archive *reader_new(void)
{
    struct archive *a = archive_read_new();

    if (!a) {
        log_error("out of memory");
        abort();
    }
    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_empty(a);
    archive_read_support_format_raw(a);
    if (archive_zlib_version())
        archive_read_support_filter_gzip(a);
    if (archive_bzlib_version())
        archive_read_support_filter_bzip2(a);
    if (archive_liblzma_version()) {
        archive_read_support_filter_xz(a);
        archive_read_support_filter_lzip(a);
    }
    if (archive_libzstd_version())
        archive_read_support_filter_zstd(a);
    if (archive_liblz4_version())
        archive_read_support_filter_lz4(a);
    archive_read_support_filter_compress(a);
    return a;
}

/* The single member of a compressed stream: the outer name without its suffix. */
static char *raw_member_name(const struct blob *parent)
{
    static const char *const suffixes[] = { ".gz", ".bz2", ".xz", ".zst", ".lz4", ".lz", ".Z" };
    const char *name = blob_name(parent);
    const char *base = strrchr(name, '!');
    size_t n;

    base = base ? base + 1 : name;
    if (strrchr(base, '/'))
        base = strrchr(base, '/') + 1;
    n = strlen(base);
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(base + n - k, suffixes[i]) == 0)
            return xstrndup(base, n - k);
    }
    return xstrdup("data");
}

static bool walk_archive(struct walk *w, struct archive *a, const struct blob *tmpl,
                         unsigned depth);

/* Read the rest of a member that looks like an archive into memory (bounded by what is
 * left of the byte budget) and open it. Returns false if the outer archive is dead. */
static bool nested(struct walk *w, struct member *m, struct member_src *src,
                   struct archive_entry *e, size_t have, bool eof, unsigned depth)
{
    uint64_t room = w->lim->max_total_bytes - w->produced;
    size_t cap = room > SIZE_MAX - have - 1 ? SIZE_MAX - 1 : have + (size_t)room;
    size_t alloc = have, n = have;
    unsigned char *data = NULL;
    struct archive *a = NULL;
    enum status rst = STATUS_OK;

    /* The size in the header is a hint, not a promise: it may claim a gigabyte for a
     * member of ten bytes. Trust it up to ARCHIVE_SIZE_HINT_BYTES, then double. */
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
        (uint64_t)archive_entry_size(e) > alloc) {
        uint64_t hint = (uint64_t)archive_entry_size(e);
        if (hint > ARCHIVE_SIZE_HINT_BYTES)
            hint = ARCHIVE_SIZE_HINT_BYTES;
        if (hint > alloc)
            alloc = hint < cap ? (size_t)hint : cap;
    }
    if (alloc < 4096)
        alloc = 4096;
    data = xmalloc(alloc);
    memcpy(data, *w->buf, have);
    while (!eof) {
        size_t got = 0;
        if (n == alloc) {
            if (alloc >= cap) {
                /* The budget is spent: one more byte is the limit. */
                rst = read_full(member_read, src, *w->buf, 1, &got);
                if (rst == STATUS_OK && got == 0)
                    break;
                if (rst == STATUS_OK)
                    rst = fail(STATUS_BUG, "'%s': byte budget not enforced", m->path);
                break;
            }
            alloc = alloc > cap / 2 ? cap : alloc * 2;
            data = xrealloc(data, alloc);
        }
        rst = member_read(src, data + n, alloc - n, &got);
        n += got;
        if (rst != STATUS_OK)
            break;
        eof = got == 0;
    }
    if (rst == STATUS_LIMIT) {
        walk_limit(w);
        goto out;
    }
    if (rst != STATUS_OK) {
        /* Truncated: open what arrived, so keys before the cut are still found. */
        walk_warn(w, "%s", status_message());
        w->stats->errors++;
    }
    a = reader_new();
    if (archive_read_open_memory(a, data, n) == ARCHIVE_OK && walk_archive(w, a, &m->tmpl, depth))
        goto out;
    if (!w->stop) {
        char *msg = archive_message(a, "no known archive format");
        walk_warn(w, "'%s': not a readable archive (%s), scanned as plain bytes", m->path, msg);
        free(msg);
        w->stats->errors++;
        feed_plain(w, &m->tmpl, data, n);
    }
out:
    archive_read_free(a);
    free(data);
    return !src->fatal;
}

/* Drain a member we do not scan, so that what libarchive decodes to skip it still
 * counts against the limits. Returns false if the archive is dead. */
static bool drain(struct walk *w, struct member_src *src)
{
    enum status st;
    size_t got;

    ensure_buf(w);
    do
        st = member_read(src, *w->buf, LIMIT_CHUNK_BYTES, &got);
    while (st == STATUS_OK && got > 0);
    if (st == STATUS_LIMIT) {
        walk_limit(w);
    } else if (st != STATUS_OK) {
        walk_warn(w, "%s", status_message());
        w->stats->skipped++;
    }
    return !src->fatal;
}

/* One header just read. Returns false if the archive cannot go on. */
static bool entry(struct walk *w, struct archive *a, struct archive_entry *e,
                  const struct blob *tmpl, unsigned depth)
{
    const char *raw = archive_entry_pathname(e);
    char *name = NULL;
    struct member m;
    struct member_src src = { w, a, NULL, false };
    size_t have = 0;
    enum status rst;
    bool go_on = true, eof;

    memset(&m, 0, sizeof(m));
    if (!raw)
        raw = archive_entry_pathname_utf8(e);
    if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
        name = raw_member_name(tmpl);
    } else if (raw && strlen(raw) > w->lim->max_name_bytes) {
        char *shown = sanitize(raw, 60);
        w->stats->limits_hit++;
        walk_warn(w, "'%s!%s...': member name longer than %zu bytes, member skipped",
                  blob_name(tmpl), shown, w->lim->max_name_bytes);
        free(shown);
        src.path = blob_name(tmpl);
        if (!archive_entry_is_encrypted(e))
            go_on = drain(w, &src);
        goto out;
    } else {
        name = sanitize(raw && *raw ? raw : "?", SIZE_MAX);
    }
    if (archive_entry_is_encrypted(e)) {
        walk_warn(w, "'%s!%s': encrypted member skipped", blob_name(tmpl), name);
        w->stats->skipped++;
        goto out;
    }
    if (archive_entry_filetype(e) != AE_IFREG) {
        src.path = blob_name(tmpl);
        go_on = drain(w, &src); /* directories, links, devices: nothing of their own */
        goto out;
    }
    member_init(&m, tmpl, name);
    src.path = m.path;
    w->stats->members++;
    ensure_buf(w);
    rst = read_full(member_read, &src, *w->buf, LIMIT_CHUNK_BYTES, &have);
    eof = rst != STATUS_OK || have < LIMIT_CHUNK_BYTES;
    if (rst == STATUS_OK && src_archive_sniff(*w->buf, have)) {
        if (depth < w->lim->max_depth) {
            go_on = nested(w, &m, &src, e, have, eof, depth + 1);
            goto out;
        }
        w->stats->limits_hit++;
        walk_warn(w, "'%s': archive limit hit: nested deeper than %u archives, scanned as "
                  "plain bytes", m.path, w->lim->max_depth);
    }
    {
        enum status st = stream(w, &m.tmpl, member_read, &src, have, eof);
        if (rst == STATUS_OK)
            rst = st;
    }
    if (w->cb_st != STATUS_OK)
        goto out;
    if (rst == STATUS_LIMIT) {
        walk_limit(w);
    } else if (rst != STATUS_OK) {
        walk_warn(w, "%s", status_message());
        if (src.fatal)
            w->stats->errors++;
        else
            w->stats->skipped++;
    }
    go_on = !src.fatal;
out:
    member_release(&m);
    free(name);
    return go_on && !w->stop;
}

/*
 * Walk the archive open in `a`, whose display path is tmpl's, its members being at
 * `depth`. Returns false when `a` is not an archive at all (no readable first header,
 * or only the raw format over an uncompressed stream): the caller then scans the bytes
 * as they are. Problems after the first header are warnings.
 */
static bool walk_archive(struct walk *w, struct archive *a, const struct blob *tmpl,
                         unsigned depth)
{
    uint64_t headers = 0;
    unsigned bad = 0;

    for (;;) {
        struct archive_entry *e = NULL;
        bool ok;
        int r;

        if (w->stop)
            return true;
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
            if (headers == 0)
                w->stats->archives++; /* an empty archive */
            return true;
        }
        ok = r == ARCHIVE_OK || r == ARCHIVE_WARN;
        if (headers == 0 && (r == ARCHIVE_FATAL || (ok && archive_format(a) == ARCHIVE_FORMAT_RAW &&
                                                    archive_filter_count(a) <= 1)))
            return false;
        if (headers == 0)
            w->stats->archives++;
        headers++;
        if (++w->members > w->lim->max_members) {
            fail(STATUS_LIMIT, "'%s': archive limit hit: more than %" PRIu64
                 " members in '%s', the rest of it is skipped",
                 blob_name(tmpl), w->lim->max_members, w->top_name);
            walk_limit(w);
            return true;
        }
        if (!ok) { /* ARCHIVE_FAILED or ARCHIVE_RETRY: this header only */
            char *msg = archive_message(a, "bad header");
            walk_warn(w, "'%s': corrupt or truncated archive: %s", blob_name(tmpl), msg);
            free(msg);
            w->stats->errors++;
            if (r == ARCHIVE_FATAL || ++bad >= ARCHIVE_BAD_HEADERS_MAX)
                return true;
            continue;
        }
        bad = 0;
        if (!entry(w, a, e, tmpl, depth))
            return true;
    }
}

/* ------------------------------------------------------------------ entry points */

static void walk_init(struct walk *w, const struct blob *tmpl, const struct archive_limits *lim,
                      unsigned char **buf, blob_fn *fn, void *payload,
                      struct archive_stats *stats)
{
    memset(w, 0, sizeof(*w));
    w->lim = lim ? lim : &default_limits;
    w->buf = buf;
    w->fn = fn;
    w->payload = payload;
    w->stats = stats;
    w->top_name = blob_name(tmpl);
}

enum status src_archive_scan_mem(const unsigned char *data, size_t len, const struct blob *tmpl,
                                 const struct archive_limits *lim, unsigned char **buf,
                                 blob_fn *fn, void *payload, struct archive_stats *stats)
{
    struct archive_stats dummy;
    struct walk w;
    struct archive *a = NULL;
    static const unsigned char empty[1];

    memset(&dummy, 0, sizeof(dummy));
    walk_init(&w, tmpl, lim, buf, fn, payload, stats ? stats : &dummy);
    if (!data)
        data = empty; /* libarchive wants a buffer even for 0 bytes */
    if (w.lim->max_depth == 0) {
        feed_plain(&w, tmpl, data, len);
        goto out;
    }
    a = reader_new();
    w.top = a;
    if (archive_read_open_memory(a, data, len) == ARCHIVE_OK && walk_archive(&w, a, tmpl, 1))
        goto out;
    if (!w.stop) {
        char *msg = archive_message(a, "no known archive format");
        walk_warn(&w, "'%s': not a readable archive (%s), scanned as plain bytes", w.top_name,
                  msg);
        free(msg);
        w.stats->errors++;
        feed_plain(&w, tmpl, data, len);
    }
out:
    archive_read_free(a);
    return w.cb_st;
}

static la_ssize_t fd_cb_read(struct archive *a, void *cd, const void **out)
{
    struct fd_src *f = cd;
    size_t got = 0;

    if (fd_read(f, f->block, ARCHIVE_FD_BLOCK_BYTES, &got) != STATUS_OK) {
        archive_set_error(a, errno, "%s", status_message());
        return -1;
    }
    *out = f->block;
    return (la_ssize_t)got;
}

static la_int64_t fd_cb_seek(struct archive *a, void *cd, la_int64_t offset, int whence)
{
    struct fd_src *f = cd;
    off_t r;

    (void)a;
    if (whence == SEEK_SET) {
        if (offset < 0 || offset > INT64_MAX - f->start)
            return ARCHIVE_FATAL;
        offset += f->start;
    }
    r = lseek(f->fd, (off_t)offset, whence);
    if (r < f->start)
        return ARCHIVE_FATAL;
    return (la_int64_t)(r - f->start);
}

enum status src_archive_scan_fd(int fd, const struct blob *tmpl, const struct archive_limits *lim,
                                unsigned char **buf, blob_fn *fn, void *payload,
                                struct archive_stats *stats)
{
    struct archive_stats dummy;
    struct walk w;
    struct archive *a = NULL;
    struct fd_src f = { fd, 0, NULL, false };
    struct stat st;

    memset(&dummy, 0, sizeof(dummy));
    walk_init(&w, tmpl, lim, buf, fn, payload, stats ? stats : &dummy);
    f.start = lseek(fd, 0, SEEK_CUR);
    f.seekable = f.start >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (f.start < 0)
        f.start = 0;
    if (w.lim->max_depth > 0) {
        f.block = xmalloc(ARCHIVE_FD_BLOCK_BYTES);
        a = reader_new();
        w.top = a;
        archive_read_set_read_callback(a, fd_cb_read);
        if (f.seekable)
            archive_read_set_seek_callback(a, fd_cb_seek);
        archive_read_set_callback_data(a, &f);
        if (archive_read_open1(a) == ARCHIVE_OK && walk_archive(&w, a, tmpl, 1))
            goto out;
        if (w.stop)
            goto out;
        {
            char *msg = archive_message(a, "no known archive format");
            if (!f.seekable || lseek(fd, f.start, SEEK_SET) != f.start) {
                walk_warn(&w, "'%s': not a readable archive (%s)", w.top_name, msg);
                free(msg);
                w.stats->errors++;
                goto out;
            }
            walk_warn(&w, "'%s': not a readable archive (%s), scanned as plain bytes",
                      w.top_name, msg);
            free(msg);
            w.stats->errors++;
        }
    }
    ensure_buf(&w);
    {
        struct blob b = *tmpl;
        if (stream(&w, &b, fd_read, &f, 0, false) != STATUS_OK && w.cb_st == STATUS_OK) {
            walk_warn(&w, "'%s': %s", w.top_name, status_message());
            w.stats->errors++;
        }
    }
out:
    archive_read_free(a);
    free(f.block);
    return w.cb_st;
}
