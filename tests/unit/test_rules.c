/*
 * tests/unit/test_rules.c - rule loading: defaults, validation messages, replacement,
 * and the engine's compile errors naming the rule.
 */
#include "rules/rule.h"

#include <string.h>

#include "harness.h"
#include "match/engine.h"

static void test_rules__defaults_load(void)
{
    struct ruleset rs = RULESET_INIT;
    CHECK_OK(ruleset_load(&rs, false, NULL, 0));
    CHECK(rs.n >= 8);
    CHECK(ruleset_find(&rs, "aws.access_key_id") != NULL);
    CHECK(rs.n_smtp_regions >= 16);
    ruleset_release(&rs);
}

static enum status load(struct ruleset *rs, const char *json)
{
    return ruleset_load_text(rs, "t.json", json, strlen(json));
}

static void test_rules__errors_name_file_and_rule(void)
{
    struct ruleset rs = RULESET_INIT;

    CHECK(load(&rs, "{\"rules\": [") == STATUS_CORRUPT);
    CHECK(strstr(status_message(), "t.json") != NULL);
    CHECK(load(&rs, "{\"rules\": [{\"id\": \"x.y\", \"name\": \"n\", \"kind\": \"nope\", "
                    "\"pattern\": \"(?<value>a)\"}]}") == STATUS_CORRUPT);
    CHECK(strstr(status_message(), "'x.y'") != NULL);
    CHECK(strstr(status_message(), "nope") != NULL);
    CHECK(load(&rs, "{\"rules\": [{\"id\": \"x.y\", \"name\": \"n\", \"kind\": \"access_key_id\", "
                    "\"pattern\": \"abc\"}]}") == STATUS_CORRUPT);
    CHECK(strstr(status_message(), "value") != NULL);
    CHECK(load(&rs, "{\"rules\": [{\"id\": \"x.y\", \"name\": \"n\", \"kind\": \"access_key_id\", "
                    "\"pattern\": \"(?<value>a)\", \"typo\": 1}]}") == STATUS_CORRUPT);
    CHECK(strstr(status_message(), "typo") != NULL);
    CHECK(load(&rs, "{\"rules\": [{\"id\": \"Bad Id\", \"name\": \"n\", \"kind\": \"context\", "
                    "\"pattern\": \"(?<value>a)\"}]}") == STATUS_CORRUPT);
    CHECK(load(&rs, "{\"rules\": [{\"id\": \"a\", \"name\": \"n\", \"kind\": \"context\", "
                    "\"pattern\": \"(?<value>a)\", \"near\": {\"kinds\": [\"context\"], "
                    "\"bytes\": 0}}]}") == STATUS_CORRUPT);
    CHECK(load(&rs, "[1]") == STATUS_CORRUPT);
    CHECK(rs.n == 0);
    ruleset_release(&rs);
}

static void test_rules__same_id_replaces(void)
{
    struct ruleset rs = RULESET_INIT;
    CHECK_OK(load(&rs, "{\"rules\": [{\"id\": \"a\", \"name\": \"one\", \"kind\": \"context\", "
                       "\"pattern\": \"(?<value>a)\"}]}"));
    CHECK_OK(load(&rs, "{\"rules\": [{\"id\": \"a\", \"name\": \"two\", \"kind\": \"context\", "
                       "\"pattern\": \"(?<value>b)\"}]}"));
    CHECK(rs.n == 1);
    CHECK_STREQ(rs.rules[0].name, "two");
    ruleset_release(&rs);
}

static void test_rules__bad_regex_names_rule(void)
{
    struct ruleset rs = RULESET_INIT;
    struct engine *e = NULL;

    CHECK_OK(load(&rs, "{\"rules\": [{\"id\": \"broken.one\", \"name\": \"n\", "
                       "\"kind\": \"access_key_id\", \"pattern\": \"(?<value>[a-)\"}]}"));
    ruleset_hash(&rs);
    CHECK(engine_new(&e, &rs, NULL) == STATUS_CORRUPT);
    CHECK(e == NULL);
    CHECK(strstr(status_message(), "broken.one") != NULL);
    CHECK(strstr(status_message(), "t.json") != NULL);
    ruleset_release(&rs);
}

static void test_rules__hash_changes_with_pattern(void)
{
    struct ruleset a = RULESET_INIT, b = RULESET_INIT;
    CHECK_OK(load(&a, "{\"rules\": [{\"id\": \"a\", \"name\": \"n\", \"kind\": \"context\", "
                      "\"pattern\": \"(?<value>a)\"}]}"));
    CHECK_OK(load(&b, "{\"rules\": [{\"id\": \"a\", \"name\": \"n\", \"kind\": \"context\", "
                      "\"pattern\": \"(?<value>b)\"}]}"));
    ruleset_hash(&a);
    ruleset_hash(&b);
    CHECK(memcmp(a.hash, b.hash, sizeof(a.hash)) != 0);
    ruleset_release(&a);
    ruleset_release(&b);
}

static const struct test tests[] = {
    TEST(test_rules__defaults_load),
    TEST(test_rules__errors_name_file_and_rule),
    TEST(test_rules__same_id_replaces),
    TEST(test_rules__bad_regex_names_rule),
    TEST(test_rules__hash_changes_with_pattern),
};
HARNESS_MAIN(tests)
