/*
 * scan_internal.h - what the driver's own files (scan.c and the scan_*.c beside it) share.
 */
#ifndef SESAME_SCAN_INTERNAL_H
#define SESAME_SCAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "config.h"
#include "scanbuf.h"
#include "scan.h"
#include "source/src_fs.h"

/* What applies to one target: its own .sesame.json (or --config), its baseline. */
struct target_cfg {
    struct repo_config rc;
    struct src_fs_opts fs;      /* cfg->fs plus this target's globs */
    struct baseline baseline;
    bool have_baseline;
    unsigned char *disabled;    /* per rule index: disabled here but compiled, or NULL */
};

/* Each target's configuration and baseline (--config, SESAME_CONFIG, its own
 * .sesame.json or the nearest above it in its repository; --baseline or the one it names). */
enum status load_configs(const struct scan_config *cfg, struct target_cfg *tcfg);
void release_configs(struct target_cfg *tcfg, size_t n);
struct ruleset;
struct inventory;
struct engine;

/* Load the rules, drop those every target disables, compile (cached). */
enum status load_engine(const struct scan_config *cfg, const struct inventory *inv,
                        struct target_cfg *tcfg, size_t n_tcfg,
                        struct ruleset *rs, struct engine **engine);
/* "Now" for ranking: SESAME_FIXED_TIME pins it in golden tests. */
int64_t risk_now(const struct scan_config *cfg);
/* The verifier's options for this run: the command line's (or the defaults), with the
 * SMTP regions the rules name. */
struct verify_opts;
void run_verify_opts(const struct scan_config *cfg, const struct ruleset *rs,
                     struct verify_opts *vo);
/* Colour for the text report: --color, NO_COLOR, a terminal. */
bool want_color(const struct scan_config *cfg, FILE *out);
struct finding;
struct report_opts;
/* scan_progress.c, SESAME_TIMINGS=1 (benches/, profiling): a phase's wall time (and the
 * calling thread's CPU so far), from *since to now (*since becomes now); the archive
 * pipes' hand-over counts. */
struct pipe_hub;
bool timings_on(const struct scan_config *cfg); /* SESAME_TIMINGS set, not "0" */
void timing_phase(const struct scan_config *cfg, const char *name, double *since);
void timing_pipe(const struct scan_config *cfg, const struct pipe_hub *h, uint64_t ahead);
struct src_git;
/* A planned repository: its walk's reads, how libgit2 was loaded, the walk order. */
void timing_git(const struct scan_config *cfg, const struct src_git *g, bool push);

/* scan_progress.c: -o FILE: the summary line on stderr (unless -q). */
void scan_summary_to_stderr(const struct scan_config *cfg, const struct finding *const *v,
                            size_t n, const struct report_opts *ro);

/* Where a progress line goes: on a terminal it is rewritten in place ("\r", erased at
 * the end unless TERM=dumb); forced into a log (--progress, not a terminal) each update
 * is a line of its own. */
struct progress {
    double t0, last;
    uint64_t last_done;     /* what the last line said was done */
    bool shown;
    bool tty, clear, forced;
};

struct plan_progress {
    const char *target;
    struct progress p;
};

/* scan_progress.c: whether to show progress (--progress, --no-progress, a terminal);
 * a progress line's state, pacing (progress_due: after the first second unless forced,
 * at most 4 times a second), its text, and its end; ", ETA 12 s" from the rate so far. */
bool want_progress(const struct scan_config *cfg);
void progress_init(struct progress *p, const struct scan_config *cfg);
bool progress_due(struct progress *p, bool last);
void progress_line(struct progress *p, const char *text);
void progress_end(const struct progress *p);
void progress_eta(char *buf, size_t size, double elapsed, uint64_t done, uint64_t total);
/* The callback of src_git_opts.progress: ctx is a struct plan_progress. */
void plan_progress_cb(void *ctx, uint64_t done, uint64_t total);

/* scan_prescan.c: scanning a whole history's packed blobs while its walk plans (the
 * callbacks of struct src_git_prescan; `ps` must outlive the plan). */
struct src_git_prescan;
struct scan_prescan {
    const struct engine *engine;
    const struct ruleset *rs;
    struct scanbuf_ctx ctx;     /* the target's, with quiet set */
    bool no_archives;
};
void scan_prescan_init(struct src_git_prescan *out, struct scan_prescan *ps, unsigned threads);

/* scan_findings.c: the built findings before they are reported. Git exposure of each
 * finding, a location asked about in the repository of its target (git_targets[g]); commit
 * summaries withheld where the commit's message holds the credential (without
 * --show-secrets); a finding left out only when every place it was seen is under a target
 * whose baseline covers it. */
struct src_git;
void scan_add_exposure(struct finding **sorted, size_t n, struct src_git **gits,
                       const unsigned *git_targets, size_t n_gits);
void scan_withhold_summaries(struct finding **v, size_t n);
bool scan_baselined(const struct finding *f, struct target_cfg *tcfg, size_t n_tcfg);

#endif
