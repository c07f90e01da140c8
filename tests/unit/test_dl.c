/*
 * tests/unit/test_dl.c - loading a library on first use (base/dl.h): a missing library
 * or function is a false answer with a message naming it (never a crash, and the same
 * answer every time), a present one fills every pointer; and libgit2's list of
 * functions (source/git/lazy.h) resolves in the installed libgit2, which is what a
 * scan of a repository needs before its first libgit2 call.
 */
#define LG_NO_REDIRECT /* lg_api's fields by name; calls through them */
#include "base/dl.h"

#include <string.h>

#include "harness.h"
#include "source/git/lazy.h"

static void test_dl__missing_library(void)
{
    static const char *const names[] = { "cos" };
    void *syms[1] = { NULL };
    struct dl_lib lib = { "libsesame-no-such-library.so.0", names, syms, 1, 0, "" };

    CHECK(!dl_load(&lib));
    CHECK(lib.state == -1);
    CHECK(strstr(lib.err, "cannot load libsesame-no-such-library.so.0: ") == lib.err);
    CHECK(strchr(lib.err, '\n') == NULL); /* one line */
    CHECK(syms[0] == NULL);
    CHECK(!dl_load(&lib)); /* the same answer, without trying again */
    CHECK(strstr(lib.err, "cannot load libsesame-no-such-library.so.0") == lib.err);
}

static void test_dl__missing_function(void)
{
    static const char *const names[] = { "cos", "sesame_no_such_function" };
    void *syms[2] = { NULL, NULL };
    struct dl_lib lib = { "libm.so.6", names, syms, 2, 0, "" };

    CHECK(!dl_load(&lib));
    CHECK_STREQ(lib.err, "libm.so.6 has no function sesame_no_such_function");
    CHECK(!dl_load(&lib));
}

static void test_dl__present(void)
{
    static const char *const names[] = { "cos", "sqrt" };
    void *syms[2] = { NULL, NULL };
    struct dl_lib lib = { "libm.so.6", names, syms, 2, 0, "" };
    double (*f)(double);

    CHECK(dl_load(&lib));
    CHECK(lib.state == 1 && lib.err[0] == '\0');
    CHECK(syms[0] && syms[1]);
    if (syms[1]) {
        memcpy(&f, &syms[1], sizeof(f));
        CHECK(f(16.0) == 4.0);
    }
    CHECK(dl_load(&lib));
}

static void test_dl__libgit2_list_resolves(void)
{
    int major = 0, minor = 0, rev = 0;

    CHECK(lg_load());
    CHECK_STREQ(lg_error(), "");
    CHECK(lg_load()); /* once: cheap after the first time */
    CHECK(lg_api.git_libgit2_version && lg_api.git_repository_open_ext &&
          lg_api.git_tree_lookup && lg_api.git_buf_dispose);
    if (lg_api.git_libgit2_version) {
        CHECK(lg_api.git_libgit2_version(&major, &minor, &rev) == 0);
        CHECK(major == LIBGIT2_VER_MAJOR && minor == LIBGIT2_VER_MINOR);
    }
}

static const struct test tests[] = {
    TEST(test_dl__missing_library),
    TEST(test_dl__missing_function),
    TEST(test_dl__present),
    TEST(test_dl__libgit2_list_resolves),
};
HARNESS_MAIN(tests)
