/*
 * source/git/stream.c - objects too big to hold in memory, streamed through a
 * `git cat-file` child.
 *
 * What it does: start `git cat-file TYPE ID` on the repository, with an environment
 * that cannot make it read other objects than libgit2 reads here, and hand its output
 * to the chunk streamer (src_fs_stream_fd, source/chunk.h) as if it were a file: the
 * chunks carry the template's path, id and provenance, and the same offsets, lines and
 * columns as the same bytes held in memory.
 * What it does not: decide which objects are too big (read.c does, LIMIT_GIT_INMEM_BLOB_BYTES).
 * The tricky point: libgit2 has no streaming read for packed objects, and git honours
 * replace refs, grafts and variables libgit2 1.5 ignores: those are turned off for the
 * child, so the bytes scanned are those of the object id planned.
 */
#include "source/git/internal.h"
#include "base/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/xalloc.h"

extern char **environ;

/* Variables that would make a `git` child read other objects than libgit2 reads here:
 * another repository, object directory or alternates (inherited from a hook or a CI
 * job), a graft file, replace refs under another base, config from the environment
 * (core.useReplaceRefs, ...). */
static bool git_env_redirects(const char *e, bool from_env)
{
    static const char *const names[] = {
        "GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_COMMON_DIR",
        "GIT_INDEX_FILE", "GIT_NAMESPACE", "GIT_GRAFT_FILE", "GIT_SHALLOW_FILE",
        "GIT_REPLACE_REF_BASE", "GIT_NO_REPLACE_OBJECTS", "GIT_NO_LAZY_FETCH", "GIT_PREFIX",
        "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    };
    /* what a pre-receive hook needs to see its quarantine (libgit2 reads them too) */
    static const char *const quarantine[] = {
        "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
    };
    size_t len = strcspn(e, "=");

    if (strncmp(e, "GIT_", 4) != 0)
        return false;
    if (strncmp(e, "GIT_CONFIG_KEY_", 15) == 0 || strncmp(e, "GIT_CONFIG_VALUE_", 17) == 0)
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && memcmp(e, names[i], len) == 0)
            return true;
    for (size_t i = 0; i < sizeof(quarantine) / sizeof(quarantine[0]); i++)
        if (strlen(quarantine[i]) == len && memcmp(e, quarantine[i], len) == 0)
            return !from_env;
    return false;
}

/* The environment of a `git` child: ours without git_env_redirects(), and replace refs
 * (refs/replace/<id>, which `git cat-file` honours, libgit2 1.5 does not) and lazy
 * fetches from a promisor remote turned off. A pushed refs/replace/<blob> must not
 * change what is read. Free with free() (the strings are borrowed). */
static char **git_child_env(bool from_env)
{
    size_t n = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    env = xcalloc(n + 3, sizeof(*env));
    for (size_t i = 0; i < n; i++)
        if (!git_env_redirects(environ[i], from_env))
            env[k++] = environ[i];
    env[k++] = (char *)"GIT_NO_REPLACE_OBJECTS=1";
    env[k++] = (char *)"GIT_NO_LAZY_FETCH=1";
    env[k] = NULL;
    return env;
}

/* Start `git cat-file TYPE HEX` on r's repository, its stdout the read end *fd. */
static enum status cat_file_start(const struct src_git_reader *r, const char *hex,
                                  const char *type, pid_t *pid, int *fd)
{
    int pipefd[2];
    posix_spawn_file_actions_t fa;
    char *gd = xasprintf("--git-dir=%s", r->g->gitdir);
    char *argv[] = { (char *)"git", (char *)"--no-replace-objects", gd, (char *)"cat-file",
                     (char *)type, (char *)hex, NULL };
    char **env = git_child_env(r->g->opts.from_env);
    enum status st = STATUS_OK;

    if (pipe(pipefd) != 0) {
        free(gd);
        free(env);
        return fail(STATUS_IO, "%s %s: cannot create a pipe: %s", type, hex, strerror(errno));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    /* its complaint would be a second, unprefixed line: ours below names the object */
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(pid, "git", &fa, NULL, argv, env) != 0) {
        close(pipefd[0]);
        st = fail(STATUS_IO, "%s %s: larger than %u bytes and git is not available to "
                             "stream it", type, hex, LIMIT_GIT_INMEM_BLOB_BYTES);
    } else {
        *fd = pipefd[0];
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    free(gd);
    free(env);
    return st;
}

enum status read_streamed(struct src_git_reader *r, const char *hex, const char *type,
                          unsigned char **buf, const struct blob *tmpl, blob_fn *fn,
                          void *payload, uint64_t *bytes)
{
    pid_t pid;
    int fd = -1, wst = 0;
    enum status st = cat_file_start(r, hex, type, &pid, &fd);

    if (st != STATUS_OK)
        return st;
    /* the one place the bytes go by: chunks, copies of tmpl, to fn */
    st = src_fs_stream_fd(fd, tmpl, buf, fn, payload, bytes);
    close(fd);
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    if (st == STATUS_OK && (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0))
        st = fail(STATUS_CORRUPT, "%s %s: git cat-file failed", type, hex);
    return st;
}
