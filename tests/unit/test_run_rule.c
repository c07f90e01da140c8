/*
 * tests/unit/test_run_rule.c - rules that are one run of a class (match/shapes.c):
 * run_rule_parse takes exactly (?<![B])(?<value>[V]{N})(?![A]) with plain classes and
 * nothing else; run_rule_find gives the first start a brute-force reading of that regex
 * gives (look-behind before pos allowed, look-ahead at the subject's end passes), with
 * and without the skip of runs; and, through the engine, the proximity windows of the
 * default near_key_id rule (confirmed in C) find exactly what PCRE2 finds over the whole
 * buffer (engine_worker_set_whole_buffer), with runs of 38 to 42 characters, '=' and '/'
 * after them, and window edges inside runs (fixed seeds).
 */
#include "match/shapes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pair.h"
#include "harness.h"
#include "rules/fakekey.h"

#define NEAR_KEY_ID "(?<![A-Za-z0-9/+])(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"

static bool has(const uint8_t set[32], unsigned char c)
{
    return set[c >> 3] & (1u << (c & 7));
}

static void test_run_rule__parse(void)
{
    struct run_rule r;
    static const char *const not_runs[] = {
        "(?i)" NEAR_KEY_ID,
        "(?<![A-Za-z0-9/+])(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])x",
        "(?<![^A-Z])(?<value>[A-Z]{4})(?![A-Z])",
        "(?<![\\w])(?<value>[A-Z]{4})(?![A-Z])",
        "(?<![A-Z])(?<value>[A-Z]{4,5})(?![A-Z])",
        "(?<![A-Z])(?<value>[A-Z]{0})(?![A-Z])",
        "(?<![A-Z])(?<value>[A-Z]{})(?![A-Z])",
        "(?<![A-Z])(?<value>[]{4})(?![A-Z])",
        "(?<![A-Z])(?<value>[Z-A]{4})(?![A-Z])",
        "(?<![A-Z])(?<v>[A-Z]{4})(?![A-Z])",
        "(?<![A-Z])(?<value>[A-Z]{4})",
        "(?<![A-Z])(?<value>(?:B[A-P]|A[g-v])[A-Za-z0-9+/]{42})(?![A-Za-z0-9/+=])",
        "",
    };

    CHECK(run_rule_parse(NEAR_KEY_ID, &r));
    CHECK(r.n == 40 && r.skip);
    CHECK(has(r.value, 'A') && has(r.value, 'z') && has(r.value, '9') && has(r.value, '/') &&
          has(r.value, '+') && !has(r.value, '=') && !has(r.value, '-') && !has(r.value, '.'));
    CHECK(has(r.after, '=') && has(r.after, '+') && !has(r.after, ' ') && !has(r.before, '='));
    CHECK(run_rule_parse("(?<![a-z])(?<value>[a-z0-9]{5})(?![0-9])", &r));
    CHECK(r.n == 5 && !r.skip); /* digits pass the look-behind */
    for (size_t i = 0; i < sizeof(not_runs) / sizeof(*not_runs); i++) {
        bool got = run_rule_parse(not_runs[i], &r);
        if (got)
            fprintf(stderr, "taken as a run rule: %s\n", not_runs[i]);
        CHECK(!got);
    }
}

/* The regex read literally: the first s in [pos, hi] where it matches in p[0, len). */
static size_t brute(const struct run_rule *r, const unsigned char *p, size_t len, size_t pos,
                    size_t hi)
{
    for (size_t s = pos; s <= hi && s + r->n <= len; s++) {
        bool ok = s == 0 || !has(r->before, p[s - 1]);
        for (size_t k = 0; ok && k < r->n; k++)
            ok = has(r->value, p[s + k]);
        if (ok && (s + r->n == len || !has(r->after, p[s + r->n])))
            return s;
    }
    return SIZE_MAX;
}

static void test_run_rule__find_equals_the_regex_read_literally(void)
{
    static const char *const rules[] = {
        NEAR_KEY_ID,
        "(?<![A-Za-z0-9/+])(?<value>[A-Za-z0-9/+]{4})(?![A-Za-z0-9/+=])",
        "(?<![a-z])(?<value>[a-z0-9]{5})(?![0-9])",
        "(?<![=])(?<value>[a-c]{3})(?![a])",
    };
    static const char alphabet[] = "abcAZ09/+=- .";
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(346);
    unsigned char p[400];
    size_t found = 0;

    for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
        struct run_rule r;
        CHECK(run_rule_parse(rules[i], &r));
        for (int round = 0; round < 4000; round++) {
            size_t len = fakekey_next(&rng) % sizeof(p), pos, hi, want, got;
            /* long runs of value characters now and then */
            for (size_t k = 0; k < len; k++)
                p[k] = (unsigned char)(fakekey_next(&rng) % 3 ? alphabet[fakekey_next(&rng) % 8]
                                                               : alphabet[fakekey_next(&rng) %
                                                                          (sizeof(alphabet) - 1)]);
            pos = len ? fakekey_next(&rng) % (len + 1) : 0;
            hi = pos + fakekey_next(&rng) % (len + 2 - pos);
            want = brute(&r, p, len, pos, hi);
            got = run_rule_find(&r, p, len, pos, hi);
            if (got != want)
                fprintf(stderr, "rule %zu round %d len %zu pos %zu hi %zu: got %zu want %zu\n", i,
                        round, len, pos, hi, got, want);
            CHECK(got == want);
            found += want != SIZE_MAX;
            if (got != want)
                return;
        }
    }
    CHECK(found > 1000);
}

/* near_key_id through the engine: windows (run_rule_find) against the whole buffer
 * (PCRE2) */
static void test_run_rule__near_key_id_windows_equal_pcre2(void)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char after[] = "=/+ \n\",;a";
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(347);
    struct match_list a = { 0 }, b = { 0 };
    struct triggers ta = { 0 }, tb = { 0 };
    struct pair x;
    size_t near, hits = 0;

    pair_setup(&x, NULL, engine_worker_set_whole_buffer);
    near = rule_index(&x, "aws.secret_access_key.near_key_id");
    for (int round = 0; round < 400; round++) {
        char buf[5000], id[21];
        size_t n = 0;
        bool placed = false;
        fakekey_access_key_id(&rng, "AKIA", true, id);
        /* one key ID in the middle: its windows' edges (1024 bytes away) fall anywhere in
         * the runs around */
        while (n < sizeof(buf) - 200) {
            if (!placed && n >= 2000) {
                buf[n++] = ' ';
                memcpy(buf + n, id, 20);
                n += 20;
                buf[n++] = ' ';
                placed = true;
                continue;
            }
            size_t run = 36 + fakekey_next(&rng) % 8;
            if (n + run + 2 >= sizeof(buf))
                break;
            for (size_t i = 0; i < run; i++)
                buf[n++] = b64[fakekey_next(&rng) % 64];
            buf[n++] = after[fakekey_next(&rng) % (sizeof(after) - 1)];
            if (fakekey_next(&rng) % 3 == 0)
                buf[n++] = after[fakekey_next(&rng) % (sizeof(after) - 1)];
        }
        a.n = b.n = 0;
        CHECK_OK(engine_scan(x.a, (const unsigned char *)buf, n, &a, &ta));
        CHECK_OK(engine_scan(x.b, (const unsigned char *)buf, n, &b, &tb));
        CHECK(a.n == b.n);
        for (size_t i = 0; i < a.n && i < b.n; i++) {
            CHECK(a.v[i].rule == b.v[i].rule && a.v[i].start == b.v[i].start &&
                  a.v[i].end == b.v[i].end);
            hits += a.v[i].rule == near;
        }
        triggers_release(&ta);
        triggers_release(&tb);
        ta = (struct triggers){ 0 };
        tb = (struct triggers){ 0 };
    }
    CHECK(hits > 100);
    match_list_release(&a);
    match_list_release(&b);
    pair_teardown(&x);
}

static const struct test tests[] = {
    TEST(test_run_rule__parse),
    TEST(test_run_rule__find_equals_the_regex_read_literally),
    TEST(test_run_rule__near_key_id_windows_equal_pcre2),
};

HARNESS_MAIN(tests)
