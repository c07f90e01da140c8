/*
 * tests/unit/test_seal.c - AES-256-GCM sealing of secret values (crypto/seal.c): a value
 * opens with its key and what it is bound to (aad) only; a changed byte, another key or
 * another row does not open; each sealing draws a new nonce; SESAME_STORE_KEY parsing
 * (64 hex digits or 44 base64 characters, nothing else); a value sealed by another
 * implementation (Python's `cryptography`, AESGCM: standard GCM, as OpenSSL sealed values
 * before sesame used Nettle) opens, and with one bit changed does not.
 */
#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const unsigned char KEY[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                       31, 32 };

static void test_round_trip_and_tamper(void)
{
    const char *value = "not-a-real-secret-value/0123456789abcdef";
    unsigned char *a = NULL, *b = NULL, other[32];
    size_t na = 0, nb = 0;
    char *plain = NULL;

    CHECK(crypto_seal(KEY, value, strlen(value), "fp part sha", &a, &na));
    CHECK(na == 12 + strlen(value) + 16);
    CHECK(memmem(a, na, value, strlen(value)) == NULL); /* not in clear */
    CHECK(crypto_open(KEY, a, na, "fp part sha", &plain));
    CHECK_STREQ(plain, value);
    crypto_free_secret(plain);
    /* a second sealing: another nonce, another ciphertext */
    CHECK(crypto_seal(KEY, value, strlen(value), "fp part sha", &b, &nb));
    CHECK(nb == na && memcmp(a, b, 12) != 0 && memcmp(a, b, na) != 0);
    /* bound to its row */
    CHECK(!crypto_open(KEY, a, na, "fp part other", &plain) && plain == NULL);
    /* another key */
    memcpy(other, KEY, 32);
    other[31] ^= 1;
    CHECK(!crypto_open(other, a, na, "fp part sha", &plain) && plain == NULL);
    /* any byte changed: nonce, ciphertext, tag */
    for (size_t i = 0; i < na; i += 7) {
        a[i] ^= 0x40;
        CHECK(!crypto_open(KEY, a, na, "fp part sha", &plain));
        a[i] ^= 0x40;
    }
    CHECK(!crypto_open(KEY, a, 27, "fp part sha", &plain)); /* shorter than nonce + tag */
    free(a);
    free(b);
}

/* hex digits -> bytes; returns the count */
static size_t unhex(const char *h, unsigned char *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        CHECK(sscanf(h + 2 * i, "%2x", &v) == 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

static void test_opens_standard_gcm(void)
{
    /* AESGCM(KEY).encrypt(nonce cafebabefacedbaddecaf888, value, b"fp part sha"),
     * written as nonce || ciphertext || tag */
    static const char sealed_hex[] =
        "cafebabefacedbaddecaf88868d55076676bb48db473b1cda460f743175c9e6d81fe30f07cc9d439"
        "175ce22734ae1906241f61513baf919e6d5100dd30dcd6187a3a9165";
    unsigned char sealed[sizeof(sealed_hex) / 2];
    size_t n = unhex(sealed_hex, sealed);
    char *plain = NULL;

    CHECK(n == 12 + 40 + 16);
    CHECK(crypto_open(KEY, sealed, n, "fp part sha", &plain));
    CHECK_STREQ(plain, "not-a-real-secret-value/0123456789abcdef");
    crypto_free_secret(plain);
    plain = NULL;
    sealed[n - 1] ^= 1; /* the tag */
    CHECK(!crypto_open(KEY, sealed, n, "fp part sha", &plain) && plain == NULL);
    sealed[n - 1] ^= 1;
    sealed[20] ^= 0x80; /* the ciphertext */
    CHECK(!crypto_open(KEY, sealed, n, "fp part sha", &plain) && plain == NULL);
}

static void test_key_parse(void)
{
    unsigned char k[32];
    CHECK(crypto_key32_parse("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
                             k));
    CHECK(memcmp(k, KEY, 32) == 0);
    CHECK(crypto_key32_parse("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", k));
    CHECK(memcmp(k, KEY, 32) == 0);
    CHECK(!crypto_key32_parse("0102", k));
    CHECK(!crypto_key32_parse("zz02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
                              k));
    CHECK(!crypto_key32_parse("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==", k)); /* 31 */
    CHECK(!crypto_key32_parse(NULL, k));
}

static const struct test tests[] = {
    TEST(test_round_trip_and_tamper),
    TEST(test_key_parse),
    TEST(test_opens_standard_gcm),
};

HARNESS_MAIN(tests)
