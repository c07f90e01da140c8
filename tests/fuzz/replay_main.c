/*
 * tests/fuzz/replay_main.c - replay a fuzz target's corpus without libFuzzer.
 *
 * Linked with every tests/fuzz/fuzz_*.c as <name>_replay (like libgit2's
 * standalone_driver.c and sqlite's fuzzcheck.c), so each ctest run feeds the committed
 * corpus through the target under the normal compiler and sanitizers.
 *
 *   fuzz_x_replay PATH...    PATH: an input file, or a directory of them (recursive;
 *                            names starting with '.' are skipped)
 *
 * LLVMFuzzerInitialize (if the target defines one) is called once, then
 * LLVMFuzzerTestOneInput once per file, in name order, with a buffer of exactly the
 * file's size (so ASan sees any read past the end). A crash aborts the run; a return
 * value other than 0 or -1 counts as a failure. Exits non-zero when a path is missing,
 * an input cannot be read, any input failed, or there were no inputs at all.
 * Only libc (and POSIX directory reading).
 */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Weak: targets without global setup do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

struct tally {
    size_t passed, failed, errors;
};

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t cap = 0, n = 0;

    if (!fp)
        return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            unsigned char *p;
            cap = cap ? 2 * cap : 65536;
            if (!(p = realloc(data, cap)))
                goto fail;
            data = p;
        }
        got = fread(data + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(fp))
        goto fail;
    fclose(fp);
    /* Exactly n bytes (at least 1 allocated): ASan reports any read past the input. */
    {
        unsigned char *exact = malloc(n ? n : 1);
        if (!exact) {
            free(data);
            return NULL;
        }
        if (n)
            memcpy(exact, data, n);
        free(data);
        *len = n;
        return exact;
    }
fail:
    free(data);
    fclose(fp);
    return NULL;
}

static void replay_file(const char *path, struct tally *t)
{
    size_t len = 0;
    unsigned char *data = read_file(path, &len);
    int rc;

    if (!data) {
        fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
        t->errors++;
        return;
    }
    rc = LLVMFuzzerTestOneInput(data, len);
    free(data);
    if (rc == 0 || rc == -1) {
        t->passed++;
    } else {
        fprintf(stderr, "replay: '%s': LLVMFuzzerTestOneInput returned %d\n", path, rc);
        t->failed++;
    }
}

static int skip_dot(const struct dirent *de)
{
    return de->d_name[0] != '.';
}

static void replay_path(const char *path, struct tally *t)
{
    struct stat st;
    struct dirent **names;
    int n;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
        t->errors++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        replay_file(path, t);
        return;
    }
    if ((n = scandir(path, &names, skip_dot, alphasort)) < 0) {
        fprintf(stderr, "replay: cannot list '%s': %s\n", path, strerror(errno));
        t->errors++;
        return;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
        char *child = malloc(len);
        if (!child) {
            t->errors++;
        } else {
            snprintf(child, len, "%s/%s", path, names[i]->d_name);
            replay_path(child, t);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    struct tally t = { 0, 0, 0 };
    const char *prog = argc > 0 ? argv[0] : "replay";

    if (strrchr(prog, '/'))
        prog = strrchr(prog, '/') + 1;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", prog);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        replay_path(argv[i], &t);
    printf("%s: replayed %zu inputs: %zu passed, %zu failed\n", prog, t.passed + t.failed,
           t.passed, t.failed);
    if (t.errors) {
        fprintf(stderr, "%s: %zu path(s) could not be read\n", prog, t.errors);
        return 1;
    }
    if (t.passed + t.failed == 0) {
        fprintf(stderr, "%s: no inputs found (missing or empty corpus?)\n", prog);
        return 1;
    }
    return t.failed ? 1 : 0;
}
