/*
 * base/diag.c - a run's record of what it could not read (see diag.h).
 */
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"

static _Thread_local struct diags *diag_sink;

void diags_init(struct diags *d)
{
    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->lock, NULL);
}

void diags_release(struct diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].text);
    free(d->v);
    pthread_mutex_destroy(&d->lock);
    memset(d, 0, sizeof(*d));
}

struct diags *diag_bind(struct diags *d)
{
    struct diags *old = diag_sink;
    diag_sink = d;
    return old;
}

void diag_record(enum diag_kind kind, const char *text)
{
    struct diags *d = diag_sink;

    if (!d || (unsigned)kind >= DIAG_KINDS)
        return;
    pthread_mutex_lock(&d->lock);
    d->count[kind]++;
    if (d->n < LIMIT_DIAG_KEPT) {
        XGROW(d->v, d->cap, d->n + 1);
        d->v[d->n].kind = kind;
        d->v[d->n].text = xstrdup(text);
        d->n++;
    }
    pthread_mutex_unlock(&d->lock);
}

void diag_counts(struct diags *d, uint64_t out[DIAG_KINDS])
{
    pthread_mutex_lock(&d->lock);
    memcpy(out, d->count, sizeof(d->count));
    pthread_mutex_unlock(&d->lock);
}

const char *diag_kind_name(enum diag_kind kind)
{
    switch (kind) {
    case DIAG_NOTE: return "note";
    case DIAG_UNREADABLE: return "unreadable";
    case DIAG_LIMIT: return "limit";
    case DIAG_HISTORY: return "history";
    case DIAG_TIMEOUT: return "timeout";
    case DIAG_KINDS: break;
    }
    return "?";
}
