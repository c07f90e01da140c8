/*
 * match/shapes.h - what the matcher checks in C instead of in an expression (shapes.c):
 * the HTML quote trigger's keyword, rules that are one run of a class.
 */
#ifndef SESAME_MATCH_SHAPES_H
#define SESAME_MATCH_SHAPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A rule that is one run of a class between two classes, (?<![B])(?<value>[V]{N})(?![A]),
 * confirmed in C (shapes.c). */
struct run_rule {
    uint8_t before[32], value[32], after[32]; /* bit sets */
    size_t n;
    bool skip; /* every value character fails the look-behind */
};

/* True if `pattern` is such a rule (written exactly so), described in *out. */
bool run_rule_parse(const char *pattern, struct run_rule *out);

/* The first start s in [pos, hi] of a match within p[0, len), as PCRE2 finds it (the
 * look-behind may look before pos); SIZE_MAX if none. */
size_t run_rule_find(const struct run_rule *r, const unsigned char *p, size_t len, size_t pos,
                     size_t hi);

/* The HTML quote trigger's keyword check (shapes.c). */
bool html_quote_keyword(const unsigned char *p, size_t end);

#endif
