/*
 * tests/unit/test_wipe.c - memory that held a secret is wiped before it is freed.
 *
 * A freed buffer cannot be read back, so the test watches crypto_wipe instead
 * (crypto_wipe_observe): it plants a fake secret, lets the code under test free what
 * held it, and counts the wiped ranges that still contained the secret when the wipe
 * began. A plain free() or memset() there is never seen, and the count falls short.
 */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "finding/findings.h"
#include "finding/load.h"
#include "json/json.h"
#include "rules/fakekey.h"
#include "verify/verify.h"
#include "base/env.h"
#include "harness.h"

struct watch {
    const char *secret;
    size_t len;
    unsigned hits; /* wiped ranges that held the whole secret */
};

static void watch_wipe(const void *p, size_t n, void *ctx)
{
    struct watch *w = ctx;

    if (memmem(p, n, w->secret, w->len) != NULL)
        w->hits++;
}

static void watch_start(struct watch *w, const char *secret)
{
    w->secret = secret;
    w->len = strlen(secret);
    w->hits = 0;
    crypto_wipe_observe(watch_wipe, w);
}

/* Stop watching; the number of hits. */
static unsigned watch_stop(struct watch *w)
{
    crypto_wipe_observe(NULL, NULL);
    return w->hits;
}

/* A key ID and a secret made from `seed`. */
static void fake_pair(uint64_t seed, char id[21], char secret[41])
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);

    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_secret(&rng, secret);
}

/* A temporary file holding `text`; caller unlinks and frees the path. */
static char *temp_file(const char *text)
{
    char *path = xstrdup("/tmp/sesame-test-wipe-XXXXXX");
    int fd = mkstemp(path);
    size_t len = strlen(text);

    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, text, len) == (ssize_t)len);
        close(fd);
    }
    return path;
}

static void test_wipe__findings_wipe_observations_and_finding_values(void)
{
    char id[21], secret[41];
    struct findings *f;
    struct finding **out;
    struct findings_opts opts = { NULL, 0, false, 1 };
    struct observation o;
    struct watch w;
    size_t n;
    uint64_t hidden;

    fake_pair(31, id, secret);
    findings_new(&f);
    memset(&o, 0, sizeof(o));
    o.kind = CRED_ACCESS_KEY_ID;
    o.value = id;
    o.value_len = strlen(id);
    o.path = "creds.env";
    o.line = 1;
    o.column = 1;
    CHECK_OK(findings_add(f, &o));
    o.kind = CRED_SECRET_ACCESS_KEY;
    o.value = secret;
    o.value_len = strlen(secret);
    o.paired_id = id;
    o.line = 2;
    CHECK_OK(findings_add(f, &o));
    findings_build(f, &opts, &out, &n, &hidden);
    CHECK(n == 1 && out[0]->n_secrets == 1);

    watch_start(&w, secret);
    findings_free(f);
    /* The stored observation's copy and the finding's copy. */
    CHECK(watch_stop(&w) >= 2);
}

static void test_wipe__json_strings_are_wiped(void)
{
    char id[21], secret[41];
    struct jv *doc = jv_object();
    struct watch w;

    fake_pair(32, id, secret);
    jv_put(doc, "value", jv_str(secret));
    watch_start(&w, secret);
    jv_free(doc); /* jansson's copy */
    CHECK(watch_stop(&w) >= 1);
}

static void test_wipe__loaded_report_is_wiped(void)
{
    char id[21], secret[41];
    char *text, *path;
    struct loaded_report r;
    struct watch w;
    unsigned after_load;

    fake_pair(33, id, secret);
    text = xasprintf("{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", "
                     "\"kind\": \"access_key_id\", \"access_key_id\": \"%s\", "
                     "\"secrets\": [{\"value\": \"%s\"}], \"locations\": []}]}",
                     id, secret);
    path = temp_file(text);

    watch_start(&w, secret);
    CHECK_OK(findings_load_report(path, &r));
    /* The bytes read from the file and jansson's copy of the value. */
    after_load = w.hits;
    CHECK(after_load >= 2);
    CHECK(r.n == 1 && r.findings[0].n_secrets == 1 &&
          strcmp(r.findings[0].secrets[0].value, secret) == 0);
    loaded_report_release(&r);
    /* The finding's copy. */
    CHECK(watch_stop(&w) >= after_load + 1);

    unlink(path);
    free(path);
    free(text);
}

/* The verifier reads the operator's own credentials (for IAM) from the shared
 * credentials file and frees them when it is done. With an endpoint override for IAM
 * only, STS is refused and nothing is sent anywhere. */
static void test_wipe__operator_credentials_are_wiped(void)
{
    char id[21], secret[41];
    char *text, *path;
    struct verify_opts o;
    struct verify_stats stats;
    struct watch w;
    struct env env;
    const char *pairs[] = { "AWS_SHARED_CREDENTIALS_FILE", NULL, "AWS_CONFIG_FILE",
                            "/nonexistent/sesame-test", "AWS_ENDPOINT_URL_IAM",
                            "http://127.0.0.1:9", NULL };

    fake_pair(34, id, secret);
    text = xasprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", id,
                     secret);
    path = temp_file(text);
    pairs[1] = path;
    env_from_pairs(&env, pairs);
    verify_default_opts(&o);
    o.max_attempts = 1;
    o.env = &env; /* the verifier sees only this environment */

    watch_start(&w, secret);
    CHECK_OK(verify_findings(NULL, 0, &o, &stats));
    /* The line it was read from, the stdio buffer, and the copy kept until the end. */
    CHECK(watch_stop(&w) >= 3);

    env_release(&env);
    unlink(path);
    free(path);
    free(text);
}

static const struct test tests[] = {
    TEST(test_wipe__findings_wipe_observations_and_finding_values),
    TEST(test_wipe__json_strings_are_wiped),
    TEST(test_wipe__loaded_report_is_wiped),
    TEST(test_wipe__operator_credentials_are_wiped),
};
HARNESS_MAIN(tests)
