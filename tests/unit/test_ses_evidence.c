/*
 * tests/unit/test_ses_evidence.c - the SES sending evidence (issue 18): the strict
 * readers of GetSendStatistics (an XML list), sesv2 ListEmailIdentities,
 * GetEmailIdentityPolicies and GetAccount's details; what a sending-authorization
 * policy allows (a table of policies); how two weeks of statistics are summed up
 * (rates, thresholds, the first unusual interval). Malformed answers are AWSRESP_BAD,
 * never a partial answer.
 */
#include "verify/awsresp.h"
#include "base/limits.h"
#include "verify/awsxml.h"
#include "verify/sesstats.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define STATS(members)                                                                     \
    "<GetSendStatisticsResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n"      \
    "  <GetSendStatisticsResult>\n    <SendDataPoints>" members "</SendDataPoints>\n"       \
    "  </GetSendStatisticsResult>\n"                                                       \
    "  <ResponseMetadata><RequestId>x</RequestId></ResponseMetadata>\n"                    \
    "</GetSendStatisticsResponse>\n"

#define MEMBER(ts, a, b, c, r)                                                             \
    "<member><DeliveryAttempts>" a "</DeliveryAttempts><Timestamp>" ts "</Timestamp>"      \
    "<Rejects>" r "</Rejects><Bounces>" b "</Bounces><Complaints>" c "</Complaints></member>"

static struct awsresp_in ok_in(const char *body)
{
    return (struct awsresp_in){ 200, body, strlen(body), false, NULL };
}

static void test_ses_evidence__statistics(void)
{
    static const char good[] = STATS(MEMBER("2026-12-01T10:15:00Z", "8", "1", "0", "0")
                                         MEMBER("2026-12-01T10:30:00Z", "12", "0", "1", "2"));
    static const char empty[] = STATS("");
    static const struct {
        const char *body;
        const char *why;
    } bad[] = {
        { STATS(MEMBER("2026-12-01T10:15:00Z", "8", "1", "0", "0")
                    "<member><DeliveryAttempts>3</DeliveryAttempts></member>"),
          "without <Timestamp>" },
        { STATS(MEMBER("2026-12-01T10:15:00Z", "-8", "1", "0", "0")), "bad timestamp or count" },
        { STATS(MEMBER("yesterday", "8", "1", "0", "0")), "bad timestamp or count" },
        { STATS("<member><DeliveryAttempts>1</DeliveryAttempts><DeliveryAttempts>2"
                "</DeliveryAttempts><Timestamp>2026-12-01T10:15:00Z</Timestamp><Rejects>0"
                "</Rejects><Bounces>0</Bounces><Complaints>0</Complaints></member>"),
          "appears twice" },
        { "<GetSendStatisticsResponse><GetSendStatisticsResult></GetSendStatisticsResult>"
          "</GetSendStatisticsResponse>",
          "without <SendDataPoints>" },
        { STATS(MEMBER("2026-12-01T10:15:00Z", "8", "1", "0", "0")) "<Extra/>", "after the root" },
        { "<GetSendStatisticsResponse><GetSendStatisticsResult><SendDataPoints><member>"
          "<DeliveryAttempts>8",
          "not closed" },
    };
    struct awsresp_stats s;
    struct awsresp_error err;
    struct awsresp_in in = ok_in(good);
    static char big[400000];
    size_t n;

    CHECK(awsresp_ses_stats(&in, &s, &err) == AWSRESP_OK);
    CHECK(s.n == 2 && s.points[0].attempts == 8 && s.points[1].rejects == 2 &&
          s.points[1].complaints == 1 && s.points[0].at == 1796120100);
    awsresp_stats_release(&s);
    in = ok_in(empty);
    CHECK(awsresp_ses_stats(&in, &s, &err) == AWSRESP_OK && s.n == 0);
    awsresp_stats_release(&s);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = ok_in(bad[i].body);
        CHECK(awsresp_ses_stats(&in, &s, &err) == AWSRESP_BAD);
        CHECK(s.points == NULL && s.n == 0);
        if (!strstr(err.why, bad[i].why))
            printf("  case %zu: '%s' lacks '%s'\n", i, err.why, bad[i].why);
        CHECK(strstr(err.why, bad[i].why) != NULL);
    }
    /* a cut body and AWS's own errors */
    in = ok_in(good);
    in.truncated = true;
    CHECK(awsresp_ses_stats(&in, &s, &err) == AWSRESP_BAD);
    in = ok_in("<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error>"
               "</ErrorResponse>");
    in.status = 403;
    CHECK(awsresp_ses_stats(&in, &s, &err) == AWSRESP_AWS_ERROR);
    CHECK_STREQ(err.code, "AccessDenied");
    /* more data points than two weeks hold */
    n = (size_t)snprintf(big, sizeof(big), "<GetSendStatisticsResponse><GetSendStatisticsResult>"
                                           "<SendDataPoints>");
    for (unsigned i = 0; i <= LIMIT_SES_DATA_POINTS; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n,
                              "<member><Timestamp>2026-12-01T10:15:00Z</Timestamp><Rejects>0"
                              "</Rejects><Bounces>0</Bounces><Complaints>0</Complaints>"
                              "<DeliveryAttempts>1</DeliveryAttempts></member>");
    n += (size_t)snprintf(big + n, sizeof(big) - n, "</SendDataPoints></GetSendStatisticsResult>"
                                                    "</GetSendStatisticsResponse>");
    CHECK(n < sizeof(big) - 1);
    in = ok_in(big);
    CHECK(awsresp_ses_stats(&in, &s, &err) == AWSRESP_BAD && strstr(err.why, "data points"));
}

static void test_ses_evidence__identities_and_policies(void)
{
    static const char ids[] =
        "{\"EmailIdentities\": [{\"IdentityType\": \"DOMAIN\", \"IdentityName\": "
        "\"example.com\", \"SendingEnabled\": true, \"VerificationStatus\": \"SUCCESS\"}, "
        "{\"IdentityType\": \"EMAIL_ADDRESS\", \"IdentityName\": \"a@example.org\"}], "
        "\"NextToken\": \"Pj4+NTA/IQ==\"}";
    static const char *const bad_ids[] = {
        "{\"EmailIdentities\": {}}",
        "{\"EmailIdentities\": [{\"IdentityName\": \"\"}]}",
        "{\"EmailIdentities\": [{\"IdentityName\": \"a b\"}]}",
        "{\"EmailIdentities\": [{\"IdentityName\": \"x\", \"SendingEnabled\": \"yes\"}]}",
        "{\"EmailIdentities\": [], \"NextToken\": \"a&Action=DeleteIdentity\"}",
        "{\"EmailIdentities\": [], \"EmailIdentities\": []}",
        "{\"EmailIdentities\": []",
        "[]",
    };
    static const char pols[] =
        "{\"Policies\": {\"b\": \"{\\\"Statement\\\": {\\\"Effect\\\": \\\"Allow\\\", "
        "\\\"Principal\\\": \\\"*\\\", \\\"Action\\\": \\\"ses:SendRawEmail\\\"}}\", "
        "\"a\": \"not json\"}}";
    struct awsresp_identities li;
    struct awsresp_policies lp;
    struct awsresp_error err;
    struct awsresp_in in = ok_in(ids);

    CHECK(awsresp_sesv2_identities(&in, &li, &err) == AWSRESP_OK);
    CHECK(li.n == 2 && strcmp(li.items[0].name, "example.com") == 0 &&
          li.items[0].sending_enabled == 1 && li.items[1].sending_enabled == -1 &&
          strcmp(li.items[1].type, "EMAIL_ADDRESS") == 0 && li.items[1].status[0] == '\0');
    CHECK_STREQ(li.next_token, "Pj4+NTA/IQ==");
    awsresp_identities_release(&li);
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        in = ok_in(bad_ids[i]);
        CHECK(awsresp_sesv2_identities(&in, &li, &err) == AWSRESP_BAD);
        CHECK(li.items == NULL && err.why[0]);
    }
    in = ok_in(pols);
    CHECK(awsresp_sesv2_policies(&in, "123456789012", &lp, &err) == AWSRESP_OK);
    CHECK(lp.n == 2 && strcmp(lp.items[0].name, "a") == 0 && lp.items[0].open == -1 &&
          strcmp(lp.items[1].name, "b") == 0 && lp.items[1].open == 1);
    awsresp_policies_release(&lp);
    in = ok_in("{\"Policies\": {\"a\": 1}}");
    CHECK(awsresp_sesv2_policies(&in, NULL, &lp, &err) == AWSRESP_BAD);
    in = ok_in("{\"Policies\": []}");
    CHECK(awsresp_sesv2_policies(&in, NULL, &lp, &err) == AWSRESP_BAD);
}

static void test_ses_evidence__policy_table(void)
{
    static const struct {
        const char *policy;
        int open;
        const char *principals;
    } cases[] = {
        /* anyone, no condition */
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
          "[\"ses:SendEmail\",\"ses:SendRawEmail\"],\"Resource\":\"*\"}]}", 1, "*" },
        /* another account, a wildcard action, a condition that restricts nothing */
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"444455556666\"]},"
          "\"Action\":\"SES:send*\",\"Condition\":{\"StringEquals\":{\"ses:ApiVersion\":\"2\"}}}}",
          1, "444455556666" },
        /* NotAction that does not exclude sending */
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:"
          "root\"},\"NotAction\":\"ses:DeleteIdentity\"}}", 1, "arn:aws:iam::444455556666:root" },
        /* restricted by sender, by recipients, by source IP */
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ses:SendEmail\","
          "\"Condition\":{\"StringLike\":{\"ses:FromAddress\":\"a@example.com\"}}}}", 0, "*" },
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ses:*\","
          "\"Condition\":{\"ForAllValues:StringLike\":{\"ses:Recipients\":\"*@example.com\"}}}}",
          0, "*" },
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\","
          "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}}}", 0, "*" },
        /* the account itself; a Deny; no sending action */
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::"
          "123456789012:root\"},\"Action\":\"ses:SendEmail\"}}", 0, "arn:aws:iam::123456789012:root" },
        { "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"ses:SendEmail\"}}",
          0, "" },
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ses:GetAccount\"}}",
          0, "" },
        /* Deny statements (issue 18): the fake's open policy narrowed by a Deny unless
         * the sender matches, by a Deny outside a source range, by NotPrincipal, or
         * taken back outright; each listed before or after the Allow */
        { "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
          "{\"AWS\":\"arn:aws:iam::444455556666:root\"},\"Action\":[\"ses:SendEmail\","
          "\"ses:SendRawEmail\"],\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\","
          "\"Action\":\"ses:Send*\",\"Resource\":\"*\",\"Condition\":{\"StringNotLike\":"
          "{\"ses:FromAddress\":\"*@example.com\"}}}]}", 0, "arn:aws:iam::444455556666:root" },
        { "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Action\":"
          "\"ses:SendRawEmail\",\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":"
          "\"192.0.2.0/24\"}}},{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
          "\"ses:SendRawEmail\"}]}", 0, "*" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},"
          "\"Action\":\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":"
          "\"123456789012\"},\"Action\":\"ses:*\",\"Condition\":{\"StringNotEquals\":"
          "{\"ses:FromAddress\":\"a@example.com\"}}}]}", 0, "444455556666" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},"
          "\"Action\":\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":"
          "\"444455556666\"},\"Action\":\"ses:SendEmail\"}]}", 0, "444455556666" },
        /* ... but not a Deny that narrows nothing: a condition that restricts no sender,
         * another principal, NotPrincipal naming the allowed one, another action, one
         * principal of two, or NotAction excluding sending */
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
          "\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":"
          "\"ses:SendEmail\",\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":"
          "\"2030-01-01T00:00:00Z\"}}}]}", 1, "*" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},"
          "\"Action\":\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":"
          "\"777788889999\"},\"Action\":\"ses:SendEmail\"}]}", 1, "444455556666" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},"
          "\"Action\":\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":"
          "\"444455556666\"},\"Action\":\"ses:SendEmail\"}]}", 1, "444455556666" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
          "\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":"
          "\"ses:DeleteEmailIdentity\"}]}", 1, "*" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"444455556666\","
          "\"777788889999\"]},\"Action\":\"ses:SendEmail\"},{\"Effect\":\"Deny\","
          "\"Principal\":{\"AWS\":\"777788889999\"},\"Action\":\"ses:SendEmail\"}]}",
          1, "444455556666,777788889999" },
        { "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
          "\"ses:SendEmail\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"NotAction\":"
          "\"ses:Send*\",\"Condition\":{\"StringNotLike\":{\"ses:FromAddress\":\"a@b.c\"}}}]}",
          1, "*" },
        /* not readable: never a guess */
        { "{\"Statement\":{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"ses:SendEmail\"}}",
          -1, "" },
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"everyone\",\"Action\":\"ses:SendEmail\"}}",
          -1, "" },
        { "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ses:SendEmail\","
          "\"Condition\":[]}}", -1, "" },
        { "{\"Version\":\"2012-10-17\"}", -1, "" },
        { "{\"Statement\":[], \"Statement\":[]}", -1, "" },
        { "", -1, "" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct awsresp_policy p;
        awsresp_policy_read(cases[i].policy, strlen(cases[i].policy), "123456789012", &p);
        if (p.open != cases[i].open || strcmp(p.principals, cases[i].principals) != 0)
            printf("  policy %zu: open %d principals '%s' (%s)\n", i, p.open, p.principals,
                   p.why);
        CHECK(p.open == cases[i].open);
        CHECK_STREQ(p.principals, cases[i].principals);
        CHECK(p.why[0] != '\0');
        /* a sending Allow narrowed by a Deny says so */
        if (cases[i].open == 0 && cases[i].principals[0] && strstr(cases[i].policy, "Deny"))
            CHECK(strstr(p.why, "Deny statement") != NULL);
    }
}

static void test_ses_evidence__account_details(void)
{
    static const char good[] =
        "{\"EnforcementStatus\": \"PROBATION\", \"ProductionAccessEnabled\": true, "
        "\"SendingEnabled\": true, \"SendQuota\": {\"Max24HourSend\": 1, \"MaxSendRate\": 1, "
        "\"SentLast24Hours\": 0}, \"Details\": {\"MailType\": \"MARKETING\", "
        "\"ReviewDetails\": {\"Status\": \"PENDING\", \"CaseId\": \"c-1\"}}, "
        "\"SuppressionAttributes\": {\"SuppressedReasons\": [\"BOUNCE\", \"COMPLAINT\"]}}";
    static const char *const bad[] = {
        "{\"ProductionAccessEnabled\": true, \"SendingEnabled\": true, \"SendQuota\": "
        "{\"Max24HourSend\": 1, \"MaxSendRate\": 1, \"SentLast24Hours\": 0}, \"Details\": "
        "{\"ReviewDetails\": {\"Status\": 3}}}",
        "{\"ProductionAccessEnabled\": true, \"SendingEnabled\": true, \"SendQuota\": "
        "{\"Max24HourSend\": 1, \"MaxSendRate\": 1, \"SentLast24Hours\": 0}, "
        "\"SuppressionAttributes\": {\"SuppressedReasons\": \"BOUNCE\"}}",
        "{\"ProductionAccessEnabled\": true, \"SendingEnabled\": true, \"SendQuota\": "
        "{\"Max24HourSend\": 1, \"MaxSendRate\": 1, \"SentLast24Hours\": 0}, \"Details\": []}",
    };
    struct awsresp_account a;
    struct awsresp_error err;
    struct awsresp_in in = ok_in(good);

    CHECK(awsresp_sesv2_account(&in, &a, &err) == AWSRESP_OK);
    CHECK_STREQ(a.review_status, "PENDING");
    CHECK_STREQ(a.review_case_id, "c-1");
    CHECK_STREQ(a.suppressed, "BOUNCE,COMPLAINT");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = ok_in(bad[i]);
        CHECK(awsresp_sesv2_account(&in, &a, &err) == AWSRESP_BAD);
    }
}

static void test_ses_evidence__sums_rates_and_spike(void)
{
    const int64_t now = 1800000000;
    struct awsresp_point p[400] = { { 0, 0, 0, 0, 0 } };
    struct ses_stats st;
    size_t n = 0;

    /* nothing sent: rates 0, below review, no spike */
    sesstats_sum(p, 0, now, &st);
    CHECK(st.known && st.sent_14d == 0 && st.bounce_level == SES_LEVEL_OK && !st.spike_at);

    /* a steady sender over the whole window: no spike, even in the first day */
    for (int h = 14 * 24 - 1; h >= 1; h--)
        p[n++] = (struct awsresp_point){ now - h * 3600, 400, 8, 0, 0 };
    sesstats_sum(p, n, now, &st);
    CHECK(st.sent_14d == 400u * (14 * 24 - 1) && st.sent_24h == 400u * 24);
    CHECK(st.bounce_level == SES_LEVEL_OK && st.complaint_level == SES_LEVEL_OK); /* 2 % */
    CHECK(st.spike_at == 0);

    /* review thresholds exactly: 5 % bounces, 0.1 % complaints */
    p[0] = (struct awsresp_point){ now - 3600, 1000, 50, 1, 0 };
    sesstats_sum(p, 1, now, &st);
    CHECK(st.bounce_level == SES_LEVEL_REVIEW && st.complaint_level == SES_LEVEL_REVIEW);
    p[0] = (struct awsresp_point){ now - 3600, 1000, 49, 0, 0 };
    sesstats_sum(p, 1, now, &st);
    CHECK(st.bounce_level == SES_LEVEL_OK);
    /* pause risk: 10 % / 0.5 % */
    p[0] = (struct awsresp_point){ now - 3600, 1000, 100, 5, 0 };
    sesstats_sum(p, 1, now, &st);
    CHECK(st.bounce_level == SES_LEVEL_PAUSE && st.complaint_level == SES_LEVEL_PAUSE);

    /* a quiet account, then 10x its usual volume: the first such interval, in any order */
    n = 0;
    for (int h = 300; h >= 10; h -= 2)
        p[n++] = (struct awsresp_point){ now - h * 3600, 20, 0, 0, 0 };
    p[n++] = (struct awsresp_point){ now - 2 * 3600, 199, 0, 0, 0 };  /* under 10x */
    p[n++] = (struct awsresp_point){ now - 3600, 200, 0, 0, 0 };      /* the spike */
    p[n++] = (struct awsresp_point){ now - 1800, 5000, 0, 0, 0 };
    {
        struct awsresp_point t = p[0];  /* not sorted on input */
        p[0] = p[n - 1];
        p[n - 1] = t;
    }
    sesstats_sum(p, n, now, &st);
    CHECK(st.spike_at == now - 3600 && st.spike_attempts == 200 && st.spike_baseline == 20);
    /* below the floor of 50 mails, whatever the ratio */
    n = 0;
    p[n++] = (struct awsresp_point){ now - 5 * 86400, 1, 0, 0, 0 };
    p[n++] = (struct awsresp_point){ now - 3600, 49, 0, 0, 0 };
    sesstats_sum(p, n, now, &st);
    CHECK(st.spike_at == 0);
    p[1].attempts = 50;
    sesstats_sum(p, n, now, &st);
    CHECK(st.spike_at == now - 3600);
}

static const struct test tests[] = {
    TEST(test_ses_evidence__statistics),
    TEST(test_ses_evidence__identities_and_policies),
    TEST(test_ses_evidence__policy_table),
    TEST(test_ses_evidence__account_details),
    TEST(test_ses_evidence__sums_rates_and_spike),
};
HARNESS_MAIN(tests)
