/*
 * report/report_baseline.c - `sesame baseline create`: today's findings by fingerprint.
 *
 * A baseline holds no secret values: fingerprint, kind, key ID (an identifier), the
 * parts the credential had (kind + the first 16 hex digits of each value's SHA-256, as
 * reports show a prefix of it too), and the first place each finding was seen, so it can
 * be committed and reviewed. A later scan suppresses a finding only if it has no part the
 * baseline did not record (config.c, baseline_covers).
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/escape.h"

static void put_parts(json_t *arr, enum cred_kind kind, const char *sha256)
{
    char name[64];
    finding_part_handle(kind, sha256, name, sizeof(name));
    json_array_append_new(arr, json_string(name));
}

enum status report_baseline_write(FILE *out, const struct finding *const *sorted, size_t n,
                                  const struct report_opts *opts)
{
    json_t *root = json_object(), *arr = json_array();
    enum status st = STATUS_OK;

    (void)opts;
    json_object_set_new(root, "version", json_integer(REPORT_BASELINE_VERSION));
    json_object_set_new(root, "tool", json_string("sesame"));
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        json_t *o = json_object(), *parts = json_array();
        json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
        json_object_set_new(o, "kind", json_string(cred_kind_name(f->kind)));
        json_object_set_new(o, "access_key_id",
                            f->access_key_id ? json_string(f->access_key_id) : json_null());
        for (size_t k = 0; k < f->n_secrets; k++)
            put_parts(parts, CRED_SECRET_ACCESS_KEY, f->secrets[k].sha256);
        for (size_t k = 0; k < f->n_session_tokens; k++)
            put_parts(parts, CRED_SESSION_TOKEN, f->session_tokens[k].sha256);
        for (size_t k = 0; k < f->n_smtp_passwords; k++)
            put_parts(parts, CRED_SMTP_PASSWORD, f->smtp_passwords[k].sha256);
        json_object_set_new(o, "parts", parts);
        if (f->n_locations) {
            const struct location *l = &f->locations[0];
            json_t *loc = json_object();
            char *esc = escape_dup(l->path, strlen(l->path), ESC_BACKSLASH);
            json_t *p = json_string(esc);
            free(esc);
            json_object_set_new(loc, "path", p ? p : json_string("(not UTF-8)"));
            json_object_set_new(loc, "line", json_integer((json_int_t)l->line));
            if (l->commit.commit)
                json_object_set_new(loc, "commit", json_string(l->commit.commit));
            json_object_set_new(o, "first_seen", loc);
        }
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "findings", arr);
    if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF)
        st = fail(STATUS_IO, "cannot write the baseline");
    json_decref(root);
    return st;
}
