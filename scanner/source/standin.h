/*
 * source/standin.h - stand-in libraries: small shared libraries built with sesame, each
 * of the soname of a library that a library sesame loads links but that this process
 * never calls: libgit2's libssh2 and GSSAPI in a process that reads no remote
 * (source/git/nonet/), libarchive's libxml2, which only its XAR format uses and sesame
 * never asks for (source/archive/noxml/). Loaded before that library, they are what the
 * dynamic linker binds it to, and the real ones, with their own dependencies, are never
 * opened. Every function in them aborts with its name if called (standin/never.h).
 *
 * Where they are: lib/sesame/ next to the binary (the build tree), then ../lib/sesame/
 * (installed: <prefix>/bin/sesame and <prefix>/lib/sesame/). Only code that root or this
 * user owns, in a directory of the same owners, that nobody else may change is loaded.
 */
#ifndef SESAME_SOURCE_STANDIN_H
#define SESAME_SOURCE_STANDIN_H

#include <stdbool.h>
#include <stddef.h>

/* dlopen() files[0, n) (names inside the stand-ins' directory) in order, all or none,
 * from dir, or from the places above when dir is NULL: handles[i] set, or all NULL. */
bool standin_open(const char *const *files, size_t n, void **handles, const char *dir);
/* dlclose() what standin_open loaded (a NULL handle is skipped); handles set to NULL. */
void standin_close(void **handles, size_t n);

struct dl_lib;
/* dl_load(lib) after standin_open gave `stand_ins` (handles[0, n)): if lib cannot be
 * loaded with them (it needs a symbol they lack), they are closed and lib is loaded with
 * its own libraries. *used: whether lib is bound to the stand-ins, i.e. the soname
 * `probe` (handles[0]'s) names handles[0], not a real library loaded before. */
bool standin_dl_load(struct dl_lib *lib, void **handles, size_t n, bool stand_ins,
                     const char *probe, bool *used);

#endif
