/*
 * tests/unit/test_sigv4.c - SigV4 against published vectors (AWS-NOTES §3.2, §3.3), the
 * canonical URI and query string, header canonicalisation and input validation.
 *
 * Every expected value is a published vector or was produced by botocore (the comment on
 * each table says which); none is computed by the code under test. The credentials are
 * the SigV4 test suite's published example pair, not a secret.
 */
#include "verify/sigv4.h"

#include <stdbool.h>

#include "base/limits.h"
#include "harness.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define AMZ_DATE "20150830T123600Z"
#define HOST "example.amazonaws.com"
#define FORM "application/x-www-form-urlencoded"
#define FORM_UTF8 "application/x-www-form-urlencoded; charset=utf-8"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define PARAM1_SHA256 "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
#define STS_BODY "Action=GetCallerIdentity&Version=2011-06-15"
#define STS_SHA256 "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843"
#define MAX_VEC_HEADERS 6

struct sigv4_vector {
    const char *name;
    const char *method, *path, *query;
    struct sigv4_header headers[MAX_VEC_HEADERS];
    const char *body;
    const char *region, *service;
    const char *body_sha256;    /* last line of the canonical request */
    const char *cr_sha256;      /* last line of the string to sign; NULL: not published */
    const char *signed_headers;
    const char *signature;
};

static size_t test_sigv4_n_headers(const struct sigv4_vector *v)
{
    size_t n = 0;
    while (n < MAX_VEC_HEADERS && v->headers[n].name)
        n++;
    return n;
}

static const char *test_sigv4_last_line(const char *s)
{
    const char *nl = s ? strrchr(s, '\n') : NULL;
    return nl ? nl + 1 : s;
}

/* Sign one vector and check every derived value against it. */
static void test_sigv4_check_vector(const struct sigv4_vector *v)
{
    struct sigv4_request req = {
        v->method, v->path, v->query, v->headers, test_sigv4_n_headers(v),
        (const unsigned char *)v->body, v->body ? strlen(v->body) : 0,
    };
    struct sigv4_scope scope = { AMZ_DATE, v->region, v->service };
    struct sigv4_result r;
    char body_hash[65], cr_hash[65], want[512];
    int before = harness_failures;

    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &r));
    sigv4_sha256_hex(req.body ? (const void *)req.body : "", req.body_len, body_hash);
    CHECK_STREQ(body_hash, v->body_sha256);
    CHECK_STREQ(test_sigv4_last_line(r.canonical_request), v->body_sha256);
    /* The string to sign is exactly algorithm, date, scope and the canonical hash. */
    sigv4_sha256_hex(r.canonical_request ? r.canonical_request : "",
                     r.canonical_request ? strlen(r.canonical_request) : 0, cr_hash);
    snprintf(want, sizeof(want), "AWS4-HMAC-SHA256\n" AMZ_DATE "\n20150830/%s/%s/aws4_request\n%s",
             v->region, v->service, cr_hash);
    CHECK_STREQ(r.string_to_sign, want);
    if (v->cr_sha256)
        CHECK_STREQ(test_sigv4_last_line(r.string_to_sign), v->cr_sha256);
    CHECK_STREQ(r.signed_headers, v->signed_headers);
    CHECK_STREQ(r.signature, v->signature);
    snprintf(want, sizeof(want),
             "AWS4-HMAC-SHA256 Credential=" AKID "/20150830/%s/%s/aws4_request, "
             "SignedHeaders=%s, Signature=%s",
             v->region, v->service, v->signed_headers, v->signature);
    CHECK_STREQ(r.authorization, want);
    if (harness_failures != before)
        fprintf(stderr, "  in vector '%s'\n", v->name);
    sigv4_result_release(&r);
}

static void test_sigv4_check_table(const struct sigv4_vector *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        test_sigv4_check_vector(&t[i]);
}

#define TABLE(t) test_sigv4_check_table((t), sizeof(t) / sizeof((t)[0]))

/* §3.2: the official suite (aws-c-auth tests/aws-signing-test-suite/v4, 2015 suite). */
static const struct sigv4_vector suite_vectors[] = {
    { "get-vanilla", "GET", "/", NULL, { { "Host", HOST }, { "X-Amz-Date", AMZ_DATE } },
      NULL, "us-east-1", "service", EMPTY_SHA256,
      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", "host;x-amz-date",
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "post-vanilla", "POST", "/", NULL, { { "Host", HOST }, { "X-Amz-Date", AMZ_DATE } },
      NULL, "us-east-1", "service", EMPTY_SHA256,
      "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87", "host;x-amz-date",
      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
    { "post-x-www-form-urlencoded (2015)", "POST", "/", NULL,
      { { "Content-Type", FORM }, { "Host", HOST }, { "X-Amz-Date", AMZ_DATE } },
      "Param1=value1", "us-east-1", "service", PARAM1_SHA256,
      "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
      "content-type;host;x-amz-date",
      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    /* The canonical hash is not in the notes' table; this one is botocore's. */
    { "post-x-www-form-urlencoded-parameters", "POST", "/", NULL,
      { { "Content-Type", FORM "; charset=utf8" }, { "Host", HOST }, { "X-Amz-Date", AMZ_DATE } },
      "Param1=value1", "us-east-1", "service", PARAM1_SHA256,
      "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
      "content-type;host;x-amz-date",
      "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
    { "post-x-www-form-urlencoded (aws-c-auth)", "POST", "/", NULL,
      { { "Content-Type", FORM }, { "Host", HOST }, { "X-Amz-Date", AMZ_DATE },
        { "Content-Length", "13" }, { "x-amz-content-sha256", PARAM1_SHA256 } },
      "Param1=value1", "us-east-1", "service", PARAM1_SHA256,
      "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
      "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
      "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b" },
    { "iam ListUsers (doc example)", "GET", "/", "Action=ListUsers&Version=2010-05-08",
      { { "Content-Type", FORM_UTF8 }, { "Host", "iam.amazonaws.com" },
        { "X-Amz-Date", AMZ_DATE } },
      NULL, "us-east-1", "iam", EMPTY_SHA256,
      "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
      "content-type;host;x-amz-date",
      "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7" },
};

/* §3.3: the bytes botocore's client sent (POST with form content-type, or sesv2 GET). */
#define BOTO_POST(host, ...) { { "Content-Type", FORM_UTF8 }, { "Host", host },            \
                               { "X-Amz-Date", AMZ_DATE }, __VA_ARGS__ }
static const struct sigv4_vector project_vectors[] = {
    { "sts global", "POST", "/", NULL, BOTO_POST("sts.amazonaws.com", { NULL, NULL }),
      STS_BODY, "us-east-1", "sts", STS_SHA256,
      "db0f231bd5fb16e6f5461c322c611c18d360f776c1ec9aea36032f7469ea7559",
      "content-type;host;x-amz-date",
      "6fb20d31f734d876c5682fdd2678d194cf68b862755f83b7ba1373c0874be25c" },
    { "sts regional us-east-1", "POST", "/", NULL,
      BOTO_POST("sts.us-east-1.amazonaws.com", { NULL, NULL }), STS_BODY, "us-east-1", "sts",
      STS_SHA256, "74f85d64795bc5f30af8b92378344f5c25c0d305498fca44ea38f6a5a1d5860f",
      "content-type;host;x-amz-date",
      "52a8540fea00e731072179f763577cbe2a45eac2c5d32fb4d785f3eefac88165" },
    { "sts regional eu-west-1", "POST", "/", NULL,
      BOTO_POST("sts.eu-west-1.amazonaws.com", { NULL, NULL }), STS_BODY, "eu-west-1", "sts",
      STS_SHA256, "755ff102db5f75bc32eb2dbce3531f83b778bd2dec5f5b344fc26c7020f8365f",
      "content-type;host;x-amz-date",
      "d9ce7d87516e54d16bce0dfaec690a00a86d0c6a4505e7fbaf9081d93ffcbc1f" },
    { "sts global + session token", "POST", "/", NULL,
      BOTO_POST("sts.amazonaws.com", { "X-Amz-Security-Token", "EXAMPLETOKEN" }), STS_BODY,
      "us-east-1", "sts", STS_SHA256,
      "8b8630aba4e6c969850384b8ba22a0f270b7152635b1989289d880fe23eba33d",
      "content-type;host;x-amz-date;x-amz-security-token",
      "874bbe2403ce6749a2c006fb1509706b088ababc94580af853e5c04555db5342" },
    { "iam GetAccessKeyLastUsed", "POST", "/", NULL,
      BOTO_POST("iam.amazonaws.com", { NULL, NULL }),
      "Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE",
      "us-east-1", "iam", "d565c74b3e4d6a7b664c059ad3d06a080749fd71e0063d2c93c65f98f0ac1749",
      "98c81b093a651c8b0db47cbbd49a053fcae86ee9f934acb3387ad12d18472d83",
      "content-type;host;x-amz-date",
      "c6e8ec24a92a31de6e27f8966abb3a3115d1c2606df7322773de2c568519553c" },
    { "ses v1 GetSendQuota", "POST", "/", NULL,
      BOTO_POST("email.us-east-1.amazonaws.com", { NULL, NULL }),
      "Action=GetSendQuota&Version=2010-12-01", "us-east-1", "ses",
      "97401f9fd0cf7b47352e32cf1bcda40a7eb3a00ab02772b6482b803378e3d4ef",
      "4c7c78d00e128b378bc86d64377898e55510debb1d5b1fc1542d173418bd5ab9",
      "content-type;host;x-amz-date",
      "bf7f7294b91f9f8149391fda5fdf344f04bff5c59ef9b08efb5002fc0dfc274b" },
    { "sesv2 GetAccount", "GET", "/v2/email/account", NULL,
      { { "Host", "email.us-east-1.amazonaws.com" }, { "X-Amz-Date", AMZ_DATE } }, NULL,
      "us-east-1", "ses", EMPTY_SHA256,
      "83bf1c4bffb65299bb774ce8c7fd966be428705deb3968b2f4e7ec58d9457995", "host;x-amz-date",
      "602f810edadaee2ac9f4d16ed9138a92dc0e58b01762e6f5124402efafde6069" },
};

/* Canonicalisation cases of the aws-c-auth suite (header-signed-request.txt, normalize on),
 * each confirmed with botocore. Rows marked "botocore" are not in the suite. */
#define VANILLA_HEADERS { "Host", HOST }, { "X-Amz-Date", AMZ_DATE }
#define GET_ROW(name, path, query, sh, sig, ...)                                        \
    { name, "GET", path, query, { __VA_ARGS__ }, NULL, "us-east-1", "service", EMPTY_SHA256, \
      NULL, sh, sig }
static const struct sigv4_vector canon_vectors[] = {
    GET_ROW("get-space-normalized", "/example space/", NULL, "host;x-amz-date",
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
            VANILLA_HEADERS),
    GET_ROW("get-utf8", "/\xe1\x88\xb4", NULL, "host;x-amz-date",
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
            VANILLA_HEADERS),
    GET_ROW("get-unreserved",
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", NULL,
            "host;x-amz-date",
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            VANILLA_HEADERS),
    GET_ROW("get-relative-normalized", "/example/..", NULL, "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            VANILLA_HEADERS),
    GET_ROW("get-relative-relative-normalized", "/example1/example2/../..", NULL,
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            VANILLA_HEADERS),
    GET_ROW("get-slash-dot-slash-normalized", "/./", NULL, "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            VANILLA_HEADERS),
    GET_ROW("get-slash-pointless-dot-normalized", "/./example", NULL, "host;x-amz-date",
            "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
            VANILLA_HEADERS),
    GET_ROW("get-slashes-normalized", "//example//", NULL, "host;x-amz-date",
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
            VANILLA_HEADERS),
    GET_ROW("get-vanilla-empty-query-key", "/", "Param1=value1", "host;x-amz-date",
            "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
            VANILLA_HEADERS),
    GET_ROW("get-vanilla-query-order-key-case", "/", "Param2=value2&Param1=value1",
            "host;x-amz-date",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            VANILLA_HEADERS),
    GET_ROW("get-vanilla-query-order-value (botocore)", "/", "Param1=value2&Param1=Value1",
            "host;x-amz-date",
            "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
            VANILLA_HEADERS),
    GET_ROW("get-vanilla-query-unreserved", "/",
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "host;x-amz-date",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
            VANILLA_HEADERS),
    GET_ROW("get-vanilla-utf8-query", "/", "\xe1\x88\xb4=bar", "host;x-amz-date",
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
            VANILLA_HEADERS),
    GET_ROW("get-header-value-trim", "/", NULL, "host;my-header1;my-header2;x-amz-date",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            { "Host", HOST }, { "My-Header1", " value1" },
            { "My-Header2", " \"a   b   c\"" }, { "X-Amz-Date", AMZ_DATE }),
    /* aws-c-auth folds continuation lines with ',' (HTTP parsing); botocore, and sesame,
     * collapse every whitespace run to one space: "value1 value2 value3". */
    GET_ROW("get-header-value-multiline (botocore)", "/", NULL, "host;my-header1;x-amz-date",
            "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd",
            { "Host", HOST }, { "My-Header1", "value1\n  value2\n     value3" },
            { "X-Amz-Date", AMZ_DATE }),
    /* Names in any case, any order, values with surrounding blanks: still get-vanilla. */
    GET_ROW("mixed-case names", "/", NULL, "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            { "HOST", HOST }, { "x-AMZ-dAtE", AMZ_DATE }),
    GET_ROW("reverse order, padded values", "/", "", "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            { "x-amz-date", "\t " AMZ_DATE " \t" }, { "host", "  " HOST "\r\n" }),
};
#undef GET_ROW

static void test_sigv4__suite_vectors(void)
{
    TABLE(suite_vectors);
}

static void test_sigv4__project_vectors(void)
{
    TABLE(project_vectors);
}

static void test_sigv4__canonicalisation_vectors(void)
{
    TABLE(canon_vectors);
}

/* The IAM ListUsers canonical request exactly as printed in the SigV4 documentation. */
static void test_sigv4__list_users_canonical_request_text(void)
{
    static const struct sigv4_header h[] = {
        { "Content-Type", FORM_UTF8 }, { "Host", "iam.amazonaws.com" }, { "X-Amz-Date", AMZ_DATE },
    };
    struct sigv4_request req = { "GET", "/", "Action=ListUsers&Version=2010-05-08", h, 3, NULL, 0 };
    struct sigv4_scope scope = { AMZ_DATE, "us-east-1", "iam" };
    struct sigv4_result r;
    char hash[65];

    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &r));
    CHECK_STREQ(r.canonical_request,
                "GET\n"
                "/\n"
                "Action=ListUsers&Version=2010-05-08\n"
                "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                "host:iam.amazonaws.com\n"
                "x-amz-date:20150830T123600Z\n"
                "\n"
                "content-type;host;x-amz-date\n"
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex(r.canonical_request, r.canonical_request ? strlen(r.canonical_request) : 0,
                     hash);
    CHECK_STREQ(hash, "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    CHECK_STREQ(r.string_to_sign,
                "AWS4-HMAC-SHA256\n" AMZ_DATE "\n20150830/us-east-1/iam/aws4_request\n"
                "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    CHECK_STREQ(r.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    sigv4_result_release(&r);
}

static void test_sigv4_key_hex(const unsigned char key[32], char out[65])
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = d[key[i] >> 4];
        out[2 * i + 1] = d[key[i] & 15];
    }
    out[64] = '\0';
}

static void test_sigv4__signing_key_doc_examples(void)
{
    unsigned char key[32];
    char hex[65];

    sigv4_signing_key(SECRET, "20150830", "us-east-1", "iam", key);
    test_sigv4_key_hex(key, hex);
    CHECK_STREQ(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    sigv4_signing_key(SECRET, "20120215", "us-east-1", "iam", key);
    test_sigv4_key_hex(key, hex);
    CHECK_STREQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

static void test_sigv4__sha256_hex(void)
{
    char hex[65];

    sigv4_sha256_hex("", 0, hex);
    CHECK_STREQ(hex, EMPTY_SHA256);
    sigv4_sha256_hex("Param1=value1", 13, hex);
    CHECK_STREQ(hex, PARAM1_SHA256);
    sigv4_sha256_hex(STS_BODY, strlen(STS_BODY), hex);
    CHECK_STREQ(hex, STS_SHA256);
}

struct canon_case {
    const char *in;
    const char *want;
};

/* Paths: RFC 3986 dot-segment removal as botocore (normalize_url_path) and aws-c-auth
 * (s_append_normalized_path) do it: empty segments dropped, a trailing '/' kept only when
 * the raw path ends in '/'; then each segment encoded, '%' included (the path is raw). */
static const struct canon_case uri_cases[] = {
    { NULL, "/" },
    { "", "/" },
    { "/", "/" },
    { "//", "/" },
    { "/./", "/" },
    { "/..", "/" },
    { "/../..", "/" },
    { "/example/..", "/" },
    { "/example1/example2/../..", "/" },
    { "/./example", "/example" },
    { "//example//", "/example/" },
    { "/a/./b/../c/", "/a/c/" },
    { "/foo/bar/./", "/foo/bar/" },
    { "/v2/email/account", "/v2/email/account" },
    { "/example space/", "/example%20space/" },
    { "/\xe1\x88\xb4", "/%E1%88%B4" },
    { "/\xe1\x88\xb4/", "/%E1%88%B4/" },
    { "/a+b=c&d", "/a%2Bb%3Dc%26d" },
    { "/~user/x_y-z.txt", "/~user/x_y-z.txt" },
    { "/%2F", "/%252F" },
    { "/a\tb?c#d", "/a%09b%3Fc%23d" },
    { "/\x7f\xff", "/%7F%FF" },
    { "relative/path", "/relative/path" },
};

/* Queries are raw: each name and value encoded, then pairs sorted by encoded name, then by
 * encoded value (AWS-NOTES §3.1); a name without '=' gets an empty value. */
static const struct canon_case query_cases[] = {
    { NULL, "" },
    { "", "" },
    { "Action=ListUsers&Version=2010-05-08", "Action=ListUsers&Version=2010-05-08" },
    { "Version=2010-05-08&Action=ListUsers", "Action=ListUsers&Version=2010-05-08" },
    { "Param2=value2&Param1=value1", "Param1=value1&Param2=value2" },
    { "Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2" },
    { "b=2&a=1&a=0", "a=0&a=1&b=2" },
    { "a=2&a-b=1", "a=2&a-b=1" },              /* name first: not "a-b=1" < "a=2" */
    { "a", "a=" },
    { "a=", "a=" },
    { "=v", "=v" },
    { "a=1&a=", "a=&a=1" },
    { "a=&a", "a=&a=" },
    { "a=1&&b=2", "a=1&b=2" },
    { "&a=1&", "a=1" },
    { "&&&", "" },
    { "a=b c", "a=b%20c" },
    { "k=v=w", "k=v%3Dw" },
    { "x=%/+?", "x=%25%2F%2B%3F" },
    { "A=1&a=1&_=1&~=1&-=1", "-=1&A=1&_=1&a=1&~=1" },
    { "a~=1&a\x80=2", "a%80=2&a~=1" },         /* sorted after encoding: '%' < '~' */
    { "a b=1&a=2&a_=3", "a=2&a%20b=1&a_=3" },
    { "\xe1\x88\xb4=bar", "%E1%88%B4=bar" },
    { "AccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=GetAccessKeyLastUsed",
      "AccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=GetAccessKeyLastUsed" },
};

static void test_sigv4__canonical_uri(void)
{
    for (size_t i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
        char *got = sigv4_canonical_uri(uri_cases[i].in);
        int before = harness_failures;
        CHECK_STREQ(got, uri_cases[i].want);
        if (harness_failures != before)
            fprintf(stderr, "  for path '%s'\n", uri_cases[i].in ? uri_cases[i].in : "(null)");
        free(got);
    }
}

/* Regression: a path whose last character is '.' got a trailing '/' ("/v1." -> "/v1./",
 * "/a/b/." -> "/a/b/"), unlike botocore and aws-c-auth, so the signature did not match. */
static const struct canon_case trailing_dot_cases[] = {
    { "/a/b/.", "/a/b" },
    { "/a/b/..", "/a" },
    { "/a/b/../", "/a/" },
    { "/a/b..", "/a/b.." },
    { "/v1.", "/v1." },
    { "/...", "/..." },
    { "/.a/b.", "/.a/b." },
};

static void test_sigv4__canonical_uri_trailing_dot_adds_no_slash(void)
{
    for (size_t i = 0; i < sizeof(trailing_dot_cases) / sizeof(trailing_dot_cases[0]); i++) {
        char *got = sigv4_canonical_uri(trailing_dot_cases[i].in);
        int before = harness_failures;
        CHECK_STREQ(got, trailing_dot_cases[i].want);
        if (harness_failures != before)
            fprintf(stderr, "  for path '%s'\n", trailing_dot_cases[i].in);
        free(got);
    }
}

static void test_sigv4__canonical_query(void)
{
    for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
        char *got = sigv4_canonical_query(query_cases[i].in);
        int before = harness_failures;
        CHECK_STREQ(got, query_cases[i].want);
        if (harness_failures != before)
            fprintf(stderr, "  for query '%s'\n", query_cases[i].in ? query_cases[i].in : "(null)");
        free(got);
    }
}

/* The header block of the canonical request: lower-case names, sorted, values trimmed
 * and inner runs of blanks, tabs and newlines collapsed to one space. */
static void test_sigv4__canonical_headers(void)
{
    static const struct sigv4_header h[] = {
        { "X-Amz-Date", AMZ_DATE },
        { "My-Header2", "  \t\"a \t\r\n b\"  \t" },
        { "HOST", HOST },
        { "my-EMPTY", "   " },
        { "My-Header1", "x" },
    };
    struct sigv4_request req = { "GET", "/", NULL, h, 5, NULL, 0 };
    struct sigv4_scope scope = { AMZ_DATE, "us-east-1", "service" };
    struct sigv4_result r;

    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &r));
    CHECK_STREQ(r.canonical_request,
                "GET\n/\n\n"
                "host:" HOST "\n"
                "my-empty:\n"
                "my-header1:x\n"
                "my-header2:\"a b\"\n"
                "x-amz-date:" AMZ_DATE "\n"
                "\n"
                "host;my-empty;my-header1;my-header2;x-amz-date\n" EMPTY_SHA256);
    CHECK_STREQ(r.signed_headers, "host;my-empty;my-header1;my-header2;x-amz-date");
    sigv4_result_release(&r);
}

/* Same input twice gives the same bytes; the caller's header array is not modified. */
static void test_sigv4__deterministic_and_input_untouched(void)
{
    char name[] = "X-Amz-Date", value[] = " " AMZ_DATE " ";
    struct sigv4_header h[] = { { name, value }, { "Host", HOST } };
    struct sigv4_request req = { "GET", "/", NULL, h, 2, NULL, 0 };
    struct sigv4_scope scope = { AMZ_DATE, "us-east-1", "service" };
    struct sigv4_result a, b;

    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &a));
    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &b));
    CHECK_STREQ(a.canonical_request, b.canonical_request);
    CHECK_STREQ(a.authorization, b.authorization);
    CHECK_STREQ(a.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    CHECK_STREQ(name, "X-Amz-Date");
    CHECK_STREQ(value, " " AMZ_DATE " ");
    CHECK(h[0].name == name && h[1].name[0] == 'H');
    sigv4_result_release(&a);
    sigv4_result_release(&b);
    sigv4_result_release(&a); /* released twice, and NULL: no-ops */
    sigv4_result_release(NULL);
}

/* Usage errors leave an empty result that is safe to release, and a message. */
static void test_sigv4_expect_usage(const struct sigv4_request *req, const char *amz_date,
                                    const char *what)
{
    struct sigv4_scope scope = { amz_date, "us-east-1", "service" };
    struct sigv4_result r;
    int before = harness_failures;

    CHECK(sigv4_sign(req, AKID, SECRET, &scope, &r) == STATUS_USAGE);
    CHECK(r.canonical_request == NULL && r.string_to_sign == NULL && r.authorization == NULL);
    CHECK(r.signed_headers == NULL && r.signature[0] == '\0');
    CHECK(status_message() && strncmp(status_message(), "sigv4: ", 7) == 0);
    if (harness_failures != before)
        fprintf(stderr, "  for %s\n", what);
    sigv4_result_release(&r);
}

static void test_sigv4__rejects_bad_dates(void)
{
    static const char *const bad[] = {
        NULL, "", "20150830", "20150830T123600", "20150830T123600ZZ", "2015-08-30T12:36:00Z",
        "20150830 123600Z", "20150830t123600Z", "20150830T123600z", "2015083xT123600Z",
        "20150830T12360xZ", "20150830T1236000", "2015083\xb9T123600Z",
    };
    static const struct sigv4_header h[] = { { "Host", HOST } };
    struct sigv4_request req = { "GET", "/", NULL, h, 1, NULL, 0 };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        test_sigv4_expect_usage(&req, bad[i], bad[i] ? bad[i] : "(null date)");
}

static void test_sigv4__rejects_too_many_headers(void)
{
    static char names[LIMIT_SIGV4_HEADERS + 1][16];
    struct sigv4_header h[LIMIT_SIGV4_HEADERS + 1];
    struct sigv4_request req = { "GET", "/", NULL, h, LIMIT_SIGV4_HEADERS + 1, NULL, 0 };
    struct sigv4_scope scope = { AMZ_DATE, "us-east-1", "service" };
    struct sigv4_result r;

    for (size_t i = 0; i < LIMIT_SIGV4_HEADERS + 1; i++) {
        snprintf(names[i], sizeof(names[i]), "x-h%02zu", i);
        h[i].name = names[i];
        h[i].value = "v";
    }
    test_sigv4_expect_usage(&req, AMZ_DATE, "33 headers");
    /* Exactly the maximum is accepted. */
    req.n_headers = LIMIT_SIGV4_HEADERS;
    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &r));
    CHECK(r.signed_headers && strncmp(r.signed_headers, "x-h00;x-h01;", 12) == 0);
    CHECK(r.signed_headers && strstr(r.signed_headers, ";x-h31") != NULL);
    sigv4_result_release(&r);
}

static void test_sigv4__rejects_bad_headers_and_oversize(void)
{
    struct sigv4_header h[3] = { { "Host", HOST }, { "X-Amz-Date", AMZ_DATE }, { NULL, "v" } };
    struct sigv4_request req = { "GET", "/", NULL, h, 3, NULL, 0 };
    size_t big_len = LIMIT_SIGV4_INPUT_BYTES + 1;
    char *big = malloc(big_len + 1);
    static const unsigned char byte = 'x';

    test_sigv4_expect_usage(&req, AMZ_DATE, "NULL header name");
    h[2].name = "x-null";
    h[2].value = NULL;
    test_sigv4_expect_usage(&req, AMZ_DATE, "NULL header value");
    req.n_headers = 2;
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'a', big_len);
    big[0] = '/';
    big[big_len] = '\0';
    req.path = big;
    test_sigv4_expect_usage(&req, AMZ_DATE, "oversize path");
    req.path = "/";
    req.query = big;
    test_sigv4_expect_usage(&req, AMZ_DATE, "oversize query");
    req.query = NULL;
    h[2].name = "x-big";
    h[2].value = big;
    req.n_headers = 3;
    test_sigv4_expect_usage(&req, AMZ_DATE, "oversize header value");
    req.n_headers = 2;
    req.body = &byte; /* only the length is checked before anything is read */
    req.body_len = big_len;
    test_sigv4_expect_usage(&req, AMZ_DATE, "oversize body");
    free(big);
}

/* Regression: with LIMIT_SIGV4_HEADERS values of LIMIT_SIGV4_INPUT_BYTES each, the header
 * block outgrew the canonical request's buffer; the failed appends were ignored and the
 * signature covered a canonical request missing half its headers, with STATUS_OK. */
static void test_sigv4__oversize_header_block_is_usage_not_truncated(void)
{
    static char names[LIMIT_SIGV4_HEADERS][16];
    struct sigv4_header h[LIMIT_SIGV4_HEADERS];
    struct sigv4_request req = { "GET", "/", NULL, h, LIMIT_SIGV4_HEADERS, NULL, 0 };
    struct sigv4_scope scope = { AMZ_DATE, "us-east-1", "service" };
    struct sigv4_result r;
    char *value = malloc(LIMIT_SIGV4_INPUT_BYTES + 1);

    CHECK(value != NULL);
    if (!value)
        return;
    memset(value, 'v', LIMIT_SIGV4_INPUT_BYTES);
    value[LIMIT_SIGV4_INPUT_BYTES] = '\0';
    for (size_t i = 0; i < LIMIT_SIGV4_HEADERS; i++) {
        snprintf(names[i], sizeof(names[i]), "x-h%02zu", i);
        h[i].name = names[i];
        h[i].value = value;
    }
    test_sigv4_expect_usage(&req, AMZ_DATE, "32 headers of 1 MiB");
    /* A large block that fits is signed whole. */
    req.n_headers = 8;
    CHECK_OK(sigv4_sign(&req, AKID, SECRET, &scope, &r));
    CHECK(r.canonical_request && strstr(r.canonical_request, "\nx-h07:vvv") != NULL);
    CHECK(r.canonical_request && strstr(r.canonical_request, "\n\nx-h00;x-h01;") != NULL);
    CHECK_STREQ(test_sigv4_last_line(r.canonical_request), EMPTY_SHA256);
    sigv4_result_release(&r);
    free(value);
}

static const struct test tests[] = {
    TEST(test_sigv4__suite_vectors),
    TEST(test_sigv4__project_vectors),
    TEST(test_sigv4__canonicalisation_vectors),
    TEST(test_sigv4__list_users_canonical_request_text),
    TEST(test_sigv4__signing_key_doc_examples),
    TEST(test_sigv4__sha256_hex),
    TEST(test_sigv4__canonical_uri),
    TEST(test_sigv4__canonical_uri_trailing_dot_adds_no_slash),
    TEST(test_sigv4__canonical_query),
    TEST(test_sigv4__canonical_headers),
    TEST(test_sigv4__deterministic_and_input_untouched),
    TEST(test_sigv4__rejects_bad_dates),
    TEST(test_sigv4__rejects_too_many_headers),
    TEST(test_sigv4__rejects_bad_headers_and_oversize),
    TEST(test_sigv4__oversize_header_block_is_usage_not_truncated),
};
HARNESS_MAIN(tests)
