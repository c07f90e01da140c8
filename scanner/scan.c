/*
 * scan.c - the driver: collect inputs, scan them on worker threads, build findings,
 * write the report.
 *
 * Workers pull inputs from one list by an atomic index; each owns a scanbuf (engine
 * scratch, decode buffers) and a chunk buffer. Results do not depend on timing: the
 * findings are grouped and sorted after all workers are done.
 */
#include "scan.h"
#include "scan_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/env.h"
#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "finding/findings.h"
#include "base/limits.h"
#include "match/engine.h"
#include "report/report.h"
#include "report/select.h"
#include "rules/rule.h"
#include "rules/template.h"
#include "config.h"
#include "finding/load.h"
#include "rank/risk.h"
#include "owner.h"
#include "scanbuf.h"
#include "scan_feed.h"
#include "scan_pipe.h"
#include "verify/verify.h"
#include "source/src_archive.h"
#include "source/src_image.h"
#include "source/src_git.h"

struct run {
    const struct scan_config *cfg;
    const struct items *items;
    const struct engine *engine;
    const struct ruleset *rs;
    struct findings *findings;
    unsigned char *read_ok;   /* by item: read to the end without error (hooks) */
    atomic_size_t next;
    size_t batch;             /* items a worker claims at once */
    atomic_uint_fast64_t files, blobs, bytes, errors, decoded, truncated, allowed, excluded;
    atomic_uint_fast64_t archives, archive_members, archive_problems;
    atomic_uint_fast64_t archive_ahead; /* zip members inflated ahead (SESAME_TIMINGS) */
    atomic_uint_fast64_t images, image_layers, image_layers_dup, image_files_dup;
    struct archive_limits alim;
    const struct target_cfg *tcfg;
    struct diags *diags;
    struct pipe_hub hub;    /* idle workers scan the blobs of another one's archive */
    atomic_int fatal;
    atomic_int timed_out;
    double deadline;        /* monotonic seconds, 0 = none */
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    unsigned running;
    enum status fatal_status;
    char fatal_msg[1024];
};

struct worker {
    struct run *run;
    struct scanbuf *sb;
    struct scanbuf_ctx ctx;     /* of the input being read */
    double cpu;                 /* this thread's CPU seconds, when it ends (SESAME_TIMINGS) */
    unsigned char *buf;
    unsigned char *whole;       /* LIMIT_WHOLE_FILE_BYTES + 1: a small file read whole */
    struct src_git *reader_of;
    struct src_git_reader *reader;
};

static enum status on_blob(const struct blob *b, void *payload)
{
    struct worker *w = payload;
    return scanbuf_scan(w->sb, b);
}


/* Corrupt archives and unreadable (encrypted) members were not read: errors; a limit
 * that stopped reading makes the input truncated. */
static void add_archive_stats(struct run *run, const struct archive_stats *as)
{
    atomic_fetch_add(&run->archives, as->archives);
    atomic_fetch_add(&run->archive_members, as->members);
    atomic_fetch_add(&run->archive_problems, as->limits_hit + as->errors + as->skipped);
    atomic_fetch_add(&run->archive_ahead, as->ahead);
    atomic_fetch_add(&run->errors, as->errors + as->skipped);
    atomic_fetch_add(&run->truncated, as->limits_hit);
    atomic_fetch_add(&run->images, as->images);
    atomic_fetch_add(&run->image_layers, as->image_layers);
    atomic_fetch_add(&run->image_layers_dup, as->image_layers_dup);
    atomic_fetch_add(&run->image_files_dup, as->image_files_dup);
}

/* An archive's members, through a pipe: idle workers scan them while it is read on. A
 * container image (docker save, OCI layout tar or directory) is read by layers. The
 * archive is `data` when not NULL (a blob in memory), else the open file `fd`, else the
 * OCI image layout directory tmpl->path. */
static enum status read_archive(struct worker *w, const struct blob *tmpl, int fd,
                                const unsigned char *data, size_t len, struct archive_stats *as)
{
    struct run *run = w->run;
    struct scan_pipe p;
    enum status st = STATUS_OK;

    memset(as, 0, sizeof(*as));
    scan_pipe_open(&p, &run->hub, w->sb, &w->ctx);
    if (data) {
        if (src_image_scan_mem(data, len, tmpl, &run->alim, &w->buf, scan_pipe_blob, &p, as,
                               &st) != IMAGE_DONE)
            st = src_archive_scan_mem_with(data, len, tmpl, &run->alim, &w->buf,
                                           scan_pipe_blob, &p, as, &p.helpers);
    } else if (fd >= 0) {
        if (src_image_scan_fd(fd, tmpl, &run->alim, &w->buf, scan_pipe_blob, &p, as, &st) !=
            IMAGE_DONE)
            st = src_archive_scan_fd_with(fd, tmpl, &run->alim, &w->buf, scan_pipe_blob, &p,
                                          as, &p.helpers);
    } else if (src_image_scan_dir(tmpl->path, tmpl, &run->alim, &w->buf, scan_pipe_blob, &p,
                                  as, &st) == IMAGE_NOT) {
        st = fail(STATUS_IO, "cannot read the image layout '%s'", tmpl->path);
    }
    st = scan_pipe_close(&p, st);
    add_archive_stats(run, as);
    return st;
}

/* A blob held in memory (git): an archive is opened, anything else chunked. */
static enum status on_whole(const struct blob *tmpl, const unsigned char *data, size_t len,
                            void *payload)
{
    struct worker *w = payload;
    struct run *run = w->run;

    if (!run->cfg->no_archives && src_archive_sniff_whole(data, len)) {
        struct archive_stats as;
        return read_archive(w, tmpl, -1, data, len, &as);
    }
    return chunk_feed(tmpl, NULL, data, len, on_blob, w); /* provenance rides in tmpl */
}

/* A small regular file (size from its open): read whole into w->whole and scanned as a
 * blob in memory. False, with the offset back at 0, if it turned out larger (it grew)
 * or could not be read: the caller streams it instead. */
static bool read_small(struct worker *w, int fd, const char *path, uint64_t size,
                       uint64_t *bytes, enum status *st)
{
    size_t got = 0;
    struct blob tmpl;

    if (size > LIMIT_WHOLE_FILE_BYTES)
        return false;
    if (!w->whole)
        w->whole = xmalloc(LIMIT_WHOLE_FILE_BYTES + 1);
    for (;;) {
        ssize_t r = read(fd, w->whole + got, LIMIT_WHOLE_FILE_BYTES + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            break;
        if (r < 0 || got + (size_t)r > LIMIT_WHOLE_FILE_BYTES) {
            /* An error (streaming meets and reports it) or a file that grew. */
            if (lseek(fd, 0, SEEK_SET) == 0)
                return false;
            *st = fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
            return true;
        }
        got += (size_t)r;
        if (got == size)
            break; /* all of it: the read that returns 0 is one system call per file */
    }
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path;
    *bytes = got;
    *st = on_whole(&tmpl, w->whole, got, w);
    return true;
}

/* A file: small ones are read whole, larger ones peeked at (head and end) to decide
 * whether they are archives, then streamed. */
static enum status read_file(struct worker *w, const char *path, uint64_t *bytes)
{
    struct run *run = w->run;
    int fd;
    uint64_t size;
    enum status st;
    bool is_dir = false;
    struct stat dst;
    struct archive_stats as;
    struct blob tmpl;

    if (run->cfg->no_archives || strcmp(path, "-") == 0)
        return src_fs_read(path, &w->buf, on_blob, w, bytes);
    /* Opened first and asked (fstat) whether it is a directory: a stat of every path
     * before its open was one path lookup per file more (see benches/RESULTS.md). */
    st = src_fs_open(path, &fd, &size, &is_dir);
    if (st != STATUS_OK && stat(path, &dst) == 0 && S_ISDIR(dst.st_mode))
        is_dir = true; /* not opened (permissions): the layout reader says why */
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path;
    if (is_dir) {
        /* an OCI image layout directory (collect() hands no other directory) */
        st = read_archive(w, &tmpl, -1, NULL, 0, &as);
        *bytes = as.bytes;
        return st;
    }
    if (st != STATUS_OK)
        return st;
    if (read_small(w, fd, path, size, bytes, &st)) {
        close(fd);
        return st;
    }
    if (src_archive_sniff_fd(fd)) {
        struct stat sst;
        st = read_archive(w, &tmpl, fd, NULL, 0, &as);
        *bytes = fstat(fd, &sst) == 0 ? (uint64_t)sst.st_size : 0;
    } else if (size != UINT64_MAX && size > LIMIT_CHUNK_BYTES) {
        /* Several chunks: idle workers scan some (scan_pipe.h): a run's last big file
         * is not one core's alone. The same chunks, the same report. */
        struct scan_pipe p;
        scan_pipe_open(&p, &run->hub, w->sb, &w->ctx);
        st = scan_pipe_close(&p, src_fs_stream_fd(fd, &tmpl, &w->buf, scan_pipe_blob, &p,
                                                  bytes));
    } else {
        st = src_fs_read_fd(fd, path, &w->buf, on_blob, w, bytes);
    }
    close(fd);
    return st;
}

/* The run stops with st and the message at hand (about `what`, or NULL), unless it
 * stopped already. */
static void run_fail(struct run *run, enum status st, const char *what)
{
    pthread_mutex_lock(&run->lock);
    if (!atomic_load(&run->fatal)) {
        run->fatal_status = st;
        snprintf(run->fatal_msg, sizeof(run->fatal_msg), "%s%s%s%s", what ? "'" : "",
                 what ? what : "", what ? "': " : "", status_message());
        atomic_store(&run->fatal, 1);
    }
    pthread_mutex_unlock(&run->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;
    struct scanbuf_ctx *ctx = &w->ctx;

    size_t mine = 0, mine_end = 0;

    diag_bind(run->diags);
    /* before anything is allocated here; a hook's run is small */
    (void)xalloc_thread_huge_pages(!run->cfg->hook_name);
    memset(ctx, 0, sizeof(*ctx));
    ctx->allow = run->cfg->inline_allow;

    for (;;) {
        size_t i;
        struct item cur;
        const struct item *it = &cur;

        if (run->items->feed) {
            if (!scan_feed_claim(run->items, &cur, &i, &run->fatal))
                break;
        } else {
            if (mine == mine_end) {
                /* Claim the next batch: consecutive git blobs share delta bases, which a
                 * reader keeps in its cache; interleaving them over threads inflates the
                 * bases once per thread (see benches/RESULTS.md). */
                mine = atomic_fetch_add(&run->next, run->batch);
                mine_end = mine + run->batch;
            }
            i = mine++;
            if (i >= run->items->n || atomic_load(&run->fatal))
                break;
            cur = run->items->v[i];
        }
        uint64_t bytes = 0;
        enum status st;
        bool is_file;

        if (run->deadline > 0 && clock_now() > run->deadline) {
            atomic_store(&run->timed_out, 1);
            break;
        }
        ctx->target = it->target;
        ctx->disabled = run->tcfg ? run->tcfg[it->target].disabled : NULL;
        scanbuf_set_ctx(w->sb, ctx);
        if (it->path) {
            st = read_file(w, it->path, &bytes);
        } else {
            if (w->reader_of != it->git) {
                src_git_reader_free(w->reader);
                w->reader = NULL;
                w->reader_of = it->git;
                st = src_git_reader_new(&w->reader, it->git);
            } else {
                st = STATUS_OK;
            }
            if (st == STATUS_OK && w->reader)
                st = src_git_read_whole(w->reader, it->blob, &w->buf, on_blob, on_whole, w,
                                        &bytes);
            if (st == STATUS_CORRUPT)
                st = STATUS_IO; /* one unreadable blob: warn, count, go on */
        }
        atomic_fetch_add(&run->bytes, bytes);
        /* a commit or tag message is read, but is no file */
        is_file = !it->git || !src_git_is_message(it->git, it->blob);
        if (st == STATUS_OK || st == STATUS_LIMIT)
            atomic_fetch_add(&run->blobs, is_file && it->git);
        if (st == STATUS_OK) {
            atomic_fetch_add(&run->files, is_file);
            if (run->read_ok)
                run->read_ok[i] = 1;
        } else if (st == STATUS_IO) {
            log_gap(DIAG_UNREADABLE, "%s", status_message());
            atomic_fetch_add(&run->errors, 1);
        } else if (st == STATUS_LIMIT) {
            log_gap(DIAG_LIMIT, "'%s': %s", it->path ? it->path : "git blob", status_message());
            atomic_fetch_add(&run->files, is_file);
            atomic_fetch_add(&run->truncated, 1);
        } else {
            run_fail(run, st, it->path ? it->path : "git blob");
            break;
        }
    }
    /* No input left for this worker: scan the blobs of archives the others read. */
    pipe_hub_help(&run->hub, w->sb);
    {
        struct timespec ts;
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
            w->cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
    pthread_mutex_lock(&run->lock);
    run->running--;
    pthread_cond_signal(&run->done_cond);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* SESAME_TIMINGS=1: each worker's CPU seconds: with a core each, the read phase takes
 * about the largest (benches/RESULTS.md, archives on a busy machine). */
static void worker_timings(const struct scan_config *cfg, const struct worker *ws, unsigned n)
{
    uint64_t views = 0, bytes = 0;

    if (!timings_on(cfg))
        return;
    fprintf(stderr, "sesame: timing: workers  CPU s");
    for (unsigned i = 0; i < n; i++) {
        fprintf(stderr, " %.3f", ws[i].cpu);
        if (ws[i].sb) {
            views += scanbuf_stats(ws[i].sb)->decoded_views;
            bytes += scanbuf_stats(ws[i].sb)->decoded_bytes;
        }
    }
    fprintf(stderr, "\nsesame: timing: decoded views %llu, %llu bytes scanned again\n",
            (unsigned long long)views, (unsigned long long)bytes);
}

static unsigned cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* "scanned 1200 of 5000 inputs (24%), 310.5 MB, ETA 12 s" */
static void read_progress(const struct run *run, struct progress *pr)
{
    uint64_t done = run->items->feed ? scan_feed_handed(run->items->feed)
                                     : atomic_load(&run->next);
    char eta[48], line[256];

    if (done > run->items->n || run->running == 0)
        done = run->items->n;
    if (pr->shown && pr->last_done == done)
        return;
    pr->last_done = done;
    progress_eta(eta, sizeof(eta), clock_now() - pr->t0, done, run->items->n);
    snprintf(line, sizeof(line), "scanned %llu of %zu inputs (%.0f%%), %.1f MB%s",
             (unsigned long long)done, run->items->n,
             run->items->n ? 100.0 * (double)done / (double)run->items->n : 100.0,
             (double)atomic_load(&run->bytes) / 1e6, eta);
    progress_line(pr, line);
}

/* Run workers over the list; the calling thread runs `meanwhile` (the walk, with a
 * feed), then shows progress on a TTY. */
static enum status run_workers(struct run *run, unsigned threads, bool progress,
                               void (*meanwhile)(void *), void *ctx)
{
    struct worker *ws = xcalloc(threads, sizeof(*ws));
    pthread_t *tids = xcalloc(threads, sizeof(*tids));
    enum status st = STATUS_OK;
    unsigned started = 0;
    struct progress pr;

    progress_init(&pr, run->cfg);

    for (unsigned i = 0; i < threads; i++) {
        ws[i].run = run;
        if ((st = scanbuf_new(&ws[i].sb, run->engine, run->rs, run->findings)) != STATUS_OK)
            goto out;
    }
    run->running = threads;
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, &ws[i]) != 0) {
            run->running -= threads - i;
            for (unsigned k = i; k < threads; k++)
                pipe_hub_help(&run->hub, NULL); /* never started: no producer, no helper */
            atomic_store(&run->fatal, 1);
            run->fatal_status = STATUS_BUG;
            snprintf(run->fatal_msg, sizeof(run->fatal_msg), "cannot start a thread");
            break;
        }
        started++;
    }
    if (meanwhile)
        meanwhile(ctx);
    pthread_mutex_lock(&run->lock);
    while (run->running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&run->done_cond, &run->lock, &ts);
        if (progress && run->running > 0 && progress_due(&pr, false))
            read_progress(run, &pr);
    }
    pthread_mutex_unlock(&run->lock);
    if (progress && pr.forced)
        read_progress(run, &pr); /* the last word of a forced progress log: all read */
    progress_end(&pr);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    worker_timings(run->cfg, ws, started);
    for (unsigned i = 0; i < threads; i++) {
        if (ws[i].sb) {
            const struct scanbuf_stats *s = scanbuf_stats(ws[i].sb);
            atomic_fetch_add(&run->decoded, s->decoded_views);
            atomic_fetch_add(&run->truncated, s->truncated);
            atomic_fetch_add(&run->allowed, s->allowed);
        }
    }
    if (atomic_load(&run->fatal))
        st = fail(run->fatal_status, "%s", run->fatal_msg);
out:
    for (unsigned i = 0; i < threads; i++) {
        scanbuf_free(ws[i].sb);
        src_git_reader_free(ws[i].reader);
        free(ws[i].buf);
        free(ws[i].whole);
    }
    free(ws);
    free(tids);
    return st;
}

/* Collect the inputs of every target: files of directories, or the planned blobs (and
 * uncommitted files) of git repositories. A target that cannot be read is warned about
 * and counted in *missing; the other targets are still scanned and reported. */
static enum status collect(const struct scan_config *cfg, const struct target_cfg *tcfg,
                           const struct engine *engine, const struct ruleset *rs,
                           struct src_fs_list *files,
                           struct src_git ***gits, unsigned **git_targets, size_t *n_gits,
                           struct items *items, uint64_t *git_errors, uint64_t *missing,
                           bool *planning_timed_out)
{
    enum status st;

    for (size_t i = 0; i < cfg->n_targets; i++) {
        const char *t = cfg->targets[i];
        const struct src_fs_opts *fs = &tcfg[i].fs;
        bool history = cfg->from_env ||
                       (!cfg->no_history && strcmp(t, "-") != 0 && src_git_is_repo(t));
        const char *repo_at = t; /* where the repository is opened */
        char *found = NULL;
        struct stat tst;

        if (cfg->no_history && !cfg->from_env && strcmp(t, "-") != 0 && src_git_is_bare(t))
            return fail(STATUS_USAGE, "'%s' is a bare repository: it has no checked-out files "
                                      "for --no-history to scan; scan it without "
                                      "--no-history (its whole history)", t);
        if (!history && !cfg->from_env && !cfg->no_history && strcmp(t, "-") != 0 &&
            stat(t, &tst) == 0 && S_ISDIR(tst.st_mode) && (found = src_git_discover(t))) {
            /* A directory inside a repository's work tree (`repo/sub`) */
            if (cfg->staged || cfg->rev_range || cfg->since_commit) {
                log_warn("'%s' is inside the git repository '%s': %s of that repository",
                         t, found, cfg->staged ? "scanning the staged changes"
                                               : "scanning the commits of the range");
                history = true;
                repo_at = found;
            } else {
                log_warn("'%s' is inside the git repository '%s': its files are scanned, not "
                         "the history (scan '%s' for the history; --no-history silences "
                         "this)", t, found, found);
            }
        }
        if (!history && (cfg->staged || cfg->rev_range || cfg->since_commit)) {
            free(found);
            struct stat sst;
            if (strcmp(t, "-") != 0 && stat(t, &sst) != 0) {
                log_gap(DIAG_UNREADABLE, "cannot read '%s': %s", t, strerror(errno));
                (*missing)++;
                continue;
            }
            return fail(STATUS_USAGE, "'%s': --staged, --rev-range and --since-commit need a "
                                      "git repository", t);
        }
        if (history) {
            struct src_git_opts go;
            memset(&go, 0, sizeof(go));
            go.rev_range = cfg->rev_range;
            go.since_commit = cfg->since_commit;
            go.staged = cfg->staged;
            go.all_objects = cfg->all_objects;
            go.allow_shallow = cfg->allow_shallow;
            go.worktree = true;
            go.tips = cfg->tips;
            go.n_tips = cfg->n_tips;
            go.hide = cfg->hide;
            go.n_hide = cfg->n_hide;
            go.hide_glob = cfg->hide_glob;
            go.from_env = cfg->from_env;
            go.quarantine = env_get(cfg->env, "GIT_QUARANTINE_PATH");
            go.filter = fs;
            go.since = cfg->since;
            go.n_since = cfg->n_since;
            if (cfg->budget_ms)
                go.deadline = clock_now() + cfg->budget_ms / 1000.0;
            /* a whole history's blobs are read while it is planned (no hooks: they
             * choose what to read; no budget: planning alone may end the scan) */
            struct scan_prescan spc;
            struct src_git_prescan pre;
            memset(&spc, 0, sizeof(spc));
            spc.engine = engine;
            spc.rs = rs;
            spc.ctx.target = (unsigned)i;
            spc.ctx.disabled = tcfg[i].disabled;
            spc.ctx.allow = cfg->inline_allow;
            spc.ctx.quiet = true;
            spc.no_archives = cfg->no_archives;
            /* one core for the walk (the longest part), the others read; one thread in
             * all (--threads 1, one core): no reading meanwhile, unless a test says all */
            unsigned pre_threads = cfg->threads ? cfg->threads : cpu_count();
            const char *pe = env_get(cfg->env, "SESAME_PRESCAN");
            bool pre_all = pe && strcmp(pe, "all") == 0;
            scan_prescan_init(&pre, &spc, pre_threads > 1 ? pre_threads - 1 : pre_all);
            pre.finish = pre_all;
            if (!cfg->hooks && !cfg->budget_ms && pre.threads && !(pe && strcmp(pe, "0") == 0))
                go.prescan = &pre;
            go.libgit2_walk = env_get(cfg->env, "SESAME_WALK") &&
                              strcmp(env_get(cfg->env, "SESAME_WALK"), "libgit2") == 0;
            struct src_git *g = NULL;
            const char *const *wt;
            size_t n_wt;
            struct plan_progress pp;
            pp.target = t;
            progress_init(&pp.p, cfg);
            if (want_progress(cfg)) {
                go.progress = plan_progress_cb;
                go.progress_ctx = &pp;
            }
            st = src_git_open(&g, repo_at, &go);
            progress_end(&pp.p);
            free(found);
            found = NULL;
            if (st != STATUS_OK)
                return st;
            *gits = xrealloc(*gits, (*n_gits + 1) * sizeof(**gits));
            *git_targets = xrealloc(*git_targets, (*n_gits + 1) * sizeof(**git_targets));
            (*git_targets)[*n_gits] = (unsigned)i; /* its observations carry target i */
            (*gits)[(*n_gits)++] = g;
            *git_errors += src_git_counts(g)->errors;
            timing_git(cfg, g, go.n_tips > 0);
            if (src_git_counts(g)->timed_out)
                *planning_timed_out = true;
            if (src_git_counts(g)->submodules)
                log_warn("'%s': %llu submodule entries skipped (scan the submodules "
                         "separately)", t, (unsigned long long)src_git_counts(g)->submodules);
            for (size_t b = 0; b < src_git_blob_count(g); b++) {
                uint64_t pb, pv;
                if (src_git_prescanned(g, b, &pb, &pv)) {
                    /* a commit or tag message is read, but is no file (worker_main) */
                    if (src_git_is_message(g, b))
                        items->pre_msgs++;
                    else
                        items->pre_blobs++;
                    items->pre_bytes += pb;
                    items->pre_views += pv;
                    continue;
                }
                if (cfg->hooks && cfg->hooks->skip_object &&
                    cfg->hooks->skip_object(cfg->hooks->ctx, src_git_item_id(g, b))) {
                    items->skipped++;
                    continue;
                }
                items_add(items, NULL, g, b, (unsigned)i);
            }
            wt = src_git_worktree(g, &n_wt);
            for (size_t k = 0; k < n_wt; k++)
                items_add(items, wt[k], NULL, 0, (unsigned)i);
        } else if (!cfg->no_archives && strcmp(t, "-") != 0 && src_image_is_layout_dir(t)) {
            /* an OCI image layout: one input, read by layers (read_file) */
            free(found);
            items_add(items, t, NULL, 0, (unsigned)i);
        } else {
            size_t from = files->n;
            struct feed_add fa = { items, (unsigned)i };
            free(found);
            files->on_add = items->feed ? feed_file : NULL;
            files->on_add_ctx = &fa;
            st = src_fs_collect(t, fs, files);
            files->on_add = NULL;
            if (st == STATUS_IO) {
                /* `sesame scan a b` with b missing: a is still scanned and reported */
                log_gap(DIAG_UNREADABLE, "%s", status_message());
                (*missing)++;
                continue;
            }
            if (st != STATUS_OK)
                return st;
            for (size_t k = from; !items->feed && k < files->n; k++)
                items_add(items, files->v[k].path, NULL, 0, (unsigned)i);
        }
    }
    return STATUS_OK;
}

/* With a feed, collect() runs on the driver's thread while the workers scan. */
struct walk_job {
    const struct scan_config *cfg;
    const struct target_cfg *tcfg;
    const struct engine *engine;
    const struct ruleset *rs;
    struct src_fs_list *files;
    struct src_git ***gits;
    unsigned **git_targets;
    size_t *n_gits;
    struct items *items;
    uint64_t *git_errors, *missing;
    bool *planning_timed_out;
    struct run *run;
};

static void walk_job_run(void *arg)
{
    struct walk_job *j = arg;
    double t = clock_now();
    enum status st = collect(j->cfg, j->tcfg, j->engine, j->rs, j->files, j->gits,
                             j->git_targets, j->n_gits, j->items, j->git_errors, j->missing,
                             j->planning_timed_out);

    if (st != STATUS_OK)
        run_fail(j->run, st, NULL); /* as if collect() had failed before the read */
    scan_feed_end(j->items->feed);
    timing_phase(j->cfg, "walk", &t); /* while the workers read */
}

enum status scan_run(const struct scan_config *cfg, struct scan_outcome *outcome)
{
    struct ruleset rs = RULESET_INIT;
    struct inventory inv = INVENTORY_INIT;
    struct engine *engine = NULL;
    struct src_fs_list list = { 0 };
    struct items items = { 0 };
    struct scan_feed feed;
    struct target_cfg *tcfg = NULL;
    uint64_t suppressed = 0;
    struct src_git **gits = NULL;
    unsigned *git_targets = NULL;
    size_t n_gits = 0;
    uint64_t git_errors = 0, missing = 0;
    struct diags diags;
    struct diags *prev_diags;
    const struct location **allowed = NULL;
    bool planning_timed_out = false;
    struct findings *findings = NULL;
    struct run run;
    struct finding **sorted = NULL;
    size_t n_sorted = 0, n_shown = 0;
    struct scan_stats stats;
    struct report_opts ro;
    report_fn *report;
    FILE *out = stdout;
    enum status st;
    double t0 = clock_now(), tp = t0;
    unsigned threads;

    memset(outcome, 0, sizeof(*outcome));
    memset(&run, 0, sizeof(run));
    memset(&stats, 0, sizeof(stats));
    if (!(report = report_lookup(cfg->format)))
        return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", cfg->format,
                    report_formats());
    diags_init(&diags);
    prev_diags = diag_bind(&diags);
    tcfg = xcalloc(cfg->n_targets + 1, sizeof(*tcfg));
    if ((st = load_configs(cfg, tcfg)) != STATUS_OK)
        goto out;
    st = owner_load(cfg->known_keys_path, cfg->accounts_path, &inv);
    for (size_t t = 0; t < cfg->n_targets && st == STATUS_OK; t++)
        st = owner_load(tcfg[t].rc.known_keys, tcfg[t].rc.accounts, &inv);
    if (st != STATUS_OK ||
        (st = load_engine(cfg, &inv, tcfg, cfg->n_targets, &rs, &engine)) != STATUS_OK)
        goto out;
    timing_phase(cfg, "rules", &tp);
    threads = cfg->threads ? cfg->threads : cpu_count();
    if (scan_feed_start(cfg, threads, &feed))
        items.feed = &feed; /* collect() runs with the workers (walk_job_run) */
    if (!items.feed &&
        (st = collect(cfg, tcfg, engine, &rs, &list, &gits, &git_targets, &n_gits, &items,
                      &git_errors, &missing, &planning_timed_out)) != STATUS_OK)
        goto out;
    timing_phase(cfg, "plan", &tp);
    if (timings_on(cfg))
        fprintf(stderr, "sesame: timing: %llu blobs and %llu messages read clean while "
                "planning\n", (unsigned long long)items.pre_blobs,
                (unsigned long long)items.pre_msgs);
    if (planning_timed_out ||
        (cfg->budget_ms && clock_now() - t0 > cfg->budget_ms / 1000.0)) {
        atomic_store(&run.timed_out, 1);
        items.n = 0; /* planning alone used the budget */
    }

    findings_new(&findings);
    run.cfg = cfg;
    run.items = &items;
    {
        /* Git blobs in read order (delta families): claimed 64 at a time, so a family
         * stays with one reader's cache (RESULTS.md); files one by one, for balance when
         * a few are huge. */
        size_t n_git = 0;
        for (size_t i = 0; i < items.n; i++)
            n_git += items.v[i].path == NULL;
        run.batch = n_git * 2 >= items.n && items.n >= 64 * 4 * cpu_count() ? 64 : 1;
    }
    run.engine = engine;
    run.rs = &rs;
    run.findings = findings;
    if (cfg->hooks)
        run.read_ok = xcalloc(items.n + 1, 1);
    run.tcfg = tcfg;
    run.diags = &diags;
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.done_cond, NULL);
    if (cfg->budget_ms)
        run.deadline = t0 + cfg->budget_ms / 1000.0;
    if (cfg->archive_limits)
        run.alim = *cfg->archive_limits;
    else
        src_archive_default_limits(&run.alim);
    {
        const char *copy = env_get(cfg->env, "SESAME_ARCHIVE_COPY");
        run.alim.copy_members = copy && strcmp(copy, "1") == 0;
    }
    /* More workers than inputs help scan the blobs of the archives among them. */
    if (threads > items.n && items.n > 0 && cfg->no_archives)
        threads = (unsigned)items.n;
    if (threads == 0)
        threads = 1;
    pipe_hub_init(&run.hub, threads);
    {
        struct walk_job job = { cfg, tcfg, engine, &rs, &list, &gits, &git_targets, &n_gits,
                                &items, &git_errors, &missing, &planning_timed_out, &run };
        st = run_workers(&run, threads, want_progress(cfg), items.feed ? walk_job_run : NULL,
                         &job);
    }
    pthread_mutex_destroy(&run.lock);
    pthread_cond_destroy(&run.done_cond);
    timing_pipe(cfg, &run.hub, atomic_load(&run.archive_ahead));
    pipe_hub_release(&run.hub);
    if (st != STATUS_OK)
        goto out;
    /* the blobs read clean while planning: as if read now (worker_main's counts) */
    atomic_fetch_add(&run.blobs, items.pre_blobs);
    atomic_fetch_add(&run.files, items.pre_blobs);
    atomic_fetch_add(&run.bytes, items.pre_bytes);
    atomic_fetch_add(&run.decoded, items.pre_views);
    timing_phase(cfg, "read", &tp);
    for (size_t i = 0; i < n_gits; i++) {
        /* Full histories were scanned blob by blob: now say where the blobs with
         * findings were introduced (a table from the git source), and report each
         * finding at each of those places. */
        const char **blobs = NULL;
        const struct prov_table *table;
        size_t nb;
        if (!src_git_deferred(gits[i]))
            continue;
        nb = findings_deferred_blobs(findings, git_targets[i], &blobs);
        table = src_git_attribute(gits[i], blobs, nb);
        if (findings_expand(findings, git_targets[i], table) != STATUS_OK)
            log_warn("%s", status_message());
        free(blobs);
    }
    timing_phase(cfg, "attrib", &tp);

    {
        struct findings_opts fo = { (const char *const *)rs.smtp_regions, rs.n_smtp_regions,
                                    cfg->include_examples, threads };
        findings_build(findings, &fo, &sorted, &n_sorted, &stats.examples_hidden);
    }
    owner_annotate(sorted, n_sorted, &inv);
    if (!cfg->show_secrets)
        scan_withhold_summaries(sorted, n_sorted);
    {
        size_t k = 0;
        for (size_t i = 0; i < n_sorted; i++) {
            if (scan_baselined(sorted[i], tcfg, cfg->n_targets))
                suppressed++;
            else
                sorted[k++] = sorted[i];
        }
        n_sorted = k;
    }
    stats.n_allowed = findings_allowed(findings, &allowed);
    stats.allowed = (const struct location *const *)allowed;
    timing_phase(cfg, "findings", &tp);
    if (!cfg->no_exposure)
        scan_add_exposure(sorted, n_sorted, gits, git_targets, n_gits);
    timing_phase(cfg, "exposure", &tp);
    if (cfg->verify) {
        struct verify_stats vs;
        struct verify_opts vo;
        run_verify_opts(cfg, &rs, &vo);
        if ((st = verify_findings(sorted, n_sorted, &vo, &vs)) != STATUS_OK)
            goto out;
    }
    risk_rank(sorted, n_sorted, risk_now(cfg));
    /* --results, --min-risk: the others move behind n_shown (still freed below) */
    n_shown = report_select(cfg->filter, sorted, n_sorted);
    stats.filtered = n_sorted - n_shown;
    stats.files = atomic_load(&run.files);
    stats.blobs = atomic_load(&run.blobs);
    stats.images = atomic_load(&run.images);
    stats.image_layers = atomic_load(&run.image_layers);
    stats.image_layers_dup = atomic_load(&run.image_layers_dup);
    stats.image_files_dup = atomic_load(&run.image_files_dup);
    stats.bytes = atomic_load(&run.bytes);
    stats.skipped = list.skipped;
    stats.excluded = list.excluded;
    stats.errors = atomic_load(&run.errors) + list.errors + git_errors + missing;
    stats.limits = atomic_load(&run.truncated);
    stats.timed_out = atomic_load(&run.timed_out) != 0;
    stats.decoded_views = atomic_load(&run.decoded);
    stats.suppressed = suppressed + atomic_load(&run.allowed);
    {
        uint64_t dc[DIAG_KINDS];
        diag_counts(&diags, dc);
        stats.history_cut = dc[DIAG_HISTORY];
        stats.incomplete = stats.errors || stats.limits || stats.timed_out ||
                           dc[DIAG_UNREADABLE] || dc[DIAG_LIMIT] || dc[DIAG_HISTORY] ||
                           dc[DIAG_TIMEOUT];
    }
    stats.diags = &diags;
    stats.inline_allow = cfg->inline_allow == INLINE_ALLOW_NONE  ? "none"
                         : cfg->inline_allow == INLINE_ALLOW_IDS ? "ids"
                                                                 : "all";
    stats.seconds = clock_now() - t0;
    stats.started_at = (int64_t)time(NULL);
    {
        const char *fixed = env_get(cfg->env, "SESAME_FIXED_TIME"); /* golden tests */
        if (fixed) {
            stats.started_at = strtoll(fixed, NULL, 10);
            stats.seconds = 0;
        }
    }

    if (cfg->hooks && cfg->hooks->done) {
        struct scan_result r;
        const char **read = xcalloc(items.n + 1, sizeof(*read));
        memset(&r, 0, sizeof(r));
        for (size_t i = 0; i < items.n; i++)
            if (items.v[i].git && run.read_ok[i])
                read[r.n_read++] = src_git_item_id(items.v[i].git, items.v[i].blob);
        r.findings = sorted;
        r.n = n_sorted;
        r.stats = &stats;
        r.gits = gits;
        r.n_gits = n_gits;
        r.read = read;
        r.skipped = items.skipped;
        st = cfg->hooks->done(cfg->hooks->ctx, &r);
        free(read);
        if (st != STATUS_OK)
            goto out;
    }
    if (cfg->no_report) {
        out = NULL;
    } else if (cfg->report_to) {
        out = cfg->report_to;
    } else if (cfg->output && strcmp(cfg->output, "-") != 0) {
        out = fopen(cfg->output, "w");
        if (!out) {
            st = fail(STATUS_IO, "cannot write '%s': %s", cfg->output, strerror(errno));
            out = stdout;
            goto out;
        }
    }
    if (out) {
        memset(&ro, 0, sizeof(ro));
        ro.show_secrets = cfg->show_secrets;
        ro.include_examples = cfg->include_examples;
        ro.color = want_color(cfg, out);
        ro.stats = &stats;
        ro.targets = cfg->targets;
        ro.n_targets = cfg->n_targets;
        ro.explain = cfg->explain;
        ro.ascii = cfg->ascii;
        ro.hook_name = cfg->hook_name;
        ro.hook_bypass = cfg->hook_bypass;
        st = report(out, (const struct finding *const *)sorted, n_shown, &ro);
        if (fflush(out) != 0 && st == STATUS_OK)
            st = fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
        if (st == STATUS_OK && out != stdout && !cfg->report_to)
            scan_summary_to_stderr(cfg, (const struct finding *const *)sorted, n_shown, &ro);
    }
    outcome->findings = n_shown;
    outcome->failing = report_failing(cfg->filter, (const struct finding *const *)sorted,
                                      n_shown);
    outcome->errors = stats.errors;
    outcome->truncated = stats.limits;
    outcome->history_cut = stats.history_cut;
    outcome->timed_out = stats.timed_out;
    outcome->incomplete = stats.incomplete;
    outcome->suppressed = stats.suppressed;
    outcome->allowed = atomic_load(&run.allowed);
    outcome->allowed_text = xcalloc(stats.n_allowed + 1, sizeof(char *));
    for (size_t i = 0; i < stats.n_allowed; i++) {
        const struct location *l = stats.allowed[i];
        outcome->allowed_text[outcome->n_allowed_text++] =
            xasprintf("%s:%llu (%s, rule %s)%s%.12s", l->path, (unsigned long long)l->line,
                      cred_kind_name(l->part), l->rule_id ? l->rule_id : "?",
                      l->commit.commit ? " in commit " : "",
                      l->commit.commit ? l->commit.commit : "");
    }
    outcome->inputs = items.n + items.pre_blobs + items.pre_msgs;
    timing_phase(cfg, "report", &tp);
out:
    if (out && out != stdout && out != cfg->report_to)
        fclose(out);
    free(run.read_ok);
    for (size_t i = 0; i < n_sorted; i++) {
        risk_free(sorted[i]->risk);
        sorted[i]->risk = NULL;
        verification_free(sorted[i]->verification);
        sorted[i]->verification = NULL;
    }
    findings_free(findings);
    free(items.v);
    scan_feed_release(items.feed);
    for (size_t i = 0; i < n_gits; i++)
        src_git_free(gits[i]);
    free(gits);
    free(git_targets);
    src_fs_list_release(&list);
    engine_free(engine);
    ruleset_release(&rs);
    inventory_release(&inv);
    release_configs(tcfg, cfg->n_targets);
    free(allowed);
    diag_bind(prev_diags);
    diags_release(&diags);
    timing_phase(cfg, "free", &tp);
    return st;
}

void scan_outcome_release(struct scan_outcome *o)
{
    for (size_t i = 0; i < o->n_allowed_text; i++)
        free(o->allowed_text[i]);
    free(o->allowed_text);
    o->allowed_text = NULL;
    o->n_allowed_text = 0;
}

