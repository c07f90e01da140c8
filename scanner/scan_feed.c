/*
 * scan_feed.c - the driver's work list and its feed (see scan_feed.h).
 */
#include "scan_feed.h"

#include <string.h>

#include "base/xalloc.h"
#include "source/src_git.h"

void items_add(struct items *v, const char *path, struct src_git *git, size_t blob,
               unsigned target)
{
    if (v->feed)
        pthread_mutex_lock(&v->feed->lock); /* workers copy items while the list grows */
    XGROW(v->v, v->cap, v->n + 1);
    v->v[v->n].path = path;
    v->v[v->n].git = git;
    v->v[v->n].blob = blob;
    v->v[v->n].target = target;
    v->n++;
    if (v->feed) {
        if (v->feed->waiting)
            pthread_cond_signal(&v->feed->more);
        pthread_mutex_unlock(&v->feed->lock);
    }
}

void feed_file(void *ctx, const struct src_fs_list *l)
{
    struct feed_add *fa = ctx;
    items_add(fa->items, l->v[l->n - 1].path, NULL, 0, fa->target);
}

bool scan_feed_start(const struct scan_config *cfg, unsigned threads, struct scan_feed *f)
{
    if (threads < 2 || cfg->hooks || cfg->budget_ms || cfg->from_env || cfg->staged ||
        cfg->rev_range || cfg->since_commit)
        return false;
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const char *t = cfg->targets[i];
        /* collect()'s test for a history; stdin is one input anyway */
        if (strcmp(t, "-") == 0 || (!cfg->no_history && src_git_is_repo(t)))
            return false;
    }
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->more, NULL);
    return true;
}

void scan_feed_release(struct scan_feed *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->more);
}

void scan_feed_end(struct scan_feed *f)
{
    pthread_mutex_lock(&f->lock);
    f->done = true;
    pthread_cond_broadcast(&f->more);
    pthread_mutex_unlock(&f->lock);
}

size_t scan_feed_handed(struct scan_feed *f)
{
    size_t n;

    pthread_mutex_lock(&f->lock);
    n = f->next;
    pthread_mutex_unlock(&f->lock);
    return n;
}

bool scan_feed_claim(const struct items *v, struct item *out, size_t *i, atomic_int *stop)
{
    struct scan_feed *f = v->feed;
    bool got = false;

    pthread_mutex_lock(&f->lock);
    while (f->next >= v->n && !f->done && !atomic_load(stop)) {
        f->waiting++;
        pthread_cond_wait(&f->more, &f->lock);
        f->waiting--;
    }
    if (f->next < v->n && !atomic_load(stop)) {
        *i = f->next++;
        *out = v->v[*i];
        got = true;
    }
    /* one item wakes one waiter: pass the word on while there is more, or at the end */
    if (f->waiting && (f->next < v->n || f->done))
        pthread_cond_signal(&f->more);
    pthread_mutex_unlock(&f->lock);
    return got;
}
