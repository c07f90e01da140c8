/*
 * base/buf.c - capped growable buffer.
 */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void buf_release(struct buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

enum status buf_append(struct buf *b, const void *data, size_t len)
{
    size_t need;

    if (len > b->cap_bytes - b->len)
        return fail(STATUS_LIMIT, "buffer exceeds %zu bytes", b->cap_bytes);
    need = st_add(st_add(b->len, len), 1);
    if (need > b->alloc) {
        size_t n = b->alloc ? b->alloc : 64;
        while (n < need)
            n = st_mult(n, 2);
        b->data = xrealloc(b->data, n);
        b->alloc = n;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return STATUS_OK;
}

enum status buf_appendc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

enum status buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    int n;
    enum status st;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return fail(STATUS_BUG, "bad format");
    if ((size_t)n < sizeof(small))
        return buf_append(b, small, (size_t)n);
    {
        char *big = xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        st = buf_append(b, big, (size_t)n);
        free(big);
    }
    return st;
}

char *buf_take(struct buf *b)
{
    char *p = b->data;
    if (!p)
        p = xstrdup("");
    b->data = NULL;
    b->len = b->alloc = 0;
    return p;
}
