/*
 * verify/awsresp_int.h - the helpers awsresp.c and awsresp_ses.c share: internal to the
 * readers of AWS answers (verify/awsresp.h is their interface).
 */
#ifndef SESAME_VERIFY_AWSRESP_INT_H
#define SESAME_VERIFY_AWSRESP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"
#include "verify/awsresp.h"

struct jv_error;

/* err->why = the formatted reason; returns AWSRESP_BAD. */
enum awsresp_result awsresp_bad(struct awsresp_error *err, const char *fmt, ...) FORMAT(2, 3);

/* Copy s[0, n) into out as report-safe text (control bytes and, unless utf8_ok, bytes
 * outside printable ASCII become '?'). */
void awsresp_copy(char *out, size_t out_size, const char *s, size_t n, bool utf8_ok);

/* Control characters become spaces. */
void awsresp_one_line(char *s);

/* The body's first byte that is not white space, or 0. */
char awsresp_first_char(const struct awsresp_in *in);

/* err->why from a JSON parse error. */
void awsresp_json_why(struct awsresp_error *err, const struct jv_error *je);

/* Clears err; decides a cut body or a non-2xx status (*res). True when the caller should
 * read a 2xx answer. */
bool awsresp_begin(const struct awsresp_in *in, struct awsresp_error *err,
                   enum awsresp_result *res);

/* A finite decimal number, all of s. */
bool awsresp_number(const char *s, double *out);

/* "YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00)" -> seconds since the epoch. */
bool awsresp_iso8601(const char *s, int64_t *out);

#endif
