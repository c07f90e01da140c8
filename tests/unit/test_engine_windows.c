/*
 * tests/unit/test_engine_windows.c - the confirmation windows that Hyperscan's hits open
 * (match/engine.c) find exactly what one PCRE2 search over the whole buffer finds
 * (engine_worker_set_whole_buffer, the reference), whatever a rule's prefilter is: the
 * full pattern ending at the value, or only the keyword the pattern starts with (the
 * keyword rules' prefilters in patterns/aws.json). Inputs are generated (fixed seeds):
 * every keyword of the keyword rules at its longest and shortest, every separator, quote
 * and blank the patterns allow, values of every kind, the nested YAML/JSON/HCL shapes,
 * key IDs with secrets and SMTP passwords at the proximity distance and one byte either
 * side. A rule whose prefilter is too narrow (its windows miss where matches start) must
 * make the comparison fail: the mutant test checks that the comparison sees it.
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

/* Both workers' matches over p[0, n): how many differ (0: the same list); the windows'
 * matches are left in *out, and per-rule counts added to counts[]. */
static size_t differences(struct pair *x, const unsigned char *p, size_t n,
                          struct match_list *out, size_t *counts)
{
    struct match_list ref = { 0 };
    struct triggers ta = { 0 }, tb = { 0 };
    size_t diff = 0;

    out->n = 0;
    CHECK_OK(engine_scan(x->a, p, n, out, &ta));
    CHECK_OK(engine_scan(x->b, p, n, &ref, &tb));
    for (size_t i = 0; i < out->n || i < ref.n; i++) {
        const struct match *a = i < out->n ? &out->v[i] : NULL, *b = i < ref.n ? &ref.v[i] : NULL;
        if (!a || !b || a->rule != b->rule || a->start != b->start || a->end != b->end ||
            a->region_start != b->region_start || a->region_end != b->region_end)
            diff++;
    }
    for (size_t i = 0; counts && i < out->n; i++)
        counts[out->v[i].rule]++;
    /* the triggers come from the same Hyperscan pass */
    CHECK(ta.url.n == tb.url.n && ta.json.n == tb.json.n && ta.html.n == tb.html.n &&
          ta.n_b64 == tb.n_b64 && ta.n_concat == tb.n_concat);
    for (size_t i = 0; i < ta.url.n && i < tb.url.n; i++)
        CHECK(ta.url.v[i].lo == tb.url.v[i].lo && ta.url.v[i].hi == tb.url.v[i].hi);
    triggers_release(&ta);
    triggers_release(&tb);
    match_list_release(&ref);
    return diff;
}

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    XGROW(b->p, b->cap, b->n + n + 1);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static size_t pick(struct fakekey_rng *rng, size_t n)
{
    return (size_t)(fakekey_next(rng) % n);
}

#define PICK(rng, a) (a)[pick(rng, sizeof(a) / sizeof(*(a)))]

/* An SES SMTP password's shape: base64 of 0x04 and 32 random bytes (44 characters,
 * "B" and one of A-P first). */
static void fake_smtp(struct fakekey_rng *rng, char out[45])
{
    unsigned char raw[33];
    raw[0] = 4;
    for (size_t i = 1; i < sizeof(raw); i++)
        raw[i] = (unsigned char)fakekey_next(rng);
    CHECK(fakekey_base64_encode(raw, sizeof(raw), out) == 44);
    out[44] = '\0';
}

/* The keywords of the keyword rules, longest and shortest forms, mixed case. */
static const char *const keywords[] = {
    "aws_secret_access_key_id", "AWS.SECRET.ACCESS.KEY.ID", "aws secret access key",
    "secretaccesskey", "aws-secret-key", "AwsSecret", "aws_secret", "secret_access_key",
    "secret-key", "SecretKey", "secretkey", "SECRET.KEY",
    "smtp_server_password", "EMAIL-AUTH-CREDENTIALS", "mailpwd", "ses_secret", "smtppass",
    "mail.user.passwd", "sescredential",
    "aws_session_token", "AWS-SECURITY-TOKEN", "sessiontoken",
    "aws_access_key_id", "AWS.ACCESS.KEY", "access-key-id", "accesskeyid",
    "secret_access_key_suffix_with_more_chars", "xaws_secret",
};

/* What may come between a keyword and its value (and some that may not). */
static const char *const between[] = {
    "=", " = ", ": ", ":", "=>", " := ", "::", "->", ",", ">", "(", " ", "\t", "\"=\"",
    "': '", "` = `", "\\\"=\\\"", "&quot;: &quot;", "]=", "\" value \"", "  value =",
    "=\\\n", " : \\\r\n  ", " =    \"  ", "\n", "=\n ", "         =", "_FILE=", "== ",
    "\": {\n  \"secret\": \"", " {\n  default = \"", "", "'",
};

static const char *const filler[] = {
    " ", "\n", "x", "ab12", "----", "\"", "'", "}", "{", "\n\n", "  ", "%2F", "\\/",
};

/* A value: 's' secret, 'm' SMTP password, 't' session token, 'i' key ID. */
static void put_value(struct fakekey_rng *rng, struct buf *b, char kind)
{
    char v[301];

    if (kind == 'm')
        fake_smtp(rng, v);
    else if (kind == 't')
        fakekey_session_token(rng, v, 100 + pick(rng, 200));
    else if (kind == 'i')
        fakekey_access_key_id(rng, "AKIA", true, v);
    else
        fakekey_secret(rng, v);
    puts_(b, v);
}

/* A secret under a parent: head, middle lines, the key, the secret, the end. */
static void nested(struct fakekey_rng *rng, struct buf *b, const char *head, const char *mid,
                   const char *key, const char *end)
{
    char secret[41];

    fakekey_secret(rng, secret);
    puts_(b, head);
    puts_(b, mid);
    puts_(b, key);
    puts_(b, secret);
    puts_(b, end);
}

/* One generated text: keyword, separator and value pieces in random order, with the
 * structured shapes (YAML parents, JSON parents, HCL variables, properties
 * continuations) and key IDs near secrets and SMTP passwords at the proximity edge. */
static void soup(struct fakekey_rng *rng, struct buf *b, size_t target, size_t near)
{
    char id[21];

    while (b->n < target) {
        switch (pick(rng, 12)) {
        case 0:
        case 1:
        case 2: /* keyword, separator, value */
            puts_(b, PICK(rng, keywords));
            puts_(b, PICK(rng, between));
            put_value(rng, b, pick(rng, 3) == 0 ? 'm' : pick(rng, 4) == 0 ? 't' : 's');
            puts_(b, PICK(rng, filler));
            break;
        case 3: /* a key ID, then a secret or an SMTP password about `near` bytes away */
        {
            size_t gap = near - 2 + pick(rng, 5);
            fakekey_access_key_id(rng, PICK(rng, ((const char *[]){ "AKIA", "ASIA" })),
                                  true, id);
            puts_(b, id);
            for (size_t i = 0; i < gap; i++)
                put(b, i % 73 == 72 ? "\n" : " ", 1);
            put_value(rng, b, pick(rng, 2) ? 's' : 'm');
            puts_(b, "\n");
            break;
        }
        case 4: /* a context word then an SMTP password near it */
            puts_(b, PICK(rng, ((const char *[]){ "smtp", "mail_password", "MAILPASS",
                                                  "email-smtp.eu-west-1.amazonaws.com" })));
            for (size_t i = 0, gap = near - 2 + pick(rng, 5); i < gap; i++)
                put(b, " ", 1);
            put_value(rng, b, 'm');
            puts_(b, "\n");
            break;
        case 5: /* YAML parent */
            nested(rng, b, PICK(rng, ((const char *[]){ "aws:\n", "  'credentials_prod':\r\n",
                                                         "S3:\n", "iam_user: \n" })),
                   PICK(rng, ((const char *[]){ "", "    region: us-east-1\n" })),
                   PICK(rng, ((const char *[]){ "    secret_key: ", "  key: '",
                                                 "\tsecret-access-key:\t" })),
                   "\n");
            break;
        case 6: /* JSON parent */
            nested(rng, b, PICK(rng, ((const char *[]){ "\"aws\": {", "\"Amazon_prod\" : {\n",
                                                         "\"s3\":{\"bucket\": \"b\", " })),
                   "", PICK(rng, ((const char *[]){ "\"secret\": \"", "\"key_secret\":\"" })),
                   "\"}\n");
            break;
        case 7: /* HCL variable */
            nested(rng, b, PICK(rng, ((const char *[]){ "variable \"aws_secret_key\" {\n",
                                                         "secret_access_key {\n" })),
                   "  type = string\n", "  default = \"", "\"\n}\n");
            break;
        case 8: /* a bare key ID or secret */
            put_value(rng, b, pick(rng, 2) ? 'i' : 's');
            puts_(b, PICK(rng, filler));
            break;
        default: { /* filler of key characters */
            static const char chars[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz+/ \n";
            for (size_t i = 0, run = pick(rng, 60); i < run; i++)
                put(b, &chars[pick(rng, sizeof(chars) - 1)], 1);
            break;
        }
        }
    }
}

/* Generated texts: the windows find what the whole-buffer search finds, and every
 * direct rule (but the documentation example's) matches somewhere, so the comparison
 * covers them all. */
static void test_engine_windows__generated_texts_match_the_whole_buffer_search(void)
{
    struct pair x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(171);
    struct match_list l = { 0 };
    size_t *counts, near;

    pair_setup(&x, NULL, engine_worker_set_whole_buffer);
    counts = xcalloc(x.rs.n, sizeof(*counts));
    near = x.rs.rules[rule_index(&x, "aws.secret_access_key.near_key_id")].near_bytes;
    for (int round = 0; round < 60; round++) {
        struct buf b = { 0 };
        soup(&rng, &b, 2000 + pick(&rng, 30000), near);
        CHECK(differences(&x, (const unsigned char *)b.p, b.n, &l, counts) == 0);
        /* cut anywhere: windows at the end of the buffer */
        if (round < 6)
            for (size_t n = 1; n < b.n; n += 1 + pick(&rng, 97))
                CHECK(differences(&x, (const unsigned char *)b.p, n, &l, NULL) == 0);
        free(b.p);
    }
    for (size_t i = 0; i < x.rs.n; i++) {
        const struct rule *r = &x.rs.rules[i];
        if (strcmp(r->id, "aws.access_key_id.documentation_example") == 0 ||
            strncmp(r->id, "aws.bedrock.", 12) == 0 || strcmp(r->id, "aws.session_token.marker") == 0)
            continue;
        if (counts[i] == 0)
            fprintf(stderr, "rule %s never matched\n", r->id);
        CHECK(counts[i] > 0);
    }
    free(counts);
    match_list_release(&l);
    pair_teardown(&x);
}

/* The rules whose prefilter is the literal (or keyword) every match starts with
 * (patterns/aws.json: session_token.marker's three heads, session_token.keyword's
 * keyword, the Bedrock keys' heads, the SES endpoint's "email-smtp"): each value at the
 * buffer's start and end, values next to each other with nothing or one byte between,
 * every length edge (80 and 3,000 characters after a token head, 60 and 400 after the
 * long-term Bedrock head, 100 and 4,000 after the short-term one), buffers cut at every
 * byte around each value. One value of each kind must be found, so that the comparison
 * covers every changed rule. */
static const char *const heads[] = {
    "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdz", "AQoDYXdz",                        /* marker */
    "aws_session_token=", "AWS-SECURITY-TOKEN: \"", "sessiontoken ",         /* keyword */
    "ABSKQmVkcm9ja0FQSUtleS", "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t", /* Bedrock */
};
static const size_t body_len[][2] = {
    { 80, 3000 }, { 80, 3000 }, { 80, 3000 }, { 100, 3000 }, { 100, 3000 }, { 100, 3000 },
    { 60, 400 }, { 100, 4000 },
};

static void put_head_value(struct fakekey_rng *rng, struct buf *b, size_t h)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t lo = body_len[h][0], hi = body_len[h][1];
    size_t n = pick(rng, 4) == 0 ? lo : pick(rng, 4) == 0 ? hi : lo + pick(rng, hi - lo);

    puts_(b, heads[h]);
    for (size_t i = 0; i < n; i++)
        put(b, &b64[pick(rng, 64)], 1);
    if (pick(rng, 3) == 0)
        puts_(b, pick(rng, 2) ? "=" : "==");
}

static void put_endpoint(struct fakekey_rng *rng, struct buf *b)
{
    puts_(b, PICK(rng, ((const char *[]){ "email-smtp.eu-west-1.amazonaws.com",
                                          "email-smtp-fips.us-gov-west-1.amazonaws.com",
                                          "email-smtp.ap-southeast-2.amazonaws.com" })));
}

static void test_engine_windows__literal_head_rules_at_edges(void)
{
    static const char *const ids[] = { "aws.session_token.marker", "aws.session_token.keyword",
                                       "aws.bedrock.api_key.long_term",
                                       "aws.bedrock.api_key.short_term", "aws.ses.smtp_endpoint" };
    static const char *const sep[] = { "", " ", "\n", "x", "=", "\"", ".", "-" };
    struct pair x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(173);
    struct match_list l = { 0 };
    size_t *counts;

    pair_setup(&x, NULL, engine_worker_set_whole_buffer);
    counts = xcalloc(x.rs.n, sizeof(*counts));
    for (int round = 0; round < 120; round++) {
        struct buf b = { 0 };
        size_t pieces = 1 + pick(&rng, 4), mark = 0;
        for (size_t k = 0; k < pieces; k++) {
            if (k)
                puts_(&b, PICK(&rng, sep));
            mark = b.n;
            if (pick(&rng, 5) == 0)
                put_endpoint(&rng, &b);
            else
                put_head_value(&rng, &b, pick(&rng, ARRAY_SIZE(heads)));
        }
        CHECK(differences(&x, (const unsigned char *)b.p, b.n, &l, counts) == 0);
        /* cut around the last value's start and end, and just after the first's head */
        for (size_t n = mark > 8 ? mark - 8 : 1; n < b.n && n < mark + 60; n++)
            CHECK(differences(&x, (const unsigned char *)b.p, n, &l, NULL) == 0);
        for (size_t n = b.n > 8 ? b.n - 8 : 1; n < b.n; n++)
            CHECK(differences(&x, (const unsigned char *)b.p, n, &l, NULL) == 0);
        /* and not at the buffer's start: one byte of context before the first value */
        {
            struct buf c = { 0 };
            puts_(&c, PICK(&rng, sep));
            put(&c, b.p, b.n);
            CHECK(differences(&x, (const unsigned char *)c.p, c.n, &l, counts) == 0);
            free(c.p);
        }
        free(b.p);
    }
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        size_t ri = rule_index(&x, ids[i]);
        if (counts[ri] == 0)
            fprintf(stderr, "rule %s never matched\n", ids[i]);
        CHECK(counts[ri] > 0);
    }
    free(counts);
    match_list_release(&l);
    pair_teardown(&x);
}

/* The mutant: a keyword rule whose prefilter leaves out the "aws_" its keyword starts
 * with (the window is then 4 bytes short of where its matches start). The comparison
 * must see the difference, or it could not catch a wrong window either. */
static void test_engine_windows__a_too_narrow_prefilter_is_caught(void)
{
    static const char mutant[] =
        "{\"rules\": [{\"id\": \"aws.secret_access_key.aws_keyword\", \"name\": \"n\","
        " \"kind\": \"secret_access_key\", \"confidence\": \"high\","
        " \"pattern\": \"(?i:aws[_.\\\\-\\\\s]secret[_.\\\\-\\\\s]?access[_.\\\\-\\\\s]?key)"
        "\\\\s{0,8}[:=]\\\\s{0,8}(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])\","
        " \"prefilter\": \"(?i:secret[_.\\\\-\\\\s]?access[_.\\\\-\\\\s]?key)\"}]}";
    struct pair x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(172);
    struct match_list l = { 0 };
    char secret[41], *text;
    size_t d;

    pair_setup(&x, mutant, engine_worker_set_whole_buffer);
    fakekey_secret(&rng, secret);
    /* "aws_" precedes the window ("secret_access_key" is the hit) */
    text = xasprintf("xx\naws_secret_access_key = %s\n", secret);
    d = differences(&x, (const unsigned char *)text, strlen(text), &l, NULL);
    free(text);
    CHECK(d > 0);
    match_list_release(&l);
    pair_teardown(&x);
}

static const struct test tests[] = {
    TEST(test_engine_windows__generated_texts_match_the_whole_buffer_search),
    TEST(test_engine_windows__a_too_narrow_prefilter_is_caught),
    TEST(test_engine_windows__literal_head_rules_at_edges),
};

HARNESS_MAIN(tests)
