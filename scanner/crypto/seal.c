/*
 * crypto/seal.c - AES-256-GCM sealing of secret values for the audit store (opt-in,
 * SESAME_STORE_KEY), with OpenSSL.
 *
 * A sealed value is: a random 12-byte nonce (one per value, from the OpenSSL RNG), the
 * ciphertext, and the 16-byte tag; `aad` (what the value belongs to: fingerprint and
 * part) is authenticated too, so a sealed value moved to another row does not open.
 */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/xalloc.h"

#define NONCE 12
#define TAG 16

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

char *crypto_base64(const void *data, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    (void)EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    return out;
}

bool crypto_key32_parse(const char *text, unsigned char out[32])
{
    size_t n = text ? strlen(text) : 0;

    if (n == 64) {
        for (size_t i = 0; i < 32; i++) {
            int hi = hexval((unsigned char)text[2 * i]), lo = hexval((unsigned char)text[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return false;
            out[i] = (unsigned char)(hi << 4 | lo);
        }
        return true;
    }
    if (n == 44 && text[43] == '=' && text[42] != '=') {
        unsigned char buf[33];
        /* EVP_DecodeBlock keeps the padding's zero byte: 44 characters -> 33 bytes */
        if (EVP_DecodeBlock(buf, (const unsigned char *)text, 44) != 33)
            return false;
        memcpy(out, buf, 32);
        crypto_wipe(buf, sizeof(buf));
        return true;
    }
    return false;
}

bool crypto_seal(const unsigned char key[32], const void *plain, size_t n, const char *aad,
                 unsigned char **out, size_t *out_len)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    unsigned char *b = xmalloc(NONCE + n + TAG);
    int len = 0, fin = 0;
    bool ok = c && n <= (size_t)(1 << 24) && RAND_bytes(b, NONCE) == 1 &&
              EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1 &&
              EVP_EncryptInit_ex(c, NULL, NULL, key, b) == 1 &&
              EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
              EVP_EncryptUpdate(c, b + NONCE, &len, plain, (int)n) == 1 &&
              EVP_EncryptFinal_ex(c, b + NONCE + len, &fin) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, b + NONCE + n) == 1;

    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        free(b);
        return false;
    }
    *out = b;
    *out_len = NONCE + n + TAG;
    return true;
}

bool crypto_open(const unsigned char key[32], const unsigned char *sealed, size_t n,
                 const char *aad, char **plain)
{
    EVP_CIPHER_CTX *c;
    unsigned char tag[TAG];
    char *p;
    size_t m;
    int len = 0, fin = 0;
    bool ok;

    *plain = NULL;
    if (n < NONCE + TAG || n > (size_t)(1 << 24))
        return false;
    m = n - NONCE - TAG;
    memcpy(tag, sealed + NONCE + m, TAG);
    p = xmalloc(m + 1);
    c = EVP_CIPHER_CTX_new();
    ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1 &&
         EVP_DecryptInit_ex(c, NULL, NULL, key, sealed) == 1 &&
         EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
         EVP_DecryptUpdate(c, (unsigned char *)p, &len, sealed + NONCE, (int)m) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1 &&
         EVP_DecryptFinal_ex(c, (unsigned char *)p + len, &fin) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok || memchr(p, '\0', m)) {
        crypto_wipe(p, m + 1);
        free(p);
        return false;
    }
    p[m] = '\0';
    *plain = p;
    return true;
}
