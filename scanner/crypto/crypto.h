/*
 * crypto/crypto.h - the Nettle adapter: the few primitives sesame needs.
 *
 * SHA-256 (fingerprints, value hashes, the rules hash, SigV4), HMAC-SHA256 (SigV4 and
 * SES SMTP password derivation), AES-256-GCM for secret values kept in the audit store
 * (seal.c, opt-in), and wiping memory that held a secret (a plain memset
 * before free may be optimised away). Nothing else includes a Nettle header.
 */
#ifndef SESAME_CRYPTO_CRYPTO_H
#define SESAME_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_SHA256_LEN 32

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);
/* Lower-case hex of SHA-256(data), NUL-terminated. */
void crypto_sha256_hex(const void *data, size_t len, char out[2 * CRYPTO_SHA256_LEN + 1]);

/* SHA-256 over several pieces. */
struct crypto_sha256_ctx;
struct crypto_sha256_ctx *crypto_sha256_begin(void);
void crypto_sha256_add(struct crypto_sha256_ctx *c, const void *data, size_t len);
/* Writes the digest and frees the context. */
void crypto_sha256_end(struct crypto_sha256_ctx *c, unsigned char out[CRYPTO_SHA256_LEN]);

/* out = HMAC-SHA256(key, msg); always true (Nettle cannot fail here; kept for callers). */
bool crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[CRYPTO_SHA256_LEN]);

/* Overwrite memory that held a secret (not optimised away). NULL is a no-op. */
void crypto_wipe(void *p, size_t n);
/* Wipe a NUL-terminated string that held a secret, then free it. */
void crypto_free_secret(char *s);

/* Standard base64 of data (new string; free with crypto_free_secret when it held one). */
char *crypto_base64(const void *data, size_t n);

/* A 32-byte key given as 64 hex digits or 44 base64 characters (SESAME_STORE_KEY). */
bool crypto_key32_parse(const char *text, unsigned char out[32]);
/* AES-256-GCM: *out (new) = 12-byte random nonce || ciphertext || 16-byte tag, with `aad`
 * authenticated. False if no random nonce can be had (getrandom) or the value is over
 * 16 MiB. */
bool crypto_seal(const unsigned char key[32], const void *plain, size_t n, const char *aad,
                 unsigned char **out, size_t *out_len);
/* The reverse: *plain (new, NUL-terminated; free with crypto_free_secret) when the tag,
 * key and aad match; false otherwise (nothing is returned). */
bool crypto_open(const unsigned char key[32], const unsigned char *sealed, size_t n,
                 const char *aad, char **plain);

/* For tests: fn(p, n, ctx) sees each range crypto_wipe is about to clear, so a test can
 * check that a secret it planted was wiped (tests/unit/test_wipe.c). NULL stops it. Set
 * it while no other thread wipes. */
typedef void crypto_wipe_fn(const void *p, size_t n, void *ctx);
void crypto_wipe_observe(crypto_wipe_fn *fn, void *ctx);

#endif
