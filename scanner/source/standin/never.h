/*
 * source/standin/never.h - what the stand-in libraries share (source/standin.h): those
 * for libgit2's network libraries (source/git/nonet/) and for libarchive's libxml2
 * (source/archive/noxml/). Not part of the scanner: built into each stand-in only.
 *
 * NEVER(lib, f) defines f as a function that says which function STANDIN_CALLER (the
 * library the stand-in is loaded for, defined before this header, with STANDIN_WHY)
 * called and aborts. A stand-in is loaded only where its library is never used, so none
 * of these is ever called; if one were, the run stops there, loudly, instead of going
 * on with a stand-in's answer. The C types of the real functions do not matter: the
 * dynamic linker binds names, and nothing returns.
 */
#ifndef SESAME_SOURCE_STANDIN_NEVER_H
#define SESAME_SOURCE_STANDIN_NEVER_H

#if !defined(STANDIN_CALLER) || !defined(STANDIN_WHY)
#error "define STANDIN_CALLER and STANDIN_WHY before including never.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void never_called(const char *lib, const char *f)
{
    static const char a[] = "sesame: bug: " STANDIN_CALLER " called ";
    static const char b[] = ", which this process left out (" STANDIN_WHY ")\n";

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
