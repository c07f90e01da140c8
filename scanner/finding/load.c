/*
 * finding/load.c - JSON report -> findings (the inverse of report_json.c).
 *
 * Reads through json/json.h: the file is bounded before it is parsed, and every field is
 * type-checked as it is read. It does not verify anything. The values are secrets: the
 * copies made here are wiped when the report is released (json/ wipes its own).
 */
#include "finding/load.h"
#include "base/limits.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sender.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "finding/findings.h"
#include "json/json.h"

static const char *get_str(const struct jv *o, const char *key)
{
    return jv_string(jv_get(o, key), NULL);
}

static char *opt_str(const struct jv *o, const char *key)
{
    const char *s = get_str(o, key);
    return s ? xstrdup(s) : NULL;
}

int64_t load_iso_time(const struct jv *v)
{
    struct tm tm;
    const char *s = jv_string(v, NULL);
    memset(&tm, 0, sizeof(tm));
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static char **str_array(const struct jv *a, size_t *n)
{
    char **v = xcalloc(jv_len(a) + 1, sizeof(char *));

    *n = 0;
    for (size_t i = 0; i < jv_len(a); i++) {
        const char *s = jv_string(jv_at(a, i), NULL);
        if (s)
            v[(*n)++] = xstrdup(s);
    }
    return v;
}

/* The sender addresses of a report (1.4): only those that look like one, once each, at
 * most LIMIT_SENDERS (a report is input: it may have been edited). */
static char **senders(const struct jv *a, size_t *n)
{
    char **v = xcalloc(LIMIT_SENDERS + 1, sizeof(char *));

    *n = 0;
    for (size_t i = 0; i < jv_len(a) && *n < LIMIT_SENDERS; i++) {
        size_t len;
        const char *s = jv_string(jv_at(a, i), &len);
        bool dup = false;
        if (!s || strlen(s) != len || !aws_sender_ok(s, len))
            continue;
        for (size_t k = 0; k < *n; k++)
            dup |= strcmp(v[k], s) == 0;
        if (!dup)
            v[(*n)++] = xstrdup(s);
    }
    return v;
}

static enum status values(const char *path, size_t fi, const struct jv *a, const char *what,
                          struct secret_value **out, size_t *n, unsigned flags)
{
    *n = 0;
    *out = xcalloc(jv_len(a) + 1, sizeof(**out));
    for (size_t i = 0; i < jv_len(a); i++) {
        const char *v = get_str(jv_at(a, i), "value");
        if (!v && (flags & LOAD_REDACTED_OK))
            continue;
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

static enum status one(const char *path, size_t fi, const struct jv *o, struct finding *f,
                       unsigned flags)
{
    enum status st;
    const struct jv *a;
    const char *s;

    if (!jv_is_object(o))
        return fail(STATUS_CORRUPT, "'%s': findings[%zu] is not an object", path, fi);
    s = get_str(o, "fingerprint");
    if (!s || strlen(s) != 16)
        return fail(STATUS_CORRUPT, "'%s': findings[%zu]: bad fingerprint", path, fi);
    memcpy(f->fingerprint, s, 17);
    s = get_str(o, "kind");
    if (!s || !cred_kind_parse(s, &f->kind))
        return fail(STATUS_CORRUPT, "'%s': findings[%zu]: bad kind", path, fi);
    s = get_str(o, "confidence");
    if (s)
        (void)confidence_parse(s, &f->confidence);
    f->example = jv_is_true(jv_get(o, "example"));
    f->access_key_id = opt_str(o, "access_key_id");
    f->key_type = opt_str(o, "key_type");
    f->account_id = opt_str(o, "account_id");
    if (f->access_key_id && (strlen(f->access_key_id) > 128))
        return fail(STATUS_CORRUPT, "'%s': findings[%zu]: bad access_key_id", path, fi);
    if ((st = values(path, fi, jv_get(o, "secrets"), "secrets", &f->secrets,
                     &f->n_secrets, flags)) != STATUS_OK ||
        (st = values(path, fi, jv_get(o, "session_tokens"), "session_tokens",
                     &f->session_tokens, &f->n_session_tokens, flags)) != STATUS_OK)
        return st;
    if (flags & LOAD_VERIFICATION)
        f->verification = load_verification(jv_get(o, "verification"));
    a = jv_get(o, "smtp_passwords");
    f->smtp_passwords = xcalloc(jv_len(a) + 1, sizeof(*f->smtp_passwords));
    for (size_t i = 0; i < jv_len(a); i++) {
        const struct jv *e = jv_at(a, i);
        struct smtp_password *sp = &f->smtp_passwords[f->n_smtp_passwords];
        const char *v = get_str(e, "value");
        if (!v && (flags & LOAD_REDACTED_OK)) {
            /* Redacted: the password is not needed, its region is. */
            sp->region = opt_str(e, "region");
            sp->from_secret = -1;
            f->n_smtp_passwords++;
            continue;
        }
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
    a = jv_get(o, "bedrock_api_keys");
    for (size_t i = 0; i < jv_len(a); i++) {
        const char *v = get_str(jv_at(a, i), "value");
        if (!v)
            return fail(STATUS_USAGE, "'%s': findings[%zu].bedrock_api_keys[%zu] has no value: "
                                      "the report was redacted; scan again with --show-secrets",
                        path, fi, i);
        finding_add_bedrock(f, v);
    }
    f->regions = str_array(jv_get(o, "regions"), &f->n_regions);
    f->senders = senders(jv_get(o, "sender_addresses"), &f->n_senders);
    f->branches = str_array(jv_get(o, "branches"), &f->n_branches);
    f->rule_ids = str_array(jv_get(o, "rules"), &f->n_rule_ids);
    s = get_str(o, "exposure");
    f->exposure = EXPOSURE_FILE;
    for (unsigned k = 0; s && k <= EXPOSURE_UNREACHABLE; k++)
        if (strcmp(s, exposure_name((enum exposure)k)) == 0)
            f->exposure = (enum exposure)k;
    a = jv_get(o, "locations");
    f->locations = xcalloc(jv_len(a) + 1, sizeof(*f->locations));
    for (size_t i = 0; i < jv_len(a); i++) {
        const struct jv *e = jv_at(a, i);
        struct location *l = &f->locations[f->n_locations];
        const struct jv *c = jv_get(e, "commit");
        const char *part = get_str(e, "part");
        l->path = opt_str(e, "path");
        if (!l->path)
            l->path = xstrdup("?");
        l->shown_tail = strlen(l->path); /* a report's paths are shown forms already */
        l->line = (uint64_t)jv_integer(jv_get(e, "line"), 0);
        l->column = (uint64_t)jv_integer(jv_get(e, "column"), 0);
        l->offset = (uint64_t)jv_integer(jv_get(e, "offset"), 0);
        if (!part || !cred_kind_parse(part, &l->part))
            l->part = f->kind;
        l->rule_id = opt_str(e, "rule");
        l->encoding = opt_str(e, "encoding");
        l->blob = opt_str(e, "blob");
        l->removed_in = opt_str(e, "removed_in");
        l->layer_cmd = opt_str(e, "layer_command");
        l->replaced = jv_is_true(jv_get(e, "replaced"));
        {
            const char *h = get_str(e, "value_sha256");
            if (h && strlen(h) == FINDING_PART_HEX && strspn(h, "0123456789abcdef") == FINDING_PART_HEX)
                memcpy(l->value_sha, h, FINDING_PART_HEX + 1);
        }
        if (jv_is_object(c)) {
            l->commit.commit = opt_str(c, "id");
            l->commit.author = opt_str(c, "author");
            l->commit.summary = opt_str(c, "summary");
            l->commit.author_time = load_iso_time(jv_get(c, "author_time"));
            l->commit.commit_time = load_iso_time(jv_get(c, "commit_time"));
        }
        f->n_locations++;
    }
    return STATUS_OK;
}

enum status findings_load_report(const char *path, struct loaded_report *out)
{
    return findings_load_report_flags(path, 0, out);
}

enum status findings_load_report_flags(const char *path, unsigned flags,
                                       struct loaded_report *out)
{
    struct jv *root;
    const struct jv *arr;
    enum status rc;

    memset(out, 0, sizeof(*out));
    if ((rc = jv_load_file(&root, path, LIMIT_REPORT_FILE_BYTES, 0)) != STATUS_OK)
        return rc;
    arr = jv_get(root, "findings");
    if (!jv_is_array(arr)) {
        jv_free(root);
        return fail(STATUS_CORRUPT, "'%s': not a sesame JSON report (no \"findings\")", path);
    }
    out->findings = xcalloc(jv_len(arr) + 1, sizeof(*out->findings));
    out->sorted = xcalloc(jv_len(arr) + 1, sizeof(*out->sorted));
    for (size_t i = 0; i < jv_len(arr); i++) {
        rc = one(path, i, jv_at(arr, i), &out->findings[out->n], flags);
        out->sorted[out->n] = &out->findings[out->n];
        out->n++;
        if (rc != STATUS_OK)
            break;
    }
    jv_free(root);
    if (rc != STATUS_OK)
        loaded_report_release(out);
    return rc;
}

void loaded_report_release(struct loaded_report *r)
{
    for (size_t k = 0; k < r->n; k++) {
        finding_release(&r->findings[k]);
        verification_free(r->findings[k].verification);
    }
    free(r->findings);
    free(r->sorted);
    memset(r, 0, sizeof(*r));
}
