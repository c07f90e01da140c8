/*
 * tests/unit/test_findings.c - observations in, credentials out (finding/findings.h).
 *
 * Observations are built by hand (no scanner): a key ID and the values paired with it
 * make one finding; a value seen next to two key IDs joins both; a value nobody claims
 * stands alone; fingerprints and the order of findings do not depend on the order the
 * observations arrive in; SMTP passwords join the secret they derive from (v4 per
 * region, legacy v2), and through their user name the secret joins the key ID;
 * documentation examples are hidden unless asked for; observations on allowed lines are
 * listed, never findings, but an allowed key ID still names the credential of a value
 * next to it; deferred observations are expanded to one per place their blob was seen.
 */
#include "finding/findings.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "crypto/crypto.h"
#include "rules/fakekey.h"
#include "harness.h"

#define MAX_VALUES 8

struct values {
    char id[MAX_VALUES][21];
    char secret[MAX_VALUES][41];
    char token[MAX_VALUES][129];
};

static void make_values(struct values *v, uint64_t seed)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);

    for (size_t i = 0; i < MAX_VALUES; i++) {
        fakekey_access_key_id(&rng, i % 4 == 3 ? "ASIA" : "AKIA", true, v->id[i]);
        fakekey_secret(&rng, v->secret[i]);
        fakekey_session_token(&rng, v->token[i], 128);
    }
}

static const char *rule_of(enum cred_kind k)
{
    static const char *const rules[] = { "t.id", "t.secret", "t.token", "t.smtp", "t.bedrock",
                                         "t.context" };
    return rules[k];
}

/* An observation of `value` (kind k) at path:line:col, paired with key ID `paired`. */
static struct observation obs(enum cred_kind k, const char *value, const char *paired,
                              const char *path, uint64_t line, uint64_t col)
{
    struct observation o;

    memset(&o, 0, sizeof(o));
    o.kind = k;
    o.value = value;
    o.value_len = strlen(value);
    o.paired_id = paired;
    o.confidence = k == CRED_ACCESS_KEY_ID ? CONF_MEDIUM : CONF_LOW;
    o.rule_id = rule_of(k);
    o.path = path;
    o.line = line;
    o.column = col;
    o.offset = line * 100 + col;
    return o;
}

static void add(struct findings *f, struct observation o)
{
    CHECK_OK(findings_add(f, &o));
}

static const struct findings_opts default_opts = { NULL, 0, false, 1 };

/* The finding whose key ID (or, without one, whose only value) is `v`, or NULL. */
static const struct finding *find(struct finding **out, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++) {
        const struct finding *fd = out[i];
        if (fd->access_key_id ? strcmp(fd->access_key_id, v) == 0
            : (fd->n_secrets == 1 && strcmp(fd->secrets[0].value, v) == 0) ||
                  (fd->n_session_tokens == 1 && strcmp(fd->session_tokens[0].value, v) == 0) ||
                  (fd->n_smtp_passwords == 1 && strcmp(fd->smtp_passwords[0].value, v) == 0))
            return fd;
    }
    return NULL;
}

static bool has_secret(const struct finding *fd, const char *v)
{
    for (size_t i = 0; fd && i < fd->n_secrets; i++)
        if (strcmp(fd->secrets[i].value, v) == 0)
            return true;
    return false;
}

/* "aws:KIND:VALUE" hashed: the documented fingerprint. */
static void expected_fingerprint(enum cred_kind k, const char *value, char out[17])
{
    char hex[65];
    char *s = xasprintf("aws:%s:%s", cred_kind_name(k), value);

    crypto_sha256_hex(s, strlen(s), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
    free(s);
}

static void test_findings__pair_is_one_finding(void)
{
    struct values v;
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden = 7;
    char fp[17], acct[13], sha[65];

    make_values(&v, 1);
    findings_new(&f);
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], v.id[0], "app/.env", 2, 23));
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "app/.env", 1, 19));
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "b.txt", 9, 1));
    CHECK(findings_observations(f) == 3);
    findings_build(f, &default_opts, &out, &n, &hidden);
    CHECK(n == 1 && hidden == 0);
    if (n == 1) {
        const struct finding *fd = out[0];

        CHECK(fd->kind == CRED_ACCESS_KEY_ID);
        CHECK_STREQ(fd->access_key_id, v.id[0]);
        CHECK_STREQ(fd->key_type, "AKIA");
        CHECK(aws_account_id(v.id[0], 20, acct));
        CHECK_STREQ(fd->account_id, acct);
        expected_fingerprint(CRED_ACCESS_KEY_ID, v.id[0], fp);
        CHECK_STREQ(fd->fingerprint, fp);
        CHECK(fd->n_secrets == 1 && has_secret(fd, v.secret[0]));
        crypto_sha256_hex(v.secret[0], 40, sha);
        CHECK(fd->n_secrets == 1 && strcmp(fd->secrets[0].sha256, sha) == 0);
        /* a key ID with its secret is high confidence whatever the rules said */
        CHECK(fd->confidence == CONF_HIGH);
        CHECK(!fd->example);
        /* locations sorted by path, line, column, each naming its part and rule */
        CHECK(fd->n_locations == 3);
        if (fd->n_locations == 3) {
            CHECK_STREQ(fd->locations[0].path, "app/.env");
            CHECK(fd->locations[0].line == 1 && fd->locations[0].column == 19);
            CHECK(fd->locations[0].part == CRED_ACCESS_KEY_ID);
            CHECK(fd->locations[1].line == 2 && fd->locations[1].column == 23);
            CHECK(fd->locations[1].part == CRED_SECRET_ACCESS_KEY);
            CHECK_STREQ(fd->locations[1].rule_id, "t.secret");
            CHECK_STREQ(fd->locations[2].path, "b.txt");
        }
        CHECK(fd->n_rule_ids == 2);
        if (fd->n_rule_ids == 2) {
            CHECK_STREQ(fd->rule_ids[0], "t.id");
            CHECK_STREQ(fd->rule_ids[1], "t.secret");
        }
    }
    CHECK(findings_observations(f) == 3);
    findings_free(f);
    findings_free(NULL);
}

static void test_findings__unclaimed_values_stand_alone(void)
{
    struct values v;
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    char fp[17];
    const struct finding *fd;

    make_values(&v, 2);
    findings_new(&f);
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], NULL, "a", 1, 1));
    /* paired with a key ID that was never seen: no finding to join */
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[1], v.id[1], "a", 2, 1));
    add(f, obs(CRED_SESSION_TOKEN, v.token[0], NULL, "a", 3, 1));
    add(f, obs(CRED_CONTEXT, "aws_secret_access_key", NULL, "a", 2, 1)); /* never a finding */
    findings_build(f, &default_opts, &out, &n, &hidden);
    CHECK(n == 3);
    fd = find(out, n, v.secret[0]);
    CHECK(fd && fd->kind == CRED_SECRET_ACCESS_KEY && !fd->access_key_id && !fd->key_type);
    expected_fingerprint(CRED_SECRET_ACCESS_KEY, v.secret[0], fp);
    CHECK(fd && strcmp(fd->fingerprint, fp) == 0);
    CHECK(fd && fd->confidence == CONF_LOW); /* not raised: nothing paired */
    fd = find(out, n, v.secret[1]);
    CHECK(fd && !fd->access_key_id && fd->n_locations == 1);
    fd = find(out, n, v.token[0]);
    CHECK(fd && fd->kind == CRED_SESSION_TOKEN && fd->n_session_tokens == 1);
    expected_fingerprint(CRED_SESSION_TOKEN, v.token[0], fp);
    CHECK(fd && strcmp(fd->fingerprint, fp) == 0);
    findings_free(f);
}

static void test_findings__value_next_to_two_ids_joins_both(void)
{
    struct values v;
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    const struct finding *a, *b;

    make_values(&v, 3);
    findings_new(&f);
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "a", 1, 1));
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[3], NULL, "b", 1, 1)); /* ASIA */
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], v.id[0], "a", 2, 1));
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], v.id[3], "b", 2, 1));
    add(f, obs(CRED_SESSION_TOKEN, v.token[0], v.id[3], "b", 3, 1));
    findings_build(f, &default_opts, &out, &n, &hidden);
    CHECK(n == 2);
    a = find(out, n, v.id[0]);
    b = find(out, n, v.id[3]);
    CHECK(a && has_secret(a, v.secret[0]) && a->n_session_tokens == 0);
    CHECK(b && has_secret(b, v.secret[0]) && b->n_session_tokens == 1);
    CHECK(b && strcmp(b->key_type, "ASIA") == 0);
    /* each finding lists every place of its parts: the secret's two places in both */
    CHECK(a && a->n_locations == 3);
    CHECK(b && b->n_locations == 4);
    findings_free(f);
}

/* Findings of one set of observations, added in the given order: fingerprints in the
 * order findings_build returns them, one string. */
static char *build_order(const struct values *v, const unsigned *order, size_t n_order)
{
    struct observation all[] = {
        obs(CRED_ACCESS_KEY_ID, v->id[0], NULL, "z.env", 1, 1),
        obs(CRED_SECRET_ACCESS_KEY, v->secret[0], v->id[0], "z.env", 2, 1),
        obs(CRED_ACCESS_KEY_ID, v->id[1], NULL, "a.env", 5, 3),
        obs(CRED_SECRET_ACCESS_KEY, v->secret[2], NULL, "m.env", 1, 1),
        obs(CRED_ACCESS_KEY_ID, v->id[1], NULL, "c.env", 1, 1),
        obs(CRED_SESSION_TOKEN, v->token[3], NULL, "b.env", 1, 1),
    };
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    char *s = xstrdup("");

    if (n_order != ARRAY_SIZE(all))
        abort();
    findings_new(&f);
    for (size_t i = 0; i < n_order; i++)
        add(f, all[order[i]]);
    findings_build(f, &default_opts, &out, &n, &hidden);
    for (size_t i = 0; i < n; i++) {
        char *t = xasprintf("%s %s:%zu", s, out[i]->fingerprint, out[i]->n_locations);
        free(s);
        s = t;
    }
    findings_free(f);
    return s;
}

static void test_findings__order_of_arrival_does_not_matter(void)
{
    static const unsigned orders[][6] = {
        { 0, 1, 2, 3, 4, 5 }, { 5, 4, 3, 2, 1, 0 }, { 3, 0, 5, 1, 4, 2 }, { 1, 3, 5, 0, 2, 4 },
    };
    struct values v;
    char *first;

    make_values(&v, 4);
    first = build_order(&v, orders[0], 6);
    for (size_t i = 1; i < ARRAY_SIZE(orders); i++) {
        char *s = build_order(&v, orders[i], 6);
        CHECK_STREQ(s, first);
        free(s);
    }
    free(first);
}

static void test_findings__sort_order(void)
{
    struct values v;
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    struct observation o;

    make_values(&v, 5);
    findings_new(&f);
    /* a bare key ID (medium), a bare secret (low), a pair (high), a high bare key ID */
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "a", 1, 1));
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[1], NULL, "a", 9, 1));
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[2], NULL, "z", 1, 1));
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[2], v.id[2], "z", 2, 1));
    o = obs(CRED_ACCESS_KEY_ID, v.id[1], NULL, "y", 1, 1);
    o.confidence = CONF_HIGH;
    add(f, o);
    o = obs(CRED_SECRET_ACCESS_KEY, v.secret[3], NULL, "b", 1, 1);
    o.confidence = CONF_MEDIUM;
    add(f, o);
    findings_build(f, &default_opts, &out, &n, &hidden);
    CHECK(n == 5);
    if (n == 5) {
        /* confidence first; at equal confidence, with a secret before without; then
         * kind; then the first location */
        CHECK_STREQ(out[0]->access_key_id, v.id[2]);  /* high, with a secret */
        CHECK_STREQ(out[1]->access_key_id, v.id[1]);  /* high, bare */
        CHECK(out[2]->kind == CRED_SECRET_ACCESS_KEY); /* medium, a value */
        CHECK_STREQ(out[3]->access_key_id, v.id[0]);  /* medium, bare */
        CHECK(out[4]->kind == CRED_SECRET_ACCESS_KEY && out[4]->confidence == CONF_LOW);
    }
    findings_free(f);
}

static void test_findings__smtp_passwords_join_their_secret(void)
{
    static const char *const regions[] = { "us-east-1", "eu-west-1" };
    const struct findings_opts opts = { regions, ARRAY_SIZE(regions), false, 1 };
    struct values v;
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    char v4[45], v2[45], other[45], alone[45];
    const struct finding *fd;

    make_values(&v, 6);
    aws_smtp_password_v4(v.secret[0], 40, "eu-west-1", v4);
    aws_smtp_password_v2(v.secret[0], 40, v2);
    aws_smtp_password_v4(v.secret[0], 40, "ap-south-1", other); /* not an SMTP region here */
    aws_smtp_password_v4(v.secret[5], 40, "us-east-1", alone);  /* its secret is not seen */
    findings_new(&f);
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "iam.env", 1, 1));
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], v.id[0], "iam.env", 2, 1));
    add(f, obs(CRED_SMTP_PASSWORD, v4, NULL, "mail.yml", 7, 13));
    add(f, obs(CRED_SMTP_PASSWORD, v2, NULL, "legacy.env", 5, 15));
    add(f, obs(CRED_SMTP_PASSWORD, other, NULL, "other.ini", 1, 1));
    add(f, obs(CRED_SMTP_PASSWORD, alone, NULL, "alone.ini", 1, 1));
    findings_build(f, &opts, &out, &n, &hidden);
    CHECK(n == 3);
    fd = find(out, n, v.id[0]);
    CHECK(fd && fd->n_secrets == 1 && fd->n_smtp_passwords == 2);
    for (size_t i = 0; fd && i < fd->n_smtp_passwords; i++) {
        const struct smtp_password *p = &fd->smtp_passwords[i];
        CHECK(p->from_secret == 0);
        if (strcmp(p->value, v4) == 0)
            CHECK_STREQ(p->region, "eu-west-1");
        else if (strcmp(p->value, v2) == 0)
            CHECK_STREQ(p->region, "v2");
        else
            CHECK(false);
    }
    CHECK(fd && fd->n_locations == 4);
    fd = find(out, n, other);
    CHECK(fd && fd->kind == CRED_SMTP_PASSWORD && !fd->access_key_id);
    CHECK(fd && fd->smtp_passwords[0].from_secret == -1 && !fd->smtp_passwords[0].region);
    fd = find(out, n, alone);
    CHECK(fd && fd->smtp_passwords[0].from_secret == -1);
    findings_free(f);
}

/* Secrets are derived in batches of 256 on opts.threads threads, then looked up in node
 * order: with 600 secrets (three batches) the same password joins the same secret and
 * region whatever the thread count (0, 1, 2, 3, 4 and more than findings.c runs), v2 and
 * v4 alike, at both sides of each batch edge. */
static void test_findings__smtp_linking_batches_and_threads(void)
{
    enum { N = 600 };
    static const char *const regions[] = { "us-east-1", "eu-west-1", "ap-south-1",
                                           "sa-east-1" };
    static const size_t owner[] = { 0, 255, 256, 257, 511, 512, 599 };
    static const unsigned thread_counts[] = { 0, 1, 2, 3, 4, 9 };
    char(*secret)[41] = xcalloc(N, sizeof(*secret));
    char pw[ARRAY_SIZE(owner)][45];
    char id[21];
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(61);

    for (size_t i = 0; i < N; i++)
        fakekey_secret(&rng, secret[i]);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    for (size_t k = 0; k < ARRAY_SIZE(owner); k++) {
        /* v2 for every third one; the others a region each, the last region included */
        if (k % 3 == 1)
            aws_smtp_password_v2(secret[owner[k]], 40, pw[k]);
        else
            aws_smtp_password_v4(secret[owner[k]], 40, regions[k % ARRAY_SIZE(regions)],
                                 pw[k]);
    }
    for (size_t t = 0; t < ARRAY_SIZE(thread_counts); t++) {
        const struct findings_opts opts = { regions, ARRAY_SIZE(regions), false,
                                            thread_counts[t] };
        struct findings *f;
        struct finding **out;
        size_t n;
        uint64_t hidden;

        findings_new(&f);
        for (size_t i = 0; i < N; i++)
            add(f, obs(CRED_SECRET_ACCESS_KEY, secret[i], NULL, "s.env", i + 1, 1));
        /* secret 599 again, paired: it stays the first node of its value */
        add(f, obs(CRED_ACCESS_KEY_ID, id, NULL, "k.env", 1, 1));
        add(f, obs(CRED_SECRET_ACCESS_KEY, secret[599], id, "k.env", 2, 1));
        for (size_t k = 0; k < ARRAY_SIZE(owner); k++)
            add(f, obs(CRED_SMTP_PASSWORD, pw[k], NULL, "mail.env", k + 1, 1));
        findings_build(f, &opts, &out, &n, &hidden);
        CHECK(n == N); /* each password joined its secret's finding */
        for (size_t k = 0; k < ARRAY_SIZE(owner); k++) {
            const struct finding *fd = owner[k] == 599 ? find(out, n, id) : NULL;
            for (size_t i = 0; !fd && i < n; i++)
                if (out[i]->n_secrets == 1 && strcmp(out[i]->secrets[0].value,
                                                     secret[owner[k]]) == 0)
                    fd = out[i];
            CHECK(fd && fd->n_smtp_passwords == 1);
            if (!fd || fd->n_smtp_passwords != 1)
                continue;
            CHECK_STREQ(fd->smtp_passwords[0].value, pw[k]);
            CHECK(fd->smtp_passwords[0].from_secret == 0);
            CHECK_STREQ(fd->smtp_passwords[0].region,
                        k % 3 == 1 ? "v2" : regions[k % ARRAY_SIZE(regions)]);
        }
        findings_free(f);
    }
    free(secret);
}

static void test_findings__smtp_user_name_brings_the_secret(void)
{
    static const char *const regions[] = { "eu-west-1" };
    const struct findings_opts opts = { regions, 1, false, 1 };
    struct values v;
    struct findings *f;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    char pw[45];
    struct observation o;
    const struct finding *fd;

    make_values(&v, 7);
    aws_smtp_password_v4(v.secret[0], 40, "eu-west-1", pw);
    findings_new(&f);
    /* the IAM user's secret alone in one file; in another the SMTP password with its
     * user name (the key ID) and the SMTP host's region */
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], NULL, "iam.env", 2, 1));
    add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "mail.yml", 6, 13));
    o = obs(CRED_SMTP_PASSWORD, pw, v.id[0], "mail.yml", 7, 13);
    o.region = "eu-west-1";
    add(f, o);
    findings_build(f, &opts, &out, &n, &hidden);
    CHECK(n == 1);
    fd = find(out, n, v.id[0]);
    CHECK(fd && has_secret(fd, v.secret[0]) && fd->n_smtp_passwords == 1);
    CHECK(fd && fd->n_smtp_passwords == 1 && fd->smtp_passwords[0].from_secret == 0);
    CHECK(fd && fd->n_regions == 1 && strcmp(fd->regions[0], "eu-west-1") == 0);
    CHECK(fd && fd->confidence == CONF_HIGH);
    findings_free(f);
}

static void test_findings__examples_hidden_unless_asked(void)
{
    const struct findings_opts with = { NULL, 0, true, 1 };
    struct values v;
    uint64_t hidden;

    make_values(&v, 8);
    for (int include = 0; include <= 1; include++) {
        struct findings *f;
        struct finding **out;
        size_t n;

        findings_new(&f);
        add(f, obs(CRED_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE", NULL, "README.md", 3, 5));
        add(f, obs(CRED_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                   "AKIAIOSFODNN7EXAMPLE", "README.md", 4, 5));
        add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "z", 1, 1));
        findings_build(f, include ? &with : &default_opts, &out, &n, &hidden);
        if (!include) {
            CHECK(n == 1 && hidden == 1);
            CHECK(n == 1 && strcmp(out[0]->access_key_id, v.id[0]) == 0);
        } else {
            CHECK(n == 2 && hidden == 0);
            /* examples sort last, whatever their confidence */
            CHECK(n == 2 && !out[0]->example && out[1]->example);
            CHECK(n == 2 && out[1]->n_secrets == 1 && out[1]->confidence == CONF_HIGH);
        }
        findings_free(f);
    }
}

/* A hidden example's places are counted, not copied: the same count of hidden findings
 * whatever their number of places, none for a key ID seen only on allowed lines, and
 * with examples shown every place is there. */
static void test_findings__examples_hidden_without_their_places(void)
{
    const struct findings_opts with = { NULL, 0, true, 1 };
    struct values v;

    make_values(&v, 10);
    for (int include = 0; include <= 1; include++) {
        struct findings *f;
        struct finding **out;
        size_t n;
        uint64_t hidden = 99;
        struct observation o;
        const struct finding *fd;

        findings_new(&f);
        for (uint64_t line = 1; line <= 500; line++)
            add(f, obs(CRED_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE", NULL, "docs.md", line, 1));
        /* the example secret next to a real key ID: never joined, an example alone */
        add(f, obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "app.env", 1, 1));
        for (uint64_t line = 2; line <= 4; line++)
            add(f, obs(CRED_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                       v.id[0], "app.env", line, 1));
        /* an example key ID only on an allowed line: no place, not counted */
        o = obs(CRED_ACCESS_KEY_ID, "AKIAI44QH8DHBEXAMPLE", NULL, "ok.env", 1, 1);
        o.allowed = true;
        add(f, o);
        add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[1], NULL, "s.env", 7, 1));
        findings_build(f, include ? &with : &default_opts, &out, &n, &hidden);
        if (!include) {
            CHECK(n == 2 && hidden == 2);
            for (size_t i = 0; i < n; i++)
                CHECK(!out[i]->example && out[i]->n_locations == 1);
        } else {
            CHECK(n == 4 && hidden == 0);
            fd = find(out, n, "AKIAIOSFODNN7EXAMPLE");
            CHECK(fd && fd->example && fd->n_locations == 500);
            CHECK(fd && fd->locations[0].line == 1 && fd->locations[499].line == 500);
            fd = find(out, n, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
            CHECK(fd && fd->example && fd->n_locations == 3 && !fd->access_key_id);
        }
        fd = find(out, n, v.id[0]);
        CHECK(fd && !fd->example && fd->n_secrets == 0 && fd->n_locations == 1);
        findings_free(f);
    }
}

static void test_findings__allowed_lines(void)
{
    struct values v;
    struct findings *f;
    struct finding **out;
    const struct location **allowed;
    size_t n, n_allowed;
    uint64_t hidden;
    struct observation o;
    const struct finding *fd;

    make_values(&v, 9);
    findings_new(&f);
    /* an allowed key ID with a secret next to it that is not allowed */
    o = obs(CRED_ACCESS_KEY_ID, v.id[0], NULL, "ok.env", 1, 1);
    o.allowed = true;
    add(f, o);
    add(f, obs(CRED_SECRET_ACCESS_KEY, v.secret[0], v.id[0], "ok.env", 2, 1));
    /* an allowed key ID with nothing else, an allowed secret, an allowed context */
    o = obs(CRED_ACCESS_KEY_ID, v.id[1], NULL, "b.env", 4, 1);
    o.allowed = true;
    add(f, o);
    o = obs(CRED_SECRET_ACCESS_KEY, v.secret[1], NULL, "a.env", 9, 2);
    o.allowed = true;
    add(f, o);
    o = obs(CRED_CONTEXT, "aws_secret_access_key", NULL, "a.env", 9, 1);
    o.allowed = true;
    add(f, o);
    findings_build(f, &default_opts, &out, &n, &hidden);
    CHECK(n == 1);
    fd = find(out, n, v.id[0]);
    /* the credential is named by its key ID, but only the secret's place is listed */
    CHECK(fd && has_secret(fd, v.secret[0]) && fd->n_locations == 1);
    CHECK(fd && fd->n_locations == 1 && fd->locations[0].part == CRED_SECRET_ACCESS_KEY);
    CHECK(find(out, n, v.id[1]) == NULL && find(out, n, v.secret[1]) == NULL);
    n_allowed = findings_allowed(f, &allowed);
    CHECK(n_allowed == 3);
    if (n_allowed == 3) { /* sorted by path, line, column; no context */
        CHECK_STREQ(allowed[0]->path, "a.env");
        CHECK(allowed[0]->part == CRED_SECRET_ACCESS_KEY);
        CHECK_STREQ(allowed[1]->path, "b.env");
        CHECK_STREQ(allowed[2]->path, "ok.env");
    }
    free(allowed);
    findings_free(f);
}

static const struct test tests[] = {
    TEST(test_findings__pair_is_one_finding),
    TEST(test_findings__unclaimed_values_stand_alone),
    TEST(test_findings__value_next_to_two_ids_joins_both),
    TEST(test_findings__order_of_arrival_does_not_matter),
    TEST(test_findings__sort_order),
    TEST(test_findings__smtp_passwords_join_their_secret),
    TEST(test_findings__smtp_user_name_brings_the_secret),
    TEST(test_findings__smtp_linking_batches_and_threads),
    TEST(test_findings__examples_hidden_unless_asked),
    TEST(test_findings__examples_hidden_without_their_places),
    TEST(test_findings__allowed_lines),
};

HARNESS_MAIN(tests)
