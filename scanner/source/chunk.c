/*
 * source/chunk.c - the one chunk streamer (see chunk.h): overlapping chunks, with their
 * offsets, lines and column bases, from memory or from a read callback.
 *
 * A `struct chunker` is the state both feeders share: the place of the next chunk and
 * whether one was handed over yet. Memory is cut in place; a stream is read into the
 * worker's buffer, one chunk at a time, and one byte more ("peek", in the spare slot)
 * tells whether the full chunk just read is the last. The tricky point is the column
 * base: when a chunk's first line began in an earlier chunk, its bytes there are carried
 * over (chunk_pos_advance), or a key far along a long line gets a column counted from
 * the chunk's start.
 */
#include "source/chunk.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/limits.h"
#include "base/xalloc.h"

/* From one chunk's start to the next one's. */
#define CHUNK_STEP (LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP)

struct chunker {
    struct blob b;          /* the template, and the chunk being handed over */
    struct chunk_pos pos;   /* where the next chunk starts */
    bool first;             /* no chunk handed over yet */
    blob_fn *fn;
    void *payload;
};

/* Line breaks in p[0, n): 16 bytes a step where SSE2 is there (every x86-64), a
 * byte a step otherwise. The taps of decompressed streams count every byte they drop
 * (source/archive/input.c): a memchr() per line was ~3 % of a tar.gz's reading thread. */
static uint64_t count_lines(const unsigned char *p, size_t n)
{
    uint64_t lines = 0;
    size_t i = 0;

#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n');

    while (n - i >= 16) {
        /* up to 255 steps counted per byte lane (0 - -1 per match), then summed */
        size_t steps = (n - i) / 16 < 255 ? (n - i) / 16 : 255;
        __m128i acc = _mm_setzero_si128(), sum;
        for (size_t k = 0; k < steps; k++, i += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(p + i)), nl));
        sum = _mm_sad_epu8(acc, _mm_setzero_si128());
        lines += (uint64_t)_mm_cvtsi128_si32(sum) +
                 (uint64_t)_mm_cvtsi128_si32(_mm_unpackhi_epi64(sum, sum));
    }
#endif
    for (; i < n; i++)
        lines += p[i] == '\n';
    return lines;
}

void chunk_pos_advance(struct chunk_pos *pos, const unsigned char *p, size_t n)
{
    uint64_t lines = count_lines(p, n);

    if (lines) {
        const unsigned char *nl = memrchr(p, '\n', n);
        pos->line += lines;
        pos->column0 = (uint64_t)(p + n - (nl + 1));
    } else {
        pos->column0 += n;
    }
    pos->offset += n;
}

static void chunker_init(struct chunker *c, const struct blob *tmpl, const struct chunk_pos *at,
                         blob_fn *fn, void *payload)
{
    static const struct chunk_pos start = CHUNK_POS_START;

    c->b = *tmpl;
    c->pos = at ? *at : start;
    c->first = true;
    c->fn = fn;
    c->payload = payload;
}

/* Hand data[0, len) over as the next chunk. `more`: another one follows (then len is
 * LIMIT_CHUNK_BYTES), and the place moves on to its start. */
static enum status chunker_emit(struct chunker *c, const unsigned char *data, size_t len,
                                bool more)
{
    enum status st;

    c->b.data = data;
    c->b.len = len;
    c->b.offset = c->pos.offset;
    c->b.line = c->pos.line;
    c->b.column0 = c->pos.column0;
    c->b.own_from = c->first ? 0 : LIMIT_CHUNK_OVERLAP / 2;
    c->b.own_to = more ? LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 : len;
    c->first = false;
    st = c->fn(&c->b, c->payload);
    if (st == STATUS_OK && more)
        chunk_pos_advance(&c->pos, data, CHUNK_STEP);
    return st;
}

enum status chunk_feed(const struct blob *tmpl, const struct chunk_pos *at,
                       const unsigned char *data, size_t len, blob_fn *fn, void *payload)
{
    struct chunker c;
    size_t start = 0;

    chunker_init(&c, tmpl, at, fn, payload);
    for (;;) {
        bool more = len - start > LIMIT_CHUNK_BYTES;
        enum status st = chunker_emit(&c, data + start, more ? LIMIT_CHUNK_BYTES : len - start,
                                      more);
        if (st != STATUS_OK || !more)
            return st;
        start += CHUNK_STEP;
    }
}

enum status chunk_read_full(chunk_read_fn *rd, void *src, unsigned char *p, size_t n,
                            size_t *got)
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

enum status chunk_stream(const struct blob *tmpl, const struct chunk_pos *at,
                         struct chunk_stream *s, blob_fn *fn, void *payload)
{
    struct chunker c;
    unsigned char *buf;
    size_t have = s->have;
    bool eof = s->eof;

    if (!*s->buf)
        *s->buf = xmalloc_big(LIMIT_CHUNK_BYTES + 1);
    buf = *s->buf;
    s->read_st = STATUS_OK;
    s->bytes = have;
    chunker_init(&c, tmpl, at, fn, payload);
    for (;;) {
        size_t got = 0;
        enum status st;
        bool more;

        if (!eof && have < LIMIT_CHUNK_BYTES) {
            s->read_st = chunk_read_full(s->rd, s->src, buf + have, LIMIT_CHUNK_BYTES - have,
                                         &got);
            have += got;
            s->bytes += got;
            eof = s->read_st != STATUS_OK || have < LIMIT_CHUNK_BYTES;
        }
        if (!eof) {
            /* A full chunk: is there more? Peek one byte into the spare slot. */
            s->read_st = chunk_read_full(s->rd, s->src, buf + LIMIT_CHUNK_BYTES, 1, &got);
            s->bytes += got;
            eof = got == 0;
        }
        more = !eof;
        st = chunker_emit(&c, buf, more ? LIMIT_CHUNK_BYTES : have, more);
        if (st != STATUS_OK || !more)
            return st;
        /* The overlap and the peeked byte start the next chunk. */
        memmove(buf, buf + CHUNK_STEP, LIMIT_CHUNK_OVERLAP + 1);
        have = LIMIT_CHUNK_OVERLAP + 1;
    }
}
