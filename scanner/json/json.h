/*
 * json/json.h - the JSON adapter: the only door to jansson.
 *
 * Two uses. Writers build a document (objects, arrays, strings, numbers, booleans,
 * null) and write it with keys in the order they were put; every string is made valid
 * UTF-8 first (a stray byte becomes U+FFFD), so building can only fail for lack of
 * memory, which aborts like xmalloc. Readers parse untrusted text of bounded size and
 * walk it with getters that answer NULL, 0 or false for a missing key or a wrong type:
 * a hostile document is refused with a message, never a crash.
 *
 * Ownership: a document is one tree. jv_put and jv_push steal the value they are given
 * (it belongs to the container from then on); what jv_get and jv_at return is borrowed
 * from the document and lives as long as it. jv_free frees a whole tree; NULL is a
 * no-op. Every byte jansson held is wiped before it is freed, because a report written
 * with --show-secrets or read by `sesame verify` holds secrets.
 *
 * The prefix is jv_ ("JSON value"): json_ is jansson's own.
 */
#ifndef SESAME_JSON_JSON_H
#define SESAME_JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

struct jv;

/* ---- building ------------------------------------------------------------------- */

struct jv *jv_object(void);
struct jv *jv_array(void);
struct jv *jv_null(void);
struct jv *jv_bool(bool b);
struct jv *jv_int(int64_t x);
struct jv *jv_uint(uint64_t x);          /* clamped to INT64_MAX, never wrapped */
struct jv *jv_real(double x);            /* null for NaN and infinities */
struct jv *jv_strn(const char *s, size_t n); /* null for NULL; bad bytes become U+FFFD */
struct jv *jv_str(const char *s);        /* jv_strn(s, strlen(s)) */

/* obj[key] = v, replacing an earlier value of key. Steals v. key is valid UTF-8. */
void jv_put(struct jv *obj, const char *key, struct jv *v);
/* Append v to arr. Steals v. */
void jv_push(struct jv *arr, struct jv *v);

enum jv_style {
    JV_PRETTY, /* indented by 2, one member per line */
    JV_LINE,   /* compact, on one line (JSON Lines) */
};

/* Write v and a newline to out: keys in order, reals with up to 15 significant digits
 * (round them first for short output). False on a write error, with errno set. */
bool jv_write(FILE *out, const struct jv *v, enum jv_style style);
/* Write doc pretty, as jv_write would, with a last member `key` (not in doc yet): an array
 * of the values next(ctx) gives until NULL, each written and freed before the next is
 * asked for, so that only one is in memory (a report of 20,000 findings held 250 MB
 * as one tree). doc gets key = [] (the caller frees doc). False on a write error (errno
 * set), or at once if doc has key already. */
bool jv_write_streamed(FILE *out, struct jv *doc, const char *key,
                       struct jv *(*next)(void *ctx), void *ctx);

/* ---- reading -------------------------------------------------------------------- */

enum jv_parse_flags {
    JV_REJECT_DUPLICATES = 1 << 0, /* an object naming a key twice is an error */
    JV_REGULAR_FILE = 1 << 1,      /* jv_load_file: refuse anything but a regular file */
};

/* Why a parse failed: text is NUL-terminated, from jansson (it may quote the input). */
struct jv_error {
    int line;        /* 1-based */
    size_t position; /* bytes read when the error was found */
    char text[160];
};

/* Parse text[0, len) (need not be NUL-terminated): one object or array, nothing but
 * white space after it. NULL on error, with *err filled. */
struct jv *jv_parse(const char *text, size_t len, unsigned flags, struct jv_error *err);

/* jv_parse, failing with STATUS_CORRUPT "'name': line N: why". *out is NULL on error. */
enum status jv_load(struct jv **out, const char *name, const char *text, size_t len,
                    unsigned flags);

/* Read the file at path (at most max_bytes; a pipe works too unless JV_REGULAR_FILE)
 * and jv_load it. STATUS_IO if it cannot be read, STATUS_LIMIT "'path': larger than N
 * bytes" if it is too big, STATUS_CORRUPT if it is not JSON. The bytes read are wiped. */
enum status jv_load_file(struct jv **out, const char *path, size_t max_bytes, unsigned flags);

/* Type tests; NULL (a missing member) is none of these. Strings and numbers are tested
 * by their getters below. */
bool jv_is_object(const struct jv *v);
bool jv_is_array(const struct jv *v);
bool jv_is_bool(const struct jv *v);
bool jv_is_true(const struct jv *v);

/* The member key of obj, or NULL (missing, or obj is not an object). */
const struct jv *jv_get(const struct jv *obj, const char *key);
/* The number of elements of an array; 0 for anything else. */
size_t jv_len(const struct jv *arr);
/* Element i of an array, or NULL. */
const struct jv *jv_at(const struct jv *arr, size_t i);
/* The first key of obj, in document order, that is not in the NULL-terminated list
 * `known`; NULL if there is none (or obj is not an object). */
const char *jv_unknown_key(const struct jv *obj, const char *const *known);

/* The key of member i of obj in document order (*value, if given, its value), or NULL
 * past the last member or if obj is not an object. Each call walks from the first
 * member: for the small objects of AWS answers. */
const char *jv_member(const struct jv *obj, size_t i, const struct jv **value);

/* A string's value (NUL-terminated; the parser refuses \u0000), or NULL if v is not a
 * string. *len, if given, is its length in bytes. */
const char *jv_string(const struct jv *v, size_t *len);
/* An integer's value, or `dflt` if v is not an integer. */
int64_t jv_integer(const struct jv *v, int64_t dflt);
/* An integer's or a real's value; false if v is not a number. */
bool jv_number(const struct jv *v, double *out);

void jv_free(struct jv *v);

#endif
