/*
 * scan_pipe.c - an archive's blobs scanned by idle workers while its reader goes on
 * (see scan_pipe.h for the contract: same findings, same warnings in the same order).
 *
 * One lock (the hub's) guards every pipe: a pipe's jobs are a list in the order they
 * were handed over; `waiting` points at the first one nobody has claimed yet (claims
 * go in order too, so every job after it is waiting as well). Jobs are retired from the
 * head only, by the producer, once scanned: their held warnings are printed then.
 */
#include "scan_pipe.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "model/provenance.h"
#include "source/source.h"

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct pipe_job {
    struct blob b;             /* points into the copies below */
    struct pipe_buf *buf;
    char *path, *blob_id, *layer_cmd, *removed_in;
    struct provenance *prov;
    struct blob_place *places;
    enum job_state state;
    enum status st;
    struct log_held held;      /* its warnings, printed when it is retired */
    struct pipe_job *next;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* The record of a buffer of class c at `data`. */
static struct pipe_buf *buf_new(unsigned c, bool slab, unsigned char *data)
{
    struct pipe_buf *pb = xmalloc(sizeof(*pb));

    *pb = (struct pipe_buf){ (size_t)4096 << c, c, slab, NULL, data };
    return pb;
}

/* Cut a buffer of class c from the newest slab; a new slab first if it has too little
 * left (what it has left is cut into pooled buffers, the largest first), while the slabs
 * stay within SCAN_PIPE_BYTES. NULL past that. */
static struct pipe_buf *slab_cut(struct pipe_hub *h, unsigned c)
{
    size_t cap = (size_t)4096 << c;
    struct pipe_buf *pb;

    if (cap >= SCAN_PIPE_SLAB_BYTES)
        return NULL;
    if (h->slab_left < cap) {
        if ((h->n_slabs + 1) * SCAN_PIPE_SLAB_BYTES > SCAN_PIPE_BYTES)
            return NULL;
        while (h->slab_left >= 4096) {
            unsigned k = 0;
            while (((size_t)8192 << k) <= h->slab_left)
                k++;
            pb = slab_cut(h, k);
            pb->next = h->pool[k];
            h->pool[k] = pb;
        }
        h->slabs = xrealloc(h->slabs, (h->n_slabs + 1) * sizeof(*h->slabs));
        h->slabs[h->n_slabs++] = xmalloc_big(SCAN_PIPE_SLAB_BYTES);
        h->slab_left = SCAN_PIPE_SLAB_BYTES;
    }
    pb = buf_new(c, true, h->slabs[h->n_slabs - 1] + (SCAN_PIPE_SLAB_BYTES - h->slab_left));
    h->slab_left -= cap;
    return pb;
}

/* The smallest pooled buffer that holds n bytes, else a new one. */
struct pipe_buf *pipe_buf_get(struct pipe_hub *h, size_t n)
{
    unsigned c = 0;
    struct pipe_buf *pb;

    while (c + 1 < SCAN_PIPE_CLASSES && ((size_t)4096 << c) < n)
        c++;
    for (unsigned k = c; k < SCAN_PIPE_CLASSES; k++)
        if ((pb = h->pool[k])) {
            h->pool[k] = pb->next;
            if (!pb->slab)
                h->pooled -= pb->cap;
            return pb;
        }
    if ((pb = slab_cut(h, c)))
        return pb;
    return buf_new(c, false, xmalloc_big((size_t)4096 << c));
}

/* Keep a retired blob's buffer for the next ones (one cut from a slab always, others
 * while the pool has room). */
void pipe_buf_put(struct pipe_hub *h, struct pipe_buf *pb)
{
    if (!pb->slab) {
        if (h->pooled + h->n_slabs * SCAN_PIPE_SLAB_BYTES + pb->cap > SCAN_PIPE_BYTES) {
            free(pb->data);
            free(pb);
            return;
        }
        h->pooled += pb->cap;
    }
    pb->next = h->pool[pb->cls];
    h->pool[pb->cls] = pb;
}

/* A copy of b in pb that lives until the job is retired: the reader reuses its buffers
 * and frees a member's names as soon as it moves on. */
static struct pipe_job *job_new(const struct blob *b, struct pipe_buf *pb)
{
    struct pipe_job *j = xcalloc(1, sizeof(*j));

    j->b = *b;
    j->buf = pb;
    if (b->len)
        memcpy(pb->data, b->data, b->len);
    j->b.data = pb->data;
    j->b.path = j->path = dup_or_null(b->path);
    j->b.blob_id = j->blob_id = dup_or_null(b->blob_id);
    j->b.layer_cmd = j->layer_cmd = dup_or_null(b->layer_cmd);
    j->b.removed_in = j->removed_in = dup_or_null(b->removed_in);
    if (b->n_prov && b->prov) {
        j->prov = xcalloc(b->n_prov, sizeof(*j->prov));
        for (size_t k = 0; k < b->n_prov; k++) {
            j->prov[k].path = dup_or_null(b->prov[k].path);
            j->prov[k].commit = b->prov[k].commit; /* owned by the run's git source */
        }
        j->b.prov = j->prov;
        if (b->places) {
            j->places = xcalloc(b->n_prov, sizeof(*j->places));
            for (size_t k = 0; k < b->n_prov; k++) {
                j->places[k] = b->places[k];
                j->places[k].layer_cmd = dup_or_null(b->places[k].layer_cmd);
                j->places[k].removed_in = dup_or_null(b->places[k].removed_in);
            }
            j->b.places = j->places;
        }
    }
    return j;
}

static void job_free(struct pipe_job *j)
{
    for (size_t k = 0; j->prov && k < j->b.n_prov; k++)
        free((char *)j->prov[k].path);
    for (size_t k = 0; j->places && k < j->b.n_prov; k++) {
        free((char *)j->places[k].layer_cmd);
        free((char *)j->places[k].removed_in);
    }
    free(j->prov);
    free(j->places);
    free(j->path);
    free(j->blob_id);
    free(j->layer_cmd);
    free(j->removed_in);
    free(j);
}

void pipe_hub_init(struct pipe_hub *h, unsigned producers)
{
    memset(h, 0, sizeof(*h));
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->work, NULL);
    pthread_cond_init(&h->done, NULL);
    h->producers = producers;
}

void pipe_hub_release(struct pipe_hub *h)
{
    for (unsigned c = 0; c < SCAN_PIPE_CLASSES; c++)
        while (h->pool[c]) {
            struct pipe_buf *pb = h->pool[c];
            h->pool[c] = pb->next;
            if (!pb->slab)
                free(pb->data);
            free(pb);
        }
    for (size_t k = 0; k < h->n_slabs; k++)
        free(h->slabs[k]);
    free(h->slabs);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->work);
    pthread_cond_destroy(&h->done);
}

enum status scan_pipe_scan(struct scanbuf *sb, const struct scanbuf_ctx *ctx,
                           const struct blob *b)
{
    scanbuf_set_ctx(sb, ctx);
    return scanbuf_scan(sb, b);
}

/* Scan blob b for job j (claimed by this thread) with sb under the pipe's context, its
 * warnings held. Called without the lock. */
static void job_scan_blob(struct scan_pipe *p, struct pipe_job *j, struct scanbuf *sb,
                          const struct blob *b)
{
    struct log_held *old = log_hold(&j->held);

    j->st = p->scan(sb, &p->ctx, b);
    log_hold(old);
}

static void job_scan(struct scan_pipe *p, struct pipe_job *j, struct scanbuf *sb)
{
    job_scan_blob(p, j, sb, &j->b);
}

/* Put j at the end of p's list (lock held). */
static void append(struct scan_pipe *p, struct pipe_job *j)
{
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->jobs++;
}

/* Claim the first waiting job of p (lock held). */
static struct pipe_job *claim(struct scan_pipe *p)
{
    struct pipe_job *j = p->waiting;

    if (j) {
        struct pipe_job *w = j->next;
        while (w && w->state != JOB_WAITING)
            w = w->next; /* blobs the producer scanned at once */
        j->state = JOB_RUNNING;
        p->waiting = w;
        p->n_waiting--;
        p->w_bytes -= j->b.len;
    }
    return j;
}

/* Mark j done (lock held): its bytes go back to the pool at once (only its warnings
 * and status wait for its turn), a failure stops the producer at its next blob. */
static void job_done(struct scan_pipe *p, struct pipe_job *j)
{
    j->state = JOB_DONE;
    if (j->buf) {
        p->bytes -= j->b.len;
        pipe_buf_put(p->hub, j->buf);
        j->buf = NULL;
        j->b.data = NULL;
    }
    if (j->st != STATUS_OK && p->err == STATUS_OK)
        p->err = j->st;
    if (p->hub->waiting)
        pthread_cond_broadcast(&p->hub->done);
}

/* Wait for a blob to be scanned or work to be done (lock held). */
static void wait_done(struct pipe_hub *h)
{
    double t = clock_now();

    h->waiting++;
    pthread_cond_wait(&h->done, &h->lock);
    h->waiting--;
    h->wait_s += clock_now() - t;
}

static void unlist(struct scan_pipe *p)
{
    struct scan_pipe **at = &p->hub->open;

    while (*at && *at != p)
        at = &(*at)->next_open;
    if (*at)
        *at = p->next_open;
    p->listed = false;
}

/* Retire the scanned jobs at the head of p, in order: their warnings are printed now
 * (lock held; printing does not take it). */
static void retire(struct scan_pipe *p)
{
    while (p->head && p->head->state == JOB_DONE) {
        struct pipe_job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->jobs--;
        log_release(&j->held);
        job_free(j);
    }
    if (!p->head && p->listed)
        unlist(p);
}

/* Scan one waiting job of p here, or else wait (for a helper to finish one, or for a
 * notify); then retire (lock held, released while scanning). */
static void scan_or_wait(struct scan_pipe *p)
{
    struct pipe_job *j;

    retire(p);
    if ((j = claim(p)) != NULL) {
        pthread_mutex_unlock(&p->hub->lock);
        job_scan(p, j, p->sb);
        pthread_mutex_lock(&p->hub->lock);
        job_done(p, j);
    } else {
        wait_done(p->hub);
    }
    retire(p);
}

/* One step towards p's jobs all retired (lock held). */
static void step(struct scan_pipe *p)
{
    retire(p);
    if (p->head)
        scan_or_wait(p);
}

/* Retire every job handed over (lock held). */
static void drain(struct scan_pipe *p)
{
    while (p->head)
        step(p);
}

/* The producer is about to print a warning: what it handed over before comes first. */
static void before_warning(void *arg)
{
    struct scan_pipe *p = arg;

    pthread_mutex_lock(&p->hub->lock);
    drain(p);
    pthread_mutex_unlock(&p->hub->lock);
}

/* ---- struct src_helpers over the hub's lock ---- */

static void helpers_lock(void *host)
{
    pthread_mutex_lock(&((struct scan_pipe *)host)->hub->lock);
}

static void helpers_unlock(void *host)
{
    pthread_mutex_unlock(&((struct scan_pipe *)host)->hub->lock);
}

/* The producer waits for a helper: it scans a blob of its own meanwhile, if one waits. */
static void helpers_wait(void *host)
{
    scan_or_wait(host);
}

static void helpers_notify(void *host)
{
    struct pipe_hub *h = ((struct scan_pipe *)host)->hub;

    if (h->idle)
        pthread_cond_broadcast(&h->work);
    if (h->waiting)
        pthread_cond_broadcast(&h->done);
}

static void helpers_offer(void *host, bool (*work)(void *arg), void *arg)
{
    struct scan_pipe *p = host;
    struct scan_pipe **at = &p->hub->sides;

    while (*at && *at != p)
        at = &(*at)->next_side;
    if (*at)
        *at = p->next_side; /* unlisted, listed again below if work is offered */
    p->side = work;
    p->side_arg = arg;
    if (work) {
        p->next_side = p->hub->sides;
        p->hub->sides = p;
    }
}

void scan_pipe_open(struct scan_pipe *p, struct pipe_hub *h, struct scanbuf *sb,
                    const struct scanbuf_ctx *ctx)
{
    memset(p, 0, sizeof(*p));
    p->hub = h;
    p->scan = scan_pipe_scan;
    p->sb = sb;
    p->ctx = *ctx;
    p->helpers.host = p;
    p->helpers.lock = helpers_lock;
    p->helpers.unlock = helpers_unlock;
    p->helpers.wait = helpers_wait;
    p->helpers.notify = helpers_notify;
    p->helpers.offer = helpers_offer;
    log_set_before(before_warning, p);
}

/* Whether the producer scans a blob of `len` bytes itself rather than queue it (lock
 * held). A zip's helpers inflate members ahead when no blob waits (p->side): they
 * never run dry, and a few blobs waiting are enough. Otherwise they have nothing but
 * the queue: it must hold more than the producer takes on (SCAN_PIPE_AHEAD), so the
 * two cores run out together; a reader slower than the matcher (one gzip stream)
 * then never scans at all. */
static bool own_turn(const struct scan_pipe *p, size_t len)
{
    if (p->side)
        return p->n_waiting >= SCAN_PIPE_SIDE_JOBS;
    return p->n_waiting >= SCAN_PIPE_JOBS || p->w_bytes >= (uint64_t)len + SCAN_PIPE_AHEAD;
}

enum status scan_pipe_blob(const struct blob *b, void *payload)
{
    struct scan_pipe *p = payload;
    struct pipe_hub *h = p->hub;
    struct pipe_job *j;
    struct pipe_buf *pb;
    enum status err;

    pthread_mutex_lock(&h->lock);
    retire(p);
    if ((err = p->err) != STATUS_OK) {
        pthread_mutex_unlock(&h->lock);
        return err;
    }
    if (!p->head && (p->side ? h->idle == 0 : h->helping == 0)) {
        /* Nobody to hand it to and nothing before it: scanned here, now. */
        h->own++;
        h->own_bytes += b->len;
        pthread_mutex_unlock(&h->lock);
        return p->scan(p->sb, &p->ctx, b);
    }
    /* Only for memory does the producer wait for a helper: a blob a helper holds
     * keeps the ones after it (scanned, their bytes freed) from being retired. */
    while (p->head && p->jobs >= SCAN_PIPE_HELD)
        step(p);
    if (p->bytes + b->len > SCAN_PIPE_BYTES || own_turn(p, b->len)) {
        /* The helpers have enough: this one is scanned here, now, from the reader's
         * buffer (no copy), its warnings held for its turn. */
        h->own++;
        h->own_bytes += b->len;
        j = xcalloc(1, sizeof(*j));
        j->state = JOB_RUNNING;
        append(p, j);
        pthread_mutex_unlock(&h->lock);
        job_scan_blob(p, j, p->sb, b);
        pthread_mutex_lock(&h->lock);
        job_done(p, j);
        retire(p);
    } else {
        pb = pipe_buf_get(h, b->len);
        pthread_mutex_unlock(&h->lock);
        j = job_new(b, pb);
        pthread_mutex_lock(&h->lock);
        append(p, j);
        if (!p->waiting)
            p->waiting = j;
        p->n_waiting++;
        p->w_bytes += b->len;
        p->bytes += b->len;
        h->jobs++;
        h->copied += b->len;
        if (!p->listed) {
            p->listed = true;
            p->next_open = h->open;
            h->open = p;
        }
        pthread_cond_signal(&h->work);
    }
    err = p->err;
    pthread_mutex_unlock(&h->lock);
    return err;
}

enum status scan_pipe_close(struct scan_pipe *p, enum status st)
{
    pthread_mutex_lock(&p->hub->lock);
    drain(p);
    if (st == STATUS_OK)
        st = p->err;
    pthread_mutex_unlock(&p->hub->lock);
    log_set_before(NULL, NULL);
    return st;
}

void pipe_hub_help(struct pipe_hub *h, struct scanbuf *sb)
{
    pthread_mutex_lock(&h->lock);
    if (h->producers > 0)
        h->producers--;
    pthread_cond_broadcast(&h->work);
    if (sb)
        h->helping++;
    while (sb) {
        struct scan_pipe *p = h->open;
        struct pipe_job *j = NULL;

        while (p && !(j = claim(p)))
            p = p->next_open;
        if (j) {
            h->handed++;
            pthread_mutex_unlock(&h->lock);
            job_scan(p, j, sb);
            pthread_mutex_lock(&h->lock);
            job_done(p, j);
            continue;
        }
        /* No blob waits: other work a producer offers (it keeps the lock if none). */
        for (p = h->sides; p && !p->side(p->side_arg); p = p->next_side)
            ;
        if (p)
            continue;
        if (h->producers == 0)
            break;
        {
            double t = clock_now();
            h->idle++;
            pthread_cond_wait(&h->work, &h->lock);
            h->idle--;
            h->idle_s += clock_now() - t;
        }
    }
    if (sb)
        h->helping--;
    pthread_mutex_unlock(&h->lock);
}
