/*
 * base/log.c - one-line diagnostics; serialised so lines of two workers never mix. A
 * thread may hold its lines back for another one to print in order (log_hold).
 */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "base/xalloc.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_quiet;
static _Thread_local struct log_held *log_holding;
static _Thread_local void (*log_before)(void *arg);
static _Thread_local void *log_before_arg;

struct log_held *log_hold(struct log_held *h)
{
    struct log_held *old = log_holding;
    log_holding = h;
    return old;
}

void log_set_before(void (*fn)(void *arg), void *arg)
{
    log_before = fn;
    log_before_arg = arg;
}

/* Record (warnings) and print (unless quiet and not an error) one escaped line. */
static void emit(int kind, const char *line)
{
    if (kind >= 0)
        diag_record((enum diag_kind)kind, line);
    if (kind < 0 || !log_quiet) {
        pthread_mutex_lock(&log_lock);
        fprintf(stderr, "sesame: %s%s\n", kind < 0 ? "error: " : "warning: ", line);
        pthread_mutex_unlock(&log_lock);
    }
}

void log_release(struct log_held *h)
{
    for (size_t i = 0; i < h->n; i++) {
        emit(h->v[i].kind, h->v[i].line);
        free(h->v[i].line);
    }
    free(h->v);
    memset(h, 0, sizeof(*h));
}

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

/* Format, escape, then hold, or record (warnings) and print. */
FORMAT(2, 0) static void vlog(int kind, const char *fmt, va_list ap)
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
    if (!line)
        return;
    if (log_holding) {
        struct log_held *h = log_holding;
        XGROW(h->v, h->cap, h->n + 1);
        h->v[h->n].kind = kind;
        h->v[h->n++].line = line;
        return;
    }
    if (log_before) {
        void (*fn)(void *) = log_before;
        log_before = NULL; /* not from inside itself */
        fn(log_before_arg);
        log_before = fn;
    }
    emit(kind, line);
    free(line);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(DIAG_NOTE, fmt, ap);
    va_end(ap);
}

void log_gap(enum diag_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog((int)kind, fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(-1, fmt, ap);
    va_end(ap);
}
