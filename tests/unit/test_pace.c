/*
 * tests/unit/test_pace.c - the verifier's pacing (verify/pace.h): a bucket per key, full
 * at first use, refilled at its rate; keys (accounts) independent; a cap (AWS's one call
 * per second for GetSendQuota) lowers rate and burst; throttling halves one bucket's rate,
 * never below 1/s. Time is given, so nothing here sleeps.
 */
#include "verify/pace.h"

#include <stdio.h>

#include "harness.h"

/* How many tokens bucket key gives at time `now` until it is empty. */
static int drain(struct pace *p, const char *key, double cap, double now)
{
    int n = 0;
    while (n < 100000 && pace_take(p, key, cap, now))
        n++;
    return n;
}

static void test_pace__burst_then_rate(void)
{
    struct pace *p = pace_new(10);

    CHECK(drain(p, "sts/111111111111", 0, 100.0) == 10); /* burst = rate (at least 4) */
    CHECK(!pace_take(p, "sts/111111111111", 0, 100.05));
    CHECK(pace_take(p, "sts/111111111111", 0, 100.125)); /* 0.125 s at 10/s: a token */
    CHECK(!pace_take(p, "sts/111111111111", 0, 100.125));
    CHECK(drain(p, "sts/111111111111", 0, 200.0) == 10);  /* refilled, never above burst */
    pace_free(p);

    p = pace_new(2);
    CHECK(drain(p, "iam/1", 0, 0.0) == 4);                 /* small rates: a burst of 4 */
    CHECK(drain(p, "iam/1", 0, 1.0) == 2);
    pace_free(p);
}

static void test_pace__accounts_are_independent(void)
{
    struct pace *p = pace_new(4);
    char key[64];

    /* 1,000 accounts: each has its own bucket, none waits for another's */
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "sts/%012d", i);
        CHECK(drain(p, key, 0, 5.0) == 4);
    }
    CHECK(!pace_take(p, "sts/000000000007", 0, 5.0));
    CHECK(pace_take(p, "iam/000000000007", 0, 5.0)); /* another service: another bucket */
    CHECK(pace_take(p, "sts/", 0, 5.0));             /* accounts not known share "" */
    pace_free(p);
}

static void test_pace__cap_is_one_per_second(void)
{
    struct pace *p = pace_new(100);
    const char *k = "ses/123456789012/eu-west-1/GetSendQuota";

    CHECK(drain(p, k, 1, 10.0) == 1);
    CHECK(!pace_take(p, k, 1, 10.9));
    CHECK(pace_take(p, k, 1, 11.0));
    CHECK(drain(p, k, 1, 30.0) == 1); /* a long pause gives one call, not a burst */
    CHECK(pace_rate(p, k) == 1.0);
    pace_free(p);
}

static void test_pace__throttling_halves_one_bucket(void)
{
    struct pace *p = pace_new(100);

    CHECK(pace_take(p, "sts/1", 0, 0.0) && pace_take(p, "sts/2", 0, 0.0));
    pace_throttled(p, "sts/1", 0.0);
    CHECK(pace_rate(p, "sts/1") == 50.0);
    CHECK(pace_rate(p, "sts/2") == 100.0);
    CHECK(drain(p, "sts/1", 0, 0.0) <= 50); /* the burst shrinks with the rate */
    for (int i = 0; i < 20; i++)
        pace_throttled(p, "sts/1", 0.0);
    CHECK(pace_rate(p, "sts/1") == 1.0);
    drain(p, "sts/1", 0, 1.0);
    CHECK(!pace_take(p, "sts/1", 0, 1.5));
    CHECK(pace_take(p, "sts/1", 0, 2.0));
    pace_free(p);

    p = pace_new(0); /* no limit: effectively unbounded */
    CHECK(drain(p, "sts/1", 0, 0.0) >= 100000);
    pace_free(p);
}

static const struct test tests[] = {
    TEST(test_pace__burst_then_rate),
    TEST(test_pace__accounts_are_independent),
    TEST(test_pace__cap_is_one_per_second),
    TEST(test_pace__throttling_halves_one_bucket),
};
HARNESS_MAIN(tests)
