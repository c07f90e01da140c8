/*
 * report/report_json_util.h - what the JSON and SARIF reporters share (defined in
 * report_json.c). For report/ only; documents are built with json/json.h.
 */
#ifndef SESAME_REPORT_REPORT_JSON_UTIL_H
#define SESAME_REPORT_REPORT_JSON_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "json/json.h"

/* A path from the input, escaped without loss (base/escape.h ESC_BACKSLASH); null for
 * NULL. */
struct jv *report_json_path(const char *s, size_t tail);

#define REPORT_JSON_TIME_SIZE 80
/* "2026-11-23T12:00:00Z" (ISO-8601, UTC) into buf; false outside the years 0 to 9999. */
bool report_json_iso_time(char buf[REPORT_JSON_TIME_SIZE], int64_t t);

/* The SARIF artifact URI of a display path (report_sarif.c): every byte outside RFC 3986's
 * path set percent-encoded; an absolute path becomes file:///. Caller frees. */
char *report_sarif_uri(const char *path, size_t tail);

#endif
