/*
 * scan_prescan.c - the scanning side of reading a whole history while its walk plans
 * (struct src_git_prescan, source/src_git.h; issue 16 item 1).
 *
 * The git source hands each packed blob, with no path, to scan_prescan_clean on a thread
 * of its own while pass 1 runs. The blob is scanned into a findings collection of that
 * thread's, never the run's, with limits counted but not logged (scanbuf_ctx.quiet); it
 * is "clean" only if that gave nothing at all: no observation (allowed ones included),
 * no limit, no error, and it is not an archive (archives name their members by the
 * blob's path, and their problems are warnings). A clean scan gives nothing at any path,
 * so the driver does not read such a blob again and only counts it (its size and the
 * decoded views its scan counted): the report is what it would have been.
 */
#include "scan_internal.h"

#include <stdlib.h>

#include "base/xalloc.h"
#include "finding/findings.h"
#include "scanbuf.h"
#include "source/chunk.h"
#include "source/src_archive.h"
#include "source/src_git.h"

struct pre_state {
    const struct scan_prescan *ps;
    struct scanbuf *sb;
    struct findings *scratch;
};

static void pre_open(struct pre_state *st)
{
    findings_new(&st->scratch);
    if (scanbuf_new(&st->sb, st->ps->engine, st->ps->rs, st->scratch) != STATUS_OK)
        st->sb = NULL; /* every blob is then "not clean": read later as usual */
    else
        scanbuf_set_ctx(st->sb, &st->ps->ctx);
}

static void pre_close(struct pre_state *st)
{
    scanbuf_free(st->sb);
    findings_free(st->scratch);
    st->sb = NULL;
    st->scratch = NULL;
}

static void *pre_start(void *ctx)
{
    struct pre_state *st = xcalloc(1, sizeof(*st));
    st->ps = ctx;
    pre_open(st);
    return st;
}

static void pre_stop(void *state)
{
    pre_close(state);
    free(state);
}

static enum status pre_chunk(const struct blob *b, void *payload)
{
    return scanbuf_scan(((struct pre_state *)payload)->sb, b);
}

static bool pre_clean(void *state, const struct blob *tmpl, const unsigned char *data,
                      size_t len, uint64_t *views)
{
    struct pre_state *st = state;
    struct scanbuf_stats before, after;
    size_t n0;
    enum status s;

    if (!st->sb || (!st->ps->no_archives && src_archive_sniff_whole(data, len)))
        return false;
    before = *scanbuf_stats(st->sb);
    n0 = findings_observations(st->scratch);
    s = chunk_feed(tmpl, NULL, data, len, pre_chunk, st);
    after = *scanbuf_stats(st->sb);
    if (findings_observations(st->scratch) != n0) {
        /* not clean: its observations (and secrets) are not kept */
        pre_close(st);
        pre_open(st);
        return false;
    }
    *views = after.decoded_views - before.decoded_views;
    return s == STATUS_OK && after.truncated == before.truncated &&
           after.allowed == before.allowed;
}

void scan_prescan_init(struct src_git_prescan *out, struct scan_prescan *ps, unsigned threads)
{
    *out = (struct src_git_prescan){ .threads = threads, .ctx = ps, .start = pre_start,
                                     .clean = pre_clean, .stop = pre_stop };
}
