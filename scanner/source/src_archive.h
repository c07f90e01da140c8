/*
 * source/src_archive.h - archives (zip and its kin, tar, compressed streams, 7z) read in
 * memory with libarchive, nested, under hard limits. Nothing is written to disk.
 *
 * Each member is handed to the blob callback as a stream of overlapping chunks (so a
 * key across two read blocks is still found), with the display path
 * "outer.zip!inner.war!WEB-INF/app.properties". Nested archives are detected by content
 * and opened recursively up to max_depth. Every limit that is hit is reported as a
 * warning naming the archive and the limit; the rest of the scan goes on.
 *
 * Nothing outside the members is dropped: bytes that belong to no member (in front of a
 * zip, after the end of an archive or of a compressed stream, an archive without
 * members, damaged tar blocks) are scanned as plain bytes. In the input itself they are
 * reported under the input's own path ("app.jar", "dump.tar") at their offset and line
 * in it; in a decompressed stream under the stream's member path ("x.tar.gz!x.tar") at
 * their offset and line in the decompressed bytes. An archive found after another one
 * lists its members under the same path as the first. Lines and columns are counted by
 * the chunk streamer (source/chunk.h), as for the same bytes in a plain file.
 *
 * The code is in scanner/source/archive/ (its internal.h lists the files), the only
 * place <archive.h> is included.
 */
#ifndef SESAME_SOURCE_SRC_ARCHIVE_H
#define SESAME_SOURCE_SRC_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "source/chunk.h"

struct archive_limits {
    uint64_t max_total_bytes;  /* uncompressed bytes per top-level archive */
    double max_ratio;          /* uncompressed / compressed, per top-level archive */
    uint64_t max_members;      /* members per top-level archive, all depths */
    unsigned max_depth;        /* nesting: 1 = members of the archive itself */
    size_t max_name_bytes;     /* member name length */
    bool copy_members;         /* tests (SESAME_ARCHIVE_COPY=1): no member scanned from
                                * libarchive's buffer, every one copied (the slow path) */
};

/* Defaults: 1 GiB, ratio 200 (after the first 1 MiB), 100000 members, depth 3, 4096. */
void src_archive_default_limits(struct archive_limits *lim);

struct archive_stats {
    uint64_t archives;         /* archives opened (all depths) */
    uint64_t members;          /* members scanned */
    uint64_t bytes;            /* uncompressed bytes scanned */
    uint64_t limits_hit;       /* warnings about limits */
    uint64_t skipped;          /* encrypted or unreadable members */
    uint64_t errors;           /* bytes that could not be scanned: truncated or corrupt streams */
    uint64_t damaged;          /* damage warned about, but every byte was scanned (a bad CRC,
                                * bytes that are no archive scanned as plain bytes) */
    uint64_t ahead;            /* zip members inflated ahead by an idle worker */
    uint64_t images;           /* container images read (source/src_image.h) */
    uint64_t image_layers;     /* their layer blobs scanned */
    uint64_t image_layers_dup; /* layer blobs listed again (by another image or twice):
                                * not scanned again */
    uint64_t image_files_dup;  /* files of a layer whose content an earlier layer of the
                                * image holds: not matched again, reported at each place */
};

/* How libarchive was loaded, if it was (SESAME_TIMINGS): NULL if it was not, else
 * "without libxml2 (stand-in)" or "with its own libraries" (source/archive/lazy.h). */
const char *src_archive_loaded_how(void);

/* True if p[0, n) starts like an archive or compressed stream this module reads (zip,
 * gzip, bzip2, xz, zstd, 7z, tar). Plain text is never an archive. */
bool src_archive_sniff(const unsigned char *p, size_t n);

/* True if p[0, n), a whole input, is one this module reads: src_archive_sniff() of its
 * first bytes, or a zip found by its end record at the end of p with something else in
 * front of it (a self-running jar or zip: a launcher script, then the zip). */
bool src_archive_sniff_whole(const unsigned char *p, size_t n);

/* The same for the file open at fd, from its current offset (read with pread: the
 * offset does not move). False for anything but a regular file whose head is not an
 * archive. */
bool src_archive_sniff_fd(int fd);

/*
 * Idle workers the reader of an archive may hand work to (scan_pipe.c offers them): the
 * members of a zip are inflated ahead by them while the reader goes on (prefetch.c in
 * source/archive/). Everything the reader and those workers share is guarded by one
 * lock, the host's. NULL where there are none (one thread, tests).
 */
struct src_helpers {
    void *host;
    void (*lock)(void *host);
    void (*unlock)(void *host);
    /* Lock held: do something useful (scan a blob waiting) or wait for a notify; the
     * lock is held again on return. */
    void (*wait)(void *host);
    /* Lock held: wake whoever waits (new work offered, or a piece of it done). */
    void (*notify)(void *host);
    /* Lock held: idle workers call work(arg) from now on (NULL: no longer), with the
     * lock held; it returns false, the lock never released, when it has nothing to do,
     * else true once it did one piece (releasing the lock meanwhile). */
    void (*offer)(void *host, bool (*work)(void *arg), void *arg);
};

/* Scan the archive in data[0, len) whose display path is tmpl->path; tmpl also supplies
 * blob id and provenance, which every member inherits (each member's path becomes
 * "<tmpl->path>!<member>" — for provenance entries too). `buf` is a worker-owned chunk
 * buffer (LIMIT_CHUNK_BYTES + 1, allocated on first use). Problems inside the archive
 * are warnings (log_warn) counted in *stats (errors: what could not be read, or was
 * damaged: a bad CRC, a truncated stream); the return value is non-OK only when the
 * callback fails. */
enum status src_archive_scan_mem(const unsigned char *data, size_t len, const struct blob *tmpl,
                                 const struct archive_limits *lim, unsigned char **buf,
                                 blob_fn *fn, void *payload, struct archive_stats *stats);

/* The same for an open file, from its current offset: a regular file is read with
 * pread where needed (not mapped, never whole into memory), anything else front to
 * back. */
enum status src_archive_scan_fd(int fd, const struct blob *tmpl, const struct archive_limits *lim,
                                unsigned char **buf, blob_fn *fn, void *payload,
                                struct archive_stats *stats);

/* The same two, with idle workers to share the work with (NULL: none). */
enum status src_archive_scan_mem_with(const unsigned char *data, size_t len,
                                      const struct blob *tmpl, const struct archive_limits *lim,
                                      unsigned char **buf, blob_fn *fn, void *payload,
                                      struct archive_stats *stats, const struct src_helpers *h);
enum status src_archive_scan_fd_with(int fd, const struct blob *tmpl,
                                     const struct archive_limits *lim, unsigned char **buf,
                                     blob_fn *fn, void *payload, struct archive_stats *stats,
                                     const struct src_helpers *h);

#endif
