/*
 * base/dl.c - load a shared library on first use and resolve its functions (see dl.h).
 * One mutex for all libraries: loading happens once per process, off the hot path.
 */
#include "base/dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

bool dl_load(struct dl_lib *lib)
{
    bool ok;

    pthread_mutex_lock(&dl_lock);
    if (lib->state == 0) {
        /* RTLD_LOCAL: its symbols stay out of the global scope (nothing else binds to
         * them by accident); RTLD_NOW: a missing function is reported here, not later */
        void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        lib->state = 1;
        if (!h) {
            const char *e = dlerror();
            snprintf(lib->err, sizeof(lib->err), "cannot load %s: %s", lib->soname,
                     e ? e : "unknown error");
            lib->state = -1;
        }
        for (size_t i = 0; h && i < lib->n; i++) {
            lib->syms[i] = dlsym(h, lib->names[i]);
            if (!lib->syms[i]) {
                snprintf(lib->err, sizeof(lib->err), "%s has no function %s", lib->soname,
                         lib->names[i]);
                lib->state = -1;
                break;
            }
        }
        /* the handle is kept for the life of the process (functions stay mapped) */
    }
    ok = lib->state == 1;
    pthread_mutex_unlock(&dl_lock);
    return ok;
}
