/*
 * hook.c - git hooks: scan only what is being pushed or committed, and say what to do.
 *
 * pre-receive runs on the server with the pushed objects still in git's quarantine
 * directory: the repository is opened from the environment (GIT_DIR,
 * GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES) so they are visible, and the
 * walk starts at the pushed tips and stops at every existing ref, so the work grows
 * with the push, not with the repository. No network is used. A time budget bounds the
 * hook; what happens when it runs out (reject or accept) is an explicit policy, logged.
 */
#include "hook.h"
#include "base/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "scan.h"
#include "source/src_git.h"
#include "source/src_hook.h"

#define HOOK_MARKER "sesame-managed hook"

static void audit(const struct hook_opts *o, const char *hook, const char *fmt, ...)
    FORMAT(3, 4);

static void audit(const struct hook_opts *o, const char *hook, const char *fmt, ...)
{
    va_list ap;
    char msg[1024];
    char *esc;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    const char *who = env_get(o->env, "GL_USERNAME");
    FILE *f;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Reasons, paths and ref names come from the pusher: escaped, for the terminal and
     * so that one log line stays one line. */
    esc = escape_dup(msg, strlen(msg), ESC_BACKSLASH);
    if (!who)
        who = env_get(o->env, "REMOTE_USER");
    if (!who)
        who = env_get(o->env, "USER");
    if (!who)
        who = "?";
    fprintf(stderr, "sesame: %s\n", esc);
    if (!o->log_path) {
        free(esc);
        return;
    }
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    f = fopen(o->log_path, "a");
    if (!f) {
        fprintf(stderr, "sesame: cannot write the audit log '%s': %s\n", o->log_path,
                strerror(errno));
        free(esc);
        return;
    }
    {
        char *who_esc = escape_dup(who, strlen(who), ESC_BACKSLASH);
        fprintf(f, "%s %s user=%s %s\n", when, hook, who_esc, esc);
        free(who_esc);
    }
    fclose(f);
    free(esc);
}

static enum status read_stdin(struct buf *b)
{
    char tmp[65536];

    for (;;) {
        ssize_t n = read(STDIN_FILENO, tmp, sizeof(tmp));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(STATUS_IO, "cannot read the hook input: %s", strerror(errno));
        }
        if (n == 0)
            return STATUS_OK;
        if (buf_append(b, tmp, (size_t)n) != STATUS_OK)
            return fail(STATUS_LIMIT, "hook input exceeds %u bytes", LIMIT_HOOK_STDIN_BYTES);
    }
}

/* The reason given with `git push -o sesame.skip=REASON`, or NULL. */
static const char *bypass_reason(const struct hook_opts *o)
{
    const char *count = env_get(o->env, "GIT_PUSH_OPTION_COUNT");
    long n = count ? strtol(count, NULL, 10) : 0;

    for (long i = 0; i < n && i < 100; i++) {
        char name[64];
        const char *v;
        snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
        v = env_get(o->env, name);
        if (v && strncmp(v, "sesame.skip=", 12) == 0 && v[12])
            return v + 12;
        if (v && strcmp(v, "sesame.skip") == 0)
            return "";
    }
    return NULL;
}

static int run_scan(const char *hook, const struct hook_opts *o, struct scan_config *cfg)
{
    struct scan_outcome outcome;
    enum status st;
    int rc = 0;

    cfg->format = "hook";
    cfg->hook_name = hook;
    cfg->hook_bypass = o->allow_bypass;
    cfg->report_to = stderr;
    cfg->quiet = false;
    cfg->no_exposure = true;
    cfg->budget_ms = o->budget_ms;
    cfg->show_secrets = o->show_secrets;
    cfg->rule_paths = o->rules;
    cfg->n_rule_paths = o->n_rules;
    cfg->inline_allow = o->inline_allow;
    cfg->env = o->env;
    st = scan_run(cfg, &outcome);
    if (st != STATUS_OK) {
        log_error("%s", status_message());
        audit(o, hook, "scan failed (%s); %s", status_message(),
              o->fail_open ? "accepted (fail-open)" : "rejected (fail-closed)");
        return o->fail_open ? 0 : 1;
    }
    for (size_t i = 0; i < outcome.n_allowed_text; i++)
        audit(o, hook, "allowed by sesame:allow: %s", outcome.allowed_text[i]);
    if (outcome.suppressed > outcome.allowed)
        audit(o, hook, "%llu finding%s in the baseline",
              (unsigned long long)(outcome.suppressed - outcome.allowed),
              outcome.suppressed - outcome.allowed == 1 ? "" : "s");
    if (outcome.findings) {
        audit(o, hook, "rejected: %zu credential%s found%s", outcome.findings,
              outcome.findings == 1 ? "" : "s",
              outcome.incomplete ? " (and the scan was incomplete)" : "");
        rc = 1;
    } else if (outcome.incomplete) {
        audit(o, hook, "%s; %s",
              outcome.timed_out     ? "time budget exceeded, scan incomplete"
              : outcome.history_cut ? "history truncated (shallow repository), scan incomplete"
              : outcome.errors      ? "some objects could not be read, scan incomplete"
                                    : "a limit stopped reading some objects, scan incomplete",
              o->fail_open ? "accepted without a complete scan (fail-open policy)"
                           : "rejected (fail-closed policy): retry, push fewer commits, or ask "
                             "an administrator");
        rc = o->fail_open ? 0 : 1;
    }
    scan_outcome_release(&outcome);
    return rc;
}

/* Scan what a list of ref updates adds: commits reachable from the new tips and not
 * from the old ones nor from refs matching hide_glob. Deleted refs add nothing. */
static int scan_updates(const char *hook, const struct hook_opts *o,
                        const struct ref_updates *u, const char *hide_glob)
{
    const char **tips = xcalloc(u->n + 1, sizeof(*tips));
    const char **hide = xcalloc(u->n + 1, sizeof(*hide));
    size_t n_tips = 0, n_hide = 0;
    struct scan_config cfg;
    static const char *const here[] = { ".", NULL };
    int rc = 0;

    for (size_t i = 0; i < u->n; i++) {
        if (src_hook_is_zero(u->v[i].new_oid))
            continue;
        tips[n_tips++] = u->v[i].new_oid;
        if (!src_hook_is_zero(u->v[i].old_oid))
            hide[n_hide++] = u->v[i].old_oid;
    }
    if (n_tips > 0) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.targets = here;
        cfg.n_targets = 1;
        cfg.from_env = true; /* pre-receive: the pushed objects are in the quarantine */
        cfg.tips = tips;
        cfg.n_tips = n_tips;
        cfg.hide = hide;
        cfg.n_hide = n_hide;
        cfg.hide_glob = hide_glob;
        rc = run_scan(hook, o, &cfg);
    }
    free(tips);
    free(hide);
    return rc;
}

/* Read and parse the hook's standard input; 0 on success. */
static int read_updates(const char *hook, bool pre_push, struct ref_updates *u)
{
    struct buf in = BUF_INIT(LIMIT_HOOK_STDIN_BYTES);
    int rc = 0;

    if (read_stdin(&in) != STATUS_OK ||
        src_hook_parse(in.data ? in.data : "", in.len, pre_push, u) != STATUS_OK) {
        log_error("%s: %s", hook, status_message());
        rc = 1;
    }
    buf_release(&in);
    return rc;
}

static int pre_receive(const struct hook_opts *o)
{
    struct ref_updates u = { 0 };
    const char *reason;
    int rc;

    if ((rc = read_updates("pre-receive", false, &u)) != 0)
        goto out;
    reason = bypass_reason(o);
    if (reason && o->allow_bypass) {
        audit(o, "pre-receive", "BYPASS: scan skipped by push option, reason: \"%s\"",
              *reason ? reason : "(none given)");
        goto out;
    }
    if (reason)
        fprintf(stderr, "sesame: sesame.skip is not enabled on this server; scanning\n");
    /* Every ref counts as "already there": refs are not updated until the hook accepts. */
    rc = scan_updates("pre-receive", o, &u, "refs/*");
    if (rc != 0)
        fprintf(stderr, "\nsesame: push rejected.\n");
out:
    ref_updates_release(&u);
    return rc;
}

static int pre_push(const struct hook_opts *o, const char *remote)
{
    struct ref_updates u = { 0 };
    char *glob = NULL;
    int rc;

    if ((rc = read_updates("pre-push", true, &u)) != 0)
        goto out;
    /* What this remote already has (git passes its name as the first argument); other
     * remotes' commits are not on this one, so they are checked. */
    if (remote && *remote && !strchr(remote, '/') && !strchr(remote, '*'))
        glob = xasprintf("refs/remotes/%s/*", remote);
    rc = scan_updates("pre-push", o, &u, glob ? glob : "refs/remotes/*");
    if (rc != 0)
        fprintf(stderr, "\nsesame: push stopped before it left this machine.\n");
out:
    free(glob);
    ref_updates_release(&u);
    return rc;
}

static int pre_commit(const struct hook_opts *o)
{
    struct scan_config cfg;
    static const char *const here[] = { ".", NULL };
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    cfg.targets = here;
    cfg.n_targets = 1;
    cfg.from_env = true; /* honours GIT_INDEX_FILE (git commit -a uses a temporary index) */
    cfg.staged = true;
    rc = run_scan("pre-commit", o, &cfg);
    if (rc != 0)
        fprintf(stderr, "\nsesame: commit stopped.\n");
    return rc;
}

void hook_default_opts(struct hook_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->budget_ms = HOOK_DEFAULT_BUDGET_MS;
}

enum hook_outcome hook_run(const char *name, const char *arg, const struct hook_opts *opts)
{
    struct hook_opts o = *opts;
    int rc;

    /* every hook opens the repository: libgit2's start-up runs on the other core while
     * the input is read and the rules are loaded; without its network libraries, since
     * a hook verifies nothing, has no store and reads no remote */
    src_git_without_network();
    src_git_prefetch();
    /* On a server the pusher writes the comments: they count only if the server says so. */
    if (!o.inline_allow_set)
        o.inline_allow = strcmp(name, "pre-receive") == 0 ? INLINE_ALLOW_NONE : INLINE_ALLOW_ALL;
    if (strcmp(name, "pre-receive") == 0)
        rc = pre_receive(&o);
    else if (strcmp(name, "pre-push") == 0)
        rc = pre_push(&o, arg);
    else if (strcmp(name, "pre-commit") == 0)
        rc = pre_commit(&o);
    else
        return HOOK_USAGE;
    return rc == 0 ? HOOK_OK : HOOK_REJECTED;
}

/* ---- install-hook -------------------------------------------------------------- */

static char *self_path(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return xstrdup("sesame");
    buf[n] = '\0';
    return xstrdup(buf);
}

static bool is_ours(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    bool ours = false;

    if (!f)
        return false;
    for (int i = 0; i < 5 && fgets(line, sizeof(line), f); i++)
        if (strstr(line, HOOK_MARKER))
            ours = true;
    fclose(f);
    return ours;
}

enum hook_outcome hook_install(const char *kind, const char *repo, bool force)
{
    char *dir = NULL, *path = NULL, *self = NULL;
    FILE *f;
    enum hook_outcome rc = HOOK_USAGE;
    struct stat st;

    if (!kind)
        kind = "pre-commit";
    if (!repo)
        repo = ".";
    if (strcmp(kind, "pre-commit") != 0 && strcmp(kind, "pre-push") != 0 &&
        strcmp(kind, "pre-receive") != 0) {
        log_error("install-hook: no hook '%s' (pre-commit, pre-push or pre-receive)", kind);
        return HOOK_USAGE;
    }
    if (src_git_hooks_dir(repo, &dir) != STATUS_OK) {
        log_error("%s", status_message());
        return HOOK_IO;
    }
    path = xasprintf("%s/%s", dir, kind);
    if (lstat(path, &st) == 0 && !is_ours(path)) {
        if (!force) {
            fprintf(stderr, "sesame: '%s' exists and is not a sesame hook; not overwriting it.\n"
                            "Call sesame from it yourself, or use --force (the old hook is kept "
                            "as '%s.sesame-backup').\n", path, path);
            rc = HOOK_REJECTED;
            goto out;
        }
        {
            char *bak = xasprintf("%s.sesame-backup", path);
            if (rename(path, bak) != 0) {
                fprintf(stderr, "sesame: cannot move '%s' aside: %s\n", path, strerror(errno));
                free(bak);
                rc = HOOK_IO;
                goto out;
            }
            fprintf(stderr, "sesame: the previous hook is now '%s'\n", bak);
            free(bak);
        }
    }
    (void)mkdir(dir, 0755);
    self = self_path();
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sesame: cannot write '%s': %s\n", path, strerror(errno));
        rc = HOOK_IO;
        goto out;
    }
    fprintf(f, "#!/bin/sh\n# %s: written by `sesame install-hook %s`; safe to edit the options.\n",
            HOOK_MARKER, kind);
    if (strcmp(kind, "pre-receive") == 0)
        fprintf(f, "# Options: --budget-ms N (default %u), --fail-open, --allow-bypass "
                   "(git push -o sesame.skip=REASON), --log FILE,\n"
                   "# --inline-allow all|none|ids (default none: sesame:allow comments "
                   "written by the pusher do not count)\n",
                HOOK_DEFAULT_BUDGET_MS);
    fprintf(f, "exec '%s' hook %s \"$@\"\n", self, kind);
    if (fclose(f) != 0 || chmod(path, 0755) != 0) {
        fprintf(stderr, "sesame: cannot write '%s': %s\n", path, strerror(errno));
        rc = HOOK_IO;
        goto out;
    }
    printf("installed %s hook: %s\n", kind, path);
    rc = HOOK_OK;
out:
    free(self);
    free(path);
    free(dir);
    return rc;
}
