/*
 * base/log.h - warnings and errors on stderr, one line each, prefixed "sesame: ".
 */
#ifndef SESAME_BASE_LOG_H
#define SESAME_BASE_LOG_H

#include "base/compiler.h"

void log_warn(const char *fmt, ...) FORMAT(1, 2);
void log_error(const char *fmt, ...) FORMAT(1, 2);
void log_set_quiet(int quiet);

#endif
