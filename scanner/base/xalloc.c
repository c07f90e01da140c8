/*
 * base/xalloc.c - allocation wrappers; out of memory ends the process with one line.
 */
#include "base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

NORETURN static void oom(void)
{
    fputs("sesame: out of memory\n", stderr);
    abort();
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
