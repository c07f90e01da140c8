/*
 * source/src_fs.h - files and directories: the walk, and reading one input in chunks.
 *
 * The walk lists regular files under each target (sorted, so runs are reproducible),
 * skips .git directories, symlinks (unless follow_symlinks), special files and what
 * the exclude/include globs say. Reading hands a file to a callback as one blob, or as
 * overlapping chunks of LIMIT_CHUNK_BYTES for large files, so memory stays bounded.
 */
#ifndef SESAME_SOURCE_SRC_FS_H
#define SESAME_SOURCE_SRC_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "source/chunk.h"
#include "source/source.h"

struct src_fs_opts {
    const char *const *excludes; /* globs; a path matching any is skipped */
    size_t n_excludes;
    const char *const *includes; /* globs; if any, only matching files are scanned */
    size_t n_includes;
    bool follow_symlinks;
};

struct src_fs_item {
    char *path;       /* path to open ("-" for stdin) */
    bool explicit_arg; /* named on the command line */
};

struct src_fs_list {
    struct src_fs_item *v;
    size_t n, cap;
    uint64_t skipped;  /* symlinks (not followed), special files, .git directories */
    uint64_t excluded; /* files and directories excluded by the globs */
    uint64_t errors;   /* unreadable directories / vanished paths (warned) */
    /* Called after each file is added, or NULL: the caller may start on it while the
     * walk goes on (the strings stay put; the array may move). */
    void (*on_add)(void *ctx, const struct src_fs_list *list);
    void *on_add_ctx;
};

/* Add the files of `target` to `list`. A target that does not exist or cannot be read
 * is an error (STATUS_IO, message names it); problems below it are warnings, counted. */
enum status src_fs_collect(const char *target, const struct src_fs_opts *opts,
                           struct src_fs_list *list);
void src_fs_list_release(struct src_fs_list *list);

/* The names in directory `dir` but "." and "..", sorted bytewise (caller frees each and
 * the array); NULL with errno set if it cannot be read. */
char **src_fs_read_dir(const char *dir, size_t *count);

/* True if `path` (relative to its target) is excluded by the globs. */
bool src_fs_excluded(const struct src_fs_opts *opts, const char *path, bool is_dir);


/* Read `path` ("-" = stdin) and call fn once per chunk (source/chunk.h). `buf` is a
 * worker-owned buffer of LIMIT_CHUNK_BYTES + 1 (allocated on first use). *bytes receives
 * the bytes read. STATUS_IO (message names the path) when it cannot be opened or read;
 * the bytes read before a read error are scanned. */
enum status src_fs_read(const char *path, unsigned char **buf, blob_fn *fn, void *payload,
                        uint64_t *bytes);

/* Open `path` for reading (a FIFO swapped in cannot block the open; a directory is
 * refused, or with `is_dir` said there: STATUS_OK, *is_dir true, *fd -1). STATUS_IO
 * naming the path. With `size`: the size of a regular file as opened, UINT64_MAX for
 * anything else. */
enum status src_fs_open(const char *path, int *fd, uint64_t *size, bool *is_dir);

/* Same, for an already open file descriptor (not closed), read from its offset. */
enum status src_fs_read_fd(int fd, const char *path, unsigned char **buf, blob_fn *fn,
                           void *payload, uint64_t *bytes);

/* Same, with every chunk a copy of `tmpl` (path, blob id, provenance) but for the
 * fields the streamer fills in. */
enum status src_fs_stream_fd(int fd, const struct blob *tmpl, unsigned char **buf, blob_fn *fn,
                             void *payload, uint64_t *bytes);

/* A file descriptor as a chunk_read_fn source: read(2) as it comes, EINTR retried. A
 * failure is STATUS_IO ("read error: ...") with errno kept in `err`. */
struct src_fs_fd {
    int fd;
    int err;
};
enum status src_fs_fd_read(void *src, unsigned char *p, size_t n, size_t *got);

#endif
