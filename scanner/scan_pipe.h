/*
 * scan_pipe.h - the blobs of one archive scanned by idle workers while its reader reads
 * on: a two-stage pipeline (read and decompress | match) whose findings, diagnostics
 * and their order are those of a scan on one thread.
 *
 * A worker that reads an archive (the producer) hands each blob (a member, or a chunk
 * of a large one) to a pipe instead of its scanbuf; workers that have no input left
 * (helpers) take blobs from open pipes and scan them with their own scanbuf. Blobs are
 * copied (the reader reuses its buffers); when SCAN_PIPE_JOBS wait already the producer
 * scans the blob at hand itself, from the reader's buffer, so that a core is never idle
 * waiting for another one (a helper descheduled on a busy machine holds up nobody but
 * the warnings of the blobs after its own), nothing is copied that the producer scans,
 * and nothing waits when no helper is there.
 * Hand-over by bytes: with no helper at all and nothing queued a blob is scanned at
 * once, as without a pipe; otherwise it is queued unless the helpers have more bytes
 * waiting than it holds plus SCAN_PIPE_AHEAD (then the producer scans it itself, from
 * the reader's buffer). So the helpers never run dry while the producer scans a big
 * blob (counting blobs, 16 of them, was the rule before: a producer scanning a 7 MB
 * member left the helper 16 small ones, benches/RESULTS.md), both cores run out
 * together, and a reader slower than the matcher (one gzip stream) scans nothing
 * itself. A zip's pipe keeps the count (SCAN_PIPE_SIDE_JOBS): its helpers inflate
 * members ahead when no blob waits.
 *
 * Besides blobs, the producer may offer the helpers other work (p->helpers, struct
 * src_helpers: a zip's members inflated ahead, source/archive/prefetch.c); a helper
 * takes a blob first, that work when no blob waits.
 *
 * Order: findings are sorted when the run ends, so only warnings could come out of
 * order. A blob's warnings are held (base/log.h log_hold) while it is scanned and
 * printed when it is retired, strictly in the order the blobs were handed over; before
 * the producer prints a warning of its own (a damaged member, a limit) every blob
 * handed over before it is retired first. A failure of the callback (the observation
 * cap) stops the producer at its next blob once the failing one is scanned: a few blobs
 * later than without the pipe.
 */
#ifndef SESAME_SCAN_PIPE_H
#define SESAME_SCAN_PIPE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "scanbuf.h"
#include "source/src_archive.h"

struct blob;
struct pipe_job;
struct pipe_buf;

/* Blobs of one pipe waiting for a helper (more: the producer scans its own); bytes
 * of its blobs not scanned yet (the memory a pipe holds besides the producer's own
 * buffers); blobs scanned but not retired yet (a few hundred bytes each: their
 * warnings wait for the blobs before them). */
#define SCAN_PIPE_JOBS 1024u
#define SCAN_PIPE_SIDE_JOBS 16u /* a pipe whose helpers have other work (below) */
#define SCAN_PIPE_BYTES (24u * 1024 * 1024)
#define SCAN_PIPE_HELD 4096u
/* A slab the pipe's smaller buffers are cut from (xmalloc_big: one huge page): filling
 * 24 MB of 4 KiB pages cost the reader 5,500 page faults on a 62 MB tar. */
#define SCAN_PIPE_SLAB_BYTES ((size_t)2 << 20)
#define SCAN_PIPE_CLASSES 48u /* 4 KiB << 47: more than any blob */
/* The producer scans a blob of its own only while the helpers have this many bytes
 * more than that blob waiting: they must not run dry while it scans, nor while it
 * reads the next blob (a plain tar reads 1 MiB in ~0.3 ms, matching takes ~2 ms). */
#define SCAN_PIPE_AHEAD (2u * 1024 * 1024)

/* What the workers of one run share: the open pipes, the helpers waiting. */
struct pipe_hub {
    pthread_mutex_t lock;
    pthread_cond_t work;     /* a blob was queued, or the last producer left */
    pthread_cond_t done;     /* a blob was scanned */
    struct scan_pipe *open;  /* pipes with blobs queued or being scanned (list) */
    struct scan_pipe *sides; /* pipes whose producer offers other work (list) */
    unsigned producers;      /* workers that may still open a pipe */
    unsigned idle;           /* helpers waiting for a blob */
    unsigned waiting;        /* producers waiting for a blob to be scanned (done) */
    unsigned helping;        /* workers in pipe_hub_help, idle or not */
    /* Buffers of retired blobs, kept for the next ones (fresh memory costs a page fault
     * per page), by size class: pool[c] holds buffers of 4 KiB << c. Those under
     * SCAN_PIPE_SLAB_BYTES are cut from slabs of that size in huge pages, up to
     * SCAN_PIPE_BYTES of them, and always come back; others are kept while `pooled`
     * and the slabs stay within SCAN_PIPE_BYTES. */
    struct pipe_buf *pool[SCAN_PIPE_CLASSES];
    uint64_t pooled;         /* bytes of the pooled buffers that are not cut from a slab */
    unsigned char **slabs;   /* every slab, freed with the hub */
    size_t n_slabs;
    size_t slab_left;        /* bytes of the newest slab not cut yet, at its end */
    /* SESAME_TIMINGS: */
    uint64_t handed;         /* blobs scanned by a helper */
    uint64_t jobs;           /* blobs queued */
    uint64_t copied;         /* their bytes (copied from the reader's buffer) */
    uint64_t own, own_bytes; /* blobs (bytes) of a pipe its producer scanned itself */
    double idle_s;           /* helpers waiting for work, summed */
    double wait_s;           /* producers waiting for a helper, summed */
};

/* A buffer of at least n bytes for a blob, and its return once the blob is retired
 * (lock held; exposed for tests). */
struct pipe_buf {
    size_t cap;              /* 4 KiB << cls */
    unsigned cls;
    bool slab;               /* cut from a slab: never freed before the hub */
    struct pipe_buf *next;
    unsigned char *data;
};
struct pipe_buf *pipe_buf_get(struct pipe_hub *h, size_t n);
void pipe_buf_put(struct pipe_hub *h, struct pipe_buf *pb);

/* Scan one blob with sb under ctx (scan_pipe_scan; tests put their own). */
typedef enum status scan_pipe_fn(struct scanbuf *sb, const struct scanbuf_ctx *ctx,
                                 const struct blob *b);
scan_pipe_fn scan_pipe_scan;

/* One producer's pipe. */
struct scan_pipe {
    struct pipe_hub *hub;
    scan_pipe_fn *scan;          /* scan_pipe_scan unless a test says otherwise */
    struct scanbuf *sb;          /* the producer's */
    struct scanbuf_ctx ctx;      /* applies to every blob of the pipe */
    struct pipe_job *head, *tail; /* handed over, not retired, in order */
    struct pipe_job *waiting;    /* the first one nobody scans yet, or NULL */
    unsigned jobs;               /* handed over, not retired */
    unsigned n_waiting;          /* of which nobody scans yet */
    uint64_t w_bytes;            /* their bytes */
    uint64_t bytes;              /* of the jobs not scanned yet */
    enum status err;             /* first failure of a blob scanned */
    bool listed;                 /* in hub->open */
    struct scan_pipe *next_open;
    struct src_helpers helpers;  /* the hub's workers, as the archive reader sees them */
    bool (*side)(void *arg);     /* other work the producer offers them, or NULL */
    void *side_arg;
    struct scan_pipe *next_side; /* in hub->sides */
};

void pipe_hub_init(struct pipe_hub *h, unsigned producers);
void pipe_hub_release(struct pipe_hub *h);

/* Start a pipe for the producer whose scanbuf is sb, under ctx; its warnings wait for
 * the blobs before them from now on (log_set_before). p->helpers is what the reader may
 * hand the idle workers besides blobs (struct src_helpers: a zip's members inflated
 * ahead); they take blobs to scan first, that work when none waits. */
void scan_pipe_open(struct scan_pipe *p, struct pipe_hub *h, struct scanbuf *sb,
                    const struct scanbuf_ctx *ctx);
/* A blob_fn (source/chunk.h) whose payload is a struct scan_pipe. */
enum status scan_pipe_blob(const struct blob *b, void *payload);
/* Wait for every blob handed over, retire them all, end the pipe; returns the first
 * failure of a blob scanned (st if none, or if st already is one). */
enum status scan_pipe_close(struct scan_pipe *p, enum status st);

/* A worker has no input left: it helps open pipes until no producer is left (sb NULL:
 * a worker that never started leaves at once). */
void pipe_hub_help(struct pipe_hub *h, struct scanbuf *sb);

#endif
