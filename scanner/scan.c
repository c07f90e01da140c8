/*
 * scan.c - the driver: collect inputs, scan them on worker threads, build findings,
 * write the report.
 *
 * Workers pull inputs from one list by an atomic index; each owns a scanbuf (engine
 * scratch, decode buffers) and a chunk buffer. Results do not depend on timing: the
 * findings are grouped and sorted after all workers are done.
 */
#include "scan.h"

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
#include "base/log.h"
#include "base/xalloc.h"
#include "finding/findings.h"
#include "base/limits.h"
#include "match/engine.h"
#include "report/report.h"
#include "rules/rule.h"
#include "rules/template.h"
#include "config.h"
#include "finding/load.h"
#include "rank/risk.h"
#include "scanbuf.h"
#include "verify/verify.h"
#include "source/src_archive.h"
#include "source/src_git.h"

/* One unit of work: a file, or a blob of a planned git repository. */
struct item {
    const char *path;       /* file to read, or NULL for a git blob */
    struct src_git *git;
    size_t blob;
};

struct items {
    struct item *v;
    size_t n, cap;
};

struct run {
    const struct scan_config *cfg;
    const struct items *items;
    const struct engine *engine;
    const struct ruleset *rs;
    struct findings *findings;
    atomic_size_t next;
    size_t batch;             /* items a worker claims at once */
    atomic_uint_fast64_t files, bytes, errors, decoded, truncated, allowed;
    atomic_uint_fast64_t archives, archive_members, archive_problems;
    struct archive_limits alim;
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
    unsigned char *buf;
    struct src_git *reader_of;
    struct src_git_reader *reader;
};

static enum status on_blob(const struct blob *b, void *payload)
{
    struct worker *w = payload;
    return scanbuf_scan(w->sb, b);
}


static void add_archive_stats(struct run *run, const struct archive_stats *as)
{
    atomic_fetch_add(&run->archives, as->archives);
    atomic_fetch_add(&run->archive_members, as->members);
    atomic_fetch_add(&run->archive_problems, as->limits_hit + as->errors);
    atomic_fetch_add(&run->errors, as->errors);
}

/* A blob held in memory (git): an archive is opened, anything else chunked. */
static enum status on_whole(const struct blob *tmpl, const unsigned char *data, size_t len,
                            void *payload)
{
    struct worker *w = payload;
    struct run *run = w->run;

    if (!run->cfg->no_archives && src_archive_sniff_whole(data, len)) {
        struct archive_stats as;
        enum status st;
        memset(&as, 0, sizeof(as));
        st = src_archive_scan_mem(data, len, tmpl, &run->alim, &w->buf, on_blob, w, &as);
        add_archive_stats(run, &as);
        return st;
    }
    return chunk_feed(tmpl, data, len, on_blob, w); /* provenance rides in tmpl */
}

/* A file: peek at its first bytes to decide whether it is an archive. */
static enum status read_file(struct worker *w, const char *path, uint64_t *bytes)
{
    struct run *run = w->run;
    int fd;
    enum status st;

    if (run->cfg->no_archives || strcmp(path, "-") == 0)
        return src_fs_read(path, &w->buf, on_blob, w, bytes);
    if ((st = src_fs_open(path, &fd)) != STATUS_OK)
        return st;
    if (src_archive_sniff_fd(fd)) {
        struct archive_stats as;
        struct blob tmpl;
        struct stat sst;
        memset(&as, 0, sizeof(as));
        memset(&tmpl, 0, sizeof(tmpl));
        tmpl.path = path;
        st = src_archive_scan_fd(fd, &tmpl, &run->alim, &w->buf, on_blob, w, &as);
        add_archive_stats(run, &as);
        *bytes = fstat(fd, &sst) == 0 ? (uint64_t)sst.st_size : 0;
    } else {
        st = src_fs_read_fd(fd, path, &w->buf, on_blob, w, bytes);
    }
    close(fd);
    return st;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;

    size_t mine = 0, mine_end = 0;

    for (;;) {
        size_t i;
        const struct item *it;

        if (mine == mine_end) {
            /* Claim the next batch: consecutive git blobs share delta bases, which a
             * reader keeps in its cache; interleaving them over threads inflates the
             * bases once per thread (see benches/RESULTS.md). */
            mine = atomic_fetch_add(&run->next, run->batch);
            mine_end = mine + run->batch;
        }
        i = mine++;
        uint64_t bytes = 0;
        enum status st;

        if (i >= run->items->n || atomic_load(&run->fatal))
            break;
        if (run->deadline > 0 && clock_now() > run->deadline) {
            atomic_store(&run->timed_out, 1);
            break;
        }
        it = &run->items->v[i];
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
        if (st == STATUS_OK) {
            atomic_fetch_add(&run->files, 1);
        } else if (st == STATUS_IO) {
            log_warn("%s", status_message());
            atomic_fetch_add(&run->errors, 1);
        } else if (st == STATUS_LIMIT) {
            log_warn("'%s': %s", it->path ? it->path : "git blob", status_message());
            atomic_fetch_add(&run->files, 1);
            atomic_fetch_add(&run->truncated, 1);
        } else {
            pthread_mutex_lock(&run->lock);
            if (!atomic_load(&run->fatal)) {
                run->fatal_status = st;
                snprintf(run->fatal_msg, sizeof(run->fatal_msg), "'%s': %s",
                         it->path ? it->path : "git blob", status_message());
                atomic_store(&run->fatal, 1);
            }
            pthread_mutex_unlock(&run->lock);
            break;
        }
    }
    pthread_mutex_lock(&run->lock);
    run->running--;
    pthread_cond_signal(&run->done_cond);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* SESAME_TIMINGS=1: each phase's wall time on stderr (for benches/ and profiling). */
static void phase_done(const char *name, double *since)
{
    static int on = -1;
    double now = clock_now();

    if (on < 0) {
        const char *e = getenv("SESAME_TIMINGS");
        on = e && *e && strcmp(e, "0") != 0;
    }
    if (on)
        fprintf(stderr, "sesame: timing: %-8s %.3f s\n", name, now - *since);
    *since = now;
}

static unsigned cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* Run workers over the list; the calling thread shows progress on a TTY. */
static enum status run_workers(struct run *run, unsigned threads, bool progress)
{
    struct worker *ws = xcalloc(threads, sizeof(*ws));
    pthread_t *tids = xcalloc(threads, sizeof(*tids));
    enum status st = STATUS_OK;
    unsigned started = 0;
    double t0 = clock_now();
    bool shown = false;

    for (unsigned i = 0; i < threads; i++) {
        ws[i].run = run;
        if ((st = scanbuf_new(&ws[i].sb, run->engine, run->rs, run->findings)) != STATUS_OK)
            goto out;
    }
    run->running = threads;
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, &ws[i]) != 0) {
            run->running -= threads - i;
            atomic_store(&run->fatal, 1);
            run->fatal_status = STATUS_BUG;
            snprintf(run->fatal_msg, sizeof(run->fatal_msg), "cannot start a thread");
            break;
        }
        started++;
    }
    pthread_mutex_lock(&run->lock);
    while (run->running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&run->done_cond, &run->lock, &ts);
        if (progress && run->running > 0 && clock_now() - t0 > 1.0) {
            fprintf(stderr, "\rsesame: scanned %llu of %zu inputs, %.1f MB ",
                    (unsigned long long)atomic_load(&run->files), run->items->n,
                    (double)atomic_load(&run->bytes) / 1e6);
            shown = true;
        }
    }
    pthread_mutex_unlock(&run->lock);
    if (shown)
        fprintf(stderr, "\r\033[K");
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
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
    }
    free(ws);
    free(tids);
    return st;
}

static enum status load_engine(const struct scan_config *cfg, const struct repo_config *rc,
                               struct ruleset *rs, struct engine **engine)
{
    struct engine_opts eo = { NULL };
    char *cache = NULL;
    enum status st;

    if ((st = ruleset_load(rs, cfg->no_default_rules, cfg->rule_paths, cfg->n_rule_paths)) !=
        STATUS_OK)
        return st;
    for (size_t i = 0; rc && i < rc->n_disable; i++) {
        if (!ruleset_disable(rs, rc->disable[i]))
            log_warn("'%s': rules.disable: no rule '%s'", rc->source, rc->disable[i]);
    }
    if (rs->n == 0)
        return fail(STATUS_USAGE, "every rule is disabled");
    ruleset_hash(rs);
    if (!cfg->no_cache)
        eo.cache_dir = cache = engine_default_cache_dir();
    st = engine_new(engine, rs, &eo);
    free(cache);
    return st;
}

/* "Now" for ranking: SESAME_FIXED_TIME pins it in golden tests. */
static int64_t risk_now(void)
{
    const char *fixed = getenv("SESAME_FIXED_TIME");
    return fixed && *fixed ? (int64_t)strtoll(fixed, NULL, 10) : (int64_t)time(NULL);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool want_color(const struct scan_config *cfg, FILE *out)
{
    const char *nc = getenv("NO_COLOR");
    if (cfg->color == COLOR_NEVER)
        return false;
    if (cfg->color == COLOR_ALWAYS)
        return true;
    if (nc && *nc)
        return false;
    return isatty(fileno(out));
}

static void items_add(struct items *v, const char *path, struct src_git *git, size_t blob)
{
    XGROW(v->v, v->cap, v->n + 1);
    v->v[v->n].path = path;
    v->v[v->n].git = git;
    v->v[v->n].blob = blob;
    v->n++;
}

/* Collect the inputs of every target: files of directories, or the planned blobs (and
 * uncommitted files) of git repositories. */
static enum status collect(const struct scan_config *cfg, const struct src_fs_opts *fs,
                           struct src_fs_list *files,
                           struct src_git ***gits, size_t *n_gits, struct items *items,
                           uint64_t *git_errors, bool *planning_timed_out)
{
    enum status st;

    for (size_t i = 0; i < cfg->n_targets; i++) {
        const char *t = cfg->targets[i];
        bool history = cfg->from_env ||
                       (!cfg->no_history && strcmp(t, "-") != 0 && src_git_is_repo(t));
        if (!history && (cfg->staged || cfg->rev_range || cfg->since_commit))
            return fail(STATUS_USAGE, "'%s': --staged, --rev-range and --since-commit need a "
                                      "git repository", t);
        if (history) {
            struct src_git_opts go;
            memset(&go, 0, sizeof(go));
            go.rev_range = cfg->rev_range;
            go.since_commit = cfg->since_commit;
            go.staged = cfg->staged;
            go.all_objects = cfg->all_objects;
            go.worktree = true;
            go.tips = cfg->tips;
            go.n_tips = cfg->n_tips;
            go.hide = cfg->hide;
            go.n_hide = cfg->n_hide;
            go.hide_glob = cfg->hide_glob;
            go.from_env = cfg->from_env;
            go.filter = fs;
            if (cfg->budget_ms)
                go.deadline = clock_now() + cfg->budget_ms / 1000.0;
            struct src_git *g = NULL;
            const char *const *wt;
            size_t n_wt;
            if ((st = src_git_open(&g, t, &go)) != STATUS_OK)
                return st;
            *gits = xrealloc(*gits, (*n_gits + 1) * sizeof(**gits));
            (*gits)[(*n_gits)++] = g;
            *git_errors += src_git_counts(g)->errors;
            if (src_git_counts(g)->timed_out)
                *planning_timed_out = true;
            if (src_git_counts(g)->submodules)
                log_warn("'%s': %llu submodule entries skipped (scan the submodules "
                         "separately)", t, (unsigned long long)src_git_counts(g)->submodules);
            for (size_t b = 0; b < src_git_blob_count(g); b++)
                items_add(items, NULL, g, b);
            wt = src_git_worktree(g, &n_wt);
            for (size_t k = 0; k < n_wt; k++)
                items_add(items, wt[k], NULL, 0);
        } else {
            if ((st = src_fs_collect(t, fs, files)) != STATUS_OK)
                return st;
        }
    }
    for (size_t k = 0; k < files->n; k++)
        items_add(items, files->v[k].path, NULL, 0);
    return STATUS_OK;
}

static enum exposure more_exposed(enum exposure a, enum exposure b)
{
    return a < b ? a : b;
}

/* Git exposure of each finding: at HEAD, at which branch tips, removed by which commit. */
static void add_exposure(struct finding **sorted, size_t n, struct src_git **gits,
                         size_t n_gits)
{
    /* Name every question first: one walk of each repository answers them all. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sorted[i]->n_locations; k++)
            for (size_t g = 0; g < n_gits && sorted[i]->locations[k].blob; g++)
                src_git_exposure_want(gits[g], sorted[i]->locations[k].blob,
                                      sorted[i]->locations[k].path);
    for (size_t i = 0; i < n; i++) {
        struct finding *f = sorted[i];
        enum exposure best = EXPOSURE_UNREACHABLE;
        bool any_git = false, any_file = false;

        if (n_gits == 0)
            continue; /* EXPOSURE_FILE */

        for (size_t k = 0; k < f->n_locations; k++) {
            struct location *loc = &f->locations[k];
            struct src_git_exposure ex;
            if (!loc->blob) {
                any_file = true;
                continue;
            }
            for (size_t g = 0; g < n_gits; g++) {
                if (src_git_exposure(gits[g], loc->blob, loc->path, &ex) != STATUS_OK)
                    continue;
                any_git = true;
                best = more_exposed(best, ex.at_head ? EXPOSURE_HEAD
                                          : ex.n_branches ? EXPOSURE_BRANCH
                                          : ex.unreachable ? EXPOSURE_UNREACHABLE
                                                           : EXPOSURE_HISTORY);
                for (size_t b = 0; b < ex.n_branches; b++) {
                    bool have = false;
                    for (size_t j = 0; j < f->n_branches; j++)
                        have |= strcmp(f->branches[j], ex.branches[b]) == 0;
                    if (!have) {
                        f->branches = xrealloc(f->branches, (f->n_branches + 1) * sizeof(char *));
                        f->branches[f->n_branches++] = xstrdup(ex.branches[b]);
                    }
                }
                if (ex.removed_in && !loc->removed_in)
                    loc->removed_in = xstrdup(ex.removed_in);
                break;
            }
        }
        if (any_file)
            best = more_exposed(best, EXPOSURE_WORKTREE);
        f->exposure = n_gits && (any_git || any_file) ? best : EXPOSURE_FILE;
        if (f->n_branches > 1)
            qsort(f->branches, f->n_branches, sizeof(char *), cmp_cstr);
    }
}

static const char **merge_globs(const char *const *a, size_t na, char *const *b, size_t nb)
{
    const char **v = xcalloc(na + nb + 1, sizeof(*v));
    for (size_t i = 0; i < na; i++)
        v[i] = a[i];
    for (size_t i = 0; i < nb; i++)
        v[na + i] = b[i];
    return v;
}

/* --config FILE or the first directory target's .sesame.json; then the baseline. */
static enum status load_config(const struct scan_config *cfg, struct repo_config *rc,
                               struct src_fs_opts *fs, struct baseline *baseline)
{
    enum status st = STATUS_OK;
    const char *bl;

    if (cfg->config_path) {
        st = config_load(cfg->config_path, rc);
    } else if (!cfg->no_config) {
        for (size_t i = 0; i < cfg->n_targets; i++) {
            struct stat sst;
            if (strcmp(cfg->targets[i], "-") != 0 && stat(cfg->targets[i], &sst) == 0 &&
                S_ISDIR(sst.st_mode)) {
                st = config_load_dir(cfg->targets[i], rc);
                break;
            }
        }
    }
    if (st != STATUS_OK)
        return st;
    *fs = cfg->fs;
    fs->excludes = merge_globs(cfg->fs.excludes, cfg->fs.n_excludes, rc->exclude, rc->n_exclude);
    fs->n_excludes = cfg->fs.n_excludes + rc->n_exclude;
    fs->includes = merge_globs(cfg->fs.includes, cfg->fs.n_includes, rc->include, rc->n_include);
    fs->n_includes = cfg->fs.n_includes + rc->n_include;
    bl = cfg->baseline_path ? cfg->baseline_path : rc->baseline;
    /* `sesame baseline create` records every finding: the configured baseline, which it is
     * usually about to replace (or create), does not filter it */
    if (bl && strcmp(cfg->format ? cfg->format : "", "baseline") != 0)
        st = baseline_load(bl, baseline);
    return st;
}

enum status scan_run(const struct scan_config *cfg, struct scan_outcome *outcome)
{
    struct ruleset rs = RULESET_INIT;
    struct engine *engine = NULL;
    struct src_fs_list list = { 0 };
    struct items items = { 0 };
    struct repo_config rc;
    struct src_fs_opts fs;
    struct baseline baseline = { 0 };
    uint64_t suppressed = 0;
    struct src_git **gits = NULL;
    size_t n_gits = 0;
    uint64_t git_errors = 0;
    bool planning_timed_out = false;
    struct findings *findings = NULL;
    struct run run;
    struct finding **sorted = NULL;
    size_t n_sorted = 0;
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
    memset(&rc, 0, sizeof(rc));
    memset(&fs, 0, sizeof(fs));
    if (!(report = report_lookup(cfg->format)))
        return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", cfg->format,
                    report_formats());
    if ((st = load_config(cfg, &rc, &fs, &baseline)) != STATUS_OK)
        goto out;
    if ((st = load_engine(cfg, &rc, &rs, &engine)) != STATUS_OK)
        goto out;
    phase_done("rules", &tp);
    if ((st = collect(cfg, &fs, &list, &gits, &n_gits, &items, &git_errors,
                      &planning_timed_out)) != STATUS_OK)
        goto out;
    phase_done("plan", &tp);
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
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.done_cond, NULL);
    if (cfg->budget_ms)
        run.deadline = t0 + cfg->budget_ms / 1000.0;
    if (cfg->archive_limits)
        run.alim = *cfg->archive_limits;
    else
        src_archive_default_limits(&run.alim);
    threads = cfg->threads ? cfg->threads : cpu_count();
    if (threads > items.n && items.n > 0)
        threads = (unsigned)items.n;
    if (threads == 0)
        threads = 1;
    st = run_workers(&run, threads, !cfg->quiet && isatty(STDERR_FILENO));
    pthread_mutex_destroy(&run.lock);
    pthread_cond_destroy(&run.done_cond);
    if (st != STATUS_OK)
        goto out;
    phase_done("read", &tp);
    for (size_t i = 0; i < n_gits; i++) {
        /* Full histories were scanned blob by blob: now say where the blobs with
         * findings were introduced, and report each finding at each of those places. */
        const char **blobs = NULL;
        size_t nb;
        if (!src_git_deferred(gits[i]))
            continue;
        nb = findings_deferred_blobs(findings, gits[i], &blobs);
        src_git_attribute(gits[i], blobs, nb);
        if (findings_expand(findings, gits[i], src_git_provenance, gits[i]) != STATUS_OK)
            log_warn("%s", status_message());
        free(blobs);
    }
    phase_done("attrib", &tp);

    {
        struct findings_opts fo = { (const char *const *)rs.smtp_regions, rs.n_smtp_regions,
                                    cfg->include_examples };
        findings_build(findings, &fo, &sorted, &n_sorted, &stats.examples_hidden);
    }
    if (baseline.n) {
        size_t k = 0;
        for (size_t i = 0; i < n_sorted; i++) {
            if (baseline_has(&baseline, sorted[i]->fingerprint))
                suppressed++;
            else
                sorted[k++] = sorted[i];
        }
        n_sorted = k;
    }
    phase_done("findings", &tp);
    if (!cfg->no_exposure)
        add_exposure(sorted, n_sorted, gits, n_gits);
    phase_done("exposure", &tp);
    if (cfg->verify) {
        struct verify_stats vs;
        struct verify_opts vo;
        if (cfg->verify_opts)
            vo = *cfg->verify_opts;
        else
            verify_default_opts(&vo);
        vo.smtp_regions = (const char *const *)rs.smtp_regions;
        vo.n_smtp_regions = rs.n_smtp_regions;
        if ((st = verify_findings(sorted, n_sorted, &vo, &vs)) != STATUS_OK)
            goto out;
    }
    risk_rank(sorted, n_sorted, risk_now());
    stats.files = atomic_load(&run.files);
    stats.bytes = atomic_load(&run.bytes);
    stats.skipped = list.skipped;
    stats.errors = atomic_load(&run.errors) + list.errors + git_errors;
    stats.decoded_views = atomic_load(&run.decoded);
    stats.suppressed = suppressed + atomic_load(&run.allowed);
    stats.seconds = clock_now() - t0;
    stats.started_at = (int64_t)time(NULL);
    {
        const char *fixed = getenv("SESAME_FIXED_TIME"); /* golden tests */
        if (fixed && *fixed) {
            stats.started_at = strtoll(fixed, NULL, 10);
            stats.seconds = 0;
        }
    }

    if (cfg->report_to) {
        out = cfg->report_to;
    } else if (cfg->output && strcmp(cfg->output, "-") != 0) {
        out = fopen(cfg->output, "w");
        if (!out) {
            st = fail(STATUS_IO, "cannot write '%s': %s", cfg->output, strerror(errno));
            out = stdout;
            goto out;
        }
    }
    memset(&ro, 0, sizeof(ro));
    ro.show_secrets = cfg->show_secrets;
    ro.include_examples = cfg->include_examples;
    ro.color = want_color(cfg, out);
    ro.stats = &stats;
    ro.targets = cfg->targets;
    ro.n_targets = cfg->n_targets;
    ro.explain = cfg->explain;
    st = report(out, (const struct finding *const *)sorted, n_sorted, &ro);
    if (fflush(out) != 0 && st == STATUS_OK)
        st = fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    outcome->findings = n_sorted;
    outcome->errors = stats.errors;
    outcome->truncated = atomic_load(&run.truncated);
    outcome->timed_out = atomic_load(&run.timed_out) != 0;
    outcome->suppressed = stats.suppressed;
    outcome->inputs = items.n;
    phase_done("report", &tp);
out:
    if (out != stdout && out != cfg->report_to)
        fclose(out);
    for (size_t i = 0; i < n_sorted; i++) {
        risk_free(sorted[i]->risk);
        sorted[i]->risk = NULL;
        verification_free(sorted[i]->verification);
        sorted[i]->verification = NULL;
    }
    findings_free(findings);
    free(items.v);
    for (size_t i = 0; i < n_gits; i++)
        src_git_free(gits[i]);
    free(gits);
    src_fs_list_release(&list);
    engine_free(engine);
    ruleset_release(&rs);
    free((void *)fs.excludes);
    free((void *)fs.includes);
    config_release(&rc);
    baseline_release(&baseline);
    phase_done("free", &tp);
    return st;
}

enum status scan_verify_report(const struct scan_config *cfg, const char *path,
                               struct scan_outcome *outcome)
{
    struct loaded_report lr;
    struct ruleset rs = RULESET_INIT;
    struct verify_opts vo;
    struct verify_stats vs;
    struct scan_stats stats;
    struct report_opts ro;
    report_fn *report = report_lookup(cfg->format);
    FILE *out = stdout;
    enum status st;

    memset(outcome, 0, sizeof(*outcome));
    memset(&stats, 0, sizeof(stats));
    if (!report)
        return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", cfg->format,
                    report_formats());
    if ((st = findings_load_report(path, &lr)) != STATUS_OK)
        return st;
    if ((st = ruleset_load(&rs, false, NULL, 0)) != STATUS_OK)
        goto out;
    if (cfg->verify_opts)
        vo = *cfg->verify_opts;
    else
        verify_default_opts(&vo);
    vo.smtp_regions = (const char *const *)rs.smtp_regions;
    vo.n_smtp_regions = rs.n_smtp_regions;
    if ((st = verify_findings(lr.sorted, lr.n, &vo, &vs)) != STATUS_OK)
        goto out;
    risk_rank(lr.sorted, lr.n, risk_now());
    stats.started_at = risk_now();
    stats.seconds = vs.seconds;
    if (cfg->output && strcmp(cfg->output, "-") != 0 && !(out = fopen(cfg->output, "w"))) {
        out = stdout;
        st = fail(STATUS_IO, "cannot write '%s': %s", cfg->output, strerror(errno));
        goto out;
    }
    memset(&ro, 0, sizeof(ro));
    ro.show_secrets = cfg->show_secrets;
    ro.color = want_color(cfg, out);
    ro.explain = cfg->explain;
    ro.stats = &stats;
    ro.targets = &path;
    ro.n_targets = 1;
    st = report(out, (const struct finding *const *)lr.sorted, lr.n, &ro);
    outcome->findings = lr.n;
out:
    if (out != stdout)
        fclose(out);
    for (size_t i = 0; i < lr.n; i++) {
        risk_free(lr.sorted[i]->risk);
        lr.sorted[i]->risk = NULL;
    }
    loaded_report_release(&lr);
    ruleset_release(&rs);
    return st;
}

/* ---- rules check / list -------------------------------------------------------- */

/* Matches of rule `ri` in `text` whose value is `expected` (any value if NULL). */
static size_t count_matches(struct engine_worker *w, struct match_list *ml, uint32_t ri,
                            const char *text, const char *expected, enum status *st)
{
    size_t hits = 0;

    ml->n = 0;
    *st = engine_scan(w, (const unsigned char *)text, strlen(text), ml, NULL);
    for (size_t j = 0; *st == STATUS_OK && j < ml->n; j++) {
        const struct match *m = &ml->v[j];
        if (m->rule != ri)
            continue;
        if (!expected || (strlen(expected) == m->end - m->start &&
                          memcmp(expected, text + m->start, m->end - m->start) == 0))
            hits++;
    }
    return hits;
}

enum status scan_rules_check(const struct scan_config *cfg, size_t *failures, size_t *checked)
{
    struct ruleset rs = RULESET_INIT;
    struct engine *engine = NULL;
    struct engine_worker *w = NULL;
    struct match_list ml = { 0 };
    enum status st;

    *failures = *checked = 0;
    if ((st = load_engine(cfg, NULL, &rs, &engine)) != STATUS_OK ||
        (st = engine_worker_new(&w, engine)) != STATUS_OK)
        goto out;
    for (size_t i = 0; i < rs.n; i++) {
        const struct rule *r = &rs.rules[i];
        if (r->n_examples == 0) {
            printf("FAIL %s: no examples (%s)\n", r->id, r->source);
            (*failures)++;
        }
        for (size_t k = 0; k < r->n_examples + r->n_negatives; k++) {
            bool negative = k >= r->n_examples;
            const char *tmpl = negative ? r->negatives[k - r->n_examples] : r->examples[k];
            char *expected = NULL;
            char *text = template_fill(tmpl, 1000 + i * 100 + k, r->kind, &expected);
            size_t hits = count_matches(w, &ml, (uint32_t)i, text, negative ? NULL : expected,
                                        &st);

            free(text);
            free(expected);
            if (st != STATUS_OK)
                goto out;
            (*checked)++;
            if (negative ? hits != 0 : hits == 0) {
                printf("FAIL %s: %s example %zu %s: %s\n", r->id,
                       negative ? "negative" : "positive",
                       negative ? k - r->n_examples + 1 : k + 1,
                       negative ? "matched" : "did not match", tmpl);
                (*failures)++;
            }
        }
    }
out:
    match_list_release(&ml);
    engine_worker_free(w);
    engine_free(engine);
    ruleset_release(&rs);
    return st;
}

enum status scan_rules_list(const struct scan_config *cfg)
{
    struct ruleset rs = RULESET_INIT;
    enum status st;

    if ((st = ruleset_load(&rs, cfg->no_default_rules, cfg->rule_paths, cfg->n_rule_paths)) ==
        STATUS_OK) {
        for (size_t i = 0; i < rs.n; i++) {
            const struct rule *r = &rs.rules[i];
            printf("%-44s %-18s %-7s %s\n", r->id, cred_kind_name(r->kind),
                   confidence_name(r->confidence), r->name);
        }
    }
    ruleset_release(&rs);
    return st;
}
