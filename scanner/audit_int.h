/*
 * audit_int.h - what the files of `sesame audit` share (private to audit*.c): the list
 * of repositories to audit and the mirrors of remote ones (audit_fleet.c).
 */
#ifndef SESAME_AUDIT_INT_H
#define SESAME_AUDIT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "base/status.h"

struct audit_target {
    char *url;      /* the repository's name in the store: absolute path, or URL without
                     * user information */
    char *path;     /* what to open (a path), or the URL as given (remote) */
    bool remote;
    char *git_auth; /* an http.extraHeader for git (a forge token), or NULL */
};

struct audit_list {
    struct audit_target *v;
    size_t n;
};

/* The command line's repositories, then --repos-from, then --discover (sorted). */
enum status audit_collect(const struct audit_opts *o, struct audit_list *l);
void audit_list_release(struct audit_list *l);

/* scheme://... or user@host:path. */
bool audit_is_url(const char *s);
/* The URL without "user:password@" (new string). */
char *audit_url_public(const char *url);
/* Create or update the mirror of `url` under `dir`; *path (new string, also on failure)
 * receives its location. git_auth (or NULL): a header git sends, from its environment. */
enum status audit_mirror(const char *url, const char *public_url, const char *dir,
                         const char *git_auth, char **path);
/* --github-org, --gitlab-group (audit_forge.c): their repositories, appended. */
enum status audit_forges(const struct audit_opts *o, struct audit_list *l);

struct store;
struct ruleset;
struct jv;

/* The audit's shared state: repositories are handed out by an atomic index to one or
 * several workers, each with its own store connection (SQLite: WAL readers, one writer at
 * a time; each repository's writes are one short transaction at its end). */
struct pool {
    /* a queue worker (audit_queue.c): called inside a repository's transaction, after
     * its results and before the commit (marks it done); failures are warnings there,
     * the queue keeps them */
    enum status (*before_commit)(void *ctx, struct store *s);
    void *hook_ctx;
    bool queue;
    const struct audit_opts *ao;
    const char *key;
    const struct ruleset *rs;
    const struct audit_list *list;
    const char *db;
    unsigned scan_threads;     /* per repository (0: the scan's default) */
    struct audit_outcome *out;
    struct jv **slots;         /* the JSON summary of repository i */
    atomic_size_t next;
    pthread_mutex_t lock;      /* out, slots, stdout, stderr */
    size_t done;
    bool progress;
    double t0;
    enum status fatal;
};

/* The rules key of cfg's rules (the ruleset is kept: its SES regions serve --verify). */
enum status audit_rules_key(const struct scan_config *cfg, char out[65], struct ruleset *rs);
/* The JSON summary of `n` repositories (their slots, taken) and the outcome's counts. */
struct jv *audit_summary_doc(struct pool *p, size_t n, const struct audit_outcome *out);
/* Audit p->list->v[i] on the store connection `s` (one transaction, committed here). */
enum status audit_one(struct pool *p, struct store *s, size_t i);

#endif
