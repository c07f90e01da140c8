/*
 * tests/unit/test_env.c - the environment read once (base/env.h): only the named
 * variables and prefixes are captured, empty means unset, the first duplicate wins.
 */
#include "base/env.h"

#include <string.h>

#include "base/compiler.h"
#include "harness.h"

static void test_env__captures_named_and_prefixed_only(void)
{
    char *environ_[] = { (char *)"HOME=/home/a", (char *)"SECRET=x", (char *)"NO_COLOR=",
                         (char *)"GIT_PUSH_OPTION_0=sesame.skip=why", (char *)"BROKEN",
                         (char *)"HOME=/second", NULL };
    static const char *const names[] = { "HOME", "NO_COLOR", "AWS_REGION", NULL };
    static const char *const prefixes[] = { "GIT_PUSH_OPTION_", NULL };
    struct env e;

    env_capture(&e, environ_, names, prefixes);
    CHECK(e.n == 4);
    CHECK(strcmp(env_get(&e, "HOME"), "/home/a") == 0); /* the first one, as getenv */
    CHECK(env_get(&e, "SECRET") == NULL);                /* not asked for */
    CHECK(env_get(&e, "NO_COLOR") == NULL);              /* empty is unset */
    CHECK(env_get(&e, "AWS_REGION") == NULL);
    CHECK(strcmp(env_get(&e, "GIT_PUSH_OPTION_0"), "sesame.skip=why") == 0);
    CHECK(env_get(NULL, "HOME") == NULL);
    env_release(&e);
}

static void test_env__pairs_for_tests(void)
{
    static const char *const pairs[] = { "AWS_ENDPOINT_URL", "http://127.0.0.1:1", "A", "b",
                                         NULL };
    struct env e;

    env_from_pairs(&e, pairs);
    CHECK(strcmp(env_get(&e, "AWS_ENDPOINT_URL"), "http://127.0.0.1:1") == 0);
    CHECK(strcmp(env_get(&e, "A"), "b") == 0);
    env_release(&e);
    CHECK(e.n == 0 && env_get(&e, "A") == NULL);
}

static const struct test tests[] = {
    TEST(test_env__captures_named_and_prefixed_only),
    TEST(test_env__pairs_for_tests),
};
HARNESS_MAIN(tests)
