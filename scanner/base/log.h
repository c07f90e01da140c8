/*
 * base/log.h - warnings and errors on stderr, one line each, prefixed "sesame: ".
 *
 * Messages name inputs (paths, member names, refs): each line is escaped as a whole
 * (base/escape.h), so nothing from the input reaches the terminal raw. Every warning is
 * also recorded in the thread's diagnostics sink (base/diag.h), printed or not (-q).
 */
#ifndef SESAME_BASE_LOG_H
#define SESAME_BASE_LOG_H

#include "base/compiler.h"
#include "base/diag.h"

/* Informational: the input was still read. */
void log_warn(const char *fmt, ...) FORMAT(1, 2);
/* Something could not be read (kind says why): the run is incomplete. */
void log_gap(enum diag_kind kind, const char *fmt, ...) FORMAT(2, 3);
void log_error(const char *fmt, ...) FORMAT(1, 2);
void log_set_quiet(int quiet);

#endif
