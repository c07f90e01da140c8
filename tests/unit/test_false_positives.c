/*
 * tests/unit/test_false_positives.c - false positives seen in the field (issue 13, class 4)
 * and the true positives next to them that must survive the gates.
 *
 * - 40-character slices of a session token (wrapped, truncated or grouped in a log) are
 *   not secret access keys;
 * - a base64-encoded session token (a Kubernetes Secret) is reported as the decoded
 *   token, never with its encoded text;
 * - an SMTP-password-shaped value labelled as a hash is not a password, even in mail
 *   context.
 * Keys are generated from a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/keys.h"
#include "harness.h"
#include "scan_fixture.h"

static char *slice(const char *s, size_t from, size_t len)
{
    return xstrndup(s + from, len);
}

static void test_fp__token_slices_are_not_secrets(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(501);
    char id[21], tok[601];
    char *texts[4], *a, *b, *c, *d;

    fakekey_access_key_id(&rng, "ASIA", true, id);
    fakekey_session_token(&rng, tok, 600);
    /* wrapped at 64 columns: the last line is 600 - 9 * 64 = 24, the lines 64 */
    texts[0] = xasprintf("access_key=%s\ntoken:\n%.64s\n%.64s\n%.64s\n%.64s\n%.64s\n%.64s\n"
                         "%.64s\n%.64s\n%.64s\n%s\n", id, tok, tok + 64, tok + 128, tok + 192,
                         tok + 256, tok + 320, tok + 384, tok + 448, tok + 512, tok + 576);
    /* truncated in the middle, its last 40 characters kept */
    a = slice(tok, 0, 120);
    texts[1] = xasprintf("%s DEBUG token=%s...%s\n", id, a, tok + 560);
    /* grouped by 40 */
    b = slice(tok, 0, 40), c = slice(tok, 40, 40), d = slice(tok, 80, 40);
    texts[2] = xasprintf("id %s token %s %s %s %s\n", id, b, c, d, tok + 120);
    /* wrapped at 40 columns: the first line starts like a token */
    texts[3] = xasprintf("%s\n%s\n%s\n", id, b, c);
    for (int i = 0; i < 4; i++) {
        struct fixture x;
        const struct finding *f;
        setup(&x);
        scan(&x, texts[i], strlen(texts[i]));
        build(&x, false);
        f = by_id(&x, id);
        CHECK(f != NULL);
        CHECK(f && f->n_secrets == 0);
        CHECK(x.n == 1);
        if (f && f->n_secrets)
            fprintf(stderr, "text %d: %zu secrets\n", i, f->n_secrets);
        teardown(&x);
        free(texts[i]);
    }
    free(a);
    free(b);
    free(c);
    free(d);
}

/* The shapes next to them that are real secrets: one a line after the key ID, and the
 * secret before the token in `aws sts ... --output text`. */
static void test_fp__real_secrets_next_to_runs_stay(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(502);
    char id[21], s1[41], s2[41], tok[401];
    char *texts[2];

    fakekey_access_key_id(&rng, "ASIA", true, id);
    fakekey_secret(&rng, s1);
    fakekey_secret(&rng, s2);
    fakekey_session_token(&rng, tok, 400);
    texts[0] = xasprintf("%s\n%s\n%s\n", id, s1, s2);
    texts[1] = xasprintf("CREDENTIALS\t%s\t2026-12-06T18:00:00+00:00\t%s\t%s\n", id, s1, tok);
    for (int i = 0; i < 2; i++) {
        struct fixture x;
        const struct finding *f;
        setup(&x);
        scan(&x, texts[i], strlen(texts[i]));
        build(&x, false);
        f = by_id(&x, id);
        CHECK(f && has_secret(f, s1));
        CHECK(i == 1 || (f && has_secret(f, s2)));
        CHECK(i == 0 || (f && f->n_session_tokens == 1 && strcmp(f->session_tokens[0].value, tok) == 0));
        teardown(&x);
        free(texts[i]);
    }
}

/* A Kubernetes Secret: every value base64-encoded; the token is reported decoded, once. */
static void test_fp__encoded_token_reported_decoded(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(503);
    char id[21], sec[41], tok[361];
    char *eid, *esec, *etok, *text;
    struct fixture x;
    const struct finding *f;

    fakekey_access_key_id(&rng, "ASIA", true, id);
    fakekey_secret(&rng, sec);
    fakekey_session_token(&rng, tok, 360);
    eid = test_b64(id), esec = test_b64(sec), etok = test_b64(tok);
    text = xasprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ntype: Opaque\ndata:\n"
                     "  AWS_ACCESS_KEY_ID: %s\n  AWS_SECRET_ACCESS_KEY: %s\n"
                     "  AWS_SESSION_TOKEN: %s\n", eid, esec, etok);
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    f = by_id(&x, id);
    CHECK(x.n == 1);
    CHECK(f && has_secret(f, sec));
    CHECK(f && f->n_session_tokens == 1 && strcmp(f->session_tokens[0].value, tok) == 0);
    for (size_t i = 0; i < x.n; i++)
        for (size_t k = 0; k < x.out[i]->n_session_tokens; k++)
            CHECK(strcmp(x.out[i]->session_tokens[k].value, etok) != 0);
    teardown(&x);
    free(text);
    free(eid);
    free(esec);
    free(etok);
}

/* Mail context, no key ID, a value of the SMTP password's shape labelled as a hash. */
static void test_fp__hash_in_mail_context(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(504);
    char sec[41], pw[45];
    static const char *const heads[] = {
        "MAIL_HOST=email-smtp.us-east-1.amazonaws.com\nMAIL_PASSWORD_SHA256=",
        "smtp:\n  host: email-smtp.us-east-1.amazonaws.com\n  checksum: ",
        "mail.smtp.host=email-smtp.us-east-1.amazonaws.com\n# digest of the template: ",
        "SMTP_PASSWORD_HASH=",
    };

    fakekey_secret(&rng, sec);
    aws_smtp_password_v4(sec, 40, "us-east-1", pw);
    for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++) {
        struct fixture x;
        char *text = xasprintf("%s%s\n", heads[i], pw);
        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        CHECK(x.n == 0);
        teardown(&x);
        free(text);
    }
    {   /* control: the same value as the password is found */
        struct fixture x;
        char *text = xasprintf("MAIL_HOST=email-smtp.us-east-1.amazonaws.com\nMAIL_PASSWORD=%s\n",
                               pw);
        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        CHECK(x.n == 1 && x.out[0]->n_smtp_passwords == 1);
        teardown(&x);
        free(text);
    }
}

static const struct test tests[] = {
    TEST(test_fp__token_slices_are_not_secrets),
    TEST(test_fp__real_secrets_next_to_runs_stay),
    TEST(test_fp__encoded_token_reported_decoded),
    TEST(test_fp__hash_in_mail_context),
};
HARNESS_MAIN(tests)
