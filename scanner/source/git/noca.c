/*
 * source/git/noca.c - see noca.h: libgit2's initialisation without the CA bundle.
 */
#include "source/git/noca.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>

/* mbedtls/x509.h: MBEDTLS_ERR_X509_FILE_IO_ERROR (not included: the prototypes below are
 * all that is needed, and they are mbedTLS 2.28's) */
#define NOCA_FILE_IO_ERROR (-0x2900)
#define NOCA_LIB "libmbedx509.so.1"

int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

static _Thread_local bool skipping;
static atomic_uint skipped;

void noca_skip(bool on)
{
    skipping = on;
}

unsigned noca_skipped(void)
{
    return atomic_load(&skipped);
}

typedef int parse_fn(void *chain, const char *path);

/* The real function `name` of libmbedx509, if that library is loaded. */
static int forward(const char *name, void *chain, const char *path)
{
    void *h = dlopen(NOCA_LIB, RTLD_LAZY | RTLD_NOLOAD);
    void *sym = h ? dlsym(h, name) : NULL;
    parse_fn *fn = NULL;
    int rc = NOCA_FILE_IO_ERROR;

    if (sym) {
        memcpy(&fn, &sym, sizeof(fn)); /* ISO C: no object-to-function pointer cast */
        rc = fn(chain, path);
    }
    if (h)
        dlclose(h); /* RTLD_NOLOAD took a reference */
    return rc;
}

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
    if (skipping) {
        atomic_fetch_add(&skipped, 1);
        return NOCA_FILE_IO_ERROR;
    }
    return forward("mbedtls_x509_crt_parse_file", chain, path);
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
    if (skipping) {
        atomic_fetch_add(&skipped, 1);
        return NOCA_FILE_IO_ERROR;
    }
    return forward("mbedtls_x509_crt_parse_path", chain, path);
}
