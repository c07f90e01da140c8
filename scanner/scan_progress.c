/*
 * scan_progress.c - what a scan says on stderr besides warnings: the progress line
 * (planning a history: commits of total; reading: inputs, percentage, MB, ETA) and, when
 * the report goes to a file (-o), the report's one-line summary.
 *
 * Progress is shown on a terminal (rewritten in place) unless -q or --no-progress, and
 * with --progress also into a log (one line per update). The driver (scan.c) owns the
 * counters; this file only formats and paces them.
 */
#include "scan_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/escape.h"
#include "report/report.h"
#include "scan_pipe.h"
#include "source/src_git.h"
#include "source/src_image.h"

/* The progress line on stderr: --progress, or (default) a terminal and not -q. */
bool want_progress(const struct scan_config *cfg)
{
    if (cfg->progress)
        return cfg->progress > 0;
    return !cfg->quiet && isatty(STDERR_FILENO);
}

/* "12 s" / "3 min" for an estimate of the time left, from the rate so far. */
void progress_eta(char *buf, size_t size, double elapsed, uint64_t done, uint64_t total)
{
    double left;

    buf[0] = '\0';
    if (done == 0 || done >= total || elapsed <= 0)
        return;
    left = elapsed * (double)(total - done) / (double)done;
    if (left < 120)
        snprintf(buf, size, ", ETA %.0f s", left);
    else
        snprintf(buf, size, ", ETA %.0f min", left / 60);
}

void progress_init(struct progress *p, const struct scan_config *cfg)
{
    memset(p, 0, sizeof(*p));
    p->t0 = clock_now();
    p->tty = isatty(STDERR_FILENO);
    p->clear = p->tty && !cfg->no_term_color;
    p->forced = cfg->progress > 0;
}

/* Time to show an update: after the first second (at once when forced), at most 4
 * times a second, and always the last one of a forced run. */
bool progress_due(struct progress *p, bool last)
{
    double now = clock_now();

    if ((!p->forced && now - p->t0 < 1.0) || (now - p->last < 0.25 && !(last && p->forced)))
        return false;
    p->last = now;
    return true;
}

void progress_line(struct progress *p, const char *text)
{
    fprintf(stderr, p->tty ? "\rsesame: %s " : "sesame: %s\n", text);
    p->shown = true;
}

void progress_end(const struct progress *p)
{
    if (p->shown && p->tty)
        fputs(p->clear ? "\r\033[K" : "\n", stderr);
}

/* Planning a whole history: "planning 'repo': 1200 of 5000 commits (24%), ETA 3 s". */
void plan_progress_cb(void *ctx, uint64_t done, uint64_t total)
{
    struct plan_progress *pp = ctx;
    char eta[48], line[512];

    if (!progress_due(&pp->p, done >= total))
        return;
    progress_eta(eta, sizeof(eta), clock_now() - pp->p.t0, done, total);
    snprintf(line, sizeof(line), "planning '%.300s': %llu of %llu commits (%.0f%%)%s",
             pp->target, (unsigned long long)done, (unsigned long long)total,
             total ? 100.0 * (double)done / (double)total : 100.0, eta);
    progress_line(&pp->p, line);
}

/* -o FILE: the report is in the file; the one-line summary still goes to stderr
 * (unless -q), so a CI log says what was found and where the report is. */
void scan_summary_to_stderr(const struct scan_config *cfg, const struct finding *const *v,
                            size_t n, const struct report_opts *ro)
{
    struct report_opts so = *ro;
    char *shown;

    if (cfg->quiet)
        return;
    so.color = want_color(cfg, stderr);
    so.explain = false;
    fputs("sesame: ", stderr);
    (void)report_summary_write(stderr, v, n, &so);
    shown = escape_dup(cfg->output, strlen(cfg->output), ESC_BACKSLASH);
    fprintf(stderr, "sesame: report written to %s (%s)\n", shown, cfg->format);
    free(shown);
}

bool timings_on(const struct scan_config *cfg)
{
    const char *e = env_get(cfg->env, "SESAME_TIMINGS");

    return e && strcmp(e, "0") != 0;
}

/* SESAME_TIMINGS=1: each phase's wall time on stderr (for benches/ and profiling). */
void timing_phase(const struct scan_config *cfg, const char *name, double *since)
{
    double now = clock_now();

    if (timings_on(cfg)) {
        /* and the CPU time of this thread so far (the plan's walk runs on it) */
        struct timespec ts;
        double cpu = clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0
                         ? (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 : 0.0;
        fprintf(stderr, "sesame: timing: %-8s %.3f s (main thread %.3f CPU s so far)\n", name,
                now - *since, cpu);
    }
    *since = now;
}

void timing_git(const struct scan_config *cfg, const struct src_git *g, bool push)
{
    const struct src_git_counts *c = src_git_counts(g);

    if (!timings_on(cfg))
        return;
    if (c->push_new)
        fprintf(stderr, "sesame: timing: push adds %llu new commits on top of the refs' "
                "(found in the quarantine; no ref's commit read)\n",
                (unsigned long long)c->push_new);
    if (c->walk_reads)
        fprintf(stderr, "sesame: timing: %s walk read %llu commits, %llu from the "
                "commit-graph; %llu ref tips found in it\n", push ? "push" : "history",
                (unsigned long long)c->walk_reads, (unsigned long long)c->walk_graph_reads,
                (unsigned long long)c->tips_from_graph);
    fprintf(stderr, "sesame: timing: libgit2 loaded %s\n",
            src_git_without_network_used() ? "without libssh2, OpenSSL and Kerberos (stand-ins)"
                                           : "with its network libraries");
    if (src_git_deferred(g))
        fprintf(stderr, "sesame: timing: walk order %016llx\n",
                (unsigned long long)c->walk_digest);
}

/* SESAME_TIMINGS=1: how many archive blobs went through a pipe, how many of them
 * another worker scanned (scan_pipe.h), how many zip members were inflated ahead by
 * another worker (source/archive/prefetch.c). */
void timing_pipe(const struct scan_config *cfg, const struct pipe_hub *h, uint64_t ahead)
{
    if (!timings_on(cfg))
        return;
    fprintf(stderr, "sesame: timing: pipe     %llu blobs queued, %llu scanned by helpers, "
            "%llu zip members inflated ahead\n", (unsigned long long)h->jobs,
            (unsigned long long)h->handed, (unsigned long long)ahead);
    fprintf(stderr, "sesame: timing: handover %.1f MB copied into the pipe, %llu blobs "
            "(%.1f MB) scanned by their reader; helpers idle %.3f s, readers waiting "
            "%.3f s\n", (double)h->copied / 1e6, (unsigned long long)h->own,
            (double)h->own_bytes / 1e6, h->idle_s, h->wait_s);
    if (src_archive_loaded_how())
        fprintf(stderr, "sesame: timing: libarchive loaded %s; the image check mapped %llu "
                "files\n", src_archive_loaded_how(),
                (unsigned long long)src_image_files_mapped());
}
