/*
 * source/archive/limits.c - the limits of one top-level archive, the accounting behind
 * them, and what the walk says about an archive.
 *
 * Every byte decoded at any depth is counted against the top-level archive's byte
 * budget and, past ARCHIVE_RATIO_FLOOR_BYTES, its expansion ratio; the compressed size
 * is the furthest the top-level input has been read, so a bomb stops wherever it is
 * nested. Warnings name the archive and what was not read; past ARCHIVE_WARNINGS_MAX per
 * archive they are counted, not printed. Names from the input are escaped by the log
 * line itself (base/log.c), without loss.
 */
#include "source/archive/internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

const struct archive_limits src_archive_defaults = {
    .max_total_bytes = 1024ull * 1024 * 1024,
    .max_ratio = 200.0,
    .max_members = 100000,
    .max_depth = 3,
    .max_name_bytes = 4096,
};

void src_archive_default_limits(struct archive_limits *lim)
{
    *lim = src_archive_defaults;
}

const char *blob_name(const struct blob *b)
{
    if (b->path)
        return b->path;
    if (b->n_prov && b->prov[0].path)
        return b->prov[0].path;
    return "-";
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

void walk_warn(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    walk_vsay(w, DIAG_NOTE, fmt, ap);
    va_end(ap);
}

/* Bytes of the archive were not scanned: a warning and an error (an incomplete run). */
void walk_gap(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    walk_vsay(w, DIAG_UNREADABLE, fmt, ap);
    va_end(ap);
    w->stats->errors++;
}

void walk_say(struct walk *w, enum diag_kind kind, const char *msg)
{
    if (w->warnings++ >= ARCHIVE_WARNINGS_MAX)
        return;
    log_gap(kind, "%s", msg);
}

/* A limit of the whole top-level archive was hit: say so (msg) and stop the walk. */
void walk_limit_msg(struct walk *w, const char *msg)
{
    walk_say(w, DIAG_LIMIT, msg);
    w->stats->limits_hit++;
    w->stop = true;
}

void walk_limit(struct walk *w)
{
    walk_limit_msg(w, status_message());
}

enum status walk_account(struct walk *w, const char *path, uint64_t n)
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

/* Where `in` is, for messages: its name, and the byte offset unless at its start. */
char *where(const struct input *in, uint64_t pos)
{
    if (pos == 0)
        return xasprintf("'%s'", blob_name(in->plain));
    return xasprintf("'%s' (from byte %" PRIu64 ")", blob_name(in->plain), pos);
}


uint64_t walk_room(const struct walk *w)
{
    return w->produced < w->lim->max_total_bytes ? w->lim->max_total_bytes - w->produced : 0;
}
