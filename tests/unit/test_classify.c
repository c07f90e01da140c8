/*
 * tests/unit/test_classify.c - offline classification in every scan (issue 13, class 6):
 * a key of a canary-token account is labelled a canary and ranked as one without
 * --verify; near-copies of AWS's documentation examples (an edit or two away, or holding
 * "EXAMPLE") are reported as example-like with low confidence, not hidden and not as
 * high-confidence leaks; real keys are neither.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/keys.h"
#include "harness.h"
#include "rank/risk.h"
#include "scan_fixture.h"

static bool has_factor(const struct finding *f, const char *name)
{
    for (size_t i = 0; f && f->risk && i < f->risk->n_factors; i++)
        if (strcmp(f->risk->factors[i].name, name) == 0)
            return true;
    return false;
}

static void test_classify__canary_account_in_a_plain_scan(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(801);
    char canary[21], real[21], sec[41];
    char *text;
    struct fixture x;
    const struct finding *c, *r;

    fakekey_access_key_id_for_account(&rng, "AKIA", 52310077262ULL, canary);
    fakekey_access_key_id(&rng, "AKIA", true, real);
    fakekey_secret(&rng, sec);
    text = xasprintf("[canary]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                     "[prod]\naws_access_key_id = %s\n", canary, sec, real);
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    risk_rank(x.out, x.n, 1765000000);
    c = by_id(&x, canary);
    r = by_id(&x, real);
    CHECK(c && c->canary && c->account_id && strcmp(c->account_id, "052310077262") == 0);
    CHECK(c && c->risk && c->risk->score == 0 && has_factor(c, "canary"));
    CHECK(r && !r->canary && r->risk && r->risk->score > 0);
    CHECK(x.n == 2 && x.out[0] == r); /* the real key ranks first */
    for (size_t i = 0; i < x.n; i++) {
        risk_free(x.out[i]->risk);
        x.out[i]->risk = NULL;
    }
    teardown(&x);
    free(text);
}

static void test_classify__example_like(void)
{
    static const char *const like[] = {
        "AKIAIOSFODNN7EXAMPLF",                     /* one substitution */
        "AKIAIOSFODNN7EXAMPL2",
        "AKIAEXAMPLE234567ABC",                     /* holds EXAMPLE */
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ", /* holds EXAMPLE */
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCY2XAMPL3KEY", /* two substitutions */
    };
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(802);
    char id[21], sec[41];

    for (size_t i = 0; i < sizeof(like) / sizeof(*like); i++) {
        CHECK(aws_is_example_like(like[i], strlen(like[i])));
        CHECK(!aws_is_example(like[i], strlen(like[i])));
    }
    CHECK(!aws_is_example_like("AKIAIOSFODNN7EXAMPLE", 20)); /* the example itself */
    CHECK(!aws_is_example_like("wJalrXUtnFEMI/K7MDENG/bPxRfiCY2X4MPL3K3Y", 40)); /* 4 edits */
    for (int i = 0; i < 50; i++) {
        fakekey_access_key_id(&rng, "AKIA", true, id);
        fakekey_secret(&rng, sec);
        CHECK(!aws_is_example_like(id, 20) && !aws_is_example_like(sec, 40));
    }
}

static void test_classify__example_like_findings_low_confidence(void)
{
    struct fixture x;
    const char *text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLF\n"
                       "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ\n";
    const struct finding *f;

    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    f = by_id(&x, "AKIAIOSFODNN7EXAMPLF");
    CHECK(x.n == 1 && x.hidden == 0);
    CHECK(f && f->example_like && !f->example && f->confidence == CONF_LOW && f->n_secrets == 1);
    teardown(&x);
}

static const struct test tests[] = {
    TEST(test_classify__canary_account_in_a_plain_scan),
    TEST(test_classify__example_like),
    TEST(test_classify__example_like_findings_low_confidence),
};
HARNESS_MAIN(tests)
