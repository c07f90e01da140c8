/*
 * tests/unit/test_awsxml.c - the strict XML reader against recorded AWS response shapes
 * (AWS-NOTES §4.2, §4.4, §5.1, §6.1), and every way a body can be cut, broken or doubled
 * (issue 11, case 14: a truncated STS answer must never be an answer).
 *
 * Every body is handed over in a heap buffer of exactly its length, without a NUL, so the
 * ASan build catches any read past len; every output buffer carries a guard after
 * out_size, so a write past it shows up too.
 */
#include "verify/awsxml.h"

#include <stdbool.h>

#include "harness.h"

#define OUT_GUARD 'Z'
#define OUT_MAX 512

/* Recorded shapes. Identifiers are the AWS documentation's own examples. */
static const char sts_ok[] =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <GetCallerIdentityResult>\n"
    "    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"
    "    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"
    "    <Account>123456789012</Account>\n"
    "  </GetCallerIdentityResult>\n"
    "  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>"
    "</ResponseMetadata>\n"
    "</GetCallerIdentityResponse>\n";

/* Same answer, other element order, an XML declaration, an assumed role. */
static const char sts_ok_role[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<GetCallerIdentityResult><Account>123456789012</Account>"
    "<UserId>AROAEXAMPLEROLEID:my-session</UserId>"
    "<Arn>arn:aws:sts::123456789012:assumed-role/Deploy/my-session</Arn>"
    "</GetCallerIdentityResult></GetCallerIdentityResponse>";

/* Namespace prefixes on every element. */
static const char sts_prefixed[] =
    "<sts:GetCallerIdentityResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<sts:GetCallerIdentityResult><sts:Arn>arn:aws:iam::123456789012:root</sts:Arn>"
    "<sts:Account>123456789012</sts:Account></sts:GetCallerIdentityResult>"
    "</sts:GetCallerIdentityResponse>";

#define ERROR_BODY(ns, type, code, message)                                              \
    "<ErrorResponse xmlns=\"" ns "\">\n"                                                 \
    "  <Error><Type>" type "</Type><Code>" code "</Code>\n"                              \
    "         <Message>" message "</Message></Error>\n"                                  \
    "  <RequestId>16fc956c-311e-4199-bee1-1680236e9698</RequestId>\n"                    \
    "</ErrorResponse>\n"
#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"
#define IAM_NS "https://iam.amazonaws.com/doc/2010-05-08/"

static const char err_invalid[] = ERROR_BODY(STS_NS, "Sender", "InvalidClientTokenId",
    "The security token included in the request is invalid");
static const char err_signature[] = ERROR_BODY(STS_NS, "Sender", "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details.");
static const char err_skew[] = ERROR_BODY(STS_NS, "Sender", "SignatureDoesNotMatch",
    "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z "
    "(20220127T015928Z - 15 min.)");
static const char err_expired[] = ERROR_BODY(STS_NS, "Sender", "ExpiredToken",
    "The security token included in the request is expired");
static const char err_throttle[] = ERROR_BODY(STS_NS, "Sender", "Throttling", "Rate exceeded");
static const char err_denied[] = ERROR_BODY(IAM_NS, "Sender", "AccessDenied",
    "User: arn:aws:iam::123456789012:user/Bob is not authorized to perform: "
    "iam:GetAccessKeyLastUsed on resource: user Bob");

static const char iam_used[] =
    "<GetAccessKeyLastUsedResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <GetAccessKeyLastUsedResult>\n"
    "    <AccessKeyLastUsed><LastUsedDate>2015-03-13T10:45:00Z</LastUsedDate>\n"
    "      <ServiceName>s3</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed>\n"
    "    <UserName>Bob</UserName>\n"
    "  </GetAccessKeyLastUsedResult>\n"
    "  <ResponseMetadata><RequestId>510a5e3b-6f38-11e5-9d8c-0c4b7a1d8a06</RequestId>"
    "</ResponseMetadata>\n"
    "</GetAccessKeyLastUsedResponse>\n";

/* Never used: no LastUsedDate, ServiceName and Region are "N/A". */
static const char iam_never[] =
    "<GetAccessKeyLastUsedResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <GetAccessKeyLastUsedResult>\n"
    "    <AccessKeyLastUsed>\n"
    "      <ServiceName>N/A</ServiceName>\n"
    "      <Region>N/A</Region>\n"
    "    </AccessKeyLastUsed>\n"
    "    <UserName>Alice</UserName>\n"
    "  </GetAccessKeyLastUsedResult>\n"
    "  <ResponseMetadata><RequestId>510a5e3b-6f38-11e5-9d8c-0c4b7a1d8a07</RequestId>"
    "</ResponseMetadata>\n"
    "</GetAccessKeyLastUsedResponse>\n";

static const char ses_quota[] =
    "<GetSendQuotaResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n"
    "  <GetSendQuotaResult>\n"
    "    <SentLast24Hours>0.0</SentLast24Hours><Max24HourSend>200.0</Max24HourSend>"
    "<MaxSendRate>1.0</MaxSendRate>\n"
    "  </GetSendQuotaResult>\n"
    "  <ResponseMetadata><RequestId>273021c6-c866-11e0-b926-699e21c3af9e</RequestId>"
    "</ResponseMetadata>\n"
    "</GetSendQuotaResponse>\n";

/* What a hotel or airport network answers instead of AWS. */
static const char captive_portal[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Guest Wi-Fi</title></head>\n"
    "<body><h1>Welcome</h1><p>Accept the terms to continue.</p>\n"
    "<form method=\"post\" action=\"/login\"><input type=\"submit\" value=\"Accept\"></form>\n"
    "<!-- <ErrorResponse> is not what this is -->\n"
    "<div><Error><Code>portal</Code></Error></div></body></html>\n";

/* awsxml_read of one field on an exact-length heap copy; checks NUL termination, the
 * guard bytes after out_size, and that a failure always says why. */
static bool test_awsxml_read1(const char *xml, size_t len, const char *root, const char *path,
                              char *out, size_t out_size, char *why, size_t why_size)
{
    char *copy = malloc(len ? len : 1);
    char buf[OUT_MAX + 16], reason[256];
    struct awsxml_field f = { path, buf, out_size, 7 };
    bool ok;

    CHECK(copy != NULL && out_size <= OUT_MAX && out_size > 0);
    if (!copy)
        return false;
    if (len)
        memcpy(copy, xml, len);
    memset(buf, OUT_GUARD, sizeof(buf));
    memset(reason, OUT_GUARD, sizeof(reason));
    ok = awsxml_read(copy, len, root, &f, 1, reason, sizeof(reason));
    free(copy);
    CHECK(memchr(buf, '\0', out_size) != NULL);
    for (size_t i = out_size; i < sizeof(buf); i++)
        CHECK(buf[i] == OUT_GUARD);
    CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
    CHECK(ok ? reason[0] == '\0' : reason[0] != '\0');
    CHECK(f.count <= 1);
    CHECK(f.count == 1 || buf[0] == '\0');
    if (memchr(buf, '\0', out_size))
        memcpy(out, buf, strlen(buf) + 1);
    if (why && memchr(reason, '\0', sizeof(reason)))
        snprintf(why, why_size, "%s", reason);
    return ok && f.count == 1;
}

struct read_case {
    const char *label;
    const char *xml;
    const char *root;
    const char *path;
    const char *want; /* NULL: well-formed, but the field is absent */
};

static void test_awsxml_check_table(const struct read_case *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[OUT_MAX], why[256] = "";
        int before = harness_failures;
        bool found;

        memcpy(out, "stale", 6);
        found = test_awsxml_read1(t[i].xml, strlen(t[i].xml), t[i].root, t[i].path, out,
                                  sizeof(out), why, sizeof(why));
        CHECK(found == (t[i].want != NULL));
        CHECK_STREQ(out, t[i].want ? t[i].want : "");
        if (!t[i].want)
            CHECK_STREQ(why, ""); /* absent, but the document is fine */
        if (harness_failures != before)
            fprintf(stderr, "  in case '%s' (%s: %s) why '%s'\n", t[i].label, t[i].root,
                    t[i].path, why);
    }
}

#define TABLE(t) test_awsxml_check_table((t), sizeof(t) / sizeof((t)[0]))

#define STS "GetCallerIdentityResponse"
#define IAM "GetAccessKeyLastUsedResponse"
#define SES "GetSendQuotaResponse"
#define ERR "ErrorResponse"

static const struct read_case recorded_cases[] = {
    { "sts", sts_ok, STS, "GetCallerIdentityResult/Arn", "arn:aws:iam::123456789012:user/Alice" },
    { "sts", sts_ok, STS, "GetCallerIdentityResult/UserId", "AIDACKCEVSQ6C2EXAMPLE" },
    { "sts", sts_ok, STS, "GetCallerIdentityResult/Account", "123456789012" },
    { "sts", sts_ok, STS, "ResponseMetadata/RequestId", "01234567-89ab-cdef-0123-456789abcdef" },
    { "sts", sts_ok, STS, "ResponseMetadata/Arn", NULL },
    { "sts", sts_ok, STS, "Arn", NULL }, /* paths are exact */
    { "sts", sts_ok, STS, "Error/Code", NULL },
    { "sts role", sts_ok_role, STS, "GetCallerIdentityResult/Arn",
      "arn:aws:sts::123456789012:assumed-role/Deploy/my-session" },
    { "sts role", sts_ok_role, STS, "GetCallerIdentityResult/UserId",
      "AROAEXAMPLEROLEID:my-session" },
    { "sts role", sts_ok_role, STS, "GetCallerIdentityResult/Account", "123456789012" },
    { "sts prefixed", sts_prefixed, STS, "GetCallerIdentityResult/Arn",
      "arn:aws:iam::123456789012:root" },
    { "sts prefixed", sts_prefixed, STS, "GetCallerIdentityResult/Account", "123456789012" },
    { "sts prefixed", sts_prefixed, STS, "GetCallerIdentityResult/sts:Arn", NULL },
    { "invalid", err_invalid, ERR, "Error/Code", "InvalidClientTokenId" },
    { "invalid", err_invalid, ERR, "Error/Type", "Sender" },
    { "invalid", err_invalid, ERR, "Error/Message",
      "The security token included in the request is invalid" },
    { "invalid", err_invalid, ERR, "RequestId", "16fc956c-311e-4199-bee1-1680236e9698" },
    { "invalid", err_invalid, ERR, "Error/RequestId", NULL },
    { "signature", err_signature, ERR, "Error/Code", "SignatureDoesNotMatch" },
    { "skew", err_skew, ERR, "Error/Message",
      "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z "
      "(20220127T015928Z - 15 min.)" },
    { "expired", err_expired, ERR, "Error/Code", "ExpiredToken" },
    { "throttle", err_throttle, ERR, "Error/Message", "Rate exceeded" },
    { "denied", err_denied, ERR, "Error/Code", "AccessDenied" },
    { "iam used", iam_used, IAM, "GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate",
      "2015-03-13T10:45:00Z" },
    { "iam used", iam_used, IAM, "GetAccessKeyLastUsedResult/AccessKeyLastUsed/ServiceName",
      "s3" },
    { "iam used", iam_used, IAM, "GetAccessKeyLastUsedResult/AccessKeyLastUsed/Region",
      "us-east-1" },
    { "iam used", iam_used, IAM, "GetAccessKeyLastUsedResult/UserName", "Bob" },
    { "iam used", iam_used, IAM, "GetAccessKeyLastUsedResult/AccessKeyLastUsed/UserName", NULL },
    { "iam never", iam_never, IAM,
      "GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate", NULL },
    { "iam never", iam_never, IAM, "GetAccessKeyLastUsedResult/AccessKeyLastUsed/ServiceName",
      "N/A" },
    { "ses", ses_quota, SES, "GetSendQuotaResult/Max24HourSend", "200.0" },
    { "ses", ses_quota, SES, "GetSendQuotaResult/MaxSendRate", "1.0" },
    { "ses", ses_quota, SES, "GetSendQuotaResult/SentLast24Hours", "0.0" },
};

static const struct read_case shape_cases[] = {
    /* Entities: the five predefined ones and character references, decimal and hex. */
    { "entities", "<R><M>a &amp; b &lt;c&gt; &quot;q&quot; &apos;s&apos;</M></R>", "R", "M",
      "a & b <c> \"q\" 's'" },
    { "char refs", "<R><M>&#x2F;&#47;&#x2f;|&#233;|&#x20AC;|&#x1F600;</M></R>", "R", "M",
      "///|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80" },
    { "arn with refs", "<R><Arn>arn:aws:iam::123456789012:user&#x2F;division&#47;Bob</Arn></R>",
      "R", "Arn", "arn:aws:iam::123456789012:user/division/Bob" },
    { "entity at the end", "<R><M>x&amp;</M></R>", "R", "M", "x&" },
    { "utf-8 text", "<R><M>caf\xc3\xa9 \xe2\x82\xac</M></R>", "R", "M",
      "caf\xc3\xa9 \xe2\x82\xac" },
    /* CDATA is copied as is, entities inside it included. */
    { "cdata", "<R><Message><![CDATA[a <b> & &amp; c]]></Message></R>", "R", "Message",
      "a <b> & &amp; c" },
    { "cdata mixed", "<R><M>x<![CDATA[<y>]]>&amp;z<![CDATA[]]></M></R>", "R", "M", "x<y>&z" },
    { "cdata ]] inside", "<R><M><![CDATA[a]]b]>c]]></M></R>", "R", "M", "a]]b]>c" },
    /* Paths: exact, through same-named elements, prefixes ignored. */
    { "deep", "<R><A><B><C>c</C></B></A></R>", "R", "A/B/C", "c" },
    { "not at this depth", "<R><A><X><B><C>c</C></B></X></A></R>", "R", "A/B/C", NULL },
    { "same name nested", "<R><Error><Error><Code>In</Code></Error></Error></R>", "R",
      "Error/Error/Code", "In" },
    { "same name outer", "<R><Error><Error><Code>In</Code></Error></Error></R>", "R",
      "Error/Code", NULL },
    { "prefixed path", "<x:R xmlns:x=\"u\"><x:A><y:B>b</y:B></x:A></x:R>", "R", "A/B", "b" },
    { "name boundaries", "<R><ArnX>no</ArnX><Ar>no</Ar><Arn>yes</Arn></R>", "R", "Arn", "yes" },
    { "attributes", "<R><Code lang=\"en\"\tx='1' y = \"&amp;\">c</Code></R>", "R", "Code", "c" },
    { "newline in tags", "<R\n><Code\n>c</Code\n></R >", "R", "Code", "c" },
    { "prolog and epilog", "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->"
      "<?pi x?>\n<R><Code>c</Code></R>\n<!-- bye -->\n", "R", "Code", "c" },
    { "comments elsewhere", "<R><!-- a --><A><!-- b --><Code>c</Code></A></R>", "R", "A/Code",
      "c" },
    /* Self-closing and empty elements give "". */
    { "self-closing", "<R><A><LastUsedDate/></A></R>", "R", "A/LastUsedDate", "" },
    { "self-closing space", "<R><LastUsedDate /></R>", "R", "LastUsedDate", "" },
    { "self-closing prefixed", "<R><a:LastUsedDate/></R>", "R", "LastUsedDate", "" },
    { "empty", "<R><Arn></Arn></R>", "R", "Arn", "" },
    { "blank", "<R><Arn> \t\r\n </Arn></R>", "R", "Arn", "" },
    { "self-closing parent", "<R><A/><Region>r</Region></R>", "R", "A/Region", NULL },
    { "self-closing root", "<R/>", "R", "A", NULL },
    { "trimmed", "<R><Arn>\n   arn:aws:iam::123456789012:root \t\r\n</Arn></R>", "R", "Arn",
      "arn:aws:iam::123456789012:root" },
    { "inner space kept", "<R><M>  a  b  </M></R>", "R", "M", "a  b" },
};

static void test_awsxml__recorded_responses(void)
{
    TABLE(recorded_cases);
}

static void test_awsxml__shapes(void)
{
    TABLE(shape_cases);
}

struct bad_case {
    const char *label;
    const char *xml; /* NULL for the binary cases, given with a length */
    const char *root;
    const char *path;
    const char *why; /* a substring of the reason */
};

/* issue 11 (14): STS cut after "<Account>1234", with no closing tag - once read as live. */
static const char sts_cut_account[] =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <GetCallerIdentityResult>\n"
    "    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"
    "    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"
    "    <Account>1234";

static const struct bad_case bad_cases[] = {
    { "issue 11: sts cut in <Account>", sts_cut_account, STS, "GetCallerIdentityResult/Arn",
      "<Account> not closed" },
    { "sts without its last end tag", "<GetCallerIdentityResponse><GetCallerIdentityResult>"
      "<Arn>a</Arn></GetCallerIdentityResult>", STS, "GetCallerIdentityResult/Arn",
      "<GetCallerIdentityResponse> not closed" },
    { "duplicate, other values", "<R><A><Account>111111111111</Account>"
      "<Account>222222222222</Account></A></R>", "R", "A/Account", "twice" },
    { "duplicate, same value", "<R><A><Account>1</Account><Account>1</Account></A></R>", "R",
      "A/Account", "twice" },
    { "duplicate via the parent", "<R><A><Arn>x</Arn></A><A><Arn>y</Arn></A></R>", "R", "A/Arn",
      "twice" },
    { "duplicate, one self-closing", "<R><Arn>x</Arn><Arn/></R>", "R", "Arn", "twice" },
    { "field holds an element", "<R><Arn>x<b>y</b></Arn></R>", "R", "Arn", "holds an element" },
    { "field holds a comment", "<R><Arn>x<!-- y --></Arn></R>", "R", "Arn", "markup" },
    { "wrong root", "<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>", STS,
      "GetCallerIdentityResult/Arn", "root element <ErrorResponse>, not" },
    { "root Error for ErrorResponse", "<Error><Code>X</Code></Error>", ERR, "Error/Code",
      "root element <Error>" },
    { "root name prefix", "<ErrorResponses/>", ERR, "Error/Code", "root element" },
    { "html page", captive_portal, STS, "GetCallerIdentityResult/Arn", "DOCTYPE" },
    { "html without doctype", "<html><body><h1>Forbidden</h1></body></html>", STS,
      "GetCallerIdentityResult/Arn", "root element <html>" },
    { "html, void element", "<html><body><br></body></html>", "html", "x",
      "</body> closes <br>" },
    { "json", "{\"Error\":{\"Code\":\"Throttling\"}}", ERR, "Error/Code", "not XML" },
    { "text", "InvalidClientTokenId", ERR, "Error/Code", "not XML" },
    { "empty", "", ERR, "Error/Code", "empty body" },
    { "blank", " \r\n\t", ERR, "Error/Code", "no element" },
    { "only a declaration", "<?xml version=\"1.0\"?>", ERR, "Error/Code", "no element" },
    { "text after the root", "<R><A>a</A></R>trailing", "R", "A", "after the root" },
    { "second root", "<R><A>a</A></R><R/>", "R", "A", "after the root" },
    { "mismatched end tag", "<R><A>a</B></R>", "R", "A", "</B> closes <A>" },
    { "prefix mismatch", "<x:R><A>a</A></y:R>", "R", "A", "</y:R> closes <x:R>" },
    { "end tag cut", "<R><A>a</A></R", "R", "A", "cut at the end" },
    { "end tag cut after slash", "<R><A>a</A></", "R", "A", "cut at the end" },
    { "start tag cut", "<R><A attr=\"x", "R", "A", "cut at the end" },
    { "lone angle", "<", "R", "A", "cut at the end" },
    { "close only", "</R>", "R", "A", "bad name" },
    { "bare ampersand", "<R><A>a & b</A></R>", "R", "A", "reference" },
    { "undeclared entity", "<R><A>&nbsp;</A></R>", "R", "A", "undeclared entity" },
    { "cut reference", "<R><A>x&amp</A></R>", "R", "A", "reference" },
    { "char ref zero", "<R><A>&#0;</A></R>", "R", "A", "does not allow" },
    { "char ref control", "<R><A>&#x1;</A></R>", "R", "A", "does not allow" },
    { "char ref surrogate", "<R><A>&#xD800;</A></R>", "R", "A", "does not allow" },
    { "char ref too big", "<R><A>&#x110000;</A></R>", "R", "A", "does not allow" },
    { "char ref uppercase X", "<R><A>&#X41;</A></R>", "R", "A", "reference" },
    { "char ref empty", "<R><A>&#;&#x;</A></R>", "R", "A", "reference" },
    { "char ref too long", "<R><A>&#x000000000041;</A></R>", "R", "A", "reference" },
    { "control character", "<R><A>a\x01</A></R>", "R", "A", "control character 0x01" },
    { "]]> in text", "<R><A>a]]>b</A></R>", "R", "A", "']]>'" },
    { "unquoted attribute", "<R a=1><A/></R>", "R", "A", "not quoted" },
    { "attribute without value", "<R a><A/></R>", "R", "A", "without a value" },
    { "< in attribute", "<R a=\"<\"><A/></R>", "R", "A", "'<' in an attribute" },
    { "attributes not apart", "<R a=\"1\"b=\"2\"><A/></R>", "R", "A", "bad character" },
    { "bad slash", "<R/ ><A/></R>", "R", "A", "bad '/'" },
    { "two colons", "<a:b:R/>", "R", "A", "bad name" },
    { "digit name", "<1R/>", "R", "A", "bad name" },
    { "doctype", "<!DOCTYPE R><R/>", "R", "A", "DOCTYPE" },
    { "declaration inside", "<R><!ENTITY x \"y\"></R>", "R", "A", "declaration inside" },
    { "comment not closed", "<R><!-- x </R>", "R", "A", "comment not closed" },
    { "-- in comment", "<R><!-- a -- b --></R>", "R", "A", "'--' inside a comment" },
    { "cdata not closed", "<R><A><![CDATA[abc</A></R>", "R", "A", "CDATA section not closed" },
    { "pi not closed", "<R><?pi x</R>", "R", "A", "not closed" },
    { "xml declaration later", "<!-- x --><?xml version=\"1.0\"?><R/>", "R", "A",
      "XML declaration not at the start" },
    { "not utf-8", "<R><A>caf\xe9</A></R>", "R", "A", "not UTF-8 at byte 9" },
    { "overlong utf-8", "<R><A>\xc0\xaf</A></R>", "R", "A", "not UTF-8" },
    { "utf-8 surrogate", "<R><A>\xed\xa0\x80</A></R>", "R", "A", "not UTF-8" },
    { "cut utf-8", "<R><A>\xe2\x82", "R", "A", "not UTF-8" },
};

static void test_awsxml__not_well_formed(void)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        char out[OUT_MAX], why[256] = "";
        int before = harness_failures;

        CHECK(!test_awsxml_read1(c->xml, strlen(c->xml), c->root, c->path, out, sizeof(out), why,
                                 sizeof(why)));
        CHECK(strstr(why, c->why) != NULL);
        if (harness_failures != before)
            fprintf(stderr, "  in case '%s': why '%s'\n", c->label, why);
    }
}

/* A NUL inside the body is a control character, wherever it is. */
static void test_awsxml__nul_byte(void)
{
    static const char xml[] = "<R><A>a\0b</A></R>";
    char out[OUT_MAX], why[256];

    CHECK(!test_awsxml_read1(xml, sizeof(xml) - 1, "R", "A", out, sizeof(out), why, sizeof(why)));
    CHECK(strstr(why, "control character 0x00 at byte 7") != NULL);
}

/* Nesting is bounded: 32 levels are fine, 33 are refused (no recursion either way). */
static void test_awsxml__depth(void)
{
    char xml[1024], out[OUT_MAX], why[256];
    size_t o = 0;

    for (int levels = 32; levels <= 33; levels++) {
        o = 0;
        for (int i = 0; i < levels; i++)
            o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<%s>", i ? "a" : "R");
        for (int i = levels - 1; i >= 0; i--)
            o += (size_t)snprintf(xml + o, sizeof(xml) - o, "</%s>", i ? "a" : "R");
        (void)test_awsxml_read1(xml, o, "R", "zzz", out, sizeof(out), why, sizeof(why));
        if (levels == 32)
            CHECK_STREQ(why, "");
        else
            CHECK(strstr(why, "nested deeper than 32") != NULL);
    }
}

/* Every prefix of a recorded body is refused until its root element is closed; from
 * there on (the trailing newline) it is accepted with every field. No read past len. */
static void test_awsxml__truncated_bodies(void)
{
    static const struct {
        const char *xml, *root, *path, *value;
    } bodies[] = {
        { sts_ok, STS, "GetCallerIdentityResult/Account", "123456789012" },
        { sts_ok_role, STS, "GetCallerIdentityResult/Arn",
          "arn:aws:sts::123456789012:assumed-role/Deploy/my-session" },
        { err_skew, ERR, "Error/Message",
          "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z "
          "(20220127T015928Z - 15 min.)" },
        { iam_used, IAM, "GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate",
          "2015-03-13T10:45:00Z" },
        { ses_quota, SES, "GetSendQuotaResult/MaxSendRate", "1.0" },
    };

    for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
        const char *xml = bodies[b].xml;
        size_t full = strlen(xml), need;
        char close[64], out[OUT_MAX], why[256];
        const char *at;

        snprintf(close, sizeof(close), "</%s>", bodies[b].root);
        at = strstr(xml, close);
        CHECK(at != NULL);
        if (!at)
            continue;
        need = (size_t)(at - xml) + strlen(close);
        for (size_t len = 0; len <= full; len++) {
            int before = harness_failures;
            bool ok = test_awsxml_read1(xml, len, bodies[b].root, bodies[b].path, out,
                                        sizeof(out), why, sizeof(why));
            CHECK(ok == (len >= need));
            CHECK_STREQ(out, ok ? bodies[b].value : "");
            if (harness_failures != before) {
                fprintf(stderr, "  body %zu cut at %zu: %s\n", b, len, why);
                break;
            }
        }
    }
}

/* out_size bounds the copy; an entity or character reference is never split. */
static void test_awsxml__out_size_truncation(void)
{
    static const char xml[] = "<R><Arn>arn:aws:iam::123456789012:user/Alice</Arn></R>";
    static const char refs[] = "<R><M>ab&amp;cd&#x1F600;e</M></R>";
    static const char cdata[] = "<R><M><![CDATA[abcdef]]>gh</M></R>";
    static const struct {
        const char *xml;
        size_t out_size;
        const char *want;
    } cases[] = {
        { xml, 1, "" },
        { xml, 2, "a" },
        { xml, 4, "arn" },
        { xml, 36, "arn:aws:iam::123456789012:user/Alic" },
        { xml, 37, "arn:aws:iam::123456789012:user/Alice" },
        { xml, 38, "arn:aws:iam::123456789012:user/Alice" },
        { refs, 3, "ab" },
        { refs, 4, "ab&" },
        { refs, 6, "ab&cd" },
        { refs, 7, "ab&cd" },
        { refs, 9, "ab&cd" },
        { refs, 10, "ab&cd\xf0\x9f\x98\x80" },
        { refs, 11, "ab&cd\xf0\x9f\x98\x80" "e" },
        { cdata, 4, "abc" },
        { cdata, 7, "abcdef" },
        { cdata, 8, "abcdefg" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[OUT_MAX];
        int before = harness_failures;
        CHECK(test_awsxml_read1(cases[i].xml, strlen(cases[i].xml), "R",
                                cases[i].xml == xml ? "Arn" : "M", out, cases[i].out_size, NULL,
                                0));
        CHECK_STREQ(out, cases[i].want);
        CHECK(strlen(out) < cases[i].out_size);
        if (harness_failures != before)
            fprintf(stderr, "  case %zu (out_size %zu)\n", i, cases[i].out_size);
    }
}

/* Several fields at once; bad arguments are refused with a reason, never a crash. */
static void test_awsxml__fields_and_arguments(void)
{
    char a[64], b[64], c[64], why[128];
    struct awsxml_field f[3] = {
        { "GetCallerIdentityResult/Arn", a, sizeof(a), 9 },
        { "GetCallerIdentityResult/Account", b, sizeof(b), 9 },
        { "ResponseMetadata/Nothing", c, sizeof(c), 9 },
    };
    struct awsxml_field many[AWSXML_MAX_FIELDS + 1];

    CHECK(awsxml_read(sts_ok, strlen(sts_ok), STS, f, 3, why, sizeof(why)));
    CHECK(f[0].count == 1 && f[1].count == 1 && f[2].count == 0);
    CHECK_STREQ(a, "arn:aws:iam::123456789012:user/Alice");
    CHECK_STREQ(b, "123456789012");
    CHECK_STREQ(c, "");
    CHECK(awsxml_read(sts_ok, strlen(sts_ok), STS, NULL, 0, why, sizeof(why)));

    CHECK(!awsxml_read(NULL, 5, STS, f, 3, why, sizeof(why)));
    CHECK(strstr(why, "empty body") != NULL);
    CHECK(!awsxml_read(sts_ok, strlen(sts_ok), NULL, f, 3, why, sizeof(why)));
    CHECK(why[0] != '\0');
    f[2].path = "A//B";
    CHECK(!awsxml_read(sts_ok, strlen(sts_ok), STS, f, 3, why, sizeof(why)));
    CHECK(strstr(why, "bad field path") != NULL);
    f[2].path = "A/";
    CHECK(!awsxml_read(sts_ok, strlen(sts_ok), STS, f, 3, why, sizeof(why)));
    f[2].path = "A/B/C/D/E/F/G";
    CHECK(!awsxml_read(sts_ok, strlen(sts_ok), STS, f, 3, why, sizeof(why)));
    f[2].path = NULL;
    CHECK(!awsxml_read(sts_ok, strlen(sts_ok), STS, f, 3, why, sizeof(why)));
    for (size_t i = 0; i < AWSXML_MAX_FIELDS + 1; i++)
        many[i] = (struct awsxml_field){ "A", a, sizeof(a), 0 };
    CHECK(!awsxml_read(sts_ok, strlen(sts_ok), STS, many, AWSXML_MAX_FIELDS + 1, why,
                       sizeof(why)));
    CHECK(strstr(why, "more than") != NULL);
    /* why_size 0: nothing is written there */
    CHECK(!awsxml_read("<", 1, "R", NULL, 0, why, 0));
}

/* Element names in reasons come from the body: unusual bytes are not copied out. */
static void test_awsxml__reason_is_safe(void)
{
    static const char xml[] = "<R><A\xc3\xa9\"\\>x</A\xc3\xa9\"\\></R>";
    char why[256];

    CHECK(!awsxml_read(xml, strlen(xml), "R", NULL, 0, why, sizeof(why)));
    for (const char *p = why; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f && *p != '"' && *p != '\\');
}

static const struct test tests[] = {
    TEST(test_awsxml__recorded_responses),
    TEST(test_awsxml__shapes),
    TEST(test_awsxml__not_well_formed),
    TEST(test_awsxml__nul_byte),
    TEST(test_awsxml__depth),
    TEST(test_awsxml__truncated_bodies),
    TEST(test_awsxml__out_size_truncation),
    TEST(test_awsxml__fields_and_arguments),
    TEST(test_awsxml__reason_is_safe),
};
HARNESS_MAIN(tests)
