/*
 * tests/unit/test_pairing.c - which values are joined into one credential, and which
 * findings are hidden as documentation examples (issue 13, class 3).
 *
 * A value is hidden only if it is itself a published example; an example never joins a
 * real value; pairing does not cross INI sections and prefers a partner in its own
 * block. Every real key is generated from a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "harness.h"
#include "rules/fakekey.h"
#include "scan_fixture.h"

#define EX_ID "AKIAIOSFODNN7EXAMPLE"
#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/* The shape of tests and sample code: a real pair, the docs' example a few lines down. */
static void test_pairing__example_below_real_pair_hides_nothing(void)
{
    static const char *const shapes[] = {
        "aws_access_key_id = {ID0}\naws_secret_access_key = {S0}\n\n# from the AWS docs:\n"
        "aws_secret_access_key = " EX_SECRET "\n",
        "ID = \"{ID0}\"\nSECRET = \"{S0}\"\n# EXAMPLE_SECRET = \"" EX_SECRET "\"\n",
        "{\"AccessKeyId\": \"{ID0}\", \"SecretAccessKey\": \"{S0}\",\n"
        " \"Example\": {\"SecretAccessKey\": \"" EX_SECRET "\"}}\n",
        "export AWS_ACCESS_KEY_ID={ID0}\nexport AWS_SECRET_ACCESS_KEY={S0}\n"
        "export AWS_ACCESS_KEY_ID=" EX_ID "\nexport AWS_SECRET_ACCESS_KEY=" EX_SECRET "\n",
    };
    struct keys k;

    make_keys(&k, 301);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
        struct fixture x;
        char *text = fill(shapes[i], &k);
        const struct finding *f;

        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        f = by_id(&x, k.id[0]);
        CHECK(f != NULL);
        CHECK(f && !f->example && f->n_secrets == 1 && has_secret(f, k.secret[0]));
        CHECK(f && f->confidence == CONF_HIGH);
        CHECK(x.n == 1 && x.hidden >= 1);
        if (x.n != 1)
            fprintf(stderr, "shape %zu: %zu findings\n", i, x.n);
        teardown(&x);
        /* With examples shown, the example is its own finding, never in the real one. */
        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, true);
        f = by_id(&x, k.id[0]);
        CHECK(f && !has_secret(f, EX_SECRET));
        CHECK(by_secret(&x, EX_SECRET) != NULL && by_secret(&x, EX_SECRET)->example);
        teardown(&x);
        free(text);
    }
}

/* A real key ID next to nothing but the example secret stays a (real) finding, and the
 * same key ID alone in another file is reported too. */
static void test_pairing__real_id_with_example_secret_across_files(void)
{
    struct fixture x;
    struct keys k;
    char *a, *b;
    const struct finding *f;

    make_keys(&k, 302);
    a = xasprintf("aws_access_key_id=%s\naws_secret_access_key=" EX_SECRET "\n", k.id[0]);
    b = xasprintf("key: %s\n", k.id[0]);
    setup(&x);
    scan_at(&x, "test/fixture.ini", a, strlen(a));
    scan_at(&x, "deploy/app.yml", b, strlen(b));
    build(&x, false);
    f = by_id(&x, k.id[0]);
    CHECK(f != NULL);
    CHECK(f && !f->example && f->n_secrets == 0 && f->n_locations == 2);
    CHECK(x.n == 1 && x.hidden == 1);
    teardown(&x);
    free(a);
    free(b);
}

/* The example key ID first, a real secret after it: the secret is reported alone. */
static void test_pairing__example_id_never_claims_real_secret(void)
{
    static const char *const shapes[] = {
        "aws_access_key_id = " EX_ID "\naws_secret_access_key = {S1}\n",
        "[default]\naws_access_key_id=" EX_ID "\naws_secret_access_key=" EX_SECRET "\n"
        "[prod]\naws_secret_access_key={S1}\n",
        "[prod]\naws_secret_access_key={S1}\n[default]\naws_access_key_id=" EX_ID "\n"
        "aws_secret_access_key=" EX_SECRET "\n",
    };
    struct keys k;

    make_keys(&k, 303);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
        struct fixture x;
        char *text = fill(shapes[i], &k);
        const struct finding *f;

        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        f = by_secret(&x, k.secret[1]);
        CHECK(f != NULL);
        CHECK(f && !f->example && f->access_key_id == NULL);
        CHECK(x.n == 1);
        teardown(&x);
        free(text);
    }
}

/* INI sections are hard boundaries; sibling blocks are a last resort. */
static void test_pairing__sections_and_blocks(void)
{
    struct keys k;
    struct {
        const char *fmt;
        int secret_owner; /* index of the ID secret[1] belongs to, -1 for none */
    } cases[] = {
        { "[a]\naws_access_key_id={ID0}\naws_secret_access_key={S0}\n"
          "[b]\naws_secret_access_key={S1}\n", -1 },
        { "[profile a]\r\naws_access_key_id = {ID0}\r\n\r\n[profile b]\r\n"
          "aws_secret_access_key = {S1}\r\naws_access_key_id = {ID1}\r\n", 1 },
        { "[{\"AccessKeyId\": \"{ID0}\", \"SecretAccessKey\": \"{S0}\"},\n"
          " {\"SecretAccessKey\": \"{S1}\", \"AccessKeyId\": \"{ID1}\"}]\n", 1 },
        { "prod:\n  aws_access_key_id: {ID0}\n  aws_secret_access_key: {S0}\n"
          "dev:\n  aws_secret_access_key: {S1}\n  aws_access_key_id: {ID1}\n", 1 },
        { "prod:\n  aws_access_key_id: {ID0}\n---\naws_secret_access_key: {S1}\n", -1 },
        /* one block per part (Terraform variables): still one credential */
        { "variable \"aws_access_key_id\" {\n  default = \"{ID0}\"\n}\n\n"
          "variable \"aws_secret_access_key\" {\n  default = \"{S1}\"\n}\n", 0 },
    };

    make_keys(&k, 304);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct fixture x;
        char *text = fill(cases[i].fmt, &k);
        const struct finding *f;

        setup(&x);
        scan(&x, text, strlen(text));
        build(&x, false);
        f = by_secret(&x, k.secret[1]);
        CHECK(f != NULL);
        if (cases[i].secret_owner < 0) {
            CHECK(f && f->access_key_id == NULL);
        } else {
            CHECK(f && f->access_key_id &&
                  strcmp(f->access_key_id, k.id[cases[i].secret_owner]) == 0);
        }
        if (f && (cases[i].secret_owner < 0) != (f->access_key_id == NULL))
            fprintf(stderr, "case %zu: secret joined to %s\n", i,
                    f->access_key_id ? f->access_key_id : "(none)");
        teardown(&x);
        free(text);
    }
}

/* Pairing reaches exactly LIMIT_PAIR_BYTES between the two values, before and after,
 * with many other matches further away (scanbuf.c looks only at the matches that start
 * near a value: one past the bound, or one missed inside it, would show here). */
static void test_pairing__distance_bound_among_many_matches(void)
{
    const size_t gaps[] = { LIMIT_PAIR_BYTES - 1, LIMIT_PAIR_BYTES, LIMIT_PAIR_BYTES + 1 };
    struct keys k;

    make_keys(&k, 305);
    for (int after = 0; after < 2; after++) {
        for (size_t g = 0; g < sizeof(gaps) / sizeof(*gaps); g++) {
            static const char skey[] = "aws_secret_access_key=";
            size_t cap = 64 * 1024, n = 0, pad;
            char *text = xmalloc(cap);
            struct fixture x;
            const struct finding *f;

            /* far matches of every kind before and after: context keywords and IDs */
            for (int r = 0; r < 40; r++)
                n += (size_t)snprintf(text + n, cap - n, "smtp mail_password %s\n%s\n", k.id[1],
                                      "###############################################");
            memset(text + n, '#', 2 * LIMIT_PAIR_BYTES); /* they are too far to pair */
            n += 2 * LIMIT_PAIR_BYTES;
            text[n++] = '\n';
            n += (size_t)snprintf(text + n, cap - n, "%s%s\n", after ? skey : "aws_access_key_id=",
                                  after ? k.secret[0] : k.id[0]);
            /* gap = the '\n' above, the comment line (its '#'s and '\n'), the key name */
            pad = gaps[g] - 1 - 2 - (after ? strlen("aws_access_key_id=") : strlen(skey));
            text[n++] = '#';
            memset(text + n, 'x', pad);
            n += pad;
            text[n++] = '\n';
            n += (size_t)snprintf(text + n, cap - n, "%s%s\n", after ? "aws_access_key_id=" : skey,
                                  after ? k.id[0] : k.secret[0]);
            memset(text + n, '#', 2 * LIMIT_PAIR_BYTES);
            n += 2 * LIMIT_PAIR_BYTES;
            text[n++] = '\n';
            for (int r = 0; r < 40; r++)
                n += (size_t)snprintf(text + n, cap - n, "%s\nsmtp %s\n",
                                      "###############################################", k.id[1]);
            setup(&x);
            scan(&x, text, n);
            build(&x, false);
            f = by_id(&x, k.id[0]);
            CHECK(f != NULL);
            CHECK(has_secret(f, k.secret[0]) == (gaps[g] <= LIMIT_PAIR_BYTES));
            if (has_secret(f, k.secret[0]) != (gaps[g] <= LIMIT_PAIR_BYTES))
                fprintf(stderr, "after %d gap %zu: paired %d\n", after, gaps[g],
                        has_secret(f, k.secret[0]));
            teardown(&x);
            free(text);
        }
    }
}

/* The pairs of random documents (IDs, secrets, examples, INI sections, YAML maps,
 * braces, separators, blank and long lines, pairs on one line, many credentials a line
 * apart) are those of the exhaustive search: pruning the candidates that cannot beat
 * the best partner found (scanbuf.c may_beat) changes no pair and no tie. */
static char *pairs_of(struct fixture *x, const char *text, size_t len, bool exhaustive)
{
    size_t cap = 64, n = 0;
    char *out = xmalloc(cap);

    /* the fixture's engine is kept (compiling it is most of a setup): new findings */
    scanbuf_free(x->sb);
    findings_free(x->f);
    findings_new(&x->f);
    CHECK_OK(scanbuf_new(&x->sb, x->e, &x->rs, x->f));
    scanbuf_set_exhaustive_pairing(x->sb, exhaustive);
    scan(x, text, len);
    build(x, true);
    out[0] = '\0';
    for (size_t i = 0; i < x->n; i++) {
        const struct finding *f = x->out[i];
        char *line = xasprintf("%s %s %zu %zu:", f->fingerprint,
                               f->access_key_id ? f->access_key_id : "-", f->n_locations,
                               f->n_secrets);
        for (size_t j = 0; j < f->n_secrets; j++) {
            char *more = xasprintf("%s %s", line, f->secrets[j].value);
            free(line);
            line = more;
        }
        while (n + strlen(line) + 2 > cap)
            cap *= 2;
        out = xrealloc(out, cap);
        n += (size_t)snprintf(out + n, cap - n, "%s\n", line);
        free(line);
    }
    return out;
}

static void test_pairing__pruned_search_gives_the_same_pairs(void)
{
    static const char *const pieces[] = {
        "aws_access_key_id = {ID0}\n", "aws_access_key_id = {ID1}\n", "key: {ID1}\n",
        "aws_secret_access_key = {S0}\n", "aws_secret_access_key = {S1}\n",
        "secret: {S0}\n", "{ID0} {S1}\n", "{S0} {ID1}\n", "[profile a]\n", "[b]\n",
        "---\n", "{\n", "}\n", "}, {\n", "creds:\n", "  inner:\n", "    deeper:\n",
        "\n", "  \n", "aws_access_key_id = " EX_ID "\n",
        "aws_secret_access_key = " EX_SECRET "\n",
        "\"AccessKeyId\": \"{ID1}\", \"SecretAccessKey\": \"{S0}\"\n",
    };
    /* The nearest key ID before the secret is in a sibling block, a farther one in the
     * secret's own block: the farther one wins, pruned or not. */
    static const char *const shapes[] = {
        "aws_access_key_id = {ID0}\n{\naws_access_key_id = {ID1}\n}, {\n"
        "aws_secret_access_key = {S0}\n",
        "{\"AccessKeyId\": \"{ID0}\", \"list\": [{\"AccessKeyId\": \"{ID1}\"},"
        " {\"SecretAccessKey\": \"{S0}\"}]}\n",
    };
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(311);
    size_t differ = 0;
    struct keys k0;
    struct fixture x;

    setup(&x);
    make_keys(&k0, 399);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
        char *text = fill(shapes[i], &k0), *a, *b;
        a = pairs_of(&x, text, strlen(text), false);
        b = pairs_of(&x, text, strlen(text), true);
        CHECK_STREQ(a, b);
        {
            /* the line of ID0's finding holds S0 */
            const char *at = strstr(a, k0.id[0]), *eol = at ? strchr(at, '\n') : NULL;
            const char *sec = at ? strstr(at, k0.secret[0]) : NULL;
            CHECK(at && eol && sec && sec < eol);
            if (!(at && eol && sec && sec < eol))
                fprintf(stderr, "shape %zu:\n%s", i, a);
        }
        free(a);
        free(b);
        free(text);
    }

    for (int doc = 0; doc < 150; doc++) {
        struct keys k;
        size_t cap = 1 << 16, n = 0, count = 20 + fakekey_next(&rng) % 120;
        char *tmpl = xmalloc(cap), *text, *a, *b;

        make_keys(&k, 400 + (uint64_t)doc);
        for (size_t p = 0; p < count && n + 600 < cap; p++) {
            uint64_t r = fakekey_next(&rng);
            if (r % 5 == 0) { /* filler of 0-400 bytes, sometimes indented */
                size_t len = (r >> 8) % 400, ind = (r >> 20) % 3 * 2;
                memset(tmpl + n, ' ', ind);
                memset(tmpl + n + ind, 'x', len);
                n += ind + len;
                tmpl[n++] = '\n';
            } else {
                const char *pc = pieces[(r >> 8) % (sizeof(pieces) / sizeof(*pieces))];
                size_t ind = (r >> 24) % 4 == 0 ? 2 : 0;
                memset(tmpl + n, ' ', ind);
                memcpy(tmpl + n + ind, pc, strlen(pc));
                n += ind + strlen(pc);
            }
        }
        tmpl[n] = '\0';
        text = fill(tmpl, &k);
        a = pairs_of(&x, text, strlen(text), false);
        b = pairs_of(&x, text, strlen(text), true);
        CHECK_STREQ(a, b);
        differ += strcmp(a, b) != 0;
        free(a);
        free(b);
        free(text);
        free(tmpl);
    }
    CHECK(differ == 0);
    teardown(&x);
}

static const struct test tests[] = {
    TEST(test_pairing__example_below_real_pair_hides_nothing),
    TEST(test_pairing__real_id_with_example_secret_across_files),
    TEST(test_pairing__example_id_never_claims_real_secret),
    TEST(test_pairing__sections_and_blocks),
    TEST(test_pairing__distance_bound_among_many_matches),
    TEST(test_pairing__pruned_search_gives_the_same_pairs),
};
HARNESS_MAIN(tests)
