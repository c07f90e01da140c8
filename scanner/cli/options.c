/*
 * cli/options.c - the tables of cli/options.h and what is generated from them: getopt
 * arrays, help text per command, the man page and shell completions.
 */
#include "cli/options.h"

#include <stdlib.h>
#include <string.h>

#include "base/env.h"
#include "base/xalloc.h"

#define S_OUT "Output"
#define S_WHAT "What to scan"
#define S_GIT "Git repositories"
#define S_ARCH "Archives"
#define S_SUPP "Suppression"
#define S_RULES "Rules"
#define S_VERIFY "Verification (opt-in, read-only; never sends mail)"
#define S_SELECT "Which findings to show, and which fail the run"
#define S_HOOK "Hook policy"
#define S_INSTALL "Installation"
#define S_REMEDIATE "Remediation (prints commands; changes nothing)"
#define S_STORE "Audit store"
#define S_FLEET "Fleet: a work queue in the store (PostgreSQL, or SQLite on one machine)"
#define S_GEN "General"

const struct cli_opt cli_opts[] = {
    { OPT_FORMAT, "format", 'f', "FMT", C_SCAN | C_VERIFY | C_AUDIT | C_FINDINGS | C_QUEUE, S_OUT,
      "report format: text (default), json, jsonl, sarif,\ngitlab (GitLab Secret Detection "
      "report); audit, queue: text, json;\nfindings: text, json, jsonl, csv, sarif, html" },
    { OPT_OUTPUT, "output", 'o', "FILE", C_SCAN | C_BASELINE | C_VERIFY | C_REMEDIATE | C_FINDINGS,
      S_OUT,
      "write the report to FILE (the summary line still goes to stderr);\nwithout -f, "
      "the format follows the name: .json, .jsonl, .sarif,\n"
      "gl-secret-detection-report.json (gitlab), .txt" },
    { OPT_SHOW, "show-secrets", 0, NULL, C_SCAN | C_VERIFY | C_HOOK, S_OUT,
      "print secret values in full (default: redacted)" },
    { OPT_EXPLAIN, "explain", 0, NULL, C_SCAN | C_VERIFY, S_OUT,
      "show the factors behind each finding's risk score" },
    { OPT_COLOR, "color", 0, "WHEN", C_SCAN | C_VERIFY, S_OUT,
      "auto (default), always, never; NO_COLOR is honoured" },
    { OPT_EXIT_ZERO, "exit-zero", 0, NULL, C_SCAN | C_VERIFY | C_AUDIT, S_OUT,
      "exit 0 even when credentials are found (never for an incomplete run)" },
    { OPT_QUIET, "quiet", 'q', NULL, C_SCAN | C_BASELINE | C_VERIFY | C_RULES | C_AUDIT, S_OUT,
      "no warnings, progress or summary on stderr (the report still\nlists them)" },
    { OPT_PROGRESS, "progress", 0, NULL, C_SCAN | C_BASELINE, S_OUT,
      "show progress on stderr (history planning: commits of total;\nreading: inputs, "
      "percentage, ETA) even when it is not a terminal" },
    { OPT_NO_PROGRESS, "no-progress", 0, NULL, C_SCAN | C_BASELINE, S_OUT,
      "never show progress (default: on a terminal, without -q)" },

    { OPT_EXCLUDE, "exclude", 0, "GLOB", C_SCAN | C_BASELINE, S_WHAT,
      "skip paths matching GLOB (repeatable; without '/', matches base names)" },
    { OPT_INCLUDE, "include", 0, "GLOB", C_SCAN | C_BASELINE, S_WHAT,
      "scan only files matching GLOB (repeatable)" },
    { OPT_FOLLOW, "follow-symlinks", 0, NULL, C_SCAN | C_BASELINE, S_WHAT,
      "follow symbolic links while walking" },
    { OPT_EXAMPLES, "include-examples", 0, NULL, C_SCAN | C_BASELINE | C_AUDIT, S_WHAT,
      "also report AWS documentation example keys" },
    { OPT_THREADS, "threads", 'j', "N", C_SCAN | C_BASELINE | C_AUDIT, S_WHAT,
      "worker threads (default: number of CPUs); audit: up to N\nrepositories at once, "
      "sharing N threads" },

    { OPT_NO_HISTORY, "no-history", 0, NULL, C_SCAN | C_BASELINE, S_GIT,
      "scan a repository's checked-out files only, as a plain directory" },
    { OPT_ALL_OBJECTS, "all-objects", 0, NULL, C_SCAN | C_BASELINE, S_GIT,
      "also unreachable objects (rewritten history, dropped stashes)" },
    { OPT_REV_RANGE, "rev-range", 0, "A..B", C_SCAN | C_BASELINE, S_GIT,
      "only what the commits in A..B introduced (CI on a pull request)" },
    { OPT_SINCE_COMMIT, "since-commit", 0, "C", C_SCAN | C_BASELINE, S_GIT,
      "the same as --rev-range C..HEAD" },
    { OPT_STAGED, "staged", 0, NULL, C_SCAN | C_BASELINE, S_GIT,
      "only the staged changes (index against HEAD; pre-commit)" },
    { OPT_ALLOW_SHALLOW, "allow-shallow", 0, NULL, C_SCAN | C_BASELINE | C_AUDIT, S_GIT,
      "a shallow clone's truncated history is not an incomplete scan\n(it is still said)" },

    { OPT_NO_ARCHIVES, "no-archives", 0, NULL, C_SCAN | C_BASELINE | C_AUDIT, S_ARCH,
      "do not open zip, jar, tar, gz, xz, zst, 7z, ... archives" },
    { OPT_ARCHIVE_DEPTH, "max-archive-depth", 0, "N", C_SCAN | C_BASELINE, S_ARCH,
      "nesting depth opened (default 3)" },
    { OPT_ARCHIVE_BYTES, "max-archive-bytes", 0, "N", C_SCAN | C_BASELINE, S_ARCH,
      "uncompressed bytes per archive (default 1 GiB)" },
    { OPT_ARCHIVE_MEMBERS, "max-archive-members", 0, "N", C_SCAN | C_BASELINE, S_ARCH,
      "members per archive (default 100000)" },
    { OPT_ARCHIVE_RATIO, "max-archive-ratio", 0, "N", C_SCAN | C_BASELINE, S_ARCH,
      "uncompressed/compressed ratio (default 200)" },

    { OPT_CONFIG, "config", 0, "FILE", C_SCAN | C_BASELINE, S_SUPP,
      "configuration for every target (default: SESAME_CONFIG, else each\ntarget's "
      ".sesame.json or the nearest above it in its repository)" },
    { OPT_NO_CONFIG, "no-config", 0, NULL, C_SCAN | C_BASELINE, S_SUPP,
      "ignore .sesame.json" },
    { OPT_BASELINE, "baseline", 0, "FILE", C_SCAN, S_SUPP,
      "report only findings not in this baseline" },
    { OPT_INLINE_ALLOW, "inline-allow", 0, "POLICY", C_SCAN | C_BASELINE | C_HOOK | C_AUDIT, S_SUPP,
      "which sesame:allow comments count: all, none, ids (bare key IDs\nonly); default all, "
      "and none for hook pre-receive" },

    { OPT_RULES, "rules", 0, "FILE|DIR", C_SCAN | C_BASELINE | C_RULES | C_HOOK | C_AUDIT,
      S_RULES,
      "add rules (a rule with an existing id replaces it)" },
    { OPT_NO_DEFAULT_RULES, "no-default-rules", 0, NULL, C_SCAN | C_BASELINE | C_RULES | C_AUDIT,
      S_RULES, "use only the rules given with --rules" },
    { OPT_NO_CACHE, "no-cache", 0, NULL, C_SCAN | C_BASELINE | C_RULES | C_AUDIT, S_RULES,
      "do not read or write the compiled-rules cache" },
    { OPT_KNOWN_KEYS, "known-keys", 0, "FILE", C_SCAN | C_BASELINE, S_RULES,
      "the organisation's key IDs (aws iam list-access-keys JSON, CSV\nuser,access_key_id"
      "[,status], or one key ID a line): found as literals,\nreported with user and status, "
      "ranked as yours; never contacts AWS" },
    { OPT_ACCOUNTS, "accounts", 0, "FILE", C_SCAN | C_BASELINE, S_RULES,
      "the organisation's account IDs (one a line, or a JSON array):\nevery decoded key ID "
      "is then classified own or foreign" },

    { OPT_VERIFY, "verify", 0, NULL, C_SCAN | C_AUDIT, S_VERIFY,
      "check which credentials are live (STS), when and for what they\nwere last used "
      "(IAM), their SES sending state, and SES SMTP\npasswords (SMTP AUTH, never MAIL FROM)" },
    { OPT_VERIFY_CONCURRENCY, "verify-concurrency", 0, "N", C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "requests in flight (default 8)" },
    { OPT_VERIFY_TIMEOUT, "verify-timeout-ms", 0, "N", C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "per request (default 10000)" },
    { OPT_VERIFY_RATE, "verify-rate", 0, "N", C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "requests per second per AWS account and service (default\n100, halved whenever AWS "
      "throttles that account; SES quota and\nstatistics calls: 1 per second per account and "
      "region, as\nAWS documents; per process: per worker in a fleet)" },
    { OPT_SKIP_ACCOUNTS, "skip-accounts", 0, "A,B", C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "never contact keys of these AWS accounts" },
    { OPT_SES_REGIONS, "ses-regions", 0, "R,S", C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "also read SES state in these regions (the client region is the\nfallback only "
      "when none is known)" },
    { OPT_AUDIT_PROFILE, "audit-profile", 0, "NAME", C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "your own AWS profile for IAM look-ups" },
    { OPT_NO_SMTP_CHECK, "no-smtp-check", 0, NULL, C_SCAN | C_VERIFY | C_AUDIT, S_VERIFY,
      "do not try SMTP passwords" },

    { OPT_RESULTS, "results", 0, "LIST", C_SCAN | C_VERIFY, S_SELECT,
      "show only these verification results: live, invalid\n(also wrong_secret, expired), "
      "unknown, unverified (not checked\nor skipped), all; comma-separated" },
    { OPT_ONLY_VERIFIED, "only-verified", 0, NULL, C_SCAN | C_VERIFY, S_SELECT,
      "--verify --results live: show only live credentials" },
    { OPT_MIN_RISK, "min-risk", 0, "N", C_SCAN | C_VERIFY | C_FINDINGS | C_REPORT, S_SELECT,
      "show only findings with a risk score of at least N (0-100)" },
    { OPT_FAIL_ON, "fail-on", 0, "WHEN", C_SCAN | C_VERIFY, S_SELECT,
      "what makes the exit code 1: any (default: any finding shown),\nlive (a live "
      "credential; needs --verify), risk:N (a score of\nat least N), or a tier: critical, "
      "high, medium, low" },

    { OPT_BUDGET_MS, "budget-ms", 0, "N", C_HOOK, S_HOOK,
      "stop scanning after N ms (default 4000); then --fail-open or\n--fail-closed decides" },
    { OPT_FAIL_OPEN, "fail-open", 0, NULL, C_HOOK, S_HOOK,
      "accept the push when the scan is incomplete (logged)" },
    { OPT_FAIL_CLOSED, "fail-closed", 0, NULL, C_HOOK, S_HOOK,
      "reject the push when the scan is incomplete (the default)" },
    { OPT_ALLOW_BYPASS, "allow-bypass", 0, NULL, C_HOOK, S_HOOK,
      "honour `git push -o sesame.skip=REASON` (audited)" },
    { OPT_LOG, "log", 0, "FILE", C_HOOK, S_HOOK,
      "append every decision to this audit log" },

    { OPT_REPO, "repo", 0, "PATH", C_INSTALL, S_INSTALL,
      "the repository (default: .); core.hooksPath is respected" },
    { OPT_FORCE, "force", 0, NULL, C_INSTALL, S_INSTALL,
      "replace a hook that is not sesame's (kept as NAME.sesame-backup)" },

    { OPT_REPORT, "report", 0, "FILE", C_REMEDIATE, S_REMEDIATE,
      "the JSON report that holds the finding (redacted is fine; run\nwith --verify for "
      "user, region, identities and SES state);\nwithout it, the audit store (--db)" },
    { OPT_FROM_ADDRESS, "from-address", 0, "ADDR", C_REMEDIATE, S_REMEDIATE,
      "a sender the replacement may use (ses:FromAddress; repeatable;\ndefault: the "
      "senders named next to the key, else the address\nidentities seen, else a "
      "placeholder)" },
    { OPT_SOURCE_IP, "source-ip", 0, "CIDR", C_REMEDIATE, S_REMEDIATE,
      "also restrict the replacement to this aws:SourceIp" },
    { OPT_POLICY_ONLY, "policy-only", 0, NULL, C_REMEDIATE, S_REMEDIATE,
      "print only the least-privilege policy JSON (SES senders)" },
    { OPT_DB, "db", 0, "FILE|URL", C_STORE | C_VERIFY | C_REMEDIATE, S_STORE,
      "the audit store (default: $SESAME_DB, else ./sesame.db; created\nwith mode 0600), or "
      "a PostgreSQL server shared by many\nauditors: postgresql://USER@HOST/DB (libpq's "
      "PG* variables\nand service file apply; cannot connect: exit 6)" },
    { OPT_REPOS_FROM, "repos-from", 0, "FILE", C_AUDIT, S_STORE,
      "audit the repositories listed in FILE (one path or URL a line,\n'#' comments; - for stdin)" },
    { OPT_DISCOVER, "discover", 0, "DIR", C_AUDIT, S_STORE,
      "audit every repository under DIR, bare or not (repeatable)" },
    { OPT_GITHUB_ORG, "github-org", 0, "ORG", C_AUDIT, S_STORE,
      "audit every repository of this GitHub organisation (API; token\nfrom GITHUB_TOKEN; "
      "repeatable)" },
    { OPT_GITLAB_GROUP, "gitlab-group", 0, "GROUP", C_AUDIT, S_STORE,
      "audit every project of this GitLab group and its subgroups (API;\ntoken from "
      "GITLAB_TOKEN; repeatable)" },
    { OPT_API_URL, "api-url", 0, "URL", C_AUDIT, S_STORE,
      "the forge's API: GitHub Enterprise Server (https://HOST/api/v3) or\nself-managed "
      "GitLab (https://HOST/api/v4)" },
    { OPT_INCLUDE_ARCHIVED, "include-archived", 0, NULL, C_AUDIT, S_STORE,
      "also archived repositories of --github-org / --gitlab-group" },
    { OPT_INCLUDE_FORKS, "include-forks", 0, NULL, C_AUDIT, S_STORE,
      "also forks of --github-org / --gitlab-group" },
    { OPT_MIRROR_DIR, "mirror-dir", 0, "DIR", C_AUDIT, S_STORE,
      "where URLs are mirrored (git fetch --prune into a bare mirror;\ndefault ./sesame-mirrors)" },
    { OPT_VERIFY_MAX_AGE, "verify-max-age", 0, "AGE", C_AUDIT, S_STORE,
      "with --verify: reuse a stored verification younger than AGE\n(default 24h; "
      "N, Ns, Nm, Nh, Nd; 0: always verify)" },
    { OPT_ENQUEUE, "enqueue", 0, NULL, C_AUDIT, S_FLEET,
      "put the repositories named (PATH..., --repos-from, --discover,\n--github-org, "
      "--gitlab-group) in the store's work queue for\n--worker processes instead of auditing "
      "them; again: no duplicate,\na done or failed one is queued again (a re-audit)" },
    { OPT_WORKER, "worker", 0, NULL, C_AUDIT, S_FLEET,
      "audit repositories claimed from the store's work queue, one at a\ntime, until "
      "stopped (or --until-empty); run as many as you like,\non as many machines" },
    { OPT_UNTIL_EMPTY, "until-empty", 0, NULL, C_AUDIT, S_FLEET,
      "--worker: exit once nothing is pending or running (exit 0 when\nevery repository is "
      "done, 3 when some are parked as failed)" },
    { OPT_LEASE_TIMEOUT, "lease-timeout", 0, "SECONDS", C_AUDIT, S_FLEET,
      "--worker: a claim lasts this long unless renewed (every third of\nit); a worker that "
      "died loses its repository after it (default 300)" },
    { OPT_MAX_ATTEMPTS, "max-attempts", 0, "N", C_AUDIT, S_FLEET,
      "--worker: a repository claimed N times without success is parked\nas failed with its "
      "error (default 3)" },
    { OPT_WORKER_ID, "worker-id", 0, "NAME", C_AUDIT, S_FLEET,
      "--worker: the name shown in sesame queue status (default host:pid)" },
    { OPT_IMPORT_BASELINE, "import-baseline", 0, "FILE", C_TRIAGE, S_STORE,
      "mark every open finding of this baseline accepted_risk" },
    { OPT_STATE, "state", 0, "STATE", C_TRIAGE | C_FINDINGS | C_REPORT, S_STORE,
      "open, false_positive, revoked, accepted_risk (triage: the new\nstate; findings: only "
      "those)" },
    { OPT_NOTE, "note", 0, "TEXT", C_TRIAGE, S_STORE, "why (kept in the finding's history)" },
    { OPT_BY, "by", 0, "WHO", C_TRIAGE, S_STORE, "who decided (default: $USER)" },
    { OPT_STORE_REPO, "repo", 0, "PATH", C_FINDINGS | C_REPORT, S_STORE,
      "only findings seen in this repository (its path as audited)" },
    { OPT_INCLUDE_GONE, "include-gone", 0, NULL, C_FINDINGS | C_REPORT, S_STORE,
      "also findings whose every occurrence is gone (history rewritten)" },
    { OPT_HTML, "html", 0, "FILE", C_REPORT, S_STORE,
      "write the self-contained HTML report to FILE" },

    { OPT_HELP, "help", 'h', NULL, C_ALL, S_GEN, "show this help" },
};

const size_t cli_n_opts = sizeof(cli_opts) / sizeof(cli_opts[0]);

const struct cli_cmd_doc cli_cmds[CMD_COUNT] = {
    [CMD_SCAN] = { "scan", "[options] [PATH...]",
                   "scan files, directories, git repositories or - (stdin)",
                   "A PATH that is a git repository (a work tree root, a .git directory or a\n"
                   "bare repository) is scanned with its whole history: every blob reachable\n"
                   "from any ref, once, plus the uncommitted, untracked and ignored files of\n"
                   "the work tree. A container image (docker save tarball, OCI image layout\n"
                   "directory or tar) is read by layers: IMAGE!LAYER-DIGEST!path, files a\n"
                   "later layer deleted included, each layer once, the config's Env too.\n"
                   "Without PATH, the current directory." },
    [CMD_BASELINE] = { "baseline", "create [options] [PATH...] > .sesame-baseline.json",
                       "record today's findings, so that later scans report only new ones",
                       "Writes the fingerprint of each finding and the parts it has (hashes,\n"
                       "no secret values); pass it with --baseline or \"baseline\" in\n"
                       ".sesame.json." },
    [CMD_VERIFY] = { "verify", "[options] REPORT.json | --db FILE|URL",
                     "verify a saved report written with --format json --show-secrets",
                     "Checks every distinct credential once, read-only, ranks the findings\n"
                     "and writes a new report. With --db: the audit store's findings, from\n"
                     "the secret values sealed with SESAME_STORE_KEY; results are stored." },
    [CMD_RULES] = { "rules", "check|list [--rules PATH]",
                    "run every rule's examples, or list the rules",
                    "check runs each rule's examples and negative examples through the\n"
                    "whole pipeline; list prints id, kind, confidence and name." },
    [CMD_HOOK] = { "hook", "pre-receive|pre-push|pre-commit [options]",
                   "run as a git hook: scan only what is being pushed or committed",
                   "pre-receive reads the pushed ref updates on stdin and scans the pushed\n"
                   "objects in git's quarantine; pre-push scans the commits the remote\n"
                   "lacks; pre-commit the staged changes. Exit 0 accepts, 1 rejects." },
    [CMD_INSTALL_HOOK] = { "install-hook", "[pre-commit|pre-push|pre-receive] [options]",
                           "write a small hook script that runs sesame",
                           "Never overwrites a hook that is not sesame's without --force." },
    [CMD_REMEDIATE] = { "remediate", "FINGERPRINT [--report REPORT.json | --db FILE|URL] [options]",
                        "print the steps and AWS CLI commands to retire one leaked key",
                        "Replace, deploy, deactivate, watch, delete; SMTP credentials; the SES\n"
                        "sending pause; open sending policies; the AWS notices to look for;\n"
                        "and a least-privilege IAM policy for an SES sender's replacement.\n"
                        "FINGERPRINT may be a unique prefix (4+ hex digits) or the key ID.\n"
                        "The finding comes from a saved JSON report (--report) or, without\n"
                        "--report, from the audit store (--db, else $SESAME_DB, else\n"
                        "./sesame.db) with its last stored verification.\n"
                        "Nothing is run and nothing in AWS changes." },
    [CMD_AUDIT] = { "audit", "[options] [--db FILE|URL] [--enqueue] [--repos-from FILE] "
                             "[--discover DIR] [--github-org ORG] [--gitlab-group GROUP] "
                             "PATH|URL... | --db URL --worker [--until-empty]",
                    "scan repositories into the audit store, each from where it stopped",
                    "Each repository (a work tree or a bare repository; a URL is mirrored\n"
                    "into --mirror-dir with git first) is scanned in one\n"
                    "transaction and recorded: its ref tips, the scan, every finding and\n"
                    "where it was seen. Audited again, only the commits new since the last\n"
                    "audit are walked and objects scanned clean before (with the same rules)\n"
                    "are not read; new rules rescan everything once; a rewritten history is\n"
                    "walked again and what vanished is marked gone.\n"
                    "A fleet: --enqueue puts the repositories in the store's work queue;\n"
                    "each --worker process claims one at a time with a lease its heartbeat\n"
                    "renews, records it and marks it done in one transaction." },
    [CMD_FINDINGS] = { "findings", "[options] [--db FILE|URL]",
                       "list the store's findings, one per credential, ranked by risk",
                       "Across every audited repository: which repositories hold it, whether\n"
                       "it is still at a HEAD, its triage state and its last verification." },
    [CMD_TRIAGE] = { "triage", "FINGERPRINT --state STATE [--note TEXT] [--by WHO] | "
                               "--import-baseline FILE",
                     "record a decision about a finding in the store",
                     "The state change is kept with who made it, when and why; `sesame\n"
                     "findings --format json` shows the history." },
    [CMD_REPORT] = { "report", "--html FILE [options] [--db FILE|URL]",
                     "write the store's findings as one self-contained HTML page",
                     "Summary tiles, the ranked table (sortable, filterable by state, tier\n"
                     "and repository), each finding's details and its exposure timeline.\n"
                     "No network: inline CSS, JavaScript and SVG; secrets redacted." },
    [CMD_QUEUE] = { "queue", "status [--db FILE|URL] [--format json]",
                    "show the work queue of a fleet of audit workers",
                    "How many repositories are pending, running, done and failed; each\n"
                    "running one with its worker, how long ago it was claimed and its\n"
                    "lease; each failed (parked) one with its last error." },
    [CMD_VERSION] = { "version", "", "print the version", "" },
    [CMD_HELP] = { "help", "[COMMAND]", "show help for a command", "" },
};

const struct cli_exit_doc cli_exits[] = {
    { 0, "nothing found, everything was read" },
    { 1, "credentials found (those --fail-on names; unless --exit-zero), everything was "
         "read; for a hook: "
         "rejected" },
    { 2, "usage error" },
    { 3, "incomplete, nothing found: an input could not be read or a git history is "
         "truncated" },
    { 4, "corrupt input (a rules file, .sesame.json, a baseline)" },
    { 5, "incomplete, nothing found: a limit stopped reading part of an input" },
    { 6, "verification could not run (network)" },
    { 7, "credentials found and the run was incomplete" },
    { 70, "internal error" },
};

const size_t cli_n_exits = sizeof(cli_exits) / sizeof(cli_exits[0]);

const struct cli_env_doc cli_env[] = {
    { "NO_COLOR", "no colour in the text report (any value)" },
    { "TERM", "dumb: no colour" },
    { "LC_ALL, LC_CTYPE, LANG", "a locale that is not UTF-8 (C, POSIX, or none set) gets "
                                "ASCII text reports (' - ' and '...' for the middle dot and "
                                "the ellipsis)" },
    { "SESAME_CACHE_DIR", "where compiled rules are cached (default $XDG_CACHE_HOME/sesame "
                          "or ~/.cache/sesame)" },
    { "SESAME_TIMINGS", "1: print each phase's time on stderr" },
    { "SESAME_PRESCAN", "0: read a whole history's blobs only after its walk (as before "
                        "issue 16); all: finish reading the packed blobs before the walk "
                        "ends (tests); default: read them while it runs" },
    { "SESAME_WALK", "libgit2: walk a whole history's commits with libgit2's revwalk "
                     "(as before issue 16; tests)" },
    { "SESAME_ARCHIVE_COPY", "1: every tar member is copied out of libarchive's buffer "
                             "before it is scanned (as before issue 16; tests)" },
    { "SESAME_CONFIG", "the configuration file for every target, as --config FILE "
                       "(--config and --no-config win)" },
    { "SESAME_FIXED_TIME", "seconds since the epoch used as \"now\" (reproducible reports)" },
    { "SESAME_SMTP_ENDPOINT", "host[:port] (or smtp://, smtps://) for SMTP checks" },
    { "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, _IAM, _SES, _SESV2",
      "where the verifier sends AWS requests (AWS SDK convention)" },
    { "AWS_CA_BUNDLE", "CA certificates for the verifier's TLS" },
    { "AWS_REGION, AWS_DEFAULT_REGION", "the client region" },
    { "AWS_STS_REGIONAL_ENDPOINTS", "legacy or regional STS endpoints" },
    { "AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE",
      "the operator profile used for IAM look-ups (--audit-profile)" },
    { "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
      "the operator's own credentials for IAM look-ups, when no profile is named" },
    { "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true: ignore the AWS_ENDPOINT_URL variables" },
    { "XDG_CACHE_HOME, HOME", "where the compiled-rules cache goes by default" },
    { "HTTPS_PROXY, NO_PROXY", "proxies for the verifier" },
    { "GIT_DIR, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES, GIT_QUARANTINE_PATH",
      "set by git for hooks: the repository and the pushed objects" },
    { "GIT_PUSH_OPTION_COUNT, GIT_PUSH_OPTION_N", "push options (sesame.skip=REASON)" },
    { "GL_USERNAME, REMOTE_USER, USER", "who pushed, for the hook's audit log; USER: who "
                                        "triaged (sesame triage)" },
    { "GITHUB_TOKEN, GITLAB_TOKEN", "tokens for sesame audit --github-org / --gitlab-group "
                                    "(the API, and git for the mirrors, through its "
                                    "environment)" },
    { "SESAME_DB", "the audit store when --db is not given (default ./sesame.db)" },
    { "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSERVICE, PGSERVICEFILE, PGPASSFILE, "
      "PGSSLMODE, ...", "libpq's connection settings for a PostgreSQL store (--db "
                        "postgresql://...); what the URL names wins" },
    { "SESAME_STORE_KEY", "32 bytes (64 hex digits or 44 base64 characters): sesame audit "
                          "also stores secret values, sealed with AES-256-GCM, for sesame "
                          "verify --db" },
    { "SESAME_TEST_STALL", "tests only: TEXT: a queue worker that claims a repository whose "
                           "URL holds TEXT for the first time stops before committing it "
                           "(for a test to kill it there); TEXT:MS: waits MS milliseconds "
                           "there in each such repository" },
};

const size_t cli_n_env = sizeof(cli_env) / sizeof(cli_env[0]);

/* Every variable named above, one by one: what cli_env_capture reads. */
static const char *const cli_env_names[] = {
    "NO_COLOR", "SESAME_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "SESAME_TIMINGS", "SESAME_PRESCAN", "SESAME_WALK",
    "SESAME_ARCHIVE_COPY",
    "SESAME_FIXED_TIME", "SESAME_SMTP_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_SES", "AWS_ENDPOINT_URL_SESV2",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CA_BUNDLE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_STS_REGIONAL_ENDPOINTS", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "GIT_QUARANTINE_PATH", "GIT_PUSH_OPTION_COUNT", "GL_USERNAME", "REMOTE_USER", "USER",
    "SESAME_DB", "SESAME_STORE_KEY", "SESAME_TEST_STALL", "GITHUB_TOKEN", "GITLAB_TOKEN",
    "TERM", "LC_ALL", "LC_CTYPE", "LANG", "SESAME_CONFIG",
    /* libpq's, for a PostgreSQL store (store/pg/pg.c maps them to connection keywords) */
    "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGPASSFILE",
    "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGAPPNAME", "PGSSLMODE", "PGSSLCERT",
    "PGSSLKEY", "PGSSLROOTCERT", "PGSSLCRL", "PGREQUIRESSL", "PGCHANNELBINDING",
    "PGGSSENCMODE", "PGCONNECT_TIMEOUT", "PGTARGETSESSIONATTRS", NULL,
};
static const char *const cli_env_prefixes[] = { "GIT_PUSH_OPTION_", NULL };

extern char **environ;

void cli_env_capture(struct env *e)
{
    env_capture(e, environ, cli_env_names, cli_env_prefixes);
}

int cli_cmd_lookup(const char *name)
{
    for (int i = 0; i < CMD_COUNT; i++)
        if (name && strcmp(cli_cmds[i].name, name) == 0)
            return i;
    return -1;
}

void cli_getopt(enum cli_cmd cmd, struct option **longs, char **shorts)
{
    size_t n = 0, k = 0;

    *longs = xcalloc(cli_n_opts + 1, sizeof(**longs));
    *shorts = xcalloc(2 * cli_n_opts + 2, 1);
    (*shorts)[k++] = ':'; /* a missing argument is ':', not '?' */
    for (size_t i = 0; i < cli_n_opts; i++) {
        const struct cli_opt *o = &cli_opts[i];
        if (!(o->cmds & (1u << cmd)))
            continue;
        (*longs)[n].name = o->name;
        (*longs)[n].has_arg = o->arg ? required_argument : no_argument;
        (*longs)[n].flag = NULL;
        (*longs)[n].val = o->id;
        n++;
        if (o->letter) {
            (*shorts)[k++] = o->letter;
            if (o->arg)
                (*shorts)[k++] = ':';
        }
    }
}

/* "  -f, --format FMT" padded to the help column. */
static void help_option(FILE *out, const struct cli_opt *o)
{
    char head[64];
    const char *h = o->help;
    int w;

    if (o->letter)
        w = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->letter, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
    else
        w = snprintf(head, sizeof(head), "      --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
    fputs(head, out);
    if (w >= 27) {
        fputc('\n', out);
        w = 0;
    }
    for (;;) {
        const char *nl = strchr(h, '\n');
        fprintf(out, "%*s%.*s\n", 28 - w, "", (int)(nl ? nl - h : (long)strlen(h)), h);
        if (!nl)
            break;
        h = nl + 1;
        w = 0;
    }
}

static void help_exits(FILE *out)
{
    fputs("\nExit codes:\n", out);
    for (size_t i = 0; i < cli_n_exits; i++)
        fprintf(out, "  %-3d %s\n", cli_exits[i].code, cli_exits[i].meaning);
}

static void help_command(FILE *out, int cmd)
{
    const struct cli_cmd_doc *d = &cli_cmds[cmd];
    const char *section = NULL;

    fprintf(out, "usage: sesame %s %s\n\n%s.\n", d->name, d->synopsis, d->summary);
    if (d->description[0])
        fprintf(out, "\n%s\n", d->description);
    for (size_t i = 0; i < cli_n_opts; i++) {
        const struct cli_opt *o = &cli_opts[i];
        if (!(o->cmds & (1u << cmd)))
            continue;
        if (!section || strcmp(section, o->section) != 0) {
            section = o->section;
            fprintf(out, "\n%s:\n", section);
        }
        help_option(out, o);
    }
    if (cmd != CMD_VERSION && cmd != CMD_HELP && cmd != CMD_INSTALL_HOOK)
        help_exits(out);
}

void cli_help(FILE *out, int cmd)
{
    if (cmd >= 0 && cmd < CMD_COUNT) {
        help_command(out, cmd);
        return;
    }
    fputs("usage: sesame COMMAND [options] [ARGS]\n\n"
          "sesame finds leaked AWS credentials (access key IDs, secret access keys, session\n"
          "tokens, SES SMTP passwords) in files, archives and git history.\n\nCommands:\n",
          out);
    for (int i = 0; i < CMD_COUNT; i++)
        fprintf(out, "  %-13s %s\n", cli_cmds[i].name, cli_cmds[i].summary);
    fputs("\n'sesame help COMMAND' or 'sesame COMMAND --help' lists its options.\n", out);
    help_exits(out);
}

/* roff text: a leading '.' or '\'' would be a request, '\' an escape, '-' a hyphen. */
static void roff(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else if ((s[i] == '.' || s[i] == '\'') && (i == 0 || s[i - 1] == '\n'))
            fprintf(out, "\\&%c", s[i]);
        else
            fputc(s[i], out);
    }
}

static void roff_s(FILE *out, const char *s)
{
    roff(out, s, strlen(s));
}

static void man_options(FILE *out, unsigned cmd_bit)
{
    for (size_t i = 0; i < cli_n_opts; i++) {
        const struct cli_opt *o = &cli_opts[i];
        if (!(o->cmds & cmd_bit) || o->id == OPT_HELP)
            continue;
        fputs(".TP\n", out);
        if (o->letter)
            fprintf(out, "\\fB\\-%c\\fR, ", o->letter);
        fputs("\\fB\\-\\-", out);
        roff_s(out, o->name);
        fputs("\\fR", out);
        if (o->arg) {
            fputs(" \\fI", out);
            roff_s(out, o->arg);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        {
            char *one_line = xstrdup(o->help);
            for (char *h = one_line; *h; h++)
                if (*h == '\n')
                    *h = ' ';
            roff_s(out, one_line);
            free(one_line);
        }
        fputc('\n', out);
    }
}

void cli_man(FILE *out, const char *version)
{
    fprintf(out, ".TH SESAME 1 \"\" \"sesame %s\" \"User Commands\"\n", version);
    fputs(".SH NAME\nsesame \\- find leaked AWS credentials in files, archives and git "
          "history\n.SH SYNOPSIS\n", out);
    for (int i = 0; i < CMD_COUNT; i++) {
        fputs(".B sesame ", out);
        roff_s(out, cli_cmds[i].name);
        fputc('\n', out);
        if (cli_cmds[i].synopsis[0]) {
            roff_s(out, cli_cmds[i].synopsis);
            fputc('\n', out);
        }
        fputs(".br\n", out);
    }
    fputs(".SH DESCRIPTION\nsesame finds AWS access key IDs, secret access keys, session "
          "tokens and Amazon SES SMTP passwords, verifies on request which are live, and "
          "ranks every finding by risk. Secrets are redacted in every output unless "
          "\\fB\\-\\-show\\-secrets\\fR.\n.SH COMMANDS\n", out);
    for (int i = 0; i < CMD_COUNT; i++) {
        fputs(".SS \"sesame ", out);
        roff_s(out, cli_cmds[i].name);
        fputs("\"\n", out);
        roff_s(out, cli_cmds[i].summary);
        fputs(".\n", out);
        if (cli_cmds[i].description[0]) {
            fputs(".PP\n", out);
            roff_s(out, cli_cmds[i].description);
            fputc('\n', out);
        }
        man_options(out, 1u << i);
    }
    fputs(".SH \"EXIT STATUS\"\n", out);
    for (size_t i = 0; i < cli_n_exits; i++) {
        fprintf(out, ".TP\n.B %d\n", cli_exits[i].code);
        roff_s(out, cli_exits[i].meaning);
        fputc('\n', out);
    }
    fputs(".SH ENVIRONMENT\n", out);
    for (size_t i = 0; i < cli_n_env; i++) {
        fputs(".TP\n.B ", out);
        roff_s(out, cli_env[i].name);
        fputc('\n', out);
        roff_s(out, cli_env[i].meaning);
        fputc('\n', out);
    }
    fputs(".SH FILES\n.TP\n.I .sesame.json\nper-repository configuration (excludes, "
          "disabled rules, baseline)\n.TP\n.I .sesame\\-baseline.json\nknown findings "
          "(sesame baseline create)\n.SH \"SEE ALSO\"\n.BR git (1),\n.BR githooks (5)\n",
          out);
}

bool cli_completion(FILE *out, const char *shell)
{
    if (strcmp(shell, "bash") == 0) {
        fputs("# bash completion for sesame (generated from its option table)\n"
              "_sesame() {\n    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}\n"
              "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W \"",
              out);
        for (int i = 0; i < CMD_COUNT; i++)
            fprintf(out, "%s%s", i ? " " : "", cli_cmds[i].name);
        fputs("\" -- \"$cur\"))\n        return\n    fi\n    case $cmd in\n", out);
        for (int c = 0; c < CMD_COUNT; c++) {
            fprintf(out, "    %s) COMPREPLY=($(compgen -W \"", cli_cmds[c].name);
            for (size_t i = 0, first = 1; i < cli_n_opts; i++)
                if (cli_opts[i].cmds & (1u << c)) {
                    fprintf(out, "%s--%s", first ? "" : " ", cli_opts[i].name);
                    first = 0;
                }
            fputs("\" -- \"$cur\")) ;;\n", out);
        }
        fputs("    esac\n    [[ $cur == -* ]] || COMPREPLY+=($(compgen -f -- \"$cur\"))\n}\n"
              "complete -o filenames -F _sesame sesame\n", out);
        return true;
    }
    if (strcmp(shell, "fish") == 0) {
        fputs("# fish completion for sesame (generated from its option table)\n", out);
        for (int i = 0; i < CMD_COUNT; i++)
            fprintf(out, "complete -c sesame -n __fish_use_subcommand -a %s -d '%s'\n",
                    cli_cmds[i].name, cli_cmds[i].summary);
        for (size_t i = 0; i < cli_n_opts; i++) {
            const struct cli_opt *o = &cli_opts[i];
            fputs("complete -c sesame -n '__fish_seen_subcommand_from", out);
            for (int c = 0; c < CMD_COUNT; c++)
                if (o->cmds & (1u << c))
                    fprintf(out, " %s", cli_cmds[c].name);
            fprintf(out, "' -l %s", o->name);
            if (o->letter)
                fprintf(out, " -s %c", o->letter);
            if (o->arg)
                fputs(" -r", out);
            fputs(" -d '", out);
            for (const char *h = o->help; *h && *h != '\n'; h++) {
                if (*h == '\'')
                    fputc('\\', out);
                fputc(*h, out);
            }
            fputs("'\n", out);
        }
        return true;
    }
    if (strcmp(shell, "zsh") == 0) {
        fputs("#compdef sesame\n# zsh completion for sesame (generated from its option "
              "table)\n_sesame() {\n  local -a cmds\n  cmds=(", out);
        for (int i = 0; i < CMD_COUNT; i++)
            fprintf(out, "%s'%s:%s'", i ? " " : "", cli_cmds[i].name, cli_cmds[i].summary);
        fputs(")\n  if (( CURRENT == 2 )); then _describe command cmds; return; fi\n"
              "  case $words[2] in\n", out);
        for (int c = 0; c < CMD_COUNT; c++) {
            fprintf(out, "  %s) _arguments", cli_cmds[c].name);
            for (size_t i = 0; i < cli_n_opts; i++) {
                const struct cli_opt *o = &cli_opts[i];
                if (!(o->cmds & (1u << c)))
                    continue;
                fprintf(out, " '--%s[", o->name);
                for (const char *h = o->help; *h && *h != '\n'; h++)
                    if (*h != '\'' && *h != '[' && *h != ']' && *h != ':')
                        fputc(*h, out);
                fprintf(out, "]%s'", o->arg ? ":value:_files" : "");
            }
            fputs(" '*:file:_files' ;;\n", out);
        }
        fputs("  esac\n}\n_sesame \"$@\"\n", out);
        return true;
    }
    return false;
}
