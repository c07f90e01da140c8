/*
 * cli/options.h - the front door: every command, option and exit code, as one table.
 *
 * Parsing (getopt_long arrays), `sesame help CMD` / `sesame CMD --help`, the man page
 * sesame(1) (generated at build time by cli/docgen.c) and the shell completions all come
 * from these tables, so an option cannot exist in one and be missing from another.
 */
#ifndef SESAME_CLI_OPTIONS_H
#define SESAME_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum cli_cmd {
    CMD_SCAN = 0,
    CMD_BASELINE,
    CMD_VERIFY,
    CMD_RULES,
    CMD_HOOK,
    CMD_INSTALL_HOOK,
    CMD_REMEDIATE,
    CMD_AUDIT,
    CMD_FINDINGS,
    CMD_TRIAGE,
    CMD_REPORT,
    CMD_QUEUE,
    CMD_VERSION,
    CMD_HELP,
    CMD_COUNT
};

/* Command sets of the option table. */
#define C_SCAN (1u << CMD_SCAN)
#define C_BASELINE (1u << CMD_BASELINE)
#define C_VERIFY (1u << CMD_VERIFY)
#define C_RULES (1u << CMD_RULES)
#define C_HOOK (1u << CMD_HOOK)
#define C_INSTALL (1u << CMD_INSTALL_HOOK)
#define C_REMEDIATE (1u << CMD_REMEDIATE)
#define C_AUDIT (1u << CMD_AUDIT)
#define C_FINDINGS (1u << CMD_FINDINGS)
#define C_TRIAGE (1u << CMD_TRIAGE)
#define C_REPORT (1u << CMD_REPORT)
#define C_QUEUE (1u << CMD_QUEUE)
#define C_STORE (C_AUDIT | C_FINDINGS | C_TRIAGE | C_REPORT | C_QUEUE)
#define C_ALL ((1u << CMD_COUNT) - 1)

/* Option ids: short options keep their letter, long-only ones start at 256. */
enum cli_opt_id {
    OPT_FORMAT = 'f',
    OPT_OUTPUT = 'o',
    OPT_THREADS = 'j',
    OPT_QUIET = 'q',
    OPT_HELP = 'h',
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
    OPT_ALLOW_SHALLOW,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_BASELINE,
    OPT_KNOWN_KEYS,
    OPT_ACCOUNTS,
    OPT_INLINE_ALLOW,
    OPT_VERIFY,
    OPT_VERIFY_CONCURRENCY,
    OPT_VERIFY_TIMEOUT,
    OPT_VERIFY_RATE,
    OPT_SKIP_ACCOUNTS,
    OPT_SES_REGIONS,
    OPT_AUDIT_PROFILE,
    OPT_NO_SMTP_CHECK,
    OPT_EXPLAIN,
    OPT_NO_ARCHIVES,
    OPT_ARCHIVE_DEPTH,
    OPT_ARCHIVE_BYTES,
    OPT_ARCHIVE_MEMBERS,
    OPT_ARCHIVE_RATIO,
    OPT_BUDGET_MS,
    OPT_FAIL_OPEN,
    OPT_FAIL_CLOSED,
    OPT_ALLOW_BYPASS,
    OPT_LOG,
    OPT_REPO,
    OPT_FORCE,
    OPT_REPORT,
    OPT_FROM_ADDRESS,
    OPT_SOURCE_IP,
    OPT_POLICY_ONLY,
    OPT_DB,
    OPT_REPOS_FROM,
    OPT_STATE,
    OPT_NOTE,
    OPT_BY,
    OPT_MIN_RISK,
    OPT_STORE_REPO,
    OPT_INCLUDE_GONE,
    OPT_HTML,
    OPT_DISCOVER,
    OPT_MIRROR_DIR,
    OPT_IMPORT_BASELINE,
    OPT_VERIFY_MAX_AGE,
    OPT_GITHUB_ORG,
    OPT_GITLAB_GROUP,
    OPT_API_URL,
    OPT_INCLUDE_ARCHIVED,
    OPT_INCLUDE_FORKS,
    OPT_RESULTS,
    OPT_ONLY_VERIFIED,
    OPT_FAIL_ON,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_ENQUEUE,
    OPT_WORKER,
    OPT_UNTIL_EMPTY,
    OPT_LEASE_TIMEOUT,
    OPT_MAX_ATTEMPTS,
    OPT_WORKER_ID,
};

struct cli_opt {
    int id;                /* enum cli_opt_id */
    const char *name;      /* long name, without "--" */
    char letter;           /* short name, or 0 */
    const char *arg;       /* metavariable ("FILE"), or NULL for a flag */
    unsigned cmds;         /* bit (1u << enum cli_cmd) for each command that takes it */
    const char *section;   /* help section */
    const char *help;      /* one sentence; may hold '\n' for more lines */
};

struct cli_cmd_doc {
    const char *name;      /* "scan", "install-hook" */
    const char *synopsis;  /* after "sesame NAME " */
    const char *summary;   /* one line */
    const char *description; /* a paragraph, '\n'-separated lines */
};

struct cli_exit_doc {
    int code;
    const char *meaning;
};

struct cli_env_doc {
    const char *name;
    const char *meaning;
};

extern const struct cli_opt cli_opts[];
extern const size_t cli_n_opts;
extern const struct cli_cmd_doc cli_cmds[CMD_COUNT];
extern const struct cli_exit_doc cli_exits[];
extern const size_t cli_n_exits;
extern const struct cli_env_doc cli_env[];
extern const size_t cli_n_env;

struct env;
/* Capture every variable sesame reads (the names of cli_env and the hook's push options)
 * from the process environment, once. */
void cli_env_capture(struct env *e);

/* The command named `name` ("scan", ...), or -1. */
int cli_cmd_lookup(const char *name);

/* getopt_long's arrays for command `cmd`: *longs (terminated) and the short string, both
 * in new storage (caller frees). */
void cli_getopt(enum cli_cmd cmd, struct option **longs, char **shorts);

/* `sesame help` (cmd < 0: every command) and `sesame CMD --help`. */
void cli_help(FILE *out, int cmd);

/* The man page sesame(1), in roff. */
void cli_man(FILE *out, const char *version);

/* Shell completions ("bash", "zsh", "fish"); false if the shell is unknown. */
bool cli_completion(FILE *out, const char *shell);

#endif
