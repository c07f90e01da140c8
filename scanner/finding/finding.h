/*
 * finding/finding.h - the finding model: one credential, every place it was seen.
 *
 * A finding groups the parts of one AWS credential (access key ID, secret access
 * key(s), session token(s), SES SMTP password(s)) and every location where any part
 * was seen. Values here are raw: only report code that goes through redact.h may
 * print them. Findings are plain data, built once by findings_build() and then read.
 */
#ifndef SESAME_FINDING_FINDING_H
#define SESAME_FINDING_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct risk;
struct diags;

enum cred_kind {
    CRED_ACCESS_KEY_ID = 0,
    CRED_SECRET_ACCESS_KEY,
    CRED_SESSION_TOKEN,
    CRED_SMTP_PASSWORD,
    CRED_CONTEXT, /* not a credential: context that anchors proximity rules */
    CRED_KIND_COUNT
};

enum confidence { CONF_LOW = 0, CONF_MEDIUM, CONF_HIGH };

/* "access_key_id", "secret_access_key", "session_token", "smtp_password", "context". */
const char *cred_kind_name(enum cred_kind k);
/* Parse a kind name; false if unknown. */
bool cred_kind_parse(const char *s, enum cred_kind *out);
const char *confidence_name(enum confidence c); /* "low", "medium", "high" */
bool confidence_parse(const char *s, enum confidence *out);

/* Git provenance of a location (issue 3). All NULL/0 for files on disk. */
struct commit_info {
    char *commit;       /* hex object id of the commit that introduced the blob here */
    char *author;       /* "Name <email>" */
    int64_t author_time; /* seconds since the epoch, UTC */
    int64_t commit_time;
    char *summary;      /* first line of the message */
};

/* One place where one part of a credential was seen. */
struct location {
    char *path;           /* display path ("-" for stdin); archive members joined with '!' */
    uint64_t line;        /* 1-based line in the original input */
    uint64_t column;      /* 1-based byte column in that line */
    uint64_t column_utf16; /* the same in UTF-16 code units (SARIF), 0 if unknown */
    uint64_t offset;      /* byte offset in the original input */
    enum cred_kind part;  /* which part was seen here */
    char *rule_id;        /* rule that matched */
    char *encoding;       /* NULL for plain text, else e.g. "utf-16le", "url", "base64>json-escape" */
    char *blob;           /* git blob id, or NULL */
    struct commit_info commit; /* zeroed unless from git history */
    char *removed_in;     /* git: commit on HEAD's first-parent line that removed this blob
                           * from this path, or NULL (still there, or not on HEAD's line) */
    unsigned target;      /* index of the scan target it was found under (its config and
                           * baseline apply); not reported */
};

/* How exposed a credential is, most exposed first. */
enum exposure {
    EXPOSURE_FILE = 0,    /* found in a file on disk (no git history scanned) */
    EXPOSURE_HEAD,        /* in HEAD's tree */
    EXPOSURE_WORKTREE,    /* only uncommitted: staged in the index or in a working-tree file */
    EXPOSURE_BRANCH,      /* at the tip of a branch other than HEAD */
    EXPOSURE_HISTORY,     /* only in commits, no longer at any branch tip */
    EXPOSURE_UNREACHABLE, /* only in objects no ref reaches */
};

/* "file", "head", "worktree", "branch", "history", "unreachable". */
const char *exposure_name(enum exposure e);

/* An SES SMTP password found in the input. */
struct smtp_password {
    char *value;
    char sha256[65];      /* hex SHA-256 of value: a stable, non-reversible handle */
    /* Set when a secret found in the same scan derives to this password. */
    int from_secret;      /* index into finding.secrets, or -1 */
    char *region;         /* derived-for region ("us-east-1"), "v2" for legacy, or NULL */
};

/* Result of the opt-in verifier (verify/verify.h). */
enum verify_status {
    VERIFY_NOT_CHECKED = 0,
    VERIFY_LIVE,         /* the key works: STS answered with an identity */
    VERIFY_INVALID,      /* InvalidClientTokenId: key ID unknown, deleted or inactive */
    VERIFY_WRONG_SECRET, /* SignatureDoesNotMatch: the key ID exists, this secret is wrong */
    VERIFY_EXPIRED,      /* ExpiredToken: a temporary credential past its lifetime */
    VERIFY_UNKNOWN,      /* network, TLS, proxy, 5xx, throttling, clock skew: no verdict */
    VERIFY_SKIPPED,      /* not contacted: example, canary account, --skip-accounts */
};

/* "not_checked", "live", "invalid", "wrong_secret", "expired", "unknown", "skipped". */
const char *verify_status_name(enum verify_status s);
bool verify_status_parse(const char *s, enum verify_status *out);

struct ses_state {
    char *region;
    char *error;          /* why the state could not be read (AccessDenied, ...), or NULL */
    int sandbox;          /* 1 sandbox, 0 production, -1 unknown */
    int sending_enabled;  /* 1, 0, -1 unknown */
    char *enforcement;    /* HEALTHY, PROBATION, SHUTDOWN, or NULL */
    bool have_quota;
    double max_24h, max_rate, sent_24h;
};

struct smtp_check {
    enum verify_status status; /* live (235 seen), invalid (535), unknown */
    char *region;         /* where it authenticated, or NULL */
    char *reason;
};

struct verification {
    enum verify_status status;
    char *reason;         /* error code or why it was skipped / unknown */
    char *account;        /* from STS (or decoded offline) */
    char *arn;
    char *user_id;
    bool last_used_known;
    int64_t last_used;    /* 0 when never used */
    char *last_used_service; /* "ses", "ses-smtp", "s3", "N/A" */
    char *last_used_region;
    char *last_used_via;  /* "operator" or "key" */
    char *last_used_error; /* AccessDenied etc. */
    struct ses_state *ses;
    size_t n_ses;
    struct smtp_check *smtp; /* one per finding.smtp_passwords */
    size_t n_smtp;
    int64_t checked_at;
};

void verification_free(struct verification *v); /* NULL is a no-op */

struct secret_value {
    char *value;
    char sha256[65];
};

struct finding {
    char fingerprint[17];   /* 16 hex chars; stable: does not depend on locations */
    enum cred_kind kind;    /* CRED_ACCESS_KEY_ID when an ID is known, else the value's kind */
    enum confidence confidence; /* highest confidence among the rules that matched */
    bool example;           /* an AWS documentation example credential */
    char *access_key_id;    /* NULL when not known */
    char *key_type;         /* "AKIA" long-term, "ASIA" temporary, "ABIA", "ACCA"; NULL if no ID */
    char *account_id;       /* 12 digits decoded offline from the ID, or NULL */
    struct secret_value *secrets;
    size_t n_secrets;
    struct secret_value *session_tokens;
    size_t n_session_tokens;
    struct smtp_password *smtp_passwords;
    size_t n_smtp_passwords;
    char **regions;         /* regions named in context (SMTP host names), sorted, unique */
    size_t n_regions;
    char **rule_ids;        /* sorted, unique */
    size_t n_rule_ids;
    struct location *locations; /* sorted by path, line, column, part */
    size_t n_locations;
    enum exposure exposure;
    char **branches;        /* git: branch tips whose tree contains it (sorted) */
    size_t n_branches;
    struct verification *verification; /* NULL unless --verify */
    struct risk *risk;      /* rank/risk.h; NULL until ranked */
};

/* Statistics of one run, shown in every report. */
struct scan_stats {
    uint64_t files;            /* inputs scanned (files, stdin, blobs) */
    uint64_t bytes;            /* bytes read from them */
    uint64_t skipped;          /* inputs skipped by rule (symlinks, special files) */
    uint64_t excluded;         /* inputs excluded by --exclude/--include or .sesame.json */
    uint64_t errors;           /* inputs that could not be read (warnings were printed) */
    uint64_t limits;           /* inputs where a limit stopped reading (warnings printed) */
    uint64_t history_cut;      /* git histories cut short (shallow clones, grafts) */
    bool timed_out;            /* the time budget ran out */
    bool incomplete;           /* any of the above but skipped/excluded: not all was read */
    const struct diags *diags; /* the warnings of the run (kinds, texts), or NULL */
    const struct location *const *allowed; /* occurrences allowed by sesame:allow */
    size_t n_allowed;
    const char *inline_allow;  /* the policy for them: "all", "none", "ids" */
    uint64_t decoded_views;    /* decoded views scanned (base64, url, utf-16, ...) */
    uint64_t examples_hidden;  /* example findings not shown (see --include-examples) */
    uint64_t suppressed;       /* findings suppressed by allow comments or baselines */
    double seconds;            /* wall-clock time of the scan */
    int64_t started_at;        /* seconds since the epoch; fixed in golden tests */
};

#endif
