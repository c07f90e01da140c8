/*
 * tests/unit/test_verify_env.c - where the verifier sends its calls and whose
 * credentials it signs IAM calls with (verify/verify_int.h).
 *
 * Endpoints: the default AWS hosts per client region, the legacy global STS endpoint,
 * AWS_ENDPOINT_URL and the per-service variables (and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS),
 * the signing region that goes with each, the refusal to send a key to a real AWS host
 * once some calls are redirected, and the SMTP endpoint. Credentials: the INI reader
 * (profiles, "[profile x]" sections, spaces, first value wins, files merged) and the
 * order of the sources (environment, AWS_PROFILE, shared credentials file, config file).
 * Every test starts from an environment with none of these variables set.
 */
#include "verify/verify_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/env.h"
#include "rules/fakekey.h"
#include "harness.h"
#include "tmpdir.h"

static const char *const aws_vars[] = {
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_SES", "AWS_ENDPOINT_URL_SESV2",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_STS_REGIONAL_ENDPOINTS", "SESAME_SMTP_ENDPOINT",
    "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HOME",
};

/* sesame reads its environment once (base/env.h): after each change of the process
 * environment, the verifier is handed a fresh capture of these variables. */
static struct env test_env;

static void refresh_env(void)
{
    static const char *names[ARRAY_SIZE(aws_vars) + 1];
    extern char **environ;

    for (size_t i = 0; i < ARRAY_SIZE(aws_vars); i++)
        names[i] = aws_vars[i];
    env_release(&test_env);
    env_capture(&test_env, environ, names, NULL);
    verify_use_env(&test_env);
}

static int test_setenv(const char *name, const char *value, int overwrite)
{
    int rc = setenv(name, value, overwrite);
    refresh_env();
    return rc;
}

static int test_unsetenv(const char *name)
{
    int rc = unsetenv(name);
    refresh_env();
    return rc;
}

#define setenv test_setenv
#define unsetenv test_unsetenv

static void clean_env(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(aws_vars); i++)
        unsetenv(aws_vars[i]);
}

/* The URL and signing region of a call, compared with what is expected. */
static void check_endpoint(enum service s, const char *region, const char *url,
                           const char *sign_region)
{
    const char *sign = NULL;
    char *got = verify_endpoint(s, region, &sign);

    CHECK_STREQ(got, url);
    CHECK_STREQ(sign, sign_region);
    free(got);
}

static void test_verify_env__default_hosts(void)
{
    clean_env();
    check_endpoint(SVC_STS, NULL, "https://sts.us-east-1.amazonaws.com/", "us-east-1");
    check_endpoint(SVC_IAM, NULL, "https://iam.amazonaws.com/", "us-east-1");
    check_endpoint(SVC_SES, "eu-west-1", "https://email.eu-west-1.amazonaws.com/", "eu-west-1");
    check_endpoint(SVC_SESV2, "ap-south-1",
                   "https://email.ap-south-1.amazonaws.com/v2/email/account", "ap-south-1");
}

static void test_verify_env__client_region(void)
{
    clean_env();
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    check_endpoint(SVC_STS, NULL, "https://sts.eu-central-1.amazonaws.com/", "eu-central-1");
    setenv("AWS_REGION", "ap-southeast-2", 1); /* AWS_REGION wins */
    check_endpoint(SVC_STS, NULL, "https://sts.ap-southeast-2.amazonaws.com/", "ap-southeast-2");
    /* IAM is global, SES follows the region asked about */
    check_endpoint(SVC_IAM, NULL, "https://iam.amazonaws.com/", "us-east-1");
    check_endpoint(SVC_SES, "us-west-2", "https://email.us-west-2.amazonaws.com/", "us-west-2");
    setenv("AWS_REGION", "", 1); /* empty: unset */
    check_endpoint(SVC_STS, NULL, "https://sts.eu-central-1.amazonaws.com/", "eu-central-1");
}

static void test_verify_env__sts_regional_endpoints(void)
{
    clean_env();
    setenv("AWS_REGION", "eu-west-3", 1);
    setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy", 1);
    check_endpoint(SVC_STS, NULL, "https://sts.amazonaws.com/", "us-east-1");
    setenv("AWS_STS_REGIONAL_ENDPOINTS", "regional", 1);
    check_endpoint(SVC_STS, NULL, "https://sts.eu-west-3.amazonaws.com/", "eu-west-3");
}

static void test_verify_env__endpoint_url_for_every_service(void)
{
    clean_env();
    setenv("AWS_REGION", "eu-north-1", 1);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:8443/", 1);
    /* the trailing '/' is not doubled; the SDKs keep signing for the client region,
     * SES calls for the region they ask about */
    check_endpoint(SVC_STS, NULL, "https://127.0.0.1:8443/", "eu-north-1");
    check_endpoint(SVC_IAM, NULL, "https://127.0.0.1:8443/", "eu-north-1");
    check_endpoint(SVC_SES, "us-east-2", "https://127.0.0.1:8443/", "us-east-2");
    check_endpoint(SVC_SESV2, "us-east-2", "https://127.0.0.1:8443/v2/email/account",
                   "us-east-2");
    setenv("AWS_ENDPOINT_URL", "https://fake.test:9000", 1);
    check_endpoint(SVC_STS, NULL, "https://fake.test:9000/", "eu-north-1");
}

static void test_verify_env__service_variable_wins(void)
{
    clean_env();
    setenv("AWS_ENDPOINT_URL", "https://all.test/", 1);
    setenv("AWS_ENDPOINT_URL_STS", "https://sts.test/", 1);
    setenv("AWS_ENDPOINT_URL_SESV2", "https://sesv2.test", 1);
    check_endpoint(SVC_STS, NULL, "https://sts.test/", "us-east-1");
    check_endpoint(SVC_IAM, NULL, "https://all.test/", "us-east-1");
    check_endpoint(SVC_SES, "eu-west-1", "https://all.test/", "eu-west-1");
    check_endpoint(SVC_SESV2, "eu-west-1", "https://sesv2.test/v2/email/account", "eu-west-1");
    setenv("AWS_ENDPOINT_URL_STS", "", 1); /* empty: the general variable applies */
    check_endpoint(SVC_STS, NULL, "https://all.test/", "us-east-1");
}

static void test_verify_env__ignore_configured_endpoints(void)
{
    char buf[320];

    clean_env();
    setenv("AWS_ENDPOINT_URL", "https://all.test/", 1);
    setenv("AWS_ENDPOINT_URL_IAM", "https://iam.test/", 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
    check_endpoint(SVC_STS, NULL, "https://sts.us-east-1.amazonaws.com/", "us-east-1");
    check_endpoint(SVC_IAM, NULL, "https://iam.amazonaws.com/", "us-east-1");
    /* nothing is redirected, so nothing is refused */
    CHECK(verify_refused(SVC_SES, buf, sizeof(buf)) == NULL);
    CHECK(verify_smtp_refused("eu-west-1", buf, sizeof(buf)) == NULL);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    check_endpoint(SVC_IAM, NULL, "https://iam.test/", "us-east-1");
}

static void test_verify_env__no_redirect_nothing_refused(void)
{
    char buf[320];

    clean_env();
    for (int s = SVC_STS; s < SVC_COUNT; s++)
        CHECK(verify_refused((enum service)s, buf, sizeof(buf)) == NULL);
    CHECK(verify_smtp_refused("eu-west-1", buf, sizeof(buf)) == NULL);
    setenv("AWS_ENDPOINT_URL", "https://all.test/", 1); /* every AWS call redirected */
    for (int s = SVC_STS; s < SVC_COUNT; s++)
        CHECK(verify_refused((enum service)s, buf, sizeof(buf)) == NULL);
}

static void test_verify_env__partial_redirect_refuses_the_rest(void)
{
    char buf[320];
    const char *why;

    clean_env();
    setenv("AWS_ENDPOINT_URL_STS", "https://sts.test/", 1);
    CHECK(verify_refused(SVC_STS, buf, sizeof(buf)) == NULL);
    why = verify_refused(SVC_IAM, buf, sizeof(buf));
    CHECK(why != NULL);
    CHECK(why && strstr(why, "AWS_ENDPOINT_URL_STS redirects") != NULL);
    CHECK(why && strstr(why, "AWS_ENDPOINT_URL_IAM") != NULL);
    CHECK(why && strstr(why, "not sent to iam.amazonaws.com") != NULL);
    why = verify_refused(SVC_SESV2, buf, sizeof(buf));
    CHECK(why && strstr(why, "AWS_ENDPOINT_URL_SESV2") != NULL);
    CHECK(why && strstr(why, "not sent to email.amazonaws.com") != NULL);
    /* SMTP has its own variable: without it the password stays here */
    why = verify_smtp_refused("eu-west-1", buf, sizeof(buf));
    CHECK(why && strstr(why, "SESAME_SMTP_ENDPOINT is not set") != NULL);
    CHECK(why && strstr(why, "email-smtp.eu-west-1.amazonaws.com") != NULL);
    why = verify_smtp_refused(NULL, buf, sizeof(buf));
    CHECK(why && strstr(why, "email-smtp.REGION.amazonaws.com") != NULL);
    setenv("SESAME_SMTP_ENDPOINT", "smtp://127.0.0.1:2525", 1);
    CHECK(verify_smtp_refused("eu-west-1", buf, sizeof(buf)) == NULL);
    /* SMTP calls are never refused as AWS calls */
    CHECK(verify_refused(SVC_SMTP, buf, sizeof(buf)) == NULL);
}

static void test_verify_env__smtp_endpoint(void)
{
    char buf[320];

    clean_env();
    CHECK_STREQ(verify_smtp_endpoint("eu-west-1", buf, sizeof(buf)),
                "smtp://email-smtp.eu-west-1.amazonaws.com:587");
    setenv("SESAME_SMTP_ENDPOINT", "smtps://127.0.0.1:4650", 1);
    CHECK_STREQ(verify_smtp_endpoint("eu-west-1", buf, sizeof(buf)), "smtps://127.0.0.1:4650");
}

/* ---- credentials ------------------------------------------------------------------ */

struct keys {
    char id[4][21];
    char secret[4][41];
};

static void make_keys(struct keys *k, uint64_t seed)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);

    for (size_t i = 0; i < ARRAY_SIZE(k->id); i++) {
        fakekey_access_key_id(&rng, "AKIA", true, k->id[i]);
        fakekey_secret(&rng, k->secret[i]);
    }
}

static void check_creds(const struct creds *c, const char *id, const char *secret,
                        const char *token)
{
    if (id == NULL) {
        CHECK(c->id == NULL && c->secret == NULL && c->token == NULL);
        return;
    }
    CHECK_STREQ(c->id, id);
    CHECK_STREQ(c->secret, secret);
    if (token)
        CHECK_STREQ(c->token, token);
    else
        CHECK(c->token == NULL);
}

static void test_verify_env__credentials_file_profiles(void)
{
    struct tmpdir t;
    struct keys k;
    struct creds c = { 0 };
    char *text;
    const char *path;

    make_keys(&k, 31);
    tmpdir_init(&t);
    text = xasprintf("# a comment, and keys outside any profile are ignored\n"
                     "aws_access_key_id = %s\n"
                     "[default]\n"
                     "aws_access_key_id=%s\n"
                     "  aws_secret_access_key   =   %s  \t\n"
                     "region = eu-west-1\n"
                     "\n"
                     "[profile prod]\n"
                     "aws_access_key_id = %s\n"
                     "aws_secret_access_key = %s\n"
                     "aws_session_token = tok-prod\n"
                     "[default-extra]\n"
                     "aws_secret_access_key = %s\n"
                     "[default]\n"
                     "aws_access_key_id = %s\n",
                     k.id[3], k.id[0], k.secret[0], k.id[1], k.secret[1], k.secret[2], k.id[2]);
    path = tmpdir_file(&t, "credentials", text);

    verify_creds_from_file(path, "default", &c);
    /* spaces around '=' and the value trimmed; the first value of a key wins */
    check_creds(&c, k.id[0], k.secret[0], NULL);
    verify_creds_release(&c);
    check_creds(&c, NULL, NULL, NULL); /* released: zeroed */

    verify_creds_from_file(path, "prod", &c); /* "[profile prod]" is profile prod */
    check_creds(&c, k.id[1], k.secret[1], "tok-prod");
    verify_creds_release(&c);

    verify_creds_from_file(path, "missing", &c);
    check_creds(&c, NULL, NULL, NULL);
    verify_creds_from_file(tmpdir_file(&t, "empty", ""), "default", &c);
    check_creds(&c, NULL, NULL, NULL);
    verify_creds_from_file("/nonexistent/sesame/credentials", "default", &c);
    check_creds(&c, NULL, NULL, NULL);
    free(text);
    tmpdir_release(&t);
}

static void test_verify_env__credentials_file_fills_only_what_is_missing(void)
{
    struct tmpdir t;
    struct keys k;
    struct creds c = { 0 };
    char *text;

    make_keys(&k, 32);
    tmpdir_init(&t);
    text = xasprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
                     k.id[1], k.secret[1]);
    c.id = xstrdup(k.id[0]);
    verify_creds_from_file(tmpdir_file(&t, "credentials", text), "default", &c);
    check_creds(&c, k.id[0], k.secret[1], NULL);
    verify_creds_release(&c);
    free(text);
    tmpdir_release(&t);
}

static void test_verify_env__operator_from_environment(void)
{
    struct keys k;
    struct creds c;

    make_keys(&k, 33);
    clean_env();
    setenv("AWS_ACCESS_KEY_ID", k.id[0], 1);
    setenv("AWS_SECRET_ACCESS_KEY", k.secret[0], 1);
    setenv("AWS_SESSION_TOKEN", "tok-env", 1);
    verify_operator_creds(NULL, &c);
    check_creds(&c, k.id[0], k.secret[0], "tok-env");
    verify_creds_release(&c);
    /* an ID without a secret is not a credential */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    verify_operator_creds(NULL, &c);
    check_creds(&c, NULL, NULL, NULL);
    clean_env();
}

static void test_verify_env__operator_from_files(void)
{
    struct tmpdir t;
    struct keys k;
    struct creds c;
    char *creds_text, *config_text;

    make_keys(&k, 34);
    tmpdir_init(&t);
    clean_env();
    creds_text = xasprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                           "[audit]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
                           k.id[0], k.secret[0], k.id[1], k.secret[1]);
    config_text = xasprintf("[profile onlyconfig]\naws_access_key_id = %s\n"
                            "aws_secret_access_key = %s\n[profile audit]\n"
                            "aws_access_key_id = %s\naws_secret_access_key = %s\n",
                            k.id[2], k.secret[2], k.id[3], k.secret[3]);
    tmpdir_file(&t, "home/.aws/credentials", creds_text);
    tmpdir_file(&t, "home/.aws/config", config_text);
    {
        char *home = xasprintf("%s/home", t.path);
        setenv("HOME", home, 1);
        free(home);
    }

    verify_operator_creds(NULL, &c); /* ~/.aws/credentials, profile default */
    check_creds(&c, k.id[0], k.secret[0], NULL);
    verify_creds_release(&c);

    setenv("AWS_PROFILE", "audit", 1); /* the credentials file before the config file */
    verify_operator_creds(NULL, &c);
    check_creds(&c, k.id[1], k.secret[1], NULL);
    verify_creds_release(&c);

    verify_operator_creds("onlyconfig", &c); /* --audit-profile wins over AWS_PROFILE; */
    check_creds(&c, k.id[2], k.secret[2], NULL); /* found in the config file */
    verify_creds_release(&c);

    /* with --audit-profile the environment's keys are not the operator's */
    setenv("AWS_ACCESS_KEY_ID", k.id[3], 1);
    setenv("AWS_SECRET_ACCESS_KEY", k.secret[3], 1);
    verify_operator_creds("default", &c);
    check_creds(&c, k.id[0], k.secret[0], NULL);
    verify_creds_release(&c);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    /* AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE replace the files under HOME */
    setenv("AWS_SHARED_CREDENTIALS_FILE", tmpdir_file(&t, "other-credentials", config_text), 1);
    setenv("AWS_CONFIG_FILE", tmpdir_file(&t, "other-config", creds_text), 1);
    verify_operator_creds("audit", &c);
    check_creds(&c, k.id[3], k.secret[3], NULL);
    verify_creds_release(&c);
    verify_operator_creds("default", &c);
    check_creds(&c, k.id[0], k.secret[0], NULL);
    verify_creds_release(&c);
    verify_operator_creds("nobody", &c);
    check_creds(&c, NULL, NULL, NULL);

    clean_env();
    free(creds_text);
    free(config_text);
    tmpdir_release(&t);
}

static const struct test tests[] = {
    TEST(test_verify_env__default_hosts),
    TEST(test_verify_env__client_region),
    TEST(test_verify_env__sts_regional_endpoints),
    TEST(test_verify_env__endpoint_url_for_every_service),
    TEST(test_verify_env__service_variable_wins),
    TEST(test_verify_env__ignore_configured_endpoints),
    TEST(test_verify_env__no_redirect_nothing_refused),
    TEST(test_verify_env__partial_redirect_refuses_the_rest),
    TEST(test_verify_env__smtp_endpoint),
    TEST(test_verify_env__credentials_file_profiles),
    TEST(test_verify_env__credentials_file_fills_only_what_is_missing),
    TEST(test_verify_env__operator_from_environment),
    TEST(test_verify_env__operator_from_files),
};

HARNESS_MAIN(tests)
