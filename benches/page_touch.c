/*
 * benches/page_touch.c - what first touches of memory cost on this machine: the figures
 * behind the huge pages of worker threads' heaps, the tap's ring and the pread-based
 * image check (benches/RESULTS.md, issue 16). Built on request (`cmake --build build
 * --target page_touch`), no part of sesame.
 *
 *   page_touch FILE [MB]
 *
 * For MB (default 8) of fresh anonymous memory, three times each: the first touch of
 * every 4 KiB page in small pages, then with MADV_HUGEPAGE (2 MiB pages where the kernel
 * gives them), then a memset of the same memory once touched. For FILE (in the page
 * cache: read it once before), 256 reads at spread offsets through a fresh mapping (each
 * a page fault that maps the pages around it) and through pread() of 64 bytes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUGE ((size_t)2 << 20)
#define READS 256

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void anon(size_t n, int huge)
{
    for (int r = 0; r < 3; r++) {
        unsigned char *m = mmap(NULL, n + HUGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char *p;
        double t, touch, fill;

        if (m == MAP_FAILED) {
            perror("mmap");
            exit(1);
        }
        p = (unsigned char *)(((uintptr_t)m + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
        if (huge)
            (void)madvise(p, n, MADV_HUGEPAGE);
        t = now();
        for (size_t i = 0; i < n; i += 4096)
            p[i] = 1;
        touch = now() - t;
        t = now();
        memset(p, 2, n);
        fill = now() - t;
        printf("anon %zu MiB, %s pages: first touch %.2f ms (%.2f us per 4 KiB), memset "
               "after %.2f ms\n", n >> 20, huge ? "huge" : "small", touch * 1e3,
               touch * 1e6 / (double)(n / 4096), fill * 1e3);
        munmap(m, n + HUGE);
    }
}

static void file(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    volatile unsigned char sink = 0;
    unsigned char buf[64];

    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 4096) {
        fprintf(stderr, "page_touch: cannot read '%s' (a file of 4 KiB or more)\n", path);
        exit(1);
    }
    for (int r = 0; r < 2; r++) {
        size_t n = (size_t)st.st_size;
        size_t step = n / READS;
        unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        double t;

        if (p == MAP_FAILED) {
            perror("mmap");
            exit(1);
        }
        t = now();
        for (size_t i = 0; i < READS; i++)
            sink += p[i * step];
        t = now() - t;
        printf("file %zu KiB, %d reads through a fresh mapping: %.3f ms (%.2f us each)\n",
               n >> 10, READS, t * 1e3, t * 1e6 / READS);
        munmap(p, n);
        t = now();
        for (size_t i = 0; i < READS; i++)
            if (pread(fd, buf, sizeof(buf), (off_t)(i * step)) > 0)
                sink += buf[0];
        t = now() - t;
        printf("file %zu KiB, %d reads with pread: %.3f ms (%.2f us each)\n", n >> 10, READS,
               t * 1e3, t * 1e6 / READS);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    size_t mb = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 8;

    if (argc < 2 || mb == 0) {
        fprintf(stderr, "usage: page_touch FILE [MB]\n");
        return 2;
    }
    anon(mb << 20, 0);
    anon(mb << 20, 1);
    file(argv[1]);
    return 0;
}
