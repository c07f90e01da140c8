/*
 * finding/load.c - JSON report -> findings (the inverse of report_json.c).
 */
#include "finding/load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "base/xalloc.h"
#include "aws/keys.h"
#include "crypto/crypto.h"

static char *opt_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? xstrdup(s) : NULL;
}

static int64_t iso_time(json_t *v)
{
    struct tm tm;
    const char *s = json_string_value(v);
    memset(&tm, 0, sizeof(tm));
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static char **str_array(json_t *a, size_t *n)
{
    size_t i;
    json_t *e;
    char **v = xcalloc(json_array_size(a) + 1, sizeof(char *));

    *n = 0;
    json_array_foreach(a, i, e)
        if (json_is_string(e))
            v[(*n)++] = xstrdup(json_string_value(e));
    return v;
}

static enum status values(const char *path, size_t fi, json_t *a, const char *what,
                          struct secret_value **out, size_t *n)
{
    size_t i;
    json_t *e;

    *n = 0;
    *out = xcalloc(json_array_size(a) + 1, sizeof(**out));
    json_array_foreach(a, i, e) {
        const char *v = json_string_value(json_object_get(e, "value"));
        if (!v)
            return fail(STATUS_USAGE, "'%s': findings[%zu].%s[%zu] has no value: the report was "
                                      "redacted; scan again with --show-secrets to verify",
                        path, fi, what, i);
        (*out)[*n].value = xstrdup(v);
        crypto_sha256_hex(v, strlen(v), (*out)[*n].sha256);
        (*n)++;
    }
    return STATUS_OK;
}

static enum status one(const char *path, size_t fi, json_t *o, struct finding *f)
{
    enum status st;
    json_t *a, *e;
    size_t i;
    const char *s;

    if (!json_is_object(o))
        return fail(STATUS_CORRUPT, "'%s': findings[%zu] is not an object", path, fi);
    s = json_string_value(json_object_get(o, "fingerprint"));
    if (!s || strlen(s) != 16)
        return fail(STATUS_CORRUPT, "'%s': findings[%zu]: bad fingerprint", path, fi);
    memcpy(f->fingerprint, s, 17);
    s = json_string_value(json_object_get(o, "kind"));
    if (!s || !cred_kind_parse(s, &f->kind))
        return fail(STATUS_CORRUPT, "'%s': findings[%zu]: bad kind", path, fi);
    s = json_string_value(json_object_get(o, "confidence"));
    if (s)
        (void)confidence_parse(s, &f->confidence);
    f->example = json_is_true(json_object_get(o, "example"));
    f->access_key_id = opt_str(o, "access_key_id");
    f->key_type = opt_str(o, "key_type");
    f->account_id = opt_str(o, "account_id");
    if (f->access_key_id && (strlen(f->access_key_id) > 128))
        return fail(STATUS_CORRUPT, "'%s': findings[%zu]: bad access_key_id", path, fi);
    if ((st = values(path, fi, json_object_get(o, "secrets"), "secrets", &f->secrets,
                     &f->n_secrets)) != STATUS_OK ||
        (st = values(path, fi, json_object_get(o, "session_tokens"), "session_tokens",
                     &f->session_tokens, &f->n_session_tokens)) != STATUS_OK)
        return st;
    a = json_object_get(o, "smtp_passwords");
    f->smtp_passwords = xcalloc(json_array_size(a) + 1, sizeof(*f->smtp_passwords));
    json_array_foreach(a, i, e) {
        struct smtp_password *sp = &f->smtp_passwords[f->n_smtp_passwords];
        const char *v = json_string_value(json_object_get(e, "value"));
        if (!v)
            return fail(STATUS_USAGE, "'%s': findings[%zu].smtp_passwords[%zu] has no value: the "
                                      "report was redacted; scan again with --show-secrets",
                        path, fi, i);
        sp->value = xstrdup(v);
        crypto_sha256_hex(v, strlen(v), sp->sha256);
        sp->region = opt_str(e, "region");
        sp->from_secret = -1;
        f->n_smtp_passwords++;
    }
    f->regions = str_array(json_object_get(o, "regions"), &f->n_regions);
    f->branches = str_array(json_object_get(o, "branches"), &f->n_branches);
    f->rule_ids = str_array(json_object_get(o, "rules"), &f->n_rule_ids);
    s = json_string_value(json_object_get(o, "exposure"));
    f->exposure = EXPOSURE_FILE;
    for (unsigned k = 0; s && k <= EXPOSURE_UNREACHABLE; k++)
        if (strcmp(s, exposure_name((enum exposure)k)) == 0)
            f->exposure = (enum exposure)k;
    a = json_object_get(o, "locations");
    f->locations = xcalloc(json_array_size(a) + 1, sizeof(*f->locations));
    json_array_foreach(a, i, e) {
        struct location *l = &f->locations[f->n_locations];
        json_t *c = json_object_get(e, "commit");
        const char *part = json_string_value(json_object_get(e, "part"));
        l->path = opt_str(e, "path");
        if (!l->path)
            l->path = xstrdup("?");
        l->line = (uint64_t)json_integer_value(json_object_get(e, "line"));
        l->column = (uint64_t)json_integer_value(json_object_get(e, "column"));
        l->offset = (uint64_t)json_integer_value(json_object_get(e, "offset"));
        if (!part || !cred_kind_parse(part, &l->part))
            l->part = f->kind;
        l->rule_id = opt_str(e, "rule");
        l->encoding = opt_str(e, "encoding");
        l->blob = opt_str(e, "blob");
        l->removed_in = opt_str(e, "removed_in");
        if (json_is_object(c)) {
            l->commit.commit = opt_str(c, "id");
            l->commit.author = opt_str(c, "author");
            l->commit.summary = opt_str(c, "summary");
            l->commit.author_time = iso_time(json_object_get(c, "author_time"));
            l->commit.commit_time = iso_time(json_object_get(c, "commit_time"));
        }
        f->n_locations++;
    }
    return STATUS_OK;
}

enum status findings_load_report(const char *path, struct loaded_report *out)
{
    struct stat st;
    json_error_t err;
    json_t *root, *arr, *o;
    enum status rc = STATUS_OK;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (stat(path, &st) != 0)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    if ((uint64_t)st.st_size > LOAD_MAX_REPORT_BYTES)
        return fail(STATUS_LIMIT, "'%s': larger than %u bytes", path, LOAD_MAX_REPORT_BYTES);
    root = json_load_file(path, 0, &err);
    if (!root)
        return fail(STATUS_CORRUPT, "'%s': line %d: %s", path, err.line, err.text);
    arr = json_object_get(root, "findings");
    if (!json_is_array(arr)) {
        json_decref(root);
        return fail(STATUS_CORRUPT, "'%s': not a sesame JSON report (no \"findings\")", path);
    }
    out->findings = xcalloc(json_array_size(arr) + 1, sizeof(*out->findings));
    out->sorted = xcalloc(json_array_size(arr) + 1, sizeof(*out->sorted));
    json_array_foreach(arr, i, o) {
        rc = one(path, i, o, &out->findings[out->n]);
        out->sorted[out->n] = &out->findings[out->n];
        out->n++;
        if (rc != STATUS_OK)
            break;
    }
    json_decref(root);
    if (rc != STATUS_OK)
        loaded_report_release(out);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void loaded_report_release(struct loaded_report *r)
{
    for (size_t k = 0; k < r->n; k++) {
        struct finding *f = &r->findings[k];
        free(f->access_key_id);
        free(f->key_type);
        free(f->account_id);
        for (size_t i = 0; i < f->n_secrets; i++)
            free(f->secrets[i].value);
        free(f->secrets);
        for (size_t i = 0; i < f->n_session_tokens; i++)
            free(f->session_tokens[i].value);
        free(f->session_tokens);
        for (size_t i = 0; i < f->n_smtp_passwords; i++) {
            free(f->smtp_passwords[i].value);
            free(f->smtp_passwords[i].region);
        }
        free(f->smtp_passwords);
        free_strs(f->regions, f->n_regions);
        free_strs(f->branches, f->n_branches);
        free_strs(f->rule_ids, f->n_rule_ids);
        for (size_t i = 0; i < f->n_locations; i++) {
            struct location *l = &f->locations[i];
            free(l->path);
            free(l->rule_id);
            free(l->encoding);
            free(l->blob);
            free(l->removed_in);
            free(l->commit.commit);
            free(l->commit.author);
            free(l->commit.summary);
        }
        free(f->locations);
        verification_free(f->verification);
    }
    free(r->findings);
    free(r->sorted);
    memset(r, 0, sizeof(*r));
}
