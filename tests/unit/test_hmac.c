/*
 * tests/unit/test_hmac.c - crypto_hmac_sha256 (our own HMAC over a SHA-256 fetched once,
 * since OpenSSL 3's one-shot HMAC() looked the algorithms up on every call) against RFC
 * 4231's published vectors, including keys longer than the 64-byte block (hashed first),
 * and the edges around the block size against Python's hmac module (values recorded
 * here, not computed by the code under test). Threads call it at once too: the digest
 * is fetched once, on first use, by whichever comes first.
 */
#include "crypto/crypto.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void check_hmac(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       const char *want)
{
    unsigned char mac[CRYPTO_SHA256_LEN];
    char got[2 * CRYPTO_SHA256_LEN + 1];

    memset(mac, 0, sizeof(mac));
    CHECK(crypto_hmac_sha256(key, key_len, msg, msg_len, mac));
    hex(mac, sizeof(mac), got);
    CHECK_STREQ(got, want);
}

static void test_hmac__rfc4231(void)
{
    unsigned char k20[20], k131[131], aa[20], dd[50], k25[25], cd[50];

    memset(k20, 0x0b, sizeof(k20));
    check_hmac(k20, sizeof(k20), "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(aa, 0xaa, sizeof(aa));
    memset(dd, 0xdd, sizeof(dd));
    check_hmac(aa, sizeof(aa), dd, sizeof(dd),
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    for (size_t i = 0; i < sizeof(k25); i++)
        k25[i] = (unsigned char)(i + 1);
    memset(cd, 0xcd, sizeof(cd));
    check_hmac(k25, sizeof(k25), cd, sizeof(cd),
               "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    /* test cases 6 and 7: a 131-byte key, hashed to 32 bytes first */
    memset(k131, 0xaa, sizeof(k131));
    check_hmac(k131, sizeof(k131), "Test Using Larger Than Block-Size Key - Hash Key First",
               54, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    {
        static const char m7[] =
            "This is a test using a larger than block-size key and a larger than "
            "block-size data. The key needs to be hashed before being used by the HMAC "
            "algorithm.";
        check_hmac(k131, sizeof(k131), m7, sizeof(m7) - 1,
                   "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    }
}

static void test_hmac__block_size_edges(void)
{
    unsigned char k[65];
    static const char m64[] = "sixty-four bytes of key: the block size, used as is";
    static const char m65[] = "one byte over: hashed first";

    for (size_t i = 0; i < sizeof(k); i++)
        k[i] = (unsigned char)i;
    check_hmac(k, 64, m64, sizeof(m64) - 1,
               "3e9d605a3fc5a2be582070f2fd4dd494f0e262b071040e37b5a1e93b89f077d4");
    check_hmac(k, 65, m65, sizeof(m65) - 1,
               "be685dde1fa1dd36e1f344dc933d4a2491db2bf7d8c3a910fc76fd47e6652555");
    check_hmac("", 0, "", 0,
               "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void *hmac_thread(void *arg)
{
    unsigned *bad = arg;
    unsigned char mac[CRYPTO_SHA256_LEN];
    char got[2 * CRYPTO_SHA256_LEN + 1];

    for (int i = 0; i < 200; i++) {
        if (!crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac)) {
            (*bad)++;
            continue;
        }
        hex(mac, sizeof(mac), got);
        if (strcmp(got, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
            (*bad)++;
    }
    return NULL;
}

static void test_hmac__threads(void)
{
    pthread_t t[4];
    unsigned bad[4] = { 0 };

    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, hmac_thread, &bad[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(bad[i] == 0);
    }
}

static const struct test tests[] = {
    TEST(test_hmac__rfc4231),
    TEST(test_hmac__block_size_edges),
    TEST(test_hmac__threads),
};
HARNESS_MAIN(tests)
