/*
 * source/chunk.c - overlapping chunks over a memory buffer.
 */
#include "source/chunk.h"

#include <string.h>

#include "base/limits.h"

enum status chunk_feed(const struct blob *tmpl, const unsigned char *data, size_t len,
                       blob_fn *fn, void *payload)
{
    struct blob b = *tmpl;
    size_t start = 0;
    uint64_t line = 1, column0 = 0;

    for (;;) {
        size_t n = len - start;
        bool last = n <= LIMIT_CHUNK_BYTES;
        enum status st;
        size_t step;

        b.data = data + start;
        b.len = last ? n : LIMIT_CHUNK_BYTES;
        b.offset = start;
        b.line = line;
        b.column0 = column0;
        b.own_from = start == 0 ? 0 : LIMIT_CHUNK_OVERLAP / 2;
        b.own_to = last ? b.len : LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2;
        if ((st = fn(&b, payload)) != STATUS_OK || last)
            return st;
        step = LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP;
        {
            const unsigned char *nl = NULL;
            for (const unsigned char *p = b.data, *end = b.data + step;
                 (p = memchr(p, '\n', (size_t)(end - p))); p++) {
                line++;
                nl = p;
            }
            column0 = nl ? (uint64_t)(b.data + step - (nl + 1)) : column0 + step;
        }
        start += step;
    }
}
