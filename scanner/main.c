/*
 * main.c - argv -> config -> scan_run() / rules check; status -> exit code.
 *
 * Exit codes (documented in README.md; hooks rely on them):
 *   0 nothing found and everything read, 1 credentials found (everything read),
 *   2 usage error, 3 incomplete: something could not be read (or a history is cut short)
 *   and nothing was found, 4 corrupt input (rules file, configuration), 5 incomplete: a
 *   limit stopped reading and nothing was found, 6 verification could not run (network),
 *   7 credentials found AND the run was incomplete, 70 internal error.
 */
#include <getopt.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "hook.h"
#include "report/report.h"
#include "scan.h"
#include "source/src_archive.h"
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

/* The exit code of a scan that ran to its report: what was found, and whether
 * everything was read. --exit-zero ignores findings, never an incomplete run. */
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

static int exit_for(enum status st)
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

static const char usage_text[] =
    "usage: sesame scan [options] [PATH...]     scan files and directories (default: .)\n"
    "       sesame rules check [--rules P]      run every rule's examples\n"
    "       sesame rules list [--rules P]       list the rules\n"
    "       sesame baseline create [options] [PATH...] > .sesame-baseline.json\n"
    "       sesame verify [options] REPORT.json  verify a saved --show-secrets JSON report\n"
    "       sesame hook pre-receive|pre-push|pre-commit [--budget-ms N] [--fail-open]\n"
    "                   [--allow-bypass] [--log FILE]   run as a git hook\n"
    "       sesame install-hook [pre-commit|pre-push|pre-receive] [--repo P] [--force]\n"
    "       sesame version\n"
    "\n"
    "Scan options:\n"
    "  -f, --format FMT        report format: text (default), json, jsonl, sarif\n"
    "  -o, --output FILE       write the report to FILE\n"
    "      --rules FILE|DIR    add rules (a rule with an existing id replaces it)\n"
    "      --no-default-rules  use only the rules given with --rules\n"
    "      --exclude GLOB      skip paths matching GLOB (repeatable)\n"
    "      --include GLOB      scan only files matching GLOB (repeatable)\n"
    "      --follow-symlinks   follow symbolic links while walking\n"
    "      --show-secrets      print secret values in full (default: redacted)\n"
    "      --include-examples  also report AWS documentation example keys\n"
    "      --exit-zero         exit 0 even when credentials are found\n"
    "      --color WHEN        auto (default), always, never; NO_COLOR is honoured\n"
    "  -j, --threads N         worker threads (default: number of CPUs)\n"
    "      --no-cache          do not read or write the compiled-rules cache\n"
    "      --config FILE       repository configuration (default: PATH/.sesame.json)\n"
    "      --no-config         ignore .sesame.json\n"
    "      --baseline FILE     report only findings not in this baseline\n"
    "      --inline-allow POLICY  which sesame:allow comments count: all (default),\n"
    "                          none, ids (bare key IDs only)\n"
    "      --explain           show the factors behind each finding's risk score\n"
    "      --no-archives       do not open zip, jar, tar, gz, xz, zst, 7z, ... archives\n"
    "      --max-archive-depth N     nesting depth opened (default 3)\n"
    "      --max-archive-bytes N     uncompressed bytes per archive (default 1 GiB)\n"
    "      --max-archive-members N   members per archive (default 100000)\n"
    "      --max-archive-ratio N     uncompressed/compressed ratio (default 200)\n";

static const char usage_text2[] =
    "\n"
    "Verification (opt-in, read-only; never sends mail):\n"
    "      --verify            check which credentials are live (STS), when and for what\n"
    "                          they were last used (IAM), their SES sending state, and\n"
    "                          SES SMTP passwords (SMTP AUTH, never MAIL FROM)\n"
    "      --verify-concurrency N   requests in flight (default 8)\n"
    "      --verify-timeout-ms N    per request (default 10000)\n"
    "      --verify-rate N          requests per second per AWS service (default 100,\n"
    "                               halved whenever AWS throttles)\n"
    "      --skip-accounts A,B      never contact keys of these AWS accounts\n"
    "      --ses-regions R,S        also read SES state in these regions (the client\n"
    "                               region is the fallback only when none is known)\n"
    "      --audit-profile NAME     your own AWS profile for IAM look-ups\n"
    "      --no-smtp-check          do not try SMTP passwords\n"
    "  -q, --quiet             no warnings or progress on stderr\n"
    "\n"
    "Git repositories (a PATH that is a work tree root, a .git directory or a bare\n"
    "repository) are scanned with their whole history: every blob reachable from any\n"
    "ref, once, plus uncommitted, untracked and ignored files of the work tree.\n"
    "      --no-history        scan the checked-out files only, as a plain directory\n"
    "      --all-objects       also unreachable objects (rewritten history, dropped stashes)\n"
    "      --rev-range A..B    only what the commits in A..B introduced (CI on a PR)\n"
    "      --since-commit C    the same as --rev-range C..HEAD\n"
    "      --staged            only the staged changes (index against HEAD; pre-commit)\n"
    "      --allow-shallow     a shallow clone's truncated history is not an incomplete\n"
    "                          scan (it is still said)\n"
    "\n"
    "Exit codes: 0 nothing found and everything read; 1 credentials found; 2 usage error;\n"
    "3 incomplete, nothing found: an input could not be read or a git history is\n"
    "truncated (shallow); 4 corrupt input (rules, configuration); 5 incomplete, nothing\n"
    "found: a limit stopped reading; 6 verification could not run; 7 credentials found\n"
    "and the run was incomplete; 70 internal error.\n";

enum {
    OPT_RULES = 256,
    OPT_NO_DEFAULT_RULES,
    OPT_EXCLUDE,
    OPT_INCLUDE,
    OPT_FOLLOW,
    OPT_SHOW,
    OPT_EXAMPLES,
    OPT_EXIT_ZERO,
    OPT_COLOR,
    OPT_NO_CACHE,
    OPT_NO_HISTORY,
    OPT_ALL_OBJECTS,
    OPT_STAGED,
    OPT_REV_RANGE,
    OPT_SINCE_COMMIT,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_BASELINE,
    OPT_VERIFY,
    OPT_VERIFY_CONCURRENCY,
    OPT_SKIP_ACCOUNTS,
    OPT_SES_REGIONS,
    OPT_AUDIT_PROFILE,
    OPT_NO_SMTP_CHECK,
    OPT_VERIFY_TIMEOUT,
    OPT_VERIFY_RATE,
    OPT_EXPLAIN,
    OPT_NO_ARCHIVES,
    OPT_ARCHIVE_DEPTH,
    OPT_ARCHIVE_BYTES,
    OPT_ARCHIVE_MEMBERS,
    OPT_ARCHIVE_RATIO,
    OPT_INLINE_ALLOW,
    OPT_ALLOW_SHALLOW,
};

static const struct option long_opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "rules", required_argument, NULL, OPT_RULES },
    { "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
    { "exclude", required_argument, NULL, OPT_EXCLUDE },
    { "include", required_argument, NULL, OPT_INCLUDE },
    { "follow-symlinks", no_argument, NULL, OPT_FOLLOW },
    { "show-secrets", no_argument, NULL, OPT_SHOW },
    { "include-examples", no_argument, NULL, OPT_EXAMPLES },
    { "exit-zero", no_argument, NULL, OPT_EXIT_ZERO },
    { "color", required_argument, NULL, OPT_COLOR },
    { "threads", required_argument, NULL, 'j' },
    { "no-cache", no_argument, NULL, OPT_NO_CACHE },
    { "quiet", no_argument, NULL, 'q' },
    { "no-history", no_argument, NULL, OPT_NO_HISTORY },
    { "all-objects", no_argument, NULL, OPT_ALL_OBJECTS },
    { "staged", no_argument, NULL, OPT_STAGED },
    { "rev-range", required_argument, NULL, OPT_REV_RANGE },
    { "since-commit", required_argument, NULL, OPT_SINCE_COMMIT },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "no-config", no_argument, NULL, OPT_NO_CONFIG },
    { "baseline", required_argument, NULL, OPT_BASELINE },
    { "verify", no_argument, NULL, OPT_VERIFY },
    { "verify-concurrency", required_argument, NULL, OPT_VERIFY_CONCURRENCY },
    { "verify-timeout-ms", required_argument, NULL, OPT_VERIFY_TIMEOUT },
    { "verify-rate", required_argument, NULL, OPT_VERIFY_RATE },
    { "skip-accounts", required_argument, NULL, OPT_SKIP_ACCOUNTS },
    { "ses-regions", required_argument, NULL, OPT_SES_REGIONS },
    { "audit-profile", required_argument, NULL, OPT_AUDIT_PROFILE },
    { "no-smtp-check", no_argument, NULL, OPT_NO_SMTP_CHECK },
    { "explain", no_argument, NULL, OPT_EXPLAIN },
    { "no-archives", no_argument, NULL, OPT_NO_ARCHIVES },
    { "max-archive-depth", required_argument, NULL, OPT_ARCHIVE_DEPTH },
    { "max-archive-bytes", required_argument, NULL, OPT_ARCHIVE_BYTES },
    { "max-archive-members", required_argument, NULL, OPT_ARCHIVE_MEMBERS },
    { "max-archive-ratio", required_argument, NULL, OPT_ARCHIVE_RATIO },
    { "inline-allow", required_argument, NULL, OPT_INLINE_ALLOW },
    { "allow-shallow", no_argument, NULL, OPT_ALLOW_SHALLOW },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

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

FORMAT(1, 2) static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "sesame: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'sesame --help')\n");
    return EXIT_USAGE;
}

/* Parse options shared by all commands into cfg; positional arguments into targets. */
static int parse(int argc, char **argv, struct scan_config *cfg, struct strv *targets,
                 struct strv *rules, struct strv *excl, struct strv *incl, bool *exit_zero,
                 struct verify_opts *vo, struct strv *skip, struct strv *ses,
                 struct archive_limits *alim)
{
    int c;
    char *end;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:o:j:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'f': cfg->format = optarg; break;
        case 'o': cfg->output = optarg; break;
        case 'j': {
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256)
                return usage_error("--threads takes a number from 1 to 256, not '%s'", optarg);
            cfg->threads = (unsigned)n;
            break;
        }
        case 'q': cfg->quiet = true; break;
        case 'h': fputs(usage_text, stdout); fputs(usage_text2, stdout); exit(EXIT_CLEAN);
        case OPT_RULES: strv_push(rules, optarg); break;
        case OPT_NO_DEFAULT_RULES: cfg->no_default_rules = true; break;
        case OPT_EXCLUDE: strv_push(excl, optarg); break;
        case OPT_INCLUDE: strv_push(incl, optarg); break;
        case OPT_FOLLOW: cfg->fs.follow_symlinks = true; break;
        case OPT_SHOW: cfg->show_secrets = true; break;
        case OPT_EXAMPLES: cfg->include_examples = true; break;
        case OPT_EXIT_ZERO: *exit_zero = true; break;
        case OPT_NO_CACHE: cfg->no_cache = true; break;
        case OPT_NO_HISTORY: cfg->no_history = true; break;
        case OPT_ALL_OBJECTS: cfg->all_objects = true; break;
        case OPT_ALLOW_SHALLOW: cfg->allow_shallow = true; break;
        case OPT_STAGED: cfg->staged = true; break;
        case OPT_REV_RANGE: cfg->rev_range = optarg; break;
        case OPT_SINCE_COMMIT: cfg->since_commit = optarg; break;
        case OPT_CONFIG: cfg->config_path = optarg; break;
        case OPT_NO_CONFIG: cfg->no_config = true; break;
        case OPT_BASELINE: cfg->baseline_path = optarg; break;
        case OPT_VERIFY: cfg->verify = true; break;
        case OPT_EXPLAIN: cfg->explain = true; break;
        case OPT_NO_ARCHIVES: cfg->no_archives = true; break;
        case OPT_ARCHIVE_DEPTH:
        case OPT_ARCHIVE_BYTES:
        case OPT_ARCHIVE_MEMBERS:
        case OPT_ARCHIVE_RATIO: {
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || n < 1 || optarg[0] == '-')
                return usage_error("%s takes a positive number, not '%s'", argv[optind - 1],
                                   optarg);
            if (c == OPT_ARCHIVE_DEPTH)
                alim->max_depth = n > 64 ? 64 : (unsigned)n;
            else if (c == OPT_ARCHIVE_BYTES)
                alim->max_total_bytes = n;
            else if (c == OPT_ARCHIVE_MEMBERS)
                alim->max_members = n;
            else
                alim->max_ratio = (double)n;
            break;
        }
        case OPT_VERIFY_CONCURRENCY:
        case OPT_VERIFY_RATE:
        case OPT_VERIFY_TIMEOUT: {
            long n = strtol(optarg, &end, 10);
            long max = c == OPT_VERIFY_CONCURRENCY ? 256 : c == OPT_VERIFY_RATE ? 100000 : 600000;
            if (*end || n < 1 || n > max)
                return usage_error("%s takes a number from 1 to %ld, not '%s'",
                                   argv[optind - 1], max, optarg);
            if (c == OPT_VERIFY_CONCURRENCY)
                vo->concurrency = (unsigned)n;
            else if (c == OPT_VERIFY_RATE)
                vo->rate_per_service = (unsigned)n;
            else
                vo->timeout_ms = (unsigned)n;
            break;
        }
        case OPT_SKIP_ACCOUNTS:
        case OPT_SES_REGIONS: {
            struct strv *sv = c == OPT_SKIP_ACCOUNTS ? skip : ses;
            for (char *tok = optarg; tok && *tok;) {
                char *comma = strchr(tok, ',');
                if (comma)
                    *comma = '\0';
                if (*tok)
                    strv_push(sv, tok);
                tok = comma ? comma + 1 : NULL;
            }
            break;
        }
        case OPT_AUDIT_PROFILE: vo->audit_profile = optarg; break;
        case OPT_NO_SMTP_CHECK: vo->no_smtp = true; break;
        case OPT_INLINE_ALLOW:
            if (strcmp(optarg, "all") == 0)
                cfg->inline_allow = INLINE_ALLOW_ALL;
            else if (strcmp(optarg, "none") == 0)
                cfg->inline_allow = INLINE_ALLOW_NONE;
            else if (strcmp(optarg, "ids") == 0)
                cfg->inline_allow = INLINE_ALLOW_IDS;
            else
                return usage_error("--inline-allow takes all, none or ids, not '%s'", optarg);
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                cfg->color = COLOR_AUTO;
            else if (strcmp(optarg, "always") == 0)
                cfg->color = COLOR_ALWAYS;
            else if (strcmp(optarg, "never") == 0)
                cfg->color = COLOR_NEVER;
            else
                return usage_error("--color takes auto, always or never, not '%s'", optarg);
            break;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++)
        strv_push(targets, argv[i]);
    return -1;
}

int main(int argc, char **argv)
{
    struct scan_config cfg;
    struct strv targets = { 0 }, rules = { 0 }, excl = { 0 }, incl = { 0 }, skip = { 0 },
                ses = { 0 };
    struct verify_opts vo;
    struct archive_limits alim;
    bool exit_zero = false;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int rc;
    enum status st;

    memset(&cfg, 0, sizeof(cfg));
    cfg.format = "text";
    git_libgit2_init();
    /* sesame only reads objects: it runs no hooks, filters or config commands, so a
     * repository owned by another user (CI checkouts, audits) is safe to open. */
    (void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    /* Like `git cat-file`, do not re-hash every object read: the SHA-1 check was 43% of
     * the time spent reading history (benches/RESULTS.md). Corruption still fails zlib. */
    (void)git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
#ifdef M_MMAP_THRESHOLD
    /* Blobs of a few MB are inflated one after another: keep such buffers in the heap
     * instead of mapping and unmapping (and page-faulting) each (benches/RESULTS.md). */
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    if (!cmd || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, cmd ? stdout : stderr);
        fputs(usage_text2, cmd ? stdout : stderr);
        git_libgit2_shutdown();
        return cmd ? EXIT_CLEAN : EXIT_USAGE;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sesame %s\n", SESAME_VERSION);
        git_libgit2_shutdown();
        return EXIT_CLEAN;
    }
    if (strcmp(cmd, "hook") == 0 || strcmp(cmd, "install-hook") == 0) {
        rc = strcmp(cmd, "hook") == 0 ? hook_main(argc - 1, argv + 1)
                                      : hook_install_main(argc - 1, argv + 1);
        git_libgit2_shutdown();
        return rc;
    }
    if (strcmp(cmd, "scan") != 0 && strcmp(cmd, "rules") != 0 && strcmp(cmd, "baseline") != 0 &&
        strcmp(cmd, "verify") != 0) {
        git_libgit2_shutdown();
        return usage_error("unknown command '%s'", cmd);
    }

    verify_default_opts(&vo);
    src_archive_default_limits(&alim);
    if ((rc = parse(argc - 1, argv + 1, &cfg, &targets, &rules, &excl, &incl, &exit_zero, &vo,
                    &skip, &ses, &alim)) >= 0)
        goto done;
    cfg.archive_limits = &alim;
    vo.skip_accounts = skip.v;
    vo.n_skip_accounts = skip.n;
    vo.ses_regions = ses.v;
    vo.n_ses_regions = ses.n;
    {
        const char *fixed = getenv("SESAME_FIXED_TIME");
        if (fixed && *fixed)
            vo.now = strtoll(fixed, NULL, 10);
    }
    cfg.verify_opts = &vo;
    cfg.rule_paths = rules.v;
    cfg.n_rule_paths = rules.n;
    cfg.fs.excludes = excl.v;
    cfg.fs.n_excludes = excl.n;
    cfg.fs.includes = incl.v;
    cfg.fs.n_includes = incl.n;
    log_set_quiet(cfg.quiet);

    if (strcmp(cmd, "rules") == 0) {
        const char *sub = targets.n ? targets.v[0] : NULL;
        if (sub && strcmp(sub, "check") == 0 && targets.n == 1) {
            size_t failures = 0, checked = 0;
            st = scan_rules_check(&cfg, &failures, &checked);
            if (st == STATUS_OK) {
                printf("%zu examples checked: %zu passed, %zu failed\n", checked,
                       checked - failures, failures);
                rc = failures ? EXIT_FOUND : EXIT_CLEAN;
                goto done;
            }
        } else if (sub && strcmp(sub, "list") == 0 && targets.n == 1) {
            st = scan_rules_list(&cfg);
        } else {
            rc = usage_error("usage: sesame rules check|list [--rules PATH]");
            goto done;
        }
    } else if (strcmp(cmd, "verify") == 0) {
        struct scan_outcome outcome;
        if (targets.n != 1) {
            rc = usage_error("usage: sesame verify [options] REPORT.json (a report written "
                             "with --format json --show-secrets)");
            goto done;
        }
        st = scan_verify_report(&cfg, targets.v[0], &outcome);
        if (st == STATUS_OK) {
            rc = outcome.findings && !exit_zero ? EXIT_FOUND : EXIT_CLEAN;
            goto done;
        }
    } else if (strcmp(cmd, "baseline") == 0) {
        struct scan_outcome outcome;
        static const char *const dot[] = { ".", NULL };
        if (!targets.n || strcmp(targets.v[0], "create") != 0) {
            rc = usage_error("usage: sesame baseline create [options] [PATH...]");
            goto done;
        }
        cfg.targets = targets.n > 1 ? targets.v + 1 : dot;
        cfg.n_targets = targets.n > 1 ? targets.n - 1 : 1;
        cfg.format = "baseline";
        cfg.baseline_path = NULL;
        st = scan_run(&cfg, &outcome);
        if (st == STATUS_OK) {
            rc = exit_for_outcome(&outcome, true);
            scan_outcome_release(&outcome);
            goto done;
        }
    } else {
        struct scan_outcome outcome;
        static const char *const dot[] = { ".", NULL };
        cfg.targets = targets.n ? targets.v : dot;
        cfg.n_targets = targets.n ? targets.n : 1;
        st = scan_run(&cfg, &outcome);
        if (st == STATUS_OK) {
            rc = exit_for_outcome(&outcome, exit_zero);
            scan_outcome_release(&outcome);
            goto done;
        }
    }
    if (st != STATUS_OK)
        log_error("%s", status_message());
    rc = exit_for(st);
done:
    git_libgit2_shutdown();
    free(targets.v);
    free(rules.v);
    free(excl.v);
    free(incl.v);
    free(skip.v);
    free(ses.v);
    return rc;
}
