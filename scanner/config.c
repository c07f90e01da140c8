/*
 * config.c - .sesame.json and baseline files (jansson).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/xalloc.h"

static enum status load_json(const char *path, size_t max, json_t **out)
{
    struct stat st;
    json_error_t err;

    *out = NULL;
    if (stat(path, &st) != 0)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(STATUS_IO, "cannot read '%s': not a regular file", path);
    if ((size_t)st.st_size > max)
        return fail(STATUS_LIMIT, "'%s': larger than %zu bytes", path, max);
    *out = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!*out)
        return fail(STATUS_CORRUPT, "'%s': line %d: %s", path, err.line, err.text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return fail(STATUS_CORRUPT, "'%s': top level must be an object", path);
    }
    return STATUS_OK;
}

static enum status strings(const char *path, const char *key, json_t *v, char ***out, size_t *n)
{
    size_t i;
    json_t *e;

    if (!v)
        return STATUS_OK;
    if (!json_is_array(v))
        return fail(STATUS_CORRUPT, "'%s': \"%s\" must be an array of strings", path, key);
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 4096)
            return fail(STATUS_CORRUPT, "'%s': \"%s\"[%zu] must be a non-empty string", path,
                        key, i);
        *out = xrealloc(*out, (*n + 1) * sizeof(char *));
        (*out)[(*n)++] = xstrdup(json_string_value(e));
    }
    return STATUS_OK;
}

enum status config_load(const char *path, struct repo_config *out)
{
    json_t *root = NULL, *v, *rules;
    const char *key;
    enum status st;

    memset(out, 0, sizeof(*out));
    if ((st = load_json(path, CONFIG_MAX_BYTES, &root)) != STATUS_OK)
        return st;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "exclude") && strcmp(key, "include") && strcmp(key, "rules") &&
            strcmp(key, "baseline") && strcmp(key, "$comment")) {
            st = fail(STATUS_CORRUPT, "'%s': unknown field \"%s\"", path, key);
            goto out;
        }
    }
    if ((st = strings(path, "exclude", json_object_get(root, "exclude"), &out->exclude,
                      &out->n_exclude)) != STATUS_OK ||
        (st = strings(path, "include", json_object_get(root, "include"), &out->include,
                      &out->n_include)) != STATUS_OK)
        goto out;
    rules = json_object_get(root, "rules");
    if (rules) {
        json_object_foreach(rules, key, v) {
            if (strcmp(key, "disable") != 0) {
                st = fail(STATUS_CORRUPT, "'%s': unknown field \"rules.%s\"", path, key);
                goto out;
            }
        }
        if (!json_is_object(rules) ||
            (st = strings(path, "rules.disable", json_object_get(rules, "disable"),
                          &out->disable, &out->n_disable)) != STATUS_OK) {
            if (st == STATUS_OK)
                st = fail(STATUS_CORRUPT, "'%s': \"rules\" must be an object", path);
            goto out;
        }
    }
    v = json_object_get(root, "baseline");
    if (v) {
        const char *b = json_string_value(v);
        const char *slash = strrchr(path, '/');
        if (!b || !*b) {
            st = fail(STATUS_CORRUPT, "'%s': \"baseline\" must be a file name", path);
            goto out;
        }
        out->baseline = b[0] == '/' || !slash
                            ? xstrdup(b)
                            : xasprintf("%.*s/%s", (int)(slash - path), path, b);
    }
    out->source = xstrdup(path);
out:
    json_decref(root);
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
    free(c->source);
    memset(c, 0, sizeof(*c));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum status baseline_load(const char *path, struct baseline *out)
{
    json_t *root = NULL, *findings, *e;
    enum status st;
    size_t i;

    memset(out, 0, sizeof(*out));
    if ((st = load_json(path, BASELINE_MAX_BYTES, &root)) != STATUS_OK)
        return st;
    findings = json_object_get(root, "findings");
    if (!json_is_array(findings)) {
        st = fail(STATUS_CORRUPT, "'%s': not a sesame baseline (no \"findings\" array)", path);
        goto out;
    }
    out->fingerprints = xcalloc(json_array_size(findings) + 1, sizeof(char *));
    json_array_foreach(findings, i, e) {
        const char *fp = json_string_value(json_object_get(e, "fingerprint"));
        if (!fp || strlen(fp) != 16 || strspn(fp, "0123456789abcdef") != 16) {
            st = fail(STATUS_CORRUPT, "'%s': findings[%zu]: \"fingerprint\" must be 16 hex "
                                      "digits", path, i);
            goto out;
        }
        out->fingerprints[out->n++] = xstrdup(fp);
    }
    if (out->n > 1)
        qsort(out->fingerprints, out->n, sizeof(char *), cmp_str);
out:
    json_decref(root);
    if (st != STATUS_OK)
        baseline_release(out);
    return st;
}

bool baseline_has(const struct baseline *b, const char *fingerprint)
{
    return b->n && bsearch(&fingerprint, b->fingerprints, b->n, sizeof(char *), cmp_str);
}

void baseline_release(struct baseline *b)
{
    if (!b)
        return;
    free_strings(b->fingerprints, b->n);
    memset(b, 0, sizeof(*b));
}
