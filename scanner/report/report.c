/*
 * report/report.c - the table of output formats, and two helpers the writers share.
 *
 * Adding a format is one row here and one writer; nothing else knows the list. The
 * writers never format a secret themselves: report_redact() is their only path to
 * redact_value(), so every value they print has been through it.
 */
#include "report/report.h"

#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "finding/redact.h"

struct report_format {
    const char *name;
    report_fn *write;
};

/* Keep report_formats_list in the same order. */
static const struct report_format report_table[] = {
    { "text", report_text_write },
    { "json", report_json_write },
    { "jsonl", report_jsonl_write },
    { "sarif", report_sarif_write },
    { "gitlab", report_gitlab_write },
    { "hook", report_hook_write },
    { "baseline", report_baseline_write },
};

static const char report_formats_list[] = "text, json, jsonl, sarif, gitlab";

/* Longest redacted form: prefix, ellipsis, "[sha256:" + 12 hex + "]", with room to spare. */
#define REPORT_REDACTED_MAX 64

report_fn *report_lookup(const char *format)
{
    if (format == NULL)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(report_table); i++) {
        if (strcmp(format, report_table[i].name) == 0)
            return report_table[i].write;
    }
    return NULL;
}

const char *report_formats(void)
{
    return report_formats_list;
}

const char *report_format_for_path(const char *path)
{
    static const struct {
        const char *suffix;
        const char *format;
    } by_suffix[] = {
        { "gl-secret-detection-report.json", "gitlab" }, /* GitLab's artifact name */
        { ".sarif.json", "sarif" }, { ".sarif", "sarif" }, { ".jsonl", "jsonl" },
        { ".ndjson", "jsonl" },     { ".json", "json" },   { ".txt", "text" },
    };
    size_t n = path ? strlen(path) : 0;

    for (size_t i = 0; i < ARRAY_SIZE(by_suffix); i++) {
        size_t k = strlen(by_suffix[i].suffix);
        if (n >= k && strcasecmp(path + n - k, by_suffix[i].suffix) == 0)
            return by_suffix[i].format;
    }
    return NULL;
}

char *report_redact(enum cred_kind kind, const char *value, bool show)
{
    size_t size = REPORT_REDACTED_MAX;
    char *out;

    if (value != NULL && (show || kind == CRED_ACCESS_KEY_ID))
        size = st_add(strlen(value), 1); /* shown whole: room for all of it */
    out = xmalloc(size);
    redact_value(out, size, kind, value, show);
    return out;
}

