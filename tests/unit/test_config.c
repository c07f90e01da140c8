/*
 * tests/unit/test_config.c - .sesame.json and baseline files (config.h).
 *
 * What a valid file gives (globs, disabled rules, the baseline path resolved next to
 * the config file; baseline entries sorted, parts of version 2, what a version 1
 * baseline covers), and every way a file is refused: each error has its status and a
 * message that names the file, and leaves nothing allocated behind.
 */
#include "config.h"
#include "base/limits.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/compiler.h"
#include "crypto/crypto.h"
#include "finding/finding.h"
#include "harness.h"
#include "tmpdir.h"

/* A fingerprint-shaped string: 16 hex digits derived from `n`. */
static void fingerprint_of(unsigned n, char out[17])
{
    char hex[65], in[16];

    snprintf(in, sizeof(in), "fp-%u", n);
    crypto_sha256_hex(in, strlen(in), hex);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* The status and message of a refused file: `status`, and a message naming `path` and
 * containing `what`. */
static void check_refused(enum status got, enum status status, const char *path,
                          const char *what)
{
    const char *msg = status_message();

    CHECK(got == status);
    if (got != status)
        fprintf(stderr, "  status %d, expected %d (%s)\n", (int)got,
                (int)status, msg);
    if (!strstr(msg, path) || !strstr(msg, what)) {
        fprintf(stderr, "  message \"%s\" does not name '%s' and \"%s\"\n", msg, path, what);
        CHECK(false);
    }
}

static bool config_is_empty(const struct repo_config *c)
{
    return !c->exclude && !c->n_exclude && !c->include && !c->n_include && !c->disable &&
           !c->n_disable && !c->baseline && !c->source;
}

static void test_config__full_file(void)
{
    struct tmpdir t;
    struct repo_config c;
    const char *path;

    tmpdir_init(&t);
    path = tmpdir_file(&t, "repo/.sesame.json",
                       "{\"$comment\": \"why\", \"exclude\": [\"fuzz/**\", \"build*\"],\n"
                       " \"include\": [\"src/**\"], \"rules\": {\"disable\": [\"a.b\"]},\n"
                       " \"baseline\": \"base/line.json\"}\n");
    CHECK_OK(config_load(path, &c));
    CHECK(c.n_exclude == 2 && c.n_include == 1 && c.n_disable == 1);
    if (c.n_exclude == 2 && c.n_include == 1 && c.n_disable == 1) {
        CHECK_STREQ(c.exclude[0], "fuzz/**");
        CHECK_STREQ(c.exclude[1], "build*");
        CHECK_STREQ(c.include[0], "src/**");
        CHECK_STREQ(c.disable[0], "a.b");
    }
    /* a relative baseline is next to the config file */
    {
        char *want = xasprintf("%s/repo/base/line.json", t.path);
        CHECK_STREQ(c.baseline, want);
        free(want);
    }
    CHECK_STREQ(c.source, path);
    config_release(&c);
    CHECK(config_is_empty(&c));
    config_release(&c); /* twice: a no-op */
    config_release(NULL);
    tmpdir_release(&t);
}

static void test_config__baseline_paths(void)
{
    struct tmpdir t;
    struct repo_config c;

    tmpdir_init(&t);
    CHECK_OK(config_load(tmpdir_file(&t, "a.json", "{\"baseline\": \"/abs/b.json\"}"), &c));
    CHECK_STREQ(c.baseline, "/abs/b.json");
    CHECK(c.n_exclude == 0 && c.exclude == NULL);
    config_release(&c);
    CHECK_OK(config_load(tmpdir_file(&t, "b.json", "{}"), &c));
    CHECK(c.baseline == NULL);
    CHECK(c.source != NULL);
    config_release(&c);
    tmpdir_release(&t);
}

static void test_config__load_dir(void)
{
    struct tmpdir t;
    struct repo_config c;
    char *dir;

    tmpdir_init(&t);
    /* no .sesame.json: fine, and nothing loaded */
    CHECK_OK(config_load_dir(t.path, &c));
    CHECK(config_is_empty(&c));
    config_release(&c);
    tmpdir_file(&t, "r/.sesame.json", "{\"exclude\": [\"x\"]}");
    dir = xasprintf("%s/r", t.path);
    CHECK_OK(config_load_dir(dir, &c));
    CHECK(c.n_exclude == 1 && c.source && strstr(c.source, "/r/.sesame.json"));
    config_release(&c);
    /* a bad one is an error */
    tmpdir_file(&t, "r/.sesame.json", "{\"exclude\": 1}");
    check_refused(config_load_dir(dir, &c), STATUS_CORRUPT, "/r/.sesame.json", "\"exclude\"");
    CHECK(config_is_empty(&c));
    free(dir);
    tmpdir_release(&t);
}

static void test_config__every_error_names_the_file(void)
{
    static const struct {
        const char *text;
        enum status status;
        const char *what;
    } cases[] = {
        { "{\"exclude\": [\"a\"", STATUS_CORRUPT, "line" },   /* not JSON */
        { "", STATUS_CORRUPT, "line" },
        { "{\"exclude\": [], \"exclude\": []}", STATUS_CORRUPT, "line" }, /* duplicate key */
        { "[\"exclude\"]", STATUS_CORRUPT, "top level must be an object" },
        { "\"x\"", STATUS_CORRUPT, "line" }, /* JSON, but not an array or object */
        { "{\"excludes\": []}", STATUS_CORRUPT, "unknown field \"excludes\"" },
        { "{\"exclude\": \"a\"}", STATUS_CORRUPT, "\"exclude\" must be an array of strings" },
        { "{\"include\": {}}", STATUS_CORRUPT, "\"include\" must be an array of strings" },
        { "{\"exclude\": [\"a\", 2]}", STATUS_CORRUPT,
          "\"exclude\"[1] must be a non-empty string" },
        { "{\"include\": [\"\"]}", STATUS_CORRUPT, "\"include\"[0] must be a non-empty string" },
        { "{\"rules\": []}", STATUS_CORRUPT, "\"rules\" must be an object" },
        { "{\"rules\": \"disable\"}", STATUS_CORRUPT, "\"rules\" must be an object" },
        { "{\"rules\": {\"enable\": []}}", STATUS_CORRUPT, "unknown field \"rules.enable\"" },
        { "{\"rules\": {\"disable\": \"a\"}}", STATUS_CORRUPT,
          "\"rules.disable\" must be an array of strings" },
        { "{\"rules\": {\"disable\": [null]}}", STATUS_CORRUPT,
          "\"rules.disable\"[0] must be a non-empty string" },
        { "{\"baseline\": 1}", STATUS_CORRUPT, "\"baseline\" must be a file name" },
        { "{\"baseline\": \"\"}", STATUS_CORRUPT, "\"baseline\" must be a file name" },
        /* an error after valid fields: those are released too */
        { "{\"exclude\": [\"a\", \"b\"], \"include\": [\"c\"], \"baseline\": []}", STATUS_CORRUPT,
          "\"baseline\" must be a file name" },
    };
    struct tmpdir t;

    tmpdir_init(&t);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct repo_config c;
        const char *path = tmpdir_file(&t, "bad.json", cases[i].text);

        check_refused(config_load(path, &c), cases[i].status, path, cases[i].what);
        CHECK(config_is_empty(&c));
        config_release(&c);
    }
    tmpdir_release(&t);
}

static void test_config__long_glob_refused(void)
{
    struct tmpdir t;
    struct repo_config c;
    char *glob = xmalloc(4098), *text;
    const char *path;

    memset(glob, 'a', 4097);
    glob[4097] = '\0';
    tmpdir_init(&t);
    text = xasprintf("{\"exclude\": [\"%.4096s\"]}", glob); /* 4096: the longest allowed */
    CHECK_OK(config_load(tmpdir_file(&t, "ok.json", text), &c));
    CHECK(c.n_exclude == 1 && strlen(c.exclude[0]) == 4096);
    config_release(&c);
    free(text);
    text = xasprintf("{\"exclude\": [\"%s\"]}", glob);
    path = tmpdir_file(&t, "long.json", text);
    check_refused(config_load(path, &c), STATUS_CORRUPT, path, "\"exclude\"[0]");
    free(text);
    free(glob);
    tmpdir_release(&t);
}

static void test_config__unreadable_and_oversized(void)
{
    struct tmpdir t;
    struct repo_config c;
    struct baseline b;
    char *missing;
    const char *big;
    int fd;

    tmpdir_init(&t);
    missing = xasprintf("%s/none.json", t.path);
    check_refused(config_load(missing, &c), STATUS_IO, missing, "cannot read");
    CHECK(config_is_empty(&c));
    check_refused(baseline_load(missing, &b), STATUS_IO, missing, "cannot read");
    check_refused(config_load(t.path, &c), STATUS_IO, t.path, "not a regular file");

    /* one byte over each cap (sparse files: nothing is written) */
    big = tmpdir_file(&t, "big.json", "{}");
    fd = open(big, O_WRONLY);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)LIMIT_CONFIG_BYTES + 1) == 0);
    check_refused(config_load(big, &c), STATUS_LIMIT, big, "larger than");
    CHECK(fd >= 0 && ftruncate(fd, (off_t)LIMIT_CONFIG_BYTES) == 0); /* at the cap: read */
    check_refused(config_load(big, &c), STATUS_CORRUPT, big, "line");
    CHECK(fd >= 0 && ftruncate(fd, (off_t)LIMIT_BASELINE_BYTES + 1) == 0);
    check_refused(baseline_load(big, &b), STATUS_LIMIT, big, "larger than");
    if (fd >= 0)
        close(fd);
    free(missing);
    tmpdir_release(&t);
}

/* ---- baselines -------------------------------------------------------------------- */

/* A finding with `n_secrets` secrets whose SHA-256 starts with the given hex. */
static void make_finding(struct finding *f, const char *fingerprint, const char *const *secrets,
                         size_t n_secrets)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->fingerprint, fingerprint, 17);
    f->secrets = xcalloc(n_secrets + 1, sizeof(*f->secrets));
    for (size_t i = 0; i < n_secrets; i++) {
        f->secrets[i].value = NULL;
        snprintf(f->secrets[i].sha256, sizeof(f->secrets[i].sha256), "%s", secrets[i]);
    }
    f->n_secrets = n_secrets;
}

static void test_config__baseline_v2(void)
{
    static const char *const sha_a =
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static const char *const sha_b =
        "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    struct tmpdir t;
    struct baseline b;
    struct finding f;
    char fp[3][17], part[64], *text;
    const struct baseline_entry *e;

    for (unsigned i = 0; i < 3; i++)
        fingerprint_of(i, fp[i]);
    finding_part_handle(CRED_SECRET_ACCESS_KEY, sha_a, part, sizeof(part));
    CHECK_STREQ(part, "secret_access_key:0011223344556677");
    finding_part_handle(CRED_SMTP_PASSWORD, sha_b, part, sizeof(part));
    CHECK_STREQ(part, "smtp_password:ffeeddccbbaa9988");
    tmpdir_init(&t);
    text = xasprintf("{\"version\": 2, \"findings\": [\n"
                     " {\"fingerprint\": \"%s\", \"parts\": [\"smtp_password:ffeeddccbbaa9988\","
                     " \"secret_access_key:0011223344556677\"]},\n"
                     " {\"fingerprint\": \"%s\", \"parts\": []},\n"
                     " {\"fingerprint\": \"%s\"}]}\n",
                     fp[0], fp[1], fp[2]);
    CHECK_OK(baseline_load(tmpdir_file(&t, "b.json", text), &b));
    CHECK(b.n == 3);
    for (size_t i = 1; i < b.n; i++) /* sorted by fingerprint */
        CHECK(strcmp(b.v[i - 1].fingerprint, b.v[i].fingerprint) < 0);
    e = baseline_find(&b, fp[0]);
    CHECK(e && e->has_parts && e->n_parts == 2);
    if (e && e->n_parts == 2) { /* parts sorted */
        CHECK_STREQ(e->parts[0], "secret_access_key:0011223344556677");
        CHECK_STREQ(e->parts[1], "smtp_password:ffeeddccbbaa9988");
    }
    e = baseline_find(&b, fp[1]);
    CHECK(e && e->has_parts && e->n_parts == 0);
    e = baseline_find(&b, fp[2]);
    CHECK(e && !e->has_parts);
    CHECK(baseline_find(&b, "0000000000000000") == NULL);

    /* covered: every part of the finding was recorded */
    make_finding(&f, fp[0], &sha_a, 1);
    CHECK(baseline_covers(&b, &f));
    free(f.secrets);
    /* a new secret for a recorded key ID is not covered */
    make_finding(&f, fp[0], &sha_b, 1);
    CHECK(!baseline_covers(&b, &f));
    free(f.secrets);
    make_finding(&f, fp[1], &sha_a, 1);
    CHECK(!baseline_covers(&b, &f));
    free(f.secrets);
    make_finding(&f, fp[1], NULL, 0);
    CHECK(baseline_covers(&b, &f));
    free(f.secrets);
    fingerprint_of(9, part);
    make_finding(&f, part, NULL, 0); /* not in the baseline */
    CHECK(!baseline_covers(&b, &f));
    free(f.secrets);
    baseline_release(&b);
    CHECK(b.n == 0 && b.v == NULL && b.path == NULL);
    baseline_release(&b);
    baseline_release(NULL);
    free(text);
    tmpdir_release(&t);
}

static void test_config__baseline_v1_covers_bare_ids_only(void)
{
    static const char *const sha =
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct tmpdir t;
    struct baseline b;
    struct finding f;
    char fp[17], *text;

    fingerprint_of(1, fp);
    tmpdir_init(&t);
    text = xasprintf("{\"findings\": [{\"fingerprint\": \"%s\", \"kind\": \"x\"}]}", fp);
    CHECK_OK(baseline_load(tmpdir_file(&t, "v1.json", text), &b));
    CHECK(b.n == 1 && !b.v[0].has_parts && !b.warned_v1);
    make_finding(&f, fp, NULL, 0);
    CHECK(baseline_covers(&b, &f)); /* a bare key ID */
    CHECK(!b.warned_v1);
    free(f.secrets);
    make_finding(&f, fp, &sha, 1);
    CHECK(!baseline_covers(&b, &f)); /* v1 cannot say which secret it saw */
    CHECK(b.warned_v1);
    free(f.secrets);
    baseline_release(&b);
    free(text);
    tmpdir_release(&t);
}

static void test_config__baseline_errors_name_the_file(void)
{
    static const struct {
        const char *text;
        const char *what;
    } cases[] = {
        { "{\"findings\": [", "line" },
        { "[]", "top level must be an object" },
        { "{}", "not a sesame baseline (no \"findings\" array)" },
        { "{\"findings\": {}}", "not a sesame baseline" },
        { "{\"findings\": [{}]}", "findings[0]: \"fingerprint\" must be 16 hex digits" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\"}, {\"fingerprint\": 7}]}",
          "findings[1]: \"fingerprint\"" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789ABCDEF\"}]}",
          "findings[0]: \"fingerprint\"" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcde\"}]}",
          "findings[0]: \"fingerprint\"" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef0\"}]}",
          "findings[0]: \"fingerprint\"" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"parts\": \"x\"}]}",
          "findings[0]: \"parts\" must be an array" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"parts\": [1]}]}",
          "findings[0].parts[0]: expected \"KIND:16 hex digits\"" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"parts\":"
          " [\"secret_access_key:0011223344556677\", \"access_key_id:0011223344556677\"]}]}",
          "findings[0].parts[1]" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"parts\":"
          " [\"session_token:001122334455667\"]}]}", "findings[0].parts[0]" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"parts\":"
          " [\"smtp_password:00112233445566778\"]}]}", "findings[0].parts[0]" },
        { "{\"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"parts\":"
          " [\"smtp_password:001122334455667G\"]}]}", "findings[0].parts[0]" },
    };
    struct tmpdir t;

    tmpdir_init(&t);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct baseline b;
        const char *path = tmpdir_file(&t, "bad-baseline.json", cases[i].text);

        check_refused(baseline_load(path, &b), STATUS_CORRUPT, path, cases[i].what);
        CHECK(b.n == 0 && b.v == NULL && b.path == NULL);
        baseline_release(&b);
    }
    tmpdir_release(&t);
}

static const struct test tests[] = {
    TEST(test_config__full_file),
    TEST(test_config__baseline_paths),
    TEST(test_config__load_dir),
    TEST(test_config__every_error_names_the_file),
    TEST(test_config__long_glob_refused),
    TEST(test_config__unreadable_and_oversized),
    TEST(test_config__baseline_v2),
    TEST(test_config__baseline_v1_covers_bare_ids_only),
    TEST(test_config__baseline_errors_name_the_file),
};

HARNESS_MAIN(tests)
