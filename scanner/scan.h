/*
 * scan.h - the driver: sources -> matcher -> findings -> report.
 *
 * scan.c is the only file that sees every stage (ripgrep's run(), curl's operate()).
 */
#ifndef SESAME_SCAN_H
#define SESAME_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "scanbuf.h"
#include "source/src_fs.h"

enum color_mode { COLOR_AUTO = 0, COLOR_NEVER, COLOR_ALWAYS };

struct verify_opts;
struct report_filter;
struct archive_limits;
struct env;
struct finding;
struct scan_stats;
struct src_git;

/* What a run hands to its caller's hooks once findings are ranked (audits: the store). */
struct scan_result {
    struct finding *const *findings; /* ranked, after baselines */
    size_t n;
    const struct scan_stats *stats;
    struct src_git *const *gits;     /* the repositories planned (one per git target) */
    size_t n_gits;
    const char *const *read;         /* ids of the git objects read to the end, without error */
    size_t n_read;
    uint64_t skipped;                /* git objects skip_object said not to read */
};

struct scan_hooks {
    void *ctx;
    /* Asked for each planned git object (blob, or commit/tag whose message it is): true
     * to leave it unread (it was scanned before with these rules and held nothing). Called
     * on the planning thread. */
    bool (*skip_object)(void *ctx, const char *hex);
    /* Called once, after ranking and before the report; non-OK fails the run. */
    enum status (*done)(void *ctx, const struct scan_result *r);
};

struct scan_config {
    const char *const *targets;
    size_t n_targets;
    struct src_fs_opts fs;
    const char *format;         /* text, json, jsonl */
    const char *output;         /* file, or NULL for stdout */
    const char *const *rule_paths;
    size_t n_rule_paths;
    bool no_default_rules;
    bool show_secrets;
    bool include_examples;
    bool quiet;
    bool no_cache;
    enum color_mode color;
    bool no_term_color;         /* TERM=dumb: no colour on auto */
    bool ascii;                 /* the locale is not UTF-8: ASCII text reports */
    int progress;               /* 1 --progress, -1 --no-progress, 0 on a terminal */
    unsigned threads;           /* 0 = number of CPUs */
    /* git repositories */
    bool no_history;            /* scan a repository's files as a plain directory */
    bool all_objects;           /* also unreachable objects */
    bool allow_shallow;         /* a shallow history is not an incomplete scan */
    bool staged;                /* only the index against HEAD */
    const char *rev_range;      /* "A..B" */
    const char *since_commit;
    /* hooks */
    const char *const *tips;    /* scan commits reachable from these... */
    size_t n_tips;
    const char *const *hide;    /* ...but not from these */
    size_t n_hide;
    const char *hide_glob;      /* ...nor from refs matching this glob */
    bool from_env;              /* open the repository from GIT_DIR & co. (quarantine) */
    bool no_exposure;           /* skip HEAD/branch/removal facts (costly on big repos) */
    unsigned budget_ms;         /* stop scanning after this long (0 = no limit) */
    const char *hook_name;      /* "pre-receive", "pre-push", "pre-commit": its message */
    bool hook_bypass;           /* pre-receive honours `git push -o sesame.skip=REASON` */
    /* suppression */
    const char *config_path;    /* --config FILE; else TARGET/.sesame.json */
    bool no_config;
    const char *baseline_path;  /* report only findings not in this baseline */
    const char *known_keys_path; /* the organisation's key inventory (rules/inventory.h) */
    const char *accounts_path;   /* the organisation's account IDs */
    enum inline_allow inline_allow; /* which sesame:allow markers count */
    /* verification and ranking */
    bool verify;
    const struct verify_opts *verify_opts;
    bool explain;               /* reports show the factors behind each score */
    const struct report_filter *filter; /* --results, --min-risk, --fail-on; NULL: all */
    /* archives */
    bool no_archives;
    const struct archive_limits *archive_limits; /* NULL: defaults */
    FILE *report_to;            /* write the report here instead of stdout/output */
    const struct env *env;      /* the environment, read once (main.c); NULL: empty */
    /* audits */
    const char *const *since;   /* ref tips of the last scan: walk only newer commits */
    size_t n_since;
    const struct scan_hooks *hooks; /* or NULL */
    bool no_report;             /* write no report (the hooks take the result) */
};

/* What a run found, for the exit code (main.c maps it in one place). */
struct scan_outcome {
    size_t findings;    /* reported (examples excluded unless asked for) */
    size_t failing;     /* of which make the run fail (--fail-on; default: all) */
    uint64_t errors;    /* inputs that could not be read */
    uint64_t truncated; /* inputs where a limit stopped reading */
    uint64_t history_cut; /* git histories cut short (shallow) */
    bool timed_out;     /* budget_ms ran out: the scan is incomplete */
    bool incomplete;    /* any of the four above */
    uint64_t suppressed; /* occurrences allowed inline, findings in the baseline */
    uint64_t allowed;   /* of which allowed inline (each listed in the report) */
    char **allowed_text; /* each allowed occurrence, "path:line (part, rule R) in commit C",
                          * raw: escape before printing (the hook's audit log) */
    size_t n_allowed_text;
    uint64_t inputs;    /* inputs planned */
};

void scan_outcome_release(struct scan_outcome *o);

/* Run a scan and write the report. Fatal problems (rules, output, a target that does
 * not exist) return non-OK with a message; unreadable files below a target are
 * warnings counted in out->errors. */
enum status scan_run(const struct scan_config *cfg, struct scan_outcome *out);

/* `sesame rules check`: compile the rules and run every example and negative example
 * through the whole buffer pipeline. Prints one line per failure. */
enum status scan_rules_check(const struct scan_config *cfg, size_t *failures, size_t *checked);

/* `sesame verify REPORT.json`: verify a saved report (written with --show-secrets),
 * rank it and write a new report. */
enum status scan_verify_report(const struct scan_config *cfg, const char *path,
                               struct scan_outcome *out);

struct remediate_opts;
/* `sesame remediate WHICH --report PATH`: the plan for one finding of a saved report
 * (redacted or not) on cfg->output or stdout. */
enum status scan_remediate(const struct scan_config *cfg, const char *path, const char *which,
                           const struct remediate_opts *o);

/* `sesame rules list`. */
enum status scan_rules_list(const struct scan_config *cfg);

#endif
