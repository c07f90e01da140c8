/*
 * tests/unit/test_crypto.c - SHA-256 and HMAC-SHA256 of crypto/crypto.c (Nettle): the
 * published vectors of RFC 4231 (keys shorter than, equal to and longer than the 64-byte block), FIPS 180-2
 * digests, and the streaming digest equal to the one-shot one, from several threads.
 */
#include "crypto/crypto.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/compiler.h"
#include "harness.h"

/* p[0, n) written as the lower-case hex `want`. */
static bool is_hex_of(const unsigned char *p, size_t n, const char *want)
{
    if (strlen(want) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        if (sscanf(want + 2 * i, "%2x", &v) != 1 || v != p[i])
            return false;
    }
    return true;
}

struct hmac_vector {
    unsigned char key[131];
    size_t key_len;
    const char *msg;
    const char *mac;
};

/* RFC 4231 test cases 1, 2, 3 (key 0xaa x 20, data 0xdd x 50), 4, 6 and 7 (131-byte keys:
 * hashed first). Case 5 truncates the output: not a property of the primitive. */
static void hmac_vectors(struct hmac_vector v[6])
{
    static const char dd50[] = "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
                               "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
                               "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
                               "\xdd\xdd";
    static const char cd50[] = "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
                               "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
                               "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
                               "\xcd\xcd";

    memset(v, 0, 6 * sizeof(*v));
    memset(v[0].key, 0x0b, 20);
    v[0].key_len = 20;
    v[0].msg = "Hi There";
    v[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    memcpy(v[1].key, "Jefe", 4);
    v[1].key_len = 4;
    v[1].msg = "what do ya want for nothing?";
    v[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    memset(v[2].key, 0xaa, 20);
    v[2].key_len = 20;
    v[2].msg = dd50;
    v[2].mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
    for (unsigned char i = 0; i < 25; i++)
        v[3].key[i] = (unsigned char)(i + 1);
    v[3].key_len = 25;
    v[3].msg = cd50;
    v[3].mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";
    memset(v[4].key, 0xaa, 131);
    v[4].key_len = 131;
    v[4].msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    v[4].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    memset(v[5].key, 0xaa, 131);
    v[5].key_len = 131;
    v[5].msg = "This is a test using a larger than block-size key and a larger than block-size "
               "data. The key needs to be hashed before being used by the HMAC algorithm.";
    v[5].mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
}

static void test_crypto__hmac_rfc4231(void)
{
    struct hmac_vector v[6];
    unsigned char mac[CRYPTO_SHA256_LEN];

    hmac_vectors(v);
    for (size_t i = 0; i < 6; i++) {
        CHECK(crypto_hmac_sha256(v[i].key, v[i].key_len, v[i].msg, strlen(v[i].msg), mac));
        if (!is_hex_of(mac, sizeof(mac), v[i].mac))
            fprintf(stderr, "RFC 4231 vector %zu differs\n", i);
        CHECK(is_hex_of(mac, sizeof(mac), v[i].mac));
    }
}

/* A 64-byte key is used as it is, a 65-byte one hashed: HMAC(k65) == HMAC(SHA-256(k65)). */
static void test_crypto__hmac_block_boundary(void)
{
    unsigned char k[65], hk[CRYPTO_SHA256_LEN], a[CRYPTO_SHA256_LEN], b[CRYPTO_SHA256_LEN];
    unsigned char k64[64];

    for (size_t i = 0; i < sizeof(k); i++)
        k[i] = (unsigned char)(i * 7 + 3);
    crypto_sha256(k, sizeof(k), hk);
    CHECK(crypto_hmac_sha256(k, sizeof(k), "m", 1, a));
    CHECK(crypto_hmac_sha256(hk, sizeof(hk), "m", 1, b));
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    /* a key is zero-padded to the block: 32 bytes and the same bytes with 32 zeros agree */
    memset(k64, 0, sizeof(k64));
    memcpy(k64, hk, sizeof(hk));
    CHECK(crypto_hmac_sha256(k64, sizeof(k64), "m", 1, a));
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    /* and an empty message and key are fine */
    CHECK(crypto_hmac_sha256("", 0, "", 0, a));
    CHECK(is_hex_of(a, sizeof(a),
                    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
}

static void test_crypto__sha256_vectors(void)
{
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    unsigned char md[CRYPTO_SHA256_LEN];
    struct crypto_sha256_ctx *c;

    crypto_sha256_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    crypto_sha256_hex("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    c = crypto_sha256_begin();
    crypto_sha256_add(c, "abcdbcdecdefdefgefghfghighij", 28);
    crypto_sha256_add(c, "hijkijkljklmklmnlmnomnopnopq", 28);
    crypto_sha256_end(c, md);
    CHECK(is_hex_of(md, sizeof(md),
                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
}

/* The digest is fetched once, by whichever thread comes first. */
static void *hmac_thread(void *arg)
{
    unsigned char mac[CRYPTO_SHA256_LEN];
    int *ok = arg;

    *ok = 1;
    for (int i = 0; i < 200; i++) {
        if (!crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac) ||
            !is_hex_of(mac, sizeof(mac),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
            *ok = 0;
    }
    return NULL;
}

static void test_crypto__hmac_threads(void)
{
    pthread_t t[4];
    int ok[4] = { 0, 0, 0, 0 };

    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, hmac_thread, &ok[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(ok[i] == 1);
    }
}

static const struct test tests[] = {
    TEST(test_crypto__hmac_rfc4231),
    TEST(test_crypto__hmac_block_boundary),
    TEST(test_crypto__sha256_vectors),
    TEST(test_crypto__hmac_threads),
};
HARNESS_MAIN(tests)
