/*
 * crypto/crypto.c - OpenSSL behind crypto/crypto.h.
 */
#include "crypto/crypto.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

struct crypto_sha256_ctx {
    EVP_MD_CTX *md;
};

static void crypto_die(const char *what)
{
    /* OpenSSL's digests do not fail short of memory exhaustion: like xmalloc, abort. */
    fprintf(stderr, "sesame: %s failed (OpenSSL)\n", what);
    abort();
}

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != CRYPTO_SHA256_LEN)
        crypto_die("SHA-256");
}

void crypto_sha256_hex(const void *data, size_t len, char out[2 * CRYPTO_SHA256_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[CRYPTO_SHA256_LEN];

    crypto_sha256(data, len, md);
    for (size_t i = 0; i < CRYPTO_SHA256_LEN; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * CRYPTO_SHA256_LEN] = '\0';
}

struct crypto_sha256_ctx *crypto_sha256_begin(void)
{
    struct crypto_sha256_ctx *c = malloc(sizeof(*c));
    if (!c || !(c->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
        crypto_die("SHA-256");
    return c;
}

void crypto_sha256_add(struct crypto_sha256_ctx *c, const void *data, size_t len)
{
    if (EVP_DigestUpdate(c->md, data, len) != 1)
        crypto_die("SHA-256");
}

void crypto_sha256_end(struct crypto_sha256_ctx *c, unsigned char out[CRYPTO_SHA256_LEN])
{
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(c->md, out, &n) != 1 || n != CRYPTO_SHA256_LEN)
        crypto_die("SHA-256");
    EVP_MD_CTX_free(c->md);
    free(c);
}

/* SHA-256 fetched once: HMAC() in OpenSSL 3 looks up the MAC and the digest by name on
 * every call (EVP_Q_mac), about ten times the cost of the two hashes themselves; linking
 * an SMTP password to its secret takes five HMACs per secret and region, which made it
 * most of a tree scan's single-threaded findings phase (benches/RESULTS.md). */
static EVP_MD *hmac_md;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_md_fetch(void)
{
    hmac_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* HMAC (RFC 2104) over SHA-256, block 64 bytes. */
bool crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[CRYPTO_SHA256_LEN])
{
    unsigned char k[64], pad[64], inner[CRYPTO_SHA256_LEN];
    unsigned int n = 0, m = 0;
    EVP_MD_CTX *c;
    bool ok;

    pthread_once(&hmac_once, hmac_md_fetch);
    if (!hmac_md || !(c = EVP_MD_CTX_new()))
        return false;
    memset(k, 0, sizeof(k));
    if (key_len > sizeof(k))
        ok = EVP_Digest(key, key_len, k, &n, hmac_md, NULL) == 1;
    else
        ok = (key_len == 0 || (memcpy(k, key, key_len), true));
    for (size_t i = 0; i < sizeof(pad); i++)
        pad[i] = (unsigned char)(k[i] ^ 0x36);
    ok = ok && EVP_DigestInit_ex2(c, hmac_md, NULL) == 1 &&
         EVP_DigestUpdate(c, pad, sizeof(pad)) == 1 && EVP_DigestUpdate(c, msg, msg_len) == 1 &&
         EVP_DigestFinal_ex(c, inner, &n) == 1;
    for (size_t i = 0; i < sizeof(pad); i++)
        pad[i] = (unsigned char)(k[i] ^ 0x5c);
    ok = ok && EVP_DigestInit_ex2(c, hmac_md, NULL) == 1 &&
         EVP_DigestUpdate(c, pad, sizeof(pad)) == 1 &&
         EVP_DigestUpdate(c, inner, sizeof(inner)) == 1 && EVP_DigestFinal_ex(c, out, &m) == 1;
    EVP_MD_CTX_free(c);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    return ok && m == CRYPTO_SHA256_LEN;
}

static crypto_wipe_fn *crypto_wipe_observer;
static void *crypto_wipe_observer_ctx;

void crypto_wipe_observe(crypto_wipe_fn *fn, void *ctx)
{
    crypto_wipe_observer = fn;
    crypto_wipe_observer_ctx = ctx;
}

void crypto_wipe(void *p, size_t n)
{
    if (p && n) {
        if (crypto_wipe_observer)
            crypto_wipe_observer(p, n, crypto_wipe_observer_ctx);
        OPENSSL_cleanse(p, n);
    }
}

void crypto_free_secret(char *s)
{
    if (!s)
        return;
    crypto_wipe(s, strlen(s));
    free(s);
}
