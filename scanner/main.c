/*
 * main.c - argv -> configuration -> a command; outcome -> exit code, in one place.
 *
 * Options are parsed from the table in cli/options.c (which also makes the help text,
 * the man page and the completions). Exit codes are documented there, in README.md and
 * in sesame(1); hooks and CI rely on them.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/env.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "audit.h"
#include "cli/options.h"
#include "crypto/crypto.h"
#include "hook.h"
#include "report/remediate.h"
#include "report/report.h"
#include "report/select.h"
#include "scan.h"
#include "source/src_archive.h"
#include "source/src_git.h"
#include "verify/verify.h"

#ifdef SESAME_HAVE_COMMIT_H
#include "sesame_commit.h" /* SESAME_COMMIT: generated at build time (cmake/commit.cmake) */
#endif
#ifndef SESAME_COMMIT
#define SESAME_COMMIT "unknown"
#endif

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
    bool found = o->failing > 0 && !exit_zero; /* --fail-on; by default every finding */

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
    struct strv targets, rules, excl, incl, skip, ses, from;
    struct remediate_opts ro;
    const char *report;
    bool exit_zero;
    struct report_filter filter;
    bool only_verified;
    bool format_set;
    const char *repo;
    bool force;
    struct env env;
    /* the audit store */
    const char *db, *repos_from, *state, *note, *by, *store_repo, *html, *mirror_dir;
    const char *import_baseline;
    struct strv discover, github, gitlab;
    const char *api_url;
    bool include_archived, include_forks;
    int min_risk;
    int64_t verify_max_age;
    unsigned char store_key[32];
    bool include_gone;
    /* a fleet: the work queue */
    bool enqueue, worker, until_empty;
    struct queue_opts qo;
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
    case OPT_FORMAT: cfg->format = arg; a->format_set = true; break;
    case OPT_OUTPUT: cfg->output = arg; break;
    case OPT_THREADS:
        if (!number(arg, 1, 256, &n))
            return usage_error(a->cmd, "--threads takes a number from 1 to 256, not '%s'", arg);
        cfg->threads = (unsigned)n;
        break;
    case OPT_QUIET: cfg->quiet = true; break;
    case OPT_PROGRESS: cfg->progress = 1; break;
    case OPT_NO_PROGRESS: cfg->progress = -1; break;
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
    case OPT_RESULTS: {
        const char *bad;
        if (!report_parse_results(arg, &a->filter.results, &bad))
            return usage_error(a->cmd, "--results takes live, invalid, unknown, unverified or "
                                       "all (comma-separated), not '%.*s'",
                               (int)strcspn(bad, ","), bad);
        break;
    }
    case OPT_ONLY_VERIFIED: a->only_verified = true; break;
    case OPT_MIN_RISK: /* scan and verify: the report's filter; findings, report: the query */
        if (!number(arg, 0, 100, &n))
            return usage_error(a->cmd, "--min-risk takes a score from 0 to 100, not '%s'", arg);
        a->filter.min_risk = (int)n;
        a->min_risk = (int)n;
        break;
    case OPT_FAIL_ON:
        if (!report_parse_fail_on(arg, &a->filter))
            return usage_error(a->cmd, "--fail-on takes any, live, risk:N (0-100) or a tier "
                                       "(critical, high, medium, low), not '%s'", arg);
        break;
    case OPT_REPO: a->repo = arg; break;
    case OPT_FORCE: a->force = true; break;
    case OPT_REPORT: a->report = arg; break;
    case OPT_FROM_ADDRESS: strv_push(&a->from, arg); break;
    case OPT_SOURCE_IP: a->ro.source_ip = arg; break;
    case OPT_POLICY_ONLY: a->ro.policy_only = true; break;
    case OPT_DB: a->db = arg; break;
    case OPT_REPOS_FROM: a->repos_from = arg; break;
    case OPT_STATE: a->state = arg; break;
    case OPT_NOTE: a->note = arg; break;
    case OPT_BY: a->by = arg; break;
    case OPT_STORE_REPO: a->store_repo = arg; break;
    case OPT_INCLUDE_GONE: a->include_gone = true; break;
    case OPT_HTML: a->html = arg; break;
    case OPT_DISCOVER: strv_push(&a->discover, arg); break;
    case OPT_MIRROR_DIR: a->mirror_dir = arg; break;
    case OPT_GITHUB_ORG: strv_push(&a->github, arg); break;
    case OPT_GITLAB_GROUP: strv_push(&a->gitlab, arg); break;
    case OPT_API_URL: a->api_url = arg; break;
    case OPT_INCLUDE_ARCHIVED: a->include_archived = true; break;
    case OPT_INCLUDE_FORKS: a->include_forks = true; break;
    case OPT_IMPORT_BASELINE: a->import_baseline = arg; break;
    case OPT_VERIFY_MAX_AGE: {
        char *end;
        unsigned long long v;
        if (!arg[0] || arg[0] == '-' || arg[0] == '+')
            return usage_error(a->cmd, "--verify-max-age takes N[s|m|h|d], not '%s'", arg);
        v = strtoull(arg, &end, 10);
        n = strcmp(end, "") == 0 || strcmp(end, "s") == 0 ? 1
            : strcmp(end, "m") == 0                      ? 60
            : strcmp(end, "h") == 0                      ? 3600
            : strcmp(end, "d") == 0                      ? 86400
                                                         : 0;
        if (end == arg || n == 0 || v > 100ull * 365 * 86400 / n)
            return usage_error(a->cmd, "--verify-max-age takes N[s|m|h|d], not '%s'", arg);
        a->verify_max_age = (int64_t)(v * n);
        break;
    }
    case OPT_ENQUEUE: a->enqueue = true; break;
    case OPT_WORKER: a->worker = true; break;
    case OPT_UNTIL_EMPTY: a->qo.until_empty = true; break;
    case OPT_LEASE_TIMEOUT:
        if (!number(arg, 1, 86400, &n))
            return usage_error(a->cmd, "--lease-timeout takes seconds from 1 to 86400, not '%s'",
                               arg);
        a->qo.lease_ms = (int64_t)n * 1000;
        break;
    case OPT_MAX_ATTEMPTS:
        if (!number(arg, 1, 1000, &n))
            return usage_error(a->cmd, "--max-attempts takes a number from 1 to 1000, not '%s'",
                               arg);
        a->qo.max_attempts = (int64_t)n;
        break;
    case OPT_WORKER_ID:
        if (!*arg || strlen(arg) > 200)
            return usage_error(a->cmd, "--worker-id takes a name of 1 to 200 bytes");
        a->qo.worker_id = arg;
        break;
    case OPT_HELP:
        cli_help(stdout, (int)a->cmd);
        return EXIT_CLEAN;
    default:
        return usage_error(a->cmd, "option '%s' is not handled", spelled);
    }
    return -1;
}

/* --only-verified is --verify --results live; a filter or --fail-on that needs verdicts
 * on a scan without --verify would silently show or fail on nothing: a usage error. */
static int check_filter(struct args *a)
{
    bool verifies = a->cfg.verify || a->cmd == CMD_VERIFY;

    if (a->only_verified) {
        a->cfg.verify = verifies = true;
        a->filter.results = RESULT_LIVE;
    }
    if (a->cmd != CMD_SCAN && a->cmd != CMD_VERIFY)
        return -1;
    if (!verifies && a->filter.results && !(a->filter.results & RESULT_UNVERIFIED))
        return usage_error(a->cmd, "--results without 'unverified' shows nothing unless "
                                   "the scan verifies: add --verify (or --only-verified)");
    if (!verifies && a->filter.fail_on == FAIL_ON_LIVE)
        return usage_error(a->cmd, "--fail-on live needs --verify (without it nothing is "
                                   "known to be live)");
    a->cfg.filter = &a->filter;
    return -1;
}

/* A UTF-8 locale: the first of LC_ALL, LC_CTYPE, LANG that is set names UTF-8. None
 * set is the C locale: ASCII. */
static bool utf8_locale(const struct env *e)
{
    static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

    for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
        const char *v = env_get(e, vars[i]);
        if (v && *v)
            return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
    }
    return false;
}

/* SESAME_SMTP_ENDPOINT is host[:port], smtp://host[:port] or smtps://host[:port]: any
 * other scheme would send the SMTP dialogue (a password) over another protocol. */
static int check_smtp_endpoint(struct args *a)
{
    const char *v = env_get(&a->env, "SESAME_SMTP_ENDPOINT");
    const char *sep = v ? strstr(v, "://") : NULL;

    if (!v || (a->cmd != CMD_SCAN && a->cmd != CMD_VERIFY))
        return -1;
    if (!*v)
        return usage_error(a->cmd, "SESAME_SMTP_ENDPOINT is empty: set it to host[:port], "
                                   "smtp://host[:port] or smtps://host[:port], or unset it");
    if (sep && !((sep - v == 4 && strncasecmp(v, "smtp", 4) == 0) ||
                 (sep - v == 5 && strncasecmp(v, "smtps", 5) == 0)))
        return usage_error(a->cmd, "SESAME_SMTP_ENDPOINT '%.*s' has the scheme '%.*s://': "
                                   "use smtp://host[:port] (STARTTLS, port 587) or "
                                   "smtps://host[:port] (TLS, port 465), or just host[:port]",
                           100, v, (int)(sep - v > 20 ? 20 : sep - v), v);
    if (sep && !sep[3])
        return usage_error(a->cmd, "SESAME_SMTP_ENDPOINT '%s' names no host: use "
                                   "smtp://host[:port]", v);
    return -1;
}

/* What the environment says about output: -o x.sarif without -f is SARIF; TERM=dumb
 * has no colour; a non-UTF-8 locale gets ASCII text. */
static void output_habits(struct args *a)
{
    const char *term = env_get(&a->env, "TERM");

    if (!a->format_set && a->cfg.output && strcmp(a->cfg.output, "-") != 0 &&
        (a->cmd == CMD_SCAN || a->cmd == CMD_VERIFY)) {
        const char *f = report_format_for_path(a->cfg.output);
        if (f)
            a->cfg.format = f;
    }
    a->cfg.no_term_color = term && strcmp(term, "dumb") == 0;
    a->cfg.ascii = !utf8_locale(&a->env);
}

/* An option's argument that is itself one of this command's options (`-o --format
 * json`): the argument was forgotten. */
static const char *option_as_argument(enum cli_cmd cmd, const char *arg)
{
    if (!arg || arg[0] != '-' || !arg[1])
        return NULL;
    for (size_t i = 0; i < cli_n_opts; i++) {
        const struct cli_opt *o = &cli_opts[i];
        size_t len = strlen(o->name);
        if (!(o->cmds & (1u << cmd)))
            continue;
        if (arg[1] == '-' && strncmp(arg + 2, o->name, len) == 0 &&
            (arg[2 + len] == '\0' || arg[2 + len] == '='))
            return o->name;
        if (arg[1] != '-' && o->letter && arg[1] == o->letter && !arg[2])
            return o->name;
    }
    return NULL;
}

/* Edit distance of two short strings (option names), capped at 9. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

    if (la >= 63 || lb >= 63)
        return 9;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(*cur));
    }
    return prev[lb] > 9 ? 9 : prev[lb];
}

/* The option of this command (or of any other) closest to a mistyped `--name`. */
static const struct cli_opt *closest_option(enum cli_cmd cmd, const char *bad)
{
    const struct cli_opt *best = NULL;
    size_t best_d = 3; /* at most 2 edits */
    char name[64];

    if (strncmp(bad, "--", 2) != 0)
        return NULL;
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(bad + 2, "="), bad + 2);
    for (int pass = 0; pass < 2 && !best; pass++)
        for (size_t i = 0; i < cli_n_opts; i++) {
            size_t d;
            if (pass == 0 && !(cli_opts[i].cmds & (1u << cmd)))
                continue;
            if ((d = edit_distance(name, cli_opts[i].name)) < best_d) {
                best_d = d;
                best = &cli_opts[i];
            }
        }
    return best;
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
        /* The option as typed: with its argument as the next word, the word before */
        const char *last = argv[optind - 1];
        bool separate = optarg && c != ':' && c != '?' && optarg == last && optind >= 2;
        const char *spelled = separate ? argv[optind - 2] : last;
        if (c == ':') {
            rc = usage_error(a->cmd, "option '%s' needs an argument", spelled);
        } else if (c == '?') {
            const char *bad = optopt ? (char[]){ '-', (char)optopt, 0 } : spelled;
            const struct cli_opt *known = NULL;
            for (size_t i = 0; i < cli_n_opts && !known; i++)
                if (strncmp(bad, "--", 2) == 0 && strcmp(bad + 2, cli_opts[i].name) == 0)
                    known = &cli_opts[i];
            const struct cli_opt *near = known ? NULL : closest_option(a->cmd, bad);
            if (known)
                rc = usage_error(a->cmd, "'sesame %s' does not take '%s'",
                                 cli_cmds[a->cmd].name, bad);
            else if (near && (near->cmds & (1u << a->cmd)))
                rc = usage_error(a->cmd, "unknown option '%s' (did you mean '--%s'?)", bad,
                                 near->name);
            else
                rc = usage_error(a->cmd, "unknown option '%s'", bad);
        } else if (separate && option_as_argument(a->cmd, optarg)) {
            /* `-o --format json`: optarg is the next word, and it is an option */
            rc = usage_error(a->cmd, "option '%s' needs an argument ('%s' is an option)",
                             spelled, optarg);
        } else {
            rc = set_option(a, c, optarg, spelled);
        }
    }
    for (int i = optind; rc < 0 && i < argc; i++)
        strv_push(&a->targets, argv[i]);
    if (rc < 0)
        rc = check_filter(a);
    if (rc < 0 && (a->cfg.verify || a->cmd == CMD_VERIFY))
        rc = check_smtp_endpoint(a);
    free(longs);
    free(shorts);
    return rc;
}

/* "./k.env" is "k.env": one spelling of a path in every report (issue 17). */
static void plain_targets(struct strv *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *p = t->v[i];
        while (p[0] == '.' && p[1] == '/') {
            const char *q = p + 2;
            while (*q == '/')
                q++;
            if (!*q)
                break;
            p = q;
        }
        t->v[i] = p;
    }
}

static int run_scan_like(struct args *a)
{
    struct scan_outcome outcome;
    static const char *const dot[] = { ".", NULL };
    enum status st;
    int rc;

    plain_targets(&a->targets);
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

static int64_t now_for(const struct args *a)
{
    const char *fixed = env_get(&a->env, "SESAME_FIXED_TIME");
    return fixed ? (int64_t)strtoll(fixed, NULL, 10) : (int64_t)time(NULL);
}

/* sesame audit --enqueue | --worker: a fleet sharing the store's work queue. */
static int run_fleet(struct args *a, struct audit_opts *ao)
{
    struct audit_outcome out;
    char host[256], *id = NULL;
    bool parked = false;
    enum status st;
    int rc;

    if (a->enqueue && a->worker)
        return usage_error(a->cmd, "--enqueue fills the queue, --worker empties it: one or the "
                                   "other");
    if (a->enqueue && (a->qo.until_empty || a->qo.lease_ms || a->qo.max_attempts ||
                       a->qo.worker_id))
        return usage_error(a->cmd, "--until-empty, --lease-timeout, --max-attempts and "
                                   "--worker-id go with --worker");
    if (a->enqueue)
        st = audit_enqueue(ao);
    else if (a->targets.n || a->repos_from || a->discover.n || a->github.n || a->gitlab.n)
        return usage_error(a->cmd, "--worker audits what the queue holds: name repositories "
                                   "with --enqueue");
    else {
        if (!a->qo.lease_ms)
            a->qo.lease_ms = 300 * 1000;
        if (!a->qo.max_attempts)
            a->qo.max_attempts = 3;
        if (!a->qo.worker_id) {
            if (gethostname(host, sizeof(host)) != 0)
                strcpy(host, "localhost");
            host[sizeof(host) - 1] = '\0';
            id = xasprintf("%s:%ld", host, (long)getpid());
            a->qo.worker_id = id;
        }
        st = audit_worker(ao, &a->qo, &out, &parked);
    }
    free(id);
    if (st != STATUS_OK) {
        log_error("%s", status_message());
        return exit_for_status(st);
    }
    /* a worker's findings are in the store (sesame findings): a drained queue is a
     * success; some repository parked as failed is an incomplete run */
    rc = parked ? EXIT_IO : EXIT_CLEAN;
    return rc;
}

/* audit, findings, triage, report: the commands of the store. */
static int run_store_command(struct args *a)
{
    enum status st;

    if (a->cmd == CMD_AUDIT) {
        struct audit_opts ao;
        struct audit_outcome out;
        memset(&ao, 0, sizeof(ao));
        ao.scan = &a->cfg;
        ao.db = a->db;
        ao.repos = a->targets.v;
        ao.n_repos = a->targets.n;
        ao.repos_from = a->repos_from;
        ao.discover = a->discover.v;
        ao.n_discover = a->discover.n;
        ao.mirror_dir = a->mirror_dir;
        ao.github_orgs = a->github.v;
        ao.n_github_orgs = a->github.n;
        ao.gitlab_groups = a->gitlab.v;
        ao.n_gitlab_groups = a->gitlab.n;
        ao.api_url = a->api_url;
        ao.include_archived = a->include_archived;
        ao.include_forks = a->include_forks;
        ao.verify_max_age = a->verify_max_age;
        ao.jobs = a->cfg.threads;
        {
            const char *k = env_get(&a->env, "SESAME_STORE_KEY");
            if (k && !crypto_key32_parse(k, a->store_key))
                return usage_error(a->cmd, "SESAME_STORE_KEY must be 32 bytes: 64 hex digits "
                                           "or 44 base64 characters");
            ao.store_key = k ? a->store_key : NULL;
        }
        ao.format = a->cfg.format;
        if (strcmp(ao.format, "text") != 0 && strcmp(ao.format, "json") != 0)
            return usage_error(a->cmd, "audit prints text or json, not '%s'", ao.format);
        if (a->enqueue || a->worker)
            return run_fleet(a, &ao);
        if (a->qo.until_empty || a->qo.lease_ms || a->qo.max_attempts || a->qo.worker_id)
            return usage_error(a->cmd, "--until-empty, --lease-timeout, --max-attempts and "
                                       "--worker-id go with --worker");
        if ((st = audit_run(&ao, &out)) != STATUS_OK) {
            log_error("%s", status_message());
            return exit_for_status(st);
        }
        {
            struct scan_outcome so;
            memset(&so, 0, sizeof(so));
            so.findings = out.findings;
            so.failing = out.findings; /* an audit fails on any finding (no --fail-on) */
            so.incomplete = out.incomplete;
            so.errors = out.incomplete;
            return exit_for_outcome(&so, a->exit_zero);
        }
    }
    if (a->cmd == CMD_TRIAGE) {
        const char *by = a->by ? a->by : env_get(&a->env, "USER");
        if (a->import_baseline && !a->targets.n && !a->state)
            st = audit_import_baseline(a->db, &a->env, a->import_baseline, a->note, by,
                                       now_for(a));
        else if (a->targets.n != 1 || !a->state || a->import_baseline)
            return usage_error(a->cmd, "usage: sesame triage FINGERPRINT --state STATE "
                                       "[--note TEXT] [--by WHO], or --import-baseline FILE");
        else
            st = audit_triage(a->db, &a->env, a->targets.v[0], a->state, a->note, by,
                              now_for(a));
    } else {
        struct findings_opts_cli fo;
        size_t n = 0;
        if (a->targets.n)
            return usage_error(a->cmd, "unexpected '%s'", a->targets.v[0]);
        if (a->cmd == CMD_REPORT && !a->html)
            return usage_error(a->cmd, "usage: sesame report --html FILE [options]");
        memset(&fo, 0, sizeof(fo));
        fo.db = a->db;
        fo.env = &a->env;
        fo.format = a->cmd == CMD_REPORT ? "html" : a->cfg.format;
        fo.output = a->cmd == CMD_REPORT ? a->html : a->cfg.output;
        fo.state = a->state;
        fo.min_risk = a->min_risk;
        fo.repo = a->store_repo;
        fo.include_gone = a->include_gone;
        fo.now = now_for(a);
        st = audit_findings(&fo, &n);
    }
    if (st != STATUS_OK) {
        log_error("%s", status_message());
        return exit_for_status(st);
    }
    return EXIT_CLEAN;
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
        if (a->db && a->targets.n == 0) {
            size_t n;
            st = audit_verify_store(a->db, &a->env, &a->vo, now_for(a), &n);
            if (st == STATUS_OK)
                return EXIT_CLEAN;
            break;
        }
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
    case CMD_REMEDIATE:
        if (a->targets.n != 1 || (a->report && a->db))
            return usage_error(a->cmd, "usage: sesame remediate FINGERPRINT [--report "
                                       "REPORT.json | --db FILE|URL] [options]");
        a->ro.from_addresses = a->from.v;
        a->ro.n_from = a->from.n;
        a->ro.now = a->vo.now;
        /* without --report: the store (--db, else SESAME_DB, else ./sesame.db) */
        st = a->report ? scan_remediate(&a->cfg, a->report, a->targets.v[0], &a->ro)
                       : audit_remediate(a->db, &a->env, a->cfg.output, a->targets.v[0],
                                         &a->ro);
        if (st == STATUS_OK)
            return EXIT_CLEAN;
        break;
    case CMD_QUEUE:
        if (a->targets.n != 1 || strcmp(a->targets.v[0], "status") != 0)
            return usage_error(a->cmd, "usage: sesame queue status [--db FILE|URL] [--format "
                                       "json]");
        if (strcmp(a->cfg.format, "text") != 0 && strcmp(a->cfg.format, "json") != 0)
            return usage_error(a->cmd, "queue status prints text or json, not '%s'",
                               a->cfg.format);
        if ((st = audit_queue_status(a->db, &a->env, a->cfg.format)) == STATUS_OK)
            return EXIT_CLEAN;
        break;
    case CMD_AUDIT:
    case CMD_FINDINGS:
    case CMD_TRIAGE:
    case CMD_REPORT:
        return run_store_command(a);
    case CMD_VERSION:
        printf("sesame %s (commit %s)\n", SESAME_VERSION, SESAME_COMMIT);
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

    xalloc_init();
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
    a.verify_max_age = 24 * 3600;
    a.cfg.format = "text";
    verify_default_opts(&a.vo);
    src_archive_default_limits(&a.alim);
    hook_default_opts(&a.ho);
    cli_env_capture(&a.env); /* the only reading of the environment */
    /* libarchive converts every zip header's DOS time with mktime(), and glibc, with TZ
     * unset, stats /etc/localtime on each call to see whether it changed (an archive
     * of 2,000 members: 4,000+ stat calls, one per header read). TZ=":/etc/localtime"
     * is the same zone, read once. Nothing of ours uses local time (reports: UTC);
     * set before any thread starts (benches/RESULTS.md, archives). */
    (void)setenv("TZ", ":/etc/localtime", 0);
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
        output_habits(&a);
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
    free(a.from.v);
    free(a.discover.v);
    free(a.github.v);
    free(a.gitlab.v);
    crypto_wipe(a.store_key, sizeof(a.store_key));
    env_release(&a.env);
    return rc;
}
