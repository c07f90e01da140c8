/*
 * tests/unit/test_bedrock.c - Amazon Bedrock API keys (issue 13, class 7): offline
 * decoding of both shapes, malformed keys left undecoded, and findings: a long-term key
 * names its service user and account; a short-term one belongs to the access key ID that
 * signed it, with its region and expiry; both redacted like secrets.
 * Keys are generated from a fixed seed (rules/fakekey.c), never copied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/bedrock.h"
#include "finding/redact.h"
#include "harness.h"
#include "scan_fixture.h"

static void test_bedrock__decode_long_term(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(601);
    char key[FAKEKEY_BEDROCK_LT_SIZE];
    struct bedrock_info bi;

    fakekey_bedrock_long_term(&rng, key);
    CHECK(strncmp(key, "ABSKQmVkcm9ja0FQSUtleS", 22) == 0 && strlen(key) == 132);
    CHECK(aws_bedrock_decode(key, strlen(key), &bi));
    CHECK(bi.type == BEDROCK_LONG_TERM);
    CHECK(strncmp(bi.service_user, "BedrockAPIKey-", 14) == 0 && strlen(bi.service_user) == 18);
    CHECK(strlen(bi.account_id) == 12);
    CHECK(bi.key_id[0] == '\0' && bi.expires == 0);
}

static void test_bedrock__decode_short_term(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(602);
    char id[21], tok[401], key[FAKEKEY_BEDROCK_ST_SIZE];
    struct bedrock_info bi;

    fakekey_access_key_id(&rng, "ASIA", true, id);
    fakekey_session_token(&rng, tok, 400);
    fakekey_bedrock_short_term(&rng, id, tok, "eu-central-1", key);
    CHECK(strncmp(key, "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t", 44) == 0);
    CHECK(aws_bedrock_decode(key, strlen(key), &bi));
    CHECK(bi.type == BEDROCK_SHORT_TERM);
    CHECK_STREQ(bi.key_id, id);
    CHECK_STREQ(bi.region, "eu-central-1");
    CHECK(bi.expires == 1767225600 + 43200); /* 2026-01-01T00:00:00Z + 12 h */
    CHECK(bi.has_token);
    /* signed with long-term credentials: no token */
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_bedrock_short_term(&rng, id, NULL, "us-east-1", key);
    CHECK(aws_bedrock_decode(key, strlen(key), &bi) && !bi.has_token);
    CHECK_STREQ(bi.key_id, id);
}

/* Malformed keys are not guessed at: nothing is decoded. */
static void test_bedrock__malformed_left_undecoded(void)
{
    static const char *const texts[] = {
        "BedrockAPIKey-abcd-at-12345678901:password", /* 11 digits */
        "BedrockAPIKey-abcd-at-123456789012",          /* no password */
        "BedrockAPIKey-abcd-at-1234567890ab:pw",       /* not digits */
        "SomethingElse-abcd-at-123456789012:pw",
    };
    static const char *const urls[] = {
        "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Date=20260101T000000Z",
        "bedrock.amazonaws.com/?X-Amz-Credential=SHORT%2F20260101%2Fus-east-1%2Fbedrock%2Faws4_request",
        "example.com/?X-Amz-Credential=AKIAAAAAAAAAAAAAAAAA%2F20260101%2Fus-east-1%2Fbedrock%2Faws4_request",
        "bedrock.amazonaws.com/?X-Amz-Credential=AKIAAAAAAAAAAAAAAAAA%2F20260101%2Fus-east-1%2Fs3%2Faws4_request",
    };
    struct bedrock_info bi;

    for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
        char *e = test_b64(texts[i]);
        char *key = xasprintf("ABSK%s", e);
        CHECK(!aws_bedrock_decode(key, strlen(key), &bi) && bi.type == BEDROCK_UNKNOWN);
        free(e);
        free(key);
    }
    for (size_t i = 0; i < sizeof(urls) / sizeof(*urls); i++) {
        char *e = test_b64(urls[i]);
        char *key = xasprintf("bedrock-api-key-%s", e);
        CHECK(!aws_bedrock_decode(key, strlen(key), &bi) && bi.key_id[0] == '\0');
        free(e);
        free(key);
    }
    CHECK(!aws_bedrock_decode("ABSK!!!!", 8, &bi));
    CHECK(!aws_bedrock_decode(NULL, 0, &bi));
    /* a valid short-term URL with a bad date keeps its key ID but no expiry */
    {
        char *e = test_b64("bedrock.amazonaws.com/?X-Amz-Credential=AKIAAAAAAAAAAAAAAAAA%2F2026"
                      "0101%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=2026011&X-Amz-Expires=9");
        char *key = xasprintf("bedrock-api-key-%s", e);
        CHECK(aws_bedrock_decode(key, strlen(key), &bi) && bi.expires == 0);
        free(e);
        free(key);
    }
}

static const struct finding *by_kind(const struct fixture *x, enum cred_kind k)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->out[i]->kind == k)
            return x->out[i];
    return NULL;
}

static void test_bedrock__findings(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(603);
    char id[21], tok[361], lt[FAKEKEY_BEDROCK_LT_SIZE], st[FAKEKEY_BEDROCK_ST_SIZE];
    char red[128];
    char *text;
    struct fixture x;
    const struct finding *f;

    fakekey_access_key_id(&rng, "ASIA", true, id);
    fakekey_session_token(&rng, tok, 360);
    fakekey_bedrock_long_term(&rng, lt);
    fakekey_bedrock_short_term(&rng, id, tok, "us-west-2", st);
    text = xasprintf("AWS_BEARER_TOKEN_BEDROCK=%s\n# short-term, from the console:\n"
                     "export AWS_BEARER_TOKEN_BEDROCK=\"%s\"\n", lt, st);
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    CHECK(x.n == 2);
    f = by_kind(&x, CRED_BEDROCK_API_KEY);
    CHECK(f && f->n_bedrock_keys == 1 && strcmp(f->bedrock_keys[0].value, lt) == 0);
    CHECK(f && strcmp(f->bedrock_keys[0].type, "long-term") == 0 && f->account_id &&
          f->bedrock_keys[0].service_user && f->confidence == CONF_HIGH);
    CHECK(f && f->n_locations == 1 && f->locations[0].line == 1 && f->locations[0].column == 26);
    f = by_id(&x, id);
    CHECK(f && f->n_bedrock_keys == 1 && strcmp(f->bedrock_keys[0].value, st) == 0);
    CHECK(f && f->bedrock_keys[0].region && strcmp(f->bedrock_keys[0].region, "us-west-2") == 0);
    CHECK(f && f->bedrock_keys[0].expires == 1767225600 + 43200 && f->bedrock_keys[0].has_token);
    CHECK(f && f->locations[0].line == 3);
    /* redacted like a secret: 4 characters and a fingerprint */
    redact_value(red, sizeof(red), CRED_BEDROCK_API_KEY, lt, false);
    CHECK(strncmp(red, "ABSK", 4) == 0 && strstr(red, lt + 4) == NULL && strlen(red) < 40);
    teardown(&x);
    free(text);
}

static const struct test tests[] = {
    TEST(test_bedrock__decode_long_term),
    TEST(test_bedrock__decode_short_term),
    TEST(test_bedrock__malformed_left_undecoded),
    TEST(test_bedrock__findings),
};
HARNESS_MAIN(tests)
