/*
 * base/buf.h - a growable byte buffer with a cap chosen at init (curl dynbuf).
 *
 * Invariant: b->len <= b->cap_bytes, and b->data is NUL-terminated when non-NULL.
 * Appends past the cap fail with STATUS_LIMIT and leave the buffer unchanged.
 */
#ifndef SESAME_BASE_BUF_H
#define SESAME_BASE_BUF_H

#include <stddef.h>
#include "base/compiler.h"
#include "base/status.h"

struct buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap_bytes;
};

#define BUF_INIT(cap) { NULL, 0, 0, (cap) }

void buf_release(struct buf *b);
NODISCARD enum status buf_append(struct buf *b, const void *data, size_t len);
NODISCARD enum status buf_appendc(struct buf *b, char c);
NODISCARD enum status buf_printf(struct buf *b, const char *fmt, ...) FORMAT(2, 3);
/* Append what fd has left to read, until end of file, reading straight into b's memory.
 * `hint` is the size expected (a regular file's st_size, else 0): with the right hint
 * the memory is allocated once and never moved, so that wiping it at the end leaves no
 * copy behind. STATUS_LIMIT if more than the cap is left (b keeps what fit); STATUS_IO
 * if read fails, with errno set. */
NODISCARD enum status buf_read_fd(struct buf *b, int fd, size_t hint);
/* Take the data out (caller frees); the buffer is left empty. */
char *buf_take(struct buf *b);

#endif
