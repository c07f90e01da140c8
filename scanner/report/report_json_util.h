/*
 * report/report_json_util.h - jansson helpers shared by the JSON and SARIF reporters
 * (defined in report_json.c). For report/ only.
 *
 * Every string is made valid UTF-8 (bad bytes become U+FFFD) before jansson sees it, so
 * a NULL from a jansson constructor can only mean out of memory, which aborts.
 */
#ifndef SESAME_REPORT_REPORT_JSON_UTIL_H
#define SESAME_REPORT_REPORT_JSON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

json_t *report_json_new(json_t *v);                         /* v, or abort if NULL */
void report_json_put(json_t *obj, const char *key, json_t *v); /* steals v */
void report_json_push(json_t *arr, json_t *v);               /* steals v */
json_t *report_json_strn(const char *s, size_t n);           /* null for NULL */
json_t *report_json_str(const char *s);
json_t *report_json_path(const char *s);                     /* escaped without loss */
json_t *report_json_uint(uint64_t x);                        /* clamped to INT64_MAX */

struct scan_stats;
/* [{"kind", "message"}] for every warning the run kept (base/diag.h). */
json_t *report_json_diagnostics(const struct scan_stats *st);

#endif
