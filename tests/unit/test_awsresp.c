/*
 * tests/unit/test_awsresp.c - how the verifier reads AWS's answers (issue 11, case 14):
 * only a complete, well-formed answer of the expected shape is an answer. A cut STS body
 * ("...<Account>1234"), a body cut at the transport cap, an empty or HTML 200, duplicated
 * fields, truncated or duplicated SESv2 JSON, and error bodies that are not AWS's are all
 * AWSRESP_BAD with a reason; AWS's own errors give their code.
 */
#include "verify/awsresp.h"

#include <stdbool.h>

#include "harness.h"

#define STS_OK                                                                             \
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"     \
    "  <GetCallerIdentityResult>\n"                                                        \
    "    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"                                \
    "    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"                                         \
    "    <Account>123456789012</Account>\n"                                                \
    "  </GetCallerIdentityResult>\n"                                                       \
    "  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>"      \
    "</ResponseMetadata>\n"                                                                \
    "</GetCallerIdentityResponse>\n"

/* issue 11 (14), exactly: the answer stops after "<Account>1234". */
#define STS_CUT                                                                            \
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"     \
    "  <GetCallerIdentityResult>\n"                                                        \
    "    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"                                \
    "    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"                                         \
    "    <Account>1234"

#define STS_BODY(inner)                                                                    \
    "<GetCallerIdentityResponse><GetCallerIdentityResult>" inner                           \
    "</GetCallerIdentityResult></GetCallerIdentityResponse>"

#define ERR_XML(code, msg)                                                                 \
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"                 \
    "  <Error><Type>Sender</Type><Code>" code "</Code>\n"                                  \
    "    <Message>" msg "</Message></Error>\n"                                             \
    "  <RequestId>16fc956c-311e-4199-bee1-1680236e9698</RequestId>\n"                      \
    "</ErrorResponse>\n"

#define IAM_BODY(inner)                                                                    \
    "<GetAccessKeyLastUsedResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"    \
    "<GetAccessKeyLastUsedResult><AccessKeyLastUsed>" inner "</AccessKeyLastUsed>"          \
    "<UserName>Bob</UserName></GetAccessKeyLastUsedResult></GetAccessKeyLastUsedResponse>"

#define SES_BODY(inner)                                                                    \
    "<GetSendQuotaResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">"             \
    "<GetSendQuotaResult>" inner "</GetSendQuotaResult></GetSendQuotaResponse>"

#define SES_OK                                                                             \
    SES_BODY("<SentLast24Hours>10.0</SentLast24Hours><Max24HourSend>200.0</Max24HourSend>"  \
             "<MaxSendRate>1.0</MaxSendRate>")

#define ACCT_OK                                                                            \
    "{\"DedicatedIpAutoWarmupEnabled\": false, \"EnforcementStatus\": \"HEALTHY\", "       \
    "\"ProductionAccessEnabled\": true, \"SendQuota\": {\"Max24HourSend\": 50000.0, "      \
    "\"MaxSendRate\": 14.0, \"SentLast24Hours\": 40000.0}, \"SendingEnabled\": true}"

enum which { STS, IAM, SES, SESV2 };

struct resp_case {
    const char *label;
    enum which call;
    long status;
    bool truncated;
    const char *header;
    const char *body;
    enum awsresp_result want;
    const char *detail; /* OK: a field's value (see check_ok); AWS_ERROR: the code;
                         * BAD: a substring of the reason */
};

static const struct resp_case cases[] = {
    /* STS */
    { "sts ok", STS, 200, false, NULL, STS_OK, AWSRESP_OK, "123456789012" },
    { "issue 11: sts cut after <Account>1234", STS, 200, false, NULL, STS_CUT, AWSRESP_BAD,
      "<Account> not closed" },
    { "sts cut at the transport cap", STS, 200, true, NULL, STS_OK, AWSRESP_BAD,
      "cut at the" },
    { "sts cut before the last end tag", STS, 200, false, NULL,
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:"
      "user/A</Arn><UserId>U</UserId><Account>123456789012</Account></GetCallerIdentityResult>",
      AWSRESP_BAD, "not closed" },
    { "sts two accounts", STS, 200, false, NULL,
      STS_BODY("<Arn>arn:aws:iam::123456789012:user/A</Arn><UserId>U</UserId>"
               "<Account>123456789012</Account><Account>210987654321</Account>"),
      AWSRESP_BAD, "twice" },
    { "sts two results", STS, 200, false, NULL,
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/A</Arn>"
      "</GetCallerIdentityResult><GetCallerIdentityResult><Arn>arn:aws:iam::2:user/B</Arn>"
      "</GetCallerIdentityResult></GetCallerIdentityResponse>",
      AWSRESP_BAD, "twice" },
    { "sts without Account", STS, 200, false, NULL,
      STS_BODY("<Arn>arn:aws:iam::123456789012:user/A</Arn><UserId>U</UserId>"), AWSRESP_BAD,
      "without <GetCallerIdentityResult/Account>" },
    { "sts Account not 12 digits", STS, 200, false, NULL,
      STS_BODY("<Arn>arn:aws:iam::123456789012:user/A</Arn><UserId>U</UserId>"
               "<Account>1234</Account>"),
      AWSRESP_BAD, "12 digits" },
    { "sts Arn not an ARN", STS, 200, false, NULL,
      STS_BODY("<Arn>alice</Arn><UserId>U</UserId><Account>123456789012</Account>"),
      AWSRESP_BAD, "not an ARN" },
    { "sts 200 empty", STS, 200, false, NULL, "", AWSRESP_BAD, "empty body" },
    { "sts 200 html", STS, 200, false, NULL,
      "<!DOCTYPE html><html><body>Please log in</body></html>", AWSRESP_BAD, "DOCTYPE" },
    { "sts 200 error body", STS, 200, false, NULL,
      ERR_XML("InvalidClientTokenId", "The security token included in the request is invalid"),
      AWSRESP_BAD, "root element <ErrorResponse>" },
    { "sts trailing garbage", STS, 200, false, NULL, STS_OK "<x/>", AWSRESP_BAD,
      "after the root" },
    { "sts 403 invalid", STS, 403, false, NULL,
      ERR_XML("InvalidClientTokenId", "The security token included in the request is invalid"),
      AWSRESP_AWS_ERROR, "InvalidClientTokenId" },
    { "sts 403 error cut", STS, 403, false, NULL,
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>",
      AWSRESP_BAD, "not a well-formed ErrorResponse" },
    { "sts 403 error cut at the cap", STS, 403, true, NULL,
      ERR_XML("InvalidClientTokenId", "x"), AWSRESP_BAD, "cut at the" },
    { "sts 403 two codes", STS, 403, false, NULL,
      "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Code>Throttling</Code></Error>"
      "</ErrorResponse>",
      AWSRESP_BAD, "twice" },
    { "sts 403 html proxy page", STS, 403, false, NULL,
      "<html><body><h1>403 Forbidden</h1></body></html>", AWSRESP_BAD, "root element <html>" },
    { "sts 403 empty, no header", STS, 403, false, NULL, "", AWSRESP_BAD, "empty body" },
    { "sts 403 text", STS, 403, false, NULL, "Forbidden", AWSRESP_BAD, "starts with 'F'" },
    { "sts 403 error without code", STS, 403, false, NULL,
      "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>", AWSRESP_BAD,
      "without a valid error code" },
    { "sts 403 odd code", STS, 403, false, NULL,
      "<ErrorResponse><Error><Code>Bad Code!</Code></Error></ErrorResponse>", AWSRESP_BAD,
      "without a valid error code" },
    { "sts 403 bare Error root", STS, 403, false, NULL,
      "<Error><Code>AccessDenied</Code><Message>no</Message></Error>", AWSRESP_AWS_ERROR,
      "AccessDenied" },
    { "sts 400 throttling", STS, 400, false, NULL, ERR_XML("Throttling", "Rate exceeded"),
      AWSRESP_AWS_ERROR, "Throttling" },
    { "sts 500 empty", STS, 500, false, NULL, "", AWSRESP_BAD, "empty body" },
    /* IAM */
    { "iam used", IAM, 200, false, NULL,
      IAM_BODY("<LastUsedDate>2015-03-13T10:45:00Z</LastUsedDate><ServiceName>ses</ServiceName>"
               "<Region>eu-west-1</Region>"),
      AWSRESP_OK, "ses" },
    { "iam never used", IAM, 200, false, NULL,
      IAM_BODY("<ServiceName>N/A</ServiceName><Region>N/A</Region>"), AWSRESP_OK, "N/A" },
    { "iam date with fraction", IAM, 200, false, NULL,
      IAM_BODY("<LastUsedDate>2015-03-13T10:45:00.123Z</LastUsedDate><ServiceName>s3"
               "</ServiceName><Region>us-east-1</Region>"),
      AWSRESP_OK, "s3" },
    { "iam bad date", IAM, 200, false, NULL,
      IAM_BODY("<LastUsedDate>yesterday</LastUsedDate><ServiceName>s3</ServiceName>"
               "<Region>us-east-1</Region>"),
      AWSRESP_BAD, "not a date" },
    { "iam date with garbage", IAM, 200, false, NULL,
      IAM_BODY("<LastUsedDate>2015-03-13T10:45:00Zjunk</LastUsedDate><ServiceName>s3"
               "</ServiceName><Region>us-east-1</Region>"),
      AWSRESP_BAD, "not a date" },
    { "iam tab in a field (found by fuzz_verify_response)", IAM, 200, false, NULL,
      IAM_BODY("<LastUsedDate>2015-03-13T10:45:00Z</LastUsedDate><ServiceName>s3\tx"
               "</ServiceName><Region>us-east-1</Region>"),
      AWSRESP_OK, "s3 x" },
    { "iam without Region", IAM, 200, false, NULL, IAM_BODY("<ServiceName>s3</ServiceName>"),
      AWSRESP_BAD, "Region>" },
    { "iam cut", IAM, 200, false, NULL,
      "<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult><AccessKeyLastUsed>"
      "<ServiceName>s3</ServiceName><Region>us-east-1</Region>",
      AWSRESP_BAD, "not closed" },
    { "iam 403 denied", IAM, 403, false, NULL, ERR_XML("AccessDenied", "User: x is not authorized"),
      AWSRESP_AWS_ERROR, "AccessDenied" },
    /* SES v1 */
    { "ses ok", SES, 200, false, NULL, SES_OK, AWSRESP_OK, "200" },
    { "ses not a number", SES, 200, false, NULL,
      SES_BODY("<SentLast24Hours>lots</SentLast24Hours><Max24HourSend>200.0</Max24HourSend>"
               "<MaxSendRate>1.0</MaxSendRate>"),
      AWSRESP_BAD, "not a number" },
    { "ses missing rate", SES, 200, false, NULL,
      SES_BODY("<SentLast24Hours>1</SentLast24Hours><Max24HourSend>200.0</Max24HourSend>"),
      AWSRESP_BAD, "MaxSendRate" },
    { "ses two quotas", SES, 200, false, NULL,
      SES_BODY("<SentLast24Hours>1</SentLast24Hours><Max24HourSend>200.0</Max24HourSend>"
               "<Max24HourSend>50000.0</Max24HourSend><MaxSendRate>1.0</MaxSendRate>"),
      AWSRESP_BAD, "twice" },
    /* SES v2 (JSON) */
    { "sesv2 ok", SESV2, 200, false, NULL, ACCT_OK, AWSRESP_OK, "HEALTHY" },
    { "sesv2 cut", SESV2, 200, false, NULL,
      "{\"SendingEnabled\": true, \"SendQuota\": {\"Max24Hour",
      AWSRESP_BAD, "not well-formed JSON" },
    { "sesv2 cut at the cap", SESV2, 200, true, NULL, ACCT_OK, AWSRESP_BAD, "cut at the" },
    { "sesv2 duplicate key", SESV2, 200, false, NULL,
      "{\"SendingEnabled\": true, \"SendingEnabled\": false, \"ProductionAccessEnabled\": true, "
      "\"SendQuota\": {\"Max24HourSend\": 1, \"MaxSendRate\": 1, \"SentLast24Hours\": 0}}",
      AWSRESP_BAD, "duplicate" },
    { "sesv2 trailing garbage", SESV2, 200, false, NULL, ACCT_OK " {}", AWSRESP_BAD,
      "not well-formed JSON" },
    { "sesv2 empty object", SESV2, 200, false, NULL, "{}", AWSRESP_BAD, "without" },
    { "sesv2 wrong types", SESV2, 200, false, NULL,
      "{\"SendingEnabled\": \"yes\", \"ProductionAccessEnabled\": true, \"SendQuota\": {}}",
      AWSRESP_BAD, "without" },
    { "sesv2 quota not numbers", SESV2, 200, false, NULL,
      "{\"SendingEnabled\": true, \"ProductionAccessEnabled\": true, \"SendQuota\": "
      "{\"Max24HourSend\": \"1\", \"MaxSendRate\": 1, \"SentLast24Hours\": 0}}",
      AWSRESP_BAD, "numeric SendQuota" },
    { "sesv2 odd enforcement", SESV2, 200, false, NULL,
      "{\"SendingEnabled\": true, \"ProductionAccessEnabled\": true, \"EnforcementStatus\": "
      "\"a\\nb\", \"SendQuota\": {\"Max24HourSend\": 1, \"MaxSendRate\": 1, "
      "\"SentLast24Hours\": 0}}",
      AWSRESP_BAD, "EnforcementStatus" },
    { "sesv2 200 empty", SESV2, 200, false, NULL, "", AWSRESP_BAD, "empty body" },
    { "sesv2 200 html", SESV2, 200, false, NULL, "<html><body>portal</body></html>", AWSRESP_BAD,
      "not a JSON" },
    { "sesv2 array", SESV2, 200, false, NULL, "[1, 2]", AWSRESP_BAD, "not a JSON" },
    { "sesv2 403 with header", SESV2, 403, false,
      "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/",
      "{\"message\": \"The security token included in the request is invalid.\"}",
      AWSRESP_AWS_ERROR, "UnrecognizedClientException" },
    { "sesv2 429 __type", SESV2, 429, false, NULL,
      "{\"__type\": \"com.amazon.coral.availability#TooManyRequestsException\"}",
      AWSRESP_AWS_ERROR, "TooManyRequestsException" },
    { "sesv2 403 header, no body", SESV2, 403, false, "AccessDeniedException", "",
      AWSRESP_AWS_ERROR, "AccessDeniedException" },
    { "sesv2 403 header, cut body", SESV2, 403, false, "AccessDeniedException",
      "{\"message\": \"no",
      AWSRESP_BAD, "not well-formed JSON" },
    { "sesv2 403 header, html body", SESV2, 403, false, "AccessDeniedException",
      "<html>proxy</html>", AWSRESP_BAD, "ErrorResponse" },
    { "sesv2 403 duplicate keys", SESV2, 403, false, NULL,
      "{\"__type\": \"A\", \"__type\": \"B\"}", AWSRESP_BAD, "duplicate" },
};

static enum awsresp_result run(const struct resp_case *c, char *detail, size_t n,
                               struct awsresp_error *err)
{
    struct awsresp_in in = { c->status, NULL, strlen(c->body), c->truncated, c->header };
    char *copy = malloc(in.len ? in.len : 1); /* exact length: ASan sees any overread */
    enum awsresp_result res = AWSRESP_BAD;

    if (!copy)
        return res;
    memcpy(copy, c->body, in.len);
    in.body = copy;
    detail[0] = '\0';
    switch (c->call) {
    case STS: {
        struct awsresp_sts o;
        res = awsresp_sts(&in, &o, err);
        if (res == AWSRESP_OK) {
            snprintf(detail, n, "%s", o.account);
            CHECK_STREQ(o.arn, "arn:aws:iam::123456789012:user/Alice");
            CHECK_STREQ(o.user_id, "AIDACKCEVSQ6C2EXAMPLE");
        }
        break;
    }
    case IAM: {
        struct awsresp_iam o;
        res = awsresp_iam(&in, &o, err);
        if (res == AWSRESP_OK) {
            snprintf(detail, n, "%s", o.service);
            CHECK(o.used == (strcmp(o.service, "N/A") != 0));
            CHECK(!o.used || o.last_used == 1426243500); /* 2015-03-13T10:45:00Z */
        }
        break;
    }
    case SES: {
        struct awsresp_quota o;
        res = awsresp_ses_quota(&in, &o, err);
        if (res == AWSRESP_OK) {
            snprintf(detail, n, "%.0f", o.max_24h);
            CHECK(o.max_rate == 1.0 && o.sent_24h == 10.0);
        }
        break;
    }
    case SESV2: {
        struct awsresp_account o;
        res = awsresp_sesv2_account(&in, &o, err);
        if (res == AWSRESP_OK) {
            snprintf(detail, n, "%s", o.enforcement);
            CHECK(!o.sandbox && o.sending_enabled && o.max_24h == 50000.0 &&
                  o.max_rate == 14.0 && o.sent_24h == 40000.0);
        }
        break;
    }
    }
    free(copy);
    return res;
}

static void test_awsresp__table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct resp_case *c = &cases[i];
        struct awsresp_error err;
        char detail[256];
        int before = harness_failures;
        enum awsresp_result res = run(c, detail, sizeof(detail), &err);

        CHECK(res == c->want);
        if (res == AWSRESP_OK)
            CHECK_STREQ(detail, c->detail);
        if (res == AWSRESP_AWS_ERROR)
            CHECK_STREQ(err.code, c->detail);
        if (res == AWSRESP_BAD) {
            CHECK(strstr(err.why, c->detail) != NULL);
            CHECK(err.code[0] == '\0');
        }
        if (harness_failures != before)
            fprintf(stderr, "  in case '%s': result %d, code '%s', why '%s'\n", c->label,
                    (int)res, err.code, err.why);
    }
}

/* AWS's message is one line of text in the report: newlines and control characters out;
 * UTF-8 kept, never cut inside a character. */
static void test_awsresp__message_is_one_line(void)
{
    static const char xml[] = ERR_XML("SignatureDoesNotMatch",
                                      "Signature expired:\n  20220127T001427Z &#x9;caf\xc3\xa9");
    struct awsresp_in in = { 403, xml, sizeof(xml) - 1, false, NULL };
    struct awsresp_sts o;
    struct awsresp_error err;
    char json[700];
    size_t n;

    CHECK(awsresp_sts(&in, &o, &err) == AWSRESP_AWS_ERROR);
    CHECK_STREQ(err.message, "Signature expired:   20220127T001427Z  caf\xc3\xa9");

    /* fields of an answer too; and a body that is not AWS's leaves no message at all */
    {
        static const char sts[] = STS_BODY("<Arn>arn:aws:iam::123456789012:user/A\x7f\nB</Arn>"
                                           "<UserId>U\tV</UserId><Account>123456789012</Account>");
        static const char odd[] = "<ErrorResponse><Error><Code>Invalid+Code</Code><Message>"
                                  "a\r\rb</Message></Error></ErrorResponse>";
        in = (struct awsresp_in){ 200, sts, sizeof(sts) - 1, false, NULL };
        CHECK(awsresp_sts(&in, &o, &err) == AWSRESP_OK);
        CHECK_STREQ(o.arn, "arn:aws:iam::123456789012:user/A  B");
        CHECK_STREQ(o.user_id, "U V");
        in = (struct awsresp_in){ 403, odd, sizeof(odd) - 1, false, NULL };
        CHECK(awsresp_sts(&in, &o, &err) == AWSRESP_BAD);
        CHECK_STREQ(err.message, "");
        CHECK_STREQ(err.code, "");
    }

    /* a JSON message with a control character and a long tail of 2-byte characters */
    n = (size_t)snprintf(json, sizeof(json), "{\"message\": \"a\\u0001b");
    for (size_t i = 0; i < 300; i++)
        n += (size_t)snprintf(json + n, sizeof(json) - n, "\xc3\xa9");
    n += (size_t)snprintf(json + n, sizeof(json) - n, "\"}");
    in = (struct awsresp_in){ 403, json, n, false, "Code" };
    {
        struct awsresp_account a;
        size_t l;
        CHECK(awsresp_sesv2_account(&in, &a, &err) == AWSRESP_AWS_ERROR);
        CHECK(strncmp(err.message, "a?b\xc3\xa9", 5) == 0);
        l = strlen(err.message);
        CHECK(l < sizeof(err.message) && (l - 3) % 2 == 0); /* whole characters only */
    }
}

static const struct test tests[] = {
    TEST(test_awsresp__table),
    TEST(test_awsresp__message_is_one_line),
};
HARNESS_MAIN(tests)
