/*
 * tests/unit/test_sender.c - the sender addresses read next to a credential (sender.h,
 * aws/sender.h; issue 18 item 3): which ones are senders in env files, YAML, JSON, INI,
 * Python, JavaScript, Java, PHP, XML and mail headers; which are not (To:, reply-to, a
 * recipient later on the line, too far, another INI section or YAML document, no real
 * address); the cap; and, through the whole pipeline, that they end up on the finding,
 * merged over the places a key was seen. Keys come from a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sender.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "harness.h"
#include "scan_fixture.h"
#include "sender.h"

/* `text` holds "KEY" where the credential is: the senders found next to it, joined
 * with ','. */
static char *near(const char *text)
{
    const char *k = strstr(text, "KEY");
    char found[LIMIT_SENDERS][AWS_SENDER_MAX + 1];
    size_t n, used = 0;
    char *out = xmalloc(LIMIT_SENDERS * (AWS_SENDER_MAX + 1) + 1);

    out[0] = '\0';
    if (!k)
        return out;
    n = sender_near((const unsigned char *)text, strlen(text), (size_t)(k - text),
                    (size_t)(k - text) + 3, found, LIMIT_SENDERS);
    for (size_t i = 0; i < n; i++)
        used += (size_t)sprintf(out + used, "%s%s", i ? "," : "", found[i]);
    return out;
}

static void test_sender__formats(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        /* env files, shell */
        { "MAIL_FROM=noreply@example.com\nAWS_ACCESS_KEY_ID=KEY\n", "noreply@example.com" },
        { "export SES_FROM='alerts@example.org'\nexport AWS_ACCESS_KEY_ID=KEY\n",
          "alerts@example.org" },
        { "MAIL_MAILER=ses\nMAIL_FROM_ADDRESS=\"hello@example.com\"\nMAIL_FROM_NAME=\"App\"\n"
          "AWS_ACCESS_KEY_ID=KEY\nMAIL_TO=admin@example.com\n", "hello@example.com" },
        { "AWS_ACCESS_KEY_ID=KEY\nSMTP_FROM=smtp@example.com\n", "smtp@example.com" },
        /* Django / Python */
        { "DEFAULT_FROM_EMAIL = 'Shop <shop@example.org>'\nSERVER_EMAIL = 'root@example.org'\n"
          "AWS_ACCESS_KEY_ID = 'KEY'\n", "shop@example.org" },
        { "client = boto3.client('ses', aws_access_key_id='KEY')\n"
          "client.send_email(Source='Billing <billing@example.com>', Destination={"
          "'ToAddresses': ['c@example.com']}, Message=msg)\n", "billing@example.com" },
        { "ses.send_email(FromEmailAddress=SENDER, Destination={'ToAddresses': ['x@example.com']})\n"
          "SENDER = \"Sender Name <sender@example.com>\"\nKEY\n", "sender@example.com" },
        { "send(to=\"b@example.com\", from_addr=\"a@example.com\", key=\"KEY\")\n", "a@example.com" },
        /* YAML, JSON */
        { "mail:\n  from: alerts@example.net\n  to: ops@example.net\naws:\n  access_key_id: KEY\n",
          "alerts@example.net" },
        { "{\"ses\": {\"accessKeyId\": \"KEY\", \"sender\": \"bot@example.com\", "
          "\"replyTo\": \"help@example.com\"}}\n", "bot@example.com" },
        { "{\"mail\": {\"from\": {\"email\": \"team@example.io\", \"name\": \"Team\"}},\n"
          " \"aws\": {\"key\": \"KEY\"}}\n", "team@example.io" },
        /* JavaScript (SDK v3, nodemailer) */
        { "const client = new SESv2Client({credentials: {accessKeyId: 'KEY'}});\n"
          "await client.send(new SendEmailCommand({ FromEmailAddress: 'news@example.com', "
          "Destination: { ToAddresses: ['u@example.com'] } }));\n", "news@example.com" },
        { "transporter.sendMail({ from: '\"Shop\" <shop@example.co.uk>', to: user.email });\n"
          "// KEY\n", "shop@example.co.uk" },
        /* Java: JavaMail, SDK v1 and v2 */
        { "props.put(\"mail.smtp.from\", \"mailer@example.com\");\nString key = \"KEY\";\n",
          "mailer@example.com" },
        { "msg.setFrom(new InternetAddress(\"orders@example.com\"));\n"
          "msg.setRecipient(TO, new InternetAddress(\"x@example.com\"));\nString id = \"KEY\";\n",
          "orders@example.com" },
        { "new SendEmailRequest().withSource(\"a@example.com\").withDestination(new "
          "Destination().withToAddresses(\"b@example.com\"));\n// KEY\n", "a@example.com" },
        { "req.withSource(FROM).withDestination(new Destination().withToAddresses("
          "\"b@example.com\"));\n// KEY\n", "" },
        { "SendEmailRequest.builder().source(\"v2@example.com\").build(); // KEY\n",
          "v2@example.com" },
        /* INI in one section, Spring properties, PHP, XML, a mail header */
        { "[default]\nsender = a@example.com\naws_access_key_id = KEY\n", "a@example.com" },
        { "spring.mail.properties.mail.smtp.from=spring@example.com\naws.key=KEY\n",
          "spring@example.com" },
        { "'from' => ['address' => 'laravel@example.com', 'name' => 'App'],\n'key' => 'KEY',\n",
          "laravel@example.com" },
        { "<from>xml@example.com</from><to>t@example.com</to>\n<key>KEY</key>\n",
          "xml@example.com" },
        { "From: \"Ops\" <ops@example.com>\nTo: dev@example.com\nCc: cc@example.com\nX-Key: KEY\n",
          "ops@example.com" },
        { "From: one@example.com, two@example.com\nKEY\n", "one@example.com,two@example.com" },
        { "MAIL_FROM=noreply@example.com\nSES_FROM=noreply@example.com\nKEY\n",
          "noreply@example.com" },
        /* not senders */
        { "To: someone@example.com\nKEY\n", "" },
        { "reply_to = r@example.com\nrecipient: p@example.com\nMAIL_TO=m@example.com\nKEY\n", "" },
        { "admin@example.com\nKEY\n", "" },
        { "[mail]\nsender = a@example.com\n[default]\naws_access_key_id = KEY\n", "" },
        { "from: a@example.com\n---\nkey: KEY\n", "" },
        { "MAIL_FROM=${MAIL_FROM}\nSMTP_FROM=user@localhost\nSES_FROM=a@b.c\nKEY\n", "" },
        { "source: git@github.com:org/repo.git\nSOURCE=postgres://u@db.example.com/x\nKEY\n", "" },
        { "from x import y  # a@example.com\nKEY\n", "" },
        { "MAIL_FROM=\"a\x1b@example.com\"\nMAIL_FROM=a..b@example.com\nMAIL_FROM=a@-x.com\nKEY\n",
          "" },
        { "MAIL_FROM=a@example.123\nMAIL_FROM=@example.com\nMAIL_FROM=a@example\nKEY\n", "" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *got = near(cases[i].text);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, got, cases[i].want);
        CHECK_STREQ(got, cases[i].want);
        free(got);
    }
}

/* Within the pairing window on either side, not beyond; the count is capped. */
static void test_sender__distance_and_cap(void)
{
    char filler[1200], *text, *got;

    memset(filler, '#', sizeof(filler) - 1);
    filler[sizeof(filler) - 1] = '\0';
    text = xasprintf("MAIL_FROM=far@example.com\n%s\nKEY\nSMTP_FROM=near@example.com\n", filler);
    got = near(text);
    CHECK_STREQ(got, "near@example.com");
    free(got);
    free(text);
    text = xasprintf("KEY\n%s\nMAIL_FROM=far@example.com\n", filler);
    got = near(text);
    CHECK_STREQ(got, "");
    free(got);
    free(text);
    /* within 1,000 bytes before and after */
    filler[900] = '\0';
    text = xasprintf("MAIL_FROM=a@example.com\n%s\nKEY\n%s\nsender: b@example.com\n", filler,
                     filler);
    got = near(text);
    CHECK_STREQ(got, "a@example.com,b@example.com");
    free(got);
    free(text);
    /* an address that starts inside the window and ends past it is read whole */
    memset(filler, '#', sizeof(filler) - 1);
    filler[1012] = '\0';
    text = xasprintf("KEY\n%s\nfrom: abcdefgh@example.com\n", filler);
    CHECK(strstr(text, "abcdefgh@") - text - 3 == 1020);
    got = near(text);
    CHECK_STREQ(got, "abcdefgh@example.com");
    free(got);
    free(text);
    text = xstrdup("From: a1@example.com, a2@example.com, a3@example.com, a4@example.com, "
                   "a5@example.com, a6@example.com, a7@example.com, a8@example.com, "
                   "a9@example.com, a10@example.com\nKEY\n");
    got = near(text);
    CHECK_STREQ(got, "a1@example.com,a2@example.com,a3@example.com,a4@example.com,"
                     "a5@example.com,a6@example.com,a7@example.com,a8@example.com");
    free(got);
    free(text);
    /* the match at the very start or end of the data; nothing at all */
    got = near("KEY");
    CHECK_STREQ(got, "");
    free(got);
    got = near("from: x@example.com KEY");
    CHECK_STREQ(got, "x@example.com");
    free(got);
}

static void test_sender__address_shape(void)
{
    static const char *const good[] = { "a@example.com", "no-reply+tag@mail.example.co.uk",
                                        "First.Last@Example.ORG", "x_y%z@a-b.example.io" };
    static const char *const bad[] = { "", "a", "@example.com", "a@", "a@example",
                                       "a@example.c", "a@example.c0m", ".a@example.com",
                                       "a.@example.com", "a..b@example.com", "a@-x.com",
                                       "a@x-.com", "a@x..com", "a b@example.com",
                                       "a\"@example.com", "a@b@example.com", "a@example.com." };
    char big[400];

    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        CHECK(aws_sender_ok(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (aws_sender_ok(bad[i], strlen(bad[i])))
            fprintf(stderr, "accepted '%s'\n", bad[i]);
        CHECK(!aws_sender_ok(bad[i], strlen(bad[i])));
    }
    CHECK(!aws_sender_ok(NULL, 0));
    /* a local part of 65, an address of 255 */
    memset(big, 'a', 65);
    strcpy(big + 65, "@example.com");
    CHECK(!aws_sender_ok(big, strlen(big)));
    memcpy(big, "a@", 2);
    for (size_t i = 2; i < 251; i += 50) {
        memset(big + i, 'b', 49);
        big[i + 49] = '.';
    }
    strcpy(big + 252, "com");
    CHECK(strlen(big) == 255 && !aws_sender_ok(big, strlen(big)));
    CHECK(aws_sender_ok(big, 254)); /* "...bbb.co": 254 bytes, the longest kept */
    /* NUL inside: the length counts, not the C string */
    CHECK(!aws_sender_ok("a\0b@example.com", 15));
}

/* Through the pipeline: the senders are on the finding, merged over every place the
 * key was seen, sorted and unique; a key with none has none. */
static void test_sender__on_the_finding(void)
{
    struct fixture x;
    struct keys k;
    const struct finding *f;
    char *a, *b, *c;

    make_keys(&k, 1801);
    a = fill("MAIL_FROM=zed@example.com\nAWS_ACCESS_KEY_ID={ID0}\nAWS_SECRET_ACCESS_KEY={S0}\n", &k);
    b = fill("aws:\n  key: {ID0}\nmail:\n  sender: amy@example.com\n  to: no@example.com\n"
             "---\nother: {ID1}\nfrom: nope@example.com\n", &k);
    c = fill("[mail]\nfrom = sec@example.com\n[aws]\nsecret = {S1}\nid = {ID1}\n", &k);
    setup(&x);
    scan_at(&x, "app/.env", a, strlen(a));
    scan_at(&x, "deploy/values.yaml", b, strlen(b));
    scan_at(&x, "conf/app.ini", c, strlen(c));
    build(&x, false);
    f = by_id(&x, k.id[0]);
    CHECK(f && f->n_senders == 2);
    if (f && f->n_senders == 2) {
        CHECK_STREQ(f->senders[0], "amy@example.com");
        CHECK_STREQ(f->senders[1], "zed@example.com");
    }
    f = by_id(&x, k.id[1]);
    CHECK(f && f->n_senders == 1 && strcmp(f->senders[0], "nope@example.com") == 0);
    teardown(&x);
    free(a);
    free(b);
    free(c);
}

static const struct test tests[] = {
    TEST(test_sender__formats),
    TEST(test_sender__distance_and_cap),
    TEST(test_sender__address_shape),
    TEST(test_sender__on_the_finding),
};
HARNESS_MAIN(tests)
