/*
 * base/buf.c - capped growable buffer.
 */
#include "base/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

void buf_release(struct buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

/* Make b->alloc at least `need` bytes, doubling. */
static void buf_grow(struct buf *b, size_t need)
{
    if (need > b->alloc) {
        size_t n = b->alloc ? b->alloc : 64;
        while (n < need)
            n = st_mult(n, 2);
        b->data = xrealloc(b->data, n);
        b->alloc = n;
    }
}

enum status buf_append(struct buf *b, const void *data, size_t len)
{
    if (len > b->cap_bytes - b->len)
        return fail(STATUS_LIMIT, "buffer exceeds %zu bytes", b->cap_bytes);
    buf_grow(b, st_add(st_add(b->len, len), 1));
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

enum status buf_read_fd(struct buf *b, int fd, size_t hint)
{
    size_t left = b->cap_bytes - b->len;

    /* Room for the hint, the NUL, and one byte past the cap: reading it tells a file of
     * exactly cap bytes from a longer one. */
    buf_grow(b, st_add(st_add(b->len, hint < left ? hint : left), 2));
    for (;;) {
        size_t room, limit = b->cap_bytes - b->len + 1;
        ssize_t n;

        if (b->alloc < st_add(b->len, 2))
            buf_grow(b, st_add(b->alloc, 1));
        room = b->alloc - b->len - 1;
        n = read(fd, b->data + b->len, room < limit ? room : limit);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            enum status st = n == 0 ? STATUS_OK : fail(STATUS_IO, "read: %s", strerror(e));

            b->data[b->len] = '\0';
            errno = e;
            return st;
        }
        b->len += (size_t)n;
        if (b->len > b->cap_bytes) {
            b->len = b->cap_bytes;
            b->data[b->len] = '\0';
            return fail(STATUS_LIMIT, "buffer exceeds %zu bytes", b->cap_bytes);
        }
    }
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
