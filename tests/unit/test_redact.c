/*
 * tests/unit/test_redact.c - printable forms of credential values.
 *
 * The invariant under test: a redacted value shows at most its prefix, never any other
 * part of the value; key IDs and --show-secrets output are whole.
 */
#include "finding/redact.h"

#include <stdint.h>
#include <string.h>

#include "base/compiler.h"
#include "aws/keys.h"
#include "crypto/crypto.h"
#include "rules/fakekey.h"
#include "harness.h"

#define ELLIPSIS "\xe2\x80\xa6"

static const enum cred_kind secret_kinds[] = {
    CRED_SECRET_ACCESS_KEY, CRED_SESSION_TOKEN, CRED_SMTP_PASSWORD, CRED_CONTEXT,
};

/* True if `shown` contains any 5-byte window of `value` (the prefix alone is 4 bytes). */
static bool leaks_window(const char *shown, const char *value)
{
    size_t len = strlen(value);

    for (size_t i = 0; i + 5 <= len; i++) {
        char window[6];

        memcpy(window, value + i, 5);
        window[5] = '\0';
        if (strstr(shown, window) != NULL)
            return true;
    }
    return false;
}

/* The expected redacted form, built independently of redact.c. */
static void expected_form(const char *value, char *out, size_t out_size)
{
    char digest[65];

    crypto_sha256_hex(value, strlen(value), digest);
    snprintf(out, out_size, "%.4s" ELLIPSIS "[sha256:%.12s]", value, digest);
}

static void test_redact__example_secret_exact_form(void)
{
    char shown[64];

    redact_value(shown, sizeof(shown), CRED_SECRET_ACCESS_KEY,
                 "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false);
    CHECK_STREQ(shown, "wJal" ELLIPSIS "[sha256:78314b11be2e]");
}

static void test_redact__key_id_shown_whole(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(7);
    char id[21];
    char shown[64];

    fakekey_access_key_id(&rng, "AKIA", true, id);
    CHECK(redact_value(shown, sizeof(shown), CRED_ACCESS_KEY_ID, id, false) == shown);
    CHECK_STREQ(shown, id);
    redact_value(shown, sizeof(shown), CRED_ACCESS_KEY_ID, id, true);
    CHECK_STREQ(shown, id);
}

static void test_redact__keeps_only_prefix_and_fingerprint(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(7); /* fixed seed: no key-shaped literals */

    for (int i = 0; i < 200; i++) {
        char secret[41], token[401], smtp[45];
        char shown[128], want[128];
        const char *values[3];

        fakekey_secret(&rng, secret);
        fakekey_session_token(&rng, token, 400);
        aws_smtp_password_v4(secret, 40, "us-west-2", smtp);
        values[0] = secret;
        values[1] = token;
        values[2] = smtp;

        for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
            for (size_t k = 0; k < ARRAY_SIZE(secret_kinds); k++) {
                redact_value(shown, sizeof(shown), secret_kinds[k], values[v], false);
                expected_form(values[v], want, sizeof(want));
                CHECK_STREQ(shown, want);
                CHECK(strncmp(shown, values[v], REDACT_PREFIX_CHARS) == 0);
                CHECK(!leaks_window(shown, values[v]));
                CHECK(strstr(shown, values[v] + REDACT_PREFIX_CHARS) == NULL);
            }
        }
    }
}

static void test_redact__show_returns_value_whole(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(13);
    char secret[41], token[301];
    char shown[512];

    fakekey_secret(&rng, secret);
    fakekey_session_token(&rng, token, 300);
    for (size_t k = 0; k < ARRAY_SIZE(secret_kinds); k++) {
        redact_value(shown, sizeof(shown), secret_kinds[k], secret, true);
        CHECK_STREQ(shown, secret);
        redact_value(shown, sizeof(shown), secret_kinds[k], token, true);
        CHECK_STREQ(shown, token);
    }
}

static void test_redact__truncates_and_terminates(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(21);
    char secret[41];
    char shown[64];
    char full[64];

    fakekey_secret(&rng, secret);
    redact_value(full, sizeof(full), CRED_SECRET_ACCESS_KEY, secret, false);

    /* Every buffer size yields a NUL-terminated prefix of the full form. */
    for (size_t size = 1; size <= strlen(full) + 1; size++) {
        memset(shown, 'x', sizeof(shown));
        redact_value(shown, size, CRED_SECRET_ACCESS_KEY, secret, false);
        CHECK(strlen(shown) < size);
        CHECK(strncmp(shown, full, strlen(shown)) == 0);
        CHECK(shown[size] == 'x' || size == sizeof(shown));
        CHECK(!leaks_window(shown, secret));
    }
    /* The ellipsis is never cut in the middle: 5, 6 and 7 bytes give only the prefix. */
    for (size_t size = 5; size <= 7; size++) {
        redact_value(shown, size, CRED_SECRET_ACCESS_KEY, secret, false);
        CHECK(strlen(shown) == 4);
    }
    redact_value(shown, 8, CRED_SECRET_ACCESS_KEY, secret, false);
    CHECK(strlen(shown) == 7);

    /* Shown values truncate too. */
    redact_value(shown, 11, CRED_SECRET_ACCESS_KEY, secret, true);
    CHECK(strlen(shown) == 10 && strncmp(shown, secret, 10) == 0);

    /* out_size 0 writes nothing. */
    shown[0] = 'x';
    CHECK(redact_value(shown, 0, CRED_SECRET_ACCESS_KEY, secret, false) == shown);
    CHECK(shown[0] == 'x');
}

static void test_redact__short_values_never_whole(void)
{
    static const char *const values[] = { "", "a", "ab", "abc", "abcd", "abcde", "abcdefg" };
    char shown[64];

    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        size_t len = strlen(values[i]);

        redact_value(shown, sizeof(shown), CRED_SECRET_ACCESS_KEY, values[i], false);
        CHECK(strstr(shown, ELLIPSIS "[sha256:") != NULL);
        /* at most half of a short value is shown */
        CHECK((size_t)(strstr(shown, ELLIPSIS) - shown) <= len / 2);
    }
    redact_value(shown, sizeof(shown), CRED_SECRET_ACCESS_KEY, "", false);
    CHECK_STREQ(shown, ELLIPSIS "[sha256:e3b0c44298fc]");
    redact_value(shown, sizeof(shown), CRED_SECRET_ACCESS_KEY, "abc", false);
    CHECK_STREQ(shown, "a" ELLIPSIS "[sha256:ba7816bf8f01]");
}

static void test_redact__null_value(void)
{
    char shown[16] = "x";

    CHECK_STREQ(redact_value(shown, sizeof(shown), CRED_SECRET_ACCESS_KEY, NULL, false), "");
}

static const struct test tests[] = {
    TEST(test_redact__example_secret_exact_form),
    TEST(test_redact__key_id_shown_whole),
    TEST(test_redact__keeps_only_prefix_and_fingerprint),
    TEST(test_redact__show_returns_value_whole),
    TEST(test_redact__truncates_and_terminates),
    TEST(test_redact__short_values_never_whole),
    TEST(test_redact__null_value),
};
HARNESS_MAIN(tests)
