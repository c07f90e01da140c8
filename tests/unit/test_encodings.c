/*
 * tests/unit/test_encodings.c - more encodings and shapes (issue 13, class 5): HTML
 * character references, values split by markup, ES2015 \u{...} escapes, two layers of
 * encoding (a base64 INI inside a JWT claim), UTF-16LE strings inside binaries, each reported at the encoded value's start
 * with its encoding; HTML and tags that split nothing stay silent. Keys from a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "scan_fixture.h"

static const struct location *loc_of(const struct finding *f, enum cred_kind part)
{
    for (size_t i = 0; f && i < f->n_locations; i++)
        if (f->locations[i].part == part)
            return &f->locations[i];
    return NULL;
}

/* s with every `what` replaced by `with` (s is freed; a new string is returned). */
static char *replace(char *s, const char *what, const char *with)
{
    char *hit = strstr(s, what), *out;

    if (!hit)
        return s;
    out = xasprintf("%.*s%s%s", (int)(hit - s), s, with, hit + strlen(what));
    free(s);
    return replace(out, what, with);
}

/* One text: the pair is found whole, the secret's location says `enc`. */
static void expect_pair(const char *tmpl, uint64_t seed, const char *enc)
{
    struct keys k;
    struct fixture x;
    char *text;
    const struct finding *f;
    const struct location *ls;

    make_keys(&k, seed);
    {
        /* {DEC} and {HEX}: the secret's first character as a decimal / hex code */
        char *t = fill(tmpl, &k), dec[8], hex[8];
        snprintf(dec, sizeof(dec), "%d", k.secret[0][0]);
        snprintf(hex, sizeof(hex), "%x", k.secret[0][0]);
        text = replace(replace(t, "{DEC}", dec), "{HEX}", hex);
    }
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    f = by_id(&x, k.id[0]);
    ls = loc_of(f, CRED_SECRET_ACCESS_KEY);
    CHECK(f && has_secret(f, k.secret[0]));
    CHECK(ls && ls->encoding && strstr(ls->encoding, enc) != NULL);
    if (!f || !has_secret(f, k.secret[0]) || !ls || !ls->encoding || !strstr(ls->encoding, enc))
        fprintf(stderr, "not found as %s: %s\n", enc, text);
    teardown(&x);
    free(text);
}

static void test_encodings__html_references_and_markup(void)
{
    /* the secret's first characters as references, the ID split by tags */
    expect_pair("<tr><td>Access key ID</td><td>{ID0@0,4}<span class=\"k\">{ID0@4,8}</span>{ID0@12}</td></tr>\n"
                "<tr><td>aws_secret_access_key</td><td>&#{DEC};{S0@1}</td></tr>\n", 901, "html");
    expect_pair("<p>aws_access_key_id = {ID0}<br>aws_secret_access_key = "
                "{S0@0,10}<wbr>{S0@10,10}<wbr>{S0@20}</p>\n", 902, "html");
    expect_pair("<code>aws_access_key_id={ID0}</code>\n<code>aws_secret_access_key=&#x{HEX};"
                "{S0@1}</code>\n", 903, "html");
}

static void test_encodings__es2015_escapes(void)
{
    expect_pair("const creds = {accessKeyId: \"{ID0}\", secretAccessKey: \"\\u{{HEX}}{S0@1}\"};\n", 904,
                "json-escape");
}

/* Tags and references that split nothing: no view, nothing reported. */
static void test_encodings__html_negatives(void)
{
    struct keys k;
    struct fixture x;
    char *text;

    make_keys(&k, 905);
    text = fill("<p>see <b>docs</b> &amp; <i>notes</i>: &#169; 2026</p>\n"
                "<td>{S0@0,20}</td><td>{S0@20}</td>\n", &k);
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    CHECK(x.n == 0);
    teardown(&x);
    free(text);
}

static void test_encodings__two_layers_jwt_claim(void)
{
    struct keys k;
    struct fixture x;
    char *ini, *eini, *claims, *payload, *text;
    const struct finding *f;

    make_keys(&k, 906);
    ini = fill("[default]\naws_access_key_id = {ID0}\naws_secret_access_key = {S0}\n", &k);
    eini = test_b64(ini);
    claims = xasprintf("{\"sub\":\"ci\",\"iat\":1700000000,\"cfg\":\"%s\"}", eini);
    payload = test_b64(claims);
    for (char *p = payload; *p; p++) /* base64url, unpadded, as JWTs are */
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    while (payload[0] && payload[strlen(payload) - 1] == '=')
        payload[strlen(payload) - 1] = '\0';
    text = xasprintf("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.%s.c2lnbmF0dXJl\n", payload);
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    f = by_id(&x, k.id[0]);
    CHECK(f && has_secret(f, k.secret[0]));
    CHECK(f && f->locations[0].encoding && strcmp(f->locations[0].encoding, "base64>base64") == 0);
    teardown(&x);
    free(ini);
    free(eini);
    free(claims);
    free(payload);
    free(text);
}

/* UTF-16LE strings inside a binary (a .NET assembly's user strings): found, at the raw
 * offset of their first code unit; short UTF-16 strings without keys give nothing. */
static void test_encodings__utf16_strings_in_binaries(void)
{
    struct keys k;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(907);
    struct fixture x;
    unsigned char buf[4096];
    size_t n = 0, id_at;
    char *line;
    const struct finding *f;

    make_keys(&k, 907);
    while (n < 1500)
        buf[n++] = (unsigned char)(fakekey_next(&rng) >> 56);
    buf[n++] = 0x01; /* a length byte, as in #US */
    line = fill("aws_access_key_id={ID0}|aws_secret_access_key={S0}|user=ci", &k);
    id_at = n + 2 * strlen("aws_access_key_id=");
    for (const char *c = line; *c; c++) {
        buf[n++] = (unsigned char)*c;
        buf[n++] = 0;
    }
    for (const char *c = "Secret"; *c; c++) { /* an anchor word in a short string */
        buf[n++] = (unsigned char)*c;
        buf[n++] = 0;
    }
    while (n < 3000)
        buf[n++] = (unsigned char)(fakekey_next(&rng) >> 56);
    setup(&x);
    scan(&x, (const char *)buf, n);
    build(&x, false);
    f = by_id(&x, k.id[0]);
    CHECK(x.n == 1 && f && has_secret(f, k.secret[0]));
    CHECK(f && f->locations[0].offset == id_at && f->locations[0].encoding &&
          strcmp(f->locations[0].encoding, "utf-16le") == 0);
    teardown(&x);
    free(line);
}

static const struct test tests[] = {
    TEST(test_encodings__utf16_strings_in_binaries),
    TEST(test_encodings__html_references_and_markup),
    TEST(test_encodings__es2015_escapes),
    TEST(test_encodings__html_negatives),
    TEST(test_encodings__two_layers_jwt_claim),
};
HARNESS_MAIN(tests)
