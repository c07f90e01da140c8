/*
 * source/archive/reader.c - libarchive, as the walk uses it: an input shown to it as a
 * file (a view), the readers it is allowed to be, and member data read with accounting.
 *
 * What it enables: zip, tar and 7z, and compressed streams in the raw format; not mtree
 * (it opens files named in the input), not cpio (its name-size field is trusted), no
 * filter that would run an external program. Nothing is extracted. The tricky point is
 * member data: it is read with archive_read_data_block(), which keeps the bytes of a
 * block delivered with a warning (a bad CRC) and those before an error; a failure is
 * reported once the bytes before it are out, and every byte counts against the limits
 * before it is handed over. A member inflated ahead by an idle worker (prefetch.c) is
 * served from its bytes as one block, through the same accounting.
 */
#include "source/archive/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/archive/lazy.h"

#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"

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
    if (v->peek) {
        /* A stream: its bytes where the tap keeps them (libarchive lets go of a block
         * at its next read, the tap writes over nothing it keeps before it pulls). */
        const unsigned char *p = NULL;
        st = tap_peek(v->in->tap, at, n, &p, &got);
        if (got > 0)
            *out = p;
    } else {
        st = in_read_full(v->in, at, v->block, n, &got);
    }
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
int view_open(struct archive *a, struct view *v, struct input *in, uint64_t start, uint64_t end,
              struct walk *w)
{
    memset(v, 0, sizeof(*v));
    v->in = in;
    v->peek = in->kind == IN_TAP && !w->lim->copy_members;
    v->start = start;
    v->end = end;
    v->hi = start;
    if (in->top)
        w->top = v;
    if (in->kind != IN_MEM && !v->peek)
        v->block = xmalloc(ARCHIVE_FD_BLOCK_BYTES);
    archive_read_set_read_callback(a, view_read);
    if (in->kind != IN_TAP)
        archive_read_set_seek_callback(a, view_seek);
    archive_read_set_callback_data(a, v);
    return archive_read_open1(a);
}

/* The reader of v is freed: v is done with. */
void view_close(struct walk *w, struct view *v)
{
    if (w->top == v) {
        if (v->hi > w->top_in)
            w->top_in = v->hi;
        w->top = NULL;
    }
    free(v->block);
    v->block = NULL;
}

/* Every libarchive reader is made here: libarchive is loaded first (lazy.h). */
struct archive *reader_new(void)
{
    struct archive *a;

    if (!la_load()) {
        /* a dependency of the package: as fatal as the loader failing at start was */
        log_error("archives cannot be read: %s", la_error());
        abort();
    }
    a = archive_read_new();
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
struct archive *format_reader_new(void)
{
    struct archive *a = reader_new();

    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_7zip(a);
    return a;
}

/* A decoder for compressed streams (several stacked: .tar.gz.xz): its one entry, in
 * the raw format, is the decoded stream. No filter that would fall back to an external
 * program. */
struct archive *filter_reader_new(void)
{
    struct archive *a = reader_new();

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

/* Where the base name of `path`'s last part starts: after the last '/' that follows its
 * last separator '!' (not one escaped as "\!": the tail holds escaped names). */
static const char *leaf_name(const char *path, size_t tail)
{
    size_t n = strlen(path), head = tail < n ? n - tail : 0;
    const char *leaf = NULL;

    for (size_t i = head; i < n; i++) {
        if (path[i] == '\\')
            i++; /* an escape: "\\", "\!", "\xNN", "\uNNNN" */
        else if (path[i] == '!')
            leaf = path + i + 1;
    }
    if (leaf)
        return strrchr(leaf, '/') ? strrchr(leaf, '/') + 1 : leaf;
    for (size_t i = head; i > 0; i--)
        if (path[i - 1] == '/')
            return path + i;
    return path;
}

/* The single member of a compressed stream: the outer name without its suffix
 * ("app.log.gz!app.log", "dump.tgz!dump.tar"), "data" when there is none; escaped for
 * display (member_init). */
char *raw_member_name(const struct blob *parent)
{
    static const char *const suffixes[][2] = {
        { ".gz", "" }, { ".bz2", "" }, { ".xz", "" }, { ".zst", "" }, { ".lz4", "" },
        { ".lz", "" }, { ".Z", "" }, { ".tgz", ".tar" }, { ".tbz2", ".tar" },
        { ".tbz", ".tar" }, { ".txz", ".tar" }, { ".tzst", ".tar" },
    };
    const char *name = blob_name(parent);
    const char *base = leaf_name(name, parent->shown_tail);
    bool shown = base >= name + strlen(name) - parent->shown_tail && parent->shown_tail;
    size_t n = strlen(base);

    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        size_t k = strlen(suffixes[i][0]);
        if (n > k && strcmp(base + n - k, suffixes[i][0]) == 0) {
            char *e = shown ? xstrndup(base, n - k)
                            : escape_dup(base, n - k, ESC_BACKSLASH | ESC_BANG);
            char *r = xasprintf("%s%s", e, suffixes[i][1]);
            free(e);
            return r;
        }
    }
    return xstrdup("data");
}

/* libarchive's last message for `a` (or `otherwise`), sanitized: it may quote member
 * names. */
char *reader_message(struct archive *a, const char *otherwise)
{
    const char *m = archive_error_string(a);

    if (!m || !*m)
        m = otherwise;
    return xstrndup(m, strnlen(m, 300)); /* the log line escapes it */
}

void member_src_init(struct member_src *m, struct walk *w, struct archive *a,
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

void member_src_release(struct member_src *m)
{
    free(m->held_msg);
    free(m->warning);
    free(m->pre);
    m->held_msg = m->warning = NULL;
    m->pre = NULL;
}

/* libarchive's next block of the member into m (blk, blk_len, blk_off), or its end
 * (m->eof), or a failure held for after the bytes before it (m->held). Blocks
 * delivered with a warning (a bad CRC) are kept, the warning noted. */
static void next_block(struct member_src *m)
{
    const void *b = NULL;
    size_t len = 0;
    la_int64_t off = 0;
    int r;

    if (m->pre) { /* inflated ahead (prefetch.c): one block, then the end */
        r = m->pre_out ? ARCHIVE_EOF : ARCHIVE_OK;
        b = m->pre;
        len = m->pre_out ? 0 : m->pre_len;
        m->pre_out = true;
    } else {
        r = archive_read_data_block(m->a, &b, &len, &off);
    }
    if (r == ARCHIVE_EOF) {
        m->eof = true;
        return;
    }
    if (r == ARCHIVE_WARN) {
        if (!m->warning)
            m->warning = reader_message(m->a, "damaged data");
    } else if (r != ARCHIVE_OK) {
        char *msg = reader_message(m->a, "read error");
        m->fatal = r == ARCHIVE_FATAL;
        m->held = STATUS_CORRUPT;
        m->held_msg = xasprintf("'%s': cannot read %s: %s", m->path, m->what, msg);
        free(msg);
        return;
    }
    if (off < m->out || (len > 0 && !b)) {
        m->held = STATUS_CORRUPT;
        m->held_msg = xasprintf("'%s': cannot read %s: blocks out of order", m->path,
                                m->what);
        m->fatal = true;
        return;
    }
    m->blk = b;
    m->blk_len = len;
    m->blk_off = off;
}

/*
 * Read a member through archive_read_data_block(), not archive_read_data(): the latter
 * drops the block it was given with ARCHIVE_WARN (a zip member whose CRC does not match
 * still comes with its inflated bytes) and, on an error, the bytes of earlier blocks it
 * had copied in the same call. A failure is reported once the bytes before it are out.
 */
enum status member_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct member_src *m = src;
    struct walk *w = m->w;
    uint64_t room = walk_room(w);
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
            next_block(m);
            if (m->held != STATUS_OK)
                break;
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
        return walk_account(w, m->path, r);
    }
}

const unsigned char *member_block(struct member_src *m, uint64_t size, enum status *st)
{
    const unsigned char *p;

    *st = STATUS_OK;
    if (m->held != STATUS_OK || m->eof || m->out != 0 || m->blk_len || m->pre || size == 0 ||
        size > ARCHIVE_READ_STEP_BYTES || m->w->lim->copy_members)
        return NULL;
    next_block(m);
    if (m->held != STATUS_OK || m->eof || m->warning || m->blk_off != 0 ||
        m->blk_len != size || (m->account && walk_room(m->w) < size))
        return NULL; /* left in m for member_read */
    p = m->blk;
    m->blk += size;
    m->blk_len = 0;
    m->blk_off += (int64_t)size;
    m->out += (int64_t)size;
    if (m->account)
        *st = walk_account(m->w, m->path, size);
    return p;
}
