/*
 * tests/unit/test_concat.c - values split across string literals (issue 13, class 1).
 *
 * Every shape a program joins literals in (Python implicit concatenation and join(),
 * JavaScript/TypeScript '+' and [].join(''), Java/C#/Kotlin '+' across lines, Go, C
 * adjacent literals, shell juxtaposition, PHP '.') is reassembled and reported at its
 * first fragment with the encoding "concat", paired as usual; code that is not a
 * literal-only join stays silent. Keys are generated from a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "decode/decode.h"
#include "harness.h"
#include "scan_fixture.h"

struct shape {
    const char *name;
    const char *tmpl;
    unsigned id_line, id_col;   /* where the key ID's first fragment starts (text) */
    unsigned sec_line, sec_col; /* where the secret's first fragment starts */
};

static const struct shape shapes[] = {
    { "python implicit, parens across lines",
      "creds = dict(\n    aws_access_key_id=(\"{ID0@0,10}\"\n        \"{ID0@10}\"),\n"
      "    aws_secret_access_key=(\n        \"{S0@0,20}\"\n        \"{S0@20}\"\n    ),\n)\n",
      2, 25, 5, 10 },
    { "python ''.join list and \"\".join tuple",
      "key_id = ''.join(['{ID0@0,4}', '{ID0@4,8}', '{ID0@12}'])\n"
      "aws_secret = \"\".join((\"{S0@0,13}\", \"{S0@13,13}\", \"{S0@26}\"))\n",
      1, 20, 2, 24 },
    { "javascript '+' and [].join('')",
      "const id = '{ID0@0,12}' + '{ID0@12}';\n"
      "const secretAccessKey = ['{S0@0,21}', '{S0@21}'].join('');\n",
      1, 13, 2, 27 },
    { "typescript template literals with '+' across lines",
      "export const accessKeyId: string = `{ID0@0,8}` +\n  `{ID0@8}`;\n"
      "export const secretAccessKey: string = `{S0@0,30}` +\n  `{S0@30}`;\n",
      1, 37, 3, 41 },
    { "java '+' at line ends",
      "String accessKey = \"{ID0@0,16}\" +\n        \"{ID0@16}\";\n"
      "String secretKey = \"{S0@0,10}\" +\n        \"{S0@10,10}\" +\n        \"{S0@20}\";\n",
      1, 21, 3, 21 },
    { "go '+' on one line",
      "var awsKeyID = \"{ID0@0,6}\" + \"{ID0@6}\"\nvar awsSecret = \"{S0@0,19}\" + \"{S0@19}\"\n",
      1, 17, 2, 18 },
    { "c adjacent literals",
      "static const char *aws_key_id = \"{ID0@0,10}\" \"{ID0@10}\";\n"
      "static const char *aws_secret_access_key = \"{S0@0,20}\"\n    \"{S0@20}\";\n",
      1, 34, 2, 45 },
    { "shell juxtaposition",
      "export AWS_ACCESS_KEY_ID='{ID0@0,4}''{ID0@4}'\nexport AWS_SECRET_ACCESS_KEY='{S0@0,25}''{S0@25}'\n",
      1, 27, 2, 31 },
    { "php '.' and python line continuation",
      "$aws_key = '{ID0@0,11}' . '{ID0@11}';\n"
      "AWS_SECRET_ACCESS_KEY = \"{S0@0,14}\" \\\n    \"{S0@14}\"\n",
      1, 13, 2, 26 },
    { "kotlin/c# '+' with a plain key ID",
      "val accessKeyId = \"{ID0}\"\nval secretAccessKey = \"{S0@0,20}\" +\n    \"{S0@20}\"\n",
      1, 20, 2, 24 },
};

static const struct location *loc_of(const struct finding *f, enum cred_kind part)
{
    for (size_t i = 0; f && i < f->n_locations; i++)
        if (f->locations[i].part == part)
            return &f->locations[i];
    return NULL;
}

static void test_concat__every_language_shape(void)
{
    struct keys k;

    make_keys(&k, 401);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
        const struct shape *s = &shapes[i];
        struct fixture x;
        char *text = fill(s->tmpl, &k);
        const struct finding *f;
        const struct location *li, *ls;

        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        f = by_id(&x, k.id[0]);
        li = loc_of(f, CRED_ACCESS_KEY_ID);
        ls = loc_of(f, CRED_SECRET_ACCESS_KEY);
        CHECK(x.n == 1);
        CHECK(f && f->n_secrets == 1 && has_secret(f, k.secret[0]) && f->confidence == CONF_HIGH);
        CHECK(li && li->line == s->id_line && li->column == s->id_col);
        CHECK(ls && ls->line == s->sec_line && ls->column == s->sec_col);
        CHECK(ls && ls->encoding && strcmp(ls->encoding, "concat") == 0);
        if (x.n != 1 || !f || !li || !ls || li->line != s->id_line || li->column != s->id_col ||
            ls->line != s->sec_line || ls->column != s->sec_col)
            fprintf(stderr, "shape '%s': %zu findings, id at %llu:%llu, secret at %llu:%llu\n",
                    s->name, x.n, li ? (unsigned long long)li->line : 0ULL,
                    li ? (unsigned long long)li->column : 0ULL,
                    ls ? (unsigned long long)ls->line : 0ULL,
                    ls ? (unsigned long long)ls->column : 0ULL);
        teardown(&x);
        free(text);
    }
}

/* Not literal-only joins, or not joins at all: nothing is reassembled or reported. */
static void test_concat__negatives_stay_silent(void)
{
    static const char *const negatives[] = {
        /* a list that is not joined */
        "parts = ['{ID0@0,10}', '{ID0@10}']\nsecret_parts = ['{S0@0,20}', '{S0@20}']\n",
        /* a variable between the literals */
        "id = '{ID0@0,10}' + suffix + '{ID0@10}'\nsecret_key = '{S0@0,20}' + x + '{S0@20}'\n",
        /* separate arguments */
        "client('{ID0@0,10}', '{ID0@10}')\nsign(secret_key='{S0@0,20}', salt='{S0@20}')\n",
        /* a join with a separator */
        "id = '-'.join(['{ID0@0,10}', '{ID0@10}'])\n",
        /* a call between the fragments */
        "secret_key = \"{S0@0,20}\" + f(\"{S0@20}\")\n",
        /* literals of different quote kinds are left alone */
        "id = '{ID0@0,10}' + \"{ID0@10}\"\n",
        /* ordinary code concatenation */
        "msg = \"Hello, \" + \"world\"\nurl = \"https://\" + \"example.com/\" \"path\"\n"
        "x = 'abc' 'def'\n",
    };
    struct keys k;

    make_keys(&k, 402);
    for (size_t i = 0; i < sizeof(negatives) / sizeof(*negatives); i++) {
        struct fixture x;
        char *text = fill(negatives[i], &k);

        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        CHECK(x.n == 0);
        if (x.n)
            fprintf(stderr, "negative %zu: %zu findings\n", i, x.n);
        teardown(&x);
        free(text);
    }
}

/* The decoder alone: the view, its map, and its bounds. */
static void test_concat__decoder_view_and_bounds(void)
{
    const char *src = "k = (\"ABCDEFGHIJKLMNOP\"\n     \"QRSTUVWXYZ234567\")\n";
    size_t at = (size_t)(strstr(src, "\"QRST") - src);
    struct decoded d;
    char big[LIMIT_CONCAT_FRAGMENTS * 8 + 64];
    size_t n = 0, ats[LIMIT_CONCAT_FRAGMENTS + 4], n_at = 0;

    CHECK_OK(decode_concat((const unsigned char *)src, strlen(src), &at, 1, 1 << 20, &d));
    CHECK(d.len > 0 && strcmp((char *)d.data, "k =\"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\"\n") == 0);
    /* 'Q' maps to its own byte on the second line */
    CHECK(d.len > 0 && decoded_to_source(&d, 20) == at + 1);
    CHECK(d.encoding && strcmp(d.encoding, "concat") == 0);
    decoded_release(&d);
    /* Too many fragments: the chain is cut at LIMIT_CONCAT_FRAGMENTS, never more. */
    n += (size_t)snprintf(big + n, sizeof(big) - n, "x=");
    for (unsigned i = 0; i < LIMIT_CONCAT_FRAGMENTS + 4; i++) {
        if (i)
            ats[n_at++] = n;
        n += (size_t)snprintf(big + n, sizeof(big) - n, "'ABCD'");
    }
    CHECK_OK(decode_concat((const unsigned char *)big, n, ats, n_at, 1 << 20, &d));
    CHECK(d.len > 0 && d.len <= n);
    CHECK(d.len > 0 && strstr((char *)d.data, "''") != NULL); /* the rest stays split */
    decoded_release(&d);
    /* A view past max_bytes is a limit, not a silent cut. */
    CHECK(decode_concat((const unsigned char *)src, strlen(src), &at, 1, 8, &d) == STATUS_LIMIT);
    CHECK(d.data == NULL);
}

static const struct test tests[] = {
    TEST(test_concat__every_language_shape),
    TEST(test_concat__negatives_stay_silent),
    TEST(test_concat__decoder_view_and_bounds),
};
HARNESS_MAIN(tests)
