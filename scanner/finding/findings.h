/*
 * finding/findings.h - collect observations during a scan, build findings at the end.
 *
 * Workers add observations (one part of a credential seen at one place) concurrently;
 * findings_build() then groups them into credentials, deterministically whatever the
 * order they arrived in: every access key ID is a finding; a secret, token or SMTP
 * password joins the finding(s) of the key ID(s) it was paired with (seen next to it),
 * else stands alone; an SMTP password a found secret derives to joins that secret.
 */
#ifndef SESAME_FINDING_FINDINGS_H
#define SESAME_FINDING_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "finding/finding.h"

struct findings;

struct observation {
    enum cred_kind kind;
    const char *value;
    size_t value_len;
    const char *paired_id;   /* key ID seen next to this value, or NULL */
    const char *region;      /* region named next to it (SMTP host), or NULL */
    const char *senders;     /* sender addresses named next to it ('\n'-separated, each
                              * valid for aws_sender_ok: sender.h), or NULL */
    enum confidence confidence;
    const char *rule_id;
    const char *path;
    size_t shown_tail;       /* bytes at the end of path escaped already (struct blob) */
    uint64_t offset, line, column;
    uint64_t column_utf16;   /* the same column in UTF-16 code units (0: unknown) */
    const char *encoding;    /* NULL for plain text */
    const char *blob_id;     /* or NULL */
    const struct commit_info *commit; /* or NULL */
    bool deferred;           /* where blob_id was seen comes later (struct blob's
                              * `deferred`): findings_expand, for this target */
    unsigned target;         /* index of the scan target (struct location) */
    bool allowed;            /* on a `sesame:allow` line: listed, never a finding */
    const char *layer_cmd;   /* image layer's history command (struct blob), or NULL */
    const char *removed_in;  /* image layer that removed it (struct blob), or NULL */
    bool replaced;           /* removed_in wrote another file at its path (struct blob) */
};

struct findings_opts {
    const char *const *smtp_regions; /* for SMTP password linking */
    size_t n_smtp_regions;
    bool include_examples;
    unsigned threads;                /* for SMTP password linking: 0 or 1 = this one */
};

void findings_new(struct findings **out);
void findings_free(struct findings *f);

/* Copy `o` into the collection (thread-safe). STATUS_LIMIT past LIMIT_OBSERVATIONS. */
enum status findings_add(struct findings *f, const struct observation *o);

/* Observations collected so far (tests). */
size_t findings_observations(const struct findings *f);

/* Deferred provenance (whole git histories: each target is one repository). The
 * distinct blob ids of the deferred observations of scan target `target`, sorted: a new
 * array of borrowed strings (valid until findings_expand or findings_free). */
size_t findings_deferred_blobs(struct findings *f, unsigned target, const char ***out);

struct prov_table;
/* Replace every deferred observation of target `target` with one per place `table` lists
 * for its blob: that place's path in place of the blob's display path (a prefix of the
 * observation's path: archive members keep their "!member" suffix) and its commit. An
 * observation whose blob the table does not list, or lists with no place, is kept as it
 * is. Either way it is no longer deferred. STATUS_LIMIT (and the rest dropped) past
 * LIMIT_OBSERVATIONS. */
enum status findings_expand(struct findings *f, unsigned target, const struct prov_table *table);

/* Build the findings, sorted (non-examples first, then by kind, ID/fingerprint). The
 * returned array and findings are owned by `f` and live until findings_free().
 * *examples_hidden counts example findings left out (unless include_examples). */
void findings_build(struct findings *f, const struct findings_opts *opts,
                    struct finding ***out, size_t *n, uint64_t *examples_hidden);

/* The occurrences allowed inline (sesame:allow), after findings_build(): a new array of
 * borrowed locations sorted by path, line, column (caller frees the array). */
size_t findings_allowed(struct findings *f, const struct location ***out);

/* Free what one finding owns, its secret values wiped first; not its verification (the
 * verifier's). findings_free does this for the findings it built; finding/load.c for
 * the findings it read. */
void finding_release(struct finding *f);

/* Append the Bedrock API key `value` to fd, with what it says about itself (decoded
 * offline); the finding's account_id is set from it when it has none. */
void finding_add_bedrock(struct finding *fd, const char *value);

#endif
