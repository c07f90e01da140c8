/*
 * source/git/nonet/never.h - what the stand-ins for libgit2's network libraries share
 * (see libssh2_none.c). Not part of the scanner: built into each stand-in only.
 *
 * NEVER(f) defines f as a function that says which function libgit2 called and aborts.
 * The stand-ins are loaded only by a process that never lets libgit2 reach a remote,
 * so none of these is ever called; if one were, the run stops there, loudly, instead of
 * going on with a stand-in's answer. The C types of the real functions do not matter:
 * the dynamic linker binds names, and nothing returns.
 */
#ifndef SESAME_SOURCE_GIT_NONET_NEVER_H
#define SESAME_SOURCE_GIT_NONET_NEVER_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void never_called(const char *lib, const char *f)
{
    static const char a[] = "sesame: bug: libgit2 called ";
    static const char b[] = ", which this process left out (it reads no remote)\n";

    (void)!write(2, a, sizeof(a) - 1);
    (void)!write(2, lib, strlen(lib));
    (void)!write(2, "'s ", 3);
    (void)!write(2, f, strlen(f));
    (void)!write(2, b, sizeof(b) - 1);
    abort();
}

#define NEVER(lib, f)                                                                       \
    void f(void);                                                                           \
    void f(void)                                                                            \
    {                                                                                       \
        never_called(lib, #f);                                                              \
    }

#endif
