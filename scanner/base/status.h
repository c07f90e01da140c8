/*
 * base/status.h - status codes and the thread-local one-line error message.
 *
 * Functions that can fail return an enum status and record a message with fail().
 * The message is recorded, not printed: the caller decides whether it is fatal or a
 * warning. main.c maps the worst status of a run to the exit code in one table.
 */
#ifndef SESAME_BASE_STATUS_H
#define SESAME_BASE_STATUS_H

#include "base/compiler.h"

enum status {
    STATUS_OK = 0,
    STATUS_USAGE,   /* bad flags or arguments */
    STATUS_IO,      /* cannot read a path, stream or repository */
    STATUS_CORRUPT, /* malformed repository, archive, rules file or response */
    STATUS_LIMIT,   /* input exceeded a limits.h cap */
    STATUS_NET,     /* verifier transport or TLS failure */
    STATUS_BUG,     /* broken invariant: a sesame bug */
};

/* Record a one-line message for this thread and return `code`. */
enum status fail(enum status code, const char *fmt, ...) FORMAT(2, 3);

/* The message recorded by the last fail() on this thread ("" if none). */
const char *status_message(void);

#endif
