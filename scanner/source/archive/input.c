/*
 * source/archive/input.c - reading the inputs an archive is found in, and scanning
 * their plain bytes.
 *
 * An input is bytes in memory, a regular file (read anywhere with pread, never mapped
 * or read whole) or a stream decoded front to back (a pipe, a decompressor's output):
 * a stream is seen through a tap that keeps its last LIMIT_ARCHIVE_TAP_BYTES, so that
 * what follows an archive inside it can be read again from the archive's end, with
 * the line and column it has there. Plain bytes, and members, go to the blob callback
 * through the one chunk streamer (source/chunk.h), which owns chunking, lines and
 * columns; this file only says where in its input a run of bytes starts.
 */
#include "source/archive/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

#define TAP_BYTES ((uint64_t)LIMIT_ARCHIVE_TAP_BYTES)

void tap_init(struct tap *t, chunk_read_fn *rd, void *src)
{
    memset(t, 0, sizeof(*t));
    t->rd = rd;
    t->src = src;
    t->ring = xmalloc_huge_page(TAP_RING_BYTES); /* filled whole, again and again */
    t->stage = xmalloc(ARCHIVE_READ_STEP_BYTES);
    t->tail.line = 1;
}

void tap_release(struct tap *t)
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
        size_t at = (size_t)(from % TAP_RING_BYTES);
        size_t n = (size_t)(to - from < TAP_RING_BYTES - at ? to - from : TAP_RING_BYTES - at);
        fn(arg, t->ring + at, n);
        from += n;
    }
}

static void pos_advance_cb(void *arg, const unsigned char *p, size_t n)
{
    chunk_pos_advance(arg, p, n);
}

/* Take the next bytes from upstream into the ring, dropping as many of the oldest. They
 * land on bytes dropped already: the ring has ARCHIVE_READ_STEP_BYTES more than it keeps
 * (the bytes from tail.offset on, at most TAP_BYTES, are never written over). */
static void tap_pull(struct tap *t)
{
    size_t got = 0, at = (size_t)(t->head % TAP_RING_BYTES);
    bool direct = TAP_RING_BYTES - at >= ARCHIVE_READ_STEP_BYTES;
    enum status st;

    if (t->eof)
        return;
    st = t->rd(t->src, direct ? t->ring + at : t->stage, ARCHIVE_READ_STEP_BYTES, &got);
    if (st != STATUS_OK) {
        t->st = st;
        t->msg = xstrdup(status_message());
        t->eof = true;
    } else if (got == 0) {
        t->eof = true;
    }
    if (t->head + got > TAP_BYTES) {
        uint64_t to = t->head + got - TAP_BYTES;
        tap_span(t, t->tail.offset, to, pos_advance_cb, &t->tail);
    }
    for (size_t done = 0; !direct && done < got;) {
        size_t k = (size_t)((t->head + done) % TAP_RING_BYTES);
        size_t n = got - done < TAP_RING_BYTES - k ? got - done : (size_t)(TAP_RING_BYTES - k);
        memcpy(t->ring + k, t->stage + done, n);
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

/* Take bytes from upstream until byte `pos` is in (or the stream ended before it: then
 * pos >= t->head, and the status says why, STATUS_OK at its end). */
static enum status tap_reach(struct tap *t, uint64_t pos)
{
    if (pos < t->tail.offset)
        return fail(STATUS_BUG, "tap: byte %" PRIu64 " is no longer kept", pos);
    while (pos >= t->head && !t->eof)
        tap_pull(t);
    if (pos >= t->head && t->st != STATUS_OK)
        return fail(t->st, "%s", t->msg);
    return STATUS_OK;
}

static enum status tap_read(struct tap *t, uint64_t pos, unsigned char *p, size_t n, size_t *got)
{
    struct copy_arg c = { p };
    enum status st;

    *got = 0;
    if ((st = tap_reach(t, pos)) != STATUS_OK || pos >= t->head)
        return st;
    if (n > t->head - pos)
        n = (size_t)(t->head - pos);
    tap_span(t, pos, pos + n, copy_cb, &c);
    *got = n;
    return STATUS_OK;
}

enum status tap_peek(struct tap *t, uint64_t pos, size_t n, const unsigned char **p,
                     size_t *got)
{
    enum status st;
    size_t at;

    *got = 0;
    if ((st = tap_reach(t, pos)) != STATUS_OK || pos >= t->head)
        return st;
    at = (size_t)(pos % TAP_RING_BYTES);
    if (n > t->head - pos)
        n = (size_t)(t->head - pos);
    if (n > TAP_RING_BYTES - at)
        n = (size_t)(TAP_RING_BYTES - at);
    *p = t->ring + at;
    *got = n;
    return STATUS_OK;
}

/* Read up to n bytes at `pos` of `in` (fewer only at its end). */
enum status in_read(struct input *in, uint64_t pos, unsigned char *p, size_t n,
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

enum status in_read_full(struct input *in, uint64_t pos, unsigned char *p, size_t n,
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
static enum status in_spot(struct input *in, uint64_t pos, struct chunk_pos *out)
{
    unsigned char b[16384];

    if (in->kind == IN_TAP) {
        struct tap *t = in->tap;
        if (pos < t->tail.offset || pos > t->head)
            return fail(STATUS_BUG, "tap: byte %" PRIu64 " is not kept", pos);
        *out = t->tail;
        tap_span(t, t->tail.offset, pos, pos_advance_cb, out);
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
        chunk_pos_advance(&in->mark, b, got);
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
uint64_t plain_lost(struct walk *w, struct input *in, uint64_t pos)
{
    walk_gap(w, "'%s': %" PRIu64 " bytes from byte %" PRIu64 " could not be scanned",
              blob_name(in->plain), in->tap->tail.offset - pos, pos);
    return in->tap->tail.offset;
}

/* Scan in[pos, end) (end UINT64_MAX: to its end) as plain bytes, under in->plain's
 * path, at the offset, line and column they have there. Returns the input's read
 * status. */
enum status plain_scan(struct walk *w, struct input *in, uint64_t pos, uint64_t end)
{
    struct chunk_pos at;
    struct seq s = { in, pos, end };
    enum status st;

    if (in->kind == IN_TAP && pos < in->tap->tail.offset)
        s.pos = pos = plain_lost(w, in, pos);
    if (pos >= end || w->stop)
        return STATUS_OK;
    if ((st = in_spot(in, pos, &at)) != STATUS_OK)
        return st;
    return walk_stream(w, in->plain, seq_read, &s, 0, false, &at);
}

/* Move *pos past a run of zero bytes (tar padding, the end blocks of a tar): they hold
 * nothing to find. */
enum status skip_zeros(struct input *in, uint64_t *pos)
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

bool stream_failed(const struct input *in)
{
    return in->kind == IN_TAP && in->decoded && in->tap->st != STATUS_OK;
}

void ensure_buf(struct walk *w)
{
    if (!*w->buf)
        *w->buf = xmalloc_big(LIMIT_CHUNK_BYTES + 1);
}

enum status walk_stream(struct walk *w, const struct blob *tmpl, chunk_read_fn *rd, void *src,
                        size_t have, bool eof, const struct chunk_pos *at)
{
    struct chunk_stream s = { rd, src, w->buf, have, eof, STATUS_OK, 0 };
    enum status st = chunk_stream(tmpl, at, &s, w->fn, w->payload);

    w->stats->bytes += s.bytes;
    if (st != STATUS_OK) {
        w->cb_st = st;
        w->stop = true;
        return STATUS_OK;
    }
    return s.read_st;
}
