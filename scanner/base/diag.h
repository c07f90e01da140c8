/*
 * base/diag.h - what a run could not read, kept for the report (not only printed).
 *
 * Every warning goes through log.c; a run binds a `struct diags` to each of its threads
 * (diag_bind), and log.c records each warning there, with its kind, even under -q. The
 * kinds other than DIAG_NOTE make a run incomplete: the report says so (text summary,
 * JSON "scan.incomplete", SARIF executionSuccessful false + notifications) and main.c
 * turns them into the documented exit code. Counts are exact; the texts of the first
 * LIMIT_DIAG_KEPT are kept.
 */
#ifndef SESAME_BASE_DIAG_H
#define SESAME_BASE_DIAG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"

enum diag_kind {
    DIAG_NOTE = 0,      /* informational: the input was read (e.g. "scanned as plain bytes") */
    DIAG_UNREADABLE,    /* an input, or part of one, could not be read */
    DIAG_LIMIT,         /* a limit stopped reading part of an input */
    DIAG_HISTORY,       /* a git history is cut short (shallow clone, grafts) */
    DIAG_TIMEOUT,       /* the time budget ran out */
    DIAG_KINDS
};

struct diag_entry {
    enum diag_kind kind;
    char *text;          /* escaped, printable, one line */
};

struct diags {
    pthread_mutex_t lock;
    uint64_t count[DIAG_KINDS];
    struct diag_entry *v;
    size_t n, cap;
};

void diags_init(struct diags *d);
void diags_release(struct diags *d);

/* Make `d` this thread's sink (NULL: none); returns the previous one. Threads a run
 * starts bind the run's sink themselves. */
struct diags *diag_bind(struct diags *d);

/* Record an already escaped line in this thread's sink, if any. */
void diag_record(enum diag_kind kind, const char *text);

/* Copy of the counters (under the lock). */
void diag_counts(struct diags *d, uint64_t out[DIAG_KINDS]);

/* "unreadable", "limit", "history", "timeout", "note". */
const char *diag_kind_name(enum diag_kind kind);

#endif
