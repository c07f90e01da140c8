/*
 * rules/embedded.h - the default rule files, embedded at build time (cmake/embed.cmake).
 */
#ifndef SESAME_RULES_EMBEDDED_H
#define SESAME_RULES_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name;          /* path relative to patterns/ */
    const unsigned char *data; /* NUL-terminated */
    size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct embedded_file embedded_patterns[];

#endif
