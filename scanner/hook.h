/*
 * hook.h - `sesame hook pre-receive|pre-commit|pre-push` and `sesame install-hook`.
 *
 * The hooks return an outcome; main.c maps it to the exit status git acts on (0 accept,
 * 1 reject, 2 usage error, 3 I/O error) together with every other exit code.
 */
#ifndef SESAME_HOOK_H
#define SESAME_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "scanbuf.h"

struct env;

#define HOOK_DEFAULT_BUDGET_MS 4000u

enum hook_outcome {
    HOOK_OK = 0,     /* accepted (hook), installed (install-hook) */
    HOOK_REJECTED,   /* credentials found, or an incomplete scan under fail-closed; a
                      * foreign hook in the way (install-hook) */
    HOOK_USAGE,
    HOOK_IO,
};

struct hook_opts {
    unsigned budget_ms;
    bool fail_open;
    bool allow_bypass;
    const char *log_path;
    bool show_secrets;
    const char *const *rules;
    size_t n_rules;
    enum inline_allow inline_allow;
    bool inline_allow_set;      /* else: none on a server (pre-receive), all on clients */
    const struct env *env;      /* push options, who pushed, the rest for the scan */
};

void hook_default_opts(struct hook_opts *o);

/* Run hook `name` ("pre-receive", "pre-push", "pre-commit"); `arg` is git's first
 * argument (the remote's name for pre-push) or NULL. */
enum hook_outcome hook_run(const char *name, const char *arg, const struct hook_opts *o);

/* Write hook `kind` (NULL: pre-commit) into repository `repo` (NULL: "."). */
enum hook_outcome hook_install(const char *kind, const char *repo, bool force);

#endif
