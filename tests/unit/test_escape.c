/*
 * tests/unit/test_escape.c - printable forms of text from the input (base/escape.h).
 *
 * The invariants: nothing a terminal acts on survives (controls, ESC, C1, DEL, bidi
 * overrides), and the escaped form is lossless: two different inputs never print the
 * same (a literal backslash is doubled; a stray byte and the text "\xff" differ).
 */
#include "base/escape.h"

#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"
#include "harness.h"

static void expect(const char *in, size_t n, unsigned flags, const char *want)
{
    char *got = escape_dup(in, n, flags);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "escape(%zu bytes, %u): got '%s', want '%s'\n", n, flags, got, want);
    CHECK(strcmp(got, want) == 0);
    CHECK(escape_is_clean(in, n, flags) == (strcmp(in, want) == 0 && strlen(in) == n));
    free(got);
}

static void test_escape__controls_and_bidi(void)
{
    expect("a\033[2Jb", 6, 0, "a\\x1b[2Jb");
    expect("line\nnext\r", 10, 0, "line\\x0anext\\x0d");
    expect("del\x7f", 4, 0, "del\\x7f");
    expect("c1\xc2\x9b", 4, 0, "c1\\u009b");
    expect("rtl\xe2\x80\xae" "evil", 10, 0, "rtl\\u202eevil");
    expect("iso\xe2\x81\xa6x", 7, 0, "iso\\u2066x");
    expect("caf\xc3\xa9 \xf0\x9f\x94\x91", 10, 0, "caf\xc3\xa9 \xf0\x9f\x94\x91");
}

static void test_escape__invalid_utf8_is_lossless(void)
{
    /* a stray byte, a truncated sequence, an overlong form, a surrogate */
    expect("a\xffz", 3, ESC_BACKSLASH, "a\\xffz");
    expect("a\xc3", 2, ESC_BACKSLASH, "a\\xc3");
    expect("\xc0\xaf", 2, ESC_BACKSLASH, "\\xc0\\xaf");
    expect("\xed\xa0\x80", 3, ESC_BACKSLASH, "\\xed\\xa0\\x80");
    /* the text "\xff" and the byte 0xff print differently */
    expect("a\\xffz", 6, ESC_BACKSLASH, "a\\\\xffz");
    /* NUL inside a counted string */
    expect("a\0b", 3, ESC_BACKSLASH, "a\\x00b");
}

static void test_escape__bang_for_archive_names(void)
{
    expect("a!b.txt", 7, ESC_BANG | ESC_BACKSLASH, "a\\!b.txt");
    expect("a!b.txt", 7, ESC_BACKSLASH, "a!b.txt");
    expect("dir\\name", 8, ESC_BANG | ESC_BACKSLASH, "dir\\\\name");
}

static void test_escape__utf8_next(void)
{
    uint32_t cp = 0;
    CHECK(utf8_next("\xe2\x82\xac", 3, &cp) == 3 && cp == 0x20ac);
    CHECK(utf8_next("\xe2\x82", 2, &cp) == 0);
    CHECK(utf8_next("\xf4\x90\x80\x80", 4, &cp) == 0); /* beyond U+10FFFF */
    CHECK(utf8_next("A", 1, &cp) == 1 && cp == 'A');
}

static const struct test tests[] = {
    TEST(test_escape__controls_and_bidi),
    TEST(test_escape__invalid_utf8_is_lossless),
    TEST(test_escape__bang_for_archive_names),
    TEST(test_escape__utf8_next),
};
HARNESS_MAIN(tests)
