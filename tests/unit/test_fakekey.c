/*
 * tests/unit/test_fakekey.c - the deterministic fake-credential generator.
 *
 * Same seed, same keys; every generated part has the shape the detectors expect.
 */
#include "rules/fakekey.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/compiler.h"
#include "aws/keys.h"
#include "harness.h"

static const char *const prefixes[] = { "AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AROA" };

static bool is_base32(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
}

static bool is_base64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* ^(prefix)[A-Z2-7]{16}$ */
static bool matches_key_id(const char *id, const char *prefix)
{
    if (strlen(id) != 20 || strncmp(id, prefix, 4) != 0)
        return false;
    for (size_t i = 4; i < 20; i++)
        if (!is_base32(id[i]))
            return false;
    return true;
}

static void test_fakekey__splitmix64_reference(void)
{
    /* Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c). */
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(0);

    CHECK(fakekey_next(&rng) == 0xe220a8397b1dcdafULL);
    CHECK(fakekey_next(&rng) == 0x6e789e6aa1b965f4ULL);
    CHECK(fakekey_next(&rng) == 0x06c45d188009454fULL);
}

static void test_fakekey__same_seed_same_keys(void)
{
    struct fakekey_rng a = FAKEKEY_RNG_INIT(7);
    struct fakekey_rng b = FAKEKEY_RNG_INIT(7);

    for (int i = 0; i < 50; i++) {
        char ida[21], idb[21], sa[41], sb[41], ta[129], tb[129];

        fakekey_access_key_id(&a, "AKIA", i % 2 == 0, ida);
        fakekey_access_key_id(&b, "AKIA", i % 2 == 0, idb);
        fakekey_secret(&a, sa);
        fakekey_secret(&b, sb);
        fakekey_session_token(&a, ta, 128);
        fakekey_session_token(&b, tb, 128);
        CHECK_STREQ(ida, idb);
        CHECK_STREQ(sa, sb);
        CHECK_STREQ(ta, tb);
    }
    CHECK(a.state == b.state);
}

static void test_fakekey__different_seeds_differ(void)
{
    struct fakekey_rng a = FAKEKEY_RNG_INIT(7);
    struct fakekey_rng b = FAKEKEY_RNG_INIT(8);
    char ida[21], idb[21], sa[41], sb[41], ta[65], tb[65];

    fakekey_access_key_id(&a, "AKIA", true, ida);
    fakekey_access_key_id(&b, "AKIA", true, idb);
    fakekey_secret(&a, sa);
    fakekey_secret(&b, sb);
    fakekey_session_token(&a, ta, 64);
    fakekey_session_token(&b, tb, 64);
    CHECK(strcmp(ida, idb) != 0);
    CHECK(strcmp(sa, sb) != 0);
    CHECK(strcmp(ta, tb) != 0);
}

static void test_fakekey__successive_keys_differ(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(1);
    char first[41], second[41];

    fakekey_secret(&rng, first);
    fakekey_secret(&rng, second);
    CHECK(strcmp(first, second) != 0);
}

static void test_fakekey__key_id_shape(void)
{
    for (uint64_t seed = 0; seed < 64; seed++) {
        struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);

        for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++) {
            char id[21];

            fakekey_access_key_id(&rng, prefixes[p], false, id);
            CHECK(matches_key_id(id, prefixes[p]));
            CHECK(id[4] >= 'A' && id[4] <= 'P'); /* old generation */
            fakekey_access_key_id(&rng, prefixes[p], true, id);
            CHECK(matches_key_id(id, prefixes[p]));
            CHECK((id[4] >= 'Q' && id[4] <= 'Z') || (id[4] >= '2' && id[4] <= '7'));
        }
    }
}

static void test_fakekey__new_generation_decodes_to_account(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(99);
    char first_account[13] = "";
    bool accounts_vary = false;

    for (int i = 0; i < 1000; i++) {
        char id[21], account[13];

        fakekey_access_key_id(&rng, i % 2 ? "AKIA" : "ASIA", true, id);
        if (!aws_account_id(id, strlen(id), account)) {
            fprintf(stderr, "does not decode: %s\n", id);
            CHECK(false);
            continue;
        }
        CHECK(strlen(account) == 12);
        if (first_account[0] == '\0')
            memcpy(first_account, account, sizeof(account));
        else if (strcmp(first_account, account) != 0)
            accounts_vary = true;
    }
    CHECK(accounts_vary);
}

static void test_fakekey__key_id_for_account(void)
{
    static const uint64_t accounts[] = { 0, 1, 123456789012ULL, 609629065308ULL,
                                         999999999999ULL };
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(17);
    char id[21], again[21], account[13], want[13];

    for (size_t i = 0; i < ARRAY_SIZE(accounts); i++) {
        snprintf(want, sizeof(want), "%012llu", (unsigned long long)accounts[i]);
        fakekey_access_key_id_for_account(&rng, "ASIA", accounts[i], id);
        CHECK(matches_key_id(id, "ASIA"));
        CHECK(aws_account_id(id, strlen(id), account));
        CHECK_STREQ(account, want);
        /* without a generator the low 39 bits are zero: the ID ends in 'A's */
        fakekey_access_key_id_for_account(NULL, "AKIA", accounts[i], again);
        CHECK(aws_account_id(again, strlen(again), account));
        CHECK_STREQ(account, want);
        CHECK(strcmp(again + 13, "AAAAAAA") == 0);
    }
    /* the random low bits vary with the generator */
    fakekey_access_key_id_for_account(&rng, "AKIA", 42, id);
    fakekey_access_key_id_for_account(&rng, "AKIA", 42, again);
    CHECK(strcmp(id, again) != 0);
    /* above 999999999999: the shape of a key ID, but no account */
    fakekey_access_key_id_for_account(&rng, "AKIA", 1000000000000ULL, id);
    CHECK(matches_key_id(id, "AKIA"));
    CHECK(!aws_account_id(id, strlen(id), account));
}

static void test_fakekey__old_generation_has_no_account(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(5);

    for (int i = 0; i < 200; i++) {
        char id[21], account[13];

        fakekey_access_key_id(&rng, "AKIA", false, id);
        CHECK(!aws_account_id(id, strlen(id), account));
    }
}

static void test_fakekey__secret_shape(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(2024);

    for (int i = 0; i < 1000; i++) {
        char secret[41];
        bool symbol = false, alphabet = true;

        memset(secret, 'x', sizeof(secret));
        fakekey_secret(&rng, secret);
        CHECK(strlen(secret) == 40);
        for (size_t k = 0; k < 40; k++) {
            alphabet = alphabet && is_base64(secret[k]);
            symbol = symbol || secret[k] == '/' || secret[k] == '+';
        }
        CHECK(alphabet);
        CHECK(symbol);
        CHECK(aws_entropy(secret, 40) >= 4.3);
    }
}

static void test_fakekey__session_token_shape(void)
{
    static const size_t lens[] = { 32, 33, 100, 356, 1024 };
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(3);
    char token[1025 + 1];

    for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
        bool alphabet = true;

        memset(token, 'x', sizeof(token));
        fakekey_session_token(&rng, token, lens[i]);
        CHECK(strlen(token) == lens[i]);
        CHECK(strncmp(token, "IQoJb3JpZ2luX2Vj", 16) == 0);
        for (size_t k = 0; k < lens[i]; k++)
            alphabet = alphabet && is_base64(token[k]);
        CHECK(alphabet);
        CHECK(token[lens[i] + 1] == 'x'); /* writes len characters and a NUL, no more */
    }
}

static void test_fakekey__prefix_is_copied(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(11);
    char id[21];

    fakekey_access_key_id(&rng, "ACCA", true, id);
    CHECK(strncmp(id, "ACCA", 4) == 0);
    /* Only the first four characters of a longer prefix are used. */
    fakekey_access_key_id(&rng, "ABIAXYZ", false, id);
    CHECK(matches_key_id(id, "ABIA"));
}

static const struct test tests[] = {
    TEST(test_fakekey__splitmix64_reference),
    TEST(test_fakekey__same_seed_same_keys),
    TEST(test_fakekey__different_seeds_differ),
    TEST(test_fakekey__successive_keys_differ),
    TEST(test_fakekey__key_id_shape),
    TEST(test_fakekey__new_generation_decodes_to_account),
    TEST(test_fakekey__key_id_for_account),
    TEST(test_fakekey__old_generation_has_no_account),
    TEST(test_fakekey__secret_shape),
    TEST(test_fakekey__session_token_shape),
    TEST(test_fakekey__prefix_is_copied),
};
HARNESS_MAIN(tests)
