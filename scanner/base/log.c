/*
 * base/log.c - one-line diagnostics; serialised so lines of two workers never mix.
 */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_quiet;

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

/* Format, escape, record (warnings), print (unless quiet and not an error). */
FORMAT(3, 0) static void vlog(const char *level, int kind, const char *fmt, va_list ap)
{
    char small[512];
    char *big = NULL, *line;
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(small, sizeof(small), fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(small)) {
        big = malloc((size_t)n + 1);
        if (!big)
            return;
        vsnprintf(big, (size_t)n + 1, fmt, ap);
    }
    line = escape_dup(big ? big : small, (size_t)n, ESC_BACKSLASH);
    free(big);
    if (kind >= 0)
        diag_record((enum diag_kind)kind, line);
    if (kind < 0 || !log_quiet) {
        pthread_mutex_lock(&log_lock);
        fprintf(stderr, "sesame: %s%s\n", level, line);
        pthread_mutex_unlock(&log_lock);
    }
    free(line);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", DIAG_NOTE, fmt, ap);
    va_end(ap);
}

void log_gap(enum diag_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", (int)kind, fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", -1, fmt, ap);
    va_end(ap);
}
