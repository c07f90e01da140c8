/*
 * tests/unit/test_decode.c - the decoded views (utf-16, url, json escapes, base64), their
 * maps back to the source, their limits, and the base64 anchors.
 */
#include "decode/decode.h"

#include <stdint.h>

#include "harness.h"
#include "base/limits.h"

#define MIB (1024u * 1024)

/* View byte `v` comes from source byte `s`. */
#define CHECK_MAP(d, v, s) CHECK(decoded_to_source((d), (v)) == (size_t)(s))

/* The view is exactly `want` (len bytes) and NUL-terminated. */
#define CHECK_VIEW(d, want, want_len)                                                   \
    do {                                                                                \
        CHECK((d)->len == (want_len));                                                  \
        CHECK((d)->data && memcmp((d)->data, (want), (want_len)) == 0);                 \
        CHECK((d)->data && (d)->data[(d)->len] == '\0');                                \
    } while (0)

/* Nothing allocated and nothing to scan. */
#define CHECK_EMPTY(d) CHECK((d)->len == 0 && (d)->data == NULL && (d)->segs == NULL)

static uint64_t test_decode_rng(uint64_t *state)
{
    /* xorshift64: a fixed seed gives the same bytes on every run */
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* Invariants every view keeps: sorted segments from 0, every byte inside the source. */
static void test_decode_invariants(const struct decoded *d, size_t n)
{
    CHECK(d->n_segs > 0 && d->segs[0].view_off == 0);
    for (size_t i = 1; i < d->n_segs; i++)
        CHECK(d->segs[i - 1].view_off < d->segs[i].view_off);
    CHECK(d->segs[d->n_segs - 1].view_off < d->len);
    for (size_t v = 0; v < d->len; v++) {
        CHECK(decoded_to_source(d, v) < n);
        /* monotonic: scanbuf's emit() counts lines in view order */
        CHECK(v == 0 || decoded_to_source(d, v - 1) <= decoded_to_source(d, v));
    }
}

static size_t test_decode_b64(const unsigned char *p, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

static void test_decode__release_and_empty_map(void)
{
    struct decoded d = DECODED_INIT;

    CHECK_MAP(&d, 0, 0);
    decoded_release(&d);
    decoded_release(&d);
    decoded_release(NULL);
    CHECK_EMPTY(&d);
}

static void test_decode__utf16_detect(void)
{
    static const unsigned char le_bom[] = { 0xFF, 0xFE, 'A', 0 };
    static const unsigned char be_bom[] = { 0xFE, 0xFF, 0, 'A' };
    static const unsigned char le[] = "a\0w\0s\0_\0a\0c\0c\0e\0s\0s\0_\0k\0e\0y\0";
    static const unsigned char be[] = "\0a\0w\0s\0_\0a\0c\0c\0e\0s\0s\0_\0k\0e\0y";
    static const unsigned char short_le[] = "k\0e\0y\0=\0";
    unsigned char binary[512], zeros[64] = { 0 };
    uint64_t seed = 0x5e5a3e;
    bool big = true;

    CHECK(decode_utf16_detect(le_bom, sizeof(le_bom), &big) && !big);
    CHECK(decode_utf16_detect(be_bom, sizeof(be_bom), &big) && big);
    CHECK(decode_utf16_detect(le, sizeof(le) - 1, &big) && !big);
    CHECK(decode_utf16_detect(be, sizeof(be) - 1, &big) && big);
    CHECK(decode_utf16_detect(le, sizeof(le), &big) && !big); /* odd length */
    CHECK(!decode_utf16_detect(short_le, sizeof(short_le) - 1, &big));
    for (size_t i = 0; i < sizeof(binary); i++)
        binary[i] = (unsigned char)test_decode_rng(&seed);
    binary[0] = 0x7F; /* not a BOM */
    CHECK(!decode_utf16_detect(binary, sizeof(binary), &big) && !big);
    CHECK(!decode_utf16_detect(zeros, sizeof(zeros), &big));
    CHECK(!decode_utf16_detect(zeros, 0, &big));
}

static void test_decode__utf16_le_bom(void)
{
    static const unsigned char src[] = { 0xFF, 0xFE, 'A', 0, 'B', 0, 0xE9, 0, 'C', 0 };
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_utf16(src, sizeof(src), false, MIB, &d));
    CHECK_VIEW(&d, "AB\xC3\xA9" "C", 5u);
    CHECK_STREQ(d.encoding, "utf-16le");
    CHECK_MAP(&d, 0, 2); /* the BOM is skipped */
    CHECK_MAP(&d, 1, 4);
    CHECK_MAP(&d, 2, 6); /* both bytes of U+00E9 map to its code unit */
    CHECK_MAP(&d, 3, 6);
    CHECK_MAP(&d, 4, 8);
    CHECK_MAP(&d, 5, 10);
    CHECK(d.n_segs == 3);
    test_decode_invariants(&d, sizeof(src));
    decoded_release(&d);
    CHECK_EMPTY(&d);
}

static void test_decode__utf16_be_no_bom(void)
{
    /* "AWS=KEY", U+1F600 as a surrogate pair, "!", and an odd trailing byte */
    static const unsigned char src[] = { 0, 'A', 0, 'W', 0, 'S', 0, '=', 0, 'K', 0, 'E', 0,
                                         'Y', 0xD8, 0x3D, 0xDE, 0x00, 0, '!', 'x' };
    struct decoded d = DECODED_INIT;
    bool big = false;

    CHECK(decode_utf16_detect(src, sizeof(src), &big) && big);
    CHECK_OK(decode_utf16(src, sizeof(src), true, MIB, &d));
    CHECK_VIEW(&d, "AWS=KEY\xF0\x9F\x98\x80!", 12u);
    CHECK_STREQ(d.encoding, "utf-16be");
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 6, 12);
    CHECK_MAP(&d, 7, 14);
    CHECK_MAP(&d, 10, 14);
    CHECK_MAP(&d, 11, 18);
    CHECK_MAP(&d, 12, 20);
    test_decode_invariants(&d, sizeof(src));
    decoded_release(&d);
}

static void test_decode__utf16_le_no_bom_and_be_bom(void)
{
    static const unsigned char le[] = "a\0w\0s\0_\0a\0c\0c\0e\0s\0s\0_\0k\0e\0y\0";
    static const unsigned char be_bom[] = { 0xFE, 0xFF, 0, 'A', 0, 'B' };
    static const unsigned char lone[] = { 0x00, 0xD8, 'A', 0, 0x00, 0xDC };
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_utf16(le, sizeof(le) - 1, false, MIB, &d));
    CHECK_VIEW(&d, "aws_access_key", 14u);
    CHECK(d.n_segs == 1);
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 13, 26);
    CHECK_MAP(&d, 14, 28);
    decoded_release(&d);

    CHECK_OK(decode_utf16(be_bom, sizeof(be_bom), true, MIB, &d));
    CHECK_VIEW(&d, "AB", 2u);
    CHECK_MAP(&d, 0, 2);
    CHECK_MAP(&d, 1, 4);
    decoded_release(&d);

    CHECK_OK(decode_utf16(lone, sizeof(lone), false, MIB, &d)); /* unpaired surrogates */
    CHECK_VIEW(&d, "?A?", 3u);
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 1, 2);
    CHECK_MAP(&d, 2, 4);
    decoded_release(&d);

    CHECK_OK(decode_utf16(be_bom, 2, true, MIB, &d)); /* only a BOM: an empty view */
    CHECK_EMPTY(&d);
}

static void test_decode__utf16_long_ascii_is_one_segment(void)
{
    enum { UNITS = 3000 };
    static unsigned char src[2 * UNITS];
    struct decoded d = DECODED_INIT;

    for (size_t i = 0; i < UNITS; i++) {
        src[2 * i] = (unsigned char)('a' + i % 26);
        src[2 * i + 1] = 0;
    }
    CHECK_OK(decode_utf16(src, sizeof(src), false, MIB, &d));
    CHECK(d.len == UNITS && d.n_segs == 1);
    CHECK_MAP(&d, UNITS - 1, 2 * (UNITS - 1));
    decoded_release(&d);
}

static void test_decode__url(void)
{
    static const char src[] = "a%2Fb%2bc%zz%4";
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_url((const unsigned char *)src, strlen(src), MIB, &d));
    CHECK_VIEW(&d, "a/b+c%zz%4", 10u);
    CHECK_STREQ(d.encoding, "url");
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 1, 1); /* %2F: its '%' */
    CHECK_MAP(&d, 2, 4);
    CHECK_MAP(&d, 3, 5); /* %2b */
    CHECK_MAP(&d, 4, 8);
    CHECK_MAP(&d, 5, 9); /* invalid %zz is copied */
    CHECK_MAP(&d, 9, 13);
    CHECK_MAP(&d, 10, 14);
    CHECK(d.n_segs == 5);
    test_decode_invariants(&d, strlen(src));
    decoded_release(&d);

    CHECK_OK(decode_url((const unsigned char *)"%41%42", 6, MIB, &d));
    CHECK_VIEW(&d, "AB", 2u);
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 1, 3);
    decoded_release(&d);
}

static void test_decode__url_unchanged(void)
{
    static const char src[] = "100% sure: a+b %g0 %";
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_url((const unsigned char *)src, strlen(src), MIB, &d));
    CHECK_EMPTY(&d);
    CHECK_OK(decode_url((const unsigned char *)src, 0, MIB, &d));
    CHECK_EMPTY(&d);
}

static void test_decode__json(void)
{
    static const char src[] = "k\\/x\\u002Fy\\uD83D\\uDE00z\\q\\\\!\\uD800\\x41";
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_json_escapes((const unsigned char *)src, strlen(src), MIB, &d));
    CHECK_VIEW(&d, "k/x/y\xF0\x9F\x98\x80z\\q\\!?A", 16u);
    CHECK_STREQ(d.encoding, "json-escape");
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 1, 1);   /* \/ */
    CHECK_MAP(&d, 2, 3);
    CHECK_MAP(&d, 3, 4);   /* \u002F */
    CHECK_MAP(&d, 4, 10);
    CHECK_MAP(&d, 5, 11);  /* the surrogate pair maps to its first escape */
    CHECK_MAP(&d, 8, 11);
    CHECK_MAP(&d, 9, 23);
    CHECK_MAP(&d, 10, 24); /* unknown \q is copied */
    CHECK_MAP(&d, 11, 25);
    CHECK_MAP(&d, 12, 26); /* \\ */
    CHECK_MAP(&d, 13, 28);
    CHECK_MAP(&d, 14, 29); /* lone surrogate */
    CHECK_MAP(&d, 15, 35); /* \x41 */
    test_decode_invariants(&d, strlen(src));
    decoded_release(&d);

    CHECK_OK(decode_json_escapes((const unsigned char *)"\"a\\\"b\"", 6, MIB, &d));
    CHECK_VIEW(&d, "\"a\"b\"", 5u);
    CHECK_MAP(&d, 4, 5);
    decoded_release(&d);
}

static void test_decode__json_unchanged(void)
{
    static const char *const srcs[] = { "plain text", "C:\\q\\z path", "abc\\u12", "\\x4",
                                        "end\\" };
    struct decoded d = DECODED_INIT;

    for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
        CHECK_OK(decode_json_escapes((const unsigned char *)srcs[i], strlen(srcs[i]), MIB, &d));
        CHECK_EMPTY(&d);
    }
}

/* base64 of "aws_secret_access_key = abc123\n" as a Kubernetes Secret data value */
static const char test_decode_secret[] = "apiVersion: v1\n"
                                         "data:\n"
                                         "  config: YXdzX3NlY3JldF9hY2Nlc3Nfa2V5ID0gYWJjMTIzCg==\n"
                                         "kind: Secret\n";

static void test_decode__base64_kubernetes_secret(void)
{
    const unsigned char *p = (const unsigned char *)test_decode_secret;
    static const char want[] = "  config: aws_secret_access_key = abc123\n";
    const size_t at[] = { 40, 33, 74, 40 }; /* unsorted, a duplicate, one on the padding */
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_base64_runs(p, strlen(test_decode_secret), at, 4, MIB, &d));
    CHECK_VIEW(&d, want, strlen(want));
    CHECK_STREQ(d.encoding, "base64");
    CHECK_MAP(&d, 0, 21); /* the line's prefix is kept */
    CHECK_MAP(&d, 9, 30);
    CHECK_MAP(&d, 10, 31); /* decoded bytes map to the run's first character */
    CHECK_MAP(&d, strlen(want) - 1, 31);
    CHECK(d.n_segs == 2);
    test_decode_invariants(&d, strlen(test_decode_secret));
    decoded_release(&d);

    CHECK_OK(decode_base64_runs(p, strlen(test_decode_secret), at + 2, 1, MIB, &d));
    CHECK_VIEW(&d, want, strlen(want));
    decoded_release(&d);
}

static void test_decode__base64_lines(void)
{
    static const char src[] = "a: aGVsbG8gd29ybGQh b: cmVnaW9uID0gZXUtd2VzdC0x\n"
                              "skip: plain\n"
                              "c: aWQ9Pj4-P3VzZXI_ end\n";
    static const char want[] = "a: hello world! b: region = eu-west-1\n"
                               "c: id=>>>?user? end";
    const size_t at[] = { 70, 5, 30, 5, 3, 18, 50, 83, 200, 0 };
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), at, 10, MIB, &d));
    CHECK_VIEW(&d, want, strlen(want));
    CHECK_MAP(&d, 0, 0);
    CHECK_MAP(&d, 3, 3);
    CHECK_MAP(&d, 14, 3);
    CHECK_MAP(&d, 15, 19); /* between two runs of one line */
    CHECK_MAP(&d, 19, 23);
    CHECK_MAP(&d, 36, 23);
    CHECK_MAP(&d, 37, 47); /* the joining '\n' maps to the end of its line */
    CHECK_MAP(&d, 38, 60);
    CHECK_MAP(&d, 41, 63); /* url-safe run */
    CHECK_MAP(&d, 52, 63);
    CHECK_MAP(&d, 53, 79);
    CHECK_MAP(&d, 56, 82);
    CHECK_MAP(&d, 57, 83);
    test_decode_invariants(&d, strlen(src));
    decoded_release(&d);
}

static void test_decode__base64_skips_binary_short_and_mixed(void)
{
    unsigned char bytes[48], line[128];
    char enc[80];
    uint64_t seed = 42;
    struct decoded d = DECODED_INIT;
    size_t at[] = { 10, 30 }, n;

    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (unsigned char)test_decode_rng(&seed);
    n = test_decode_b64(bytes, sizeof(bytes), enc);
    memcpy(line, "blob: ", 6);
    memcpy(line + 6, enc, n);
    CHECK_OK(decode_base64_runs(line, 6 + n, at, 2, MIB, &d));
    CHECK_EMPTY(&d); /* random bytes are not text */

    /* 15 characters: shorter than LIMIT_BASE64_MIN_RUN */
    CHECK(LIMIT_BASE64_MIN_RUN == 16);
    CHECK_OK(decode_base64_runs((const unsigned char *)"x aGVsbG8gd29ybGQ", 17, at, 1, MIB, &d));
    CHECK_EMPTY(&d);

    /* both alphabets in one run: not base64 */
    CHECK_OK(decode_base64_runs((const unsigned char *)"aGVsbG8+d29ybGQh_aGVs", 21, at, 1, MIB,
                                &d));
    CHECK_EMPTY(&d);

    CHECK_OK(decode_base64_runs((const unsigned char *)"x", 1, at, 0, MIB, &d));
    CHECK_EMPTY(&d);
}

/* The text test at its bound: runs of 300 decoded bytes (three lines of a wrapped run,
 * and one line) with 45 bytes that are not printable (15 %: text) or 46 (not), placed
 * first, last or spread: the test may stop decoding early, never with another verdict. */
static void test_decode__base64_text_share_at_the_bound(void)
{
    for (int wrapped = 0; wrapped < 2; wrapped++)
        for (size_t bad = 45; bad <= 46; bad++)
            for (int place = 0; place < 3; place++) {
                unsigned char bytes[300], src[600];
                char enc[420];
                size_t n, m = 0, at[] = { 8 };
                struct decoded d = DECODED_INIT;
                for (size_t i = 0; i < sizeof(bytes); i++) {
                    bool other = place == 0 ? i < bad
                                 : place == 1 ? i >= sizeof(bytes) - bad
                                              : i % 6 == 0 && i / 6 < bad;
                    bytes[i] = other ? (unsigned char)(0x80 + i % 64)
                                     : (unsigned char)('a' + i % 26);
                }
                n = test_decode_b64(bytes, sizeof(bytes), enc);
                CHECK(n == 400);
                memcpy(src, "value: ", 7);
                m = 7;
                for (size_t i = 0; i < n; i++) {
                    if (wrapped && i > 0 && i % 136 == 0)
                        src[m++] = '\n';
                    src[m++] = (unsigned char)enc[i];
                }
                src[m++] = '\n';
                CHECK_OK(decode_base64_runs(src, m, at, 1, MIB, &d));
                /* a joined run that is not text is looked at line by line: the
                 * first line alone (102 bytes) is text when the others hold the bad */
                CHECK((d.len > 0) == (bad == 45 || (wrapped && place == 1)));
                if (bad == 45)
                    CHECK(d.len >= sizeof(bytes) && memcmp(d.data + 7, bytes, 136 / 4 * 3) == 0);
                else if (d.len > 0)
                    CHECK(d.len == 7 + 102 && memcmp(d.data + 7, bytes, 102) == 0);
                decoded_release(&d);
            }
}

static void test_decode__base64_missing_padding_and_partial_group(void)
{
    /* "aws_secret_access_key = abc123\n" without its "==", then "region = eu-west-1"
     * with a stray character (a final group of one character carries no byte) */
    static const char src[] = "YXdzX3NlY3JldF9hY2Nlc3Nfa2V5ID0gYWJjMTIzCg "
                              "cmVnaW9uID0gZXUtd2VzdC0xQ";
    static const char want[] = "aws_secret_access_key = abc123\n region = eu-west-1";
    const size_t at[] = { 0, 50 };
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), at, 2, MIB, &d));
    CHECK_VIEW(&d, want, strlen(want));
    CHECK_MAP(&d, 31, 42);
    CHECK_MAP(&d, 32, 43);
    decoded_release(&d);
}

static void test_decode__base64_run_too_long(void)
{
    size_t n = 16 * MIB + 8, at = 123;
    unsigned char *p = malloc(n);

    CHECK(p != NULL);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)"QUFB"[i % 4]; /* "AAA..." */
    {
        struct decoded d = DECODED_INIT;
        CHECK_OK(decode_base64_runs(p, n, &at, 1, 64 * MIB, &d));
        CHECK_EMPTY(&d);
        CHECK_OK(decode_base64_runs(p, 1024, &at, 1, 64 * MIB, &d)); /* a short one is */
        CHECK(d.len == 768 && d.data[0] == 'A');
        decoded_release(&d);
    }
    free(p);
}

/* Text for the wrapped-base64 tests: 171 bytes, so its base64 (228 characters) wraps at
 * 76 columns into three full lines, and at 64 into three and a 36-character one. */
static const char test_decode_wrapped_text[] =
    "[default]\n"
    "aws_access_key_id = ABCDEFGHIJKLMNOPQRST\n"
    "aws_secret_access_key = abcdefghijklmnopqrstuvwxyz0123456789+/AB\n"
    "region = eu-central-1\n"
    "output = json # twenty more byte\n";

/* Write, for the base64 of `plain`, lines of `width` characters: the first after `first`,
 * the others after `indent`, each ending with `eol`; `last` after the last one instead
 * of eol. starts[i] is line i's first base64 character. Returns the length. */
static size_t test_decode_wrap(const char *plain, size_t width, const char *first,
                               const char *indent, const char *eol, const char *last,
                               char *out, size_t *starts, size_t *n_lines)
{
    char enc[1024];
    size_t n = test_decode_b64((const unsigned char *)plain, strlen(plain), enc), o = 0;

    *n_lines = 0;
    for (size_t i = 0; i < n; i += width) {
        size_t w = n - i < width ? n - i : width;
        const char *pre = i == 0 ? first : indent, *post = i + w < n ? eol : last;
        memcpy(out + o, pre, strlen(pre));
        o += strlen(pre);
        starts[(*n_lines)++] = o;
        memcpy(out + o, enc + i, w);
        o += w;
        memcpy(out + o, post, strlen(post));
        o += strlen(post);
    }
    out[o] = '\0';
    return o;
}

/* The view of `src` with one trigger at `at` equals `want` (want_len bytes). */
static void test_decode_b64_view(const char *src, size_t at, const char *want, size_t want_len)
{
    struct decoded d = DECODED_INIT;

    CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), &at, 1, MIB, &d));
    CHECK_VIEW(&d, want, want_len);
    if (d.len)
        test_decode_invariants(&d, strlen(src));
    decoded_release(&d);
}

/* Every character of both alphabets decodes to its value (decode/base64.c classifies and
 * decodes by table): random printable text, encoded here, in the standard and in the
 * URL-safe alphabet, decodes back whole; one run mixing both alphabets is not decoded. */
static void test_decode__base64_every_alphabet_character(void)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    enum { TEXT = 1500 };
    unsigned char text[TEXT];
    char src[4 + TEXT / 3 * 4 + 2], want[4 + TEXT + 2];
    unsigned seen = 0;
    uint64_t x = 0x6a09e667f3bcc908u;

    for (size_t i = 0; i < TEXT; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text[i] = (unsigned char)(' ' + x % 95);
    }
    for (int url = 0; url < 3; url++) {
        size_t o = 3;
        memcpy(src, "k: ", 3);
        for (size_t i = 0; i < TEXT; i += 3) {
            unsigned long v = (unsigned long)text[i] << 16 | (unsigned long)text[i + 1] << 8 |
                              text[i + 2];
            for (int k = 3; k >= 0; k--) {
                unsigned c = (unsigned)(v >> (6 * k)) & 63;
                seen |= 1u << (c >> 1);
                src[o++] = url == 1 && c >= 62 ? (c == 62 ? '-' : '_') : std[c];
            }
        }
        if (url == 2)
            src[40] = src[40] == '-' ? '+' : '-'; /* both alphabets: not one run */
        src[o++] = '\n';
        src[o] = '\0';
        memcpy(want, "k: ", 3);
        memcpy(want + 3, text, TEXT);
        memcpy(want + 3 + TEXT, "\n", 2);
        if (url == 2) {
            if (!strchr(src + 3, '+') || !strchr(src + 3, '/'))
                continue;
            struct decoded d = DECODED_INIT;
            size_t at = 10;
            CHECK_OK(decode_base64_runs((const unsigned char *)src, o, &at, 1, MIB, &d));
            CHECK(d.len == 0);
            decoded_release(&d);
        } else {
            test_decode_b64_view(src, 10, want, 3 + TEXT);
        }
    }
    CHECK(seen == 0xffffffffu); /* every 6-bit value (in pairs) was encoded */
}

/* issue 11 (13): `base64` output at 76 columns is one run: the text decodes whole, and
 * each line's bytes map to that line's first character (a key is reported on the line
 * where its encoded form starts), whichever line the trigger is on. */
static void test_decode__issue_11_base64_wrapped_76(void)
{
    const char *plain = test_decode_wrapped_text;
    char src[2048];
    size_t starts[16], n_lines, n = test_decode_wrap(plain, 76, "", "", "\n", "\n", src, starts,
                                                     &n_lines);

    CHECK(n_lines == 3);
    for (size_t line = 0; line < n_lines; line++) {
        struct decoded d = DECODED_INIT;
        size_t at = starts[line] + 30;

        CHECK_OK(decode_base64_runs((const unsigned char *)src, n, &at, 1, MIB, &d));
        CHECK_VIEW(&d, plain, strlen(plain));
        CHECK(d.n_segs == n_lines);
        for (size_t v = 0; v < d.len; v++)
            CHECK_MAP(&d, v, starts[(4 * (v / 3)) / 76]);
        test_decode_invariants(&d, n);
        decoded_release(&d);
    }
}

/* 64 columns with a short last line; MIME's CRLF; YAML's indentation after a "key: |"
 * line; a first line after a prefix and a last one closed by a quote; padding. */
static void test_decode__issue_11_base64_wrapped_shapes(void)
{
    const char *plain = test_decode_wrapped_text;
    static const struct {
        size_t width;
        const char *head, *first, *indent, *eol, *last, *tail;
    } shapes[] = {
        { 64, "", "", "", "\n", "\n", "" },
        { 76, "Content-Transfer-Encoding: base64\r\n\r\n", "", "", "\r\n", "\r\n", "--b1--\r\n" },
        { 64, "-----BEGIN X-----\n", "", "", "\n", "\n", "-----END X-----\n" },
        { 76, "data:\n  credentials: |\n", "    ", "    ", "\n", "\n", "kind: Secret\n" },
        { 76, "\tcreds: |-\n", "\t\t", "\t\t", " \n", "\n", "" }, /* tabs, trailing blank */
        { 76, "#!/bin/sh\n", "CREDS=\"", "", "\n", "\"\n", "echo done\n" },
        { 64, "", "<value>", "", "\n", "</value>\n", "" },
    };

    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char src[2048], body[2048], want[1024];
        size_t starts[16], n_lines, hl = strlen(shapes[i].head), wl;
        int before = harness_failures;
        struct decoded d = DECODED_INIT;
        size_t at;

        (void)test_decode_wrap(plain, shapes[i].width, shapes[i].first, shapes[i].indent,
                               shapes[i].eol, shapes[i].last, body, starts, &n_lines);
        snprintf(src, sizeof(src), "%s%s%s", shapes[i].head, body, shapes[i].tail);
        at = hl + starts[n_lines - 1] + 2; /* a trigger on the last line */
        /* the view: the first line's prefix, the text, the rest of the last line */
        wl = (size_t)snprintf(want, sizeof(want), "%s%s", shapes[i].first, plain);
        {
            const char *rest = shapes[i].last;
            size_t rl = strcspn(rest, "\n");
            memcpy(want + wl, rest, rl);
            wl += rl;
        }
        CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), &at, 1, MIB, &d));
        CHECK_VIEW(&d, want, wl);
        CHECK_MAP(&d, strlen(shapes[i].first), hl + starts[0]);
        CHECK_MAP(&d, strlen(shapes[i].first) + strlen(plain) - 1, hl + starts[n_lines - 1]);
        test_decode_invariants(&d, strlen(src));
        decoded_release(&d);
        if (harness_failures != before)
            fprintf(stderr, "  in shape %zu\n", i);
    }

    /* "==" padding at the end of the last line */
    {
        static const char padded[] = "QUtJQSBpcyBub3QgYSBrZXkgaGVyZSwganVzdCB0ZXh0\n"
                                     "IHRoYXQgd3JhcHMgaW4gdHdvIGxpbmVzLg==\n";
        static const char want[] = "AKIA is not a key here, just text that wraps in two lines.";
        test_decode_b64_view(padded, 50, want, strlen(want));
    }
}

/* Lines that are not one wrapped run stay apart: each is decoded alone, as before. */
static void test_decode__issue_11_base64_not_joined(void)
{
    /* base64 of "aws_secret_access_key = abc123\n" split at 24, and of "region = eu-west-1" */
    static const char *const srcs[] = {
        /* the lower line wider than the upper one */
        "YXdzX3NlY3JldF9hY2Nlc3Nf\ncmVnaW9uID0gZXUtd2VzdC0xcmVnaW9u\n",
        /* not whole groups of four */
        "YXdzX3NlY3JldF9hY2Nlc3N\ncmVnaW9uID0gZXUtd2VzdC0x\n",
        /* narrower than LIMIT_BASE64_WRAP_MIN_COLS */
        "YXdzX3NlY3Jl\ncmVnaW9uID0gZXUtd2VzdC0x\n",
        /* another indentation */
        "  YXdzX3NlY3JldF9hY2Nlc3Nf\n    cmVnaW9uID0gZXUtd2VzdC0x\n",
        /* the lower line goes on after its run: a word that starts a line */
        "YXdzX3NlY3JldF9hY2Nlc3Nf\ncmVnaW9uID0gZXUtd2VzdC0x: plain\n",
        /* the upper line goes on after its run */
        "YXdzX3NlY3JldF9hY2Nlc3Nf x\ncmVnaW9uID0gZXUtd2VzdC0x\n",
        /* a blank line between */
        "YXdzX3NlY3JldF9hY2Nlc3Nf\n\ncmVnaW9uID0gZXUtd2VzdC0x\n",
        /* the lower line is not its line's only content */
        "YXdzX3NlY3JldF9hY2Nlc3Nf\nkey: cmVnaW9uID0gZXUtd2VzdC0x\n",
        /* padding ends the upper line */
        "YXdzX3NlY3JldF9hY2Nlc3NfQQ==\ncmVnaW9uID0gZXUtd2VzdC0x\n",
        /* a word that is not whole groups of four (with padding) */
        "YXdzX3NlY3JldF9hY2Nlc3Nf\nThanks\n",
        /* a MIME boundary, a YAML list item */
        "YXdzX3NlY3JldF9hY2Nlc3Nf\r\n--b1--\r\n",
        "YXdzX3NlY3JldF9hY2Nlc3Nf\n-region\n",
        /* the standard alphabet above, the URL-safe one below */
        "aGVsbG8+d29ybGQhaGVsbG8+d29ybGQh\naWQ9Pj4-P3VzZXI_\n",
    };

    for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
        const char *src = srcs[i], *nl = strchr(src, '\n');
        size_t first_len = (size_t)(nl - src);
        int before = harness_failures;
        struct decoded d = DECODED_INIT, alone = DECODED_INIT;
        size_t at = 4;

        /* a trigger on the first line: the view is the one of that line alone */
        CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), &at, 1, MIB, &d));
        CHECK_OK(decode_base64_runs((const unsigned char *)src, first_len, &at, 1, MIB, &alone));
        CHECK(d.len == alone.len && (d.len == 0 || memcmp(d.data, alone.data, d.len) == 0));
        CHECK(d.len == 0 || memmem(d.data, d.len, "region", 6) == NULL);
        decoded_release(&d);
        decoded_release(&alone);
        if (harness_failures != before)
            fprintf(stderr, "  in case %zu\n", i);
    }

    /* prose around a line of base64: nothing joined */
    test_decode_b64_view("See the value on the next line, do not edit it below\n"
                         "YXdzX3NlY3JldF9hY2Nlc3Nf\n"
                         "Thanks\n",
                         60, "aws_secret_access_", 18);
}

/* Widths: lines of one width, the last no wider; a narrower line ends the run, and a
 * following block of another width is another run (never overlapping the first). */
static void test_decode__issue_11_base64_wrapped_blocks(void)
{
    const char *plain = test_decode_wrapped_text;
    char a[1024], b[1024], src[2100];
    size_t sa[16], sb[16], na, nb, la, at[2];
    struct decoded d = DECODED_INIT;
    char want[1024];

    /* 64-column block (3 full lines + 36), then directly a 76-column block (3 full) */
    la = test_decode_wrap(plain, 64, "", "", "\n", "\n", a, sa, &na);
    (void)test_decode_wrap(plain, 76, "", "", "\n", "\n", b, sb, &nb);
    snprintf(src, sizeof(src), "%s%s", a, b);
    at[0] = sb[1] + la + 3;
    at[1] = sa[1] + 3;
    CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), at, 2, MIB, &d));
    snprintf(want, sizeof(want), "%s\n%s", plain, plain);
    CHECK_VIEW(&d, want, strlen(want));
    CHECK_MAP(&d, 0, sa[0]);
    CHECK_MAP(&d, strlen(plain) + 1, la + sb[0]);
    test_decode_invariants(&d, strlen(src));
    decoded_release(&d);

    /* a wrapped run that is not text (random bytes on its second and third lines) falls
     * back to the trigger's line alone */
    {
        unsigned char bytes[114];
        char enc[200], mixed[400];
        uint64_t seed = 7;
        size_t o;
        for (size_t i = 0; i < sizeof(bytes); i++)
            bytes[i] = (unsigned char)test_decode_rng(&seed);
        o = test_decode_b64((const unsigned char *)plain, 57, mixed);
        mixed[o++] = '\n';
        (void)test_decode_b64(bytes, sizeof(bytes), enc);
        memcpy(mixed + o, enc, 76);
        mixed[o + 76] = '\n';
        memcpy(mixed + o + 77, enc + 76, 76);
        mixed[o + 153] = '\n';
        mixed[o + 154] = '\0';
        test_decode_b64_view(mixed, 10, plain, 57);
    }
}

/* A wrapped run longer than the run cap is not joined (each line alone), and scanning it
 * for many triggers stays linear. */
static void test_decode__issue_11_base64_wrapped_too_long(void)
{
    size_t lines = 16 * MIB / 77 + 2, n = lines * 77, n_at = 1000;
    char *p = malloc(n + 1);
    size_t *at = malloc(n_at * sizeof(*at));
    struct decoded d = DECODED_INIT;

    CHECK(p != NULL && at != NULL);
    if (!p || !at) {
        free(p);
        free(at);
        return;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = i % 77 == 76 ? '\n' : "QUFB"[(i % 77) % 4]; /* "AAA..." in 76 columns */
    p[n] = '\0';
    for (size_t i = 0; i < n_at; i++)
        at[i] = (i * (lines / n_at)) * 77 + 5;
    CHECK_OK(decode_base64_runs((unsigned char *)p, n, at, 1, 64 * MIB, &d));
    CHECK(d.len == 57 && d.data[0] == 'A');
    decoded_release(&d);
    CHECK_OK(decode_base64_runs((unsigned char *)p, n, at, n_at, 64 * MIB, &d));
    CHECK(d.len == n_at * 58 - 1); /* each line alone, joined by '\n' */
    decoded_release(&d);
    free(at);
    free(p);
}

static void test_decode__limits(void)
{
    static const unsigned char utf16[] = "a\0w\0s\0_\0a\0c\0c\0e\0s\0s\0";
    static const char url[] = "key%3Dvalue%26x";
    static const char json[] = "key\\u003Dvalue\\/x";
    const unsigned char *secret = (const unsigned char *)test_decode_secret;
    size_t at = 40;
    struct decoded d = DECODED_INIT;

    CHECK(decode_utf16(utf16, sizeof(utf16) - 1, false, 9, &d) == STATUS_LIMIT);
    CHECK_EMPTY(&d);
    CHECK_OK(decode_utf16(utf16, sizeof(utf16) - 1, false, 10, &d)); /* exactly enough */
    CHECK(d.len == 10);
    decoded_release(&d);

    CHECK(decode_url((const unsigned char *)url, strlen(url), 4, &d) == STATUS_LIMIT);
    CHECK_EMPTY(&d);
    CHECK(strstr(status_message(), "4 bytes") != NULL);
    CHECK_OK(decode_url((const unsigned char *)url, strlen(url), 11, &d));
    CHECK_VIEW(&d, "key=value&x", 11u);
    decoded_release(&d);

    CHECK(decode_json_escapes((const unsigned char *)json, strlen(json), 3, &d) ==
          STATUS_LIMIT);
    CHECK_EMPTY(&d);
    CHECK(decode_json_escapes((const unsigned char *)json, strlen(json), 0, &d) ==
          STATUS_LIMIT);
    CHECK_EMPTY(&d);

    CHECK(decode_base64_runs(secret, strlen(test_decode_secret), &at, 1, 20, &d) ==
          STATUS_LIMIT);
    CHECK_EMPTY(&d);
}

static void test_decode__anchors(void)
{
    char out[3][96];
    char long_word[42];

    CHECK(base64_anchors("AKIA", out) == 3);
    CHECK_STREQ(out[0], "QUtJQ");
    CHECK_STREQ(out[1], "FLSU");
    CHECK_STREQ(out[2], "BS0lB");
    CHECK(base64_anchors("aws_secret_access_key", out) == 3);
    CHECK_STREQ(out[0], "YXdzX3NlY3JldF9hY2Nlc3Nfa2V5");
    CHECK_STREQ(out[1], "F3c19zZWNyZXRfYWNjZXNzX2tle");
    CHECK_STREQ(out[2], "hd3Nfc2VjcmV0X2FjY2Vzc19rZX");
    CHECK(base64_anchors("AKI", out) == 1); /* only alignment 0 keeps 4 characters */
    CHECK_STREQ(out[0], "QUtJ");
    CHECK(base64_anchors("AK", out) == 0);
    CHECK(base64_anchors("", out) == 0);
    memset(long_word, 'x', 41);
    long_word[41] = '\0';
    CHECK(base64_anchors(long_word, out) == 0);
    long_word[40] = '\0';
    CHECK(base64_anchors(long_word, out) == 3);
}

static void test_decode__anchors_found_in_any_surroundings(void)
{
    uint64_t seed = 0xdec0de;
    unsigned char text[100];
    char word[41], enc[140], out[3][96];

    for (int iter = 0; iter < 3000; iter++) {
        size_t wlen = 4 + test_decode_rng(&seed) % 37, pre = test_decode_rng(&seed) % 12;
        size_t post = test_decode_rng(&seed) % 12, n = 0;

        for (size_t i = 0; i < wlen; i++)
            word[i] = (char)(1 + test_decode_rng(&seed) % 255);
        word[wlen] = '\0';
        for (size_t i = 0; i < pre; i++)
            text[n++] = (unsigned char)test_decode_rng(&seed);
        memcpy(text + n, word, wlen);
        n += wlen;
        for (size_t i = 0; i < post; i++)
            text[n++] = (unsigned char)test_decode_rng(&seed);
        test_decode_b64(text, n, enc);
        CHECK(base64_anchors(word, out) == 3);
        CHECK(strlen(out[pre % 3]) >= 4 && strlen(out[pre % 3]) <= 2 * wlen + 3);
        CHECK(strstr(enc, out[pre % 3]) != NULL);
    }
}

/* Trigger offsets in order (as the matcher reports them) are used as they are, others
 * sorted first: the view is the same either way. */
static void test_decode__base64_offsets_sorted_or_not(void)
{
    static const char src[] = "a: aGVsbG8gd29ybGQh b: cmVnaW9uID0gZXUtd2VzdC0x\n"
                              "c: aWQ9Pj4-P3VzZXI_ end\n";
    const size_t sorted[] = { 3, 5, 5, 18, 30, 50, 70, 200 };
    const size_t shuffled[] = { 70, 5, 30, 200, 5, 3, 18, 50 };
    struct decoded a = DECODED_INIT, b = DECODED_INIT;

    CHECK(decode_is_sorted(sorted, 8) && decode_is_sorted(sorted, 0));
    CHECK(!decode_is_sorted(shuffled, 8) && !decode_is_sorted(shuffled + 3, 2));
    CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), sorted, 8, MIB, &a));
    CHECK_OK(decode_base64_runs((const unsigned char *)src, strlen(src), shuffled, 8, MIB, &b));
    CHECK(a.len > 0 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    for (size_t i = 0; i < a.len && i < b.len; i++)
        CHECK(decoded_to_source(&a, i) == decoded_to_source(&b, i));
    decoded_release(&a);
    decoded_release(&b);
}

static const struct test tests[] = {
    TEST(test_decode__release_and_empty_map),
    TEST(test_decode__utf16_detect),
    TEST(test_decode__utf16_le_bom),
    TEST(test_decode__utf16_be_no_bom),
    TEST(test_decode__utf16_le_no_bom_and_be_bom),
    TEST(test_decode__utf16_long_ascii_is_one_segment),
    TEST(test_decode__url),
    TEST(test_decode__url_unchanged),
    TEST(test_decode__json),
    TEST(test_decode__json_unchanged),
    TEST(test_decode__base64_kubernetes_secret),
    TEST(test_decode__base64_lines),
    TEST(test_decode__base64_skips_binary_short_and_mixed),
    TEST(test_decode__base64_text_share_at_the_bound),
    TEST(test_decode__base64_missing_padding_and_partial_group),
    TEST(test_decode__base64_run_too_long),
    TEST(test_decode__issue_11_base64_wrapped_76),
    TEST(test_decode__issue_11_base64_wrapped_shapes),
    TEST(test_decode__issue_11_base64_not_joined),
    TEST(test_decode__issue_11_base64_wrapped_blocks),
    TEST(test_decode__issue_11_base64_wrapped_too_long),
    TEST(test_decode__limits),
    TEST(test_decode__base64_every_alphabet_character),
    TEST(test_decode__anchors),
    TEST(test_decode__base64_offsets_sorted_or_not),
    TEST(test_decode__anchors_found_in_any_surroundings),
};
HARNESS_MAIN(tests)
