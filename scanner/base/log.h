/*
 * base/log.h - warnings and errors on stderr, one line each, prefixed "sesame: ".
 *
 * Messages name inputs (paths, member names, refs): each line is escaped as a whole
 * (base/escape.h), so nothing from the input reaches the terminal raw. Every warning is
 * also recorded in the thread's diagnostics sink (base/diag.h), printed or not (-q).
 */
#ifndef SESAME_BASE_LOG_H
#define SESAME_BASE_LOG_H

#include <stddef.h>

#include "base/compiler.h"
#include "base/diag.h"

/* Informational: the input was still read. */
void log_warn(const char *fmt, ...) FORMAT(1, 2);
/* Something could not be read (kind says why): the run is incomplete. */
void log_gap(enum diag_kind kind, const char *fmt, ...) FORMAT(2, 3);
void log_error(const char *fmt, ...) FORMAT(1, 2);
void log_set_quiet(int quiet);

/*
 * Lines held back (scan_pipe.c): a thread scanning part of an input for another one
 * holds its lines, and the other one prints and records them later, in the order the
 * parts come in the input, so that a run's warnings come in the same order however many
 * threads scan.
 */
struct log_line {
    int kind;          /* enum diag_kind, or -1 for an error */
    char *line;        /* escaped */
};

struct log_held {
    struct log_line *v;
    size_t n, cap;
};

/* Hold this thread's lines in h from now on (NULL: print and record them again);
 * returns what was in place. */
struct log_held *log_hold(struct log_held *h);
/* Print and record the lines held in h, in order, and empty it. */
void log_release(struct log_held *h);

/* fn(arg) is called by this thread before it prints or records a line of its own (not
 * a held one), never from inside itself; NULL: nothing. */
void log_set_before(void (*fn)(void *arg), void *arg);

#endif
