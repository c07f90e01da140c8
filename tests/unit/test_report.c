/*
 * tests/unit/test_report.c - the text, json and jsonl reporters.
 *
 * A fixed set of hand-built findings (values from the fake-key generator with a fixed
 * seed, fixed stats and timestamps) is rendered and compared with tests/golden/report*;
 * SESAME_UPDATE_GOLDEN=1 rewrites those files instead. Beyond the goldens: no secret in
 * any default output, every secret with show_secrets, escaping of hostile paths, and the
 * JSON validated against schema/report.schema.json by python3-jsonschema. The six findings
 * cover the six exposures. The goldens hold placeholders ("{fake-secret-1}") where the
 * output has generated key IDs and values, so nothing key-shaped is committed even in
 * report-show-secrets.json.
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
#include "base/escape.h"
#include "rules/fakekey.h"

#include "harness.h"

#define FIXTURE_SEED 20261123
#include "report_fixture.h"

static void fixture_add_strings(char ***items, size_t *n, const char *const *add, size_t n_add)
{
    *items = xrealloc(*items, (*n + n_add) * sizeof(**items));
    for (size_t i = 0; i < n_add; i++)
        (*items)[(*n)++] = xstrdup(add[i]);
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

static void fixture_init(struct fixture *fx)
{
    static const char *const rules1[] = { "aws.access_key_id", "aws.secret.keyword",
                                          "aws.ses.smtp_password" };
    static const char *const rules2[] = { "aws.access_key_id", "aws.secret.keyword",
                                          "aws.session_token" };
    static const char *const region1[] = { "us-east-1" };
    static const char *const senders1[] = { "alerts@example.com", "noreply@example.com" };
    static const char *const branches1[] = { "main", "release/2024" };
    /* A hostile branch name too: refs may hold escapes and right-to-left overrides. */
    static const char *const branches4[] = { "feature/ses", "fix/\033[2Jclear\xe2\x80\xae" };
    struct finding *f;
    struct location *loc;

    memset(fx, 0, sizeof(*fx));
    fx->rng = (struct fakekey_rng)FAKEKEY_RNG_INIT(FIXTURE_SEED);

    /* 1: a long-term key with its secret and the SMTP password derived from it, seen in a
     * file, base64 in another, and in git history (removed there: see the end). Still at
     * HEAD. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_ACCESS_KEY_ID;
    f->confidence = CONF_HIGH;
    f->exposure = EXPOSURE_HEAD;
    fixture_add_strings(&f->branches, &f->n_branches, branches1, ARRAY_SIZE(branches1));
    fixture_set_id(fx, f, "AKIA", true);
    fixture_add_secret(fx, f);
    fixture_add_smtp(fx, f, 0, "us-east-1");
    fixture_add_strings(&f->regions, &f->n_regions, region1, 1);
    fixture_add_strings(&f->senders, &f->n_senders, senders1, ARRAY_SIZE(senders1));
    fixture_add_strings(&f->rule_ids, &f->n_rule_ids, rules1, ARRAY_SIZE(rules1));
    fixture_add_location(f, "config/prod.env", 2, 19, 40, CRED_ACCESS_KEY_ID,
                         "aws.access_key_id", NULL);
    fixture_add_location(f, "config/prod.env", 3, 23, 83, CRED_SECRET_ACCESS_KEY,
                         "aws.secret.keyword", NULL);
    fixture_add_location(f, "deploy/values.yaml", 12, 9, 301, CRED_ACCESS_KEY_ID,
                         "aws.access_key_id", "base64");
    loc = fixture_add_location(f, "mail/smtp.ini", 4, 10, 77, CRED_SMTP_PASSWORD,
                               "aws.ses.smtp_password", NULL);
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
    fixture_add_strings(&f->rule_ids, &f->n_rule_ids, rules2, ARRAY_SIZE(rules2));
    fixture_add_location(f, "release.zip!inner/config.json", 1, 57, 56, CRED_ACCESS_KEY_ID,
                         "aws.access_key_id", "json-escape");
    fixture_add_location(f, "release.zip!inner/config.json", 1, 101, 100,
                         CRED_SECRET_ACCESS_KEY, "aws.secret.keyword", "json-escape");
    fixture_add_location(f, "release.zip!inner/config.json", 1, 160, 159, CRED_SESSION_TOKEN,
                         "aws.session_token", "json-escape");

    /* 3: a secret seen alone, in a file not yet committed. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_SECRET_ACCESS_KEY;
    f->confidence = CONF_MEDIUM;
    f->exposure = EXPOSURE_WORKTREE;
    fixture_add_secret(fx, f);
    fixture_add_strings(&f->rule_ids, &f->n_rule_ids, rules1 + 1, 1);
    fixture_add_location(f, "scripts/deploy.sh", 7, 15, 120, CRED_SECRET_ACCESS_KEY,
                         "aws.secret.keyword", NULL);

    /* 4: an SMTP password alone, under a hostile file name (escape, a stray byte, a
     * right-to-left override), at the tips of two other branches, one hostile too. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_SMTP_PASSWORD;
    f->confidence = CONF_LOW;
    f->exposure = EXPOSURE_BRANCH;
    fixture_add_strings(&f->branches, &f->n_branches, branches4, ARRAY_SIZE(branches4));
    fixture_add_smtp(fx, f, -1, NULL);
    fixture_add_strings(&f->rule_ids, &f->n_rule_ids, rules1 + 2, 1);
    fixture_add_location(f, "odd\033[31mname\xff\xe2\x80\xae.txt", 1, 1, 0, CRED_SMTP_PASSWORD,
                         "aws.ses.smtp_password", NULL);

    /* 5: a documentation example (old generation: no account), only in history. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_ACCESS_KEY_ID;
    f->confidence = CONF_LOW;
    f->example = true;
    f->exposure = EXPOSURE_HISTORY;
    fixture_set_id(fx, f, "AKIA", false);
    fixture_add_secret(fx, f);
    fixture_add_strings(&f->rule_ids, &f->n_rule_ids, rules1, 2);
    fixture_add_location(f, "docs/README.md", 10, 5, 311, CRED_ACCESS_KEY_ID,
                         "aws.access_key_id", NULL);

    /* 6: a session token alone, seen in more places than the text format lists, only in
     * objects no ref reaches. */
    f = &fx->findings[fx->n++];
    fixture_fingerprint(fx, f);
    f->kind = CRED_SESSION_TOKEN;
    f->confidence = CONF_MEDIUM;
    f->exposure = EXPOSURE_UNREACHABLE;
    fixture_add_token(fx, f);
    fixture_add_strings(&f->rule_ids, &f->n_rule_ids, rules2 + 2, 1);
    for (unsigned i = 0; i < FIXTURE_LOG_LOCATIONS; i++) {
        char path[32];

        snprintf(path, sizeof(path), "logs/app-%02u.log", i);
        fixture_add_location(f, path, 100 + i, 31, 5000 + i, CRED_SESSION_TOKEN,
                             "aws.session_token", NULL);
    }

    /* Drawn last, so the generator gives every value above what it gave before. */
    fx->findings[0].locations[3].removed_in = fixture_hex(fx, 40);

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
        fixture_free_strings(f->senders, f->n_senders);
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

/* Render with `format`; the status goes to *st. Caller frees. */
static char *render(const char *format, const struct finding *const *sorted, size_t n,
                    const struct report_opts *opts, enum status *st)
{
    report_fn *fn = report_lookup(format);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (out == NULL || fn == NULL)
        abort();
    *st = fn(out, sorted, n, opts);
    fclose(out);
    return text;
}

static char *render_fixture(const char *format, const struct fixture *fx, bool show)
{
    struct report_opts opts = fx->opts;
    enum status st;
    char *text;

    opts.show_secrets = show;
    text = render(format, fx->sorted, fx->n, &opts, &st);
    CHECK_OK(st);
    return text;
}


static const char *const formats[] = { "text", "json", "jsonl", "sarif", "gitlab" };

/* -o FILE without -f (issue 17): the name's suffix, case-insensitive; GitLab's artifact
 * name before ".json"; anything else keeps the default. */
static void test_report__format_for_path(void)
{
    static const char *const cases[][2] = {
        { "x.sarif", "sarif" }, { "out/X.SARIF", "sarif" }, { "a.sarif.json", "sarif" },
        { "r.json", "json" }, { "r.jsonl", "jsonl" }, { "r.ndjson", "jsonl" },
        { "gl-secret-detection-report.json", "gitlab" },
        { "ci/gl-secret-detection-report.json", "gitlab" }, { "r.txt", "text" },
        { "report", NULL }, { "json", NULL }, { ".sarifx", NULL }, { "", NULL },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *got = report_format_for_path(cases[i][0]);
        if (cases[i][1] == NULL)
            CHECK(got == NULL);
        else
            CHECK(got != NULL && strcmp(got, cases[i][1]) == 0);
    }
    CHECK(report_format_for_path(NULL) == NULL);
}

static void test_report__lookup_knows_every_listed_format(void)
{
    char *list = xstrdup(report_formats());
    size_t listed = 0;

    for (char *name = list, *end; name != NULL; name = end) {
        end = strstr(name, ", ");
        if (end != NULL) {
            *end = '\0';
            end += 2;
        }
        CHECK(report_lookup(name) != NULL);
        listed++;
    }
    CHECK(listed == ARRAY_SIZE(formats));
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        CHECK(report_lookup(formats[i]) != NULL);
    CHECK(report_lookup("text") == report_text_write);
    CHECK(report_lookup("json") == report_json_write);
    CHECK(report_lookup("jsonl") == report_jsonl_write);
    CHECK(report_lookup("sarif") == report_sarif_write);
    CHECK(report_lookup("gitlab") == report_gitlab_write);
    CHECK(report_lookup("yaml") == NULL);
    CHECK(report_lookup("JSON") == NULL);
    CHECK(report_lookup("") == NULL);
    CHECK(report_lookup(NULL) == NULL);
    free(list);
}

static void test_report__matches_golden_files(void)
{
    static const struct {
        const char *format;
        bool show;
        const char *golden;
    } cases[] = {
        { "text", false, "report.txt" },
        { "json", false, "report.json" },
        { "jsonl", false, "report.jsonl" },
        { "json", true, "report-show-secrets.json" },
    };
    struct fixture fx;

    fixture_init(&fx);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *text = placehold(&fx, render_fixture(cases[i].format, &fx, cases[i].show));

        for (size_t k = 0; k < fx.n_fakes; k++)
            CHECK(!leaks(text, fx.fakes[k]));
        check_golden(cases[i].golden, text);
        free(text);
    }
    fixture_release(&fx);
}

static void test_report__is_deterministic(void)
{
    struct fixture a, b;

    fixture_init(&a);
    fixture_init(&b);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        char *x = render_fixture(formats[i], &a, false);
        char *y = render_fixture(formats[i], &b, false);

        CHECK_STREQ(x, y);
        free(x);
        free(y);
    }
    fixture_release(&a);
    fixture_release(&b);
}

static void test_report__default_output_never_shows_a_secret(void)
{
    struct fixture fx;

    fixture_init(&fx);
    CHECK(fx.n_values >= 7);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        char *text = render_fixture(formats[i], &fx, false);

        for (size_t v = 0; v < fx.n_values; v++) {
            if (leaks(text, fx.values[v])) {
                fprintf(stderr, "%s: value %zu leaks\n", formats[i], v);
                CHECK(!leaks(text, fx.values[v]));
            }
        }
        for (size_t k = 0; k < fx.n_ids; k++)
            CHECK(strstr(text, fx.ids[k]) != NULL); /* key IDs are shown whole */
        if (strcmp(formats[i], "gitlab") != 0) /* GitLab identifiers have a "value" */
            CHECK(strstr(text, "\"value\"") == NULL);
        free(text);
    }
    fixture_release(&fx);
}

static void test_report__show_secrets_shows_every_secret(void)
{
    struct fixture fx;

    fixture_init(&fx);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        char *text = render_fixture(formats[i], &fx, true);

        for (size_t v = 0; v < fx.n_values; v++) {
            if (strstr(text, fx.values[v]) == NULL) {
                fprintf(stderr, "%s: value %zu missing\n", formats[i], v);
                CHECK(strstr(text, fx.values[v]) != NULL);
            }
        }
        free(text);
    }
    fixture_release(&fx);
}

/* How many times `needle` occurs in `text`. */
/* noinline: inlined, gcc 12 -O3 mistakes the report for a dead local (-Wdangling-pointer) */
__attribute__((noinline)) static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(text, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

static void test_report__text_groups_by_credential(void)
{
    struct fixture fx;
    char *text, *removed;

    fixture_init(&fx);
    text = render_fixture("text", &fx, false);
    CHECK(strstr(text, "  access key ID \xc2\xb7 account ") != NULL);
    CHECK(strstr(text, "  temporary access key ID \xc2\xb7 account ") != NULL);
    CHECK(strstr(text, "(derived from the secret above, us-east-1)\n") != NULL);
    CHECK(strstr(text, "config/prod.env:3:23 (secret_access_key, rule aws.secret.keyword)\n"));
    CHECK(strstr(text, "deploy/values.yaml:12:9 (access_key_id, rule aws.access_key_id, "
                       "base64)\n") != NULL);
    removed = xasprintf(" (2024-05-01, Jane Doe) \xc2\xb7 removed in %.7s\n",
                        fx.findings[0].locations[3].removed_in);
    CHECK(strstr(text, removed) != NULL);
    CHECK(strstr(text, " [example]\n") != NULL);
    /* Exposure follows the confidence; a plain file says nothing. */
    CHECK(strstr(text, " \xc2\xb7 high confidence \xc2\xb7 still at HEAD \xc2\xb7 ") != NULL);
    CHECK(strstr(text, " \xc2\xb7 high confidence \xc2\xb7 fingerprint ") != NULL);
    CHECK(strstr(text, " \xc2\xb7 uncommitted (staged or working tree) \xc2\xb7 ") != NULL);
    CHECK(strstr(text, " \xc2\xb7 at branch tips: feature/ses, fix/") != NULL);
    CHECK(strstr(text, " \xc2\xb7 only in history \xc2\xb7 ") != NULL);
    CHECK(strstr(text, " \xc2\xb7 only in unreachable objects \xc2\xb7 ") != NULL);
    CHECK(strstr(text, "release/2024") == NULL); /* branches are listed for "branch" only */
    CHECK(occurrences(text, "removed in ") == 1);
    CHECK(strstr(text, "and 5 more (--format json lists them all)\n") != NULL);
    CHECK(strstr(text, "logs/app-19.log") != NULL);
    CHECK(strstr(text, "logs/app-20.log") == NULL);
    CHECK(strstr(text, "\n\n6 findings (3 access keys, 4 secrets, 2 session tokens, "
                       "2 SMTP passwords) in 1234 files, 56.8 MB in 1.25 s (45.4 MB/s)") !=
          NULL);
    CHECK(strstr(text, " \xc2\xb7 2 unreadable") != NULL);
    CHECK(strstr(text, " \xc2\xb7 3 examples hidden (--include-examples)\n") != NULL);
    CHECK(strchr(text, '\033') == NULL); /* no colour unless asked */
    free(removed);
    free(text);
    fixture_release(&fx);
}

static void test_report__hostile_paths_are_escaped(void)
{
    struct fixture fx;
    char *text, *json;

    fixture_init(&fx);
    fx.opts.color = false;
    text = render_fixture("text", &fx, false);
    json = render_fixture("json", &fx, false);
    CHECK(strstr(text, "odd\\x1b[31mname\\xff\\u202e.txt:1:1 ") != NULL);
    CHECK(strchr(text, '\033') == NULL);
    CHECK(strstr(text, "\xe2\x80\xae") == NULL);
    /* JSON shows the same lossless form as the text (a stray byte is \xff, not U+FFFD:
     * two paths that differ in one byte must not print the same). */
    CHECK(strstr(json, "\"path\": \"odd\\\\x1b[31mname\\\\xff\\\\u202e.txt\"") != NULL);
    /* Branch names come from the input as well. */
    CHECK(strstr(text, "at branch tips: feature/ses, fix/\\x1b[2Jclear\\u202e \xc2\xb7 ") != NULL);
    CHECK(strstr(json, "\"fix/\\u001B[2Jclear\xe2\x80\xae\"") != NULL);
    free(text);
    free(json);
    fixture_release(&fx);
}

static void test_report__color_only_when_asked(void)
{
    struct fixture fx;
    char *text;

    fixture_init(&fx);
    fx.opts.color = true;
    text = render_fixture("text", &fx, false);
    CHECK(strstr(text, "\033[1m") != NULL);
    CHECK(strstr(text, "\033[0m") != NULL);
    for (size_t v = 0; v < fx.n_values; v++)
        CHECK(!leaks(text, fx.values[v]));
    free(text);
    for (size_t i = 1; i < ARRAY_SIZE(formats); i++) {
        text = render_fixture(formats[i], &fx, false); /* colour is for text only */
        CHECK(strchr(text, '\033') == NULL);
        free(text);
    }
    fixture_release(&fx);
}

/* The branch wording with one branch and with none (a finding built without its list). */
static void test_report__branch_exposure_wording(void)
{
    char *one[] = { (char *)"dev" };
    struct finding f;
    const struct finding *sorted[] = { &f };
    enum status st;
    char *text;

    memset(&f, 0, sizeof(f));
    memcpy(f.fingerprint, "0123456789abcdef", 17);
    f.kind = CRED_ACCESS_KEY_ID;
    f.access_key_id = (char *)"(id)";
    f.exposure = EXPOSURE_BRANCH;
    f.branches = one;
    f.n_branches = 1;
    text = render("text", sorted, 1, NULL, &st);
    CHECK_OK(st);
    CHECK(strstr(text, " \xc2\xb7 low confidence \xc2\xb7 at branch tip: dev \xc2\xb7 ") != NULL);
    free(text);

    f.branches = NULL;
    f.n_branches = 0;
    text = render("text", sorted, 1, NULL, &st);
    CHECK_OK(st);
    CHECK(strstr(text, " \xc2\xb7 low confidence \xc2\xb7 at a branch tip \xc2\xb7 ") != NULL);
    free(text);
    text = render("jsonl", sorted, 1, NULL, &st);
    CHECK_OK(st);
    CHECK(strstr(text, "\"exposure\":\"branch\",\"branches\":[],\"risk\"") != NULL);
    free(text);
}

static void test_report__no_findings(void)
{
    struct scan_stats stats = { .files = 3, .bytes = 2500000, .seconds = 0.5,
                                .started_at = FIXTURE_STARTED_AT };
    struct report_opts opts = { .stats = &stats };
    enum status st;
    char *text;

    text = render("text", NULL, 0, &opts, &st);
    CHECK_OK(st);
    CHECK_STREQ(text, "no credentials found in 3 files, 2.5 MB in 0.50 s (5.0 MB/s)\n");
    free(text);

    text = render("json", NULL, 0, &opts, &st);
    CHECK_OK(st);
    CHECK(strstr(text, "\"findings\": []") != NULL);
    CHECK(strstr(text, "\"started_at\": \"2026-11-23T12:00:00Z\"") != NULL);
    CHECK(strstr(text, "\"mb_per_s\": 5.0,") != NULL);
    CHECK(strstr(text, "\"targets\": []") != NULL);
    free(text);

    text = render("jsonl", NULL, 0, &opts, &st);
    CHECK_OK(st);
    CHECK_STREQ(text, "");
    free(text);

    /* No options at all: zero stats, nothing shown. */
    text = render("text", NULL, 0, NULL, &st);
    CHECK_OK(st);
    CHECK_STREQ(text, "no credentials found in 0 files, 0.0 MB in 0.00 s (0.0 MB/s)\n");
    free(text);
}

static void test_report__zero_seconds_gives_zero_rate(void)
{
    struct scan_stats stats = { .files = 1, .bytes = 1000, .seconds = 0.0 };
    struct report_opts opts = { .stats = &stats };
    enum status st;
    char *text = render("json", NULL, 0, &opts, &st);

    CHECK_OK(st);
    CHECK(strstr(text, "\"seconds\": 0.0,") != NULL);
    CHECK(strstr(text, "\"mb_per_s\": 0.0,") != NULL);
    free(text);
}

static void test_report__json_summary_counts_by_kind(void)
{
    struct fixture fx;
    char *json;

    fixture_init(&fx);
    json = render_fixture("json", &fx, false);
    CHECK(strstr(json, "\"summary\": {\n    \"findings\": 6,\n    \"by_kind\": {\n"
                       "      \"access_key_id\": 3,\n      \"secret_access_key\": 1,\n"
                       "      \"session_token\": 1,\n      \"smtp_password\": 1,\n"
                       "      \"bedrock_api_key\": 0\n    },\n"
                       "    \"examples\": 1\n  }") != NULL);
    CHECK(strstr(json, "\"seconds\": 1.25,") != NULL);
    CHECK(strstr(json, "\"mb_per_s\": 45.43,") != NULL);
    free(json);
    fixture_release(&fx);
}

static void test_report__jsonl_is_one_finding_per_line(void)
{
    struct fixture fx;
    char *text;
    size_t lines = 0;

    fixture_init(&fx);
    text = render_fixture("jsonl", &fx, false);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n') {
            lines++;
            CHECK(p[1] == '\0' || strncmp(p + 1, "{\"fingerprint\":\"", 16) == 0);
        }
    }
    CHECK(lines == fx.n);
    CHECK(strncmp(text, "{\"fingerprint\":\"", 16) == 0);
    CHECK(strstr(text, "\"version\"") == NULL); /* findings only */
    free(text);
    fixture_release(&fx);
}

static void test_report__rejects_a_context_finding(void)
{
    struct finding f;
    const struct finding *sorted[] = { &f };
    enum status st;
    char *text;

    memset(&f, 0, sizeof(f));
    memcpy(f.fingerprint, "0123456789abcdef", 17);
    f.kind = CRED_CONTEXT;
    text = render("json", sorted, 1, NULL, &st);
    CHECK(st == STATUS_BUG);
    CHECK(strstr(status_message(), "0123456789abcdef") != NULL);
    free(text);
    text = render("jsonl", sorted, 1, NULL, &st);
    CHECK(st == STATUS_BUG);
    free(text);
}

static void test_report__rejects_an_unknown_exposure(void)
{
    struct finding f;
    const struct finding *sorted[] = { &f };
    enum status st;
    char *text;

    memset(&f, 0, sizeof(f));
    memcpy(f.fingerprint, "0123456789abcdef", 17);
    f.kind = CRED_SECRET_ACCESS_KEY;
    f.exposure = (enum exposure)(EXPOSURE_UNREACHABLE + 1);
    for (size_t i = 1; i < ARRAY_SIZE(formats); i++) {
        text = render(formats[i], sorted, 1, NULL, &st);
        CHECK(st == STATUS_BUG);
        CHECK(strstr(status_message(), "exposure") != NULL);
        free(text);
    }
    /* Text has no schema to break: it just leaves the exposure out. */
    text = render("text", sorted, 1, NULL, &st);
    CHECK_OK(st);
    CHECK(strstr(text, " \xc2\xb7 low confidence \xc2\xb7 fingerprint ") != NULL);
    free(text);
}

static void test_report__write_error_is_io(void)
{
    struct fixture fx;

    fixture_init(&fx);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        FILE *out = fopen("/dev/full", "w");

        if (out == NULL) {
            fprintf(stderr, "cannot open /dev/full: %s\n", strerror(errno));
            CHECK(out != NULL);
            break;
        }
        CHECK(report_lookup(formats[i])(out, fx.sorted, fx.n, &fx.opts) == STATUS_IO);
        CHECK(strstr(status_message(), "cannot write the report") != NULL);
        fclose(out);
    }
    fixture_release(&fx);
}

static void test_report__utf8_decoder(void)
{
    static const struct {
        const char *s;
        size_t len;
        uint32_t cp;
    } cases[] = {
        { "A", 1, 0x41 },
        { "\xc3\xa9", 2, 0xe9 },
        { "\xe2\x80\xa6", 3, 0x2026 },
        { "\xf0\x9f\x94\x91", 4, 0x1f511 },
        { "\x80", 0, 0 },               /* stray continuation */
        { "\xc0\xaf", 0, 0 },           /* overlong '/' */
        { "\xe0\x80\xaf", 0, 0 },       /* overlong '/' */
        { "\xed\xa0\x80", 0, 0 },       /* surrogate */
        { "\xf4\x90\x80\x80", 0, 0 },   /* above U+10FFFF */
        { "\xe2\x80", 0, 0 },           /* truncated */
        { "\xe2\x28\xa1", 0, 0 },       /* bad continuation */
        { "\xff", 0, 0 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint32_t cp = 0;
        size_t len = utf8_next(cases[i].s, strlen(cases[i].s), &cp);

        CHECK(len == cases[i].len);
        if (len != 0)
            CHECK(cp == cases[i].cp);
    }
}

/* Validates each "json:PATH" or "jsonl:PATH" argument against the schema (argv[1]); checks
 * the summary against the findings; and proves the schema strict by mutating a document. */
static const char schema_script[] =
    "import copy, json, sys\n"
    "import jsonschema\n"
    "V = jsonschema.Draft202012Validator\n"
    "schema = json.load(open(sys.argv[1]))\n"
    "V.check_schema(schema)\n"
    "doc_v = V(schema)\n"
    "finding_v = V({'$defs': schema['$defs'], '$ref': '#/$defs/finding'})\n"
    "docs = []\n"
    "for arg in sys.argv[2:]:\n"
    "    kind, path = arg.split(':', 1)\n"
    "    if kind == 'jsonl':\n"
    "        for line in open(path, encoding='utf-8'):\n"
    "            finding_v.validate(json.loads(line))\n"
    "        continue\n"
    "    doc = json.load(open(path, encoding='utf-8'))\n"
    "    doc_v.validate(doc)\n"
    "    s = doc['summary']\n"
    "    assert s['findings'] == len(doc['findings']), 'summary.findings'\n"
    "    for k, n in s['by_kind'].items():\n"
    "        assert n == sum(f['kind'] == k for f in doc['findings']), 'by_kind ' + k\n"
    "    assert s['examples'] == sum(f['example'] for f in doc['findings']), 'examples'\n"
    "    docs.append(doc)\n"
    "assert docs, 'no json document given'\n"
    "d0 = docs[0]\n"
    "def bad(mutate):\n"
    "    d = copy.deepcopy(docs[0])\n"
    "    mutate(d)\n"
    "    assert not doc_v.is_valid(d), 'schema accepts a mutated document'\n"
    "bad(lambda d: d.update(extra=1))\n"
    "bad(lambda d: d.update(version='2.0'))\n"
    "bad(lambda d: d['scan'].pop('files'))\n"
    "bad(lambda d: d['scan'].update(started_at='yesterday'))\n"
    "bad(lambda d: d['findings'][0].update(fingerprint='xyz'))\n"
    "bad(lambda d: d['findings'][0].update(kind='context'))\n"
    "bad(lambda d: d['findings'][0].pop('locations'))\n"
    "bad(lambda d: d['findings'][0]['secrets'][0].update(sha256='abc'))\n"
    "bad(lambda d: d['findings'][0]['secrets'][0].update(plain='x'))\n"
    "bad(lambda d: d['findings'][0]['locations'][0].update(line=0))\n"
    "bad(lambda d: d['findings'][0]['locations'][3]['commit'].pop('summary'))\n"
    "bad(lambda d: d['findings'][0].update(exposure='everywhere'))\n"
    "bad(lambda d: d['findings'][0].pop('branches'))\n"
    "bad(lambda d: d['findings'][0].pop('sender_addresses'))\n"
    "bad(lambda d: d['findings'][0].update(sender_addresses=['a@example.com', 'a@example.com']))\n"
    "bad(lambda d: d['findings'][0].update(sender_addresses=['\\u001b[2J@example.com']))\n"
    "bad(lambda d: d['findings'][0].update(sender_addresses=['a%d@example.com' % i for i in range(9)]))\n"
    "assert d0['findings'][0]['sender_addresses'] == ['alerts@example.com', 'noreply@example.com'], 'fixture lost its senders'\n"
    "bad(lambda d: d['findings'][0].update(branches=['main', 'main']))\n"
    "bad(lambda d: d['findings'][0]['locations'][0].pop('removed_in'))\n"
    "bad(lambda d: d['findings'][0]['locations'][3].update(removed_in='1a2b3c4'))\n"
    "assert d0['findings'][0]['locations'][3]['removed_in'], 'fixture lost removed_in'\n"
    "print('schema: %d documents valid' % len(docs))\n";

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
    char *path = xasprintf("%s/sesame-report-XXXXXX", dir && *dir ? dir : "/tmp");
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

static void test_report__json_matches_schema(void)
{
    static const struct {
        const char *format;
        bool show;
    } cases[] = { { "json", false }, { "json", true }, { "jsonl", false }, { "jsonl", true } };
    struct fixture fx;
    char *schema = source_path("schema/report.schema.json");
    char *paths[ARRAY_SIZE(cases) + 1] = { NULL };
    char *args[ARRAY_SIZE(cases) + 2] = { NULL };
    struct scan_stats empty_stats = { .started_at = FIXTURE_STARTED_AT };
    struct report_opts empty_opts = { .stats = &empty_stats };
    enum status st;
    size_t n = 0;
    char *text;

    fixture_init(&fx);
    args[n++] = xstrdup(schema);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        text = render_fixture(cases[i].format, &fx, cases[i].show);
        paths[i] = write_temp(text);
        CHECK(paths[i] != NULL);
        if (paths[i] != NULL)
            args[n++] = xasprintf("%s:%s", cases[i].format, paths[i]);
        free(text);
    }
    /* An empty report must be valid too. */
    text = render("json", NULL, 0, &empty_opts, &st);
    CHECK_OK(st);
    paths[ARRAY_SIZE(cases)] = write_temp(text);
    CHECK(paths[ARRAY_SIZE(cases)] != NULL);
    if (paths[ARRAY_SIZE(cases)] != NULL)
        args[n++] = xasprintf("json:%s", paths[ARRAY_SIZE(cases)]);
    free(text);

    CHECK(n == ARRAY_SIZE(args));
    CHECK(run_schema_check(args, n));

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        if (paths[i] != NULL)
            unlink(paths[i]);
        free(paths[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(args[i]);
    free(schema);
    fixture_release(&fx);
}

static const struct test tests[] = {
    TEST(test_report__lookup_knows_every_listed_format),
    TEST(test_report__matches_golden_files),
    TEST(test_report__format_for_path),
    TEST(test_report__is_deterministic),
    TEST(test_report__default_output_never_shows_a_secret),
    TEST(test_report__show_secrets_shows_every_secret),
    TEST(test_report__text_groups_by_credential),
    TEST(test_report__hostile_paths_are_escaped),
    TEST(test_report__color_only_when_asked),
    TEST(test_report__branch_exposure_wording),
    TEST(test_report__no_findings),
    TEST(test_report__zero_seconds_gives_zero_rate),
    TEST(test_report__json_summary_counts_by_kind),
    TEST(test_report__jsonl_is_one_finding_per_line),
    TEST(test_report__rejects_a_context_finding),
    TEST(test_report__rejects_an_unknown_exposure),
    TEST(test_report__write_error_is_io),
    TEST(test_report__utf8_decoder),
    TEST(test_report__json_matches_schema),
};
HARNESS_MAIN(tests)
