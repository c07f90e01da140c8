/*
 * tests/unit/test_aws_keys.c - account-ID decoding, SES SMTP passwords, entropy, examples.
 *
 * Vectors are the published ones from AWS-NOTES §1.6, §2 and §7.1, copied here so the test
 * reads nothing at run time. Boundary key IDs are built by a local encoder, not written out.
 */
#include "aws/keys.h"
#include "crypto/crypto.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/compiler.h"
#include "rules/fakekey.h"
#include "harness.h"

struct account_vector {
    const char *key_id;
    const char *account; /* NULL: not decodable */
};

/* AWS-NOTES §2. */
static const struct account_vector account_vectors[] = {
    { "ASIAY34FZKBOKMUTVV7A", "609629065308" },
    { "AKIASP2TPHJSQH3FJRUX", "171436882533" },
    { "ASIAQNZGKIQY56JQ7WML", "029608264753" },
    { "AKIAIOSFODNN7EXAMPLE", NULL }, /* generation bit 0 */
    { "AKIAJ4332JDR6PO4LCXA", NULL }, /* generation bit 0 */
    { "AKIAI44QH8DHBEXAMPLE", NULL }, /* '8' is not base32 */
};

struct smtp_vector {
    const char *secret;
    const char *region; /* NULL: version 2 */
    const char *password;
};

/* AWS-NOTES §7.1. */
static const struct smtp_vector smtp_vectors[] = {
    { "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1",
      "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9" },
    { "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-2",
      "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS" },
    { "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-west-2",
      "BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd" },
    { "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "eu-west-1",
      "BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk" },
    { "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1",
      "BOntiZFm/r+5s3psZ/RpsjB+aSGsj2J0rXdiLuO0cQL7" },
    { "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL,
      "An60U4ZD3sd4fg+FvXUjayOipTt8LO4rUUmhpdX6ctDy" },
};

/* AWS-NOTES §1.6 and the SMTP passwords of §7.1. */
static const char *const example_values[] = {
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "AKIDEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "ASIAWHOJDLGPOEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9",
    "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS",
    "BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd",
    "BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk",
    "BOntiZFm/r+5s3psZ/RpsjB+aSGsj2J0rXdiLuO0cQL7",
    "An60U4ZD3sd4fg+FvXUjayOipTt8LO4rUUmhpdX6ctDy",
    /* by rule: documentation session tokens (AWS-NOTES §1.5) */
    "AQoDYXdzEGcaEXAMPLE2gsYULo+Im5ZEXAMPLEeYjs1M2FUIgIJx9tQqNMBEXAMPLECvSRyh0FW7jEXAMPLEW+vE",
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFq"
    "wAeMicRXmxfpS",
    "IQoJb3JpZ2luX2VjEXAMPLEaCXVzLWVhc3QtMSJHMEUCIQD",
    /* by rule: 20-character key IDs ending in EXAMPLE, values containing EXAMPLEKEY */
    "AKIAZZZZZZZZZEXAMPLE",
    "ASIA222222222EXAMPLE",
    "someEXAMPLEKEYvalue",
};

static const char *const non_example_values[] = {
    "",
    "EXAMPLE",
    "akiaiosfodnn7example",              /* case matters */
    "AKIAOSFODNN7EXAMPLE",               /* 19 characters */
    "AKIAIOSFODNN7EXAMPLEX",             /* 21 characters */
    "AKIAIOSFODN7-EXAMPLE",              /* '-' is not key-ID shaped */
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE",
    "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL8",
    "AQoDYXdz",
    "IQoJb3JpZ2luX2Vj",
    "IQoJb3JpZ2luX2VjaCXVzLWVhc3QtMSJHMEUCIQD",
    "EXAMPLEIQoJb3JpZ2luX2Vj",           /* EXAMPLE before, not after, the prefix */
    "FwoGZXIvYXdzEXAMPLE",               /* only AQoDYXdz / IQoJb3JpZ2luX2Vj prefixes */
};

/* A new-generation key ID carrying `account` (AWS-NOTES §2 layout), low bits zero. */
static void key_id_for_account(uint64_t account, char out[21])
{
    fakekey_access_key_id_for_account(NULL, "AKIA", account, out);
}

static void test_aws_keys__account_id_vectors(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(account_vectors); i++) {
        const struct account_vector *v = &account_vectors[i];
        char out[13] = "x";
        bool ok = aws_account_id(v->key_id, strlen(v->key_id), out);

        if (v->account != NULL) {
            CHECK(ok);
            CHECK_STREQ(out, v->account);
        } else {
            CHECK(!ok);
            CHECK(out[0] == '\0');
        }
    }
}

static void test_aws_keys__account_id_rejects_bad_shapes(void)
{
    char out[13];

    /* Wrong lengths: a valid vector cut short or extended. */
    CHECK(!aws_account_id("ASIAY34FZKBOKMUTVV7A", 19, out));
    CHECK(!aws_account_id("ASIAY34FZKBOKMUTVV7AA", 21, out));
    CHECK(!aws_account_id("", 0, out));
    CHECK(!aws_account_id(NULL, 20, out));
    CHECK(!aws_account_id("AKIDEXAMPLE", 11, out));
    /* Non-base32 characters anywhere in the body, including after the account bits. */
    CHECK(!aws_account_id("ASIAY34FZKBOKMUTVV1A", 20, out));
    CHECK(!aws_account_id("ASIAY34FZKBOKMUTVV0A", 20, out));
    CHECK(!aws_account_id("ASIAY34FZKBOKMUTVV7a", 20, out));
    CHECK(!aws_account_id("ASIAy34FZKBOKMUTVV7A", 20, out));
}

static void test_aws_keys__account_id_range(void)
{
    char id[21];
    char out[13];

    key_id_for_account(0, id);
    CHECK(aws_account_id(id, 20, out));
    CHECK_STREQ(out, "000000000000");

    key_id_for_account(999999999999ULL, id);
    CHECK(aws_account_id(id, 20, out));
    CHECK_STREQ(out, "999999999999");

    key_id_for_account(1000000000000ULL, id);
    CHECK(!aws_account_id(id, 20, out));
    key_id_for_account((1ULL << 40) - 1, id);
    CHECK(!aws_account_id(id, 20, out));

    key_id_for_account(609629065308ULL, id);
    CHECK(aws_account_id(id, 20, out));
    CHECK_STREQ(out, "609629065308");
}

static void test_aws_keys__smtp_password_vectors(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(smtp_vectors); i++) {
        const struct smtp_vector *v = &smtp_vectors[i];
        char out[45];

        memset(out, 'x', sizeof(out));
        if (v->region != NULL)
            aws_smtp_password_v4(v->secret, strlen(v->secret), v->region, out);
        else
            aws_smtp_password_v2(v->secret, strlen(v->secret), out);
        CHECK_STREQ(out, v->password);
    }
}

/* All regions at once (the chain's first step shared) gives each region's vector, in
 * any order, a NULL region an empty password, and writes nothing past n. */
static void test_aws_keys__smtp_passwords_for_regions(void)
{
    const char *secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const char *const regions[] = { "eu-west-1", NULL, "us-east-1", "us-west-2", "us-east-2" };
    const char *const want[] = { "BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk", "",
                                 "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9",
                                 "BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd",
                                 "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS" };
    char out[ARRAY_SIZE(regions) + 1][45];

    memset(out, 'x', sizeof(out));
    aws_smtp_passwords_v4(secret, 40, regions, ARRAY_SIZE(regions), out);
    for (size_t r = 0; r < ARRAY_SIZE(regions); r++)
        CHECK_STREQ(out[r], want[r]);
    CHECK(out[ARRAY_SIZE(regions)][0] == 'x' && out[ARRAY_SIZE(regions)][44] == 'x');
    aws_smtp_passwords_v4(NULL, 40, regions, 2, out);
    CHECK(out[0][0] == '\0' && out[1][0] == '\0');
    CHECK(want[0][0] == AWS_SMTP_V4_LEAD);
}

static void test_aws_keys__smtp_password_uses_len_not_nul(void)
{
    /* The secret is (ptr, len): trailing bytes past len must not matter. */
    const char *padded = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY trailing";
    char out[45];

    aws_smtp_password_v4(padded, 40, "us-east-2", out);
    CHECK_STREQ(out, "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS");
    aws_smtp_password_v2(padded, 40, out);
    CHECK_STREQ(out, "An60U4ZD3sd4fg+FvXUjayOipTt8LO4rUUmhpdX6ctDy");
}

static void test_aws_keys__smtp_password_shape(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(2019);

    for (int i = 0; i < 200; i++) {
        char secret[41], v4[45], v2[45];

        fakekey_secret(&rng, secret);
        aws_smtp_password_v4(secret, 40, "eu-central-1", v4);
        aws_smtp_password_v2(secret, 40, v2);
        /* AWS-NOTES §7.1: 44 chars, v4 "B[A-P]", v2 "A[g-v]". */
        CHECK(strlen(v4) == 44);
        CHECK(v4[0] == 'B' && v4[1] >= 'A' && v4[1] <= 'P' && v4[0] == AWS_SMTP_V4_LEAD);
        CHECK(strlen(v2) == 44);
        CHECK(v2[0] == 'A' && v2[1] >= 'g' && v2[1] <= 'v' && v2[0] == AWS_SMTP_V2_LEAD);
        CHECK(strchr(v4, '=') == NULL && strchr(v2, '=') == NULL);
    }
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void test_aws_keys__entropy_of_simple_strings(void)
{
    unsigned char all[256];

    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    CHECK(near(aws_entropy("", 0), 0.0));
    CHECK(near(aws_entropy("a", 1), 0.0));
    CHECK(near(aws_entropy("aaaaaaaa", 8), 0.0));
    CHECK(near(aws_entropy("ab", 2), 1.0));
    CHECK(near(aws_entropy("aabb", 4), 1.0));
    CHECK(near(aws_entropy("abcd", 4), 2.0));
    CHECK(near(aws_entropy("0123456789abcdef", 16), 4.0));
    CHECK(near(aws_entropy((const char *)all, sizeof(all)), 8.0));
    /* p = 3/4, 1/4: -(0.75 log2 0.75 + 0.25 log2 0.25) */
    CHECK(near(aws_entropy("aaab", 4), -(0.75 * log2(0.75) + 0.25 * log2(0.25))));
    /* only the first n bytes count */
    CHECK(near(aws_entropy("abcdefgh", 2), 1.0));
    /* the example secret is high-entropy, a placeholder is not */
    CHECK(aws_entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 40) > 4.25);
    CHECK(aws_entropy("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 40) < 1.0);
}

static void test_aws_keys__example_positives(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(example_values); i++) {
        const char *v = example_values[i];

        if (!aws_is_example(v, strlen(v))) {
            fprintf(stderr, "not recognized as an example: %s\n", v);
            CHECK(false);
        }
    }
}

static void test_aws_keys__example_negatives(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(non_example_values); i++) {
        const char *v = non_example_values[i];

        if (aws_is_example(v, strlen(v))) {
            fprintf(stderr, "wrongly an example: %s\n", v);
            CHECK(false);
        }
    }
    CHECK(!aws_is_example(NULL, 0));
    /* (ptr, len): a prefix of an example is not an example */
    CHECK(!aws_is_example("AKIAIOSFODNN7EXAMPLE", 19));
}

static void test_aws_keys__fakekeys_are_not_examples(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(42);

    for (int i = 0; i < 100; i++) {
        char id[21], old_id[21], secret[41], token[301], smtp[45];

        fakekey_access_key_id(&rng, "AKIA", true, id);
        fakekey_access_key_id(&rng, "ASIA", false, old_id);
        fakekey_secret(&rng, secret);
        fakekey_session_token(&rng, token, 300);
        aws_smtp_password_v4(secret, 40, "us-east-1", smtp);
        CHECK(!aws_is_example(id, strlen(id)));
        CHECK(!aws_is_example(old_id, strlen(old_id)));
        CHECK(!aws_is_example(secret, strlen(secret)));
        CHECK(!aws_is_example(token, strlen(token)));
        CHECK(!aws_is_example(smtp, strlen(smtp)));
    }
}

static void test_aws_keys__sha256_hex(void)
{
    char out[65];

    crypto_sha256_hex("", 0, out);
    CHECK_STREQ(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    crypto_sha256_hex("abc", 3, out);
    CHECK_STREQ(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_sha256_hex("abcdef", 3, out);
    CHECK_STREQ(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_sha256_hex("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 40, out);
    CHECK_STREQ(out, "78314b11be2e581549ac1c4f616563fad3fdf0c3b71678f6e2299182080e0598");
}

static const struct test tests[] = {
    TEST(test_aws_keys__account_id_vectors),
    TEST(test_aws_keys__account_id_rejects_bad_shapes),
    TEST(test_aws_keys__account_id_range),
    TEST(test_aws_keys__smtp_password_vectors),
    TEST(test_aws_keys__smtp_passwords_for_regions),
    TEST(test_aws_keys__smtp_password_uses_len_not_nul),
    TEST(test_aws_keys__smtp_password_shape),
    TEST(test_aws_keys__entropy_of_simple_strings),
    TEST(test_aws_keys__example_positives),
    TEST(test_aws_keys__example_negatives),
    TEST(test_aws_keys__fakekeys_are_not_examples),
    TEST(test_aws_keys__sha256_hex),
};
HARNESS_MAIN(tests)
