/*
 * report/report_store.h - reports of what the audit store holds (`sesame findings`,
 * `sesame report --html`): one finding per credential across every repository, ranked
 * by risk, with its triage state and every place it was seen.
 *
 * Everything printed comes from the store, which may come from elsewhere: it is escaped
 * for its format (text: backslash escapes; CSV: quoted, formula-looking cells made
 * inert; HTML: entities). Secrets are stored redacted and printed as stored.
 */
#ifndef SESAME_REPORT_REPORT_STORE_H
#define SESAME_REPORT_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "store/store.h"

/* "text", "json", "jsonl", "csv", "sarif", "html"; STATUS_USAGE for another. */
enum status report_store(FILE *out, const char *format, const struct store_row *rows, size_t n,
                         int64_t now);
const char *report_store_formats(void);

/* SARIF 2.1.0 (report_store_sarif.c). */
enum status report_store_sarif(FILE *out, const struct store_row *rows, size_t n);

/* The self-contained HTML report (report_html.c): no network, inline CSS, JS and SVG. */
enum status report_store_html(FILE *out, const struct store_row *rows, size_t n, int64_t now);

#endif
