/*
 * main.c - argv -> configuration -> a command; outcome -> exit code, in one place.
 *
 * Options are parsed from the table in cli/options.c (which also makes the help text,
 * the man page and the completions). Exit codes are documented there, in README.md and
 * in sesame(1); hooks and CI rely on them.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/env.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "cli/options.h"
#include "hook.h"
#include "report/report.h"
#include "scan.h"
#include "source/src_archive.h"
#include "source/src_git.h"
#include "verify/verify.h"

enum exit_code {
    EXIT_CLEAN = 0,
    EXIT_FOUND = 1,
    EXIT_USAGE = 2,
    EXIT_IO = 3,
    EXIT_CORRUPT = 4,
    EXIT_LIMIT = 5,
    EXIT_NET = 6,
    EXIT_FOUND_INCOMPLETE = 7,
    EXIT_BUG = 70,
};

/* A command that failed before it could report. */
static int exit_for_status(enum status st)
{
    switch (st) {
    case STATUS_OK: return EXIT_CLEAN;
    case STATUS_USAGE: return EXIT_USAGE;
    case STATUS_IO: return EXIT_IO;
    case STATUS_CORRUPT: return EXIT_CORRUPT;
    case STATUS_LIMIT: return EXIT_LIMIT;
    case STATUS_NET: return EXIT_NET;
    case STATUS_BUG: return EXIT_BUG;
    }
    return EXIT_BUG;
}

/* A scan that ran to its report: what was found, and whether everything was read.
 * --exit-zero ignores findings, never an incomplete run. */
static int exit_for_outcome(const struct scan_outcome *o, bool exit_zero)
{
    bool found = o->findings > 0 && !exit_zero;

    if (o->incomplete && found)
        return EXIT_FOUND_INCOMPLETE;
    if (o->incomplete)
        return o->errors || o->history_cut || o->timed_out || !o->truncated ? EXIT_IO
                                                                            : EXIT_LIMIT;
    return found ? EXIT_FOUND : EXIT_CLEAN;
}

static int exit_for_hook(enum hook_outcome h)
{
    switch (h) {
    case HOOK_OK: return EXIT_CLEAN;
    case HOOK_REJECTED: return EXIT_FOUND;
    case HOOK_USAGE: return EXIT_USAGE;
    case HOOK_IO: return EXIT_IO;
    }
    return EXIT_BUG;
}

struct strv {
    const char **v;
    size_t n;
};

static void strv_push(struct strv *s, const char *x)
{
    s->v = xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
    s->v[s->n++] = x;
    s->v[s->n] = NULL;
}

/* Everything a command line sets. */
struct args {
    enum cli_cmd cmd;
    struct scan_config cfg;
    struct verify_opts vo;
    struct archive_limits alim;
    struct hook_opts ho;
    struct strv targets, rules, excl, incl, skip, ses;
    bool exit_zero;
    const char *repo;
    bool force;
    struct env env;
};

FORMAT(2, 3) static int usage_error(enum cli_cmd cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "sesame: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'sesame help %s')\n", cli_cmds[cmd].name);
    return EXIT_USAGE;
}

static bool number(const char *s, unsigned long long lo, unsigned long long hi,
                   unsigned long long *out)
{
    char *end;
    unsigned long long n;

    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    n = strtoull(s, &end, 10);
    if (*end || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

static int inline_allow(enum cli_cmd cmd, const char *s, enum inline_allow *out)
{
    if (strcmp(s, "all") == 0)
        *out = INLINE_ALLOW_ALL;
    else if (strcmp(s, "none") == 0)
        *out = INLINE_ALLOW_NONE;
    else if (strcmp(s, "ids") == 0)
        *out = INLINE_ALLOW_IDS;
    else
        return usage_error(cmd, "--inline-allow takes all, none or ids, not '%s'", s);
    return -1;
}

/* One option with its argument into `a`; -1 to go on, or the exit code. */
static int set_option(struct args *a, int id, const char *arg, const char *spelled)
{
    struct scan_config *cfg = &a->cfg;
    unsigned long long n;

    switch (id) {
    case OPT_FORMAT: cfg->format = arg; break;
    case OPT_OUTPUT: cfg->output = arg; break;
    case OPT_THREADS:
        if (!number(arg, 1, 256, &n))
            return usage_error(a->cmd, "--threads takes a number from 1 to 256, not '%s'", arg);
        cfg->threads = (unsigned)n;
        break;
    case OPT_QUIET: cfg->quiet = true; break;
    case OPT_RULES: strv_push(&a->rules, arg); break;
    case OPT_NO_DEFAULT_RULES: cfg->no_default_rules = true; break;
    case OPT_EXCLUDE: strv_push(&a->excl, arg); break;
    case OPT_INCLUDE: strv_push(&a->incl, arg); break;
    case OPT_FOLLOW: cfg->fs.follow_symlinks = true; break;
    case OPT_SHOW: cfg->show_secrets = a->ho.show_secrets = true; break;
    case OPT_EXAMPLES: cfg->include_examples = true; break;
    case OPT_EXIT_ZERO: a->exit_zero = true; break;
    case OPT_NO_CACHE: cfg->no_cache = true; break;
    case OPT_NO_HISTORY: cfg->no_history = true; break;
    case OPT_ALL_OBJECTS: cfg->all_objects = true; break;
    case OPT_ALLOW_SHALLOW: cfg->allow_shallow = true; break;
    case OPT_STAGED: cfg->staged = true; break;
    case OPT_REV_RANGE: cfg->rev_range = arg; break;
    case OPT_SINCE_COMMIT: cfg->since_commit = arg; break;
    case OPT_CONFIG: cfg->config_path = arg; break;
    case OPT_NO_CONFIG: cfg->no_config = true; break;
    case OPT_BASELINE: cfg->baseline_path = arg; break;
    case OPT_KNOWN_KEYS: cfg->known_keys_path = arg; break;
    case OPT_ACCOUNTS: cfg->accounts_path = arg; break;
    case OPT_INLINE_ALLOW: {
        int rc = inline_allow(a->cmd, arg, &cfg->inline_allow);
        if (rc >= 0)
            return rc;
        a->ho.inline_allow = cfg->inline_allow;
        a->ho.inline_allow_set = true;
        break;
    }
    case OPT_VERIFY: cfg->verify = true; break;
    case OPT_EXPLAIN: cfg->explain = true; break;
    case OPT_NO_ARCHIVES: cfg->no_archives = true; break;
    case OPT_ARCHIVE_DEPTH:
    case OPT_ARCHIVE_BYTES:
    case OPT_ARCHIVE_MEMBERS:
    case OPT_ARCHIVE_RATIO:
        if (!number(arg, 1, UINT64_MAX, &n))
            return usage_error(a->cmd, "%s takes a positive number, not '%s'", spelled, arg);
        if (id == OPT_ARCHIVE_DEPTH)
            a->alim.max_depth = n > 64 ? 64 : (unsigned)n;
        else if (id == OPT_ARCHIVE_BYTES)
            a->alim.max_total_bytes = n;
        else if (id == OPT_ARCHIVE_MEMBERS)
            a->alim.max_members = n;
        else
            a->alim.max_ratio = (double)n;
        break;
    case OPT_VERIFY_CONCURRENCY:
    case OPT_VERIFY_RATE:
    case OPT_VERIFY_TIMEOUT: {
        unsigned long long max = id == OPT_VERIFY_CONCURRENCY ? 256
                                 : id == OPT_VERIFY_RATE      ? 100000
                                                              : 600000;
        if (!number(arg, 1, max, &n))
            return usage_error(a->cmd, "%s takes a number from 1 to %llu, not '%s'", spelled,
                               max, arg);
        if (id == OPT_VERIFY_CONCURRENCY)
            a->vo.concurrency = (unsigned)n;
        else if (id == OPT_VERIFY_RATE)
            a->vo.rate_per_service = (unsigned)n;
        else
            a->vo.timeout_ms = (unsigned)n;
        break;
    }
    case OPT_SKIP_ACCOUNTS:
    case OPT_SES_REGIONS: {
        struct strv *sv = id == OPT_SKIP_ACCOUNTS ? &a->skip : &a->ses;
        char *copy = (char *)arg; /* argv strings are writable */
        for (char *tok = copy; tok && *tok;) {
            char *comma = strchr(tok, ',');
            if (comma)
                *comma = '\0';
            if (*tok)
                strv_push(sv, tok);
            tok = comma ? comma + 1 : NULL;
        }
        break;
    }
    case OPT_AUDIT_PROFILE: a->vo.audit_profile = arg; break;
    case OPT_NO_SMTP_CHECK: a->vo.no_smtp = true; break;
    case OPT_COLOR:
        if (strcmp(arg, "auto") == 0)
            cfg->color = COLOR_AUTO;
        else if (strcmp(arg, "always") == 0)
            cfg->color = COLOR_ALWAYS;
        else if (strcmp(arg, "never") == 0)
            cfg->color = COLOR_NEVER;
        else
            return usage_error(a->cmd, "--color takes auto, always or never, not '%s'", arg);
        break;
    case OPT_BUDGET_MS:
        if (!number(arg, 1, 3600000, &n))
            return usage_error(a->cmd, "--budget-ms takes 1..3600000, not '%s'", arg);
        a->ho.budget_ms = (unsigned)n;
        break;
    case OPT_FAIL_OPEN: a->ho.fail_open = true; break;
    case OPT_FAIL_CLOSED: a->ho.fail_open = false; break;
    case OPT_ALLOW_BYPASS: a->ho.allow_bypass = true; break;
    case OPT_LOG: a->ho.log_path = arg; break;
    case OPT_REPO: a->repo = arg; break;
    case OPT_FORCE: a->force = true; break;
    case OPT_HELP:
        cli_help(stdout, (int)a->cmd);
        return EXIT_CLEAN;
    default:
        return usage_error(a->cmd, "option '%s' is not handled", spelled);
    }
    return -1;
}

/* argv[0] is the command name. -1 to go on, or the exit code. */
static int parse(struct args *a, int argc, char **argv)
{
    struct option *longs;
    char *shorts;
    int c, rc = -1;

    cli_getopt(a->cmd, &longs, &shorts);
    optind = 1;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const char *spelled = argv[optind - 1];
        if (c == ':') {
            rc = usage_error(a->cmd, "option '%s' needs an argument", spelled);
        } else if (c == '?') {
            const char *bad = optopt ? (char[]){ '-', (char)optopt, 0 } : spelled;
            const struct cli_opt *known = NULL;
            for (size_t i = 0; i < cli_n_opts && !known; i++)
                if (strncmp(bad, "--", 2) == 0 && strcmp(bad + 2, cli_opts[i].name) == 0)
                    known = &cli_opts[i];
            rc = known ? usage_error(a->cmd, "'sesame %s' does not take '%s'",
                                     cli_cmds[a->cmd].name, bad)
                       : usage_error(a->cmd, "unknown option '%s'", bad);
        } else {
            rc = set_option(a, c, optarg, spelled);
        }
    }
    for (int i = optind; rc < 0 && i < argc; i++)
        strv_push(&a->targets, argv[i]);
    free(longs);
    free(shorts);
    return rc;
}

static int run_scan_like(struct args *a)
{
    struct scan_outcome outcome;
    static const char *const dot[] = { ".", NULL };
    enum status st;
    int rc;

    if (a->cmd == CMD_BASELINE) {
        if (!a->targets.n || strcmp(a->targets.v[0], "create") != 0)
            return usage_error(a->cmd, "usage: sesame baseline create [options] [PATH...]");
        a->cfg.targets = a->targets.n > 1 ? a->targets.v + 1 : dot;
        a->cfg.n_targets = a->targets.n > 1 ? a->targets.n - 1 : 1;
        a->cfg.format = "baseline";
        a->cfg.baseline_path = NULL;
    } else {
        a->cfg.targets = a->targets.n ? a->targets.v : dot;
        a->cfg.n_targets = a->targets.n ? a->targets.n : 1;
    }
    st = scan_run(&a->cfg, &outcome);
    if (st != STATUS_OK) {
        log_error("%s", status_message());
        return exit_for_status(st);
    }
    rc = exit_for_outcome(&outcome, a->exit_zero || a->cmd == CMD_BASELINE);
    scan_outcome_release(&outcome);
    return rc;
}

static int run_command(struct args *a)
{
    enum status st = STATUS_OK;

    switch (a->cmd) {
    case CMD_SCAN:
    case CMD_BASELINE:
        return run_scan_like(a);
    case CMD_RULES: {
        const char *sub = a->targets.n == 1 ? a->targets.v[0] : NULL;
        if (sub && strcmp(sub, "check") == 0) {
            size_t failures = 0, checked = 0;
            if ((st = scan_rules_check(&a->cfg, &failures, &checked)) == STATUS_OK) {
                printf("%zu examples checked: %zu passed, %zu failed\n", checked,
                       checked - failures, failures);
                return failures ? EXIT_FOUND : EXIT_CLEAN;
            }
        } else if (sub && strcmp(sub, "list") == 0) {
            st = scan_rules_list(&a->cfg);
        } else {
            return usage_error(a->cmd, "usage: sesame rules check|list [--rules PATH]");
        }
        break;
    }
    case CMD_VERIFY: {
        struct scan_outcome outcome;
        if (a->targets.n != 1)
            return usage_error(a->cmd, "usage: sesame verify [options] REPORT.json (a report "
                                       "written with --format json --show-secrets)");
        if ((st = scan_verify_report(&a->cfg, a->targets.v[0], &outcome)) == STATUS_OK) {
            int rc = exit_for_outcome(&outcome, a->exit_zero);
            scan_outcome_release(&outcome);
            return rc;
        }
        break;
    }
    case CMD_HOOK:
        if (a->targets.n < 1)
            return usage_error(a->cmd, "usage: sesame hook pre-receive|pre-push|pre-commit "
                                       "[options]");
        a->ho.rules = a->rules.v;
        a->ho.n_rules = a->rules.n;
        {
            enum hook_outcome h = hook_run(a->targets.v[0],
                                           a->targets.n > 1 ? a->targets.v[1] : NULL, &a->ho);
            if (h == HOOK_USAGE)
                return usage_error(a->cmd, "no hook '%s' (pre-receive, pre-push or pre-commit)",
                                   a->targets.v[0]);
            return exit_for_hook(h);
        }
    case CMD_INSTALL_HOOK:
        if (a->targets.n > 1)
            return usage_error(a->cmd, "unexpected '%s'", a->targets.v[1]);
        return exit_for_hook(hook_install(a->targets.n ? a->targets.v[0] : NULL, a->repo,
                                          a->force));
    case CMD_VERSION:
        printf("sesame %s\n", SESAME_VERSION);
        return EXIT_CLEAN;
    case CMD_HELP: {
        int which = a->targets.n ? cli_cmd_lookup(a->targets.v[0]) : -1;
        if (a->targets.n && which < 0)
            return usage_error(a->cmd, "no command '%s'", a->targets.v[0]);
        cli_help(stdout, which);
        return EXIT_CLEAN;
    }
    case CMD_COUNT:
        break;
    }
    log_error("%s", status_message());
    return exit_for_status(st);
}

int main(int argc, char **argv)
{
    struct args a;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int which, rc;

#ifdef M_MMAP_THRESHOLD
    /* Blobs of a few MB are inflated one after another: keep such buffers in the heap
     * instead of mapping and unmapping (and page-faulting) each (benches/RESULTS.md). */
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    if (!cmd) {
        cli_help(stderr, -1);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        cmd = "help";
    else if (strcmp(cmd, "--version") == 0)
        cmd = "version";
    if ((which = cli_cmd_lookup(cmd)) < 0) {
        fprintf(stderr, "sesame: unknown command '%s'\n(see 'sesame help')\n", cmd);
        return EXIT_USAGE;
    }

    memset(&a, 0, sizeof(a));
    a.cmd = (enum cli_cmd)which;
    a.cfg.format = "text";
    verify_default_opts(&a.vo);
    src_archive_default_limits(&a.alim);
    hook_default_opts(&a.ho);
    cli_env_capture(&a.env); /* the only reading of the environment */
    if ((rc = parse(&a, argc - 1, argv + 1)) < 0) {
        a.cfg.archive_limits = &a.alim;
        a.vo.skip_accounts = a.skip.v;
        a.vo.n_skip_accounts = a.skip.n;
        a.vo.ses_regions = a.ses.v;
        a.vo.n_ses_regions = a.ses.n;
        {
            const char *fixed = env_get(&a.env, "SESAME_FIXED_TIME");
            if (fixed)
                a.vo.now = strtoll(fixed, NULL, 10);
        }
        a.cfg.env = a.vo.env = a.ho.env = &a.env;
        a.cfg.verify_opts = &a.vo;
        a.cfg.rule_paths = a.rules.v;
        a.cfg.n_rule_paths = a.rules.n;
        a.cfg.fs.excludes = a.excl.v;
        a.cfg.fs.n_excludes = a.excl.n;
        a.cfg.fs.includes = a.incl.v;
        a.cfg.fs.n_includes = a.incl.n;
        log_set_quiet(a.cfg.quiet);
        src_git_init();
        rc = run_command(&a);
        src_git_shutdown();
    }
    free(a.targets.v);
    free(a.rules.v);
    free(a.excl.v);
    free(a.incl.v);
    free(a.skip.v);
    free(a.ses.v);
    env_release(&a.env);
    return rc;
}
