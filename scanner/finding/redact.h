/*
 * finding/redact.h - the one place secret values are turned into printable text.
 *
 * Redacted form: the first 4 characters, an ellipsis, and a fingerprint of the value
 * ("wJal…[sha256:3fa9c1d2e8b0]"); key IDs are identifiers, not secrets, and are shown
 * whole. With show == true the value is returned as is.
 */
#ifndef SESAME_FINDING_REDACT_H
#define SESAME_FINDING_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "finding/finding.h"

/* Write the printable form of `value` (of part `kind`) into out (always NUL-terminated,
 * truncated to out_size). Returns out. */
const char *redact_value(char *out, size_t out_size, enum cred_kind kind, const char *value,
                         bool show);

#define REDACT_PREFIX_CHARS 4

#endif
