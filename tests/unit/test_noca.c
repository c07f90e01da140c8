/*
 * tests/unit/test_noca.c - the stand-ins for mbedTLS's CA loaders (source/git/noca.h):
 * while noca_skip is on in a thread, they return "file I/O error" without reading
 * anything; in any other thread, or once it is off, they are libmbedx509's own functions
 * (a certificate bundle parses, a file that is not one fails with a parse error).
 */
#include "source/git/noca.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define FILE_IO_ERROR (-0x2900)
#define BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* defined by noca.c (not in noca.h: only the dynamic linker calls them) */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

typedef void chain_fn(void *chain);
static void *x509; /* libmbedx509, loaded as libgit2 loads it */
static chain_fn *chain_init, *chain_free;

static bool load_x509(void)
{
    void *a, *b;

    if (!x509)
        x509 = dlopen("libmbedx509.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!x509)
        return false;
    a = dlsym(x509, "mbedtls_x509_crt_init");
    b = dlsym(x509, "mbedtls_x509_crt_free");
    memcpy(&chain_init, &a, sizeof(a));
    memcpy(&chain_free, &b, sizeof(b));
    return chain_init && chain_free;
}

/* An mbedtls_x509_crt (under 1 KiB in 2.28), zeroed as mbedtls_x509_crt_init leaves it. */
static void *new_chain(void)
{
    void *c = calloc(1, 8192);
    chain_init(c);
    return c;
}

static void drop_chain(void *c)
{
    chain_free(c);
    free(c);
}

static char junk_path[64];

static void make_junk(void)
{
    FILE *f;

    snprintf(junk_path, sizeof(junk_path), "/tmp/sesame-noca-%d.pem", (int)getpid());
    f = fopen(junk_path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", f);
        fclose(f);
    }
}

static void test_skipped_while_on(void)
{
    void *c;
    unsigned before = noca_skipped();

    CHECK(load_x509());
    c = new_chain();
    noca_skip(true);
    CHECK(mbedtls_x509_crt_parse_file(c, BUNDLE) == FILE_IO_ERROR);
    CHECK(mbedtls_x509_crt_parse_path(c, "/etc/ssl/certs") == FILE_IO_ERROR);
    noca_skip(false);
    CHECK(noca_skipped() == before + 2);
    drop_chain(c);
}

static void test_real_functions_otherwise(void)
{
    void *c;
    int rc;

    CHECK(load_x509());
    if (access(BUNDLE, R_OK) != 0) {
        fprintf(stderr, "no CA bundle at %s (apt-get install ca-certificates)\n", BUNDLE);
        CHECK(false);
        return;
    }
    c = new_chain();
    /* 0, or how many certificates of the bundle mbedTLS could not parse: never an error */
    rc = mbedtls_x509_crt_parse_file(c, BUNDLE);
    CHECK(rc >= 0);
    drop_chain(c);
    make_junk();
    c = new_chain();
    rc = mbedtls_x509_crt_parse_file(c, junk_path); /* read, then refused by the parser */
    CHECK(rc < 0 && rc != FILE_IO_ERROR);
    drop_chain(c);
    remove(junk_path);
}

static void *other_thread(void *arg)
{
    void *c = new_chain();
    int *rc = arg;

    *rc = mbedtls_x509_crt_parse_file(c, BUNDLE);
    drop_chain(c);
    return NULL;
}

static void test_skip_is_per_thread(void)
{
    pthread_t t;
    int rc = FILE_IO_ERROR;
    unsigned before = noca_skipped();

    CHECK(load_x509());
    noca_skip(true);
    CHECK(pthread_create(&t, NULL, other_thread, &rc) == 0);
    pthread_join(t, NULL);
    noca_skip(false);
    CHECK(rc >= 0); /* the other thread got the real function */
    CHECK(noca_skipped() == before);
}

static const struct test tests[] = {
    TEST(test_skipped_while_on),
    TEST(test_real_functions_otherwise),
    TEST(test_skip_is_per_thread),
};

HARNESS_MAIN(tests)
