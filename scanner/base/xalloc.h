/*
 * base/xalloc.h - allocation that aborts on out-of-memory, and overflow-checked sizes.
 *
 * The real defence against hostile input is elsewhere: every length read from input
 * is checked against limits.h before it is allocated.
 */
#ifndef SESAME_BASE_XALLOC_H
#define SESAME_BASE_XALLOC_H

#include <stddef.h>
#include "base/compiler.h"

void *xmalloc(size_t n) MALLOC;
void *xcalloc(size_t count, size_t size) MALLOC;
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s) MALLOC;
/* A copy of exactly s[0, n) (which must be readable), NUL-terminated. */
char *xstrndup(const char *s, size_t n) MALLOC;
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) FORMAT(1, 2) MALLOC;

/* For a buffer of several MiB that is filled whole, again and again (a worker's read
 * chunk): n bytes, freed by free(), starting on a 2 MiB boundary and asked to be backed by
 * transparent huge pages (madvise), so that filling it the first time costs one page
 * fault per 2 MiB instead of 512 (on a VM, 8 MiB of small pages cost about 6 ms of system
 * time). Where huge pages are off, plain pages. Below 2 MiB, xmalloc. */
void *xmalloc_big(size_t n) MALLOC;

/* a + b and a * b, aborting on overflow (git st_add / st_mult). */
size_t st_add(size_t a, size_t b);
size_t st_mult(size_t a, size_t b);

/* Grow *p (an array of *cap elements of `size` bytes) so that it holds at least `need`.
 * Inline check, out-of-line growth: hot loops call it once per element pushed. */
void xgrow_slow(void **p, size_t *cap, size_t need, size_t size);
static inline void xgrow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need > *cap)
        xgrow_slow(p, cap, need, size);
}
#define XGROW(ptr, cap, need) xgrow((void **)&(ptr), &(cap), (need), sizeof(*(ptr)))

#endif
