/*
 * base/xalloc.h - allocation that aborts on out-of-memory, and overflow-checked sizes.
 *
 * The real defence against hostile input is elsewhere: every length read from input
 * is checked against limits.h before it is allocated.
 */
#ifndef SESAME_BASE_XALLOC_H
#define SESAME_BASE_XALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include "base/compiler.h"

/* malloc's settings for sesame, once, first thing in main(): buffers of a few MiB (blobs
 * inflated one after another) stay in the heap instead of being mapped and unmapped,
 * and page-faulted, each time (benches/RESULTS.md); a thread's heap is made writable
 * MALLOC_HUGE_TOP_PAD ahead (xalloc_thread_huge_pages). */
void xalloc_init(void);

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
/* The same for a buffer of under 2 MiB that is filled whole, again and again (an
 * archive tap's ring): rounded up to one huge page, whose memory it then takes. */
void *xmalloc_huge_page(size_t n) MALLOC;

/* Ask for transparent huge pages (madvise) for what malloc hands the calling thread from
 * now on: its arena's heap and that heap's growth (glibc; elsewhere nothing). For a
 * worker thread, once, first: libraries it calls allocate their buffers of a few MiB
 * there (zstd's 2 MiB window, libarchive's), each filled at once; on a VM a small page's
 * first touch costs several us, and a 62 MB tar.zst took 1,900 of them (benches/
 * RESULTS.md). glibc gives each thread heap 64 MiB of address space, aligned to that
 * size, of which the pages in use are writable; main() asks malloc to make each new
 * heap writable MALLOC_HUGE_TOP_PAD ahead (M_TOP_PAD) so that its first huge pages are
 * whole. The heap's first 2 MiB hold malloc's own records, in small pages already:
 * with `first` they are made one huge page now (MADV_COLLAPSE: ~0.3 ms and 2 MiB of
 * memory, which a run that allocates little, a hook's, does without). Returns whether
 * the advice was taken (tests). */
bool xalloc_thread_huge_pages(bool first);
#define MALLOC_HUGE_TOP_PAD ((size_t)16 << 20)

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
