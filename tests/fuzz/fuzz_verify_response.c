/*
 * fuzz_verify_response - the first byte picks an HTTP status, the transport-cap flag and
 * an x-amzn-ErrorType header; the rest is the body. Every awsresp_* reader (STS, IAM,
 * SES v1 XML: GetSendQuota, GetSendStatistics; SES v2 JSON: GetAccount,
 * ListEmailIdentities, GetEmailIdentityPolicies and the policies inside; and the XML/JSON
 * error bodies behind them) must give one of
 * its three results: OK only for a 2xx answer that was not cut, an AWS error only with a
 * code of AWS's alphabet, BAD only with a reason; every string NUL-terminated in its
 * buffer and free of control characters (it goes into reports).
 */
#include <string.h>

#include "base/limits.h"
#include "fuzz.h"
#include "verify/awsresp.h"

static const long statuses[8] = { 200, 204, 400, 403, 429, 500, 503, 301 };
static const char *const headers[4] = {
    "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/",
    "TooManyRequestsException", "", ":\x01\xff",
};

static void fuzz_text(const char *s, size_t cap)
{
    FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
}

static void fuzz_result(const struct awsresp_in *in, enum awsresp_result res,
                        const struct awsresp_error *err)
{
    FUZZ_CHECK(res == AWSRESP_OK || res == AWSRESP_AWS_ERROR || res == AWSRESP_BAD);
    fuzz_text(err->code, sizeof(err->code));
    fuzz_text(err->message, sizeof(err->message));
    fuzz_text(err->why, sizeof(err->why));
    if (res == AWSRESP_OK)
        FUZZ_CHECK(in->status >= 200 && in->status <= 299 && !in->truncated);
    if (res == AWSRESP_AWS_ERROR)
        FUZZ_CHECK(err->code[0] && strspn(err->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                                     "opqrstuvwxyz0123456789._-") ==
                                       strlen(err->code) &&
                   !(in->status >= 200 && in->status <= 299));
    if (res == AWSRESP_BAD)
        FUZZ_CHECK(err->why[0] != '\0');
}

/* The SES sending-evidence readers (issue 18): lists bounded, every string report-safe,
 * a policy's verdict one of three. */
static void fuzz_evidence(const struct awsresp_in *in)
{
    struct awsresp_error err;
    struct awsresp_stats st;
    struct awsresp_identities ids;
    struct awsresp_policies pols;
    struct awsresp_policy one;
    enum awsresp_result res;

    res = awsresp_ses_stats(in, &st, &err);
    fuzz_result(in, res, &err);
    FUZZ_CHECK(res == AWSRESP_OK || (st.points == NULL && st.n == 0));
    FUZZ_CHECK(st.n <= LIMIT_SES_DATA_POINTS);
    awsresp_stats_release(&st);
    res = awsresp_sesv2_identities(in, &ids, &err);
    fuzz_result(in, res, &err);
    for (size_t i = 0; res == AWSRESP_OK && i < ids.n; i++) {
        fuzz_text(ids.items[i].name, sizeof(ids.items[i].name));
        FUZZ_CHECK(ids.items[i].name[0] && !strchr(ids.items[i].name, ' '));
    }
    FUZZ_CHECK(!strchr(ids.next_token, '&') && !strchr(ids.next_token, ' '));
    awsresp_identities_release(&ids);
    res = awsresp_sesv2_policies(in, "123456789012", &pols, &err);
    fuzz_result(in, res, &err);
    FUZZ_CHECK(pols.n <= LIMIT_SES_POLICIES);
    for (size_t i = 0; res == AWSRESP_OK && i < pols.n; i++) {
        FUZZ_CHECK(pols.items[i].open >= -1 && pols.items[i].open <= 1);
        fuzz_text(pols.items[i].principals, sizeof(pols.items[i].principals));
        fuzz_text(pols.items[i].conditions, sizeof(pols.items[i].conditions));
        fuzz_text(pols.items[i].why, sizeof(pols.items[i].why));
    }
    awsresp_policies_release(&pols);
    awsresp_policy_read(in->body, in->len, NULL, &one);
    FUZZ_CHECK(one.open >= -1 && one.open <= 1 && one.why[0]);
    fuzz_text(one.principals, sizeof(one.principals));
    fuzz_text(one.conditions, sizeof(one.conditions));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct awsresp_in in;
    struct awsresp_error err;
    struct awsresp_sts sts;
    struct awsresp_iam iam;
    struct awsresp_quota q;
    struct awsresp_account acct;
    enum awsresp_result res;

    if (size == 0)
        return 0;
    in.status = statuses[data[0] & 7];
    in.truncated = (data[0] & 8) != 0;
    in.error_type = data[0] & 16 ? headers[(data[0] >> 5) & 3] : NULL;
    in.body = (const char *)data + 1;
    in.len = size - 1;

    res = awsresp_sts(&in, &sts, &err);
    fuzz_result(&in, res, &err);
    if (res == AWSRESP_OK) {
        FUZZ_CHECK(strlen(sts.account) == 12 && strspn(sts.account, "0123456789") == 12);
        FUZZ_CHECK(strncmp(sts.arn, "arn:", 4) == 0 && sts.user_id[0]);
        fuzz_text(sts.arn, sizeof(sts.arn));
        fuzz_text(sts.user_id, sizeof(sts.user_id));
    }
    res = awsresp_iam(&in, &iam, &err);
    fuzz_result(&in, res, &err);
    if (res == AWSRESP_OK) {
        FUZZ_CHECK(iam.service[0] && iam.region[0]);
        fuzz_text(iam.service, sizeof(iam.service));
        fuzz_text(iam.region, sizeof(iam.region));
    }
    res = awsresp_ses_quota(&in, &q, &err);
    fuzz_result(&in, res, &err);
    res = awsresp_sesv2_account(&in, &acct, &err);
    fuzz_result(&in, res, &err);
    if (res == AWSRESP_OK) {
        fuzz_text(acct.enforcement, sizeof(acct.enforcement));
        fuzz_text(acct.review_status, sizeof(acct.review_status));
        fuzz_text(acct.review_case_id, sizeof(acct.review_case_id));
        fuzz_text(acct.suppressed, sizeof(acct.suppressed));
    }
    fuzz_evidence(&in);
    return 0;
}
