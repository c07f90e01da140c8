/*
 * tests/unit/test_risk.c - the documented risk score (rank/risk.h, points in risk.c).
 *
 * Findings are built by hand. Each factor is checked with its points; the score is the
 * sum of the factors clamped to 0..100; the tier follows the score at each documented
 * boundary (85, 65, 40, 15); examples and skipped credentials score 0; ranking sorts by
 * score, highest first, keeping the order of equal scores; remediation fits the state.
 */
#include "rank/risk.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/xalloc.h"
#include "rules/fakekey.h"
#include "harness.h"

#define NOW 1800000000 /* 2027-01-15 */
#define DAY 86400

struct fx {
    struct finding f;
    struct verification v;
    struct location loc[3];
    struct secret_value secret;
    struct ses_state ses[2];
    char id[21];
    char secret_value[41];
    char path[3][64];
};

static void set_type(struct fx *x, const char *type)
{
    static char types[4][5] = { "AKIA", "ASIA", "ABIA", "ACCA" };

    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        if (strcmp(types[i], type) == 0)
            x->f.key_type = types[i];
}

/* A finding with a key ID of `type` (NULL: none), a secret if `with_secret`, one
 * location at `path`, the given exposure, not verified. */
static void make(struct fx *x, const char *type, bool with_secret, const char *path,
                 enum exposure exposure)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(77);

    memset(x, 0, sizeof(*x));
    fakekey_access_key_id(&rng, type ? type : "AKIA", true, x->id);
    fakekey_secret(&rng, x->secret_value);
    if (type) {
        x->f.kind = CRED_ACCESS_KEY_ID;
        x->f.access_key_id = x->id;
        set_type(x, type);
    } else {
        x->f.kind = CRED_SECRET_ACCESS_KEY;
    }
    if (with_secret) {
        x->secret.value = x->secret_value;
        x->f.secrets = &x->secret;
        x->f.n_secrets = 1;
    }
    snprintf(x->path[0], sizeof(x->path[0]), "%s", path);
    x->loc[0].path = x->path[0];
    x->f.locations = x->loc;
    x->f.n_locations = 1;
    x->f.exposure = exposure;
}

static void verified(struct fx *x, enum verify_status st)
{
    x->v.status = st;
    x->f.verification = &x->v;
}

/* Rank one finding; its score. */
static int rank_one(struct fx *x)
{
    struct finding *p = &x->f;

    risk_rank(&p, 1, NOW);
    return x->f.risk ? x->f.risk->score : -1;
}

static int points_of(const struct risk *r, const char *name)
{
    int sum = 0;

    for (size_t i = 0; i < r->n_factors; i++)
        if (strcmp(r->factors[i].name, name) == 0)
            sum += r->factors[i].points;
    return sum;
}

static bool has_factor(const struct risk *r, const char *name)
{
    for (size_t i = 0; i < r->n_factors; i++)
        if (strcmp(r->factors[i].name, name) == 0)
            return true;
    return false;
}

static const char *detail_of(const struct risk *r, const char *name)
{
    for (size_t i = 0; i < r->n_factors; i++)
        if (strcmp(r->factors[i].name, name) == 0)
            return r->factors[i].detail;
    return "";
}

static int factor_sum(const struct risk *r)
{
    int sum = 0;

    for (size_t i = 0; i < r->n_factors; i++) {
        sum += r->factors[i].points;
        CHECK(r->factors[i].detail && r->factors[i].detail[0]);
    }
    return sum;
}

static void done(struct fx *x)
{
    risk_free(x->f.risk);
    x->f.risk = NULL;
}

/* A key ID with a secret at HEAD, the given verification: the score and one factor. */
static void check_verification(enum verify_status st, const char *factor, int points)
{
    struct fx x;

    make(&x, "AKIA", true, "app/.env", EXPOSURE_HEAD);
    if (st != VERIFY_NOT_CHECKED)
        verified(&x, st);
    CHECK(rank_one(&x) == points + 10 + 15 + 10);
    if (points_of(x.f.risk, factor) != points || !has_factor(x.f.risk, factor)) {
        fprintf(stderr, "  %s: %s is %d points, expected %d\n", verify_status_name(st), factor,
                points_of(x.f.risk, factor), points);
        CHECK(false);
    }
    CHECK(factor_sum(x.f.risk) == x.f.risk->score);
    done(&x);
}

static void test_risk__verification_points(void)
{
    check_verification(VERIFY_LIVE, "verified_live", 50);
    check_verification(VERIFY_UNKNOWN, "verification_unknown", 30);
    check_verification(VERIFY_NOT_CHECKED, "not_verified", 35);
    check_verification(VERIFY_WRONG_SECRET, "wrong_secret", 10);
    check_verification(VERIFY_EXPIRED, "expired", 2);
    check_verification(VERIFY_INVALID, "invalid", 0);
}

static void test_risk__key_type_and_completeness(void)
{
    static const struct {
        const char *type;     /* NULL: no key ID */
        bool secret;
        const char *factor;   /* the key type's */
        int type_points;
        const char *complete; /* completeness factor */
        int complete_points;
    } cases[] = {
        { "AKIA", true, "long_term_key", 10, "complete", 15 },
        { "ASIA", true, "temporary_key", 3, "complete", 15 },
        { "ABIA", true, "key_type", 5, "complete", 15 },
        { "ACCA", false, "key_type", 5, NULL, 0 },
        { NULL, true, NULL, 0, "secret_only", 8 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fx x;
        int want;

        make(&x, cases[i].type, cases[i].secret, "a.env", EXPOSURE_FILE);
        /* not verified: 35 with a secret, 12 for a key ID alone; file on disk: 10 */
        want = (cases[i].secret ? 35 : 12) + cases[i].type_points + cases[i].complete_points + 10;
        CHECK(rank_one(&x) == want);
        if (cases[i].factor)
            CHECK(points_of(x.f.risk, cases[i].factor) == cases[i].type_points);
        if (cases[i].complete)
            CHECK(points_of(x.f.risk, cases[i].complete) == cases[i].complete_points);
        CHECK(!has_factor(x.f.risk, "value_only"));
        done(&x);
    }
}

static void test_risk__value_without_key_id(void)
{
    struct fx x;
    struct smtp_password pw = { 0 };

    make(&x, NULL, false, "mail.yml", EXPOSURE_FILE);
    x.f.kind = CRED_SMTP_PASSWORD;
    x.f.smtp_passwords = &pw;
    x.f.n_smtp_passwords = 1;
    CHECK(rank_one(&x) == 35 + 5 + 10);
    CHECK(points_of(x.f.risk, "value_only") == 5);
    CHECK(strstr(detail_of(x.f.risk, "value_only"), "smtp_password without its key ID"));
    done(&x);
}

static void test_risk__exposure_points(void)
{
    static const struct {
        enum exposure e;
        int points;
    } cases[] = {
        { EXPOSURE_FILE, 10 },   { EXPOSURE_HEAD, 10 },    { EXPOSURE_WORKTREE, 10 },
        { EXPOSURE_BRANCH, 8 },  { EXPOSURE_HISTORY, 5 },  { EXPOSURE_UNREACHABLE, 2 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fx x;

        make(&x, "AKIA", true, "a.env", cases[i].e);
        CHECK(rank_one(&x) == 35 + 10 + 15 + cases[i].points);
        CHECK(points_of(x.f.risk, "exposure") == cases[i].points);
        done(&x);
    }
}

static void test_risk__age_of_the_leak(void)
{
    static const struct {
        int64_t age;
        int points;
    } cases[] = {
        { 0, 0 },           { DAY - 1, 0 }, { DAY, 2 },
        { 30 * DAY - 1, 2 }, { 30 * DAY, 5 }, { 900 * DAY, 5 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fx x;

        make(&x, "AKIA", true, "a.env", EXPOSURE_HISTORY);
        /* the oldest introducing commit counts; a location without a date does not */
        x.loc[0].commit.author_time = NOW - cases[i].age;
        x.loc[1].path = x.path[1];
        snprintf(x.path[1], sizeof(x.path[1]), "b.env");
        x.loc[1].commit.author_time = NOW - cases[i].age + 3600 < NOW ? NOW - cases[i].age + 3600
                                                                       : NOW;
        x.loc[2].path = x.path[2];
        snprintf(x.path[2], sizeof(x.path[2]), "c.env");
        x.f.n_locations = 3;
        CHECK(rank_one(&x) == 35 + 10 + 15 + 5 + cases[i].points);
        CHECK(points_of(x.f.risk, "exposed_long") == cases[i].points);
        done(&x);
    }
}

static void test_risk__low_value_locations(void)
{
    static const struct {
        const char *a, *b;
        bool low;
    } cases[] = {
        { "tests/fixtures/a.env", "docs/setup.md", true },
        { "src/test/Main.java", "examples/x.py", true },
        { "release.zip!docs/readme.md", "spec/a.rb", true },
        { "tests/a.env", "src/app.py", false },
        { "contest/a.env", "latest/b.env", false }, /* "test/" inside a word */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fx x;
        int base = 35 + 10 + 15 + 10;

        make(&x, "AKIA", true, cases[i].a, EXPOSURE_HEAD);
        snprintf(x.path[1], sizeof(x.path[1]), "%s", cases[i].b);
        x.loc[1].path = x.path[1];
        x.f.n_locations = 2;
        CHECK(rank_one(&x) == (cases[i].low ? base - 10 : base));
        CHECK(has_factor(x.f.risk, "low_value_location") == cases[i].low);
        done(&x);
    }
}

static void test_risk__live_key_use_and_ses(void)
{
    struct fx x;
    static char svc_s3[] = "s3", svc_ses[] = "ses-smtp", r1[] = "eu-west-1", r2[] = "us-east-1",
                enforcement[] = "PROBATION", arn[] = "arn:aws:iam::123456789012:user/mailer";

    /* live, used 3 days ago for S3: 50 + 10 (this week) */
    make(&x, "AKIA", true, "a.env", EXPOSURE_HISTORY);
    verified(&x, VERIFY_LIVE);
    x.v.last_used_known = true;
    x.v.last_used = NOW - 3 * DAY;
    x.v.last_used_service = svc_s3;
    CHECK(rank_one(&x) == 50 + 10 + 10 + 15 + 5);
    CHECK(points_of(x.f.risk, "used_recently") == 10);
    CHECK(!has_factor(x.f.risk, "ses_sending"));
    done(&x);

    x.v.last_used = NOW - 3600; /* within a day */
    CHECK(rank_one(&x) - 50 - 10 - 15 - 5 == 15);
    done(&x);
    x.v.last_used = NOW - 60 * DAY; /* within 90 days */
    CHECK(rank_one(&x) - 50 - 10 - 15 - 5 == 5);
    done(&x);
    x.v.last_used = NOW - 200 * DAY; /* longer ago: nothing */
    CHECK(rank_one(&x) == 50 + 10 + 15 + 5);
    CHECK(!has_factor(x.f.risk, "used_recently"));
    done(&x);
    x.v.last_used_known = false; /* unknown: nothing */
    CHECK(rank_one(&x) == 50 + 10 + 15 + 5);
    done(&x);

    /* SES: sending use +10; production +8; > 1000 mails +8, some +5; paused +5 */
    x.v.last_used_known = true;
    x.v.last_used = NOW - 200 * DAY;
    x.v.last_used_service = svc_ses;
    x.v.arn = arn;
    x.ses[0] = (struct ses_state){ .region = r1, .sandbox = 0, .sending_enabled = 1,
                                   .have_quota = true, .sent_24h = 5000 };
    x.ses[1] = (struct ses_state){ .region = r2, .sandbox = 1, .sending_enabled = 0,
                                   .enforcement = enforcement, .have_quota = true, .sent_24h = 3 };
    x.v.ses = x.ses;
    x.v.n_ses = 2;
    x.f.exposure = EXPOSURE_UNREACHABLE;
    x.f.n_secrets = 0; /* a temporary key ID alone, so that the sum stays under 100 */
    set_type(&x, "ASIA");
    CHECK(rank_one(&x) == 50 + 10 + 8 + 8 + 5 + 5 + 3 + 2);
    CHECK(points_of(x.f.risk, "ses_sending") == 10);
    CHECK(points_of(x.f.risk, "ses_production") == 8);
    CHECK(points_of(x.f.risk, "ses_volume") == 8 + 5);
    CHECK(points_of(x.f.risk, "ses_enforcement") == 5);
    CHECK(strstr(detail_of(x.f.risk, "ses_enforcement"), "us-east-1 is paused"));
    CHECK(x.f.risk->tier == TIER_CRITICAL);
    done(&x);
}

static void test_risk__score_clamped(void)
{
    struct fx x;
    static char svc[] = "ses", region[] = "eu-west-1";

    /* everything at once: over 100 */
    make(&x, "AKIA", true, "a.env", EXPOSURE_HEAD);
    verified(&x, VERIFY_LIVE);
    x.v.last_used_known = true;
    x.v.last_used = NOW - 60;
    x.v.last_used_service = svc;
    x.ses[0] = (struct ses_state){ .region = region, .sandbox = 0, .sending_enabled = 0,
                                   .have_quota = true, .sent_24h = 20000 };
    x.v.ses = x.ses;
    x.v.n_ses = 1;
    x.loc[0].commit.author_time = NOW - 400 * DAY;
    CHECK(rank_one(&x) == 100);
    CHECK(factor_sum(x.f.risk) > 100);
    CHECK(x.f.risk->tier == TIER_CRITICAL);
    done(&x);

    /* below 0: an SMTP password alone, invalid, unreachable, under tests/ */
    make(&x, NULL, false, "tests/mail.yml", EXPOSURE_UNREACHABLE);
    {
        struct smtp_password pw = { 0 };
        x.f.kind = CRED_SMTP_PASSWORD;
        x.f.smtp_passwords = &pw;
        x.f.n_smtp_passwords = 1;
        verified(&x, VERIFY_INVALID);
        CHECK(rank_one(&x) == 0);
        CHECK(factor_sum(x.f.risk) == 0 + 5 + 2 - 10);
        CHECK(x.f.risk->tier == TIER_INFO);
        done(&x);
    }
}

/* A finding whose factors add up to exactly `score` (see the comments), and its tier. */
static void check_tier(int score, enum risk_tier tier, const char *type, bool secret,
                       enum verify_status st, enum exposure e, int64_t age)
{
    struct fx x;

    make(&x, type, secret, "a.env", e);
    if (st != VERIFY_NOT_CHECKED)
        verified(&x, st);
    x.loc[0].commit.author_time = age ? NOW - age : 0;
    CHECK(rank_one(&x) == score);
    if (x.f.risk->tier != tier) {
        fprintf(stderr, "  score %d: tier %s, expected %s\n", x.f.risk->score,
                risk_tier_name(x.f.risk->tier), risk_tier_name(tier));
        CHECK(false);
    }
    done(&x);
}

static void test_risk__tier_boundaries(void)
{
    /* 50 live + 10 AKIA + 15 complete + 10 HEAD */
    check_tier(85, TIER_CRITICAL, "AKIA", true, VERIFY_LIVE, EXPOSURE_HEAD, 0);
    /* 50 + 10 + 15 + 8 branch */
    check_tier(83, TIER_HIGH, "AKIA", true, VERIFY_LIVE, EXPOSURE_BRANCH, 0);
    /* 35 not verified + 10 + 15 + 5 history */
    check_tier(65, TIER_HIGH, "AKIA", true, VERIFY_NOT_CHECKED, EXPOSURE_HISTORY, 0);
    /* 35 + 10 + 15 + 2 unreachable + 2 (a day old) */
    check_tier(64, TIER_MEDIUM, "AKIA", true, VERIFY_NOT_CHECKED, EXPOSURE_UNREACHABLE, DAY);
    /* 30 unknown + 8 secret alone + 2 unreachable */
    check_tier(40, TIER_MEDIUM, NULL, true, VERIFY_UNKNOWN, EXPOSURE_UNREACHABLE, 0);
    /* 10 wrong secret + 3 ASIA + 15 + 8 branch + 2 */
    check_tier(38, TIER_LOW, "ASIA", true, VERIFY_WRONG_SECRET, EXPOSURE_BRANCH, DAY);
    /* 0 invalid + 10 AKIA + 5 history */
    check_tier(15, TIER_LOW, "AKIA", false, VERIFY_INVALID, EXPOSURE_HISTORY, 0);
    /* 0 invalid + 10 AKIA + 2 unreachable + 2 */
    check_tier(14, TIER_INFO, "AKIA", false, VERIFY_INVALID, EXPOSURE_UNREACHABLE, DAY);
    CHECK_STREQ(risk_tier_name(TIER_CRITICAL), "critical");
    CHECK_STREQ(risk_tier_name(TIER_HIGH), "high");
    CHECK_STREQ(risk_tier_name(TIER_MEDIUM), "medium");
    CHECK_STREQ(risk_tier_name(TIER_LOW), "low");
    CHECK_STREQ(risk_tier_name(TIER_INFO), "info");
}

static void test_risk__examples_and_skipped_score_zero(void)
{
    struct fx x;
    static char reason[] = "canary account";

    make(&x, "AKIA", true, "src/a.env", EXPOSURE_HEAD);
    x.f.example = true;
    verified(&x, VERIFY_LIVE); /* an example is an example, whatever was said about it */
    CHECK(rank_one(&x) == 0);
    CHECK(x.f.risk->n_factors == 1 && strcmp(x.f.risk->factors[0].name, "example") == 0);
    CHECK(x.f.risk->tier == TIER_INFO);
    CHECK(x.f.risk->n_remediation == 1 &&
          strstr(x.f.risk->remediation[0], "nothing to rotate") != NULL);
    done(&x);

    x.f.example = false;
    x.v.status = VERIFY_SKIPPED;
    x.v.reason = reason;
    CHECK(rank_one(&x) == 0);
    CHECK(x.f.risk->n_factors == 1 && strcmp(x.f.risk->factors[0].name, "skipped") == 0);
    CHECK(strstr(x.f.risk->factors[0].detail, "canary account") != NULL);
    CHECK(x.f.risk->n_remediation == 1 && strstr(x.f.risk->remediation[0], "by hand"));
    done(&x);
}

static void test_risk__ranking_order(void)
{
    struct fx a, b, c, d;
    struct finding *list[4];

    make(&a, "AKIA", false, "a", EXPOSURE_HISTORY); /* 12 + 10 + 5 = 27 */
    make(&b, "AKIA", true, "b", EXPOSURE_HEAD);     /* 35 + 10 + 15 + 10 = 70 */
    make(&c, "AKIA", false, "c", EXPOSURE_HISTORY); /* 27, after a */
    make(&d, "AKIA", true, "d", EXPOSURE_HEAD);     /* 50 + 10 + 15 + 10 = 85 */
    verified(&d, VERIFY_LIVE);
    list[0] = &a.f;
    list[1] = &b.f;
    list[2] = &c.f;
    list[3] = &d.f;
    risk_rank(list, 4, NOW);
    CHECK(list[0] == &d.f && list[1] == &b.f && list[2] == &a.f && list[3] == &c.f);
    for (size_t i = 0; i < 4; i++)
        CHECK(list[i]->risk && (i == 0 || list[i - 1]->risk->score >= list[i]->risk->score));
    /* ranking again replaces the old risk (no leak) and gives the same order */
    risk_rank(list, 4, NOW);
    CHECK(list[0] == &d.f && list[1] == &b.f && list[2] == &a.f && list[3] == &c.f);
    done(&a);
    done(&b);
    done(&c);
    done(&d);
    risk_rank(list, 0, NOW); /* nothing to rank */
    risk_free(NULL);
}

static bool has_step(const struct risk *r, const char *text)
{
    for (size_t i = 0; i < r->n_remediation; i++)
        if (strstr(r->remediation[i], text))
            return true;
    return false;
}

static void test_risk__remediation_fits_the_state(void)
{
    struct fx x;
    static char arn[] = "arn:aws:iam::123456789012:user/deployer", reason[] = "timeout";

    make(&x, "AKIA", true, "a.env", EXPOSURE_HISTORY);
    verified(&x, VERIFY_LIVE);
    x.v.arn = arn;
    rank_one(&x);
    CHECK(has_step(x.f.risk, "--user-name deployer"));
    CHECK(has_step(x.f.risk, x.id));
    CHECK(has_step(x.f.risk, "It stays in git history"));
    CHECK(!has_step(x.f.risk, "SES sending statistics"));
    done(&x);

    x.v.status = VERIFY_INVALID;
    x.f.exposure = EXPOSURE_HEAD;
    rank_one(&x);
    CHECK(has_step(x.f.risk, "no longer works"));
    CHECK(!has_step(x.f.risk, "Deactivate the key"));
    CHECK(!has_step(x.f.risk, "git history"));
    done(&x);

    x.v.status = VERIFY_UNKNOWN;
    x.v.reason = reason;
    x.v.arn = NULL;
    rank_one(&x);
    CHECK(has_step(x.f.risk, "--user-name <user>"));
    CHECK(has_step(x.f.risk, "Verification did not complete (timeout)"));
    done(&x);
}

/* Issue 18: SES evidence of spam puts a key above every other, whatever the scores;
 * evidence that is unknown or healthy changes nothing. */
static void test_risk__sending_spam_ranks_first(void)
{
    struct fx spam, big;
    struct finding *list[2];
    static char region[] = "eu-west-1", case_id[] = "case-7";

    make(&spam, "ASIA", true, "tests/a.env", EXPOSURE_UNREACHABLE);
    verified(&spam, VERIFY_LIVE);
    spam.ses[0].region = region;
    spam.ses[0].sandbox = spam.ses[0].sending_enabled = -1;
    spam.ses[0].stats.known = true;
    spam.ses[0].stats.sent_14d = 1000;
    spam.ses[0].stats.bounce_rate = 0.06;
    spam.ses[0].stats.bounce_level = SES_LEVEL_REVIEW;
    spam.ses[0].stats.complaint_level = SES_LEVEL_OK;
    spam.ses[0].review_case_id = case_id;
    spam.v.ses = spam.ses;
    spam.v.n_ses = 1;
    make(&big, "AKIA", true, "app/b.env", EXPOSURE_HEAD);
    verified(&big, VERIFY_LIVE);
    big.ses[0].region = region;
    big.ses[0].sandbox = 0;
    big.ses[0].sending_enabled = 1;
    big.ses[0].have_quota = true;
    big.ses[0].sent_24h = 5000;
    big.ses[0].stats.known = true;
    big.ses[0].stats.bounce_level = big.ses[0].stats.complaint_level = SES_LEVEL_OK;
    big.v.ses = big.ses;
    big.v.n_ses = 1;
    list[0] = &big.f;
    list[1] = &spam.f;
    risk_rank(list, 2, NOW);
    CHECK(list[0] == &spam.f && list[1] == &big.f);
    CHECK(spam.f.risk->sending_spam && !big.f.risk->sending_spam);
    CHECK(spam.f.risk->score < big.f.risk->score); /* 90 < 100: the band decides */
    CHECK(points_of(spam.f.risk, "ses_spam") == 30);
    CHECK(strstr(detail_of(spam.f.risk, "ses_spam"), "6.00%") != NULL);
    CHECK(has_step(spam.f.risk, "SES enforcement mails") && has_step(spam.f.risk, "case-7"));
    CHECK(!has_step(spam.f.risk, "AWS_RISK_CREDENTIALS_EXPOSED")); /* ASIA: not a long-term key */
    CHECK(has_step(big.f.risk, "AWS_RISK_CREDENTIALS_EXPOSED"));
    done(&spam);
    done(&big);

    /* a spike alone is enough; unknown statistics are not evidence */
    spam.ses[0].stats.bounce_level = SES_LEVEL_OK;
    spam.ses[0].stats.spike_at = NOW - 3600;
    CHECK(rank_one(&spam) >= 0 && spam.f.risk->sending_spam);
    done(&spam);
    spam.ses[0].stats.known = false;
    CHECK(rank_one(&spam) >= 0 && !spam.f.risk->sending_spam &&
          !has_factor(spam.f.risk, "ses_spam"));
    done(&spam);
    /* an invalid key: no notices to look for */
    spam.v.status = VERIFY_INVALID;
    CHECK(rank_one(&spam) >= 0 && !has_step(spam.f.risk, "SES enforcement mails"));
    done(&spam);
}

static const struct test tests[] = {
    TEST(test_risk__verification_points),
    TEST(test_risk__key_type_and_completeness),
    TEST(test_risk__value_without_key_id),
    TEST(test_risk__exposure_points),
    TEST(test_risk__age_of_the_leak),
    TEST(test_risk__low_value_locations),
    TEST(test_risk__live_key_use_and_ses),
    TEST(test_risk__score_clamped),
    TEST(test_risk__tier_boundaries),
    TEST(test_risk__examples_and_skipped_score_zero),
    TEST(test_risk__ranking_order),
    TEST(test_risk__remediation_fits_the_state),
    TEST(test_risk__sending_spam_ranks_first),
};

HARNESS_MAIN(tests)
