/*
 * source/standin.c - load the stand-in libraries (see standin.h).
 */
#include "source/standin.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/dl.h"
#include "base/xalloc.h"

/* Code is loaded from path only if it is root's or ours and nobody else may change it
 * (the directory next to a copy of the binary in a shared directory could be anyone's). */
static bool trusted(const char *path, bool dir)
{
    struct stat st;

    return stat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) &&
           (st.st_uid == 0 || st.st_uid == geteuid()) && (st.st_mode & 022) == 0;
}

void standin_close(void **handles, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        if (handles[i])
            dlclose(handles[i]);
        handles[i] = NULL;
    }
}

static bool open_in(const char *const *files, size_t n, void **handles, const char *dir)
{
    if (!trusted(dir, true))
        return false;
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, files[i]);
        handles[i] = trusted(path, false) ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
        free(path);
        if (!handles[i]) {
            standin_close(handles, n);
            return false;
        }
    }
    return true;
}

bool standin_open(const char *const *files, size_t n, void **handles, const char *dir)
{
    char exe[PATH_MAX];
    ssize_t len;
    char *slash, *where;
    bool ok;

    for (size_t i = 0; i < n; i++)
        handles[i] = NULL;
    if (dir)
        return open_in(files, n, handles, dir);
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return false;
    exe[len] = '\0';
    if (!(slash = strrchr(exe, '/')))
        return false;
    *slash = '\0';
    where = xasprintf("%s/lib/sesame", exe);
    ok = open_in(files, n, handles, where);
    free(where);
    if (!ok) {
        where = xasprintf("%s/../lib/sesame", exe);
        ok = open_in(files, n, handles, where);
        free(where);
    }
    return ok;
}

bool standin_dl_load(struct dl_lib *lib, void **handles, size_t n, bool stand_ins,
                     const char *probe, bool *used)
{
    *used = false;
    if (!dl_load(lib)) {
        if (!stand_ins)
            return false;
        /* This library needs something the stand-ins lack: with its own libraries. */
        standin_close(handles, n);
        stand_ins = false;
        lib->state = 0;
        lib->err[0] = '\0';
        if (!dl_load(lib))
            return false;
    }
    if (stand_ins) {
        /* bound to them unless the real library was loaded before (then they are unused) */
        void *real = dlopen(probe, RTLD_NOW | RTLD_NOLOAD);
        *used = real == handles[0];
        if (real)
            dlclose(real);
    }
    return true;
}
