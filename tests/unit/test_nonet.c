/*
 * tests/unit/test_nonet.c - stand-in libraries (source/standin.h). libgit2 without its
 * network libraries (source/git/lazy.h, lg_without_network; the stand-ins of
 * source/git/nonet/): with the build's stand-ins the
 * installed libgit2 loads bound to them (so they define every libssh2 and GSSAPI symbol
 * it needs), initialises, and neither libssh2, OpenSSL's libcrypto nor Kerberos is
 * mapped; without the promise, without the stand-ins, or with a stand-in that lacks a
 * function, libgit2 loads with its own libraries; a stand-in's function, if ever called,
 * stops the process with its name. libarchive without libxml2 (source/archive/lazy.h;
 * source/archive/noxml/): bound to the stand-in, it reads a tar, and neither libxml2
 * nor ICU is mapped; without the stand-in or with one short of a function, libarchive
 * loads with its own libraries; the stand-in's function, if called, stops the process.
 * Each case runs in a child process: each library is loaded once per process.
 */
#define LG_NO_REDIRECT /* lg_api's fields by name; calls through them */
#include "source/git/lazy.h"
#define LA_NO_REDIRECT
#include "source/archive/lazy.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char dir[4096];     /* the build's stand-ins: lib/sesame/ next to $SESAME_BIN */
static char scratch[4096]; /* a temporary directory */

static bool stand_ins_dir(void)
{
    const char *bin = getenv("SESAME_BIN");
    const char *slash = bin ? strrchr(bin, '/') : NULL;

    if (!slash)
        return false;
    snprintf(dir, sizeof(dir), "%.*s/lib/sesame", (int)(slash - bin), bin);
    return true;
}

/* Run fn in a child; its CHECKs count there: true if it exited 0. With err, the child's
 * stderr goes to that file. */
static int in_child(void (*fn)(void), const char *err)
{
    int status = 0;
    pid_t pid;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        harness_failures = 0; /* the child's own, not those of earlier tests */
        if (err) {
            int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd >= 0)
                dup2(fd, 2);
        }
        fn();
        fflush(stdout);
        fflush(stderr);
        _exit(harness_failures ? 1 : 0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/* Is a file whose path contains `part` mapped into this process? */
static bool mapped(const char *part)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, part) != NULL;
    fclose(f);
    return found;
}

static void child_with_stand_ins(void)
{
    lg_set_nonet_dir(dir);
    lg_without_network();
    CHECK(lg_load());
    CHECK_STREQ(lg_error(), "");
    CHECK(lg_nonet_used());
    CHECK(mapped("/libssh2_none.so") && mapped("/gssapi_none.so"));
    CHECK(!mapped("/libssh2.so"));
    CHECK(!mapped("/libcrypto.so"));
    CHECK(!mapped("/libkrb5.so") && !mapped("/libgssapi_krb5.so"));
    CHECK(mapped("/libgit2.so"));
    if (lg_api.git_libgit2_init && lg_api.git_libgit2_shutdown) {
        /* its SSH transport's start (libssh2_init) is the stand-in's, and succeeds */
        CHECK(lg_api.git_libgit2_init() >= 1);
        CHECK(lg_api.git_libgit2_shutdown() >= 0);
    }
}

static void test_nonet__libgit2_bound_to_the_stand_ins(void)
{
    CHECK(stand_ins_dir());
    CHECK(in_child(child_with_stand_ins, NULL) == 0);
}

static void child_without_promise(void)
{
    lg_set_nonet_dir(dir);
    CHECK(lg_load());
    CHECK(!lg_nonet_used());
    CHECK(!mapped("/libssh2_none.so"));
    CHECK(mapped("/libssh2.so"));
}

static void test_nonet__only_when_promised(void)
{
    CHECK(stand_ins_dir());
    CHECK(in_child(child_without_promise, NULL) == 0);
}

static void child_no_stand_ins(void)
{
    lg_set_nonet_dir("/nonexistent/sesame-no-stand-ins");
    lg_without_network();
    CHECK(lg_load());
    CHECK_STREQ(lg_error(), "");
    CHECK(!lg_nonet_used());
    CHECK(mapped("/libssh2.so"));
}

static void test_nonet__without_the_stand_ins_libgit2_loads_as_usual(void)
{
    CHECK(in_child(child_no_stand_ins, NULL) == 0);
}

/* Copy src to dst, with the first `from` in it replaced by `to` (as long). */
static bool copy_patched(const char *src, const char *dst, const char *from, const char *to)
{
    FILE *f = fopen(src, "rb");
    unsigned char *b = NULL;
    long n;
    bool ok = false;

    if (!f)
        return false;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc((size_t)n)) && fread(b, 1, (size_t)n, f) == (size_t)n) {
        unsigned char *at = from ? memmem(b, (size_t)n, from, strlen(from)) : NULL;
        FILE *o;
        if (at)
            memcpy(at, to, strlen(to));
        if ((!from || at) && (o = fopen(dst, "wb"))) {
            ok = fwrite(b, 1, (size_t)n, o) == (size_t)n;
            ok = fclose(o) == 0 && ok;
        }
    }
    free(b);
    fclose(f);
    return ok;
}

static char copy[2][4200]; /* the stand-ins copied into scratch: libssh2's, GSSAPI's */

/* The build's stand-ins copied into a new scratch directory, in libssh2's the first
 * `from` replaced by `to` (none: NULL). */
static bool copy_stand_ins(const char *from, const char *to)
{
    static const char *const names[2] = { "libssh2_none.so", "gssapi_none.so" };

    snprintf(scratch, sizeof(scratch), "%s", "/tmp/sesame-nonet-XXXXXX");
    if (!stand_ins_dir() || !mkdtemp(scratch))
        return false;
    for (int i = 0; i < 2; i++) {
        char src[4200];
        snprintf(src, sizeof(src), "%s/%s", dir, names[i]);
        snprintf(copy[i], sizeof(copy[i]), "%s/%s", scratch, names[i]);
        if (!copy_patched(src, copy[i], i == 0 ? from : NULL, i == 0 ? to : NULL))
            return false;
    }
    return true;
}

static void remove_copies(void)
{
    unlink(copy[0]);
    unlink(copy[1]);
    rmdir(scratch);
}

static void child_short_stand_in(void)
{
    lg_set_nonet_dir(scratch);
    lg_without_network();
    CHECK(lg_load());
    CHECK_STREQ(lg_error(), "");
    CHECK(!lg_nonet_used());
    CHECK(mapped("/libssh2.so"));
    CHECK(!mapped("/libssh2_none.so")); /* let go of once libgit2 could not use it */
}

/* A stand-in that lacks one function libgit2 needs (its name changed in the copy): the
 * load with the stand-ins fails, and libgit2 is loaded with its own libraries. */
static void test_nonet__a_stand_in_short_of_a_function_is_given_up(void)
{
    CHECK(copy_stand_ins("libssh2_session_handshake", "xibssh2_session_handshake"));
    CHECK(in_child(child_short_stand_in, NULL) == 0);
    remove_copies();
}

static void child_open_dir(void)
{
    lg_set_nonet_dir(scratch);
    lg_without_network();
    CHECK(lg_load());
    CHECK(!lg_nonet_used());
    CHECK(!mapped("/libssh2_none.so"));
}

static void child_closed_dir(void)
{
    lg_set_nonet_dir(scratch);
    lg_without_network();
    CHECK(lg_load());
    CHECK(lg_nonet_used());
}

/* Code is loaded only from a directory (and files) of root's or ours that nobody else
 * may write: copies in a directory others may write are not used; closed again, they are. */
static void test_nonet__stand_ins_others_may_change_are_not_loaded(void)
{
    CHECK(copy_stand_ins(NULL, NULL));
    CHECK(chmod(copy[0], 0755) == 0 && chmod(copy[1], 0755) == 0);
    CHECK(chmod(scratch, 0777) == 0);
    CHECK(in_child(child_open_dir, NULL) == 0);
    CHECK(chmod(scratch, 0700) == 0 && chmod(copy[1], 0757) == 0);
    CHECK(in_child(child_open_dir, NULL) == 0);
    CHECK(chmod(copy[1], 0755) == 0);
    CHECK(in_child(child_closed_dir, NULL) == 0);
    remove_copies();
}

/* A stand-in's function called (the child's: call_file's call_fn) stops the process
 * with SIGABRT and one line on stderr that starts with `says`. */
static const char *call_file, *call_fn;

static void child_calls_a_stand_in(void)
{
    char path[4200];
    void *h, *f;
    void (*fn)(void);

    snprintf(path, sizeof(path), "%s/%s", dir, call_file);
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    f = h ? dlsym(h, call_fn) : NULL;
    if (!f)
        _exit(3);
    memcpy(&fn, &f, sizeof(fn));
    fn(); /* aborts */
    _exit(4);
}

static void called_stand_in_stops(const char *file, const char *fn, const char *says)
{
    char err[64], text[512] = "";
    int status;
    FILE *f;

    CHECK(stand_ins_dir());
    call_file = file;
    call_fn = fn;
    snprintf(err, sizeof(err), "/tmp/sesame-nonet-err-%ld", (long)getpid());
    status = in_child(child_calls_a_stand_in, err);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    if ((f = fopen(err, "r"))) {
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    unlink(err);
    CHECK(strstr(text, says) == text);
}

static void test_nonet__a_stand_in_called_stops_the_run_naming_it(void)
{
    called_stand_in_stops("libssh2_none.so", "libssh2_session_init_ex",
                          "sesame: bug: libgit2 called libssh2's libssh2_session_init_ex");
}

/* ---- libarchive without libxml2 ---- */

static void child_archive_with_stand_in(void)
{
    /* an empty tar: its end, two zero blocks */
    static const unsigned char end[1024];
    struct archive *a;
    struct archive_entry *e;

    la_set_standin_dir(dir);
    CHECK(la_load());
    CHECK_STREQ(la_error(), "");
    CHECK(la_standin_used());
    CHECK(mapped("/libxml2_none.so"));
    CHECK(!mapped("/libxml2.so"));
    CHECK(!mapped("/libicuuc.so") && !mapped("/libicudata.so"));
    CHECK(mapped("/libarchive.so"));
    CHECK((a = la_api.archive_read_new()) != NULL);
    if (!a)
        return;
    CHECK(la_api.archive_read_support_format_tar(a) == ARCHIVE_OK);
    CHECK(la_api.archive_read_open_memory(a, end, sizeof(end)) == ARCHIVE_OK);
    CHECK(la_api.archive_read_next_header(a, &e) == ARCHIVE_EOF);
    CHECK(la_api.archive_read_free(a) == ARCHIVE_OK);
}

static void test_nonet__libarchive_bound_to_the_libxml2_stand_in(void)
{
    CHECK(stand_ins_dir());
    CHECK(in_child(child_archive_with_stand_in, NULL) == 0);
}

static void child_archive_no_stand_in(void)
{
    la_set_standin_dir("/nonexistent/sesame-no-stand-ins");
    CHECK(la_load());
    CHECK_STREQ(la_error(), "");
    CHECK(!la_standin_used());
    CHECK(mapped("/libxml2.so"));
}

static void test_nonet__without_the_stand_in_libarchive_loads_as_usual(void)
{
    CHECK(in_child(child_archive_no_stand_in, NULL) == 0);
}

static void child_archive_short_stand_in(void)
{
    la_set_standin_dir(scratch);
    CHECK(la_load());
    CHECK_STREQ(la_error(), "");
    CHECK(!la_standin_used());
    CHECK(mapped("/libxml2.so"));
    CHECK(!mapped("/libxml2_none.so")); /* let go of once libarchive could not use it */
}

/* The libxml2 stand-in short of one function libarchive needs: libarchive is loaded
 * with its own libraries. */
static void test_nonet__a_libxml2_stand_in_short_of_a_function_is_given_up(void)
{
    char src[4200], dst[4200];

    CHECK(stand_ins_dir());
    snprintf(scratch, sizeof(scratch), "%s", "/tmp/sesame-noxml-XXXXXX");
    CHECK(mkdtemp(scratch) != NULL);
    snprintf(src, sizeof(src), "%s/libxml2_none.so", dir);
    snprintf(dst, sizeof(dst), "%s/libxml2_none.so", scratch);
    CHECK(copy_patched(src, dst, "xmlTextWriterSetIndent", "xmlTextWriterSetIndenT"));
    CHECK(chmod(dst, 0755) == 0);
    CHECK(in_child(child_archive_short_stand_in, NULL) == 0);
    unlink(dst);
    rmdir(scratch);
}

static void test_nonet__the_libxml2_stand_in_called_stops_the_run(void)
{
    called_stand_in_stops("libxml2_none.so", "xmlReaderForIO",
                          "sesame: bug: libarchive called libxml2's xmlReaderForIO, which "
                          "this process left out (it reads no XAR archive)");
}

static const struct test tests[] = {
    TEST(test_nonet__libgit2_bound_to_the_stand_ins),
    TEST(test_nonet__only_when_promised),
    TEST(test_nonet__without_the_stand_ins_libgit2_loads_as_usual),
    TEST(test_nonet__a_stand_in_short_of_a_function_is_given_up),
    TEST(test_nonet__stand_ins_others_may_change_are_not_loaded),
    TEST(test_nonet__a_stand_in_called_stops_the_run_naming_it),
    TEST(test_nonet__libarchive_bound_to_the_libxml2_stand_in),
    TEST(test_nonet__without_the_stand_in_libarchive_loads_as_usual),
    TEST(test_nonet__a_libxml2_stand_in_short_of_a_function_is_given_up),
    TEST(test_nonet__the_libxml2_stand_in_called_stops_the_run),
};
HARNESS_MAIN(tests)
