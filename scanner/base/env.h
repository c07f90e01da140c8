/*
 * base/env.h - the process environment, read once.
 *
 * main.c captures the variables sesame documents (cli/env.c lists them, the man page
 * shows them) into one `struct env` at start and hands it down in the configuration;
 * nothing else calls getenv(), so what a run depends on is written in one place and a
 * test can give any module any environment.
 */
#ifndef SESAME_BASE_ENV_H
#define SESAME_BASE_ENV_H

#include <stddef.h>

struct env_var {
    char *name;
    char *value;
};

struct env {
    struct env_var *v;
    size_t n;
};

/* Copy the variables of `environ_` (a NULL-terminated "NAME=value" array) whose name is
 * in `names` or starts with one of `prefixes` (each ends in '_'). */
void env_capture(struct env *e, char *const *environ_, const char *const *names,
                 const char *const *prefixes);
/* A test's environment: pairs of name, value, ending with NULL. */
void env_from_pairs(struct env *e, const char *const *pairs);
void env_release(struct env *e);

/* The value of `name`, or NULL when it is unset or empty (e may be NULL). */
const char *env_get(const struct env *e, const char *name);

#endif
