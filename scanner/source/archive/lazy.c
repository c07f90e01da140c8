/*
 * source/archive/lazy.c - load libarchive on first use and fill la_api (see lazy.h).
 */
#define LA_NO_REDIRECT
#include "source/archive/lazy.h"

#include <pthread.h>

struct la_api la_api;

static const char *const la_names[] = { LA_FUNCS(DL_NAME_) };
static void *la_syms[sizeof(la_names) / sizeof(la_names[0])];
/* libarchive 3's soname (stable since 3.0) */
static struct dl_lib la_lib = { "libarchive.so.13", la_names, la_syms,
                                sizeof(la_names) / sizeof(la_names[0]), 0, "" };
static pthread_once_t la_once = PTHREAD_ONCE_INIT;
static bool la_ok;

static void la_load_once(void)
{
    struct la_api *a_ = &la_api;
    void *const *s_ = la_syms;
    size_t i_ = 0;

    if (!dl_load(&la_lib))
        return;
    LA_FUNCS(DL_SET_)
    la_ok = true;
}

bool la_load(void)
{
    pthread_once(&la_once, la_load_once);
    return la_ok;
}

const char *la_error(void)
{
    return la_lib.err;
}
