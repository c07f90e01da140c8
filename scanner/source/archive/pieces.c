/*
 * source/archive/pieces.c - an input cut into pieces, each scanned for what it is; the
 * scan entry points.
 *
 * From the front of an input to its end: a compressed stream is decoded (through a tap,
 * input.c) and its output scanned as an input of its own; an archive is walked member
 * by member (members.c); every other byte (in front of a zip, after the end of an
 * archive or of a compressed stream, between two archives, in an archive without
 * members) is scanned as plain bytes, at its own offset, line and column. Where a piece
 * ends is what libarchive or the gzip reader consumed, or what ends.c works out; zero
 * bytes between pieces are skipped. Bounded: LIMIT_ARCHIVE_SEGMENTS pieces per input,
 * ARCHIVE_SPLITS_MAX zips in front of a zip, max_depth nested streams.
 */
#include "source/archive/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/archive/lazy.h"

#include "base/xalloc.h"
#include "source/src_fs.h"

/* The bytes at `pos` are no archive that can be read (why: msg, freed here): a note
 * (they are scanned as plain bytes all the same, by the caller). */
static void not_readable(struct walk *w, const struct input *in, uint64_t pos, char *msg)
{
    char *at = where(in, pos);

    walk_warn(w, "%s: not a readable archive (%s), scanned as plain bytes", at, msg);
    free(msg);
    free(at);
    w->stats->damaged++;
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
                (void)plain_scan(w, &sub, pos, z.data);
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
    if (view_open(a, &v, in, pos, have_z ? z.end : in->size, w) == ARCHIVE_OK) {
        if (have_z) /* members independent, found from the central directory */
            lv.pf = prefetch_open(w, in, pos, z.end);
        is_archive = walk_archive(w, &lv);
        prefetch_close(lv.pf);
    }
    if (w->stop)
        goto out;
    if (!is_archive) {
        if (!stream_failed(in))
            not_readable(w, in, pos, reader_message(a, "no known archive format"));
        (void)plain_scan(w, in, from, UINT64_MAX);
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
        (void)plain_scan(w, in, z.cd, z.end); /* member comments (names too) are text */
    if (lv.good == 0) {
        /* No members: its bytes are plain bytes like any others. */
        (void)plain_scan(w, in, from, end > from ? end : UINT64_MAX);
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
        (void)plain_scan(w, in, pos, UINT64_MAX);
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
            not_readable(w, in, pos, gz ? xstrdup("truncated gzip header")
                                        : reader_message(f, "not a known compressed stream"));
            (void)plain_scan(w, in, pos, UINT64_MAX);
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
void scan_from(struct walk *w, struct input *in, uint64_t pos, unsigned depth,
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
        k = segments > LIMIT_ARCHIVE_SEGMENTS ? K_NONE : sniff_kind(head, n);
        if (k == K_NONE && segments <= LIMIT_ARCHIVE_SEGMENTS && in->kind != IN_TAP &&
            zip_find_end(in, pos, in->size, true, w->lim->max_members, &z))
            k = K_ZIP; /* a zip with something in front of it: a self-running jar */
        if (k == K_NONE) {
            if (segments == 1 && start == 0 && !in->decoded && in->splits == 0) {
                /* Handed over as an archive, and none at all. */
                not_readable(w, in, pos, xstrdup("no known archive format"));
            }
            if (plain_scan(w, in, pos, UINT64_MAX) != STATUS_OK)
                input_failed(w, in);
            return;
        }
        pos = kind_is_stream(k) ? filtered(w, in, pos, k, depth, containers)
                                : container(w, in, pos, k, depth, containers);
    }
}

/* An in-memory input scanned as it is (max_depth 0). */
static void feed_plain(struct walk *w, const struct blob *tmpl, const unsigned char *data,
                       size_t len)
{
    enum status st;

    w->stats->bytes += len;
    st = chunk_feed(tmpl, NULL, data, len, w->fn, w->payload);
    if (st != STATUS_OK) {
        w->cb_st = st;
        w->stop = true;
    }
}

static void walk_init(struct walk *w, const struct blob *tmpl, const struct archive_limits *lim,
                      unsigned char **buf, blob_fn *fn, void *payload,
                      struct archive_stats *stats, const struct src_helpers *h)
{
    memset(w, 0, sizeof(*w));
    w->helpers = h;
    w->lim = lim ? lim : &src_archive_defaults;
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
    return src_archive_scan_mem_with(data, len, tmpl, lim, buf, fn, payload, stats, NULL);
}

enum status src_archive_scan_fd(int fd, const struct blob *tmpl, const struct archive_limits *lim,
                                unsigned char **buf, blob_fn *fn, void *payload,
                                struct archive_stats *stats)
{
    return src_archive_scan_fd_with(fd, tmpl, lim, buf, fn, payload, stats, NULL);
}

enum status src_archive_scan_mem_with(const unsigned char *data, size_t len,
                                      const struct blob *tmpl, const struct archive_limits *lim,
                                      unsigned char **buf, blob_fn *fn, void *payload,
                                      struct archive_stats *stats, const struct src_helpers *h)
{
    struct archive_stats dummy;
    struct walk w;
    struct input in;
    static const unsigned char empty[1];

    memset(&dummy, 0, sizeof(dummy));
    walk_init(&w, tmpl, lim, buf, fn, payload, stats ? stats : &dummy, h);
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

enum status src_archive_scan_fd_with(int fd, const struct blob *tmpl,
                                     const struct archive_limits *lim, unsigned char **buf,
                                     blob_fn *fn, void *payload, struct archive_stats *stats,
                                     const struct src_helpers *h)
{
    struct archive_stats dummy;
    struct walk w;
    struct input in;
    struct tap t;
    struct src_fs_fd f = { fd, 0 };
    struct stat st;
    off_t start;

    memset(&dummy, 0, sizeof(dummy));
    memset(&t, 0, sizeof(t));
    memset(&in, 0, sizeof(in));
    walk_init(&w, tmpl, lim, buf, fn, payload, stats ? stats : &dummy, h);
    if (w.lim->max_depth == 0) {
        if (walk_stream(&w, tmpl, src_fs_fd_read, &f, 0, false, NULL) != STATUS_OK &&
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
        tap_init(&t, src_fs_fd_read, &f);
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
