/*
 * scope.h - may two values found near each other belong to one credential?
 *
 * Pairing joins a secret (token, SMTP password) to the nearest key ID. Distance alone
 * joins parts of different credentials: the key ID of the next INI profile, the key of
 * a sibling JSON object or YAML map, a documentation example a few lines away. This
 * says how strongly the text between two matches separates them, so that pairing can
 * refuse a hard boundary and prefer a partner in the same block.
 */
#ifndef SESAME_SCOPE_H
#define SESAME_SCOPE_H

#include <stddef.h>

enum scope_sep {
    SCOPE_SAME = 0,  /* nothing between them says they are apart */
    SCOPE_SIBLING,   /* sibling blocks ({...} {...}, YAML maps): a partner of last resort */
    SCOPE_APART,     /* an INI/TOML section header or a YAML document separator: never */
};

/* How data[a_end, b_start) separates a match [a_start, a_end) from a later one starting
 * at b_start (a_end <= b_start; otherwise SCOPE_SAME). Reads data[a_start - 256,
 * b_start) at most. */
enum scope_sep scope_between(const unsigned char *data, size_t a_start, size_t a_end,
                             size_t b_start);

#endif
