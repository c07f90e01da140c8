/*
 * tests/support/report_fixture.h - hand-built findings for the reporter tests
 * (test_report.c, test_sarif.c): fake values from a fixed seed (FIXTURE_SEED, defined by
 * the includer before this header), remembered so golden files can hold placeholders
 * instead of generated key-shaped strings.
 */
#ifndef SESAME_TESTS_REPORT_FIXTURE_H
#define SESAME_TESTS_REPORT_FIXTURE_H

#include "crypto/crypto.h"

#define FIXTURE_FINDINGS 6
#define FIXTURE_MAX_VALUES 16
#define FIXTURE_LOG_LOCATIONS 25       /* more than any reporter lists */
#define FIXTURE_STARTED_AT 1795435200  /* 2026-11-23T12:00:00Z */
#define FIXTURE_AUTHOR_TIME 1714564800 /* 2024-05-01T12:00:00Z */
#define FIXTURE_TOKEN_CHARS 120
#define GOLDEN_MAX_BYTES (1024 * 1024)
#define LEAK_WINDOW 12 /* no run of this many characters of a secret may be printed */

struct fixture {
    struct fakekey_rng rng;
    struct finding findings[FIXTURE_FINDINGS];
    const struct finding *sorted[FIXTURE_FINDINGS];
    size_t n;
    struct scan_stats stats;
    const char *targets[2];
    struct report_opts opts;
    const char *values[FIXTURE_MAX_VALUES]; /* borrowed: every secret part, for leak checks */
    size_t n_values;
    const char *ids[FIXTURE_FINDINGS]; /* borrowed: every key ID */
    size_t n_ids;
    /* What the goldens hold instead of each generated string. */
    const char *fakes[FIXTURE_MAX_VALUES + FIXTURE_FINDINGS]; /* borrowed */
    char *placeholders[FIXTURE_MAX_VALUES + FIXTURE_FINDINGS];
    size_t n_fakes;
    unsigned counts[CRED_KIND_COUNT];
};

static char *fixture_hex(struct fixture *fx, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = xmalloc(n + 1);

    for (size_t i = 0; i < n; i++)
        s[i] = digits[fakekey_next(&fx->rng) >> 60];
    s[n] = '\0';
    return s;
}

/* A location of f; a path with "x.zip!member" has its member part escaped already, as
 * the archive source builds it. */
static struct location *fixture_add_location(struct finding *f, const char *path, uint64_t line,
                                             uint64_t column, uint64_t offset,
                                             enum cred_kind part, const char *rule,
                                             const char *encoding)
{
    struct location *loc;

    f->locations = xrealloc(f->locations, (f->n_locations + 1) * sizeof(*f->locations));
    loc = &f->locations[f->n_locations++];
    memset(loc, 0, sizeof(*loc));
    loc->path = xstrdup(path);
    /* "x.zip!member": the member part is escaped already, as the archive source builds it */
    loc->shown_tail = strchr(path, '!') ? strlen(strchr(path, '!')) : 0;
    loc->line = line;
    loc->column = column;
    loc->offset = offset;
    loc->part = part;
    loc->rule_id = xstrdup(rule);
    loc->encoding = encoding ? xstrdup(encoding) : NULL;
    return loc;
}

static void fixture_fingerprint(struct fixture *fx, struct finding *f)
{
    char *hex = fixture_hex(fx, 16);

    memcpy(f->fingerprint, hex, sizeof(f->fingerprint));
    free(hex);
}

static void fixture_remember(struct fixture *fx, enum cred_kind kind, const char *value)
{
    static const char *const names[CRED_KIND_COUNT] = {
        [CRED_ACCESS_KEY_ID] = "id", [CRED_SECRET_ACCESS_KEY] = "secret",
        [CRED_SESSION_TOKEN] = "token", [CRED_SMTP_PASSWORD] = "smtp", [CRED_CONTEXT] = "context",
    };

    if (fx->n_fakes >= ARRAY_SIZE(fx->fakes) || fx->n_ids >= ARRAY_SIZE(fx->ids) ||
        fx->n_values >= ARRAY_SIZE(fx->values))
        abort(); /* the fixture outgrew its arrays */
    fx->fakes[fx->n_fakes] = value;
    fx->placeholders[fx->n_fakes++] = xasprintf("{fake-%s-%u}", names[kind], ++fx->counts[kind]);
    if (kind == CRED_ACCESS_KEY_ID)
        fx->ids[fx->n_ids++] = value;
    else
        fx->values[fx->n_values++] = value;
}

static void fixture_set_value(struct fixture *fx, struct secret_value *v, enum cred_kind kind,
                              const char *value)
{
    v->value = xstrdup(value);
    crypto_sha256_hex(value, strlen(value), v->sha256);
    fixture_remember(fx, kind, v->value);
}

static void fixture_add_secret(struct fixture *fx, struct finding *f)
{
    char secret[41];

    fakekey_secret(&fx->rng, secret);
    f->secrets = xrealloc(f->secrets, (f->n_secrets + 1) * sizeof(*f->secrets));
    fixture_set_value(fx, &f->secrets[f->n_secrets++], CRED_SECRET_ACCESS_KEY, secret);
}

static void fixture_add_token(struct fixture *fx, struct finding *f)
{
    char token[FIXTURE_TOKEN_CHARS + 1];

    fakekey_session_token(&fx->rng, token, FIXTURE_TOKEN_CHARS);
    f->session_tokens = xrealloc(f->session_tokens,
                                 (f->n_session_tokens + 1) * sizeof(*f->session_tokens));
    fixture_set_value(fx, &f->session_tokens[f->n_session_tokens++], CRED_SESSION_TOKEN, token);
}

/* An SES SMTP password: derived from f->secrets[from_secret] for `region`, or (from_secret
 * -1) from a secret that is not in the finding, so it stands alone. */
static void fixture_add_smtp(struct fixture *fx, struct finding *f, int from_secret,
                             const char *region)
{
    char secret[41], password[45];
    struct smtp_password *p;

    if (from_secret >= 0) {
        const char *s = f->secrets[from_secret].value;

        aws_smtp_password_v4(s, strlen(s), region, password);
    } else {
        fakekey_secret(&fx->rng, secret);
        aws_smtp_password_v4(secret, strlen(secret), "eu-west-1", password);
    }
    f->smtp_passwords = xrealloc(f->smtp_passwords,
                                 (f->n_smtp_passwords + 1) * sizeof(*f->smtp_passwords));
    p = &f->smtp_passwords[f->n_smtp_passwords++];
    p->value = xstrdup(password);
    crypto_sha256_hex(password, strlen(password), p->sha256);
    p->from_secret = from_secret;
    p->region = region ? xstrdup(region) : NULL;
    fixture_remember(fx, CRED_SMTP_PASSWORD, p->value);
}

static void fixture_set_id(struct fixture *fx, struct finding *f, const char *type, bool newgen)
{
    char id[21], account[13];

    fakekey_access_key_id(&fx->rng, type, newgen, id);
    f->access_key_id = xstrdup(id);
    f->key_type = xstrdup(type);
    if (aws_account_id(id, strlen(id), account))
        f->account_id = xstrdup(account);
    fixture_remember(fx, CRED_ACCESS_KEY_ID, f->access_key_id);
}

static char *source_path(const char *rel)
{
    const char *src = getenv("SESAME_SRC");

    return xasprintf("%s/%s", src && *src ? src : ".", rel);
}

/* The whole file in a new string, or NULL. */
static char *read_file(const char *path)
{
    FILE *in = fopen(path, "rb");
    char *data = NULL;
    size_t n;

    if (in == NULL)
        return NULL;
    data = xmalloc(GOLDEN_MAX_BYTES + 1);
    n = fread(data, 1, GOLDEN_MAX_BYTES, in);
    data[n] = '\0';
    fclose(in);
    return data;
}

static bool write_file(const char *path, const char *text)
{
    FILE *out = fopen(path, "wb");
    bool ok;

    if (out == NULL)
        return false;
    ok = fwrite(text, 1, strlen(text), out) == strlen(text);
    return fclose(out) == 0 && ok;
}

/* text with every `needle` replaced by `with`, in a new string; frees text. */
static char *replace_all(char *text, const char *needle, const char *with)
{
    size_t n_len = strlen(needle), w_len = strlen(with), count = 0;
    char *out, *o;

    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += n_len)
        count++;
    if (count == 0)
        return text;
    out = o = xmalloc(strlen(text) + count * w_len + 1);
    for (const char *p = text, *hit;; p = hit + n_len) {
        hit = strstr(p, needle);
        if (hit == NULL) {
            memcpy(o, p, strlen(p) + 1);
            break;
        }
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, with, w_len);
        o += w_len;
    }
    free(text);
    return out;
}

/* The output as the golden files hold it: generated key IDs and values as placeholders. */
static char *placehold(const struct fixture *fx, char *text)
{
    for (size_t i = 0; i < fx->n_fakes; i++)
        text = replace_all(text, fx->fakes[i], fx->placeholders[i]);
    return text;
}

/* Compare with tests/golden/<name>, or rewrite it under SESAME_UPDATE_GOLDEN=1. */
static void check_golden(const char *name, const char *actual)
{
    const char *update = getenv("SESAME_UPDATE_GOLDEN");
    char *rel = xasprintf("tests/golden/%s", name);
    char *path = source_path(rel);
    char *expected = NULL;

    if (update != NULL && strcmp(update, "1") == 0) {
        CHECK(write_file(path, actual));
        printf("     updated %s\n", path);
        goto out;
    }
    expected = read_file(path);
    if (expected == NULL) {
        fprintf(stderr, "cannot read '%s': %s (SESAME_UPDATE_GOLDEN=1 writes it)\n", path,
                strerror(errno));
        CHECK(expected != NULL);
        goto out;
    }
    if (strcmp(expected, actual) != 0) {
        size_t i = 0, line = 1;

        while (expected[i] != '\0' && expected[i] == actual[i])
            line += expected[i++] == '\n';
        fprintf(stderr, "'%s' differs from the output at line %zu "
                "(SESAME_UPDATE_GOLDEN=1 rewrites it)\n", path, line);
        CHECK(strcmp(expected, actual) == 0);
    }

out:
    free(expected);
    free(path);
    free(rel);
}

/* True if any LEAK_WINDOW characters in a row of `value` occur in `text`. */
static bool leaks(const char *text, const char *value)
{
    size_t len = strlen(value);

    for (size_t i = 0; i + LEAK_WINDOW <= len; i++) {
        char window[LEAK_WINDOW + 1];

        memcpy(window, value + i, LEAK_WINDOW);
        window[LEAK_WINDOW] = '\0';
        if (strstr(text, window) != NULL)
            return true;
    }
    return false;
}

#endif
