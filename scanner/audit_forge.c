/*
 * audit_forge.c - an organisation's repositories from its forge's API: `sesame audit
 * --github-org ORG` (GET /orgs/ORG/repos) and `--gitlab-group GROUP` (GET
 * /groups/GROUP/projects, subgroups included), for github.com / gitlab.com or, with
 * --api-url, GitHub Enterprise Server and self-managed GitLab.
 *
 * Pages are followed (Link rel="next", or GitLab's X-Next-Page) only to the API's own
 * origin, so the token is never sent elsewhere; rate limits are honoured (a 403/429 with
 * X-RateLimit-Remaining 0 or Retry-After waits for the reset, up to a cap, then says so).
 * Archived repositories and forks are left out unless asked for. The token (GITHUB_TOKEN
 * / GITLAB_TOKEN) goes to the API in a header, and to git, for the mirrors, as an
 * http.extraHeader in git's environment (GIT_CONFIG_*): never on a command line, in a
 * URL, in the mirror's configuration or in the store.
 */
#include "audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/env.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "json/json.h"
#include "verify/http.h"

/* One GET, waited for. */
static void get(struct http *h, const char *url, const char *auth, struct http_req *r)
{
    struct http_req *done[4];

    memset(r, 0, sizeof(*r));
    r->kind = HTTP_REQ;
    r->url = xstrdup(url);
    r->method = "GET";
    r->headers = xcalloc(3, sizeof(char *));
    r->headers[r->n_headers++] = xstrdup("Accept: application/json");
    if (auth)
        r->headers[r->n_headers++] = xstrdup(auth);
    http_submit(h, r);
    while (http_pending(h))
        (void)http_poll(h, done, 4, 200);
}

/* The rel="next" URL of a Link header (new string), or NULL. */
static char *link_next(const char *link)
{
    for (const char *p = link; p && (p = strchr(p, '<'));) {
        const char *end = strchr(p, '>');
        const char *semi = end ? strchr(end, ',') : NULL;
        const char *rel = end ? strstr(end, "rel=\"next\"") : NULL;
        if (!end)
            return NULL;
        if (rel && (!semi || rel < semi))
            return xstrndup(p + 1, (size_t)(end - p - 1));
        p = end;
    }
    return NULL;
}

/* Seconds to wait before asking again after a rate-limited answer, or -1 if it was not. */
static long rate_wait(const struct http_req *r)
{
    if (r->status != 403 && r->status != 429)
        return -1;
    if (r->retry_after)
        return strtol(r->retry_after, NULL, 10);
    if (r->ratelimit_remaining && strcmp(r->ratelimit_remaining, "0") == 0 && r->ratelimit_reset) {
        long reset = strtol(r->ratelimit_reset, NULL, 10) - (long)time(NULL);
        return reset < 0 ? 0 : reset;
    }
    return -1;
}

static bool flag(const struct jv *o, const char *key)
{
    return jv_is_true(jv_get(o, key));
}

/* One page of repositories into the list. */
static enum status add_page(const struct audit_opts *o, bool gitlab, const char *body,
                            size_t len, const char *git_auth, struct audit_list *l)
{
    struct jv_error err;
    struct jv *doc = jv_parse(body, len, 0, &err);
    enum status st = STATUS_OK;

    if (!doc || !jv_is_array(doc)) {
        jv_free(doc);
        return fail(STATUS_CORRUPT, "%s API: an answer that is no list of repositories",
                    gitlab ? "GitLab" : "GitHub");
    }
    for (size_t i = 0; st == STATUS_OK && i < jv_len(doc); i++) {
        const struct jv *r = jv_at(doc, i);
        const char *url = jv_string(jv_get(r, gitlab ? "http_url_to_repo" : "clone_url"), NULL);
        bool fork = gitlab ? jv_is_object(jv_get(r, "forked_from_project")) : flag(r, "fork");
        if (!url || !*url || (flag(r, "archived") && !o->include_archived) ||
            (fork && !o->include_forks))
            continue;
        if (l->n >= LIMIT_REPOS_FROM_LINES) {
            st = fail(STATUS_LIMIT, "more than %u repositories in one audit",
                      LIMIT_REPOS_FROM_LINES);
            break;
        }
        l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
        l->v[l->n].url = audit_url_public(url);
        l->v[l->n].path = xstrdup(url);
        l->v[l->n].remote = true;
        l->v[l->n].git_auth = git_auth ? xstrdup(git_auth) : NULL;
        l->n++;
    }
    jv_free(doc);
    return st;
}

/* Percent-encode a group path for GitLab ("a/b" -> "a%2Fb"); GitHub names need none. */
static char *path_escape(const char *s)
{
    char *out = xmalloc(3 * strlen(s) + 1), *q = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.')
            *q++ = (char)*p;
        else
            q += sprintf(q, "%%%02X", *p);
    }
    *q = '\0';
    return out;
}

static enum status enumerate(const struct audit_opts *o, bool gitlab, const char *name,
                             struct audit_list *l)
{
    const char *base = o->api_url ? o->api_url : gitlab ? "https://gitlab.com/api/v4"
                                                        : "https://api.github.com";
    const char *token = env_get(o->scan->env, gitlab ? "GITLAB_TOKEN" : "GITHUB_TOKEN");
    char *esc = path_escape(name), *url, *auth = NULL, *git_auth = NULL;
    size_t base_len = strlen(base);
    struct http *h = NULL;
    struct http_opts ho = { 1, 30000, NULL, "sesame/" SESAME_VERSION };
    enum status st;
    unsigned pages = 0, waits = 0;

    while (base_len && base[base_len - 1] == '/')
        base_len--;
    url = gitlab ? xasprintf("%.*s/groups/%s/projects?per_page=100&include_subgroups=true",
                             (int)base_len, base, esc)
                 : xasprintf("%.*s/orgs/%s/repos?per_page=100&type=all", (int)base_len, base,
                             esc);
    free(esc);
    if (token && *token) {
        char *basic = xasprintf("%s:%s", gitlab ? "oauth2" : "x-access-token", token);
        char *b64 = crypto_base64(basic, strlen(basic));
        auth = gitlab ? xasprintf("PRIVATE-TOKEN: %s", token)
                      : xasprintf("Authorization: Bearer %s", token);
        git_auth = xasprintf("Authorization: Basic %s", b64);
        crypto_free_secret(basic);
        crypto_free_secret(b64);
    }
    if ((st = http_new(&h, &ho)) != STATUS_OK)
        goto out;
    while (url && st == STATUS_OK) {
        struct http_req r;
        long wait;
        char *next;

        if (++pages > LIMIT_FORGE_PAGES) {
            st = fail(STATUS_LIMIT, "%s: more than %u pages of repositories", name,
                      LIMIT_FORGE_PAGES);
            break;
        }
        get(h, url, auth, &r);
        if ((wait = rate_wait(&r)) >= 0) {
            http_req_release(&r);
            pages--;
            if (wait > LIMIT_FORGE_WAIT_S || ++waits > 5) {
                st = fail(STATUS_NET, "%s API rate limit: it resets in %ld s (more than %u s "
                                      "to wait); try later, or with a token",
                          gitlab ? "GitLab" : "GitHub", wait, LIMIT_FORGE_WAIT_S);
                break;
            }
            log_warn("%s API rate limit reached: waiting %ld s", gitlab ? "GitLab" : "GitHub",
                     wait);
            sleep((unsigned)wait + 1);
            continue;
        }
        if (r.transport_error || r.status != 200 || !r.resp) {
            st = fail(r.transport_error ? STATUS_NET : STATUS_IO, "%s API: %s: %s",
                      gitlab ? "GitLab" : "GitHub", name,
                      r.transport_error ? r.error
                      : r.status == 404 ? "no such organisation or group (or no access)"
                      : r.status == 401 ? "the token was refused"
                                        : "an unexpected answer");
            http_req_release(&r);
            break;
        }
        if (r.resp_truncated) {
            st = fail(STATUS_LIMIT, "%s API: a page over the size limit", name);
            http_req_release(&r);
            break;
        }
        st = add_page(o, gitlab, r.resp, r.resp_len, git_auth, l);
        next = link_next(r.link);
        if (!next && r.next_page && *r.next_page) {
            const char *sep = strstr(url, "&page=");
            next = xasprintf("%.*s&page=%s", (int)(sep ? (size_t)(sep - url) : strlen(url)), url,
                             r.next_page);
        }
        http_req_release(&r);
        free(url);
        url = NULL;
        if (next && (strncmp(next, base, base_len) != 0 ||
                     (next[base_len] != '/' && next[base_len] != '?'))) {
            /* the token goes to the API's own origin only */
            st = fail(STATUS_CORRUPT, "%s API: the next page is elsewhere (%s): not followed",
                      gitlab ? "GitLab" : "GitHub", next);
            free(next);
            break;
        }
        url = next;
    }
out:
    free(url);
    if (auth)
        crypto_free_secret(auth);
    if (git_auth)
        crypto_free_secret(git_auth);
    http_free(h);
    return st;
}

enum status audit_forges(const struct audit_opts *o, struct audit_list *l)
{
    enum status st = STATUS_OK;
    for (size_t i = 0; st == STATUS_OK && i < o->n_github_orgs; i++)
        st = enumerate(o, false, o->github_orgs[i], l);
    for (size_t i = 0; st == STATUS_OK && i < o->n_gitlab_groups; i++)
        st = enumerate(o, true, o->gitlab_groups[i], l);
    return st;
}
