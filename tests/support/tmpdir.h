/*
 * tests/support/tmpdir.h - a scratch directory for unit tests that read files.
 *
 * tmpdir_init makes a fresh directory under $TMPDIR (or /tmp); tmpdir_file writes a
 * file in it (making the folders on its path) and returns the file's path;
 * tmpdir_release removes everything that was made, deepest first. Failures abort: a
 * test that cannot make its input would only fail later for the wrong reason.
 */
#ifndef SESAME_TESTS_TMPDIR_H
#define SESAME_TESTS_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

#define TMPDIR_MAX_PATHS 64

struct tmpdir {
    char *path;
    char *made[TMPDIR_MAX_PATHS]; /* files and folders, in the order they were made */
    size_t n_made;
};

/* Take ownership of `path`, made in t (once: a file written again is not listed again). */
static void tmpdir_remember(struct tmpdir *t, char *path)
{
    for (size_t i = 0; i < t->n_made; i++) {
        if (strcmp(t->made[i], path) == 0) {
            free(path);
            return;
        }
    }
    if (t->n_made >= TMPDIR_MAX_PATHS) {
        fprintf(stderr, "tmpdir: more than %d paths\n", TMPDIR_MAX_PATHS);
        abort();
    }
    t->made[t->n_made++] = path;
}

static void tmpdir_init(struct tmpdir *t)
{
    const char *base = getenv("TMPDIR");

    memset(t, 0, sizeof(*t));
    t->path = xasprintf("%s/sesame-unit.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(t->path)) {
        perror(t->path);
        abort();
    }
}

/* The remembered path of NAME in t (borrowed), or NULL. */
static const char *tmpdir_path_of(const struct tmpdir *t, const char *name)
{
    size_t base = strlen(t->path);

    for (size_t i = 0; i < t->n_made; i++)
        if (strncmp(t->made[i], t->path, base) == 0 && t->made[i][base] == '/' &&
            strcmp(t->made[i] + base + 1, name) == 0)
            return t->made[i];
    return NULL;
}

/* Write `len` bytes of `data` to NAME ('/'-separated, relative to the directory). The
 * returned path is borrowed from t. */
static const char *tmpdir_file_bytes(struct tmpdir *t, const char *name, const void *data,
                                     size_t len)
{
    char *path = xasprintf("%s/%s", t->path, name);
    FILE *f;

    for (char *slash = strchr(path + strlen(t->path) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        struct stat st;

        *slash = '\0';
        if (stat(path, &st) != 0) {
            if (mkdir(path, 0700) != 0) {
                perror(path);
                abort();
            }
            tmpdir_remember(t, xstrdup(path));
        }
        *slash = '/';
    }
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
    tmpdir_remember(t, path);
    return tmpdir_path_of(t, name);
}

static const char *tmpdir_file(struct tmpdir *t, const char *name, const char *text)
{
    return tmpdir_file_bytes(t, name, text, strlen(text));
}

static void tmpdir_release(struct tmpdir *t)
{
    while (t->n_made > 0) {
        char *p = t->made[--t->n_made];

        if (remove(p) != 0)
            perror(p);
        free(p);
    }
    if (t->path && rmdir(t->path) != 0)
        perror(t->path);
    free(t->path);
    memset(t, 0, sizeof(*t));
}

#endif
