/*
 * crypto/crypto.c - Nettle behind crypto/crypto.h.
 *
 * Why Nettle and not OpenSSL: sesame hashes at every start (the rules hash keys the
 * compiled-rules cache) and a pre-receive hook starts on every push. Linking libcrypto
 * cost about 2.5 ms of each start and its first digest another 2.7 ms (OpenSSL 3 reads
 * openssl.cnf and initialises its providers on first use): a tenth of a hook's run
 * (benches/RESULTS.md, issue 16). libnettle loads in 0.3 ms and has no global state:
 * its digests are plain functions over a context on the stack. The outputs are the same
 * standard SHA-256 and HMAC-SHA256 (tests/unit/test_crypto.c: FIPS 180-2 digests, the RFC
 * 4231 vectors).
 */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "base/xalloc.h"

struct crypto_sha256_ctx {
    struct sha256_ctx s;
};

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
    struct sha256_ctx c;

    sha256_init(&c);
    sha256_update(&c, len, data);
    sha256_digest(&c, CRYPTO_SHA256_LEN, out);
    crypto_wipe(&c, sizeof(c)); /* its buffer holds the input's last block: often a secret */
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
    struct crypto_sha256_ctx *c = xmalloc(sizeof(*c));

    sha256_init(&c->s);
    return c;
}

void crypto_sha256_add(struct crypto_sha256_ctx *c, const void *data, size_t len)
{
    sha256_update(&c->s, len, data);
}

void crypto_sha256_end(struct crypto_sha256_ctx *c, unsigned char out[CRYPTO_SHA256_LEN])
{
    sha256_digest(&c->s, CRYPTO_SHA256_LEN, out);
    crypto_wipe(c, sizeof(*c));
    free(c);
}

bool crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[CRYPTO_SHA256_LEN])
{
    struct hmac_sha256_ctx c;

    /* RFC 2104, a key longer than a block hashed first (Nettle does it) */
    hmac_sha256_set_key(&c, key_len, key);
    hmac_sha256_update(&c, msg_len, msg);
    hmac_sha256_digest(&c, CRYPTO_SHA256_LEN, out);
    crypto_wipe(&c, sizeof(c)); /* its inner and outer states are derived from the key */
    return true;
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
        explicit_bzero(p, n); /* glibc: never optimised away */
    }
}

void crypto_free_secret(char *s)
{
    if (!s)
        return;
    crypto_wipe(s, strlen(s));
    free(s);
}
