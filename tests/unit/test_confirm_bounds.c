/*
 * tests/unit/test_confirm_bounds.c - confirmation windows with a bound on where a match
 * may start (PCRE2's offset limit, match/engine.c confirm_range) find exactly what the
 * unbounded search found: matches that start on a window's last byte, proximity values
 * at exactly the proximity distance, keyword values running past the window, and
 * random text dense in keywords, separators and key characters.
 */
#include "match/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pair.h"
#include "harness.h"
#include "base/xalloc.h"
#include "rules/fakekey.h"
#include "rules/rule.h"

static bool same_match(const struct match *a, const struct match *b)
{
    return a->rule == b->rule && a->start == b->start && a->end == b->end &&
           a->region_start == b->region_start && a->region_end == b->region_end;
}

/* Both workers' matches over p[0, n) are the same list; returns how many. */
static size_t same_matches(struct pair *x, const unsigned char *p, size_t n,
                           struct match_list *out)
{
    struct match_list ref = { 0 };
    struct triggers ta = { 0 }, tb = { 0 };

    out->n = 0;
    CHECK_OK(engine_scan(x->a, p, n, out, &ta));
    CHECK_OK(engine_scan(x->b, p, n, &ref, &tb));
    CHECK(out->n == ref.n);
    for (size_t i = 0; i < out->n && i < ref.n; i++)
        CHECK(same_match(&out->v[i], &ref.v[i]));
    CHECK(ta.url.n == tb.url.n && ta.json.n == tb.json.n && ta.n_b64 == tb.n_b64);
    triggers_release(&ta);
    triggers_release(&tb);
    match_list_release(&ref);
    return out->n;
}

static bool has_match(const struct match_list *l, size_t rule, size_t start)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].rule == rule && l->v[i].start == start)
            return true;
    return false;
}

/* A secret `gap` bytes after a key ID (blanks and line breaks between): the proximity
 * rule looks near_bytes around the ID, so a value starting exactly near_bytes after the
 * ID's end starts on its window's last byte (found), one byte further it is out. */
static void test_confirm_bounds__proximity_value_at_the_window_end(void)
{
    struct pair x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(191);
    struct match_list l = { 0 };
    size_t near, near_bytes;
    char id[21], secret[41];

    pair_setup(&x, NULL, engine_worker_set_unbounded);
    near = rule_index(&x, "aws.secret_access_key.near_key_id");
    near_bytes = x.rs.rules[near].near_bytes;
    CHECK(near_bytes >= 64);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_secret(&rng, secret);
    for (size_t gap = near_bytes - 2; gap <= near_bytes + 2; gap++) {
        size_t n = 20 + gap + 40 + 1;
        unsigned char *p = xmalloc(n + 1);
        memcpy(p, id, 20);
        for (size_t i = 0; i < gap; i++)
            p[20 + i] = i % 61 == 60 ? '\n' : ' ';
        memcpy(p + 20 + gap, secret, 40);
        p[n - 1] = '\n';
        CHECK(same_matches(&x, p, n, &l) >= 1);
        CHECK(has_match(&l, near, 20 + gap) == (gap <= near_bytes));
        /* and before the ID: the window starts near_bytes before it */
        memcpy(p, secret, 40);
        for (size_t i = 0; i < gap; i++)
            p[40 + i] = i % 61 == 60 ? '\n' : ' ';
        memcpy(p + 40 + gap, id, 20);
        CHECK(same_matches(&x, p, n, &l) >= 1);
        CHECK(has_match(&l, near, 0) == (gap + 40 <= near_bytes));
        free(p);
    }
    match_list_release(&l);
    pair_teardown(&x);
}

/* Keyword rules: the value runs past the Hyperscan hit's window (a session token of
 * 2,000 characters after a keyword whose prefilter stops at 100), several keyword
 * values in one merged window, and a keyword at the very end of the buffer. */
static void test_confirm_bounds__values_past_the_window(void)
{
    struct pair x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(192);
    struct match_list l = { 0 };
    char id[21], secret[41], *text, token[2001];

    pair_setup(&x, NULL, engine_worker_set_unbounded);
    fakekey_access_key_id(&rng, "ASIA", true, id);
    fakekey_secret(&rng, secret);
    for (size_t i = 0; i < sizeof(token) - 1; i++)
        token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            [fakekey_next(&rng) % 64];
    token[sizeof(token) - 1] = '\0';
    text = xasprintf("aws_access_key_id=%s\naws_secret_access_key=%s\n"
                     "aws_session_token=%s\nsecret_key: %s secret_key: %s\n"
                     "smtp mail smtp_password=%s mail", id, secret, token, secret, secret,
                     secret);
    CHECK(same_matches(&x, (const unsigned char *)text, strlen(text), &l) >= 5);
    CHECK(has_match(&l, rule_index(&x, "aws.session_token.keyword"),
                    (size_t)(strstr(text, token) - text)));
    /* every prefix: a window cut by the end of the buffer anywhere */
    for (size_t n = 1; n <= strlen(text); n += 7)
        (void)same_matches(&x, (const unsigned char *)text, n, &l);
    free(text);
    match_list_release(&l);
    pair_teardown(&x);
}

/* Random text built from the pieces the rules look for: both searches agree. */
static void test_confirm_bounds__random_keyword_soup(void)
{
    static const char *const pieces[] = {
        "aws_secret_access_key", "secret_key", "SecretKey", "smtp", "mail_password", " = ",
        ": ", "\"", "'", "\n", "\\\n", " ", "\t", "aws_session_token", "AKIA", "ASIA",
        "email-smtp.us-east-1.amazonaws.com", "{", "}", "aws:", "  secret: ", "=",
        "password", "IQoJb3JpZ2luX2Vj", "%2F", "\\/", "credentials", "default = \"",
    };
    struct pair x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(193);
    struct match_list l = { 0 };
    size_t total = 0;

    pair_setup(&x, NULL, engine_worker_set_unbounded);
    for (int round = 0; round < 300; round++) {
        char buf[6000];
        size_t n = 0;
        while (n < sizeof(buf) - 64) {
            unsigned r = fakekey_next(&rng) % 4;
            if (r == 0) {
                const char *s = pieces[fakekey_next(&rng) % (sizeof(pieces) / sizeof(*pieces))];
                memcpy(buf + n, s, strlen(s));
                n += strlen(s);
            } else {
                static const char chars[] =
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz+/";
                size_t run = fakekey_next(&rng) % (r == 1 ? 8 : 48);
                for (size_t i = 0; i < run; i++)
                    buf[n++] = chars[fakekey_next(&rng) % (sizeof(chars) - 1)];
            }
        }
        total += same_matches(&x, (const unsigned char *)buf, n, &l);
    }
    CHECK(total > 100); /* the soup does match things */
    match_list_release(&l);
    pair_teardown(&x);
}

static const struct test tests[] = {
    TEST(test_confirm_bounds__proximity_value_at_the_window_end),
    TEST(test_confirm_bounds__values_past_the_window),
    TEST(test_confirm_bounds__random_keyword_soup),
};

HARNESS_MAIN(tests)
