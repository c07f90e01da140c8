/*
 * source/archive/lazy.c - load libarchive on first use and fill la_api (see lazy.h).
 */
#define LA_NO_REDIRECT
#include "source/archive/lazy.h"

#include <pthread.h>
#include <stdatomic.h>

#include "source/src_archive.h"
#include "source/standin.h"

struct la_api la_api;

static const char *const la_names[] = { LA_FUNCS(DL_NAME_) };
static void *la_syms[sizeof(la_names) / sizeof(la_names[0])];
/* libarchive 3's soname (stable since 3.0) */
static struct dl_lib la_lib = { "libarchive.so.13", la_names, la_syms,
                                sizeof(la_names) / sizeof(la_names[0]), 0, "" };
static pthread_once_t la_once = PTHREAD_ONCE_INIT;
static atomic_bool la_ok; /* also read by src_archive_loaded_how, which does not load */

/* noxml/: the stand-in for libxml2 (CMakeLists.txt names it) */
static const char *const noxml_files[] = { "libxml2_none.so" };
static void *noxml[1];
static const char *noxml_dir;
static bool noxml_used;

void la_set_standin_dir(const char *dir)
{
    noxml_dir = dir;
}

static void la_load_once(void)
{
    struct la_api *a_ = &la_api;
    void *const *s_ = la_syms;
    size_t i_ = 0;
    bool stand_in = standin_open(noxml_files, 1, noxml, noxml_dir);

    if (!standin_dl_load(&la_lib, noxml, 1, stand_in, "libxml2.so.2", &noxml_used))
        return;
    LA_FUNCS(DL_SET_)
    atomic_store(&la_ok, true);
}

bool la_standin_used(void)
{
    return la_load() && noxml_used;
}

const char *src_archive_loaded_how(void)
{
    /* asks, does not load: only what a reader loaded */
    if (!atomic_load(&la_ok))
        return NULL;
    return noxml_used ? "without libxml2 (stand-in)" : "with its own libraries";
}

bool la_load(void)
{
    pthread_once(&la_once, la_load_once);
    return atomic_load(&la_ok);
}

const char *la_error(void)
{
    return la_lib.err;
}
