/*
 * base/status.c - the thread-local message behind fail().
 */
#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char message[1024];

enum status fail(enum status code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return code;
}

const char *status_message(void)
{
    return message;
}
