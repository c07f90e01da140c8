/*
 * tests/support/harness.h - a tiny unit-test harness (redis testhelp.h style).
 *
 * Each test is a void function; CHECK records a failure and goes on. HARNESS_MAIN runs
 * the table (or only the tests named on the command line) and ends with the plain
 * "N passed, N failed" line that ctest logs and CI reads.
 */
#ifndef SESAME_TESTS_HARNESS_H
#define SESAME_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test {
    const char *name;
    void (*fn)(void);
};

#define TEST(fn) { #fn, fn }

static int harness_failures;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
            harness_failures++;                                                         \
        }                                                                               \
    } while (0)

#define CHECK_OK(expr) CHECK((expr) == STATUS_OK)
#define CHECK_STREQ(a, b)                                                               \
    do {                                                                                \
        const char *ha_ = (a), *hb_ = (b);                                              \
        if (!ha_ || !hb_ || strcmp(ha_, hb_) != 0) {                                    \
            fprintf(stderr, "%s:%d: CHECK_STREQ failed: \"%s\" != \"%s\"\n", __FILE__,  \
                    __LINE__, ha_ ? ha_ : "(null)", hb_ ? hb_ : "(null)");              \
            harness_failures++;                                                         \
        }                                                                               \
    } while (0)

static inline int harness_run(const struct test *tests, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        int selected = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strcmp(argv[a], tests[i].name) == 0)
                selected = 1;
        if (!selected)
            continue;
        int before = harness_failures;
        tests[i].fn();
        if (harness_failures == before) {
            passed++;
            printf("ok   %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", tests[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define HARNESS_MAIN(table)                                                             \
    int main(int argc, char **argv)                                                     \
    {                                                                                   \
        return harness_run(table, sizeof(table) / sizeof(table[0]), argc, argv);        \
    }

#endif
