/*
 * crypto/seal.c - AES-256-GCM sealing of secret values for the audit store (opt-in,
 * SESAME_STORE_KEY), with Nettle.
 *
 * A sealed value is: a random 12-byte nonce (one per value, from getrandom(2)), the
 * ciphertext, and the 16-byte tag; `aad` (what the value belongs to: fingerprint and
 * part) is authenticated too, so a sealed value moved to another row does not open.
 * This is standard GCM: values sealed by earlier versions (OpenSSL) open unchanged
 * (tests/unit/test_seal.c opens one sealed by another implementation).
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/base64.h>
#include <nettle/gcm.h>
#include <nettle/memops.h>

#include "base/hex.h"
#include "base/xalloc.h"

#define NONCE 12
#define TAG 16
/* GCM's own bound is 2^36 bytes; a secret value is far smaller */
#define SEAL_MAX ((size_t)1 << 24)

char *crypto_base64(const void *data, size_t n)
{
    char *out = xmalloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);

    base64_encode_raw(out, n, data);
    out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
    return out;
}

bool crypto_key32_parse(const char *text, unsigned char out[32])
{
    size_t n = text ? strlen(text) : 0;

    if (n == 64) {
        for (size_t i = 0; i < 32; i++) {
            int hi = hex_digit((unsigned char)text[2 * i]);
            int lo = hex_digit((unsigned char)text[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return false;
            out[i] = (unsigned char)(hi << 4 | lo);
        }
        return true;
    }
    if (n == 44 && text[43] == '=' && text[42] != '=') {
        struct base64_decode_ctx c;
        unsigned char buf[BASE64_DECODE_LENGTH(44)];
        size_t got = sizeof(buf);
        bool ok;

        base64_decode_init(&c);
        ok = base64_decode_update(&c, &got, buf, 44, text) && base64_decode_final(&c) &&
             got == 32;
        if (ok)
            memcpy(out, buf, 32);
        crypto_wipe(buf, sizeof(buf));
        return ok;
    }
    return false;
}

/* n random bytes from the kernel; false if it cannot give them */
static bool random_bytes(unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

bool crypto_seal(const unsigned char key[32], const void *plain, size_t n, const char *aad,
                 unsigned char **out, size_t *out_len)
{
    struct gcm_aes256_ctx c;
    unsigned char *b;

    if (n > SEAL_MAX)
        return false;
    b = xmalloc(NONCE + n + TAG);
    if (!random_bytes(b, NONCE)) {
        free(b);
        return false;
    }
    gcm_aes256_set_key(&c, key);
    gcm_aes256_set_iv(&c, NONCE, b);
    gcm_aes256_update(&c, strlen(aad), (const uint8_t *)aad);
    gcm_aes256_encrypt(&c, n, b + NONCE, plain);
    gcm_aes256_digest(&c, TAG, b + NONCE + n);
    crypto_wipe(&c, sizeof(c)); /* the expanded key */
    *out = b;
    *out_len = NONCE + n + TAG;
    return true;
}

bool crypto_open(const unsigned char key[32], const unsigned char *sealed, size_t n,
                 const char *aad, char **plain)
{
    struct gcm_aes256_ctx c;
    unsigned char tag[TAG];
    char *p;
    size_t m;
    bool ok;

    *plain = NULL;
    if (n < NONCE + TAG || n > SEAL_MAX)
        return false;
    m = n - NONCE - TAG;
    p = xmalloc(m + 1);
    gcm_aes256_set_key(&c, key);
    gcm_aes256_set_iv(&c, NONCE, sealed);
    gcm_aes256_update(&c, strlen(aad), (const uint8_t *)aad);
    gcm_aes256_decrypt(&c, m, (uint8_t *)p, sealed + NONCE);
    gcm_aes256_digest(&c, TAG, tag);
    crypto_wipe(&c, sizeof(c));
    /* the tag compared in constant time; nothing of the plaintext leaves before it */
    ok = memeql_sec(tag, sealed + NONCE + m, TAG) && !memchr(p, '\0', m);
    if (!ok) {
        crypto_wipe(p, m + 1);
        free(p);
        return false;
    }
    p[m] = '\0';
    *plain = p;
    return true;
}
