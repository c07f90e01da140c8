/*
 * hook.h - `sesame hook pre-receive|pre-commit|pre-push` and `sesame install-hook`.
 *
 * Exit status of the hooks: 0 accept, 1 reject (credentials found, or the scan could
 * not complete under the fail-closed policy), 2 usage error.
 */
#ifndef SESAME_HOOK_H
#define SESAME_HOOK_H

/* argv[0] is the hook name ("pre-receive", ...). */
int hook_main(int argc, char **argv);

/* argv[0] is "install-hook". */
int hook_install_main(int argc, char **argv);

#endif
