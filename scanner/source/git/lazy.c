/*
 * source/git/lazy.c - load libgit2 on first use and fill lg_api (see lazy.h).
 */
#define LG_NO_REDIRECT
#include "source/git/lazy.h"

#include <pthread.h>
#include <stdatomic.h>

#include "source/standin.h"

struct lg_api lg_api;

static const char *const lg_names[] = { LG_FUNCS(DL_NAME_) };
static void *lg_syms[sizeof(lg_names) / sizeof(lg_names[0])];
static struct dl_lib lg_lib = { LG_SONAME, lg_names, lg_syms,
                                sizeof(lg_names) / sizeof(lg_names[0]), 0, "" };
static pthread_once_t lg_once = PTHREAD_ONCE_INIT;
static bool lg_ok;

/* nonet/: the stand-ins, in the order they are loaded (CMakeLists.txt names them) */
static const char *const nonet_files[] = { "libssh2_none.so", "gssapi_none.so" };
#define N_NONET (sizeof(nonet_files) / sizeof(nonet_files[0]))
static atomic_bool nonet_wanted;
static const char *nonet_dir;
static void *nonet[N_NONET];
static bool nonet_used;

void lg_without_network(void)
{
    atomic_store(&nonet_wanted, true);
}

void lg_set_nonet_dir(const char *dir)
{
    nonet_dir = dir;
}

static void lg_load_once(void)
{
    struct lg_api *a_ = &lg_api;
    void *const *s_ = lg_syms;
    size_t i_ = 0;
    bool stand_ins =
        atomic_load(&nonet_wanted) && standin_open(nonet_files, N_NONET, nonet, nonet_dir);

    if (!standin_dl_load(&lg_lib, nonet, N_NONET, stand_ins, "libssh2.so.1", &nonet_used))
        return;
    LG_FUNCS(DL_SET_)
    lg_ok = true;
}

bool lg_nonet_used(void)
{
    return lg_load() && nonet_used;
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
