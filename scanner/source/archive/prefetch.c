/*
 * source/archive/prefetch.c - the members of a zip inflated ahead by idle workers while
 * the walk is on an earlier one (see internal.h for the contract: what the walk takes
 * is exactly what its own reader would give, or it reads the member itself).
 *
 * A zip's members are independent and its central directory says where each one is,
 * so inflating is not bound to one core as a compressed stream is: each worker that
 * helps opens a libarchive reader of its own on the same bytes (seekable: a member is
 * reached from the central directory, the ones in between skipped unread) and inflates
 * the member it claims into a slot; the walk, reaching that member, takes the slot's
 * bytes instead of inflating them. Members are claimed lowest first, in a window of
 * LIMIT_ARCHIVE_AHEAD_MEMBERS after the walk's; the walk, waiting for a member a worker
 * is still on, inflates a later one itself rather than idle. Limits, warnings, nested
 * archives and the order of everything stay the walk's: only clean bytes are taken
 * (no warning, no error, the size the header says), and they go through member_read()
 * and its accounting as libarchive's blocks would. Everything here is guarded by the
 * helpers' lock (one per run, struct src_helpers).
 */
#include "source/archive/internal.h"

#include <stdlib.h>
#include <string.h>

#include "source/archive/lazy.h"

#include "base/xalloc.h"

enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_DONE };

/* Readers that failed (a member that cannot be inflated, the end found) before no more
 * members of the zip are inflated ahead: a reader opened afresh parses the whole central
 * directory again, and a zip of 100,000 damaged members must not cost that each time. */
#define PREFETCH_DEATHS_MAX 8u

/* A member inflated ahead, or being inflated. */
struct slot {
    enum slot_state state;
    uint64_t index;           /* header number (struct level's index) */
    bool clean;               /* data is exactly the member's, read without a complaint */
    char *name;               /* its name, as libarchive gives it */
    int64_t size;             /* its size, from the header */
    unsigned char *data;
    size_t len;
};

/* A libarchive reader of the zip of one's own. */
struct reader {
    struct archive *a;
    struct view v;
    struct input in;          /* a copy: not the top-level input, reads count nowhere */
    uint64_t at;              /* headers read */
    bool dead;                /* a failure: not used again */
    uint64_t end;             /* the first header number it found none at, or 0 */
    struct reader *next;
};

struct prefetch {
    const struct src_helpers *h;
    struct walk *w;
    const struct input *in;
    uint64_t start, end;      /* the zip in `in` */
    uint64_t at;              /* the walk's header number */
    uint64_t next;            /* the lowest header number nobody claimed yet */
    uint64_t none_from;       /* no header from this number on (a reader found none) */
    uint64_t held;            /* bytes in slots done */
    unsigned running;         /* slots being inflated */
    unsigned readers;         /* readers open */
    unsigned deaths;          /* readers that failed */
    struct reader *idle;      /* readers not in use */
    bool closing;
    struct slot slot[LIMIT_ARCHIVE_AHEAD_MEMBERS];
};

static void slot_clear(struct slot *s)
{
    free(s->name);
    free(s->data);
    memset(s, 0, sizeof(*s));
}

static struct reader *reader_open(struct prefetch *pf)
{
    struct reader *r = xcalloc(1, sizeof(*r));
    struct walk none;

    memset(&none, 0, sizeof(none));
    r->in = *pf->in;
    r->in.top = false;
    r->a = format_reader_new();
    if (view_open(r->a, &r->v, &r->in, pf->start, pf->end, &none) != ARCHIVE_OK)
        r->dead = true;
    return r;
}

static void reader_free(struct reader *r)
{
    struct walk none;

    memset(&none, 0, sizeof(none));
    archive_read_free(r->a);
    view_close(&none, &r->v);
    free(r);
}

/* Inflate member s->index into s with r (no lock held): s->clean if it is all there,
 * without a complaint, and not too large. */
static void inflate(struct reader *r, struct slot *s)
{
    struct archive_entry *e = NULL;
    const char *name;
    int rc = ARCHIVE_OK;
    size_t n = 0;

    while (!r->dead && r->at < s->index) {
        rc = archive_read_next_header(r->a, &e);
        if (rc == ARCHIVE_EOF || rc == ARCHIVE_FATAL) {
            r->dead = true;
            r->end = r->at + 1; /* no header from here on */
            return;
        }
        r->at++;
    }
    if (r->dead || rc != ARCHIVE_OK || !e)
        return;
    name = archive_entry_pathname(e);
    if ((archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP || !name ||
        archive_entry_filetype(e) != AE_IFREG || archive_entry_is_encrypted(e) ||
        !archive_entry_size_is_set(e) || archive_entry_size(e) <= 0 ||
        archive_entry_size(e) > (int64_t)LIMIT_ARCHIVE_AHEAD_MEMBER_BYTES)
        return;
    s->name = xstrdup(name);
    s->size = archive_entry_size(e);
    s->data = xmalloc((size_t)s->size);
    for (;;) {
        const void *b = NULL;
        size_t len = 0;
        la_int64_t off = 0;

        rc = archive_read_data_block(r->a, &b, &len, &off);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK || off != (la_int64_t)n || len > (size_t)s->size - n ||
            (len > 0 && !b)) {
            r->dead = true; /* opened afresh for the next member: nothing is assumed */
            return;
        }
        if (len > 0) /* an empty block may come without a pointer */
            memcpy(s->data + n, b, len);
        n += len;
    }
    s->len = n;
    s->clean = n == (size_t)s->size;
}

/* Idle workers' work (struct src_helpers): inflate the lowest member nobody claimed in
 * the window after the walk's, if the bytes held leave room. Lock held on entry and on
 * return; released while inflating. */
static bool work(void *arg)
{
    struct prefetch *pf = arg;
    uint64_t i = pf->next > pf->at ? pf->next : pf->at + 1;
    struct slot *s = &pf->slot[i % LIMIT_ARCHIVE_AHEAD_MEMBERS];
    struct reader *r;

    if (pf->closing || i > pf->at + LIMIT_ARCHIVE_AHEAD_MEMBERS || i >= pf->none_from ||
        s->state != SLOT_FREE ||
        pf->held >= LIMIT_ARCHIVE_AHEAD_BYTES ||
        (!pf->idle && pf->readers >= LIMIT_ARCHIVE_AHEAD_READERS))
        return false;
    s->state = SLOT_RUNNING;
    s->index = i;
    pf->next = i + 1;
    pf->running++;
    r = pf->idle;
    if (r)
        pf->idle = r->next;
    else
        pf->readers++;
    pf->h->unlock(pf->h->host);
    if (r && r->at >= i) { /* claims only go up, so only after the walk skipped back */
        reader_free(r);
        r = NULL;
    }
    if (!r)
        r = reader_open(pf);
    inflate(r, s);
    pf->h->lock(pf->h->host);
    if (r->end && r->end < pf->none_from)
        pf->none_from = r->end;
    if (r->dead && ++pf->deaths >= PREFETCH_DEATHS_MAX)
        pf->none_from = 0; /* a damaged zip: each new reader would parse its directory again */
    if (r->dead) {
        pf->readers--;
        pf->h->unlock(pf->h->host);
        reader_free(r);
        pf->h->lock(pf->h->host);
    } else {
        r->next = pf->idle;
        pf->idle = r;
    }
    pf->running--;
    if (s->index < pf->at || pf->closing) {
        slot_clear(s); /* the walk went past it meanwhile */
    } else {
        s->state = SLOT_DONE;
        pf->held += s->len;
    }
    pf->h->notify(pf->h->host);
    return true;
}

struct prefetch *prefetch_open(struct walk *w, const struct input *in, uint64_t start,
                               uint64_t end)
{
    struct prefetch *pf;

    if (!w->helpers || in->kind == IN_TAP || w->ahead)
        return NULL; /* a zip in a zip: the outer one's members are inflated ahead */
    pf = xcalloc(1, sizeof(*pf));
    pf->h = w->helpers;
    pf->in = in;
    pf->start = start;
    pf->end = end;
    pf->next = 1;
    pf->none_from = UINT64_MAX;
    pf->h->lock(pf->h->host);
    pf->h->offer(pf->h->host, work, pf);
    pf->h->notify(pf->h->host);
    pf->h->unlock(pf->h->host);
    pf->w = w;
    w->ahead = true;
    return pf;
}

/* Drop the slots done before header `index` (lock held). */
static void drop_before(struct prefetch *pf, uint64_t index)
{
    for (unsigned k = 0; k < LIMIT_ARCHIVE_AHEAD_MEMBERS; k++) {
        struct slot *s = &pf->slot[k];
        if (s->state == SLOT_DONE && s->index < index) {
            pf->held -= s->len;
            slot_clear(s);
        }
    }
}

void prefetch_at(struct prefetch *pf, uint64_t index)
{
    if (!pf)
        return;
    pf->h->lock(pf->h->host);
    pf->at = index;
    drop_before(pf, index);
    pf->h->notify(pf->h->host);
    pf->h->unlock(pf->h->host);
}

bool prefetch_take(struct prefetch *pf, uint64_t index, struct archive_entry *e,
                   struct member_src *src)
{
    struct slot *s, got;
    const char *name;

    if (!pf)
        return false;
    s = &pf->slot[index % LIMIT_ARCHIVE_AHEAD_MEMBERS];
    pf->h->lock(pf->h->host);
    while (s->state == SLOT_RUNNING && s->index == index) {
        if (!work(pf)) /* inflate a later one meanwhile */
            pf->h->wait(pf->h->host);
    }
    if (s->state != SLOT_DONE || s->index != index) {
        pf->h->unlock(pf->h->host);
        return false;
    }
    got = *s;
    pf->held -= s->len;
    memset(s, 0, sizeof(*s));
    pf->h->unlock(pf->h->host);
    name = archive_entry_pathname(e);
    if (got.clean && name && strcmp(name, got.name) == 0 && archive_entry_size_is_set(e) &&
        got.size == archive_entry_size(e)) {
        src->pre = got.data;
        src->pre_len = got.len;
        got.data = NULL;
        pf->w->stats->ahead++;
    }
    slot_clear(&got);
    return src->pre != NULL;
}

void prefetch_close(struct prefetch *pf)
{
    if (!pf)
        return;
    pf->h->lock(pf->h->host);
    pf->closing = true;
    pf->h->offer(pf->h->host, NULL, pf);
    while (pf->running > 0)
        pf->h->wait(pf->h->host);
    pf->h->unlock(pf->h->host);
    pf->w->ahead = false;
    for (unsigned k = 0; k < LIMIT_ARCHIVE_AHEAD_MEMBERS; k++)
        slot_clear(&pf->slot[k]);
    while (pf->idle) {
        struct reader *r = pf->idle;
        pf->idle = r->next;
        reader_free(r);
    }
    free(pf);
}
