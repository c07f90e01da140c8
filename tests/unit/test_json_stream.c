/*
 * tests/unit/test_json_stream.c - jv_write_streamed (json/json.h): a document whose last
 * member is an array written one member at a time gives the bytes jv_write gives for the
 * whole document, for 0, 1 and many members of random shape (nested objects and arrays,
 * empty ones, strings with escapes and multi-byte characters, numbers, reals, booleans,
 * null); a key the document has already is refused; a write error is reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "harness.h"
#include "json/json.h"
#include "rules/fakekey.h"

static struct jv *random_value(struct fakekey_rng *rng, int depth)
{
    static const char *const strings[] = { "", "plain", "line\nbreak", "tab\tquote\"",
                                           "back\\slash", "caf\xc3\xa9 \xe2\x82\xac",
                                           "ctl\x01" };
    uint64_t r = fakekey_next(rng);
    unsigned kind = depth > 3 ? (unsigned)(r % 5) : (unsigned)(r % 7);

    switch (kind) {
    case 0:
        return jv_str(strings[(r >> 8) % (sizeof(strings) / sizeof(*strings))]);
    case 1:
        return jv_uint((r >> 8) % 100000);
    case 2:
        return jv_real((double)((r >> 8) % 1000) / 7.0);
    case 3:
        return jv_bool((r >> 8) & 1);
    case 4:
        return jv_null();
    case 5: {
        struct jv *o = jv_object();
        unsigned n = (unsigned)((r >> 8) % 4);
        for (unsigned i = 0; i < n; i++) {
            char key[16];
            snprintf(key, sizeof(key), "k%u", i);
            jv_put(o, key, random_value(rng, depth + 1));
        }
        return o;
    }
    default: {
        struct jv *a = jv_array();
        unsigned n = (unsigned)((r >> 8) % 4);
        for (unsigned i = 0; i < n; i++)
            jv_push(a, random_value(rng, depth + 1));
        return a;
    }
    }
}

struct gen {
    struct fakekey_rng rng;
    size_t left;
};

static struct jv *next_value(void *ctx)
{
    struct gen *g = ctx;

    if (g->left == 0)
        return NULL;
    g->left--;
    return random_value(&g->rng, 1);
}

/* The head of a document like a report's: a few members before the array. */
static struct jv *head_doc(void)
{
    struct jv *doc = jv_object(), *inner = jv_object();

    jv_put(doc, "version", jv_str("1.4"));
    jv_put(inner, "name", jv_str("sesame"));
    jv_put(inner, "list", jv_array());
    jv_put(doc, "tool", inner);
    return doc;
}

static char *text_of(FILE *f)
{
    long n = ftell(f);
    char *s = xmalloc((size_t)n + 1);

    rewind(f);
    CHECK(fread(s, 1, (size_t)n, f) == (size_t)n);
    s[n] = '\0';
    return s;
}

static void test_json_stream__same_bytes_as_one_document(void)
{
    static const size_t counts[] = { 0, 1, 2, 3, 17, 200 };

    for (size_t c = 0; c < sizeof(counts) / sizeof(*counts); c++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            struct gen g = { FAKEKEY_RNG_INIT(seed * 131 + c), counts[c] };
            struct gen again = g;
            struct jv *whole = head_doc(), *arr = jv_array(), *streamed = head_doc(), *v;
            FILE *a = tmpfile(), *b = tmpfile();
            char *ta, *tb;

            while ((v = next_value(&again)) != NULL)
                jv_push(arr, v);
            jv_put(whole, "items", arr);
            CHECK(a && b);
            if (!a || !b)
                return;
            CHECK(jv_write(a, whole, JV_PRETTY));
            CHECK(jv_write_streamed(b, streamed, "items", next_value, &g));
            CHECK(g.left == 0);
            ta = text_of(a);
            tb = text_of(b);
            CHECK_STREQ(ta, tb);
            free(ta);
            free(tb);
            fclose(a);
            fclose(b);
            jv_free(whole);
            jv_free(streamed);
        }
    }
}

static void test_json_stream__refuses_a_key_it_has(void)
{
    struct gen g = { FAKEKEY_RNG_INIT(5), 3 };
    struct jv *doc = head_doc();
    FILE *f = tmpfile();

    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(!jv_write_streamed(f, doc, "tool", next_value, &g));
    CHECK(g.left == 3 && ftell(f) == 0); /* nothing asked for, nothing written */
    fclose(f);
    jv_free(doc);
}

static void test_json_stream__write_error(void)
{
    struct gen g = { FAKEKEY_RNG_INIT(6), 5000 };
    struct jv *doc = head_doc();
    FILE *f = fopen("/dev/full", "w");

    if (!f)
        return; /* no /dev/full here */
    CHECK(!jv_write_streamed(f, doc, "items", next_value, &g) || fflush(f) != 0);
    fclose(f);
    jv_free(doc);
}

static const struct test tests[] = {
    TEST(test_json_stream__same_bytes_as_one_document),
    TEST(test_json_stream__refuses_a_key_it_has),
    TEST(test_json_stream__write_error),
};

HARNESS_MAIN(tests)
