/*
 * tests/unit/test_scanbuf.c - one buffer through the whole pipeline: matches, pairing,
 * decoded views, chunk boundaries, grouping into findings, SMTP linking, examples.
 * Every key is generated from a fixed seed.
 */
#include "scanbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "finding/findings.h"
#include "harness.h"
#include "scan_fixture.h"
#include "match/engine.h"
#include "rules/fakekey.h"
#include "rules/rule.h"
#include "source/chunk.h"
#include "source/source.h"

static void test_scanbuf__pairs_id_and_secret_with_lines(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(11);
    char id[21], secret[41];
    char *text;
    const struct finding *f;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_secret(&rng, secret);
    text = xasprintf("# creds\r\n[default]\r\naws_access_key_id = %s\r\naws_secret_access_key = %s\r\n",
                     id, secret);
    scan(&x, text, strlen(text));
    build(&x, false);
    CHECK(x.n == 1);
    f = by_id(&x, id);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->n_secrets == 1 && strcmp(f->secrets[0].value, secret) == 0);
        CHECK(f->account_id != NULL && strlen(f->account_id) == 12);
        CHECK(f->confidence == CONF_HIGH);
        CHECK(f->n_locations == 2);
        CHECK(f->locations[0].line == 3 && f->locations[0].column == 21);
        CHECK(f->locations[1].line == 4 && f->locations[1].column == 25);
    }
    free(text);
    teardown(&x);
}

/* Columns are bytes; SARIF's are UTF-16 units: "é" is 2 bytes and 1 unit, "😀" 4 and 2. */
static void test_scanbuf__utf16_columns_for_non_ascii_lines(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(12);
    char id[21];
    char *text;
    const struct finding *f;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    text = xasprintf("first line\n# cl\xc3\xa9 \xf0\x9f\x98\x80 = %s\nplain = %s\n", id, id);
    scan(&x, text, strlen(text));
    build(&x, false);
    f = by_id(&x, id);
    CHECK(f != NULL && f->n_locations == 2);
    if (f && f->n_locations == 2) {
        /* "# cl" 4 + "é" 2 + " " 1 + emoji 4 + " = " 3: byte 15, unit 12 (4+1+1+2+3 = 11) */
        CHECK(f->locations[0].line == 2 && f->locations[0].column == 15);
        CHECK(f->locations[0].column_utf16 == 12);
        CHECK(f->locations[1].line == 3 && f->locations[1].column == 9);
        CHECK(f->locations[1].column_utf16 == 9);
    }
    free(text);
    teardown(&x);
}

static void test_scanbuf__key_across_chunk_boundary(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(12);
    size_t len = LIMIT_CHUNK_BYTES * 2 + 1000;
    char *big = xmalloc(len + 1);
    char id[21], secret[41];
    /* Positions that straddle the first chunk's end and the ownership cut in the overlap. */
    size_t at[] = { LIMIT_CHUNK_BYTES - 10, LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP / 2 - 5,
                    2 * LIMIT_CHUNK_BYTES - LIMIT_CHUNK_OVERLAP - 7, len - 21 };

    setup(&x);
    for (size_t i = 0; i < len; i++)
        big[i] = (i % 97 == 96) ? '\n' : 'x';
    big[len] = '\0';
    for (size_t k = 0; k < ARRAY_SIZE(at); k++) {
        fakekey_access_key_id(&rng, "AKIA", true, id);
        big[at[k] - 1] = ' ';
        memcpy(big + at[k], id, 20);
        big[at[k] + 20] = k + 1 < ARRAY_SIZE(at) ? ' ' : '\n';
    }
    scan(&x, big, len);
    build(&x, false);
    CHECK(x.n == ARRAY_SIZE(at));
    for (size_t i = 0; i < x.n; i++) {
        CHECK(x.out[i]->n_locations == 1); /* reported once, not by both chunks */
        if (x.out[i]->n_locations) {
            const struct location *l = &x.out[i]->locations[0];
            size_t nl = 0;
            for (size_t p = 0; p < l->offset; p++)
                nl += big[p] == '\n';
            CHECK(l->line == nl + 1);
            CHECK(memcmp(big + l->offset, x.out[i]->access_key_id, 20) == 0);
        }
    }
    (void)secret;
    free(big);
    teardown(&x);
}

static void test_scanbuf__smtp_password_linked_to_secret(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(13);
    char id[21], secret[41], pw[45];
    char *a, *b;
    const struct finding *f;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_secret(&rng, secret);
    aws_smtp_password_v4(secret, 40, "eu-west-1", pw);
    a = xasprintf("AWS_SECRET_ACCESS_KEY=%s\n", secret);
    b = xasprintf("MAIL_HOST=email-smtp.eu-west-1.amazonaws.com\nMAIL_USERNAME=%s\nMAIL_PASSWORD=%s\n",
                  id, pw);
    scan(&x, a, strlen(a));
    scan(&x, b, strlen(b));
    build(&x, false);
    f = by_id(&x, id);
    CHECK(x.n == 1);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->n_secrets == 1);
        CHECK(f->n_smtp_passwords == 1);
        if (f->n_smtp_passwords) {
            CHECK_STREQ(f->smtp_passwords[0].region, "eu-west-1");
            CHECK(f->smtp_passwords[0].from_secret == 0);
        }
        CHECK(f->n_regions == 1 && strcmp(f->regions[0], "eu-west-1") == 0);
    }
    free(a);
    free(b);
    teardown(&x);
}

static void test_scanbuf__decoded_views(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(14);
    char id[21], secret[41];
    struct buf t = BUF_INIT(1 << 20);
    const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *plain, *enc;
    size_t n, k = 0;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_secret(&rng, secret);
    /* base64 of a credentials file inside a Kubernetes Secret */
    plain = xasprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", id, secret);
    n = strlen(plain);
    enc = xcalloc(n * 2 + 8, 1);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)plain[i] << 16;
        if (i + 1 < n) v |= (unsigned char)plain[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)plain[i + 2];
        enc[k++] = b64[(v >> 18) & 63];
        enc[k++] = b64[(v >> 12) & 63];
        enc[k++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        enc[k++] = i + 2 < n ? b64[v & 63] : '=';
    }
    CHECK_OK(buf_printf(&t, "apiVersion: v1\nkind: Secret\ndata:\n  credentials: %s\n", enc));
    scan(&x, t.data, t.len);
    build(&x, false);
    CHECK(x.n == 1);
    if (x.n == 1) {
        CHECK_STREQ(x.out[0]->access_key_id, id);
        CHECK(x.out[0]->n_secrets == 1);
        CHECK(x.out[0]->n_locations >= 2);
        CHECK(x.out[0]->locations[0].line == 4);
        CHECK_STREQ(x.out[0]->locations[0].encoding, "base64");
    }
    free(plain);
    free(enc);
    buf_release(&t);
    teardown(&x);
}

/* Append filler lines (64 bytes each) to t until it is `to` bytes long, the last line cut
 * short to land exactly there. */
static void test_scanbuf_fill_to(struct buf *t, size_t to)
{
    while (t->len < to) {
        size_t n = to - t->len < 64 ? to - t->len : 64;
        char line[65];
        memset(line, 'f', n);
        line[n - 1] = n == 64 ? '\n' : 'f';
        line[n] = '\0';
        CHECK_OK(buf_printf(t, "%s", line));
    }
}

/* The escape decoders decode windows (LIMIT_DECODE_WINDOW of context), not the whole
 * buffer: a key ID written with an escape far from the start is found where it is, a
 * plain key between two windows is found once, and a 40-character line at a window's
 * cut edge, which the raw bytes show to be a piece of a wrapped session token, does not
 * become a secret because the window lost the line above it. */
static void test_scanbuf__escape_windows(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(19);
    char id[21], id2[21], id3[21], piece[41], token[201];
    struct buf t = BUF_INIT(1 << 20);
    size_t value_line, site;
    const struct finding *f;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_access_key_id(&rng, "AKIA", true, id2);
    fakekey_access_key_id(&rng, "AKIA", true, id3);
    fakekey_secret(&rng, piece);
    fakekey_session_token(&rng, token, 200);
    for (size_t i = 0; i < 40; i++)
        if (piece[i] == '/' || piece[i] == '+')
            piece[i] = 'x'; /* plain alphanumerics: no escape could hide it */
    CHECK_OK(buf_printf(&t, "url=a%%2Fb\n"));           /* an escape: the first window */
    test_scanbuf_fill_to(&t, 3 * LIMIT_DECODE_WINDOW);
    CHECK_OK(buf_printf(&t, "\nplain_id = %s\n", id2)); /* between windows */
    test_scanbuf_fill_to(&t, 5 * LIMIT_DECODE_WINDOW);
    CHECK_OK(buf_printf(&t, "\n%.100s\n", token + 40)); /* a token wrapped at 100 columns */
    value_line = t.len;
    CHECK_OK(buf_printf(&t, "%s\n%s is its key\n", piece, id3));
    /* An escape placed so that its window starts at the piece's line */
    site = value_line + LIMIT_DECODE_WINDOW + 5;
    test_scanbuf_fill_to(&t, site);
    CHECK_OK(buf_printf(&t, "%%2F\nkey=%.4s%%%02X%s\n", id, id[4], id + 5));
    scan(&x, t.data, t.len);
    build(&x, false);
    f = by_id(&x, id);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->n_locations == 1);
        CHECK_STREQ(f->locations[0].encoding, "url");
        CHECK(f->locations[0].offset == site + 8);
    }
    f = by_id(&x, id2);
    CHECK(f != NULL && f->n_locations == 1 && f->locations[0].encoding == NULL);
    f = by_id(&x, id3);
    CHECK(f != NULL && f->n_secrets == 0 && f->n_locations == 1);
    CHECK(x.n == 3);
    buf_release(&t);
    teardown(&x);
}

static void test_scanbuf__url_and_json_escapes(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(15);
    char id[21], secret[41], esc[200], js[200];
    char *text;
    size_t k = 0, j = 0;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    do {
        fakekey_secret(&rng, secret);
    } while (!strchr(secret, '/'));
    for (const char *p = secret; *p; p++) {
        if (*p == '/' || *p == '+')
            k += (size_t)snprintf(esc + k, sizeof(esc) - k, "%%%02X", *p);
        else
            esc[k++] = *p;
        if (*p == '/')
            js[j++] = '\\';
        js[j++] = *p;
    }
    esc[k] = js[j] = '\0';
    text = xasprintf("u=https://x/?id=%s&aws_secret_access_key=%s\n{\"SecretAccessKey\":\"%s\"}\n",
                     id, esc, js);
    scan(&x, text, strlen(text));
    build(&x, false);
    CHECK(x.n == 1);
    if (x.n == 1) {
        size_t seen = 0;
        CHECK(x.out[0]->n_secrets == 1 && strcmp(x.out[0]->secrets[0].value, secret) == 0);
        for (size_t i = 0; i < x.out[0]->n_locations; i++)
            if (x.out[0]->locations[i].part == CRED_SECRET_ACCESS_KEY)
                seen |= x.out[0]->locations[i].line;
        CHECK(seen == 3); /* lines 1 and 2 */
    }
    free(text);
    teardown(&x);
}

static void test_scanbuf__examples_hidden_by_default(void)
{
    struct fixture x;
    const char *text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";

    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, false);
    CHECK(x.n == 0 && x.hidden == 1);
    teardown(&x);
    setup(&x);
    scan(&x, text, strlen(text));
    build(&x, true);
    CHECK(x.n == 1 && x.out[0]->example);
    teardown(&x);
}

static void test_scanbuf__hard_negatives(void)
{
    struct fixture x;
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(16);
    char id[21], secret[41], lower[21];
    char *text;

    setup(&x);
    fakekey_access_key_id(&rng, "AKIA", true, id);
    fakekey_secret(&rng, secret);
    for (int i = 0; i < 21; i++)
        lower[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] - 'A' + 'a' : id[i]);
    text = xasprintf("commit 3f786850e387550fdab836ed7e6dc881de23001b\n"
                     "AKIAXXXXXXXXXXXXXXXX\nid=x%s\nid=%sZ\n%s\n"
                     "random %s\n" /* a secret-shaped value with no keyword and no ID */
                     "uuid 123e4567-e89b-12d3-a456-426614174000\n"
                     "integrity=\"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"\n",
                     id, id, lower, secret);
    scan(&x, text, strlen(text));
    build(&x, false);
    CHECK(x.n == 0);
    free(text);
    teardown(&x);
}

static const struct test tests[] = {
    TEST(test_scanbuf__pairs_id_and_secret_with_lines),
    TEST(test_scanbuf__key_across_chunk_boundary),
    TEST(test_scanbuf__smtp_password_linked_to_secret),
    TEST(test_scanbuf__utf16_columns_for_non_ascii_lines),
    TEST(test_scanbuf__decoded_views),
    TEST(test_scanbuf__escape_windows),
    TEST(test_scanbuf__url_and_json_escapes),
    TEST(test_scanbuf__examples_hidden_by_default),
    TEST(test_scanbuf__hard_negatives),
};
HARNESS_MAIN(tests)
