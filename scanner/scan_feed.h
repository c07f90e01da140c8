/*
 * scan_feed.h - the driver's work list, and a feed: the list grows while workers read it,
 * so a tree's files are scanned while the walk goes on.
 *
 * A tree's walk was a single-threaded phase before any file was read (4-5 % of the wall
 * time of a scan of a 300 MB tree on 2 cores: benches/RESULTS.md). With a feed, the
 * workers start first and the driver's thread walks: each file found is published, an
 * idle worker waits for the next one or for the end of the walk. The list may move while
 * it grows, so then it is only touched under the feed's lock: appends by the walker,
 * copies of one item by a worker. What a run reports does not change: findings are
 * sorted after all workers are done; only warnings of the walk and of reading may
 * interleave on stderr, as those of two workers already do (one thread: no feed).
 */
#ifndef SESAME_SCAN_FEED_H
#define SESAME_SCAN_FEED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan.h"
#include "source/src_fs.h"

struct src_git;

/* One unit of work: a file, or a blob of a planned git repository. */
struct item {
    const char *path;       /* file to read, or NULL for a git blob */
    struct src_git *git;
    size_t blob;
    unsigned target;        /* index in cfg->targets */
};

struct scan_feed {
    pthread_mutex_t lock;
    pthread_cond_t more;
    size_t next;        /* the next item to hand out */
    bool done;          /* no more will come */
    unsigned waiting;   /* workers waiting for more */
};

struct items {
    struct item *v;
    size_t n, cap;
    uint64_t skipped;          /* git objects the hooks said not to read */
    /* git blobs read clean while their history was planned (scan_prescan.c): counted,
     * not read again */
    uint64_t pre_blobs, pre_msgs, pre_bytes, pre_views;
    struct scan_feed *feed;    /* the walk goes on while workers read, or NULL */
};

/* Append an item (with a feed: under its lock, and published). */
void items_add(struct items *v, const char *path, struct src_git *git, size_t blob,
               unsigned target);

/* src_fs_list.on_add with a feed: each file found is an item at once (ctx: a feed_add). */
struct feed_add {
    struct items *items;
    unsigned target;
};
void feed_file(void *ctx, const struct src_fs_list *l);

/* Whether a run can scan while it walks: only plain files and directories (a git
 * history is planned, its blobs ordered, before they are read; hooks and a time budget
 * count on the whole list being known first), and more than one worker. If so, *f is
 * ready for use. */
bool scan_feed_start(const struct scan_config *cfg, unsigned threads, struct scan_feed *f);
/* NULL: nothing to do. */
void scan_feed_release(struct scan_feed *f);
/* No more items (also when the walk failed). */
void scan_feed_end(struct scan_feed *f);
/* Items handed out so far (progress). */
size_t scan_feed_handed(struct scan_feed *f);

/* A worker: wait for an item, copy it to *out and say its index. False when the walk is
 * done and every item handed out, or `stop` is set. */
bool scan_feed_claim(const struct items *v, struct item *out, size_t *i, atomic_int *stop);

#endif
