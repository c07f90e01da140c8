/*
 * store/store.h - the audit store: what was scanned, what was found where, and what
 * people decided about it (issue 14).
 *
 * One small interface over a database adapter (store/adapter.h): SQLite
 * (store/sqlite/, the only <sqlite3.h> user) or PostgreSQL (store/pg/, libpq; issue 15). Callers see
 * typed operations and transactions, never SQL; the SQL lives in store.c, written in the
 * subset both databases speak (INSERT ... ON CONFLICT, RETURNING, integers for times
 * and booleans), with the few dialect differences (the type of an auto-numbered key,
 * placeholders) left to the adapter. The schema carries a version; store_open migrates
 * an older file in place, in one transaction.
 *
 * Secrets are never stored in clear: a part of a credential is its redacted form and
 * the SHA-256 of its value (finding/redact.h). Times are seconds since the epoch.
 * Everything read back is checked (a store file may come from elsewhere): a row that
 * does not make sense is skipped with a warning.
 */
#ifndef SESAME_STORE_STORE_H
#define SESAME_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

struct store;

/* The schema version this build writes (store.c's migrations). */
int store_schema_latest(void);

struct env;

/* Is `target` a PostgreSQL URL (postgresql://... or postgres://...)? */
bool store_is_url(const char *target);
/* Open and migrate the store `target`: a PostgreSQL URL (store/pg/; libpq's PG*
 * variables taken from `env`, which may be NULL), or a SQLite file (created, mode 0600). */
enum status store_connect(struct store **out, const char *target, const struct env *env);
/* The same, migrating no further than `version` (tests of the migrations). */
enum status store_connect_version(struct store **out, const char *target,
                                  const struct env *env, int version);
/* store_connect with no environment. */
enum status store_open(struct store **out, const char *path);
enum status store_open_version(struct store **out, const char *path, int version);
void store_close(struct store *s);
int store_schema_version(const struct store *s);

/* One transaction at a time; store_rollback after a failure inside one. */
enum status store_begin(struct store *s);
enum status store_commit(struct store *s);
void store_rollback(struct store *s);

/* ---- repositories and scans ---------------------------------------------------------- */

struct store_ref {
    char *name;     /* "refs/heads/main", "HEAD" */
    char *commit;   /* 40 hex digits */
};

struct store_repo {
    int64_t id;
    char *url;
    char *rules;          /* rules key of the last complete scan, or NULL */
    int64_t last_scan;    /* 0: never completed */
    struct store_ref *refs; /* ref tips of the last complete scan */
    size_t n_refs;
};

/* The repository `url`; if the store has none, created when `create` (*created says
 * so), else out->id is -1. */
enum status store_repo_get(struct store *s, const char *url, struct store_repo *out, bool create,
                           bool *created);
void store_repo_release(struct store_repo *r);
/* After a complete scan: its rules key and the refs it started from (replacing the old). */
enum status store_repo_scanned(struct store *s, int64_t repo, const char *rules, int64_t when,
                               const struct store_ref *refs, size_t n);

struct store_scan {
    int64_t repo;
    int64_t started, ended;
    const char *version;  /* sesame's */
    const char *rules;    /* rules key */
    const char *mode;     /* "full", "incremental", "rewritten" */
    uint64_t commits, objects_read, objects_skipped, bytes, findings;
    bool complete;
};
enum status store_scan_add(struct store *s, const struct store_scan *sc, int64_t *id);

/* ---- objects scanned --------------------------------------------------------------- */

/* Was git object `id` scanned with rules `rules` and found to hold nothing? */
enum status store_object_clean(struct store *s, const char *id, const char *rules, bool *clean);
/* Record that `id` was scanned with `rules` (holding findings or not). */
enum status store_object_put(struct store *s, const char *id, const char *rules,
                             bool has_findings, int64_t when);

/* ---- findings -------------------------------------------------------------------------- */

/* One credential, keyed by its stable fingerprint. Text fields may be NULL. */
struct store_finding {
    const char *fingerprint;   /* 16 hex digits */
    const char *kind;          /* cred_kind_name */
    const char *key_id, *key_type, *account_id, *confidence;
    const char *rules;         /* rule ids, comma-separated */
    int risk_score;
    const char *risk_tier;
    const char *risk_factors;  /* "name\tpoints\tdetail" lines */
    const char *remediation;   /* one step a line */
    const char *regions;       /* regions it points to, comma-separated: its SMTP
                                * passwords', then those named in context (or NULL) */
    const char *senders;       /* sender addresses named in context, comma-separated
                                * (schema 8; or NULL) */
};
enum status store_finding_put(struct store *s, const struct store_finding *f, int64_t when);

/* One part of a credential: its redacted form and the hex SHA-256 of its value; `sealed`
 * (or NULL) is the value encrypted with SESAME_STORE_KEY (hex, crypto_seal), only when
 * the user opted in. */
enum status store_part_put(struct store *s, const char *fingerprint, const char *kind,
                           const char *sha256, const char *redacted, const char *sealed);

struct store_sealed {
    char *kind, *sha256, *sealed;
};
/* The sealed parts of a finding (for `sesame verify --db`). */
enum status store_sealed_parts(struct store *s, const char *fingerprint,
                               struct store_sealed **out, size_t *n);
void store_sealed_free(struct store_sealed *v, size_t n);

struct store_occurrence {
    const char *fingerprint;
    int64_t repo;
    const char *commit;        /* "" when not in a commit (work tree) */
    const char *path;
    size_t shown_tail;         /* struct location's: bytes at the end of path escaped */
    uint64_t line, column;
    const char *blob;          /* "" when not a git object */
    const char *part;          /* cred_kind_name */
    const char *rule;
    int64_t commit_time;       /* 0 unknown */
    const char *author;
    const char *removed_in;    /* or NULL */
    bool replaced;             /* images: removed_in wrote another file at this path */
    const char *layer_command; /* images: the layer's history command, or NULL (kept to
                                * LIMIT_STORE_LAYER_CMD bytes) */
    bool at_head;
};
/* Record an occurrence seen by scan `scan` (new, or seen again: no longer gone). */
enum status store_occurrence_put(struct store *s, const struct store_occurrence *o, int64_t scan,
                                 int64_t when);
/* The live (not gone) occurrences of a repository in git objects: fn(ctx, id, blob, path)
 * for each. */
typedef enum status store_occ_fn(void *ctx, int64_t id, const char *blob, const char *path);
enum status store_repo_occurrences(struct store *s, int64_t repo, store_occ_fn *fn, void *ctx);
/* Update an occurrence's exposure (after new commits moved HEAD or branches). */
enum status store_occurrence_exposure(struct store *s, int64_t id, bool at_head,
                                      const char *removed_in);

/* After a scan that read a repository's whole history: its occurrences that scan did not
 * see are gone since `when`. Then every finding's gone_since follows its occurrences. */
enum status store_mark_gone(struct store *s, int64_t repo, int64_t scan, int64_t when);
/* Recompute every finding's gone_since from its occurrences. */
enum status store_update_gone(struct store *s, int64_t when);

/* A verification result (verify_status_name) with its time; `detail` is one line for
 * people, `evidence` (or NULL) all that was found as the JSON report's "verification"
 * object (`sesame remediate --db` rebuilds its plan from it). */
enum status store_verification_put(struct store *s, const char *fingerprint, const char *status,
                                   const char *account, const char *arn, const char *detail,
                                   const char *evidence, int64_t when);

/* The latest verification of a finding: *status (new string) NULL when there is none;
 * *account, *arn, *detail new strings or NULL. */
enum status store_verification_latest(struct store *s, const char *fingerprint, char **status,
                                      char **account, char **arn, char **detail,
                                      int64_t *at);

/* ---- triage -------------------------------------------------------------------------- */

/* "open", "false_positive", "revoked", "accepted_risk". */
bool store_state_valid(const char *state);
/* Set a finding's state; the change is kept in its history. *found false when the store
 * has no such fingerprint (nothing changed). *old receives the previous state (new
 * string) when found. */
enum status store_triage(struct store *s, const char *fingerprint, const char *state,
                         const char *note, const char *by, int64_t when, bool *found,
                         char **old);

/* The state of a finding (new string), or NULL when the store has no such fingerprint. */
enum status store_state(struct store *s, const char *fingerprint, char **state);

/* ---- queries ------------------------------------------------------------------------- */

struct store_loc {
    char *repo, *commit, *path, *blob, *part, *rule, *author, *removed_in;
    int64_t line, column, commit_time, first_seen, last_seen, gone_since;
    size_t shown_tail;         /* bytes at the end of path escaped already (archive members) */
    bool at_head;
    bool replaced;             /* images (schema 9): removed_in (a layer) wrote another file
                                * at this path; false without a removed_in */
    char *layer_command;       /* images (schema 9): the layer's history command, or NULL;
                                * at most LIMIT_STORE_LAYER_CMD bytes, unchecked otherwise */
};

struct store_change {
    char *state, *note, *by;
    int64_t at;
};

struct store_row {
    char *fingerprint, *kind, *key_id, *key_type, *account_id, *confidence, *rules;
    char *risk_tier, *risk_factors, *remediation;
    int64_t risk_score, first_seen, last_seen, gone_since;
    char *state, *state_note, *state_by;
    int64_t state_at;
    char *verify_status, *verify_account, *verify_detail;
    char *verify_arn, *verify_evidence; /* evidence: JSON text (schema 6 on), or NULL */
    int64_t verified_at;
    char *regions;         /* comma-separated (store_finding's), or NULL */
    char *senders;         /* comma-separated (store_finding's), or NULL; unchecked */
    char **parts;          /* "kind redacted" */
    size_t n_parts;
    struct store_loc *locs;
    size_t n_locs;
    char **repos;          /* repositories it was seen in (sorted, unique) */
    size_t n_repos;
    bool at_head;          /* some live occurrence is at a HEAD */
    struct store_change *history;
    size_t n_history;
};

struct store_query {
    const char *state;     /* or NULL */
    int min_risk;
    const char *repo;      /* URL, or NULL */
    bool include_gone;     /* also findings whose every occurrence is gone */
};

/* The findings that match, ranked by risk (highest first), then fingerprint. */
enum status store_findings(struct store *s, const struct store_query *q, struct store_row **out,
                           size_t *n);
void store_rows_free(struct store_row *rows, size_t n);

struct store_totals {
    uint64_t repos, scans, objects;
};
enum status store_totals(struct store *s, struct store_totals *t);

/* ---- the work queue of a fleet (store/queue.c, schema 8) ------------------------------ *
 *
 * One row a repository: pending -> running (claimed by a worker, with a lease until a
 * time of the database's clock, in milliseconds) -> done (in the transaction that
 * records its results) or back to pending after a failure, or failed (parked, with its
 * error) once it was claimed max_attempts times. A running repository whose lease
 * expired (its worker was killed) is claimed again. A claim is known by (id, worker,
 * attempt): a worker that lost its lease can no longer complete, fail or renew it. */

enum store_queue_add { SQ_NEW, SQ_AGAIN, SQ_ALREADY };
/* Queue `url` (to open at `path`): a new row; a done or failed one queued again (a
 * re-audit, from where the store stopped); one pending or running is left as it is. */
enum status store_queue_add(struct store *s, const char *url, const char *path, bool remote,
                            enum store_queue_add *what);

struct store_job {
    int64_t id, attempt;       /* the claim */
    char *url, *path;
    bool remote;
};
/* Park the repositories whose lease expired after max_attempts claims, then claim the
 * next pending one (or one whose lease expired) for `worker`, for lease_ms. *got false:
 * nothing to claim. */
enum status store_queue_claim(struct store *s, const char *worker, int64_t lease_ms,
                              int64_t max_attempts, struct store_job *job, bool *got);
void store_job_release(struct store_job *j);
/* Renew the lease; *held false when the claim is no longer this worker's. */
enum status store_queue_renew(struct store *s, const struct store_job *j, const char *worker,
                              int64_t lease_ms, bool *held);
/* Inside the transaction that records its results: done. *held false (and nothing
 * changed) when the claim is no longer this worker's: roll back. */
enum status store_queue_done(struct store *s, const struct store_job *j, const char *worker,
                             bool *held);
/* The repository could not be audited: pending again, or failed with `error` after
 * max_attempts claims. `retry_free` (the store went away, not the repository's fault):
 * pending again, this attempt not counted. */
enum status store_queue_fail(struct store *s, const struct store_job *j, const char *worker,
                             int64_t max_attempts, const char *error, bool retry_free);

struct store_queue_item {
    char *url, *state, *worker, *error;
    int64_t attempts;
    int64_t claimed_ago_ms;    /* running: since it was claimed */
    int64_t lease_left_ms;     /* running: until its lease expires (< 0: expired) */
};
struct store_queue_status {
    uint64_t pending, running, done, failed;
    struct store_queue_item *items; /* every running one, then every failed one */
    size_t n_items;
};
enum status store_queue_status(struct store *s, bool items, struct store_queue_status *out);
void store_queue_status_release(struct store_queue_status *q);

/* Verify once for the fleet: claim verifying the credential `fingerprint` for lease_ms
 * (*got false: another worker holds a live claim); renew all of a worker's claims;
 * release one. */
enum status store_verify_claim(struct store *s, const char *fingerprint, const char *worker,
                               int64_t lease_ms, bool *got);
enum status store_verify_renew(struct store *s, const char *worker, int64_t lease_ms);
enum status store_verify_release(struct store *s, const char *fingerprint, const char *worker);
/* The finding `fingerprint` exists (a bare row if it did not; its repository's transaction
 * fills it in): a fleet stores a verification before the repository's results. */
enum status store_finding_ensure(struct store *s, const char *fingerprint, const char *kind,
                                 int64_t when);

#endif
