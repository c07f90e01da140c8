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

#include "model/cred.h"
#include "model/provenance.h"
#include "model/verification.h"

struct risk;
struct diags;



/* One place where one part of a credential was seen. */
struct location {
    char *path;           /* display path ("-" for stdin); archive members joined with '!' */
    size_t shown_tail;    /* bytes at the end of path escaped already: archive members (or
                           * the whole path, read back from a report); shown with
                           * escape_path (base/escape.h) */
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
                           * from this path, or NULL (still there, or not on HEAD's line);
                           * container images: "sha256:..." of the layer whose whiteout
                           * removed the file */
    char *layer_cmd;      /* container images: the history command (created_by) of the
                           * layer the file is in, or NULL */
    bool replaced;        /* container images: removed_in is the later layer that wrote
                           * another file at the same path (no whiteout) */
    unsigned target;      /* index of the scan target it was found under (its config and
                           * baseline apply); not reported */
    char value_sha[17];   /* which value of the finding is here: the first 16 hex digits of
                           * its SHA-256 (as secrets[i].sha256); "" for the key ID */
};


/* An SES SMTP password found in the input. */
struct smtp_password {
    char *value;
    char sha256[65];      /* hex SHA-256 of value: a stable, non-reversible handle */
    /* Set when a secret found in the same scan derives to this password. */
    int from_secret;      /* index into finding.secrets, or -1 */
    char *region;         /* derived-for region ("us-east-1"), "v2" for legacy, or NULL */
};


struct secret_value {
    char *value;
    char sha256[65];
    /* --verify: what STS said of this secret with the finding's key ID (live,
     * wrong_secret, ...; not_checked when another secret was live first) */
    enum verify_status status;
};

/* An Amazon Bedrock API key found in the input, with what it says about itself
 * (aws/bedrock.h, decoded offline; empty strings for what it does not say). */
struct bedrock_key {
    char *value;
    char sha256[65];
    const char *type;     /* "long-term", "short-term" or "unknown" (static) */
    char *service_user;   /* long-term: the IAM service user name ("BedrockAPIKey-xxxx") */
    char *account_id;     /* long-term: its account */
    char *key_id;         /* short-term: the access key ID that signed it */
    char *region;         /* short-term: the region it is valid in */
    int64_t expires;      /* short-term: Unix time it expires at, 0 if unknown */
    bool has_token;       /* short-term: signed with temporary credentials */
};

struct finding {
    char fingerprint[17];   /* 16 hex chars; stable: does not depend on locations */
    enum cred_kind kind;    /* CRED_ACCESS_KEY_ID when an ID is known, else the value's kind */
    enum confidence confidence; /* highest confidence among the rules that matched */
    bool example;           /* an AWS documentation example credential */
    bool example_like;      /* not an example, but a near-copy of one (low confidence) */
    bool canary;            /* its key ID's account is a canary-token service's (offline) */
    char *access_key_id;    /* NULL when not known */
    char *key_type;         /* "AKIA" long-term, "ASIA" temporary, "ABIA", "ACCA"; NULL if no ID */
    char *account_id;       /* 12 digits decoded offline from the ID, or NULL */
    struct secret_value *secrets;
    size_t n_secrets;
    struct secret_value *session_tokens;
    size_t n_session_tokens;
    struct smtp_password *smtp_passwords;
    size_t n_smtp_passwords;
    struct bedrock_key *bedrock_keys;
    size_t n_bedrock_keys;
    char **regions;         /* regions named in context (SMTP host names), sorted, unique */
    size_t n_regions;
    char **senders;         /* sender addresses named in context (MAIL_FROM=..., From:;
                             * aws_sender_ok), sorted, unique, at most LIMIT_SENDERS */
    size_t n_senders;
    char **rule_ids;        /* sorted, unique */
    size_t n_rule_ids;
    struct location *locations; /* sorted by path, line, column, part */
    size_t n_locations;
    enum exposure exposure;
    char **branches;        /* git: branch tips whose tree contains it (sorted) */
    size_t n_branches;
    /* The organisation's inventory (--known-keys, --accounts), set by the scan: */
    bool known_key;            /* the key ID is in the key inventory */
    char *owner_user;          /* its IAM user there, or NULL */
    char *owner_status;        /* its status there ("Active", "Inactive"), or NULL */
    const char *account_owner; /* "own", "foreign" (static), or NULL when nothing says */
    struct verification *verification; /* NULL unless --verify */
    struct risk *risk;      /* rank/risk.h; NULL until ranked */
};

/* The handle of a part of a credential, "secret_access_key:" + the first
 * FINDING_PART_HEX hex digits of its value's SHA-256: no secret, stable (baselines record
 * the parts a credential had with it). out: at least 64 bytes. */
#define FINDING_PART_HEX 16
void finding_part_handle(enum cred_kind kind, const char *sha256_hex, char *out, size_t n);

/* Statistics of one run, shown in every report. */
struct scan_stats {
    uint64_t files;            /* inputs scanned (files, stdin, blobs) */
    uint64_t blobs;            /* of which git blobs (not files: summaries say which) */
    uint64_t images;           /* container images read by layers (source/src_image.h) */
    uint64_t image_layers;     /* their layer blobs, each scanned once */
    uint64_t image_layers_dup; /* layer blobs listed again, not scanned again */
    uint64_t image_files_dup;  /* layer files whose content an earlier layer holds: their
                                * findings reported at every place, matched once */
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
    uint64_t filtered;         /* findings not shown: --results, --min-risk */
    double seconds;            /* wall-clock time of the scan */
    int64_t started_at;        /* seconds since the epoch; fixed in golden tests */
};

#endif
