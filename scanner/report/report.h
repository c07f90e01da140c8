/*
 * report/report.h - write findings in one of the output formats.
 *
 * One signature, one table row per format. Reporters print secret values only through
 * redact.h, so --show-secrets is honoured in exactly one place.
 */
#ifndef SESAME_REPORT_REPORT_H
#define SESAME_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "finding/finding.h"

struct report_opts {
    bool show_secrets;
    bool color;             /* text only: ANSI colour (decided by the caller: TTY, NO_COLOR) */
    bool include_examples;  /* examples are in `sorted`; say so in the summary */
    const struct scan_stats *stats;
    bool explain;           /* show the factors behind each risk score */
    bool ascii;             /* text only: no UTF-8 (a C or other non-UTF-8 locale) */
    const char *hook_name;  /* hook only: "pre-receive", "pre-push", "pre-commit" */
    bool hook_bypass;       /* hook only: the server honours -o sesame.skip=REASON */
    const char *const *targets; /* what was scanned, for the report header */
    size_t n_targets;
};

typedef enum status report_fn(FILE *out, const struct finding *const *sorted, size_t n,
                              const struct report_opts *opts);

/* Find the reporter for a format name ("text", "json", "jsonl", "sarif"); NULL if unknown. */
report_fn *report_lookup(const char *format);
/* Comma-separated list of format names, for usage text. */
const char *report_formats(void);

/* The writers behind the table: report_text.c, report_json.c ("json" and "jsonl"). Each
 * returns STATUS_IO if `out` cannot be written and STATUS_BUG for a malformed finding. */
report_fn report_text_write;
report_fn report_json_write;
report_fn report_jsonl_write;
report_fn report_sarif_write; /* report_sarif.c: SARIF 2.1.0 for GitHub code scanning */
report_fn report_gitlab_write; /* report_gitlab.c: GitLab Secret Detection report */
/* report_text.c: only the text report's summary line (and its incomplete paragraph),
 * for stderr when the report goes to a file (-o). */
report_fn report_summary_write;
/* The format a report file's name implies ("x.sarif" -> "sarif", "x.json" -> "json",
 * "gl-secret-detection-report.json" -> "gitlab"), or NULL. */
const char *report_format_for_path(const char *path);
report_fn report_hook_write;
report_fn report_baseline_write; /* report_baseline.c: `sesame baseline create` */ /* report_hook.c: the message a rejected push shows */

/* Shared by the writers. The printable form of `value` through redact_value(), in a new
 * string (caller frees). */
char *report_redact(enum cred_kind kind, const char *value, bool show);

/* A verification as the JSON report's "verification" object, on one line (new string;
 * "null" for NULL): what the audit store keeps, read back by finding/load.h's
 * load_verification. Holds no secret. */
char *report_verification_json(const struct verification *v);


/* `sesame baseline create` format version (2: parts recorded; config.c reads 1 and 2). */
#define REPORT_BASELINE_VERSION 2

/* JSON report format version; bump on incompatible change (schema/report.schema.json). */
#define REPORT_JSON_VERSION "1.4"

#endif
