/*
 * source/git/lazy.c - load libgit2 on first use and fill lg_api (see lazy.h).
 */
#define LG_NO_REDIRECT
#include "source/git/lazy.h"

#include <pthread.h>

struct lg_api lg_api;

static const char *const lg_names[] = { LG_FUNCS(DL_NAME_) };
static void *lg_syms[sizeof(lg_names) / sizeof(lg_names[0])];
static struct dl_lib lg_lib = { LG_SONAME, lg_names, lg_syms,
                                sizeof(lg_names) / sizeof(lg_names[0]), 0, "" };
static pthread_once_t lg_once = PTHREAD_ONCE_INIT;
static bool lg_ok;

static void lg_load_once(void)
{
    struct lg_api *a_ = &lg_api;
    void *const *s_ = lg_syms;
    size_t i_ = 0;

    if (!dl_load(&lg_lib))
        return;
    LG_FUNCS(DL_SET_)
    lg_ok = true;
}

bool lg_load(void)
{
    pthread_once(&lg_once, lg_load_once);
    return lg_ok;
}

const char *lg_error(void)
{
    return lg_lib.err;
}
