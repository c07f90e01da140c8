/*
 * config.c - .sesame.json and baseline files, read strictly through json/json.h: a
 * file over its size cap, a duplicate key, an unknown field or a wrong type is an error
 * naming the file. It does not apply the configuration (scan.c does).
 */
#include "config.h"
#include "base/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "finding/finding.h"
#include "json/json.h"

static enum status load_json(const char *path, size_t max, struct jv **out)
{
    enum status st = jv_load_file(out, path, max, JV_REJECT_DUPLICATES | JV_REGULAR_FILE);

    if (st == STATUS_OK && !jv_is_object(*out)) {
        jv_free(*out);
        *out = NULL;
        return fail(STATUS_CORRUPT, "'%s': top level must be an object", path);
    }
    return st;
}

static enum status strings(const char *path, const char *key, const struct jv *v, char ***out,
                           size_t *n)
{
    if (!v)
        return STATUS_OK;
    if (!jv_is_array(v))
        return fail(STATUS_CORRUPT, "'%s': \"%s\" must be an array of strings", path, key);
    for (size_t i = 0; i < jv_len(v); i++) {
        size_t len = 0;
        const char *s = jv_string(jv_at(v, i), &len);

        if (!s || len == 0 || len > 4096)
            return fail(STATUS_CORRUPT, "'%s': \"%s\"[%zu] must be a non-empty string", path,
                        key, i);
        *out = xrealloc(*out, (*n + 1) * sizeof(char *));
        (*out)[(*n)++] = xstrdup(s);
    }
    return STATUS_OK;
}

static const char *const config_keys[] = { "exclude", "include", "rules", "baseline",
                                           "known_keys", "accounts", "$comment", NULL };

/* A file named by the configuration, relative to the configuration's directory. */
static enum status config_file(const char *path, const struct jv *root, const char *key,
                               char **out)
{
    const struct jv *v = jv_get(root, key);
    const char *b, *slash = strrchr(path, '/');

    if (!v)
        return STATUS_OK;
    b = jv_string(v, NULL);
    if (!b || !*b)
        return fail(STATUS_CORRUPT, "'%s': \"%s\" must be a file name", path, key);
    *out = b[0] == '/' || !slash ? xstrdup(b) : xasprintf("%.*s/%s", (int)(slash - path), path, b);
    return STATUS_OK;
}
static const char *const config_rules_keys[] = { "disable", NULL };

enum status config_load(const char *path, struct repo_config *out)
{
    struct jv *root = NULL;
    const struct jv *rules;
    const char *key;
    enum status st;

    memset(out, 0, sizeof(*out));
    if ((st = load_json(path, LIMIT_CONFIG_BYTES, &root)) != STATUS_OK)
        return st;
    if ((key = jv_unknown_key(root, config_keys)) != NULL) {
        st = fail(STATUS_CORRUPT, "'%s': unknown field \"%s\"", path, key);
        goto out;
    }
    if ((st = strings(path, "exclude", jv_get(root, "exclude"), &out->exclude,
                      &out->n_exclude)) != STATUS_OK ||
        (st = strings(path, "include", jv_get(root, "include"), &out->include,
                      &out->n_include)) != STATUS_OK)
        goto out;
    rules = jv_get(root, "rules");
    if (rules) {
        if ((key = jv_unknown_key(rules, config_rules_keys)) != NULL) {
            st = fail(STATUS_CORRUPT, "'%s': unknown field \"rules.%s\"", path, key);
            goto out;
        }
        if (!jv_is_object(rules) ||
            (st = strings(path, "rules.disable", jv_get(rules, "disable"),
                          &out->disable, &out->n_disable)) != STATUS_OK) {
            if (st == STATUS_OK)
                st = fail(STATUS_CORRUPT, "'%s': \"rules\" must be an object", path);
            goto out;
        }
    }
    if ((st = config_file(path, root, "baseline", &out->baseline)) != STATUS_OK ||
        (st = config_file(path, root, "known_keys", &out->known_keys)) != STATUS_OK ||
        (st = config_file(path, root, "accounts", &out->accounts)) != STATUS_OK)
        goto out;
    out->source = xstrdup(path);
out:
    jv_free(root);
    if (st != STATUS_OK)
        config_release(out);
    return st;
}

enum status config_load_dir(const char *dir, struct repo_config *out)
{
    char *path = xasprintf("%s/.sesame.json", dir);
    struct stat st;
    enum status rc = STATUS_OK;

    memset(out, 0, sizeof(*out));
    if (lstat(path, &st) == 0)
        rc = config_load(path, out);
    free(path);
    return rc;
}

/* Globs of a configuration in an ancestor, for paths relative to `dir` which is `rel`
 * below it ("sub/dir"). */
static void rebase_globs(char **v, size_t *n, const char *rel)
{
    size_t k = 0, rl = strlen(rel);

    for (size_t i = 0; i < *n; i++) {
        char *g = v[i];
        if (!strchr(g, '/') || strncmp(g, "**", 2) == 0) {
            v[k++] = g;
        } else if (strncmp(g, rel, rl) == 0 && g[rl] == '/' && g[rl + 1]) {
            v[k++] = xstrdup(g + rl + 1);
            free(g);
        } else {
            free(g); /* another subtree's: cannot match below dir */
        }
    }
    *n = k;
}

enum status config_find_up(const char *dir, const char *top, struct repo_config *out)
{
    char *d, *t;
    enum status st = config_load_dir(dir, out); /* its own first, named as given */
    size_t full_len;

    if (st != STATUS_OK || out->source || !top)
        return st;
    if (!(d = realpath(dir, NULL)))
        return STATUS_OK;
    if (!(t = realpath(top, NULL))) {
        free(d);
        return STATUS_OK;
    }
    full_len = strlen(d);
    for (;;) {
        size_t dl = strlen(d), tl = strlen(t);
        if (dl <= tl || strncmp(d, t, tl) != 0 || (tl > 1 && d[tl] != '/'))
            break; /* at (or outside) the top: nothing above to look at */
        while (dl > 1 && d[dl - 1] != '/')
            dl--;
        d[dl > 1 ? dl - 1 : 1] = '\0'; /* the parent */
        if ((st = config_load_dir(d, out)) != STATUS_OK || out->source) {
            /* found above: its globs, for paths relative to dir */
            char *full = realpath(dir, NULL);
            size_t pl = strlen(d);
            if (st == STATUS_OK && full && full_len > pl) {
                const char *rel = full + pl + (pl == 1 ? 0 : 1);
                rebase_globs(out->exclude, &out->n_exclude, rel);
                rebase_globs(out->include, &out->n_include, rel);
            }
            free(full);
            break;
        }
    }
    free(d);
    free(t);
    return st;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void config_release(struct repo_config *c)
{
    if (!c)
        return;
    free_strings(c->exclude, c->n_exclude);
    free_strings(c->include, c->n_include);
    free_strings(c->disable, c->n_disable);
    free(c->baseline);
    free(c->known_keys);
    free(c->accounts);
    free(c->source);
    memset(c, 0, sizeof(*c));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct baseline_entry *)a)->fingerprint,
                  ((const struct baseline_entry *)b)->fingerprint);
}

static bool valid_part(const char *p)
{
    static const char *const kinds[] = { "secret_access_key:", "session_token:",
                                         "smtp_password:" };
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        size_t k = strlen(kinds[i]);
        if (strncmp(p, kinds[i], k) == 0)
            return strlen(p + k) == FINDING_PART_HEX &&
                   strspn(p + k, "0123456789abcdef") == FINDING_PART_HEX;
    }
    return false;
}

enum status baseline_load(const char *path, struct baseline *out)
{
    struct jv *root = NULL;
    const struct jv *findings;
    enum status st;

    memset(out, 0, sizeof(*out));
    if ((st = load_json(path, LIMIT_BASELINE_BYTES, &root)) != STATUS_OK)
        return st;
    findings = jv_get(root, "findings");
    if (!jv_is_array(findings)) {
        st = fail(STATUS_CORRUPT, "'%s': not a sesame baseline (no \"findings\" array)", path);
        goto out;
    }
    out->path = xstrdup(path);
    out->v = xcalloc(jv_len(findings) + 1, sizeof(*out->v));
    for (size_t i = 0; i < jv_len(findings); i++) {
        const struct jv *e = jv_at(findings, i);
        const char *fp = jv_string(jv_get(e, "fingerprint"), NULL);
        const struct jv *parts = jv_get(e, "parts");
        struct baseline_entry *be;
        if (!fp || strlen(fp) != 16 || strspn(fp, "0123456789abcdef") != 16) {
            st = fail(STATUS_CORRUPT, "'%s': findings[%zu]: \"fingerprint\" must be 16 hex "
                                      "digits", path, i);
            goto out;
        }
        if (parts && !jv_is_array(parts)) {
            st = fail(STATUS_CORRUPT, "'%s': findings[%zu]: \"parts\" must be an array", path,
                      i);
            goto out;
        }
        be = &out->v[out->n++];
        be->fingerprint = xstrdup(fp);
        be->has_parts = parts != NULL;
        if (!parts)
            continue;
        be->parts = xcalloc(jv_len(parts) + 1, sizeof(char *));
        for (size_t k = 0; k < jv_len(parts); k++) {
            const char *ps = jv_string(jv_at(parts, k), NULL);
            if (!ps || !valid_part(ps)) {
                st = fail(STATUS_CORRUPT, "'%s': findings[%zu].parts[%zu]: expected "
                                          "\"KIND:16 hex digits\"", path, i, k);
                goto out;
            }
            be->parts[be->n_parts++] = xstrdup(ps);
        }
        if (be->n_parts > 1)
            qsort(be->parts, be->n_parts, sizeof(char *), cmp_str);
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
out:
    jv_free(root);
    if (st != STATUS_OK)
        baseline_release(out);
    return st;
}

const struct baseline_entry *baseline_find(const struct baseline *b, const char *fingerprint)
{
    struct baseline_entry key = { (char *)fingerprint, NULL, 0, false };
    return b->n ? bsearch(&key, b->v, b->n, sizeof(*b->v), cmp_entry) : NULL;
}


static bool entry_has_part(const struct baseline_entry *e, int kind, const char *sha)
{
    char name[64];
    const char *key = name;
    finding_part_handle((enum cred_kind)kind, sha, name, sizeof(name));
    return e->n_parts && bsearch(&key, e->parts, e->n_parts, sizeof(char *), cmp_str);
}

bool baseline_covers(struct baseline *b, const struct finding *f)
{
    const struct baseline_entry *e = baseline_find(b, f->fingerprint);
    size_t parts = f->n_secrets + f->n_session_tokens + f->n_smtp_passwords + f->n_bedrock_keys;

    if (!e)
        return false;
    if (!e->has_parts) {
        /* Version 1 recorded fingerprints only: it cannot say which secrets it saw. */
        if (parts == 0)
            return true;
        if (!b->warned_v1) {
            b->warned_v1 = true;
            log_warn("'%s': a version 1 baseline records no secrets: credentials with "
                     "secrets are reported (recreate it with 'sesame baseline create')",
                     b->path ? b->path : "baseline");
        }
        return false;
    }
    for (size_t i = 0; i < f->n_secrets; i++)
        if (!entry_has_part(e, CRED_SECRET_ACCESS_KEY, f->secrets[i].sha256))
            return false;
    for (size_t i = 0; i < f->n_session_tokens; i++)
        if (!entry_has_part(e, CRED_SESSION_TOKEN, f->session_tokens[i].sha256))
            return false;
    for (size_t i = 0; i < f->n_smtp_passwords; i++)
        if (!entry_has_part(e, CRED_SMTP_PASSWORD, f->smtp_passwords[i].sha256))
            return false;
    for (size_t i = 0; i < f->n_bedrock_keys; i++)
        if (!entry_has_part(e, CRED_BEDROCK_API_KEY, f->bedrock_keys[i].sha256))
            return false;
    return true;
}

void baseline_release(struct baseline *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->v[i].fingerprint);
        free_strings(b->v[i].parts, b->v[i].n_parts);
    }
    free(b->v);
    free(b->path);
    memset(b, 0, sizeof(*b));
}
