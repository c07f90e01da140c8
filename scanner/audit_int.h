/*
 * audit_int.h - what the files of `sesame audit` share (private to audit*.c): the list
 * of repositories to audit and the mirrors of remote ones (audit_fleet.c).
 */
#ifndef SESAME_AUDIT_INT_H
#define SESAME_AUDIT_INT_H

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

#endif
