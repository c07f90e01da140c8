/*
 * source/archive/gzip.c - gzip streams (one member or several in a row), decoded with
 * zlib rather than with libarchive.
 *
 * libarchive's gzip filter drops its last output block (64 KiB: all of a small file)
 * when the input is cut short or damaged; zlib hands out every byte it decodes before
 * that. The members are parsed here (libarchive's rule: deflate, no reserved flag), so
 * the stream's end is known exactly and what follows it is scanned; the free text of
 * member headers (name, comment, extra) is scanned as plain bytes. A CRC or length that
 * does not match is a warning, not a loss. The decoded bytes count against the limits
 * as they are produced.
 */
#include "source/archive/internal.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "base/xalloc.h"

void gz_init(struct gz_src *g, struct walk *w, struct input *in, uint64_t pos, const char *path)
{
    memset(g, 0, sizeof(*g));
    g->w = w;
    g->in = in;
    g->path = path;
    g->at = pos;
    g->inbuf = xmalloc(ARCHIVE_READ_STEP_BYTES);
}

void gz_release(struct gz_src *g)
{
    if (g->z) {
        inflateEnd(g->z);
        free(g->z);
    }
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
enum status gz_begin(struct gz_src *g)
{
    int r = gz_parse_header(g);

    if (r == 0) {
        g->done = true;
        return STATUS_OK;
    }
    if (r < 0)
        return fail(STATUS_CORRUPT, "'%s': cannot read compressed stream: truncated gzip "
                    "header", g->path);
    if (!g->z) {
        g->z = xcalloc(1, sizeof(*g->z));
        if (inflateInit2(g->z, -15) != Z_OK) {
            free(g->z);
            g->z = NULL;
            return fail(STATUS_BUG, "'%s': zlib cannot start", g->path);
        }
    } else if (inflateReset(g->z) != Z_OK) {
        return fail(STATUS_BUG, "'%s': zlib cannot restart", g->path);
    }
    g->z->avail_in = 0;
    g->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    g->size = 0;
    g->in_member = true;
    return STATUS_OK;
}

/* Scan the header fields recorded so far as plain bytes of `in`. */
void gz_fields(struct walk *w, struct gz_src *g)
{
    for (unsigned i = 0; i < g->n_fields && !w->stop; i++)
        (void)plain_scan(w, g->in, g->fields[i][0], g->fields[i][1]);
    g->n_fields = 0;
    if (g->fields_dropped && !w->stop) {
        walk_gap(w, "'%s': header fields of more than %u gzip members not scanned", g->path,
                  GZ_FIELDS_MAX);
        g->fields_dropped = false;
    }
}

enum status gz_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct gz_src *g = src;
    struct walk *w = g->w;
    uint64_t room = walk_room(w);

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
        if (g->z->avail_in == 0) {
            size_t k = 0;
            enum status st = in_read(g->in, g->at, g->inbuf, ARCHIVE_READ_STEP_BYTES, &k);
            if (st != STATUS_OK)
                return st;
            if (k == 0)
                return fail(STATUS_CORRUPT, "'%s': cannot read compressed stream: truncated "
                            "gzip input", g->path);
            g->z->next_in = g->inbuf;
            g->z->avail_in = (uInt)k;
        }
        g->z->next_out = p;
        g->z->avail_out = (uInt)n;
        before = g->z->avail_in;
        zr = inflate(g->z, Z_NO_FLUSH);
        g->at += before - g->z->avail_in;
        made = n - g->z->avail_out;
        g->crc = (uint32_t)crc32(g->crc, p, (uInt)made);
        g->size += (uint32_t)made;
        *got = made;
        if (zr == Z_STREAM_END) {
            g->z->avail_in = 0; /* read on from g->at: the trailer, the next member */
            gz_trailer(g);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            gz_hold(g, g->z->msg ? g->z->msg : "gzip decompression failed");
        } else if (made == 0 && before == g->z->avail_in) {
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
        return walk_account(w, g->path, r);
    }
}
