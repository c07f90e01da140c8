/*
 * audit.h - `sesame audit`: scan many repositories into the store, each from where the
 * last audit of it stopped; and the commands that read the store back (`sesame
 * findings`, `sesame triage`, `sesame report`).
 */
#ifndef SESAME_AUDIT_H
#define SESAME_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "scan.h"

struct verify_opts;

struct audit_opts {
    const struct scan_config *scan; /* rules, threads, verification, archives, quiet... */
    const char *db;                 /* --db, else SESAME_DB, else ./sesame.db */
    const char *const *repos;       /* paths of repositories (work trees or bare) */
    size_t n_repos;
    const char *repos_from;         /* a file: one path or URL a line ('#' comments) */
    const char *const *discover;    /* directories: every repository under them */
    size_t n_discover;
    const char *mirror_dir;         /* where remote repositories are mirrored */
    const char *const *github_orgs; /* --github-org: every repository of these */
    size_t n_github_orgs;
    const char *const *gitlab_groups; /* --gitlab-group: every project, subgroups too */
    size_t n_gitlab_groups;
    const char *api_url;            /* GitHub Enterprise / self-managed GitLab API */
    bool include_archived, include_forks;
    const unsigned char *store_key; /* SESAME_STORE_KEY (32 bytes): seal secret values */
    int64_t verify_max_age;
    unsigned jobs;                  /* -j N: up to N repositories at once, sharing N
                                     * threads (0: one at a time, every CPU each) */         /* --verify: reuse a stored verification this young
                                     * (seconds) */
    const char *format;             /* summary: "text" or "json" */
    /* a queue worker (audit_worker): its name and lease; --verify then claims each
     * credential in the store, so that the fleet verifies it once */
    const char *worker_id;
    int64_t lease_ms;
};

struct audit_outcome {
    size_t repos, failed;           /* audited; could not be audited (warned) */
    size_t findings;                /* credentials seen in this run's repositories */
    uint64_t bytes;                 /* read */
    uint64_t verified, reused;      /* --verify: credentials checked, results reused */
    bool incomplete;                /* some repository was not read in full */
};

enum status audit_run(const struct audit_opts *o, struct audit_outcome *out);

/* A fleet (audit_queue.c): `sesame audit --enqueue` fills the store's work queue with
 * the repositories named (as audit_run would audit them); `sesame audit --worker` audits
 * what it claims from it. */
struct queue_opts {
    const char *worker_id;          /* --worker-id (default host:pid) */
    int64_t lease_ms;               /* --lease-timeout */
    int64_t max_attempts;           /* --max-attempts: then parked as failed */
    bool until_empty;               /* exit once nothing is pending or running */
};
enum status audit_enqueue(const struct audit_opts *o);
/* *parked: some repository of the queue is parked as failed (at the end). */
enum status audit_worker(const struct audit_opts *o, const struct queue_opts *qo,
                         struct audit_outcome *out, bool *parked);
/* `sesame queue status`: counts, each running repository with its worker and lease,
 * each failed one with its error; format "text" or "json". */
enum status audit_queue_status(const char *db, const struct env *env, const char *format);

/* The store path for --db `db` (may be NULL) and the environment. */
const char *audit_db_path(const char *db, const struct env *env);

struct findings_opts_cli {
    const char *db;
    const struct env *env;
    const char *format;             /* text, json, jsonl, csv, sarif, html */
    const char *output;             /* file, or NULL: stdout */
    const char *state;
    int min_risk;
    const char *repo;
    bool include_gone;
    int64_t now;                    /* for the report's "generated" time */
};

/* `sesame findings` and `sesame report --html FILE`: *n receives the number listed. */
enum status audit_findings(const struct findings_opts_cli *o, size_t *n);

/* `sesame triage FINGERPRINT --state S [--note T] [--by WHO]`. */
enum status audit_triage(const char *db, const struct env *env, const char *fingerprint,
                         const char *state, const char *note, const char *by, int64_t now);

/* What a sealed value is bound to (crypto_seal's aad): new string. */
char *audit_seal_aad(const char *fingerprint, const char *kind, const char *sha256);

/* `sesame verify --db F`: re-verify the store's findings from the secret values sealed
 * with SESAME_STORE_KEY, without scanning again; results stored with their time. */
enum status audit_verify_store(const char *db, const struct env *env,
                               const struct verify_opts *vo, int64_t now, size_t *n);

/* An existing store (a query must not create an empty one where the user mistyped). */
struct store;
enum status audit_open_existing(const char *db, const struct env *env, struct store **s);

struct store_row;
struct finding;
/* A new finding with a stored row's fingerprint, kind, key ID, account and key type. */
struct finding *audit_finding_of_row(const struct store_row *r);

struct remediate_opts;
/* `sesame remediate WHICH --db F` (audit_remediate.c): the plan for one stored finding
 * (fingerprint, unique prefix or key ID), written to `output` (NULL or "-": stdout). */
enum status audit_remediate(const char *db, const struct env *env, const char *output,
                            const char *which, const struct remediate_opts *o);

/* `sesame triage --import-baseline FILE`: each finding of the baseline that the store
 * has, still open, becomes accepted_risk (with the note, or "imported from FILE"). */
enum status audit_import_baseline(const char *db, const struct env *env, const char *path,
                                  const char *note, const char *by, int64_t now);

#endif
