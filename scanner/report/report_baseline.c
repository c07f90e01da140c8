/*
 * report/report_baseline.c - `sesame baseline create`: today's findings by fingerprint.
 *
 * A baseline holds no secret values: fingerprint, kind, key ID (an identifier) and the
 * first place each finding was seen, so it can be committed and reviewed.
 */
#include "report/report.h"

#include <jansson.h>

enum status report_baseline_write(FILE *out, const struct finding *const *sorted, size_t n,
                                  const struct report_opts *opts)
{
    json_t *root = json_object(), *arr = json_array();
    enum status st = STATUS_OK;

    (void)opts;
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "tool", json_string("sesame"));
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        json_t *o = json_object();
        json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
        json_object_set_new(o, "kind", json_string(cred_kind_name(f->kind)));
        json_object_set_new(o, "access_key_id",
                            f->access_key_id ? json_string(f->access_key_id) : json_null());
        if (f->n_locations) {
            const struct location *l = &f->locations[0];
            json_t *loc = json_object();
            json_t *p = json_string(l->path);
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
