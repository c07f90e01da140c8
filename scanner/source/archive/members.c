/*
 * source/archive/members.c - the members of one archive: each read through libarchive
 * and handed to the chunk streamer under "<archive>!<member>", nested archives opened
 * recursively, the rest drained so that it still counts against the limits.
 *
 * A member whose first bytes look like an archive is read whole into memory (bounded by
 * what is left of the byte budget) and scanned as an input of its own, one level deeper,
 * up to max_depth; deeper, it is scanned as it is. Encrypted members and overlong names
 * are skipped with a warning; damaged headers are retried a few times, and the tar
 * blocks skipped on the way to a good header are scanned as plain bytes. Member names
 * are display text only: nothing is extracted.
 */
#include "source/archive/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "source/archive/lazy.h"

#include "base/escape.h"
#include "base/xalloc.h"

void member_init(struct member *m, const struct blob *parent, const char *name)
{
    memset(m, 0, sizeof(*m));
    m->tmpl = *parent;
    m->path = xasprintf("%s!%s", blob_name(parent), name);
    m->tmpl.path = m->path;
    m->tmpl.shown_tail = parent->shown_tail + 1 + strlen(name);
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

void member_release(struct member *m)
{
    for (size_t k = 0; k < m->n_prov; k++)
        free((char *)m->prov[k].path);
    free(m->prov);
    free(m->path);
    memset(m, 0, sizeof(*m));
}


/* What a member's reading left to say: data libarchive delivered with a warning (a bad
 * CRC) was scanned all the same, and may not be what was stored. */
void member_done(struct walk *w, struct member_src *src)
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
    uint64_t room = walk_room(w);
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
                rst = chunk_read_full(member_read, src, *w->buf, 1, &got);
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
    if (rst == STATUS_OK && image_in_walk(w, &m->tmpl, data, n))
        goto out; /* a container image: by layers */
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
        walk_say(w, DIAG_UNREADABLE, status_message());
        w->stats->skipped++;
    }
    return !src->fatal;
}

/* What reading a member ended with (rst: the reader's status): a limit, bytes lost. */
static void member_end(struct walk *w, struct level *lv, struct member_src *src, enum status rst)
{
    if (rst == STATUS_LIMIT) {
        walk_limit(w);
    } else if (rst != STATUS_OK && !stream_failed(lv->in)) {
        if (src->fatal) {
            walk_gap(w, "%s", status_message());
        } else {
            walk_say(w, DIAG_UNREADABLE, status_message());
            w->stats->skipped++;
        }
    }
}

/*
 * A tar member whose bytes libarchive returns as one block (most members of a tar:
 * its reader hands out what lies in the buffer it was given) is scanned from there, as
 * one chunk, without a copy; the end of its data is read after (a tar's sizes are
 * exact: nothing follows but the end or a failure, reported as before). True if it was
 * (*go_on: whether the archive goes on). False if the member is read as usual: then
 * *have bytes of it are in *w->buf already (a block that looks like an archive, to be
 * opened as one: copied where member_read would have put it), *rst the status so far.
 */
static bool direct(struct walk *w, struct level *lv, struct member *m, struct member_src *src,
                   struct archive_entry *e, size_t *have, enum status *rst, bool *go_on)
{
    const unsigned char *p;
    enum status st;
    uint64_t size;
    size_t more = 0;

    if (!archive_entry_size_is_set(e) || archive_entry_size(e) <= 0)
        return false; /* a sparse member is more than one block, or holes after one */
    size = (uint64_t)archive_entry_size(e);
    if (!(p = member_block(src, size, rst)))
        return false;
    if (*rst == STATUS_OK && src_archive_sniff_whole(p, (size_t)size)) {
        memcpy(*w->buf, p, (size_t)size);
        *have = (size_t)size;
        return false;
    }
    w->stats->bytes += size;
    st = chunk_feed(&m->tmpl, NULL, p, (size_t)size, w->fn, w->payload);
    if (st != STATUS_OK) {
        w->cb_st = st;
        w->stop = true;
        return true;
    }
    /* The end of its data: libarchive skips the padding (it may be cut off). */
    if (*rst == STATUS_OK) {
        *rst = chunk_read_full(member_read, src, *w->buf, 1, &more);
        if (more > 0) /* not from a tar's reader: its sizes are exact */
            *rst = fail(STATUS_CORRUPT, "'%s': cannot read member: longer than its header "
                        "says", m->path);
    }
    member_end(w, lv, src, *rst);
    *go_on = !src->fatal;
    return true;
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
        char *shown = xstrndup(raw, strnlen(raw, 60)); /* the log line escapes it */
        w->stats->limits_hit++;
        walk_warn(w, "'%s!%s...': member name longer than %zu bytes, member skipped",
                  blob_name(tmpl), shown, w->lim->max_name_bytes);
        free(shown);
        if (!archive_entry_is_encrypted(e))
            go_on = drain(w, &src);
        goto out;
    }
    /* Escaped for display here, once: a '!' of the name must not read as a separator. */
    name = raw && *raw ? escape_dup(raw, strlen(raw), ESC_BACKSLASH | ESC_BANG) : xstrdup("?");
    if (archive_entry_is_encrypted(e)) {
        {
            char *msg = xasprintf("'%s!%s': encrypted member skipped", blob_name(tmpl), name);
            walk_say(w, DIAG_UNREADABLE, msg);
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
    (void)prefetch_take(lv->pf, lv->index, e, &src);
    rst = STATUS_OK;
    if (lv->tar && direct(w, lv, &m, &src, e, &have, &rst, &go_on))
        goto out;
    if (rst == STATUS_OK) {
        size_t more = 0;
        rst = chunk_read_full(member_read, &src, *w->buf + have, LIMIT_CHUNK_BYTES - have,
                              &more);
        have += more;
    }
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
        enum status st = walk_stream(w, &m.tmpl, member_read, &src, have, eof, NULL);
        if (rst == STATUS_OK)
            rst = st;
    }
    if (w->cb_st != STATUS_OK)
        goto out;
    member_end(w, lv, &src, rst);
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
bool walk_archive(struct walk *w, struct level *lv)
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
        lv->index = headers;
        prefetch_at(lv->pf, headers);
        if (++w->members > w->lim->max_members) {
            fail(STATUS_LIMIT, "'%s': archive limit hit: more than %" PRIu64
                 " members in '%s', the rest of it is skipped",
                 blob_name(lv->in->tmpl), w->lim->max_members, w->top_name);
            walk_limit(w);
            return true;
        }
        if (!ok) { /* ARCHIVE_FAILED, ARCHIVE_RETRY or (later) ARCHIVE_FATAL */
            if (lv->bad_from == UINT64_MAX) {
                char *msg = reader_message(lv->a, "bad header");
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
                (void)plain_scan(w, lv->in, lv->start + lv->bad_from, lv->start + (uint64_t)at);
        }
        lv->bad_from = UINT64_MAX;
        bad = 0;
        if (lv->good++ == 0)
            w->stats->archives++;
        if (!entry(w, lv, e))
            return true;
    }
}
