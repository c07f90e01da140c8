/*
 * tests/unit/test_xalloc.c - xmalloc_big: the memory asked for, on a 2 MiB boundary, and
 * (where the kernel has transparent huge pages) marked for them, which is what saves the
 * page faults; small sizes are plain xmalloc. xmalloc_huge_page: a whole huge page, so
 * marked. xalloc_thread_huge_pages: a thread's malloc heap marked, what is in it kept,
 * the main thread's heap left alone.
 */
#include "base/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The VmFlags line of the mapping of this process that holds p, from /proc/self/smaps. */
static bool vm_flags_of(const void *p, char *flags, size_t cap)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    bool in = false, found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        /* a mapping's first line starts with its range (lower-case hex), the others
         * with a capitalised "Name:" */
        if (strncmp(line, "VmFlags:", 8) == 0) {
            if (in) {
                size_t n = strlen(line + 8);
                n = n < cap - 1 ? n : cap - 1;
                memcpy(flags, line + 8, n);
                flags[n] = '\0';
                found = true;
            }
        } else if (strchr("0123456789abcdef", line[0]) && line[0] &&
                   sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        }
    }
    fclose(f);
    return found;
}

static void big_buffers_are_aligned_and_marked(void)
{
    const size_t sizes[] = { 2u << 20, (8u << 20) + 1, (5u << 20) + 12345 };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = xmalloc_big(sizes[i]);
        char flags[256] = "";
        CHECK(((uintptr_t)p & ((2u << 20) - 1)) == 0);
        memset(p, 0x5a, sizes[i]);
        CHECK(p[0] == 0x5a && p[sizes[i] - 1] == 0x5a);
        if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0) {
            CHECK(vm_flags_of(p, flags, sizeof(flags)));
            CHECK(strstr(flags, " hg") != NULL);
        }
        free(p);
    }
}

static void small_buffers_are_plain(void)
{
    unsigned char *p = xmalloc_big(100);

    memset(p, 1, 100);
    CHECK(p[99] == 1);
    free(p);
    p = xmalloc_big(0);
    CHECK(p != NULL);
    free(p);
}

static bool thp_enabled(void)
{
    return access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0;
}

static void huge_page_buffers_are_whole_pages(void)
{
    const size_t sizes[] = { 1, (1u << 20) + (256u << 10), 2u << 20, (3u << 20) + 7 };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = xmalloc_huge_page(sizes[i]);
        char flags[256] = "";
        CHECK(((uintptr_t)p & ((2u << 20) - 1)) == 0);
        memset(p, 0x33, sizes[i] < (2u << 20) ? 2u << 20 : sizes[i]); /* all of it is ours */
        CHECK(p[sizes[i] - 1] == 0x33);
        if (thp_enabled()) {
            CHECK(vm_flags_of(p, flags, sizeof(flags)));
            CHECK(strstr(flags, " hg") != NULL);
        }
        free(p);
    }
}

/* What xalloc_thread_huge_pages should do in this build: glibc's malloc (not a
 * sanitizer's allocator) on a kernel with huge pages. */
static bool glibc_malloc(void)
{
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
    return false;
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
    return false;
#else
    return true;
#endif
}

struct heap_probe {
    bool advised, kept, marked;
    char flags[256];
};

static void *thread_heap(void *arg)
{
    struct heap_probe *hp = arg;
    unsigned char *before[64], *big;
    bool kept = true;

    /* what the thread holds already is kept through the first page's collapse */
    for (size_t i = 0; i < 64; i++) {
        before[i] = xmalloc(1000 + i * 97);
        memset(before[i], (int)i, 1000 + i * 97);
    }
    hp->advised = xalloc_thread_huge_pages(true);
    for (size_t i = 0; i < 64; i++) {
        for (size_t k = 0; k < 1000 + i * 97; k++)
            kept = kept && before[i][k] == (unsigned char)i;
        free(before[i]);
    }
    hp->kept = kept;
    /* under the mmap threshold (xalloc_init): in the thread's heap, whose mapping is
     * marked */
    big = xmalloc(3u << 20);
    memset(big, 0x77, 3u << 20);
    hp->marked = vm_flags_of(big + (3u << 20) - 1, hp->flags, sizeof(hp->flags)) &&
                 strstr(hp->flags, " hg") != NULL;
    CHECK(big[0] == 0x77 && big[(3u << 20) - 1] == 0x77);
    free(big);
    return NULL;
}

static void thread_heaps_are_marked(void)
{
    struct heap_probe hp;
    pthread_t t;

    memset(&hp, 0, sizeof(hp));
    xalloc_init();
    CHECK(pthread_create(&t, NULL, thread_heap, &hp) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(hp.kept);
    if (!glibc_malloc() || !thp_enabled()) {
        CHECK(!hp.advised || thp_enabled());
        return;
    }
    CHECK(hp.advised);
    CHECK(hp.marked);
}

static void main_heap_is_left_alone(void)
{
    unsigned char *p = xmalloc(100);
    char flags[256] = "";

    /* the main thread's malloc arena is not a 64 MiB-aligned thread heap */
    CHECK(!xalloc_thread_huge_pages(true));
    if (thp_enabled() && glibc_malloc()) {
        CHECK(vm_flags_of(p, flags, sizeof(flags)));
        CHECK(strstr(flags, " hg") == NULL);
    }
    free(p);
}

int main(int argc, char **argv)
{
    static const struct test tests[] = {
        TEST(big_buffers_are_aligned_and_marked),
        TEST(small_buffers_are_plain),
        TEST(huge_page_buffers_are_whole_pages),
        TEST(thread_heaps_are_marked),
        TEST(main_heap_is_left_alone),
    };
    return harness_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
