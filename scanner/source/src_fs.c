/*
 * source/src_fs.c - the working-tree walk, and reading a file or a pipe.
 *
 * The walk lists what to scan, sorted; reading opens a file without blocking on a FIFO
 * swapped in and hands its bytes to the chunk streamer (source/chunk.c), which cuts
 * them into overlapping chunks. Nothing here decides what a file is (archive or text):
 * scan.c does.
 */
#include "source/src_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "base/limits.h"

struct visited {
    dev_t *dev;
    ino_t *ino;
    size_t n, cap;
};

/* Add `path`, which the list now owns. */
static void list_take(struct src_fs_list *l, char *path, bool explicit_arg)
{
    XGROW(l->v, l->cap, l->n + 1);
    l->v[l->n].path = path;
    l->v[l->n].explicit_arg = explicit_arg;
    l->n++;
    if (l->on_add)
        l->on_add(l->on_add_ctx, l);
}

static void list_add(struct src_fs_list *l, const char *path, bool explicit_arg)
{
    list_take(l, xstrdup(path), explicit_arg);
}

void src_fs_list_release(struct src_fs_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static bool glob_match(const char *glob, const char *path)
{
    const char *base = strrchr(path, '/');

    /* A glob without '/' matches the base name anywhere (gitignore style); "**" spans
     * directories (FNM_PATHNAME off lets '*' cross '/'). */
    if (!strchr(glob, '/'))
        return fnmatch(glob, base ? base + 1 : path, 0) == 0;
    if (glob[0] == '/')
        glob++;
    if (strncmp(glob, "**/", 3) == 0 && fnmatch(glob + 3, path, 0) == 0)
        return true;
    return fnmatch(glob, path, 0) == 0;
}

bool src_fs_excluded(const struct src_fs_opts *opts, const char *path, bool is_dir)
{
    for (size_t i = 0; i < opts->n_excludes; i++) {
        const char *g = opts->excludes[i];
        size_t len = strlen(g);
        if (glob_match(g, path))
            return true;
        /* A trailing slash or slash-double-star excludes the directory itself. */
        if (is_dir && len > 1 && g[len - 1] == '/') {
            char *t = xstrndup(g, len - 1);
            bool m = glob_match(t, path);
            free(t);
            if (m)
                return true;
        }
        if (is_dir && len > 3 && strcmp(g + len - 3, "/**") == 0) {
            char *t = xstrndup(g, len - 3);
            bool m = glob_match(t, path);
            free(t);
            if (m)
                return true;
        }
    }
    if (!is_dir && opts->n_includes) {
        for (size_t i = 0; i < opts->n_includes; i++)
            if (glob_match(opts->includes[i], path))
                return false;
        return true;
    }
    return false;
}

static bool seen_dir(struct visited *v, const struct stat *st)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->dev[i] == st->st_dev && v->ino[i] == st->st_ino)
            return true;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->dev = xrealloc(v->dev, v->cap * sizeof(*v->dev));
        v->ino = xrealloc(v->ino, v->cap * sizeof(*v->ino));
    }
    v->dev[v->n] = st->st_dev;
    v->ino[v->n] = st->st_ino;
    v->n++;
    return false;
}

/* A directory's entries, sorted by name, with the type readdir gave (DT_UNKNOWN where
 * the file system gives none): NULL if it cannot be read. */
struct dir_entry {
    char *name;
    unsigned char type;
};

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

static struct dir_entry *read_dir_typed(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct dir_entry *v = NULL;
    size_t n = 0, cap = 0;

    *count = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        XGROW(v, cap, n + 1);
        v[n].name = xstrdup(de->d_name);
        v[n].type = de->d_type;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_entry);
    if (!v)
        v = xcalloc(1, sizeof(*v));
    *count = n;
    return v;
}

char **src_fs_read_dir(const char *dir, size_t *count)
{
    struct dir_entry *v = read_dir_typed(dir, count);
    char **names;

    if (!v)
        return NULL;
    names = xcalloc(*count + 1, sizeof(*names));
    for (size_t i = 0; i < *count; i++)
        names[i] = v[i].name;
    free(v);
    return names;
}

/* A regular file the walk found: listed unless excluded. The list takes `path` (NULL
 * returned), else it is given back. */
static char *add_file(struct src_fs_list *list, const struct src_fs_opts *opts, char *path,
                      const char *rel)
{
    if (src_fs_excluded(opts, rel, false)) {
        list->excluded++;
        return path;
    }
    list_take(list, path, false);
    return NULL;
}

static void walk(const char *dir, size_t rel_from, const struct src_fs_opts *opts,
                 struct src_fs_list *list, struct visited *vis)
{
    size_t n;
    struct dir_entry *ents = read_dir_typed(dir, &n);
    /* "." lists "k.env", not "./k.env": one spelling of a path (the same file in git
     * history is "k.env"); "/" lists "/etc". Paths are built here, not by a printf:
     * a tree's walk makes one per entry. */
    size_t dl = strcmp(dir, ".") == 0 ? 0 : strcmp(dir, "/") == 0 ? 1 : strlen(dir) + 1;

    if (!ents) {
        log_gap(DIAG_UNREADABLE, "cannot read directory '%s': %s", dir, strerror(errno));
        list->errors++;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = ents[i].name;
        size_t nl = strlen(name);
        char *path = xmalloc(dl + nl + 1);
        const char *rel;
        struct stat st;

        if (dl) {
            memcpy(path, dir, dl - 1);
            path[dl - 1] = '/';
        }
        memcpy(path + dl, name, nl + 1);
        rel = path + rel_from;
        if (dl + nl >= LIMIT_PATH_BYTES) {
            log_gap(DIAG_UNREADABLE, "path too long, skipped: '%.80s...'", path);
            list->errors++;
        } else if (ents[i].type == DT_REG) {
            /* A regular file by its directory entry: no lstat (a tree's files are most
             * of its path lookups); opening it says whether it went away since. */
            path = add_file(list, opts, path, rel);
        } else if (lstat(path, &st) != 0) {
            log_gap(DIAG_UNREADABLE, "cannot stat '%s': %s", path, strerror(errno));
            list->errors++;
        } else if (S_ISLNK(st.st_mode) && !opts->follow_symlinks) {
            list->skipped++;
        } else if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
            list->skipped++; /* dangling link */
        } else if (S_ISDIR(st.st_mode)) {
            if (strcmp(name, ".git") == 0)
                list->skipped++;
            else if (src_fs_excluded(opts, rel, true))
                list->excluded++;
            else if (!seen_dir(vis, &st))
                walk(path, rel_from, opts, list, vis);
        } else if (S_ISREG(st.st_mode)) {
            path = add_file(list, opts, path, rel);
        } else {
            list->skipped++; /* fifo, socket, device */
        }
        free(path);
        free(ents[i].name);
    }
    free(ents);
}

enum status src_fs_collect(const char *target, const struct src_fs_opts *opts,
                           struct src_fs_list *list)
{
    struct stat st;
    struct visited vis = { 0 };
    size_t rel_from;

    if (strcmp(target, "-") == 0) {
        list_add(list, "-", true);
        return STATUS_OK;
    }
    if (stat(target, &st) != 0)
        return fail(STATUS_IO, "cannot read '%s': %s", target, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        list_add(list, target, true);
        return STATUS_OK;
    }
    if (access(target, R_OK | X_OK) != 0)
        return fail(STATUS_IO, "cannot read directory '%s': %s", target, strerror(errno));
    rel_from = strlen(target);
    while (rel_from > 1 && target[rel_from - 1] == '/')
        rel_from--;
    {
        char *root = xstrndup(target, rel_from);
        (void)seen_dir(&vis, &st);
        walk(root, strcmp(root, "/") == 0 ? 1 : strcmp(root, ".") == 0 ? 0 : rel_from + 1,
             opts, list, &vis);
        free(root);
    }
    free(vis.dev);
    free(vis.ino);
    return STATUS_OK;
}

enum status src_fs_fd_read(void *src, unsigned char *p, size_t n, size_t *got)
{
    struct src_fs_fd *f = src;

    *got = 0;
    for (;;) {
        ssize_t r = read(f->fd, p, n);
        if (r >= 0) {
            *got = (size_t)r;
            return STATUS_OK;
        }
        if (errno != EINTR) {
            f->err = errno;
            return fail(STATUS_IO, "read error: %s", strerror(errno));
        }
    }
}

enum status src_fs_stream_fd(int fd, const struct blob *tmpl, unsigned char **buf, blob_fn *fn,
                             void *payload, uint64_t *bytes)
{
    struct src_fs_fd f = { fd, 0 };
    struct chunk_stream s = { src_fs_fd_read, &f, buf, 0, false, STATUS_OK, 0 };
    enum status st = chunk_stream(tmpl, NULL, &s, fn, payload);

    *bytes = s.bytes;
    if (st == STATUS_OK && s.read_st != STATUS_OK)
        st = fail(s.read_st, "cannot read '%s': %s", tmpl->path ? tmpl->path : "-",
                  strerror(f.err));
    return st;
}

enum status src_fs_read_fd(int fd, const char *path, unsigned char **buf, blob_fn *fn,
                           void *payload, uint64_t *bytes)
{
    struct blob tmpl;

    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path;
    return src_fs_stream_fd(fd, &tmpl, buf, fn, payload, bytes);
}

enum status src_fs_open(const char *path, int *fd, uint64_t *size, bool *is_dir)
{
    struct stat sst;
    bool known;

    if (is_dir)
        *is_dir = false;
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0)
        return fail(STATUS_IO, "cannot open '%s': %s", path, strerror(errno));
    known = fstat(*fd, &sst) == 0;
    if (size)
        *size = known && S_ISREG(sst.st_mode) ? (uint64_t)sst.st_size : UINT64_MAX;
    if (known && S_ISDIR(sst.st_mode)) {
        close(*fd);
        *fd = -1;
        if (is_dir) {
            *is_dir = true;
            return STATUS_OK;
        }
        return fail(STATUS_IO, "cannot read '%s': is a directory", path);
    }
    /* O_NONBLOCK only protected the open (a FIFO swapped in); read blocking. A regular
     * file ignores the flag, and its reads are most of a tree scan's system calls: two
     * fcntl calls and an fadvise per file were a tenth of them, hence only for the rest
     * and for files long enough to stream. */
    if (!known || !S_ISREG(sst.st_mode))
        (void)fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
    if (!known || !S_ISREG(sst.st_mode) || (uint64_t)sst.st_size > LIMIT_WHOLE_FILE_BYTES)
        (void)posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return STATUS_OK;
}

enum status src_fs_read(const char *path, unsigned char **buf, blob_fn *fn, void *payload,
                        uint64_t *bytes)
{
    int fd;
    enum status st;

    *bytes = 0;
    if (strcmp(path, "-") == 0)
        return src_fs_read_fd(STDIN_FILENO, "-", buf, fn, payload, bytes);
    if ((st = src_fs_open(path, &fd, NULL, NULL)) != STATUS_OK)
        return st;
    st = src_fs_read_fd(fd, path, buf, fn, payload, bytes);
    close(fd);
    return st;
}
