/*
 * tests/unit/test_escape_run.c - when a URL or JSON escape trigger opens a view
 * (decode_url_trigger_in_run, decode_json_trigger_in_run): only when its escape is in,
 * or a few gaps from, a run of value characters that could hold a value (20 in a row
 * without '/' or '+', or 27 in all), escapes counted by what they decode to. Checked against a reference that builds the text from known
 * tokens (raw bytes and whole escapes) and decides from the token list, on random texts
 * (fixed seed) at every token; the run each answer is shared with; hand cases.
 */
#include "decode/decode.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "base/limits.h"

#define MIN ((size_t)LIMIT_ESCAPE_RUN_MIN)
#define ANY ((size_t)LIMIT_ESCAPE_RUN_ANY)
#define GAPS 8u

enum cls { BRK, GAP, VAL, SL }; /* SL: a value's '/' or '+' */

/* A piece of text and the tokens it is (each one class). */
struct piece {
    const char *text;
    enum cls cls[3];
    int n; /* tokens */
};

typedef bool (*run_fn)(const unsigned char *, size_t, size_t, struct decode_span *, size_t *);

static const struct piece url_pieces[] = {
    { "a", { VAL }, 1 }, { "Z", { VAL }, 1 }, { "7", { VAL }, 1 }, { "+", { SL }, 1 },
    { "/", { SL }, 1 }, { "=", { VAL }, 1 }, { "_", { VAL }, 1 }, { "-", { VAL }, 1 },
    { "\\", { VAL }, 1 }, { "%G", { VAL, VAL }, 2 },
    { " ", { GAP }, 1 }, { "\"", { GAP }, 1 }, { ":", { GAP }, 1 }, { ",", { GAP }, 1 },
    { "{", { GAP }, 1 }, { "'", { GAP }, 1 },
    { ".", { BRK }, 1 }, { "&", { BRK }, 1 }, { "?", { BRK }, 1 }, { "\n", { BRK }, 1 },
    { "@", { BRK }, 1 },
    { "%2F", { SL }, 1 }, { "%2B", { SL }, 1 }, { "%3D", { VAL }, 1 }, { "%41", { VAL }, 1 },
    { "%25", { VAL }, 1 }, { "%22", { GAP }, 1 }, { "%3A", { GAP }, 1 }, { "%20", { GAP }, 1 },
    { "%27", { GAP }, 1 }, { "%2E", { BRK }, 1 }, { "%26", { BRK }, 1 }, { "%0A", { BRK }, 1 },
};

static const struct piece json_pieces[] = {
    { "a", { VAL }, 1 }, { "Z", { VAL }, 1 }, { "7", { VAL }, 1 }, { "+", { SL }, 1 },
    { "/", { SL }, 1 }, { "=", { VAL }, 1 }, { "_", { VAL }, 1 }, { "%2F", { VAL, VAL, VAL }, 3 },
    { " ", { GAP }, 1 }, { "\"", { GAP }, 1 }, { ":", { GAP }, 1 }, { ",", { GAP }, 1 },
    { "]", { GAP }, 1 },
    { ".", { BRK }, 1 }, { "&", { BRK }, 1 }, { "\n", { BRK }, 1 }, { ";", { BRK }, 1 },
    { "\\/", { SL }, 1 }, { "\\\\", { VAL }, 1 }, { "\\u0041", { VAL }, 1 },
    { "\\u002F", { SL }, 1 }, { "\\x41", { VAL }, 1 }, { "\\u{41}", { VAL }, 1 },
    { "\\q", { VAL, VAL }, 2 }, { "\\\"", { GAP }, 1 }, { "\\u0022", { GAP }, 1 },
    { "\\u0027", { GAP }, 1 }, { "\\n", { BRK }, 1 }, { "\\u00e9", { BRK }, 1 },
    { "\\u002E", { BRK }, 1 },
};

struct text {
    char buf[4096];
    size_t n;
    size_t lo[2048], hi[2048]; /* each token's source range */
    enum cls cls[2048];
    size_t nt;
};

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void add(struct text *t, const struct piece *p)
{
    size_t len = strlen(p->text);

    for (int k = 0; k < p->n; k++) {
        /* a piece of several tokens is one byte each but the last, which takes the rest */
        size_t lo = t->n + (size_t)k, hi = k + 1 < p->n ? lo + 1 : t->n + len;
        t->lo[t->nt] = lo;
        t->hi[t->nt] = hi;
        t->cls[t->nt++] = p->cls[k];
    }
    memcpy(t->buf + t->n, p->text, len);
    t->n += len;
}

/* A piece of class `want` (any piece when want < 0). */
static const struct piece *pick(const struct piece *v, size_t nv, int want, uint64_t *s)
{
    for (;;) {
        const struct piece *p = &v[rnd(s) % nv];
        if (want < 0 || (p->n == 1 && (int)p->cls[0] == want) ||
            (want == VAL && p->n == 1 && p->cls[0] == SL))
            return p;
    }
}

/* Runs of value pieces (1 to 30), gaps (0 to 10), now and then a break or any piece. */
/* Texts stay under LIMIT_ESCAPE_RUN_BACK bytes: every token is looked at from its
 * line's start (the hand cases test the look-back). */
static void random_text(struct text *t, const struct piece *v, size_t nv, uint64_t *s)
{
again:
    t->n = t->nt = 0;
    while (t->n < 100) {
        size_t k = rnd(s) % 30 + 1;
        for (size_t i = 0; i < k; i++)
            add(t, pick(v, nv, rnd(s) % 8 ? VAL : -1, s));
        k = rnd(s) % 11;
        for (size_t i = 0; i < k; i++)
            add(t, pick(v, nv, GAP, s));
        if (rnd(s) % 3 == 0)
            add(t, pick(v, nv, BRK, s));
    }
    if (t->n >= LIMIT_ESCAPE_RUN_BACK)
        goto again;
    t->buf[t->n] = '\0';
}

/* The run of value tokens around token i: [*a, *b]. */
static void run_around(const struct text *t, size_t i, size_t *a, size_t *b)
{
    *a = *b = i;
    while (*a > 0 && t->cls[*a - 1] >= VAL)
        (*a)--;
    while (*b + 1 < t->nt && t->cls[*b + 1] >= VAL)
        (*b)++;
}

/* Could hold a value: MIN tokens in a row without '/' or '+' (a key ID) or ANY in all */
static bool holds_value(const struct text *t, size_t a, size_t b)
{
    size_t plain = 0;

    if (b - a + 1 >= ANY)
        return true;
    for (size_t k = a; k <= b; k++)
        if ((plain = t->cls[k] == SL ? 0 : plain + 1) >= MIN)
            return true;
    return false;
}

/* Long: it holds a value, or reaches the text's start or end (it may be cut there). */
static bool long_run(const struct text *t, size_t a, size_t b)
{
    return holds_value(t, a, b) || a == 0 || b + 1 == t->nt;
}

/* What the trigger whose last token is i should answer, from the tokens. */
static bool reference(const struct text *t, size_t i)
{
    size_t a = i, b = i, j, g;

    if (t->cls[i] == BRK)
        return false;
    if (t->cls[i] >= VAL) {
        run_around(t, i, &a, &b);
        if (long_run(t, a, b))
            return true;
    }
    /* left: the gaps before the run (or with the gap itself), then a long run */
    g = t->cls[i] == GAP ? 1 : 0;
    for (j = a; j > 0 && t->cls[j - 1] == GAP; j--)
        g++;
    if (j > 0 && t->cls[j - 1] >= VAL && g >= 1 && g <= GAPS) {
        size_t pa, pb;
        run_around(t, j - 1, &pa, &pb);
        if (holds_value(t, pa, pb) || pa == 0)
            return true;
    }
    /* right: the same after it; gaps up to the text's end may hide a cut value */
    g = t->cls[i] == GAP ? 1 : 0;
    for (j = b + 1; j < t->nt && t->cls[j] == GAP; j++)
        if (++g > GAPS)
            return false;
    if (j == t->nt)
        return true;
    if (t->cls[j] >= VAL && g >= 1) {
        size_t na, nb;
        run_around(t, j, &na, &nb);
        return long_run(t, na, nb);
    }
    return false;
}

static void check_text(const struct text *t, run_fn fn, const char *name)
{
    const unsigned char *p = (const unsigned char *)t->buf;

    for (size_t i = 0; i < t->nt; i++) {
        struct decode_span run;
        bool want = reference(t, i), got = fn(p, t->n, t->hi[i], &run, NULL);
        if (got != want) {
            fprintf(stderr, "%s: token %zu [%zu, %zu) of \"%s\": got %d, want %d\n", name, i,
                    t->lo[i], t->hi[i], t->buf, got, want);
            CHECK(got == want);
            return;
        }
        /* the run the answer is shared with: the value tokens around this one, whole */
        CHECK((t->cls[i] >= VAL) == (run.hi > run.lo));
        CHECK(run.hi > run.lo || (run.lo == 0 && run.hi == 0));
        if (run.hi <= run.lo)
            continue;
        size_t a, b;
        run_around(t, i, &a, &b);
        CHECK(run.lo == t->lo[a] && run.hi == t->hi[b]);
        for (size_t k = a; k <= b && t->hi[k] <= run.hi; k++) {
            struct decode_span r2;
            CHECK(fn(p, t->n, t->hi[k], &r2, NULL) == got);
        }
    }
}

static void test_escape_run__random_texts_equal_reference(void)
{
    static struct text t;
    uint64_t s = 0x5e5a3e;

    for (int round = 0; round < 3000; round++) {
        random_text(&t, url_pieces, sizeof(url_pieces) / sizeof(url_pieces[0]), &s);
        check_text(&t, decode_url_trigger_in_run, "url");
        random_text(&t, json_pieces, sizeof(json_pieces) / sizeof(json_pieces[0]), &s);
        check_text(&t, decode_json_trigger_in_run, "json");
    }
}

/* The answer at the end of the first occurrence of `mark` in s. */
static bool at_mark(run_fn fn, const char *s, const char *mark)
{
    struct decode_span run;
    const char *m = strstr(s, mark);

    CHECK(m != NULL);
    return m && fn((const unsigned char *)s, strlen(s), (size_t)(m - s) + strlen(mark), &run, NULL);
}

#define SECRET "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY1" /* 40, no '/' */

static void test_escape_run__what_encoders_write(void)
{
    run_fn url = decode_url_trigger_in_run, json = decode_json_trigger_in_run;

    /* an access log's encoded redirect, a query's encoded path: no value */
    CHECK(!at_mark(url, "1.2.3.4 - - \"GET /login?redirect=https%3A%2F%2Fshop.example.com%2Fcart"
                        "&session=0123456789abcdef HTTP/1.1\" 302 0\n", "%3A%2F"));
    CHECK(!at_mark(url, "x GET /login?redirect=https%3A%2F%2Fshop.example.com%2Fcart&s=1\n",
                   "com%2F"));
    CHECK(!at_mark(url, "<a href=\"/a/b?next=%2Fhome%2Fdash\">x</a>\n", "%2Fhome"));
    /* 20 with a '/' is no key ID, and too short for anything else; 27 is not */
    CHECK(!at_mark(url, "<a href=\"/d?next=%2Fhome%2Fdashboard\">x</a>\n", "%2Fhome"));
    CHECK(at_mark(url, "<a href=\"/d?next=%2Fhome%2Fdashboard1234567\">x</a>\n", "%2Fhome"));
    CHECK(!at_mark(url, "<a href=\"/d?next=%2Fhome%2Fdashboard123456\">x</a>\n", "%2Fhome"));
    /* a secret's own '/' and '+', its padding; encoded twice */
    CHECK(at_mark(url, "x=1&s=wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCYEXAMPLEKEY&y=2\n", "%2F"));
    CHECK(at_mark(url, "x=1&t=IQoJb3JpZ2luX2VjEXAMPLEtoken%3D%3D&y=2\n", "%3D"));
    CHECK(at_mark(url, "x=1&s=wJalrXUtnFEMI%252FK7MDENG%252FbPxRfiCYEXAMPLEKEY&y=2\n", "%252F"));
    /* an encoded '=' or quote next to the value, quotes and blanks between */
    CHECK(at_mark(url, "q=1&aws_secret_access_key%3D" SECRET "&r=2\n", "%3D"));
    CHECK(at_mark(url, "q=1&secret%3D%22" SECRET "%22&r=2\n", "%3D"));
    CHECK(at_mark(url, "q=1&cfg=%7B%22secret%22%3A%20%22" SECRET "%22%7D\n", "%3A"));
    CHECK(at_mark(url, "q. secret %3D \"" SECRET "\"\n", "%3D"));
    CHECK(at_mark(url, "q. %22AKIAIOSFODNN7EXAMPLE%22.\n", "%22"));
    /* a 19-character run is no key ID; 20 is */
    CHECK(!at_mark(url, "q. %22AKIAIOSFODNN7EXAMPL%22.\n", "%22"));
    CHECK(at_mark(url, "q. %22AKIAIOSFODNN7EXAMPLE%22.\n", "%22"));
    /* nine gaps are too many, eight are not */
    CHECK(!at_mark(url, "q. k%3D         " SECRET ".\n", "%3D"));
    CHECK(at_mark(url, "q. k%3D        " SECRET ".\n", "%3D"));

    /* JSON: a URL's escaped slashes, a path */
    CHECK(!at_mark(json, "{\"url\": \"https:\\/\\/hook.example.com\\/body\\/d767cd30\", \"n\": 1}\n",
                   "https:\\/"));
    CHECK(!at_mark(json, "{\"arn\": \"arn:aws:iam::943686941014:user\\/bundle\", \"n\": 1}\n",
                   "user\\/"));
    CHECK(!at_mark(json, "{\"u\": \"https:\\/\\/manager.example.com\\/runtime\\/c2f7ef10\"}\n",
                   "com\\/"));
    CHECK(at_mark(json, "{\"k\": \"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEY\"}\n", "I\\/"));
    CHECK(at_mark(json, "{\"k\": \\u0022" SECRET "\\u0022}\n", "\\u0022"));
    CHECK(at_mark(json, "x. \\\"secret\\\": \\\"" SECRET "\\\".\n", "\\\"secret"));
    /* a run as long as the look-back, or one that reaches the buffer's end, may be cut */
    {
        static char s[1200];
        memset(s, 'a', 1000);
        memcpy(s + 1000, "%2Fb.", 6);
        CHECK(at_mark(url, s, "%2F"));
        for (size_t i = 0; i < 1000; i += 2)
            s[i + 1] = '.';
        CHECK(!at_mark(url, s, "%2F"));
        CHECK(at_mark(url, "q. word%2Fcut", "%2F"));
    }
}

static void test_escape_run__bounds(void)
{
    struct decode_span run;
    const unsigned char *p = (const unsigned char *)"%2F";

    CHECK(decode_url_trigger_in_run(p, 3, 0, &run, NULL));
    CHECK(decode_url_trigger_in_run(p, 3, 4, &run, NULL));
    CHECK(decode_url_trigger_in_run(p, 3, 3, &run, NULL)); /* at the buffer's start and end */
    CHECK(decode_json_trigger_in_run((const unsigned char *)"\\", 1, 1, &run, NULL));
}

static const struct test tests[] = {
    TEST(test_escape_run__random_texts_equal_reference),
    TEST(test_escape_run__what_encoders_write),
    TEST(test_escape_run__bounds),
};

HARNESS_MAIN(tests)
