/*
 * base/escape.h - make text from the input safe to print, without losing anything.
 *
 * Paths, member names, ref names and commit messages come from the input: a terminal
 * would act on the escape sequences and controls they may hold, and bidirectional
 * overrides reorder what is shown. Such code points become \xNN (ASCII) or \uNNNN,
 * bytes that are not well-formed UTF-8 become \xNN, and with ESC_BACKSLASH a literal
 * backslash becomes \\ so that the escaped form maps back to exactly one input.
 */
#ifndef SESAME_BASE_ESCAPE_H
#define SESAME_BASE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"

enum {
    ESC_BACKSLASH = 1u << 0, /* "\" -> "\\" (lossless) */
    ESC_BANG = 1u << 1,      /* "!" -> "\!" (a name inside an archive path) */
};

/* Length (1-4) of the well-formed UTF-8 sequence at s[0, n), with its code point in *cp;
 * 0 if s does not start one (stray or truncated byte, overlong form, surrogate). */
size_t utf8_next(const char *s, size_t n, uint32_t *cp);

/* C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates. */
bool escape_unsafe_cp(uint32_t cp);

/* True if s[0, n) would be printed unchanged with these flags. */
bool escape_is_clean(const char *s, size_t n, unsigned flags);

/* The escaped form of s[0, n), NUL-terminated, in a new string (caller frees). */
char *escape_dup(const char *s, size_t n, unsigned flags) MALLOC;

/* A path as every output shows it: the head (all but the last `tail` bytes: a file or
 * git path) escaped with ESC_BACKSLASH | ESC_BANG, so that a '!' of a name reads "\!"
 * and a '!' printed alone is the archive separator; the tail (archive members, whose
 * names were escaped the same way when the path was built) as it is. */
char *escape_path(const char *path, size_t tail) MALLOC;

#endif
