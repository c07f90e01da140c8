/*
 * tests/unit/test_remediate.c - `sesame remediate` on findings built in memory (issue 18
 * item 3): the partition of every ARN and command comes from the key's ARN (aws,
 * aws-cn, aws-us-gov), or from its region when no ARN is known; the ses:FromAddress
 * condition takes --from-address, else the senders named next to the key, else the
 * account's address identities, else a marked placeholder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "finding/finding.h"
#include "harness.h"
#include "json/json.h"
#include "model/verification.h"
#include "report/remediate.h"

struct fx {
    struct finding f;
    struct verification v;
    struct ses_state ses;
    struct ses_identity ids[2];
    char *senders[3];
};

/* An SES sender with identities example.com and me@example.com in `region`, user
 * `arn`; senders as given (NULL-terminated, at most 3). */
static void make(struct fx *x, const char *arn, const char *region, const char *const *senders)
{
    memset(x, 0, sizeof(*x));
    x->f.access_key_id = (char *)"AKIAQX3EXAMPLEFAKE77";
    x->f.key_type = (char *)"AKIA";
    strcpy(x->f.fingerprint, "0123456789abcdef");
    x->v.status = VERIFY_LIVE;
    x->v.account = (char *)"111122223333";
    x->v.arn = (char *)arn;
    x->v.last_used_service = (char *)"ses";
    x->v.last_used_region = (char *)region;
    x->ids[0].name = (char *)"example.com";
    x->ids[0].type = (char *)"DOMAIN";
    x->ids[1].name = (char *)"me@example.com";
    x->ids[1].type = (char *)"EMAIL_ADDRESS";
    x->ses.region = (char *)region;
    x->ses.identities = x->ids;
    x->ses.n_identities = 2;
    x->v.ses = &x->ses;
    x->v.n_ses = 1;
    x->f.verification = arn ? &x->v : NULL;
    for (size_t i = 0; senders && senders[i] && i < 3; i++)
        x->senders[x->f.n_senders++] = (char *)senders[i];
    x->f.senders = x->senders;
}

static char *plan(const struct fx *x, const struct remediate_opts *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    CHECK(remediate_write(out, &x->f, o) == STATUS_OK);
    fclose(out);
    return text;
}

/* The policy's Resource list and FromAddress list, each joined with ' '. */
static void policy_lists(const struct fx *x, const struct remediate_opts *o, char *res,
                         char *from, size_t n)
{
    char *text = remediate_ses_policy(&x->f, o);
    struct jv_error je;
    struct jv *doc = jv_parse(text, strlen(text), JV_REJECT_DUPLICATES, &je);
    const struct jv *st = jv_at(jv_get(doc, "Statement"), 0);
    const struct jv *r = jv_get(st, "Resource");
    const struct jv *fa = jv_get(jv_get(jv_get(st, "Condition"), "StringLike"),
                                 "ses:FromAddress");

    res[0] = from[0] = '\0';
    CHECK(doc != NULL && jv_len(r) > 0 && jv_len(fa) > 0);
    for (size_t i = 0; i < jv_len(r); i++)
        snprintf(res + strlen(res), n - strlen(res), "%s%s", i ? " " : "",
                 jv_string(jv_at(r, i), NULL));
    for (size_t i = 0; i < jv_len(fa); i++)
        snprintf(from + strlen(from), n - strlen(from), "%s%s", i ? " " : "",
                 jv_string(jv_at(fa, i), NULL));
    jv_free(doc);
    free(text);
}

static void test_remediate__partition_from_the_arn(void)
{
    static const struct {
        const char *arn, *region, *resource, *console, *iam_region;
    } cases[] = {
        { "arn:aws:iam::111122223333:user/mail/app", "eu-west-2",
          "arn:aws:ses:eu-west-2:111122223333:identity/example.com",
          NULL, NULL },
        { "arn:aws-cn:iam::111122223333:user/mail/app", "cn-northwest-1",
          "arn:aws-cn:ses:cn-northwest-1:111122223333:identity/example.com",
          "https://console.amazonaws.cn/", "cn-northwest-1" },
        { "arn:aws-us-gov:iam::111122223333:user/app", "us-gov-west-1",
          "arn:aws-us-gov:ses:us-gov-west-1:111122223333:identity/example.com",
          "https://console.amazonaws-us-gov.com/", "us-gov-west-1" },
        /* an aws-us-gov key whose region is not known: IAM through a region of its
         * partition, the policy's resources from the partition with a placeholder */
        { "arn:aws-us-gov:iam::111122223333:user/app", NULL,
          "arn:aws-us-gov:ses:REPLACE-WITH-REGION:111122223333:identity/"
          "REPLACE-WITH-YOUR-VERIFIED-DOMAIN",
          "https://console.amazonaws-us-gov.com/", "us-gov-west-1" },
    };
    struct remediate_opts o = { NULL, 0, NULL, false, 1800000000 };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct fx x;
        char res[2048], from[1024], *text, want[256];
        make(&x, cases[i].arn, cases[i].region, NULL);
        if (!cases[i].region)
            x.v.n_ses = 0;
        policy_lists(&x, &o, res, from, sizeof(res));
        if (!strstr(res, cases[i].resource))
            fprintf(stderr, "case %zu: resources %s\n", i, res);
        CHECK(strstr(res, cases[i].resource) != NULL);
        /* every ARN of the policy is of that partition */
        snprintf(want, sizeof(want), "arn:%s:", strchr(cases[i].arn, ':') + 1);
        *strchr(want + 4, ':') = '\0';
        for (const char *p = res; (p = strstr(p, "arn:")) != NULL; p++)
            CHECK(strncmp(p, want, strlen(want)) == 0 && p[strlen(want)] == ':');
        text = plan(&x, &o);
        CHECK(strstr(text, "aws iam create-access-key --user-name app") != NULL);
        if (cases[i].console) {
            char iam[128];
            CHECK(strstr(text, cases[i].console) != NULL);
            snprintf(iam, sizeof(iam), "--status Inactive --region %s\n", cases[i].iam_region);
            CHECK(strstr(text, iam) != NULL);
            snprintf(iam, sizeof(iam), "create-access-key --user-name app --region %s\n",
                     cases[i].iam_region);
            CHECK(strstr(text, iam) != NULL);
            CHECK(strstr(text, "arn:aws:") == NULL);
        } else {
            CHECK(strstr(text, "Partition ") == NULL);
            CHECK(strstr(text, "create-access-key --user-name app\n") != NULL);
        }
        if (cases[i].region && strncmp(cases[i].region, "cn-", 3) == 0)
            CHECK(strstr(text, "amazonaws.com.cn") != NULL || !x.f.n_smtp_passwords);
        free(text);
    }
}

/* No ARN (not verified): the partition of a region named next to the key. */
static void test_remediate__partition_from_the_region(void)
{
    struct remediate_opts o = { NULL, 0, NULL, false, 1800000000 };
    char *regions[] = { (char *)"cn-north-1" };
    struct smtp_password pw = { NULL, "", -1, (char *)"cn-north-1" };
    struct fx x;
    char res[2048], from[1024], *text;

    make(&x, NULL, NULL, NULL);
    x.f.regions = regions;
    x.f.n_regions = 1;
    x.f.smtp_passwords = &pw;
    x.f.n_smtp_passwords = 1;
    policy_lists(&x, &o, res, from, sizeof(res));
    CHECK(strncmp(res, "arn:aws-cn:ses:cn-north-1:", 26) == 0);
    text = plan(&x, &o);
    CHECK(strstr(text, "Partition aws-cn") != NULL);
    CHECK(strstr(text, "email-smtp.cn-north-1.amazonaws.com.cn") != NULL);
    CHECK(strstr(text, "--region cn-north-1\n") != NULL);
    free(text);
    /* an aws ARN with a region of another partition: that region is not used */
    make(&x, "arn:aws:iam::111122223333:user/app", "cn-north-1", NULL);
    x.v.n_ses = 0;
    policy_lists(&x, &o, res, from, sizeof(res));
    CHECK(strncmp(res, "arn:aws:ses:REPLACE-WITH-REGION:", 32) == 0);
}

static void test_remediate__from_address_sources(void)
{
    static const char *const ctx[] = { "alerts@example.com", "noreply@example.com", NULL };
    static const char *const bad_ctx[] = { "not an address", NULL };
    static const char *const given[] = { "ops@example.com" };
    struct remediate_opts o = { NULL, 0, NULL, false, 1800000000 };
    struct fx x;
    char res[2048], from[1024], *text;

    /* the senders named next to the key, exactly, and said so in the plan */
    make(&x, "arn:aws:iam::111122223333:user/app", "eu-west-1", ctx);
    policy_lists(&x, &o, res, from, sizeof(res));
    CHECK_STREQ(from, "alerts@example.com noreply@example.com");
    text = plan(&x, &o);
    CHECK(strstr(text, "named next to the key where it was found: alerts@example.com "
                       "noreply@example.com") != NULL);
    free(text);
    /* --from-address wins */
    o.from_addresses = given;
    o.n_from = 1;
    policy_lists(&x, &o, res, from, sizeof(res));
    CHECK_STREQ(from, "ops@example.com");
    o.n_from = 0;
    /* none named: the account's address identities */
    make(&x, "arn:aws:iam::111122223333:user/app", "eu-west-1", NULL);
    policy_lists(&x, &o, res, from, sizeof(res));
    CHECK_STREQ(from, "me@example.com");
    /* a bad one (a hand-edited report) is never used */
    make(&x, "arn:aws:iam::111122223333:user/app", "eu-west-1", bad_ctx);
    x.v.n_ses = 0;
    policy_lists(&x, &o, res, from, sizeof(res));
    CHECK_STREQ(from, "REPLACE-WITH-SENDER@YOUR-VERIFIED-DOMAIN");
    text = plan(&x, &o);
    CHECK(strstr(text, "none was named next to the key and the account has no address") != NULL);
    free(text);
}

static const struct test tests[] = {
    TEST(test_remediate__partition_from_the_arn),
    TEST(test_remediate__partition_from_the_region),
    TEST(test_remediate__from_address_sources),
};
HARNESS_MAIN(tests)
