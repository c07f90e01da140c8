/*
 * source/src_archive.c - archives read with libarchive, in memory or from a file: each
 * member is streamed to the blob callback in overlapping chunks, nested archives are
 * opened recursively, and every limit is enforced while decoding, not after.
 *
 * An input is cut into pieces and each is scanned for what it is: a compressed stream is
 * decoded and its output scanned as an input of its own; an archive is walked member by
 * member; every other byte (in front of a zip, after the end of an archive or of a
 * compressed stream, between two archives, in an archive without members, in a damaged
 * tar block) is scanned as plain bytes, at its own offset and line. Nothing is extracted:
 * member names are display text only. Formats that can touch the file system (mtree)
 * and filters that would run an external program are not enabled.
 *
 * Two tricky points. Accounting: every byte decoded, at any depth, counts against the
 * top-level archive's byte and ratio limits, so a bomb stops wherever it is nested.
 * Read-ahead: libarchive reads past the end of an archive, so a decompressed stream is
 * seen through a tap (struct tap) that keeps its last LIMIT_ARCHIVE_TAP_BYTES, and
 * scanning goes on from the archive's end, not from where libarchive stopped reading.
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
#include <zlib.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"

/* The ratio limit applies once this much has been produced: tiny archives of
 * repetitive text legitimately expand far more than any sane ratio. */
#define ARCHIVE_RATIO_FLOOR_BYTES (1024u * 1024)

/* Bytes handed to libarchive per read from a file or a tap. */
#define ARCHIVE_FD_BLOCK_BYTES (256u * 1024)

/* Most bytes asked of libarchive at once: the limits are checked between reads, so
 * this bounds how far past a limit decoding can go. */
#define ARCHIVE_READ_STEP_BYTES (256u * 1024)

/* A nested archive's buffer is first sized from its header up to this much. */
#define ARCHIVE_SIZE_HINT_BYTES (64u * 1024 * 1024)

/* Warnings printed per top-level archive; an archive of 100000 encrypted or
 * overlong-named members must not flood stderr. Counters keep counting. */
#define ARCHIVE_WARNINGS_MAX 50u

/* Consecutive unreadable headers before an archive is given up as corrupt (the rest is
 * then scanned as plain bytes). */
#define ARCHIVE_BAD_HEADERS_MAX 16u

/* libarchive looks for a zip's end record in the last 16 KiB of its input. */
#define ZIP_TAIL_BYTES 16384u

/* Zips split off the front of a zip (cat a.zip b.zip: the end record found is b's, and
 * a is what lies in front of b), one inside the other. */
#define ARCHIVE_SPLITS_MAX 4u

/* The walk over one top-level archive, nested archives included. */
struct walk {
    const struct archive_limits *lim;
    unsigned char **buf;
    blob_fn *fn;
    void *payload;
    struct archive_stats *stats;
    const char *top_name;   /* display path of the top-level archive */
    const struct view *top; /* the view of the top-level input being read now, or NULL */
    uint64_t top_in;        /* largest position of the top-level input read so far: the
                             * compressed size in the ratio limit */
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

/* A place in an input: byte offset, 1-based line, bytes of that line before it. */
struct spot {
    uint64_t offset;
    uint64_t line;
    uint64_t column0;
};

/* A decoded stream read once, front to back, whose last LIMIT_ARCHIVE_TAP_BYTES are
 * kept: positions from tail.offset on can be read again. */
struct tap {
    read_fn *rd;            /* upstream */
    void *src;
    unsigned char *ring;    /* LIMIT_ARCHIVE_TAP_BYTES; byte at position p is ring[p % size] */
    unsigned char *stage;   /* what upstream hands over, before it replaces the oldest bytes */
    uint64_t head;          /* bytes taken from upstream */
    struct spot tail;       /* the oldest byte kept */
    bool eof;
    enum status st;         /* why upstream ended early (message in msg) */
    char *msg;
};

enum input_kind {
    IN_MEM, /* bytes in memory: read anywhere */
    IN_FD,  /* a regular file: read anywhere with pread */
    IN_TAP, /* a stream: read forward, and back as far as its tap keeps */
};

/* What is scanned: a top-level input, a nested member, or a decompressed stream. */
struct input {
    enum input_kind kind;
    const unsigned char *mem; /* IN_MEM */
    int fd;                   /* IN_FD */
    uint64_t base;            /* IN_FD: file offset of position 0 */
    struct tap *tap;          /* IN_TAP */
    uint64_t size;            /* IN_MEM, IN_FD (bytes); IN_TAP: UINT64_MAX */
    const struct blob *tmpl;  /* members of archives in it are "<tmpl path>!<name>" */
    const struct blob *plain; /* its plain bytes are reported under this path */
    bool top;                 /* the top-level input: its position is the compressed size */
    bool decoded;             /* output of a decompressor (counted as it is decoded) */
    unsigned splits;          /* zips split off in front of a zip, see ARCHIVE_SPLITS_MAX */
    struct spot mark;         /* IN_MEM, IN_FD: the last place whose line was counted */
};

/* A member's data (or a decompressed stream), read through libarchive with accounting. */
struct member_src {
    struct walk *w;
    struct archive *a;
    const struct input *in;   /* where the archive is read from */
    const char *path;
    const char *what;         /* "member" or "compressed stream", for messages */
    bool account;             /* count what is read (unless a tap counted it already) */
    bool fatal;               /* the archive cannot go on after this error */
    bool eof;
    const unsigned char *blk; /* what is left of the block libarchive returned last */
    size_t blk_len;
    int64_t blk_off;          /* member offset of blk[0]: sparse members have holes */
    int64_t out;              /* bytes handed out so far */
    enum status held;         /* a failure, reported once the bytes before it are out */
    char *held_msg;
    char *warning;            /* ARCHIVE_WARN with data: bad CRC, wrong size */
};

/* A file descriptor read front to back: a pipe (through a tap), or for --no-archives. */
struct fd_src {
    int fd;
};

/* Part of an input shown to libarchive as a whole file. */
struct view {
    struct input *in;
    uint64_t start, end;    /* in[start, end); end may be UINT64_MAX (a stream) */
    uint64_t cur;           /* next byte handed out, from start */
    uint64_t hi;            /* one past the furthest byte handed out (a position in `in`) */
    unsigned char *block;   /* IN_FD, IN_TAP: ARCHIVE_FD_BLOCK_BYTES */
};

/* What is known of one archive while its members are walked. */
struct level {
    struct input *in;
    struct archive *a;
    uint64_t start;         /* position of its first byte in `in` */
    unsigned depth;         /* depth of its members */
    bool tar;
    uint64_t good;          /* headers read */
    uint64_t bad_from;      /* first byte of the damaged blocks being skipped, or UINT64_MAX */
};

enum kind {
    K_NONE,
    K_ZIP,
    K_TAR,
    K_7Z,
    K_GZIP, /* compressed streams from here on */
    K_BZIP2,
    K_XZ,
    K_ZSTD,
    K_LZ4,
    K_LZIP,
    K_COMPRESS,
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

/* ------------------------------------------------------------------ bytes */

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* CRC-32 (zip, xz, 7z), bit by bit: only a few header bytes are ever checked. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
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

/* What p[0, n), the first bytes of something, starts like. */
static enum kind classify(const unsigned char *p, size_t n)
{
    if (starts_with(p, n, "PK\3\4", 4) || starts_with(p, n, "PK\5\6", 4) ||
        starts_with(p, n, "PK\7\10", 4))
        return K_ZIP; /* local header, empty archive, spanned-archive marker */
    if (starts_with(p, n, "\x1f\x8b\x08", 3))
        return K_GZIP; /* deflate */
    if (n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0))
        return K_BZIP2; /* a block or the end-of-stream marker must follow */
    if (starts_with(p, n, "\xfd" "7zXZ\0", 6))
        return K_XZ;
    if (starts_with(p, n, "\x28\xb5\x2f\xfd", 4))
        return K_ZSTD;
    if (starts_with(p, n, "7z\xbc\xaf\x27\x1c", 6))
        return K_7Z;
    if (starts_with(p, n, "\x04\x22\x4d\x18", 4))
        return K_LZ4; /* frame format */
    if (starts_with(p, n, "LZIP\x01", 5))
        return K_LZIP; /* version 1 */
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x9d && (p[2] & 0x60) == 0 && (p[2] & 0x1f) >= 9 &&
        (p[2] & 0x1f) <= 16)
        return K_COMPRESS; /* .Z with a valid bit width */
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0 && (n < 512 || tar_header_checksum_ok(p)))
        return K_TAR; /* ustar, pax, GNU tar */
    return K_NONE;
}

static bool kind_is_stream(enum kind k)
{
    return k >= K_GZIP;
}

bool src_archive_sniff(const unsigned char *p, size_t n)
{
    return p && classify(p, n) != K_NONE;
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

/* One warning about this archive, of a kind (base/diag.h): DIAG_NOTE when what it names
 * was read anyway, DIAG_UNREADABLE / DIAG_LIMIT when bytes were not scanned. Past
 * ARCHIVE_WARNINGS_MAX they are counted (stats), not printed. */
FORMAT(3, 0) static void walk_vsay(struct walk *w, enum diag_kind kind, const char *fmt,
                                   va_list ap)
{
    char line[1024];

    if (w->warnings++ >= ARCHIVE_WARNINGS_MAX) {
        if (w->warnings == ARCHIVE_WARNINGS_MAX + 1)
            log_warn("'%s': more warnings about this archive are not shown", w->top_name);
        return;
    }
    vsnprintf(line, sizeof(line), fmt, ap);
    log_gap(kind, "%s", line);
}

static void walk_warn(struct walk *w, const char *fmt, ...) FORMAT(2, 3);
static void walk_warn(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    walk_vsay(w, DIAG_NOTE, fmt, ap);
    va_end(ap);
}

/* Bytes of the archive were not scanned: a warning and an error (an incomplete run). */
static void walk_gap(struct walk *w, const char *fmt, ...) FORMAT(2, 3);
static void walk_gap(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    walk_vsay(w, DIAG_UNREADABLE, fmt, ap);
    va_end(ap);
    w->stats->errors++;
}

static void walk_vsay_kind(struct walk *w, enum diag_kind kind, const char *msg)
{
    if (w->warnings++ >= ARCHIVE_WARNINGS_MAX)
        return;
    log_gap(kind, "%s", msg);
}

static void walk_say_limit(struct walk *w, const char *msg)
{
    walk_vsay_kind(w, DIAG_LIMIT, msg);
}

/* A limit of the whole top-level archive was hit: say so (msg) and stop the walk. */
static void walk_limit_msg(struct walk *w, const char *msg)
{
    walk_say_limit(w, msg);
    w->stats->limits_hit++;
    w->stop = true;
}

static void walk_limit(struct walk *w)
{
    walk_limit_msg(w, status_message());
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
    m->tmpl.column0 = 0;
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

    w->produced += n;
    if (w->produced > lim->max_total_bytes)
        return fail(STATUS_LIMIT,
                    "'%s': archive limit hit: more than %" PRIu64
                    " uncompressed bytes in '%s', the rest of it is skipped",
                    path, lim->max_total_bytes, w->top_name);
    if (w->produced < ARCHIVE_RATIO_FLOOR_BYTES)
        return STATUS_OK;
    /* What libarchive was handed, not what it consumed: reading a stored zip member
     * from memory does not move its consumed position until the member ends. */
    if (w->top && w->top->hi > w->top_in)
        w->top_in = w->top->hi;
    if ((double)w->produced > lim->max_ratio * (double)(w->top_in ? w->top_in : 1))
        return fail(STATUS_LIMIT,
                    "'%s': archive limit hit: '%s' expands more than %g times its compressed "
                    "size, the rest of it is skipped",
                    path, w->top_name, lim->max_ratio);
    return STATUS_OK;
}

static void member_src_init(struct member_src *m, struct walk *w, struct archive *a,
                            const struct input *in, const char *path, const char *what)
{
    memset(m, 0, sizeof(*m));
    m->w = w;
    m->a = a;
    m->in = in;
    m->path = path;
    m->what = what;
    m->account = true;
}

static void member_src_release(struct member_src *m)
{
    free(m->held_msg);
    free(m->warning);
    m->held_msg = m->warning = NULL;
}

/*
 * Read a member through archive_read_data_block(), not archive_read_data(): the latter
 * drops the block it was given with ARCHIVE_WARN (a zip member whose CRC does not match
 * still comes with its inflated bytes) and, on an error, the bytes of earlier blocks it
 * had copied in the same call. A failure is reported once the bytes before it are out.
 */
static enum status member_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct member_src *m = src;
    struct walk *w = m->w;
    uint64_t room = w->produced < w->lim->max_total_bytes
                        ? w->lim->max_total_bytes - w->produced
                        : 0;
    size_t k;

    *got = 0;
    if (n == 0)
        return STATUS_OK;
    if (m->held != STATUS_OK)
        return fail(m->held, "%s", m->held_msg);
    /* One byte past the budget is enough to know that it is exceeded. */
    if (n > ARCHIVE_READ_STEP_BYTES)
        n = ARCHIVE_READ_STEP_BYTES;
    if (m->account && room < n)
        n = (size_t)room + 1;
    while (*got < n && !m->eof) {
        if (m->blk_len == 0 && m->blk_off <= m->out) {
            const void *b = NULL;
            size_t len = 0;
            la_int64_t off = 0;
            int r = archive_read_data_block(m->a, &b, &len, &off);
            if (r == ARCHIVE_EOF) {
                m->eof = true;
                break;
            }
            if (r == ARCHIVE_WARN) {
                if (!m->warning)
                    m->warning = archive_message(m->a, "damaged data");
            } else if (r != ARCHIVE_OK) {
                char *msg = archive_message(m->a, "read error");
                m->fatal = r == ARCHIVE_FATAL;
                m->held = STATUS_CORRUPT;
                m->held_msg = xasprintf("'%s': cannot read %s: %s", m->path, m->what, msg);
                free(msg);
                break;
            }
            if (off < m->out || (len > 0 && !b)) {
                m->held = STATUS_CORRUPT;
                m->held_msg = xasprintf("'%s': cannot read %s: blocks out of order", m->path,
                                        m->what);
                m->fatal = true;
                break;
            }
            m->blk = b;
            m->blk_len = len;
            m->blk_off = off;
            continue;
        }
        if (m->blk_off > m->out) { /* a hole in a sparse member reads as zeros */
            uint64_t hole = (uint64_t)(m->blk_off - m->out);
            k = hole < n - *got ? (size_t)hole : n - *got;
            memset(p + *got, 0, k);
        } else {
            k = m->blk_len < n - *got ? m->blk_len : n - *got;
            memcpy(p + *got, m->blk, k);
            m->blk += k;
            m->blk_len -= k;
            m->blk_off += (int64_t)k;
        }
        m->out += (int64_t)k;
        *got += k;
    }
    if (*got == 0 && m->held != STATUS_OK)
        return fail(m->held, "%s", m->held_msg);
    if (!m->account)
        return STATUS_OK;
    {
        size_t r = *got;
        *got = (uint64_t)r > room ? (size_t)room : r; /* never scan past the budget */
        return account(w, m->path, r);
    }
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

/* Move `s` over p[0, n): lines and the column of the byte after them. */
static void spot_advance(struct spot *s, const unsigned char *p, size_t n)
{
    const unsigned char *nl = NULL;

    for (const unsigned char *q = p, *end = p + n; (q = memchr(q, '\n', (size_t)(end - q)));
         q++) {
        s->line++;
        nl = q;
    }
    s->column0 = nl ? (uint64_t)(p + n - (nl + 1)) : s->column0 + n;
    s->offset += n;
}

/*
 * Hand a stream to the callback in chunks of LIMIT_CHUNK_BYTES overlapping by
 * LIMIT_CHUNK_OVERLAP, exactly as src_fs_read_fd does: a chunk owns the matches that
 * end in (own_from, own_to], the cut lying in the middle of each overlap. (*w->buf)
 * already holds the stream's first `have` bytes; `eof` says whether that is all; `at`
 * is where the stream starts in what tmpl names (NULL: at its first byte).
 * Returns the reader's status (bytes read before a failure are still scanned); a
 * callback failure is in w->cb_st.
 */
static enum status stream(struct walk *w, const struct blob *tmpl, read_fn *rd, void *src,
                          size_t have, bool eof, const struct spot *at)
{
    unsigned char *buf = *w->buf;
    struct blob b = *tmpl;
    struct spot s = { 0, 1, 0 };
    size_t own_from = 0;
    bool first = true;
    enum status rst = STATUS_OK;

    if (at)
        s = *at;
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
        b.offset = s.offset;
        b.line = s.line;
        b.column0 = s.column0;
        b.own_from = own_from;
        b.own_to = more ? LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 : have;
        if ((b.len > 0 || first) && emit(w, &b) != STATUS_OK)
            return STATUS_OK;
        first = false;
        if (!more)
            return rst;
        {
            size_t keep_from = LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP;
            unsigned char peek = buf[LIMIT_CHUNK_BYTES];
            spot_advance(&s, buf, keep_from);
            memmove(buf, buf + keep_from, LIMIT_CHUNK_OVERLAP);
            have = LIMIT_CHUNK_OVERLAP;
            buf[have++] = peek;
            own_from = LIMIT_CHUNK_OVERLAP / 2;
        }
    }
}

/* An in-memory input scanned as it is (max_depth 0). */
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

/* ------------------------------------------------------------------ taps and inputs */

#define TAP_BYTES ((uint64_t)LIMIT_ARCHIVE_TAP_BYTES)

static void tap_init(struct tap *t, read_fn *rd, void *src)
{
    memset(t, 0, sizeof(*t));
    t->rd = rd;
    t->src = src;
    t->ring = xmalloc(LIMIT_ARCHIVE_TAP_BYTES);
    t->stage = xmalloc(ARCHIVE_READ_STEP_BYTES);
    t->tail.line = 1;
}

static void tap_release(struct tap *t)
{
    free(t->ring);
    free(t->stage);
    free(t->msg);
    memset(t, 0, sizeof(*t));
}

/* Apply fn to the kept bytes [from, to) of t, in order (the ring may wrap). */
static void tap_span(const struct tap *t, uint64_t from, uint64_t to,
                     void (*fn)(void *arg, const unsigned char *p, size_t n), void *arg)
{
    while (from < to) {
        size_t at = (size_t)(from % TAP_BYTES);
        size_t n = (size_t)(to - from < TAP_BYTES - at ? to - from : TAP_BYTES - at);
        fn(arg, t->ring + at, n);
        from += n;
    }
}

static void spot_advance_cb(void *arg, const unsigned char *p, size_t n)
{
    spot_advance(arg, p, n);
}

/* Take the next bytes from upstream into the ring, dropping as many of the oldest. */
static void tap_pull(struct tap *t)
{
    size_t got = 0, done = 0;
    enum status st;

    if (t->eof)
        return;
    st = t->rd(t->src, t->stage, ARCHIVE_READ_STEP_BYTES, &got);
    if (st != STATUS_OK) {
        t->st = st;
        t->msg = xstrdup(status_message());
        t->eof = true;
    } else if (got == 0) {
        t->eof = true;
    }
    if (t->head + got > TAP_BYTES) {
        uint64_t to = t->head + got - TAP_BYTES;
        tap_span(t, t->tail.offset, to, spot_advance_cb, &t->tail);
    }
    while (done < got) {
        size_t at = (size_t)((t->head + done) % TAP_BYTES);
        size_t n = got - done < TAP_BYTES - at ? got - done : (size_t)(TAP_BYTES - at);
        memcpy(t->ring + at, t->stage + done, n);
        done += n;
    }
    t->head += got;
}

struct copy_arg {
    unsigned char *p;
};

static void copy_cb(void *arg, const unsigned char *p, size_t n)
{
    struct copy_arg *c = arg;
    memcpy(c->p, p, n);
    c->p += n;
}

static enum status tap_read(struct tap *t, uint64_t pos, unsigned char *p, size_t n, size_t *got)
{
    struct copy_arg c = { p };

    *got = 0;
    if (pos < t->tail.offset)
        return fail(STATUS_BUG, "tap: byte %" PRIu64 " is no longer kept", pos);
    while (pos >= t->head && !t->eof)
        tap_pull(t);
    if (pos >= t->head)
        return t->st == STATUS_OK ? STATUS_OK : fail(t->st, "%s", t->msg);
    if (n > t->head - pos)
        n = (size_t)(t->head - pos);
    tap_span(t, pos, pos + n, copy_cb, &c);
    *got = n;
    return STATUS_OK;
}

/* Read up to n bytes at `pos` of `in` (fewer only at its end). */
static enum status in_read(struct input *in, uint64_t pos, unsigned char *p, size_t n,
                           size_t *got)
{
    *got = 0;
    if (in->kind == IN_TAP)
        return tap_read(in->tap, pos, p, n, got);
    if (pos >= in->size)
        return STATUS_OK;
    if (n > in->size - pos)
        n = (size_t)(in->size - pos);
    if (in->kind == IN_MEM) {
        memcpy(p, in->mem + pos, n);
        *got = n;
        return STATUS_OK;
    }
    while (*got < n) {
        ssize_t r = pread(in->fd, p + *got, n - *got, (off_t)(in->base + pos + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(STATUS_IO, "read error: %s", strerror(errno));
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return STATUS_OK;
}

static enum status in_read_full(struct input *in, uint64_t pos, unsigned char *p, size_t n,
                                size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t k = 0;
        enum status st = in_read(in, pos + *got, p + *got, n - *got, &k);
        *got += k;
        if (st != STATUS_OK)
            return st;
        if (k == 0)
            break;
    }
    return STATUS_OK;
}

/* Line and column at `pos` of `in`: counted from the last place counted, or from the
 * oldest byte a tap keeps. */
static enum status in_spot(struct input *in, uint64_t pos, struct spot *out)
{
    unsigned char b[16384];

    if (in->kind == IN_TAP) {
        struct tap *t = in->tap;
        if (pos < t->tail.offset || pos > t->head)
            return fail(STATUS_BUG, "tap: byte %" PRIu64 " is not kept", pos);
        *out = t->tail;
        tap_span(t, t->tail.offset, pos, spot_advance_cb, out);
        return STATUS_OK;
    }
    if (in->mark.offset > pos) {
        in->mark.offset = 0;
        in->mark.line = 1;
        in->mark.column0 = 0;
    }
    while (in->mark.offset < pos) {
        size_t want = pos - in->mark.offset < sizeof(b) ? (size_t)(pos - in->mark.offset)
                                                        : sizeof(b);
        size_t got = 0;
        enum status st = in_read(in, in->mark.offset, b, want, &got);
        if (st != STATUS_OK)
            return st;
        if (got == 0)
            return fail(STATUS_IO, "read error: the input got shorter");
        spot_advance(&in->mark, b, got);
    }
    *out = in->mark;
    return STATUS_OK;
}

/* Sequential reading of in[pos, end). */
struct seq {
    struct input *in;
    uint64_t pos, end;
};

static enum status seq_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct seq *s = src;
    enum status st;

    if (s->end - s->pos < n)
        n = (size_t)(s->end - s->pos);
    st = in_read(s->in, s->pos, p, n, got);
    s->pos += *got;
    return st;
}

/* Bytes of a tap wanted from `pos` on are gone already (libarchive read further ahead
 * than the tap keeps; not seen in practice): say so, and go on from what is kept. */
static uint64_t plain_lost(struct walk *w, struct input *in, uint64_t pos)
{
    walk_gap(w, "'%s': %" PRIu64 " bytes from byte %" PRIu64 " could not be scanned",
              blob_name(in->plain), in->tap->tail.offset - pos, pos);
    return in->tap->tail.offset;
}

/* Scan in[pos, end) (end UINT64_MAX: to its end) as plain bytes, under in->plain's
 * path, at the offset and line they have there. Returns the input's read status. */
static enum status plain(struct walk *w, struct input *in, uint64_t pos, uint64_t end)
{
    struct spot at;
    struct seq s = { in, pos, end };
    enum status st;

    if (in->kind == IN_TAP && pos < in->tap->tail.offset)
        s.pos = pos = plain_lost(w, in, pos);
    if (pos >= end || w->stop)
        return STATUS_OK;
    if ((st = in_spot(in, pos, &at)) != STATUS_OK)
        return st;
    ensure_buf(w);
    return stream(w, in->plain, seq_read, &s, 0, false, &at);
}

/* Move *pos past a run of zero bytes (tar padding, the end blocks of a tar): they hold
 * nothing to find. */
static enum status skip_zeros(struct input *in, uint64_t *pos)
{
    unsigned char b[4096];

    for (;;) {
        size_t got = 0, i = 0;
        enum status st = in_read(in, *pos, b, sizeof(b), &got);
        if (st != STATUS_OK || got == 0)
            return st;
        while (i < got && b[i] == 0)
            i++;
        *pos += i;
        if (i < got)
            return STATUS_OK;
    }
}

/* The compressed stream under a decoded input failed or hit a limit: the one who
 * decodes it (filtered()) says so, nobody else. */
static bool stream_failed(const struct input *in)
{
    return in->kind == IN_TAP && in->decoded && in->tap->st != STATUS_OK;
}

/* ------------------------------------------------------------------ libarchive views */

static la_ssize_t view_read(struct archive *a, void *cd, const void **out)
{
    struct view *v = cd;
    uint64_t at = v->start + v->cur, end = v->end;
    size_t n, got = 0;
    enum status st;

    if (v->in->kind != IN_TAP && end > v->in->size)
        end = v->in->size;
    *out = v->block ? (const void *)v->block : (const void *)v->in->mem;
    if (at >= end)
        return 0;
    if (v->in->kind == IN_MEM) {
        n = end - at < (1u << 30) ? (size_t)(end - at) : (1u << 30);
        *out = v->in->mem + at;
        v->cur += n;
        if (at + n > v->hi)
            v->hi = at + n;
        return (la_ssize_t)n;
    }
    n = end - at < ARCHIVE_FD_BLOCK_BYTES ? (size_t)(end - at) : ARCHIVE_FD_BLOCK_BYTES;
    st = in_read_full(v->in, at, v->block, n, &got);
    if (st != STATUS_OK && got == 0) {
        archive_set_error(a, EIO, "%s", status_message());
        return -1;
    }
    v->cur += got;
    if (at + got > v->hi)
        v->hi = at + got;
    return (la_ssize_t)got;
}

static la_int64_t view_seek(struct archive *a, void *cd, la_int64_t offset, int whence)
{
    struct view *v = cd;
    uint64_t size = (v->end < v->in->size ? v->end : v->in->size) - v->start;
    uint64_t from = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? v->cur : size;

    (void)a;
    if (offset < 0 ? (uint64_t)-(offset + 1) + 1 > from : (uint64_t)offset > size - from)
        return ARCHIVE_FATAL;
    v->cur = offset < 0 ? from - ((uint64_t)-(offset + 1) + 1) : from + (uint64_t)offset;
    return (la_int64_t)v->cur;
}

/* Open `a` on in[start, end): seekable unless the input is a stream. A view of the
 * top-level input is where the ratio limit takes the compressed size from. */
static int view_open(struct archive *a, struct view *v, struct input *in, uint64_t start,
                     uint64_t end, struct walk *w)
{
    memset(v, 0, sizeof(*v));
    v->in = in;
    v->start = start;
    v->end = end;
    v->hi = start;
    if (in->top)
        w->top = v;
    if (in->kind != IN_MEM)
        v->block = xmalloc(ARCHIVE_FD_BLOCK_BYTES);
    archive_read_set_read_callback(a, view_read);
    if (in->kind != IN_TAP)
        archive_read_set_seek_callback(a, view_seek);
    archive_read_set_callback_data(a, v);
    return archive_read_open1(a);
}

/* The reader of v is freed: v is done with. */
static void view_close(struct walk *w, struct view *v)
{
    if (w->top == v) {
        if (v->hi > w->top_in)
            w->top_in = v->hi;
        w->top = NULL;
    }
    free(v->block);
    v->block = NULL;
}

static struct archive *archive_new(void)
{
    struct archive *a = archive_read_new();

    if (!a) {
        log_error("out of memory");
        abort();
    }
    return a;
}

/* A reader for the archive formats we need and trust: no mtree (it opens files named
 * in the input), no cpio (libarchive 3.6 allocates whatever its name-size field says:
 * 4 GB from a 240-byte input, found by fuzz_archive). No filters: compressed streams
 * are decoded by filter_reader_new(), so that what follows an archive inside one can be
 * read on. */
static struct archive *format_reader_new(void)
{
    struct archive *a = archive_new();

    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_7zip(a);
    return a;
}

/* A decoder for compressed streams (several stacked: .tar.gz.xz): its one entry, in
 * the raw format, is the decoded stream. No filter that would fall back to an external
 * program. */
static struct archive *filter_reader_new(void)
{
    struct archive *a = archive_new();

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

/* The single member of a compressed stream: the outer name without its suffix
 * ("app.log.gz!app.log", "dump.tgz!dump.tar"), "data" when there is none. */
static char *raw_member_name(const struct blob *parent)
{
    static const char *const suffixes[][2] = {
        { ".gz", "" }, { ".bz2", "" }, { ".xz", "" }, { ".zst", "" }, { ".lz4", "" },
        { ".lz", "" }, { ".Z", "" }, { ".tgz", ".tar" }, { ".tbz2", ".tar" },
        { ".tbz", ".tar" }, { ".txz", ".tar" }, { ".tzst", ".tar" },
    };
    const char *name = blob_name(parent);
    const char *base = strrchr(name, '!');
    size_t n;

    base = base ? base + 1 : name;
    if (strrchr(base, '/'))
        base = strrchr(base, '/') + 1;
    n = strlen(base);
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        size_t k = strlen(suffixes[i][0]);
        if (n > k && strcmp(base + n - k, suffixes[i][0]) == 0)
            return xasprintf("%.*s%s", (int)(n - k), base, suffixes[i][1]);
    }
    return xstrdup("data");
}

/* ------------------------------------------------------------------ where things end */

/* A zip found by its end record, as libarchive's seeking reader finds it. */
struct zip_end {
    uint64_t data; /* its first local header: what lies in front is not part of it */
    uint64_t cd;   /* its central directory (names, comments), UINT64_MAX if not found */
    uint64_t end;  /* one past the end record (its comment is scanned as plain bytes) */
};

/*
 * Find the zip whose end record lies in the last ZIP_TAIL_BYTES of in[from, to), with
 * libarchive's rules (the last "PK\5\6" found, single volume, central directory in
 * front of it): that is the zip libarchive reads from in[from, to). `strict` (for
 * bytes that do not start like a zip) also wants a central directory entry where it
 * says and a local header where that entry says.
 */
static bool zip_find_end(struct input *in, uint64_t from, uint64_t to, bool strict,
                         uint64_t max_entries, struct zip_end *z)
{
    unsigned char buf[ZIP_TAIL_BYTES], h[56];
    const unsigned char *t, *p = NULL;
    size_t tail, got;
    uint64_t eocd, cd_size, cd_off, entries, at, k, min_lho = UINT64_MAX;
    int64_t correction;
    bool regular, zip64;

    if (to <= from || to - from <= 22)
        return false;
    tail = to - from < ZIP_TAIL_BYTES ? (size_t)(to - from) : ZIP_TAIL_BYTES;
    if (in->kind == IN_MEM && to <= in->size) {
        t = in->mem + (to - tail);
    } else {
        if (in_read_full(in, to - tail, buf, tail, &got) != STATUS_OK || got != tail)
            return false;
        t = buf;
    }
    /* The last "PK\5\6" starting in t[1, tail - 22]: look for its rare last byte. */
    for (const unsigned char *q = t + 4, *e = t + tail - 18;
         q < e && (q = memchr(q, 6, (size_t)(e - q))); q++)
        if (q[-3] == 'P' && q[-2] == 'K' && q[-1] == 5)
            p = q - 3;
    if (!p)
        return false;
    eocd = to - tail + (uint64_t)(p - t) - from;
    cd_size = le32(p + 12);
    cd_off = le32(p + 16);
    entries = le16(p + 10);
    correction = (int64_t)eocd - (int64_t)cd_size - (int64_t)cd_off;
    regular = le16(p + 4) == 0 && le16(p + 6) == 0 && le16(p + 10) == le16(p + 8) &&
              (uint32_t)(cd_off + cd_size) <= eocd; /* 32-bit, as libarchive computes it */
    zip64 = p - t >= 20 && memcmp(p - 20, "PK\6\7", 4) == 0 && le32(p - 16) == 0 &&
            le32(p - 4) == 1 && le64(p - 12) < to - from &&
            in_read_full(in, from + le64(p - 12), h, 56, &got) == STATUS_OK && got == 56 &&
            le64(h + 4) >= 44 && le64(h + 4) <= 16384 - 12 && le32(h + 16) == 0 &&
            le32(h + 20) == 0 && le64(h + 24) == le64(h + 32);
    if (!regular && !zip64)
        return false;
    if (zip64) { /* libarchive takes the directory from the zip64 record, uncorrected */
        cd_off = le64(h + 48);
        entries = le64(h + 32);
        correction = 0;
    }
    z->end = from + eocd + 22;
    if (correction < 0 || (uint64_t)correction > eocd)
        correction = 0;
    at = cd_off <= eocd - (uint64_t)correction ? from + (uint64_t)correction + cd_off
                                                : UINT64_MAX;
    z->cd = at;
    for (k = 0; at != UINT64_MAX && k < entries && k < max_entries && at < from + eocd; k++) {
        uint32_t lho;
        if (in_read_full(in, at, h, 46, &got) != STATUS_OK || got != 46 ||
            memcmp(h, "PK\1\2", 4) != 0)
            break;
        lho = le32(h + 42);
        if (lho != 0xffffffffu && lho < min_lho)
            min_lho = lho;
        at += 46 + (uint64_t)le16(h + 28) + le16(h + 30) + le16(h + 32);
    }
    z->data = from + (uint64_t)correction;
    if (min_lho != UINT64_MAX && min_lho <= eocd - (uint64_t)correction)
        z->data += min_lho;
    if (strict) {
        if (k == 0 || min_lho == UINT64_MAX)
            return false;
        if (in_read_full(in, z->data, h, 4, &got) != STATUS_OK || got != 4 ||
            memcmp(h, "PK\3\4", 4) != 0)
            return false;
    }
    return true;
}

/* The zip that starts at `pos` when another one follows it (cat a.zip b.zip: the end
 * record at the end is b's): the first end record after `pos` whose zip starts there.
 * A zip whose end record lies further than this many candidates away is left to the
 * caller (then read from the last end record, with what lies in front as a prefix). */
#define ZIP_FIRST_CANDIDATES 64u

static bool zip_find_first(struct input *in, uint64_t pos, uint64_t max_entries,
                           struct zip_end *z)
{
    unsigned char b[16384];
    unsigned tries = 0;

    for (uint64_t at = pos + 1; at < in->size && tries < ZIP_FIRST_CANDIDATES;) {
        size_t got = 0;
        if (in_read_full(in, at, b, sizeof(b), &got) != STATUS_OK || got < 4)
            return false;
        for (const unsigned char *q = b + 3, *e = b + got;
             q < e && (q = memchr(q, 6, (size_t)(e - q))); q++) {
            uint64_t eocd = at + (uint64_t)(q - 3 - b);
            if (q[-3] != 'P' || q[-2] != 'K' || q[-1] != 5 || eocd + 22 > in->size)
                continue;
            if (++tries > ZIP_FIRST_CANDIDATES)
                return false;
            if (zip_find_end(in, pos, eocd + 22, false, max_entries, z) && z->data == pos &&
                z->end == eocd + 22)
                return true;
        }
        at += got - 3;
    }
    return false;
}

/* One past a 7z archive at `pos`: its signature header says where its header ends. */
static bool sevenz_end(struct input *in, uint64_t pos, uint64_t *end)
{
    unsigned char h[32];
    size_t got;
    uint64_t off, size;

    if (in->kind == IN_TAP ||
        in_read_full(in, pos, h, sizeof(h), &got) != STATUS_OK || got != sizeof(h) ||
        memcmp(h, "7z\xbc\xaf\x27\x1c", 6) != 0 || crc32_of(h + 12, 20) != le32(h + 8))
        return false;
    off = le64(h + 12);
    size = le64(h + 20);
    if (in->size - pos < 32 || off > in->size - pos - 32 || size > in->size - pos - 32 - off)
        return false;
    *end = pos + 32 + off + size;
    return true;
}

static bool xz_footer_ok(const unsigned char *f, const unsigned char *flags)
{
    return f[10] == 'Y' && f[11] == 'Z' && f[8] == flags[0] && f[9] == flags[1] &&
           crc32_of(f + 4, 6) == le32(f);
}

/* One past the xz stream at `pos`: the input's end if it ends with a footer (several
 * streams in a row are one for libarchive), else the first footer that matches its
 * header (data follows it; xz would take that data for a broken stream). */
static uint64_t xz_end(struct input *in, uint64_t pos)
{
    unsigned char h[12], b[16384];
    size_t got;

    if (in_read_full(in, pos, h, sizeof(h), &got) != STATUS_OK || got != sizeof(h) ||
        crc32_of(h + 6, 2) != le32(h + 8))
        return in->size;
    if (in->size - pos >= 24 && in_read_full(in, in->size - 12, b, 12, &got) == STATUS_OK &&
        got == 12 && xz_footer_ok(b, h + 6))
        return in->size;
    for (uint64_t at = pos + 12; at < in->size;) {
        if (in_read_full(in, at, b, sizeof(b), &got) != STATUS_OK || got < 12)
            break;
        for (size_t i = 0; i + 12 <= got; i++)
            if (b[i + 10] == 'Y' && xz_footer_ok(b + i, h + 6))
                return at + i + 12;
        at += got - 11;
    }
    return in->size;
}

/* Skippable frames of zstd and lz4: magic 0x184D2A5?, a 4-byte size, that many bytes. */
static bool skippable_frame(const unsigned char *h)
{
    return (le32(h) & 0xfffffff0u) == 0x184d2a50u;
}

/* One past the zstd frames at `pos`, found from their block headers without decoding
 * (zstd takes what follows them for a broken frame). The input's end if they run past
 * it or are not understood. */
static uint64_t zstd_end(struct input *in, uint64_t pos)
{
    static const unsigned did_bytes[4] = { 0, 1, 2, 4 };
    unsigned char h[8];
    size_t got;
    uint64_t at = pos;

    for (;;) {
        unsigned fhd;
        bool single;
        if (in_read_full(in, at, h, 8, &got) != STATUS_OK || got < 4)
            return at > pos && got == 0 ? at : in->size;
        if (skippable_frame(h)) {
            if (got < 8)
                return in->size;
            at += 8 + (uint64_t)le32(h + 4);
            continue;
        }
        if (le32(h) != 0xfd2fb528u)
            return at > pos ? at : in->size;
        if (got < 5)
            return in->size;
        fhd = h[4];
        single = fhd & 0x20;
        if (fhd & 0x08)
            return in->size; /* reserved bit */
        at += 5 + (single ? 0 : 1) + did_bytes[fhd & 3];
        switch (fhd >> 6) {
        case 0: at += single ? 1 : 0; break;
        case 1: at += 2; break;
        case 2: at += 4; break;
        default: at += 8; break;
        }
        for (;;) {
            uint32_t bh;
            unsigned type;
            if (in_read_full(in, at, h, 3, &got) != STATUS_OK || got < 3)
                return in->size;
            bh = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
            type = (bh >> 1) & 3;
            if (type == 3)
                return in->size;
            at += 3 + (type == 1 ? 1 : (bh >> 3));
            if (at > in->size)
                return in->size;
            if (bh & 1)
                break;
        }
        if (fhd & 0x04)
            at += 4;
        if (at > in->size)
            return in->size;
    }
}

/* One past the lz4 frames at `pos`, from their block sizes (libarchive reads a few
 * bytes past the last frame). The input's end if not understood. */
static uint64_t lz4_end(struct input *in, uint64_t pos)
{
    unsigned char h[8];
    size_t got;
    uint64_t at = pos;

    for (;;) {
        unsigned flg;
        if (in_read_full(in, at, h, 6, &got) != STATUS_OK || got < 4)
            return at > pos && got == 0 ? at : in->size;
        if (skippable_frame(h)) {
            if (in_read_full(in, at, h, 8, &got) != STATUS_OK || got < 8)
                return in->size;
            at += 8 + (uint64_t)le32(h + 4);
            continue;
        }
        if (le32(h) != 0x184d2204u)
            return at > pos ? at : in->size;
        if (got < 6)
            return in->size;
        flg = h[4];
        if ((flg >> 6) != 1)
            return in->size;
        at += 4 + 2 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0) + 1;
        for (;;) {
            uint32_t bs;
            if (in_read_full(in, at, h, 4, &got) != STATUS_OK || got < 4)
                return in->size;
            bs = le32(h);
            at += 4;
            if (bs == 0)
                break;
            at += (bs & 0x7fffffffu) + ((flg & 0x10) ? 4 : 0);
            if (at > in->size)
                return in->size;
        }
        if (flg & 0x04)
            at += 4;
        if (at > in->size)
            return in->size;
    }
}

/* Where the compressed stream of kind k at `pos` ends, as far as can be told without
 * decoding it (a stream read front to back: not at all). */
static uint64_t stream_end(struct input *in, uint64_t pos, enum kind k)
{
    if (in->kind == IN_TAP)
        return UINT64_MAX;
    switch (k) {
    case K_XZ: return xz_end(in, pos);
    case K_ZSTD: return zstd_end(in, pos);
    case K_LZ4: return lz4_end(in, pos);
    default: return in->size;
    }
}

/* ------------------------------------------------------------------ gzip */

/* Header fields (name, comment, extra) of the gzip members of one stream whose bytes
 * are scanned as plain bytes once the stream is decoded. */
#define GZ_FIELDS_MAX 16u

/*
 * A gzip stream (one member or several in a row) decoded with zlib rather than with
 * libarchive, whose gzip filter drops its last output block (64 KiB: all of a small
 * file) when the input is cut short or damaged: zlib hands out every byte it decodes
 * before that. A CRC or length that does not match is a warning, not a loss.
 */
struct gz_src {
    struct walk *w;
    struct input *in;           /* the compressed bytes */
    const char *path;           /* the stream, for messages */
    uint64_t at;                /* input position of the next byte zlib has not consumed */
    z_stream z;
    bool live;                  /* z initialised */
    bool in_member;
    bool done;                  /* no member follows: `at` is one past the stream */
    unsigned members;
    uint32_t crc, size;         /* of the current member's output */
    unsigned char *inbuf;       /* ARCHIVE_READ_STEP_BYTES */
    enum status held;           /* a failure, reported once the bytes before it are out */
    char *held_msg;
    char *warning;
    uint64_t fields[GZ_FIELDS_MAX][2]; /* [from, to) of header fields in `in` */
    unsigned n_fields;
    bool fields_dropped;
};

static void gz_init(struct gz_src *g, struct walk *w, struct input *in, uint64_t pos,
                    const char *path)
{
    memset(g, 0, sizeof(*g));
    g->w = w;
    g->in = in;
    g->path = path;
    g->at = pos;
    g->inbuf = xmalloc(ARCHIVE_READ_STEP_BYTES);
}

static void gz_release(struct gz_src *g)
{
    if (g->live)
        inflateEnd(&g->z);
    free(g->inbuf);
    free(g->held_msg);
    free(g->warning);
    memset(g, 0, sizeof(*g));
}

/* Move *at past a zero-terminated header field; false if the input ends first. */
static bool gz_skip_string(struct input *in, uint64_t *at)
{
    unsigned char b[512];

    for (;;) {
        size_t got = 0;
        const unsigned char *z;
        if (in_read(in, *at, b, sizeof(b), &got) != STATUS_OK || got == 0)
            return false;
        if ((z = memchr(b, 0, got))) {
            *at += (uint64_t)(z - b) + 1;
            return true;
        }
        *at += got;
    }
}

/* The member header at g->at (libarchive's rule: deflate, no reserved flag): 1 and
 * g->at past it; 0 if no member starts there (what follows is not part of the stream);
 * -1 if the first member's header is cut short. */
static int gz_parse_header(struct gz_src *g)
{
    unsigned char h[10];
    size_t got = 0;
    uint64_t at = g->at;
    unsigned flg;

    if (in_read_full(g->in, at, h, sizeof(h), &got) != STATUS_OK || got < sizeof(h) ||
        h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || (h[3] & 0xe0))
        return g->members ? 0 : -1;
    flg = h[3];
    at += 10;
    if (flg & 4) {
        if (in_read_full(g->in, at, h, 2, &got) != STATUS_OK || got < 2)
            return g->members ? 0 : -1;
        at += 2 + le16(h);
    }
    if ((flg & 8) && !gz_skip_string(g->in, &at))
        return g->members ? 0 : -1;
    if ((flg & 16) && !gz_skip_string(g->in, &at))
        return g->members ? 0 : -1;
    if (flg & 2)
        at += 2;
    if (flg & (4 | 8 | 16)) { /* free text: scanned as plain bytes afterwards */
        if (g->n_fields < GZ_FIELDS_MAX) {
            g->fields[g->n_fields][0] = g->at + 10;
            g->fields[g->n_fields][1] = at;
            g->n_fields++;
        } else {
            g->fields_dropped = true;
        }
    }
    g->at = at;
    return 1;
}

static enum status gz_hold(struct gz_src *g, const char *msg)
{
    g->held = STATUS_CORRUPT;
    g->held_msg = xasprintf("'%s': cannot read compressed stream: %s", g->path, msg);
    return STATUS_OK;
}

/* The 8-byte member trailer at g->at: CRC-32 and length of what was decoded. */
static void gz_trailer(struct gz_src *g)
{
    unsigned char t[8];
    size_t got = 0;

    if (in_read_full(g->in, g->at, t, sizeof(t), &got) != STATUS_OK || got < sizeof(t)) {
        gz_hold(g, "truncated gzip input (the trailer is missing)");
        return;
    }
    g->at += 8;
    if ((le32(t) != g->crc || le32(t + 4) != g->size) && !g->warning)
        g->warning = xasprintf("gzip stream damaged (%s does not match)",
                               le32(t) != g->crc ? "CRC" : "length");
    g->in_member = false;
    g->members++;
}

/* Start the member at g->at (g->done if none follows). */
static enum status gz_begin(struct gz_src *g)
{
    int r = gz_parse_header(g);

    if (r == 0) {
        g->done = true;
        return STATUS_OK;
    }
    if (r < 0)
        return fail(STATUS_CORRUPT, "'%s': cannot read compressed stream: truncated gzip "
                    "header", g->path);
    if (!g->live) {
        memset(&g->z, 0, sizeof(g->z));
        if (inflateInit2(&g->z, -15) != Z_OK)
            return fail(STATUS_BUG, "'%s': zlib cannot start", g->path);
        g->live = true;
    } else if (inflateReset(&g->z) != Z_OK) {
        return fail(STATUS_BUG, "'%s': zlib cannot restart", g->path);
    }
    g->z.avail_in = 0;
    g->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    g->size = 0;
    g->in_member = true;
    return STATUS_OK;
}

/* Scan the header fields recorded so far as plain bytes of `in`. */
static void gz_fields(struct walk *w, struct gz_src *g)
{
    for (unsigned i = 0; i < g->n_fields && !w->stop; i++)
        (void)plain(w, g->in, g->fields[i][0], g->fields[i][1]);
    g->n_fields = 0;
    if (g->fields_dropped && !w->stop) {
        walk_gap(w, "'%s': header fields of more than %u gzip members not scanned", g->path,
                  GZ_FIELDS_MAX);
        g->fields_dropped = false;
    }
}

static enum status gz_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct gz_src *g = src;
    struct walk *w = g->w;
    uint64_t room = w->produced < w->lim->max_total_bytes
                        ? w->lim->max_total_bytes - w->produced
                        : 0;

    *got = 0;
    if (n == 0 || g->done)
        return STATUS_OK;
    if (g->held != STATUS_OK)
        return fail(g->held, "%s", g->held_msg);
    if (n > ARCHIVE_READ_STEP_BYTES)
        n = ARCHIVE_READ_STEP_BYTES;
    if (room < n)
        n = (size_t)room + 1;
    while (*got == 0 && !g->done && g->held == STATUS_OK) {
        uInt before;
        size_t made;
        int zr;

        if (!g->in_member) {
            enum status st = gz_begin(g);
            if (st != STATUS_OK)
                return st;
            if (g->done)
                break;
        }
        if (g->z.avail_in == 0) {
            size_t k = 0;
            enum status st = in_read(g->in, g->at, g->inbuf, ARCHIVE_READ_STEP_BYTES, &k);
            if (st != STATUS_OK)
                return st;
            if (k == 0)
                return fail(STATUS_CORRUPT, "'%s': cannot read compressed stream: truncated "
                            "gzip input", g->path);
            g->z.next_in = g->inbuf;
            g->z.avail_in = (uInt)k;
        }
        g->z.next_out = p;
        g->z.avail_out = (uInt)n;
        before = g->z.avail_in;
        zr = inflate(&g->z, Z_NO_FLUSH);
        g->at += before - g->z.avail_in;
        made = n - g->z.avail_out;
        g->crc = (uint32_t)crc32(g->crc, p, (uInt)made);
        g->size += (uint32_t)made;
        *got = made;
        if (zr == Z_STREAM_END) {
            g->z.avail_in = 0; /* read on from g->at: the trailer, the next member */
            gz_trailer(g);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            gz_hold(g, g->z.msg ? g->z.msg : "gzip decompression failed");
        } else if (made == 0 && before == g->z.avail_in) {
            gz_hold(g, "gzip decompression makes no progress");
        }
    }
    if (g->in->top && g->at > w->top_in)
        w->top_in = g->at;
    if (*got == 0 && g->held != STATUS_OK)
        return fail(g->held, "%s", g->held_msg);
    {
        size_t r = *got;
        *got = (uint64_t)r > room ? (size_t)room : r; /* never scan past the budget */
        return account(w, g->path, r);
    }
}

/* ------------------------------------------------------------------ walking archives */

static void scan_from(struct walk *w, struct input *in, uint64_t pos, unsigned depth,
                      uint64_t *containers);

/* What a member's reading left to say: data libarchive delivered with a warning (a bad
 * CRC) was scanned all the same, and may not be what was stored. */
static void member_done(struct walk *w, struct member_src *src)
{
    if (src->warning && !w->stop) {
        walk_warn(w, "'%s': %s; its bytes were scanned as they are", src->path, src->warning);
        w->stats->damaged++;
    }
}

/* Read the rest of a member that looks like an archive into memory (bounded by what is
 * left of the byte budget) and scan it as an input of its own. Returns false if the
 * outer archive is dead. */
static bool nested(struct walk *w, struct member *m, struct member_src *src,
                   struct archive_entry *e, size_t have, bool eof, unsigned depth)
{
    uint64_t room = w->produced < w->lim->max_total_bytes
                        ? w->lim->max_total_bytes - w->produced
                        : 0;
    size_t cap = room > SIZE_MAX - have - 1 ? SIZE_MAX - 1 : have + (size_t)room;
    size_t alloc = have, n = have;
    unsigned char *data = NULL;
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
    if (rst != STATUS_OK && !stream_failed(src->in)) {
        /* Truncated: open what arrived, so keys before the cut are still found. */
        walk_gap(w, "%s", status_message());
    }
    {
        struct input in;
        memset(&in, 0, sizeof(in));
        in.kind = IN_MEM;
        in.mem = data;
        in.size = n;
        in.tmpl = &m->tmpl;
        in.plain = &m->tmpl;
        in.mark.line = 1;
        scan_from(w, &in, 0, depth, NULL);
    }
out:
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
    } else if (st != STATUS_OK && !stream_failed(src->in)) {
        walk_vsay_kind(w, DIAG_UNREADABLE, status_message());
        w->stats->skipped++;
    }
    return !src->fatal;
}

/* One header just read. Returns false if the archive cannot go on. */
static bool entry(struct walk *w, struct level *lv, struct archive_entry *e)
{
    const struct blob *tmpl = lv->in->tmpl;
    const char *raw = archive_entry_pathname(e);
    char *name = NULL;
    struct member m;
    struct member_src src;
    size_t have = 0;
    enum status rst;
    bool go_on = true, eof;

    memset(&m, 0, sizeof(m));
    member_src_init(&src, w, lv->a, lv->in, blob_name(tmpl), "member");
    /* A tar's members are slices of a decoded stream its tap has counted already. */
    src.account = !(lv->in->decoded && lv->tar);
    if (!raw)
        raw = archive_entry_pathname_utf8(e);
    if (raw && strlen(raw) > w->lim->max_name_bytes) {
        char *shown = sanitize(raw, 60);
        w->stats->limits_hit++;
        walk_warn(w, "'%s!%s...': member name longer than %zu bytes, member skipped",
                  blob_name(tmpl), shown, w->lim->max_name_bytes);
        free(shown);
        if (!archive_entry_is_encrypted(e))
            go_on = drain(w, &src);
        goto out;
    }
    name = sanitize(raw && *raw ? raw : "?", SIZE_MAX);
    if (archive_entry_is_encrypted(e)) {
        {
            char *msg = xasprintf("'%s!%s': encrypted member skipped", blob_name(tmpl), name);
            walk_vsay_kind(w, DIAG_UNREADABLE, msg);
            free(msg);
        }
        w->stats->skipped++;
        goto out;
    }
    if (archive_entry_filetype(e) != AE_IFREG) {
        go_on = drain(w, &src); /* directories, links, devices: nothing of their own */
        goto out;
    }
    member_init(&m, tmpl, name);
    src.path = m.path;
    w->stats->members++;
    ensure_buf(w);
    rst = read_full(member_read, &src, *w->buf, LIMIT_CHUNK_BYTES, &have);
    eof = rst != STATUS_OK || have < LIMIT_CHUNK_BYTES;
    /* A member held whole may also be a zip with something in front of it. */
    if (rst == STATUS_OK && (eof ? src_archive_sniff_whole(*w->buf, have)
                                 : src_archive_sniff(*w->buf, have))) {
        if (lv->depth < w->lim->max_depth) {
            go_on = nested(w, &m, &src, e, have, eof, lv->depth + 1);
            goto out;
        }
        w->stats->limits_hit++;
        walk_warn(w, "'%s': archive limit hit: nested deeper than %u archives, scanned as "
                  "plain bytes", m.path, w->lim->max_depth);
    }
    {
        enum status st = stream(w, &m.tmpl, member_read, &src, have, eof, NULL);
        if (rst == STATUS_OK)
            rst = st;
    }
    if (w->cb_st != STATUS_OK)
        goto out;
    if (rst == STATUS_LIMIT) {
        walk_limit(w);
    } else if (rst != STATUS_OK && !stream_failed(lv->in)) {
        if (src.fatal) {
            walk_gap(w, "%s", status_message());
        } else {
            walk_vsay_kind(w, DIAG_UNREADABLE, status_message());
            w->stats->skipped++;
        }
    }
    go_on = !src.fatal;
out:
    member_done(w, &src);
    member_src_release(&src);
    member_release(&m);
    free(name);
    return go_on && !w->stop;
}

/*
 * Walk the archive open in lv->a. Returns false when it is not an archive at all (no
 * readable first header): the caller then scans its bytes as they are. Problems after
 * the first header are warnings; damaged tar blocks skipped on the way to a good header
 * are scanned as plain bytes, and lv->bad_from says where damage ran to the end.
 */
static bool walk_archive(struct walk *w, struct level *lv)
{
    uint64_t headers = 0;
    unsigned bad = 0;

    lv->good = 0;
    lv->bad_from = UINT64_MAX;
    for (;;) {
        struct archive_entry *e = NULL;
        int64_t before;
        bool ok;
        int r;

        if (w->stop)
            return true;
        before = archive_filter_bytes(lv->a, -1);
        r = archive_read_next_header(lv->a, &e);
        ok = r == ARCHIVE_OK || r == ARCHIVE_WARN;
        if (r == ARCHIVE_EOF || (!ok && stream_failed(lv->in)))
            return true;
        if (headers == 0 && r == ARCHIVE_FATAL)
            return false;
        headers++;
        if (++w->members > w->lim->max_members) {
            fail(STATUS_LIMIT, "'%s': archive limit hit: more than %" PRIu64
                 " members in '%s', the rest of it is skipped",
                 blob_name(lv->in->tmpl), w->lim->max_members, w->top_name);
            walk_limit(w);
            return true;
        }
        if (!ok) { /* ARCHIVE_FAILED, ARCHIVE_RETRY or (later) ARCHIVE_FATAL */
            if (lv->bad_from == UINT64_MAX) {
                char *msg = archive_message(lv->a, "bad header");
                walk_warn(w, "'%s': corrupt or truncated archive: %s", blob_name(lv->in->tmpl),
                          msg);
                free(msg);
                w->stats->damaged++;
                lv->bad_from = before > 0 ? (uint64_t)before : 0;
            }
            if (r == ARCHIVE_FATAL || ++bad >= ARCHIVE_BAD_HEADERS_MAX)
                return true;
            continue;
        }
        lv->tar = (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR;
        if (lv->bad_from != UINT64_MAX && lv->tar) {
            /* The blocks skipped to get here were no headers: scan them as they are. */
            int64_t at = archive_read_header_position(lv->a);
            if (at > 0 && (uint64_t)at > lv->bad_from)
                (void)plain(w, lv->in, lv->start + lv->bad_from, lv->start + (uint64_t)at);
        }
        lv->bad_from = UINT64_MAX;
        bad = 0;
        if (lv->good++ == 0)
            w->stats->archives++;
        if (!entry(w, lv, e))
            return true;
    }
}

/* Where `in` is, for messages: its name, and the byte offset unless at its start. */
static char *where(const struct input *in, uint64_t pos)
{
    if (pos == 0)
        return xasprintf("'%s'", blob_name(in->plain));
    return xasprintf("'%s' (from byte %" PRIu64 ")", blob_name(in->plain), pos);
}

/* Whether a zip's local header starts at `pos` (not a launcher script in front). */
static bool classify_at_is_zip(struct input *in, uint64_t pos)
{
    unsigned char h[4];
    size_t got = 0;
    return in_read_full(in, pos, h, sizeof(h), &got) == STATUS_OK && got == 4 &&
           memcmp(h, "PK\3\4", 4) == 0;
}

/*
 * The archive (zip, tar, 7z) at `pos` of `in`: its members are scanned; bytes in front
 * of a zip's first member are scanned as an input of their own; an archive without
 * members is scanned as plain bytes. Returns where the input goes on (one past the
 * archive), UINT64_MAX when it is done.
 */
static uint64_t container(struct walk *w, struct input *in, uint64_t pos, enum kind k,
                          unsigned depth, uint64_t *containers)
{
    struct zip_end z;
    bool have_z = false, is_archive = false;
    uint64_t from = pos, end = 0, next = UINT64_MAX;
    struct view v;
    struct level lv;
    struct archive *a;

    memset(&v, 0, sizeof(v));
    if (k == K_ZIP && in->kind != IN_TAP &&
        zip_find_end(in, pos, in->size, false, w->lim->max_members, &z)) {
        struct zip_end first;
        have_z = true;
        if (z.data > pos && classify_at_is_zip(in, pos) &&
            zip_find_first(in, pos, w->lim->max_members, &first))
            z = first; /* this zip is followed by another one */
        if (z.data > pos) {
            /* In front of its first member: a launcher script, another zip, ... */
            struct input sub = *in;
            sub.size = z.data;
            if (++sub.splits > ARCHIVE_SPLITS_MAX) {
                char *at = where(in, pos);
                walk_warn(w, "%s: archive limit hit: more than %u zips in front of a zip, "
                          "scanned as plain bytes", at, ARCHIVE_SPLITS_MAX);
                free(at);
                w->stats->limits_hit++;
                (void)plain(w, &sub, pos, z.data);
            } else {
                scan_from(w, &sub, pos, depth, containers);
            }
            in->mark = sub.mark;
            if (w->stop)
                return UINT64_MAX;
            from = z.data;
        }
    }
    a = format_reader_new();
    memset(&lv, 0, sizeof(lv));
    lv.in = in;
    lv.a = a;
    lv.start = pos;
    lv.depth = depth;
    lv.tar = k == K_TAR;
    if (view_open(a, &v, in, pos, have_z ? z.end : in->size, w) == ARCHIVE_OK)
        is_archive = walk_archive(w, &lv);
    if (w->stop)
        goto out;
    if (!is_archive) {
        if (!stream_failed(in)) {
            char *msg = archive_message(a, "no known archive format");
            char *at = where(in, pos);
            walk_warn(w, "%s: not a readable archive (%s), scanned as plain bytes", at, msg);
            free(msg);
            free(at);
            w->stats->damaged++;
        }
        (void)plain(w, in, from, UINT64_MAX);
        goto out;
    }
    if (have_z) {
        end = z.end;
    } else if (k != K_7Z || !sevenz_end(in, pos, &end)) {
        int64_t c = archive_filter_bytes(a, -1);
        end = lv.tar && lv.bad_from != UINT64_MAX ? pos + lv.bad_from
                                                  : pos + (c > 0 ? (uint64_t)c : 0);
    }
    if (have_z && lv.good > 0 && z.cd >= from && z.cd < z.end)
        (void)plain(w, in, z.cd, z.end); /* member comments (names too) are text */
    if (lv.good == 0) {
        /* No members: its bytes are plain bytes like any others. */
        (void)plain(w, in, from, end > from ? end : UINT64_MAX);
        next = end > from ? end : UINT64_MAX;
    } else {
        if (containers)
            (*containers)++;
        next = end > pos ? end : pos + 1;
    }
out:
    archive_read_free(a);
    view_close(w, &v);
    return next;
}

/*
 * The compressed stream at `pos` of `in`: decoded through a tap, its output is scanned
 * as an input of its own (members of archives in it are named after `in`, its plain
 * bytes after the stream: "x.tar.gz!x.tar"). Returns where `in` goes on (one past the
 * stream), UINT64_MAX when it is done.
 */
static uint64_t filtered(struct walk *w, struct input *in, uint64_t pos, enum kind k,
                         unsigned depth, uint64_t *containers)
{
    const struct blob *parent = in->decoded ? in->plain : in->tmpl;
    struct archive *f = NULL;
    struct archive_entry *e = NULL;
    struct view v;
    struct member m;
    struct member_src src;
    struct gz_src g;
    struct tap t;
    struct input d;
    uint64_t next = UINT64_MAX, found = 0;
    char *name = NULL;
    bool gz = k == K_GZIP;
    int r = ARCHIVE_OK;

    memset(&v, 0, sizeof(v));
    memset(&m, 0, sizeof(m));
    memset(&src, 0, sizeof(src));
    memset(&g, 0, sizeof(g));
    memset(&t, 0, sizeof(t));
    if (in->decoded && depth >= w->lim->max_depth) {
        w->stats->limits_hit++;
        walk_warn(w, "'%s': archive limit hit: nested deeper than %u archives, scanned as "
                  "plain bytes", blob_name(in->plain), w->lim->max_depth);
        (void)plain(w, in, pos, UINT64_MAX);
        return UINT64_MAX;
    }
    if (gz) {
        gz_init(&g, w, in, pos, blob_name(in->plain));
        if (gz_begin(&g) != STATUS_OK)
            r = ARCHIVE_FATAL;
        else
            gz_fields(w, &g); /* the first member's name and comment */
    } else {
        f = filter_reader_new();
        r = view_open(f, &v, in, pos, stream_end(in, pos, k), w);
        if (r == ARCHIVE_OK)
            r = archive_read_next_header(f, &e);
        if (r == ARCHIVE_OK && archive_filter_count(f) < 2)
            r = ARCHIVE_FATAL;
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        if (!w->stop && !stream_failed(in)) {
            char *msg = gz ? xstrdup("truncated gzip header")
                           : archive_message(f, "not a known compressed stream");
            char *at = where(in, pos);
            walk_warn(w, "%s: not a readable archive (%s), scanned as plain bytes", at, msg);
            free(msg);
            free(at);
            w->stats->damaged++;
            (void)plain(w, in, pos, UINT64_MAX);
        }
        goto out;
    }
    name = raw_member_name(parent);
    member_init(&m, parent, name);
    if (gz) {
        tap_init(&t, gz_read, &g);
    } else {
        member_src_init(&src, w, f, in, blob_name(in->plain), "compressed stream");
        tap_init(&t, member_read, &src);
    }
    memset(&d, 0, sizeof(d));
    d.kind = IN_TAP;
    d.tap = &t;
    d.size = UINT64_MAX;
    d.tmpl = parent;
    d.plain = &m.tmpl;
    d.decoded = true;
    scan_from(w, &d, 0, in->decoded ? depth + 1 : depth, &found);
    if (containers)
        *containers += found;
    if (w->stop)
        goto out;
    if (t.st == STATUS_LIMIT) {
        walk_limit_msg(w, t.msg);
        goto out;
    }
    if (t.st != STATUS_OK) {
        walk_gap(w, "%s (%" PRIu64 " bytes were decoded before that and scanned)", t.msg,
                  t.head);
    }
    if (found == 0) {
        w->stats->archives++;
        if (t.head > 0)
            w->stats->members++;
    }
    if (gz) {
        gz_fields(w, &g); /* names and comments of the members after the first */
        if (g.warning && !w->stop) {
            walk_warn(w, "'%s': %s; its bytes were scanned as they are", g.path, g.warning);
            w->stats->damaged++;
        }
        next = g.at > pos ? g.at : UINT64_MAX;
    } else {
        int64_t c = archive_filter_bytes(f, -1);
        member_done(w, &src);
        next = c > 0 ? pos + (uint64_t)c : UINT64_MAX;
    }
out:
    if (f)
        archive_read_free(f);
    view_close(w, &v);
    tap_release(&t);
    gz_release(&g);
    member_src_release(&src);
    member_release(&m);
    free(name);
    return next;
}

/* A read of `in` failed: say so, unless someone else does (a stream's decoder). */
static void input_failed(struct walk *w, const struct input *in)
{
    if (w->stop || in->kind == IN_TAP)
        return;
    walk_gap(w, "'%s': %s", blob_name(in->plain), status_message());
}

/*
 * Scan `in` from `pos` to its end: archives and compressed streams where they start
 * (zero bytes in between are skipped), plain bytes where nothing does, up to the end.
 * *containers counts the archives with members opened.
 */
static void scan_from(struct walk *w, struct input *in, uint64_t pos, unsigned depth,
                      uint64_t *containers)
{
    const uint64_t start = pos;
    unsigned segments = 0;

    while (!w->stop && pos != UINT64_MAX) {
        unsigned char head[512];
        size_t n = 0;
        enum status st;
        enum kind k;
        struct zip_end z;

        if (in->kind == IN_TAP && pos < in->tap->tail.offset)
            pos = plain_lost(w, in, pos);
        st = skip_zeros(in, &pos);
        if (st == STATUS_OK)
            st = in_read_full(in, pos, head, sizeof(head), &n);
        if (st != STATUS_OK && n == 0) { /* else: scan what arrived before the failure */
            input_failed(w, in);
            return;
        }
        if (n == 0)
            return;
        if (++segments > LIMIT_ARCHIVE_SEGMENTS) {
            char *at = where(in, pos);
            walk_warn(w, "%s: archive limit hit: more than %u archives or streams one after "
                      "another, the rest is scanned as plain bytes", at, LIMIT_ARCHIVE_SEGMENTS);
            free(at);
            w->stats->limits_hit++;
        }
        k = segments > LIMIT_ARCHIVE_SEGMENTS ? K_NONE : classify(head, n);
        if (k == K_NONE && segments <= LIMIT_ARCHIVE_SEGMENTS && in->kind != IN_TAP &&
            zip_find_end(in, pos, in->size, true, w->lim->max_members, &z))
            k = K_ZIP; /* a zip with something in front of it: a self-running jar */
        if (k == K_NONE) {
            if (segments == 1 && start == 0 && !in->decoded && in->splits == 0) {
                /* Handed over as an archive, and none at all. */
                char *at = where(in, pos);
                walk_warn(w, "%s: not a readable archive (no known archive format), scanned "
                          "as plain bytes", at);
                w->stats->damaged++;
                free(at);
            }
            if (plain(w, in, pos, UINT64_MAX) != STATUS_OK)
                input_failed(w, in);
            return;
        }
        pos = kind_is_stream(k) ? filtered(w, in, pos, k, depth, containers)
                                : container(w, in, pos, k, depth, containers);
    }
}

/* ------------------------------------------------------------------ entry points */

bool src_archive_sniff_whole(const unsigned char *p, size_t n)
{
    struct input in;
    struct zip_end z;

    if (!p)
        return false;
    if (src_archive_sniff(p, n))
        return true;
    memset(&in, 0, sizeof(in));
    in.kind = IN_MEM;
    in.mem = p;
    in.size = n;
    return zip_find_end(&in, 0, n, true, default_limits.max_members, &z);
}

bool src_archive_sniff_fd(int fd)
{
    unsigned char head[512];
    struct input in;
    struct zip_end z;
    struct stat st;
    off_t start = lseek(fd, 0, SEEK_CUR);
    ssize_t n;

    if (start < 0)
        return false;
    do
        n = pread(fd, head, sizeof(head), start);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    if (src_archive_sniff(head, (size_t)n))
        return true;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= start)
        return false;
    memset(&in, 0, sizeof(in));
    in.kind = IN_FD;
    in.fd = fd;
    in.base = (uint64_t)start;
    in.size = (uint64_t)(st.st_size - start);
    return zip_find_end(&in, 0, in.size, true, default_limits.max_members, &z);
}

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
    struct input in;
    static const unsigned char empty[1];

    memset(&dummy, 0, sizeof(dummy));
    walk_init(&w, tmpl, lim, buf, fn, payload, stats ? stats : &dummy);
    if (!data)
        data = empty;
    if (w.lim->max_depth == 0) {
        feed_plain(&w, tmpl, data, len);
        return w.cb_st;
    }
    memset(&in, 0, sizeof(in));
    in.kind = IN_MEM;
    in.mem = data;
    in.size = len;
    in.tmpl = tmpl;
    in.plain = tmpl;
    in.top = true;
    in.mark.line = 1;
    scan_from(&w, &in, 0, 1, NULL);
    return w.cb_st;
}

enum status src_archive_scan_fd(int fd, const struct blob *tmpl, const struct archive_limits *lim,
                                unsigned char **buf, blob_fn *fn, void *payload,
                                struct archive_stats *stats)
{
    struct archive_stats dummy;
    struct walk w;
    struct input in;
    struct tap t;
    struct fd_src f = { fd };
    struct stat st;
    off_t start;

    memset(&dummy, 0, sizeof(dummy));
    memset(&t, 0, sizeof(t));
    memset(&in, 0, sizeof(in));
    walk_init(&w, tmpl, lim, buf, fn, payload, stats ? stats : &dummy);
    if (w.lim->max_depth == 0) {
        ensure_buf(&w);
        if (stream(&w, tmpl, fd_read, &f, 0, false, NULL) != STATUS_OK &&
            w.cb_st == STATUS_OK) {
            walk_gap(&w, "'%s': %s", w.top_name, status_message());
        }
        return w.cb_st;
    }
    in.tmpl = tmpl;
    in.plain = tmpl;
    in.top = true;
    in.mark.line = 1;
    start = lseek(fd, 0, SEEK_CUR);
    if (start >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= start) {
        in.kind = IN_FD;
        in.fd = fd;
        in.base = (uint64_t)start;
        in.size = (uint64_t)(st.st_size - start);
    } else {
        /* A pipe: read once, front to back, through a tap. */
        tap_init(&t, fd_read, &f);
        in.kind = IN_TAP;
        in.tap = &t;
        in.size = UINT64_MAX;
    }
    scan_from(&w, &in, 0, 1, NULL);
    if (in.kind == IN_TAP && t.st != STATUS_OK && !w.stop) {
        walk_gap(&w, "'%s': %s", w.top_name, t.msg);
    }
    tap_release(&t);
    return w.cb_st;
}
