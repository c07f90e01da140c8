/*
 * tests/unit/test_xalloc.c - xmalloc_big: the memory asked for, on a 2 MiB boundary, and
 * (where the kernel has transparent huge pages) marked for them, which is what saves the
 * page faults; small sizes are plain xmalloc.
 */
#include "base/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

int main(int argc, char **argv)
{
    static const struct test tests[] = {
        TEST(big_buffers_are_aligned_and_marked),
        TEST(small_buffers_are_plain),
    };
    return harness_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
