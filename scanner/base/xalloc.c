/*
 * base/xalloc.c - allocation wrappers; out of memory ends the process with one line.
 */
#include "base/xalloc.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

NORETURN static void oom(void)
{
    fputs("sesame: out of memory\n", stderr);
    abort();
}

void xalloc_init(void)
{
#ifdef M_MMAP_THRESHOLD
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
    (void)mallopt(M_TOP_PAD, (int)MALLOC_HUGE_TOP_PAD);
#endif
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

#define HUGE_PAGE_BYTES ((size_t)2 << 20)

void *xmalloc_big(size_t n)
{
    void *p;

    if (n < HUGE_PAGE_BYTES)
        return xmalloc(n);
    if (posix_memalign(&p, HUGE_PAGE_BYTES, n) != 0)
        oom();
#ifdef MADV_HUGEPAGE
    /* whole huge pages only: the tail past the last one stays in small pages */
    (void)madvise(p, n & ~(HUGE_PAGE_BYTES - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void *xmalloc_huge_page(size_t n)
{
    return xmalloc_big(n < HUGE_PAGE_BYTES ? HUGE_PAGE_BYTES : n);
}

/* glibc's malloc.c: a thread arena's heap is HEAP_MAX_SIZE (2 * 4 MiB * sizeof(long))
 * bytes aligned to that size (heap_for_ptr), its chunks marked NON_MAIN_ARENA (bit 2 of
 * the size word before a chunk's memory). With a larger heap (the hugetlb=2 tunable)
 * the 64 MiB around a pointer is still inside its heap. */
#define THREAD_HEAP_BYTES ((uintptr_t)2 * 4 * 1024 * 1024 * sizeof(long))
#define NON_MAIN_ARENA ((size_t)4)

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define XALLOC_NOT_GLIBC_MALLOC 1 /* the sanitizer's allocator */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define XALLOC_NOT_GLIBC_MALLOC 1
#endif

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; glibc 2.36's headers lack it */
#endif

bool xalloc_thread_huge_pages(bool first)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE) && !defined(XALLOC_NOT_GLIBC_MALLOC)
    void *p = xmalloc(64);
    uintptr_t header = (uintptr_t)p - sizeof(size_t); /* the chunk's size word */
    size_t size_word;
    bool ok = false;

    memcpy(&size_word, (const void *)header, sizeof(size_word));
    /* Only a thread heap: the main arena's (brk) is not aligned so, and not ours */
    if (size_word & NON_MAIN_ARENA) {
        uintptr_t heap = (uintptr_t)p & ~(THREAD_HEAP_BYTES - 1);
        ok = madvise((void *)heap, THREAD_HEAP_BYTES, MADV_HUGEPAGE) == 0;
        /* an older kernel, or no huge page free: small pages, as before */
        if (ok && first)
            (void)madvise((void *)heap, HUGE_PAGE_BYTES, MADV_COLLAPSE);
    }
    free(p);
    return ok;
#else
    (void)first;
    return false;
#endif
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(st_add(n, 1));
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t st_add(size_t a, size_t b)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r))
        oom();
    return r;
}

size_t st_mult(size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        oom();
    return r;
}

void xgrow_slow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t n;

    if (need <= *cap)
        return;
    n = *cap ? *cap : 8;
    while (n < need)
        n = st_mult(n, 2);
    *p = xrealloc(*p, st_mult(n, size));
    *cap = n;
}
