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
 *
 * Silent deltas (SESAME_DELTASCAN=on|verify, scan_delta.c): a blob whose Hyperscan pass
 * over its raw bytes reported nothing is "silent"; the source remembers it. A blob made
 * by a delta from a silent blob, of one chunk, not an archive, not UTF-16, is matched
 * only in windows around what the delta did not copy; if they report nothing it is
 * silent too, and its scan would have given exactly what a silent blob's gives: no match,
 * no trigger, hence no decoded view, no limit (scanbuf_scan: with no Hyperscan report
 * only the UTF-16 transcoding and the archive and chunk cuts, all excluded above, are
 * not driven by a report). So it is clean with 0 views, as its scan would have said.
 * verify: the blob is scanned in full as well and the run stops with a bug (exit 70) if
 * the windows said silent and the full pass was not.
 */
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/env.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "decode/decode.h"
#include "finding/findings.h"
#include "match/engine.h"
#include "scan_delta.h"
#include "scanbuf.h"
#include "source/chunk.h"
#include "source/src_archive.h"
#include "source/src_git.h"

struct pre_state {
    const struct scan_prescan *ps;
    struct scanbuf *sb;
    struct findings *scratch;
    struct engine_worker *w;    /* the windows' passes */
    struct engine_delta_pass *rest; /* the rest's pass over a whole blob */
    struct delta_counts dc;
    uint64_t d_silent, d_hit, d_unsure, d_bytes, d_verified; /* SESAME_TIMINGS */
    uint64_t full, full_bytes, full_silent, no_base;
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
    if (st->ps->delta_mode != DELTA_OFF &&
        (engine_worker_new(&st->w, st->ps->engine) != STATUS_OK ||
         !(st->rest = engine_delta_pass_new(st->ps->delta)))) {
        engine_worker_free(st->w);
        st->w = NULL; /* no windows: every blob in full */
    }
    return st;
}

static void pre_stop(void *state)
{
    struct pre_state *st = state;

    if (st->ps->timings && st->ps->delta_mode != DELTA_OFF)
        fprintf(stderr, "sesame: timing: silent deltas: %llu silent (%llu bytes not scanned, "
                "%llu windows of %llu bytes), %llu hit, %llu in full, %llu verified; "
                "%llu blobs (%llu bytes) scanned in full, %llu of them silent, %llu with no "
                "silent base\n",
                (unsigned long long)st->d_silent, (unsigned long long)st->d_bytes,
                (unsigned long long)st->dc.windows, (unsigned long long)st->dc.window_bytes,
                (unsigned long long)st->d_hit, (unsigned long long)st->d_unsure,
                (unsigned long long)st->d_verified, (unsigned long long)st->full,
                (unsigned long long)st->full_bytes, (unsigned long long)st->full_silent,
                (unsigned long long)st->no_base);
    engine_worker_free(st->w);
    engine_delta_pass_free(st->rest);
    pre_close(st);
    free(state);
}

static enum status pre_chunk(const struct blob *b, void *payload)
{
    return scanbuf_scan(((struct pre_state *)payload)->sb, b);
}

/* Whether the windows of `d` say the blob is silent (only a blob the full scan would
 * treat as a plain silent view: one chunk, not UTF-16; archives are out already). */
static bool windows_silent(struct pre_state *st, const unsigned char *data, size_t len,
                           const struct src_git_delta *d)
{
    struct delta_rule dr = { st->ps->delta_width, st->ps->delta_ws };
    uint64_t wb = st->dc.window_bytes;
    enum delta_verdict v;

    v = delta_windows(st->w, &dr, data, len, d->bytes, d->len, &st->dc);
    if (v == DELTA_SILENT && !engine_delta_rest_silent(st->rest, data, len))
        v = DELTA_HIT; /* an expression of no known width reported something */
    st->d_silent += v == DELTA_SILENT;
    st->d_hit += v == DELTA_HIT;
    st->d_unsure += v == DELTA_UNSURE;
    if (v == DELTA_SILENT)
        st->d_bytes += len - (st->dc.window_bytes - wb);
    return v == DELTA_SILENT;
}

static bool pre_clean(void *state, const struct blob *tmpl, const unsigned char *data,
                      size_t len, const struct src_git_delta *d, uint64_t *views, bool *silent)
{
    struct pre_state *st = state;
    struct scanbuf_stats before, after;
    size_t n0;
    enum status s;
    bool be, plain, claimed = false, clean;

    *silent = false;
    if (!st->sb || (!st->ps->no_archives && src_archive_sniff_whole(data, len)))
        return false;
    plain = st->w && len <= LIMIT_CHUNK_BYTES && !decode_utf16_detect(data, len, &be);
    if (plain && d && windows_silent(st, data, len, d)) {
        if (st->ps->delta_mode == DELTA_ON) {
            *views = 0;
            *silent = true;
            return true;
        }
        claimed = true; /* verify: the full scan must agree */
    }
    st->full++;
    st->full_bytes += len;
    st->no_base += plain && !d;
    before = *scanbuf_stats(st->sb);
    n0 = findings_observations(st->scratch);
    s = chunk_feed(tmpl, NULL, data, len, pre_chunk, st);
    after = *scanbuf_stats(st->sb);
    *silent = plain && s == STATUS_OK && scanbuf_raw_calls(st->sb) == 0;
    st->full_silent += *silent;
    if (findings_observations(st->scratch) != n0) {
        /* not clean: its observations (and secrets) are not kept */
        pre_close(st);
        pre_open(st);
        clean = false;
    } else {
        *views = after.decoded_views - before.decoded_views;
        clean = s == STATUS_OK && after.truncated == before.truncated &&
                after.allowed == before.allowed;
    }
    if (claimed) {
        if (!*silent || !clean || *views != 0) {
            fprintf(stderr, "sesame: bug: SESAME_DELTASCAN=verify: blob %s: the delta's "
                    "windows said silent, its full scan was not\n",
                    tmpl->blob_id ? tmpl->blob_id : "-");
            fflush(stderr);
            _exit(70);
        }
        st->d_verified++;
    }
    return clean;
}

void scan_prescan_init(struct src_git_prescan *out, struct scan_prescan *ps, unsigned threads)
{
    const char *m = env_get(ps->env, "SESAME_DELTASCAN");
    const char *t = env_get(ps->env, "SESAME_TIMINGS");

    ps->timings = t && strcmp(t, "0") != 0;
    ps->delta_mode = !m ? DELTA_OFF : strcmp(m, "on") == 0 ? DELTA_ON
                     : strcmp(m, "verify") == 0        ? DELTA_VERIFY
                                                       : DELTA_OFF;
    if (ps->delta_mode != DELTA_OFF) {
        ps->delta = engine_delta_get(ps->engine);
        ps->delta_width = engine_delta_width(ps->delta, &ps->delta_ws, &ps->delta_rest);
    }
    if (!ps->delta_width)
        ps->delta_mode = DELTA_OFF; /* no window rule for these rules */
    if (ps->timings && m)
        fprintf(stderr, "sesame: timing: silent deltas %s, window width %zu%s, %u "
                "expressions of no known width matched in full\n",
                ps->delta_mode == DELTA_OFF ? "off" : m, ps->delta_width,
                ps->delta_ws ? " (across whitespace)" : "", ps->delta_rest);
    *out = (struct src_git_prescan){ .threads = threads, .ctx = ps, .start = pre_start,
                                     .clean = pre_clean, .stop = pre_stop };
}
