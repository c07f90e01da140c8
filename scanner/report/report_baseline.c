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


#include "report/report_json_util.h"

static void put_parts(struct jv *arr, enum cred_kind kind, const char *sha256)
{
    char name[64];
    finding_part_handle(kind, sha256, name, sizeof(name));
    jv_push(arr, jv_str(name));
}

enum status report_baseline_write(FILE *out, const struct finding *const *sorted, size_t n,
                                  const struct report_opts *opts)
{
    struct jv *root = jv_object(), *arr = jv_array();
    enum status st = STATUS_OK;

    (void)opts;
    jv_put(root, "version", jv_int(REPORT_BASELINE_VERSION));
    jv_put(root, "tool", jv_str("sesame"));
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        struct jv *o = jv_object(), *parts = jv_array();
        jv_put(o, "fingerprint", jv_str(f->fingerprint));
        jv_put(o, "kind", jv_str(cred_kind_name(f->kind)));
        jv_put(o, "access_key_id", jv_str(f->access_key_id));
        for (size_t k = 0; k < f->n_secrets; k++)
            put_parts(parts, CRED_SECRET_ACCESS_KEY, f->secrets[k].sha256);
        for (size_t k = 0; k < f->n_session_tokens; k++)
            put_parts(parts, CRED_SESSION_TOKEN, f->session_tokens[k].sha256);
        for (size_t k = 0; k < f->n_smtp_passwords; k++)
            put_parts(parts, CRED_SMTP_PASSWORD, f->smtp_passwords[k].sha256);
        for (size_t k = 0; k < f->n_bedrock_keys; k++)
            put_parts(parts, CRED_BEDROCK_API_KEY, f->bedrock_keys[k].sha256);
        jv_put(o, "parts", parts);
        if (f->n_locations) {
            const struct location *l = &f->locations[0];
            struct jv *loc = jv_object();
            jv_put(loc, "path", report_json_path(l->path, l->shown_tail));
            jv_put(loc, "line", jv_uint(l->line));
            if (l->commit.commit)
                jv_put(loc, "commit", jv_str(l->commit.commit));
            jv_put(o, "first_seen", loc);
        }
        jv_push(arr, o);
    }
    jv_put(root, "findings", arr);
    if (!jv_write(out, root, JV_PRETTY))
        st = fail(STATUS_IO, "cannot write the baseline");
    jv_free(root);
    return st;
}
