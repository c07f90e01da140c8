/*
 * audit_fleet.c - which repositories an audit covers, and local mirrors of remote ones.
 *
 * The list comes from the command line, --repos-from FILE (one path or URL a line) and
 * --discover DIR (every repository under DIR, bare or not, without descending into
 * one). A URL (scheme://..., or user@host:path) is mirrored with real git into
 * --mirror-dir: a bare mirror (every ref, the refspec +refs/\*:refs/\*), updated by `git fetch
 * --prune` on each audit, so a force push or a deleted branch upstream reaches the
 * mirror and the audit sees it.
 * git runs without a shell, its arguments as given. A URL's user information
 * (user:password@) is never stored: the store and the mirror's directory name use the
 * URL without it.
 */
#include "audit_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "source/src_git.h"

extern char **environ;

bool audit_is_url(const char *s)
{
    const char *colon = strchr(s, ':'), *slash = strchr(s, '/');
    if (strstr(s, "://"))
        return true;
    /* scp-like "user@host:path": a colon before any slash, and an '@' before it */
    return colon && (!slash || colon < slash) && memchr(s, '@', (size_t)(colon - s)) != NULL;
}

char *audit_url_public(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *end = host + strcspn(host, "/");
    const char *at = NULL;

    if (!scheme)
        return xstrdup(url);
    for (const char *p = host; p < end; p++)
        if (*p == '@')
            at = p;
    if (!at)
        return xstrdup(url);
    return xasprintf("%.*s%s", (int)(host - url), url, at + 1);
}

static void list_add(struct audit_list *l, char *url, char *path, bool remote)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n].url = url;
    l->v[l->n].path = path;
    l->v[l->n].remote = remote;
    l->v[l->n].git_auth = NULL;
    l->n++;
}

static enum status add_one(struct audit_list *l, const char *s)
{
    if (l->n >= LIMIT_REPOS_FROM_LINES)
        return fail(STATUS_LIMIT, "more than %u repositories in one audit",
                    LIMIT_REPOS_FROM_LINES);
    if (audit_is_url(s)) {
        list_add(l, audit_url_public(s), xstrdup(s), true);
    } else {
        char real[PATH_MAX];
        /* a path that does not resolve is kept as given: its audit fails, the others go on */
        list_add(l, xstrdup(realpath(s, real) ? real : s), xstrdup(s), false);
    }
    return STATUS_OK;
}

/* Lines of --repos-from: one path or URL a line; blank lines and '#' comments skipped. */
static enum status read_list(const char *path, struct audit_list *l)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    enum status st = STATUS_OK;

    if (!f)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    while (st == STATUS_OK && (len = getline(&line, &cap, f)) >= 0) {
        char *p = line;
        while (len > 0 && strchr("\r\n \t", line[len - 1]))
            line[--len] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != '#')
            st = add_one(l, p);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return st;
}

/* Every repository under dir (not descending into one), depth-limited, no symlinks. */
static enum status discover(const char *dir, unsigned depth, struct audit_list *l)
{
    DIR *d;
    struct dirent *e;
    enum status st = STATUS_OK;

    if (src_git_is_repo(dir))
        return add_one(l, dir);
    if (depth >= LIMIT_DISCOVER_DEPTH || !(d = opendir(dir)))
        return STATUS_OK;
    while (st == STATUS_OK && (e = readdir(d))) {
        struct stat sst;
        char *sub;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        sub = xasprintf("%s/%s", dir, e->d_name);
        if (lstat(sub, &sst) == 0 && S_ISDIR(sst.st_mode))
            st = discover(sub, depth + 1, l);
        free(sub);
    }
    closedir(d);
    return st;
}

static int cmp_target(const void *a, const void *b)
{
    return strcmp(((const struct audit_target *)a)->url, ((const struct audit_target *)b)->url);
}

enum status audit_collect(const struct audit_opts *o, struct audit_list *l)
{
    enum status st = STATUS_OK;
    size_t from;

    memset(l, 0, sizeof(*l));
    for (size_t i = 0; st == STATUS_OK && i < o->n_repos; i++)
        st = add_one(l, o->repos[i]);
    if (st == STATUS_OK && o->repos_from)
        st = read_list(o->repos_from, l);
    from = l->n;
    for (size_t i = 0; st == STATUS_OK && i < o->n_discover; i++) {
        struct stat sst;
        if (stat(o->discover[i], &sst) != 0 || !S_ISDIR(sst.st_mode))
            st = fail(STATUS_USAGE, "--discover '%s': not a directory", o->discover[i]);
        else
            st = discover(o->discover[i], 0, l);
    }
    if (l->n - from > 1) /* a stable order, whatever readdir gives */
        qsort(l->v + from, l->n - from, sizeof(*l->v), cmp_target);
    if (st == STATUS_OK)
        st = audit_forges(o, l);
    if (st != STATUS_OK)
        audit_list_release(l);
    return st;
}

void audit_list_release(struct audit_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].url);
        free(l->v[i].path);
        if (l->v[i].git_auth)
            crypto_free_secret(l->v[i].git_auth);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Run git with these arguments (no shell); its output to stderr, or its first
 * `cap` - 1 bytes of output into `out` when out is not NULL. 0 on success. */
static const char *git_auth_header; /* set around one mirror update (see audit_mirror) */

/* git's environment: ours, plus the forge token as an http.extraHeader (GIT_CONFIG_*: in
 * the child's environment only, never on disk or on a command line). */
static char **git_env(char **own)
{
    size_t n = 0, k = 0;
    char **env;

    if (!git_auth_header)
        return environ;
    while (environ[n])
        n++;
    env = xcalloc(n + 4, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "GIT_CONFIG_", 11) != 0)
            env[k++] = environ[i];
    {
        static char count[] = "GIT_CONFIG_COUNT=1", key[] = "GIT_CONFIG_KEY_0=http.extraHeader";
        env[k++] = count;
        env[k++] = key;
    }
    *own = xasprintf("GIT_CONFIG_VALUE_0=%s", git_auth_header);
    env[k++] = *own;
    return env;
}

static int run_git_out(const char *const argv[], char *out, size_t cap)
{
    char *own = NULL;
    char **env = git_env(&own);
    pid_t pid;
    int status = 0, pipefd[2] = { -1, -1 };
    size_t len = 0;
    posix_spawn_file_actions_t fa;

    if (out && pipe(pipefd) != 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    if (out) {
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&fa, pipefd[0]);
        posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    } else {
        posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    }
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, env) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        if (env != environ)
            free(env);
        crypto_free_secret(own);
        if (out) {
            close(pipefd[0]);
            close(pipefd[1]);
        }
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    if (env != environ)
        free(env);
    crypto_free_secret(own);
    if (out) {
        char drain[4096];
        ssize_t r;
        close(pipefd[1]);
        while ((r = read(pipefd[0], drain, sizeof(drain))) > 0 || (r < 0 && errno == EINTR)) {
            size_t take = r > 0 ? (size_t)r : 0;
            if (take > cap - 1 - len)
                take = cap - 1 - len;
            memcpy(out + len, drain, take);
            len += take;
        }
        out[len] = '\0';
        close(pipefd[0]);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_git(const char *const argv[])
{
    return run_git_out(argv, NULL, 0);
}

/* Point the mirror's HEAD where the remote's points ("ref: refs/heads/X<TAB>HEAD" from
 * ls-remote --symref), so that "still at HEAD" means the remote's default branch. */
static void mirror_head(const char *url, const char *path)
{
    char out[1024], *ref, *end;
    const char *ls[] = { "git", "ls-remote", "--symref", "--", url, "HEAD", NULL };

    if (run_git_out(ls, out, sizeof(out)) != 0 || strncmp(out, "ref: refs/heads/", 16) != 0)
        return;
    ref = out + 5;
    if (!(end = strchr(ref, '\t')))
        return;
    *end = '\0';
    {
        const char *set[] = { "git", "-C", path, "symbolic-ref", "HEAD", ref, NULL };
        (void)run_git(set);
    }
}

static enum status mirror_update(const char *url, const char *public_url, const char *dir,
                                 char **path);

/* Not thread-safe through git_auth_header: mirrors are made one at a time (a lock). */
static pthread_mutex_t mirror_lock = PTHREAD_MUTEX_INITIALIZER;

enum status audit_mirror(const char *url, const char *public_url, const char *dir,
                         const char *git_auth, char **path)
{
    enum status st;
    pthread_mutex_lock(&mirror_lock);
    git_auth_header = git_auth;
    st = mirror_update(url, public_url, dir, path);
    git_auth_header = NULL;
    pthread_mutex_unlock(&mirror_lock);
    return st;
}

static enum status mirror_update(const char *url, const char *public_url, const char *dir,
                                 char **path)
{
    char *name = xstrdup(public_url), *p;
    struct stat sst;
    int rc;

    *path = NULL;
    /* the mirror's directory: the URL without its scheme, every unsafe byte as '_' */
    p = strstr(name, "://") ? strstr(name, "://") + 3 : name;
    for (char *q = p; *q; q++)
        if (!(*q >= 'a' && *q <= 'z') && !(*q >= 'A' && *q <= 'Z') &&
            !(*q >= '0' && *q <= '9') && *q != '.' && *q != '-')
            *q = '_';
    while (*p == '.' || *p == '_')
        p++;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        enum status st = fail(STATUS_IO, "cannot create --mirror-dir '%s': %s", dir,
                              strerror(errno));
        free(name);
        return st;
    }
    *path = xasprintf("%s/%s%s", dir, *p ? p : "repo",
                      strlen(p) > 4 && strcmp(p + strlen(p) - 4, ".git") == 0 ? "" : ".git");
    free(name);
    /* A bare repository set up as a mirror of the public URL; every fetch names the URL
     * as given (with its credentials, if any) on the command line only, so they are
     * never written into the mirror's configuration. */
    if (stat(*path, &sst) != 0) {
        const char *init[] = { "git", "init", "--quiet", "--bare", *path, NULL };
        const char *cfg_url[] = { "git", "-C", *path, "config", "remote.origin.url", public_url,
                            NULL };
        const char *cfg_fetch[] = { "git", "-C", *path, "config", "remote.origin.fetch",
                              "+refs/*:refs/*", NULL };
        const char *cfg_mirror[] = { "git", "-C", *path, "config", "remote.origin.mirror", "true",
                               NULL };
        if ((rc = run_git(init)) != 0 || (rc = run_git(cfg_url)) != 0 ||
            (rc = run_git(cfg_fetch)) != 0 || (rc = run_git(cfg_mirror)) != 0)
            return fail(STATUS_IO, "'%s': cannot set up the mirror '%s' (git exit %d)",
                        public_url, *path, rc);
    }
    {
        const char *fetch[] = { "git", "-C", *path, "fetch", "--prune", "--quiet", "--no-write-fetch-head",
                          "--", url, "+refs/*:refs/*", NULL };
        if ((rc = run_git(fetch)) != 0)
            return fail(STATUS_IO, "'%s': git fetch into the mirror '%s' failed (exit %d)",
                        public_url, *path, rc);
    }
    mirror_head(url, *path);
    return STATUS_OK;
}
