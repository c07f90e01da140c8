/*
 * tests/unit/test_sarif.c - the SARIF 2.1.0 reporter.
 *
 * Hand-built findings (values from the fake-key generator with a fixed seed, fixed stats
 * and timestamps) are rendered and compared with tests/golden/report.sarif, which holds
 * placeholders ("{fake-secret-1}") where the output has generated key IDs and values;
 * SESAME_UPDATE_GOLDEN=1 rewrites it. Beyond the golden: no secret in default output,
 * every secret with show_secrets, URI encoding, levels, locations past the first ten, and
 * the real output validated against the official SARIF 2.1.0 schema
 * (tests/data/sarif-schema-2.1.0.json) by python3-jsonschema, with GitHub's own rules
 * (rule ids resolve, security-severity is a number, partial fingerprints) checked beside it.
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "finding/finding.h"
#include "report/report.h"
#include "rules/fakekey.h"

#include "harness.h"

#define FIXTURE_SEED 20261124
#include "report_fixture.h"

static void fixture_add_rules(struct finding *f, const char *const *rules, size_t n)
{
    f->rule_ids = xrealloc(f->rule_ids, (f->n_rule_ids + n) * sizeof(*f->rule_ids));
    for (size_t i = 0; i < n; i++)
        f->rule_ids[f->n_rule_ids++] = xstrdup(rules[i]);
}

/* A location whose byte offset follows from line and column (SARIF shows no offsets). */
static struct location *sarif_location(struct finding *f, const char *path, uint64_t line,
                                       uint64_t column, enum cred_kind part, const char *rule,
                                       const char *encoding)
{
    return fixture_add_location(f, path, line, column, line * 100 + column, part, rule,
                                encoding);
}

static void fixture_in_commit(struct fixture *fx, struct location *loc, const char *summary)
{
    loc->blob = fixture_hex(fx, 40);
    loc->commit.commit = fixture_hex(fx, 40);
    loc->commit.author = xstrdup("Jane Doe <jane@example.com>");
    loc->commit.author_time = FIXTURE_AUTHOR_TIME;
    loc->commit.commit_time = FIXTURE_AUTHOR_TIME + 3600;
    loc->commit.summary = xstrdup(summary);
}

#define RULE_ID "aws.access_key_id"
#define RULE_ID_EXAMPLE "aws.access_key_id.documentation_example"
#define RULE_SECRET "aws.secret_access_key.aws_keyword"
#define RULE_SECRET_GENERIC "aws.secret_access_key.generic_keyword"
#define RULE_SECRET_NEAR "aws.secret_access_key.near_key_id"
#define RULE_SMTP "aws.ses.smtp_password.keyword"
#define RULE_TOKEN "aws.session_token.keyword"
#define RULE_TOKEN_MARKER "aws.session_token.marker"

static void fixture_init(struct fixture *fx)
{
    static const char *const rules1[] = { RULE_ID, RULE_SECRET, RULE_SECRET_NEAR, RULE_SMTP };
    static const char *const rules2[] = { RULE_ID, RULE_SECRET, RULE_TOKEN };
    struct finding *f;
    struct location *loc;

    memset(fx, 0, sizeof(*fx));
    fx->rng = (struct fakekey_rng)FAKEKEY_RNG_INIT(FIXTURE_SEED);

    /* 1: a long-term key, its secret and the SMTP password derived from it: in a file
     * whose name needs encoding, twice on one CSV line (one place), base64 in another file,
     * under an absolute path, and in git history. Still at HEAD. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_ACCESS_KEY_ID;
    f->confidence = CONF_HIGH;
    f->exposure = EXPOSURE_HEAD;
    fixture_set_id(fx, f, "AKIA", true);
    fixture_add_secret(fx, f);
    fixture_add_smtp(fx, f, 0, "us-east-1");
    fixture_add_rules(f, rules1, ARRAY_SIZE(rules1));
    sarif_location(f, "/etc/app/creds.ini", 4, 21, CRED_SECRET_ACCESS_KEY, RULE_SECRET,
                         NULL);
    sarif_location(f, "config/my prod/caf\xc3\xa9.env", 2, 19, CRED_ACCESS_KEY_ID,
                         RULE_ID, NULL);
    sarif_location(f, "config/my prod/caf\xc3\xa9.env", 3, 23, CRED_SECRET_ACCESS_KEY,
                         RULE_SECRET, NULL);
    sarif_location(f, "deploy/values.yaml", 12, 9, CRED_ACCESS_KEY_ID, RULE_ID,
                         "base64");
    sarif_location(f, "iam/export.csv", 2, 1, CRED_ACCESS_KEY_ID, RULE_ID, NULL);
    sarif_location(f, "iam/export.csv", 2, 22, CRED_SECRET_ACCESS_KEY, RULE_SECRET_NEAR,
                         NULL);
    loc = sarif_location(f, "mail/smtp.ini", 4, 10, CRED_SMTP_PASSWORD, RULE_SMTP, NULL);
    fixture_in_commit(fx, loc, "add mail settings");

    /* 2: temporary credentials inside a JSON file inside an archive on disk. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_ACCESS_KEY_ID;
    f->confidence = CONF_HIGH;
    f->exposure = EXPOSURE_FILE;
    fixture_set_id(fx, f, "ASIA", true);
    fixture_add_secret(fx, f);
    fixture_add_token(fx, f);
    fixture_add_rules(f, rules2, ARRAY_SIZE(rules2));
    sarif_location(f, "release.zip!inner/config.json", 1, 57, CRED_ACCESS_KEY_ID, RULE_ID,
                         "json-escape");
    sarif_location(f, "release.zip!inner/config.json", 2, 21, CRED_SECRET_ACCESS_KEY,
                         RULE_SECRET, NULL);
    sarif_location(f, "release.zip!inner/config.json", 3, 25, CRED_SESSION_TOKEN,
                         RULE_TOKEN, NULL);

    /* 3: two secrets seen alone (medium confidence: a warning), not yet committed. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_SECRET_ACCESS_KEY;
    f->confidence = CONF_MEDIUM;
    f->exposure = EXPOSURE_WORKTREE;
    fixture_add_secret(fx, f);
    fixture_add_secret(fx, f);
    fixture_add_rules(f, (const char *const[]){ RULE_SECRET_GENERIC }, 1);
    sarif_location(f, "scripts/deploy.sh", 7, 15, CRED_SECRET_ACCESS_KEY,
                         RULE_SECRET_GENERIC, NULL);
    sarif_location(f, "scripts/deploy.sh", 9, 15, CRED_SECRET_ACCESS_KEY,
                         RULE_SECRET_GENERIC, NULL);

    /* 4: an SMTP password alone under a hostile file name: an escape, a stray byte, a
     * right-to-left override and every character a URI reserves. At a branch tip. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_SMTP_PASSWORD;
    f->confidence = CONF_LOW;
    f->exposure = EXPOSURE_BRANCH;
    fixture_add_smtp(fx, f, -1, NULL);
    fixture_add_rules(f, (const char *const[]){ RULE_SMTP }, 1);
    sarif_location(f, "odd\033[31mname\xff\xe2\x80\xae:100%?#.txt", 1, 1,
                         CRED_SMTP_PASSWORD, RULE_SMTP, NULL);

    /* 5: a documentation example (old generation: no account), only in history. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_ACCESS_KEY_ID;
    f->confidence = CONF_LOW;
    f->example = true;
    f->exposure = EXPOSURE_HISTORY;
    fixture_set_id(fx, f, "AKIA", false);
    fixture_add_secret(fx, f);
    fixture_add_rules(f, (const char *const[]){ RULE_ID_EXAMPLE, RULE_SECRET }, 2);
    loc = sarif_location(f, "docs/README.md", 10, 5, CRED_ACCESS_KEY_ID, RULE_ID_EXAMPLE,
                               NULL);
    fixture_in_commit(fx, loc, "document the CLI");

    /* 6: a session token alone, in more places than the ten primary locations, only in
     * objects no ref reaches. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_SESSION_TOKEN;
    f->confidence = CONF_MEDIUM;
    f->exposure = EXPOSURE_UNREACHABLE;
    fixture_add_token(fx, f);
    fixture_add_rules(f, (const char *const[]){ RULE_TOKEN_MARKER }, 1);
    for (unsigned i = 0; i < FIXTURE_LOG_LOCATIONS; i++) {
        char path[32];

        snprintf(path, sizeof(path), "logs/app-%02u.log", i);
        sarif_location(f, path, 100 + i, 31, CRED_SESSION_TOKEN, RULE_TOKEN_MARKER, NULL);
    }

    /* Drawn last, so the generator gives every value above what it gave before. */
    fx->findings[0].locations[6].removed_in = fixture_hex(fx, 40);

    for (size_t i = 0; i < fx->n; i++)
        fx->sorted[i] = &fx->findings[i];

    fx->stats.files = 1234;
    fx->stats.bytes = 56789012;
    fx->stats.skipped = 7;
    fx->stats.errors = 2;
    fx->stats.limits = 1;
    fx->stats.excluded = 4;
    fx->stats.incomplete = true;
    fx->stats.decoded_views = 42;
    fx->stats.examples_hidden = 3;
    fx->stats.suppressed = 1;
    fx->stats.seconds = 1.25;
    fx->stats.started_at = FIXTURE_STARTED_AT;
    fx->targets[0] = ".";
    fx->targets[1] = "release.zip";
    fx->opts.include_examples = true;
    fx->opts.stats = &fx->stats;
    fx->opts.targets = fx->targets;
    fx->opts.n_targets = ARRAY_SIZE(fx->targets);
}

static void fixture_free_values(struct secret_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].value);
    free(v);
}

static void fixture_free_strings(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void fixture_release(struct fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++) {
        struct finding *f = &fx->findings[i];

        free(f->access_key_id);
        free(f->key_type);
        free(f->account_id);
        fixture_free_values(f->secrets, f->n_secrets);
        fixture_free_values(f->session_tokens, f->n_session_tokens);
        for (size_t k = 0; k < f->n_smtp_passwords; k++) {
            free(f->smtp_passwords[k].value);
            free(f->smtp_passwords[k].region);
        }
        free(f->smtp_passwords);
        fixture_free_strings(f->regions, f->n_regions);
        fixture_free_strings(f->branches, f->n_branches);
        fixture_free_strings(f->rule_ids, f->n_rule_ids);
        for (size_t k = 0; k < f->n_locations; k++) {
            struct location *loc = &f->locations[k];

            free(loc->path);
            free(loc->rule_id);
            free(loc->encoding);
            free(loc->blob);
            free(loc->commit.commit);
            free(loc->commit.author);
            free(loc->commit.summary);
            free(loc->removed_in);
        }
        free(f->locations);
    }
    for (size_t i = 0; i < fx->n_fakes; i++)
        free(fx->placeholders[i]);
    memset(fx, 0, sizeof(*fx));
}

/* Render as SARIF; the status goes to *st. Caller frees. */
static char *render(const struct finding *const *sorted, size_t n,
                    const struct report_opts *opts, enum status *st)
{
    report_fn *fn = report_lookup("sarif");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (out == NULL || fn == NULL)
        abort();
    *st = fn(out, sorted, n, opts);
    fclose(out);
    return text;
}

static char *render_fixture(const struct fixture *fx, bool show)
{
    struct report_opts opts = fx->opts;
    enum status st;
    char *text;

    opts.show_secrets = show;
    text = render(fx->sorted, fx->n, &opts, &st);
    CHECK_OK(st);
    return text;
}


/* Number of times needle occurs in text. */
static size_t count(const char *text, const char *needle)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_sarif__is_a_listed_format(void)
{
    CHECK(report_lookup("sarif") == report_sarif_write);
    CHECK(strstr(report_formats(), "sarif") != NULL);
    CHECK(report_lookup("SARIF") == NULL);
}

static void test_sarif__matches_golden_file(void)
{
    struct fixture fx;
    char *text;

    fixture_init(&fx);
    text = placehold(&fx, render_fixture(&fx, false));
    for (size_t k = 0; k < fx.n_fakes; k++)
        CHECK(!leaks(text, fx.fakes[k]));
    check_golden("report.sarif", text);
    free(text);
    fixture_release(&fx);
}

static void test_sarif__is_deterministic(void)
{
    struct fixture a, b;
    char *x, *y;

    fixture_init(&a);
    fixture_init(&b);
    x = render_fixture(&a, false);
    y = render_fixture(&b, false);
    CHECK_STREQ(x, y);
    free(x);
    free(y);
    fixture_release(&a);
    fixture_release(&b);
}

static void test_sarif__default_output_never_shows_a_secret(void)
{
    struct fixture fx;
    char *text;

    fixture_init(&fx);
    CHECK(fx.n_values >= 8);
    text = render_fixture(&fx, false);
    for (size_t v = 0; v < fx.n_values; v++) {
        if (leaks(text, fx.values[v])) {
            fprintf(stderr, "value %zu leaks\n", v);
            CHECK(!leaks(text, fx.values[v]));
        }
    }
    for (size_t k = 0; k < fx.n_ids; k++)
        CHECK(strstr(text, fx.ids[k]) != NULL); /* key IDs are shown whole */
    CHECK(strstr(text, "[sha256:") != NULL);
    free(text);
    fixture_release(&fx);
}

static void test_sarif__show_secrets_shows_every_secret(void)
{
    struct fixture fx;
    char *text;

    fixture_init(&fx);
    text = render_fixture(&fx, true);
    for (size_t v = 0; v < fx.n_values; v++) {
        if (strstr(text, fx.values[v]) == NULL) {
            fprintf(stderr, "value %zu missing\n", v);
            CHECK(strstr(text, fx.values[v]) != NULL);
        }
    }
    free(text);
    fixture_release(&fx);
}

/* One finding per path; the URI each must give. */
static void test_sarif__uris_are_percent_encoded(void)
{
    static const struct {
        const char *path;
        const char *uri;
    } cases[] = {
        { "src/main.c", "src/main.c" },
        { "my dir/a b.txt", "my%20dir/a%20b.txt" },
        { "caf\xc3\xa9/\xe2\x82\xac.env", "caf%C3%A9/%E2%82%AC.env" },
        { "/etc/app/creds.ini", "file:///etc/app/creds.ini" },
        { "/home/u/my keys.txt", "file:///home/u/my%20keys.txt" },
        { "c:/x", "c%3A/x" },              /* not a scheme */
        { "100%.txt", "100%25.txt" },
        { "q?a#b[1].txt", "q%3Fa%23b%5B1%5D.txt" },
        { "odd\xff\033.txt", "odd%FF%1B.txt" }, /* stray bytes and controls */
        { "back\\slash\"quote", "back%5Cslash%22quote" },
        { "re!ease.zip", "re%21ease.zip" }, /* a '!' of a file name is not a separator */
        { "a-b_c.d~e/(f)+g,h;i=j@k$l&m'n*o", "a-b_c.d~e/(f)+g,h;i=j@k$l&m'n*o" },
        { "-", "-" },
        { "./app/.env", "app/.env" },       /* what scanning "." gives */
        { "././a", "a" },
        { "./", "./" },
        { "../up.txt", "../up.txt" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct location loc = { .path = (char *)cases[i].path, .line = 1, .column = 1,
                                .part = CRED_SECRET_ACCESS_KEY, .rule_id = (char *)RULE_SECRET };
        struct finding f = { .kind = CRED_SECRET_ACCESS_KEY, .locations = &loc,
                             .n_locations = 1 };
        const struct finding *sorted[] = { &f };
        char *want = xasprintf("\"uri\": \"%s\"", cases[i].uri);
        enum status st;
        char *text;

        memcpy(f.fingerprint, "0123456789abcdef", 17);
        text = render(sorted, 1, NULL, &st);
        CHECK_OK(st);
        if (strstr(text, want) == NULL) {
            fprintf(stderr, "case %zu: want %s\n", i, want);
            CHECK(strstr(text, want) != NULL);
        }
        free(text);
        free(want);
    }
}

static void test_sarif__levels_rules_and_locations(void)
{
    struct fixture fx;
    char *text;

    fixture_init(&fx);
    text = render_fixture(&fx, false);
    /* error for high confidence, warning for medium and low, note for the example; one
     * more error: the notification that the run was incomplete. */
    CHECK(count(text, "\"level\": \"error\"") == 3);
    CHECK(count(text, "\"level\": \"warning\"") == 3);
    CHECK(count(text, "\"level\": \"note\"") == 1);
    /* One descriptor per rule the findings name, whatever the rules file says. */
    CHECK(count(text, "\"shortDescription\"") == 8);
    CHECK(count(text, "\"security-severity\": \"9.0\"") == 6);
    CHECK(count(text, "\"security-severity\": \"7.0\"") == 2);
    CHECK(count(text, "\"help\": {") == 8);
    /* The result's rule is its first location's. */
    CHECK(strstr(text, "\"ruleId\": \"aws.secret_access_key.aws_keyword\",\n"
                       "          \"ruleIndex\": 2,\n          \"level\": \"error\"") != NULL);
    /* Two parts on one line are one place: 7 locations, 6 places. */
    CHECK(strstr(text, "Seen in 6 places (still at HEAD).") != NULL);
    CHECK(count(text, "iam/export.csv") == 1);
    /* Key IDs by name; the example says so; values listed. */
    CHECK(strstr(text, "\"text\": \"AWS access key ID AKIA") != NULL);
    CHECK(strstr(text, "\"text\": \"Temporary AWS access key ID ASIA") != NULL);
    CHECK(strstr(text, "\"text\": \"Documentation example: AWS access key ID AKIA") != NULL);
    CHECK(strstr(text, "\"text\": \"2 AWS secret access keys ") != NULL);
    CHECK(strstr(text, "with its secret access key ") != NULL);
    CHECK(strstr(text, " and an SES SMTP password ") != NULL);
    /* 25 places: ten locations, fifteen related, the count in properties. */
    CHECK(count(text, "logs/app-") == FIXTURE_LOG_LOCATIONS);
    CHECK(strstr(text, "\"relatedLocations\": [") != NULL);
    CHECK(strstr(text, "\"places\": 25") != NULL);
    /* Commit-aware history locations. */
    CHECK(strstr(text, "\"message\": {\n                \"text\": \"In commit ") != NULL);
    CHECK(strstr(text, "\"authorTime\": \"2024-05-01T12:00:00Z\"") != NULL);
    CHECK(strstr(text, "; removed in commit ") != NULL);
    /* endColumn only where the span is known: plain text, one value of the part. */
    CHECK(strstr(text, "\"startColumn\": 19,\n                  \"endColumn\": 39\n") != NULL);
    CHECK(strstr(text, "\"startColumn\": 9\n") != NULL); /* base64: no end */
    CHECK(strstr(text, "\"columnKind\": \"utf16CodeUnits\"") != NULL);
    /* The fixture could not read 2 inputs: not successful, and says why. */
    CHECK(strstr(text, "\"executionSuccessful\": false") != NULL);
    CHECK(strstr(text, "\"text\": \"incomplete scan: 2 input(s) could not be read, 1 cut "
                       "short by a limit\"") != NULL);
    CHECK(strstr(text, "\"startTimeUtc\": \"2026-11-23T12:00:00Z\"") != NULL);
    CHECK(strchr(text, '\033') == NULL);
    free(text);
    fixture_release(&fx);
}

static void test_sarif__hostile_path_stays_valid(void)
{
    struct fixture fx;
    char *text;

    fixture_init(&fx);
    text = render_fixture(&fx, false);
    CHECK(strstr(text, "\"uri\": \"odd%1B%5B31mname%FF%E2%80%AE%3A100%25%3F%23.txt\"") !=
          NULL);
    CHECK(strstr(text, "\xe2\x80\xae") == NULL); /* the override only as %E2%80%AE */
    free(text);
    fixture_release(&fx);
}

static void test_sarif__no_findings(void)
{
    struct scan_stats stats = { .files = 3, .bytes = 2500000, .seconds = 0.5 };
    struct report_opts opts = { .stats = &stats };
    enum status st;
    char *text;

    text = render(NULL, 0, &opts, &st);
    CHECK_OK(st);
    CHECK(strstr(text, "\"rules\": []") != NULL);
    CHECK(strstr(text, "\"results\": []") != NULL);
    CHECK(strstr(text, "\"startTimeUtc\"") == NULL); /* no start time: none given */
    free(text);
    text = render(NULL, 0, NULL, &st);
    CHECK_OK(st);
    CHECK(strstr(text, "\"targets\": []") != NULL);
    free(text);
}

static void test_sarif__rejects_a_broken_finding(void)
{
    struct location loc = { .path = NULL, .line = 1, .part = CRED_SECRET_ACCESS_KEY };
    struct finding f;
    const struct finding *sorted[] = { &f };
    enum status st;
    char *text;

    memset(&f, 0, sizeof(f));
    memcpy(f.fingerprint, "0123456789abcdef", 17);
    f.kind = CRED_CONTEXT;
    text = render(sorted, 1, NULL, &st);
    CHECK(st == STATUS_BUG);
    CHECK(strstr(status_message(), "0123456789abcdef") != NULL);
    free(text);

    f.kind = CRED_SECRET_ACCESS_KEY;
    f.exposure = (enum exposure)(EXPOSURE_UNREACHABLE + 1);
    text = render(sorted, 1, NULL, &st);
    CHECK(st == STATUS_BUG);
    CHECK(strstr(status_message(), "exposure") != NULL);
    free(text);

    f.exposure = EXPOSURE_FILE;
    f.locations = &loc;
    f.n_locations = 1;
    text = render(sorted, 1, NULL, &st);
    CHECK(st == STATUS_BUG);
    CHECK(strstr(status_message(), "without a path") != NULL);
    free(text);
}

/* The SARIF report of one medium-confidence session token seen at `loc` (no rules). */
static char *render_token_at(struct location *loc)
{
    struct finding f = { .kind = CRED_SESSION_TOKEN, .confidence = CONF_MEDIUM,
                         .locations = loc, .n_locations = 1 };
    const struct finding *sorted[] = { &f };
    enum status st;
    char *text;

    memcpy(f.fingerprint, "0123456789abcdef", 17);
    text = render(sorted, 1, NULL, &st);
    CHECK_OK(st);
    return text;
}

/* A finding whose locations name no rule still gets a rule that resolves. */
static void test_sarif__finding_without_rules_gets_a_fallback_rule(void)
{
    struct location loc = { .path = (char *)"a.txt", .line = 3, .column = 5,
                            .part = CRED_SESSION_TOKEN };
    char *text = render_token_at(&loc);

    CHECK(strstr(text, "\"id\": \"sesame.session_token\"") != NULL);
    CHECK(strstr(text, "\"ruleId\": \"sesame.session_token\",\n          \"ruleIndex\": 0") !=
          NULL);
    CHECK(strstr(text, "\"text\": \"AWS session token. Seen in 1 place (in files on disk).\"")
          != NULL);
    free(text);
}

/* startColumn is in UTF-16 units when the scanner recorded them (non-ASCII before a key). */
static void test_sarif__columns_are_utf16_units(void)
{
    struct location loc = { .path = (char *)"a.txt", .line = 3, .column = 15,
                            .column_utf16 = 12, .part = CRED_SESSION_TOKEN };
    char *text = render_token_at(&loc);

    CHECK(strstr(text, "\"startColumn\": 12") != NULL);
    CHECK(strstr(text, "\"startColumn\": 15") == NULL);
    free(text);
    loc.column_utf16 = 0; /* not recorded (a report read back from JSON): the byte column */
    text = render_token_at(&loc);
    CHECK(strstr(text, "\"startColumn\": 15") != NULL);
    free(text);
}

static void test_sarif__write_error_is_io(void)
{
    struct fixture fx;
    FILE *out = fopen("/dev/full", "w");

    if (out == NULL) {
        fprintf(stderr, "cannot open /dev/full: %s\n", strerror(errno));
        CHECK(out != NULL);
        return;
    }
    fixture_init(&fx);
    CHECK(report_sarif_write(out, fx.sorted, fx.n, &fx.opts) == STATUS_IO);
    CHECK(strstr(status_message(), "cannot write the report") != NULL);
    fclose(out);
    fixture_release(&fx);
}

/* Validates each document (argv[2:]) against the SARIF schema (argv[1]) with the validator
 * the schema declares; checks what GitHub code scanning needs beyond the schema; and
 * proves the validator strict by mutating a document. */
static const char schema_script[] =
    "import copy, json, re, sys, urllib.parse\n"
    "import jsonschema\n"
    "schema = json.load(open(sys.argv[1], encoding='utf-8'))\n"
    "V = jsonschema.validators.validator_for(schema)\n"
    "V.check_schema(schema)\n"
    "v = V(schema)\n"
    "uri_re = re.compile(r\"^(file://)?[A-Za-z0-9._~!$&'()*+,;=@/%-]*$\")\n"
    "docs = []\n"
    "for path in sys.argv[2:]:\n"
    "    doc = json.load(open(path, encoding='utf-8'))\n"
    "    v.validate(doc)\n"
    "    assert doc['version'] == '2.1.0' and len(doc['runs']) == 1, 'one 2.1.0 run'\n"
    "    run = doc['runs'][0]\n"
    "    inv = run['invocations'][0]\n"
    "    assert inv['executionSuccessful'] is inv['properties']['complete'], 'incomplete = failed'\n"
    "    if not inv['properties']['complete']:\n"
    "        assert inv['toolExecutionNotifications'][0]['descriptor']['id'] == 'incomplete'\n"
    "    rules = run['tool']['driver']['rules']\n"
    "    ids = [r['id'] for r in rules]\n"
    "    assert ids == sorted(set(ids)), 'rule ids sorted and unique'\n"
    "    for r in rules:\n"
    "        sev = float(r['properties']['security-severity'])\n"
    "        assert 0.0 <= sev <= 10.0, r['id']\n"
    "        assert r['properties']['precision'] in ('low', 'medium', 'high'), r['id']\n"
    "        assert 'security' in r['properties']['tags'], r['id']\n"
    "        assert r['help']['text'] and r['help']['markdown'], r['id']\n"
    "    for res in run['results']:\n"
    "        assert res['ruleId'] == ids[res['ruleIndex']], 'ruleIndex'\n"
    "        assert re.fullmatch('[0-9a-f]{16}', res['partialFingerprints']['sesame/v1'])\n"
    "        assert res['level'] in ('error', 'warning', 'note')\n"
    "        assert 1 <= len(res['locations']) <= 10, 'ten primary locations'\n"
    "        locs = res['locations'] + res.get('relatedLocations', [])\n"
    "        assert len(locs) == res['properties']['places'] <= 1000, 'places'\n"
    "        for loc in locs:\n"
    "            uri = loc['physicalLocation']['artifactLocation']['uri']\n"
    "            assert uri_re.match(uri), uri\n"
    "            assert urllib.parse.urlsplit(uri).scheme in ('', 'file'), uri\n"
    "            if 'commit' in loc['properties']:\n"
    "                assert loc['message']['text'].startswith('In commit ')\n"
    "    docs.append(doc)\n"
    "assert docs, 'no document given'\n"
    "d0 = docs[0]\n"
    "uris = [l['physicalLocation']['artifactLocation']['uri']\n"
    "        for r in d0['runs'][0]['results'] for l in r['locations']]\n"
    "paths = [urllib.parse.unquote_to_bytes(u.removeprefix('file://')) for u in uris]\n"
    "assert b'config/my prod/caf\\xc3\\xa9.env' in paths, 'uri decodes to the path'\n"
    "assert b'odd\\x1b[31mname\\xff\\xe2\\x80\\xae:100%?#.txt' in paths, 'hostile path'\n"
    "assert b'/etc/app/creds.ini' in paths, 'absolute path'\n"
    "def bad(mutate):\n"
    "    d = copy.deepcopy(d0)\n"
    "    mutate(d)\n"
    "    assert not v.is_valid(d), 'schema accepts a mutated document'\n"
    "r0 = lambda d: d['runs'][0]['results'][0]\n"
    "bad(lambda d: d.update(version='2.0.0'))\n"
    "bad(lambda d: d['runs'][0].update(columnKind='bytes'))\n"
    "bad(lambda d: d['runs'][0]['invocations'][0].pop('executionSuccessful'))\n"
    "bad(lambda d: r0(d).update(level='fatal'))\n"
    "bad(lambda d: r0(d).pop('message'))\n"
    "bad(lambda d: r0(d).update(ruleIndex=-2))\n"
    "bad(lambda d: r0(d)['locations'][0]['physicalLocation']['region'].update(startLine=0))\n"
    "bad(lambda d: r0(d)['locations'][0]['physicalLocation'].update(extra=1))\n"
    "bad(lambda d: r0(d)['partialFingerprints'].update(n=1))\n"
    "bad(lambda d: d['runs'][0]['tool']['driver']['rules'][0].pop('id'))\n"
    "bad(lambda d: d['runs'][0]['tool']['driver']['rules'][0]['properties'].update(tags=[1]))\n"
    "print('sarif schema (%s): %d documents valid' % (V.__name__, len(docs)))\n";

/* Run python3 -c schema_script with argv; true if it exits 0. */
static bool run_schema_check(char *const *args, size_t n_args)
{
    char *argv[16];
    size_t argc = 0;
    pid_t pid;
    int rc, wstatus = 0;

    argv[argc++] = (char *)"python3";
    argv[argc++] = (char *)"-c";
    argv[argc++] = (char *)schema_script;
    for (size_t i = 0; i < n_args && argc + 1 < ARRAY_SIZE(argv); i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;

    fflush(stdout);
    rc = posix_spawnp(&pid, "python3", NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "cannot run python3: %s (the schema check needs python3-jsonschema)\n",
                strerror(rc));
        return false;
    }
    if (waitpid(pid, &wstatus, 0) != pid)
        return false;
    return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
}

/* Write text to a new temporary file; its path in a new string, or NULL. */
static char *write_temp(const char *text)
{
    const char *dir = getenv("TMPDIR");
    char *path = xasprintf("%s/sesame-sarif-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    FILE *out;
    bool ok;

    if (fd < 0 || (out = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "cannot create '%s': %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(path);
        return NULL;
    }
    ok = fwrite(text, 1, strlen(text), out) == strlen(text);
    if (fclose(out) != 0 || !ok) {
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

static void test_sarif__matches_official_schema(void)
{
    struct fixture fx;
    struct scan_stats empty_stats = { .started_at = FIXTURE_STARTED_AT };
    struct report_opts empty_opts = { .stats = &empty_stats };
    char *texts[3] = { NULL };
    char *args[ARRAY_SIZE(texts) + 1] = { NULL };
    size_t n = 0;
    enum status st;

    fixture_init(&fx);
    texts[0] = render_fixture(&fx, false); /* first: the script checks its paths */
    texts[1] = render_fixture(&fx, true);
    texts[2] = render(NULL, 0, &empty_opts, &st);
    CHECK_OK(st);

    args[n++] = source_path("tests/data/sarif-schema-2.1.0.json");
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        char *path = write_temp(texts[i]);

        CHECK(path != NULL);
        if (path != NULL)
            args[n++] = path;
    }
    CHECK(n == ARRAY_SIZE(args));
    CHECK(run_schema_check(args, n));

    for (size_t i = 1; i < n; i++)
        unlink(args[i]);
    for (size_t i = 0; i < n; i++)
        free(args[i]);
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
        free(texts[i]);
    fixture_release(&fx);
}

static const struct test tests[] = {
    TEST(test_sarif__is_a_listed_format),
    TEST(test_sarif__matches_golden_file),
    TEST(test_sarif__is_deterministic),
    TEST(test_sarif__default_output_never_shows_a_secret),
    TEST(test_sarif__show_secrets_shows_every_secret),
    TEST(test_sarif__uris_are_percent_encoded),
    TEST(test_sarif__levels_rules_and_locations),
    TEST(test_sarif__hostile_path_stays_valid),
    TEST(test_sarif__no_findings),
    TEST(test_sarif__rejects_a_broken_finding),
    TEST(test_sarif__columns_are_utf16_units),
    TEST(test_sarif__finding_without_rules_gets_a_fallback_rule),
    TEST(test_sarif__write_error_is_io),
    TEST(test_sarif__matches_official_schema),
};
HARNESS_MAIN(tests)
