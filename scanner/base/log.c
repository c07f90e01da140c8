/*
 * base/log.c - one-line diagnostics; serialised so lines of two workers never mix.
 */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_quiet;

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

FORMAT(2, 0) static void vlog(const char *level, const char *fmt, va_list ap)
{
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "sesame: %s", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    if (log_quiet)
        return;
    va_start(ap, fmt);
    vlog("warning: ", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", fmt, ap);
    va_end(ap);
}
