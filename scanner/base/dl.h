/*
 * base/dl.h - load a shared library when it is first needed, not at process start.
 *
 * libcurl (verify/http.c) and libpq (store/pg/pg.c) pull in about thirty libraries
 * (Kerberos, LDAP, GnuTLS, p11-kit, ...) whose loading and constructors cost about 5 ms
 * of every start, a sixth of a pre-receive hook's run (benches/RESULTS.md, issue 16),
 * though only verification and the PostgreSQL store use them. Their adapters resolve
 * the functions they call here, once, on first use.
 */
#ifndef SESAME_BASE_DL_H
#define SESAME_BASE_DL_H

#include <stdbool.h>
#include <stddef.h>

/* dlopen(soname) and resolve names[0, n) into syms[0, n), once per `once` flag
 * (thread-safe). False, with the loader's message in err, when the library or a
 * function is missing; every later call gives the same answer. */
struct dl_lib {
    const char *soname;
    const char *const *names;
    void **syms;
    size_t n;
    int state; /* 0 not tried, 1 loaded, -1 failed */
    char err[256];
};

bool dl_load(struct dl_lib *lib);

/* DL_DEFINE(api, "libx.so.N", FUNCS), where FUNCS(X) lists X(function) for each
 * function of the library's header that is called: defines `api` (a struct of pointers
 * typed like the functions, api.f), api_lib (its struct dl_lib, .err says why it failed)
 * and bool api_load(void), which loads the library and fills `api` (call it before any
 * api.f; cheap after the first time). The adapter then #defines each f to (*api.f) so
 * its code reads as before. ISO C has no conversion between object and function
 * pointers, hence the byte copies. Needs <string.h>. */
#define DL_NAME_(f) #f,
#define DL_FIELD_(f) __typeof__(f) *f;
#define DL_SET_(f) memcpy(&a_->f, &s_[i_++], sizeof(a_->f));
#define DL_DEFINE(api, soname, FUNCS)                                                       \
    static const char *const api##_names[] = { FUNCS(DL_NAME_) };                          \
    static void *api##_syms[sizeof(api##_names) / sizeof(api##_names[0])];                 \
    static struct dl_lib api##_lib = { soname, api##_names, api##_syms,                    \
                                       sizeof(api##_names) / sizeof(api##_names[0]), 0,    \
                                       "" };                                               \
    static struct {                                                                         \
        FUNCS(DL_FIELD_)                                                                    \
    } api;                                                                                  \
    static bool api##_load(void)                                                            \
    {                                                                                       \
        __typeof__(api) *a_ = &api;                                                         \
        void *const *s_ = api##_syms;                                                       \
        size_t i_ = 0;                                                                      \
        if (!dl_load(&api##_lib))                                                           \
            return false;                                                                   \
        FUNCS(DL_SET_)                                                                      \
        return true;                                                                        \
    }

#endif
