/*
 * crypto/crypto.c - OpenSSL behind crypto/crypto.h.
 *
 * SHA-256 runs through an EVP_MD fetched once: EVP_sha256() and the one-shot HMAC() look
 * the implementation up in the provider on every call, which cost 4x the digest itself
 * for the short inputs sesame hashes (a fingerprint; the SES SMTP password chain, five
 * HMACs per secret and region, was 3% of a tree scan's CPU). HMAC is RFC 2104 over that
 * digest (tests/unit/test_crypto.c: the RFC 4231 vectors, keys around the block size).
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

static pthread_once_t crypto_md_once = PTHREAD_ONCE_INIT;
static const EVP_MD *crypto_md;

static void crypto_md_fetch(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    /* kept for the process's life; without a provider, the implicit lookup */
    crypto_md = md ? md : EVP_sha256();
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&crypto_md_once, crypto_md_fetch);
    return crypto_md;
}

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, sha256_md(), NULL) != 1 || n != CRYPTO_SHA256_LEN)
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
    if (!c || !(c->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(c->md, sha256_md(), NULL) != 1)
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

#define CRYPTO_SHA256_BLOCK 64

/* h = SHA-256((key ^ x) || a), key being zero-padded to a block. */
static bool hmac_pass(EVP_MD_CTX *c, const unsigned char key[CRYPTO_SHA256_BLOCK],
                      unsigned char x, const void *a, size_t a_len,
                      unsigned char h[CRYPTO_SHA256_LEN])
{
    unsigned char pad[CRYPTO_SHA256_BLOCK];
    unsigned int n = 0;
    bool ok;

    for (size_t i = 0; i < sizeof(pad); i++)
        pad[i] = key[i] ^ x;
    ok = EVP_DigestInit_ex(c, sha256_md(), NULL) == 1 &&
         EVP_DigestUpdate(c, pad, sizeof(pad)) == 1 && EVP_DigestUpdate(c, a, a_len) == 1 &&
         EVP_DigestFinal_ex(c, h, &n) == 1 && n == CRYPTO_SHA256_LEN;
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok;
}

bool crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[CRYPTO_SHA256_LEN])
{
    unsigned char k[CRYPTO_SHA256_BLOCK] = { 0 }, inner[CRYPTO_SHA256_LEN];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c != NULL;

    /* RFC 2104: a key longer than a block is hashed first */
    if (ok && key_len > sizeof(k))
        ok = EVP_Digest(key, key_len, k, &n, sha256_md(), NULL) == 1 && n == CRYPTO_SHA256_LEN;
    else if (ok && key_len > 0)
        memcpy(k, key, key_len);
    ok = ok && hmac_pass(c, k, 0x36, msg, msg_len, inner) &&
         hmac_pass(c, k, 0x5c, inner, sizeof(inner), out);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(inner, sizeof(inner));
    EVP_MD_CTX_free(c);
    return ok;
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
