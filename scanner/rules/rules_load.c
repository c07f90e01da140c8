/*
 * rules/rules_load.c - read rule files (JSON, via json/json.h) into a rule set.
 *
 * Validation is strict: unknown fields, wrong types and out-of-range values are errors
 * that name the file and the rule, so a typo in a rule never silently disables it.
 * Patterns are not compiled here (the engine does that, naming the rule on failure).
 */
#include "rules/rule.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "base/limits.h"
#include "json/json.h"
#include "rules/embedded.h"


static void rule_release(struct rule *r)
{
    free(r->id);
    free(r->name);
    free(r->description);
    free(r->pattern);
    free(r->prefilter);
    for (size_t i = 0; i < r->n_examples; i++)
        free(r->examples[i]);
    free(r->examples);
    for (size_t i = 0; i < r->n_negatives; i++)
        free(r->negatives[i]);
    free(r->negatives);
    free(r->source);
    memset(r, 0, sizeof(*r));
}

void ruleset_release(struct ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        rule_release(&rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->n_smtp_regions; i++)
        free(rs->smtp_regions[i]);
    free(rs->smtp_regions);
    memset(rs, 0, sizeof(*rs));
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return &rs->rules[i];
    return NULL;
}

bool ruleset_disable(struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (strcmp(rs->rules[i].id, id) == 0) {
            rule_release(&rs->rules[i]);
            memmove(&rs->rules[i], &rs->rules[i + 1], (rs->n - i - 1) * sizeof(*rs->rules));
            rs->n--;
            return true;
        }
    }
    return false;
}

static bool valid_id(const char *s)
{
    if (!*s || strlen(s) > 128)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
              *s == '-'))
            return false;
    return true;
}

static enum status get_string(const char *name, const char *id, const struct jv *obj,
                              const char *key, bool required, char **out)
{
    const struct jv *v = jv_get(obj, key);
    size_t len = 0;
    const char *s = jv_string(v, &len);

    *out = NULL;
    if (!v) {
        if (required)
            return fail(STATUS_CORRUPT, "'%s': rule '%s': missing \"%s\"", name, id, key);
        return STATUS_OK;
    }
    if (!s || len == 0)
        return fail(STATUS_CORRUPT, "'%s': rule '%s': \"%s\" must be a non-empty string", name,
                    id, key);
    if (strlen(s) != len)
        return fail(STATUS_CORRUPT, "'%s': rule '%s': \"%s\" contains a NUL", name, id, key);
    *out = xstrdup(s);
    return STATUS_OK;
}

static enum status get_strings(const char *name, const char *id, const struct jv *obj,
                               const char *key, char ***out, size_t *n)
{
    const struct jv *v = jv_get(obj, key);

    *out = NULL;
    *n = 0;
    if (!v)
        return STATUS_OK;
    if (!jv_is_array(v))
        return fail(STATUS_CORRUPT, "'%s': rule '%s': \"%s\" must be an array of strings", name,
                    id, key);
    *out = xcalloc(jv_len(v) + 1, sizeof(char *));
    for (size_t i = 0; i < jv_len(v); i++) {
        const char *s = jv_string(jv_at(v, i), NULL);

        if (!s)
            return fail(STATUS_CORRUPT, "'%s': rule '%s': \"%s\"[%zu] must be a string", name,
                        id, key, i);
        (*out)[(*n)++] = xstrdup(s);
    }
    return STATUS_OK;
}

static const char *const rule_keys[] = {
    "id", "name", "description", "kind", "confidence", "pattern", "prefilter", "near",
    "min_entropy", "reject_hex", "examples", "negative_examples", NULL,
};

static const char *const near_keys[] = { "kinds", "bytes", NULL };

static enum status parse_near(const char *name, struct rule *r, const struct jv *near)
{
    const struct jv *kinds, *bytes;
    const char *key;
    int64_t n;

    if (!jv_is_object(near))
        return fail(STATUS_CORRUPT, "'%s': rule '%s': \"near\" must be an object", name, r->id);
    if ((key = jv_unknown_key(near, near_keys)) != NULL)
        return fail(STATUS_CORRUPT, "'%s': rule '%s': unknown field \"near.%s\"", name, r->id,
                    key);
    kinds = jv_get(near, "kinds");
    bytes = jv_get(near, "bytes");
    if (!jv_is_array(kinds) || jv_len(kinds) == 0)
        return fail(STATUS_CORRUPT, "'%s': rule '%s': \"near.kinds\" must be a non-empty array",
                    name, r->id);
    for (size_t i = 0; i < jv_len(kinds); i++) {
        const char *s = jv_string(jv_at(kinds, i), NULL);
        enum cred_kind k;
        if (!s || !cred_kind_parse(s, &k))
            return fail(STATUS_CORRUPT, "'%s': rule '%s': \"near.kinds\"[%zu] is not a kind",
                        name, r->id, i);
        r->near_kinds |= 1u << k;
    }
    n = jv_integer(bytes, 0);
    if (n < 1 || n > LIMIT_NEAR_BYTES)
        return fail(STATUS_CORRUPT, "'%s': rule '%s': \"near.bytes\" must be 1..%u", name,
                    r->id, LIMIT_NEAR_BYTES);
    r->near_bytes = (size_t)n;
    return STATUS_OK;
}

static enum status parse_rule(const char *name, const struct jv *obj, size_t index,
                              struct rule *r)
{
    enum status st;
    const char *key;
    const struct jv *v;
    char *kind = NULL, *conf = NULL;
    char where[32];
    double entropy;

    memset(r, 0, sizeof(*r));
    snprintf(where, sizeof(where), "#%zu", index);
    if (!jv_is_object(obj))
        return fail(STATUS_CORRUPT, "'%s': rule %s: not an object", name, where);
    if ((st = get_string(name, where, obj, "id", true, &r->id)) != STATUS_OK)
        return st;
    if (!valid_id(r->id))
        return fail(STATUS_CORRUPT, "'%s': rule '%s': id must be [a-z0-9._-]{1,128}", name,
                    r->id);
    if ((key = jv_unknown_key(obj, rule_keys)) != NULL)
        return fail(STATUS_CORRUPT, "'%s': rule '%s': unknown field \"%s\"", name, r->id, key);
    if ((st = get_string(name, r->id, obj, "name", true, &r->name)) != STATUS_OK ||
        (st = get_string(name, r->id, obj, "description", false, &r->description)) != STATUS_OK ||
        (st = get_string(name, r->id, obj, "pattern", true, &r->pattern)) != STATUS_OK ||
        (st = get_string(name, r->id, obj, "prefilter", false, &r->prefilter)) != STATUS_OK ||
        (st = get_strings(name, r->id, obj, "examples", &r->examples, &r->n_examples)) !=
            STATUS_OK ||
        (st = get_strings(name, r->id, obj, "negative_examples", &r->negatives,
                          &r->n_negatives)) != STATUS_OK)
        return st;
    if ((st = get_string(name, r->id, obj, "kind", true, &kind)) != STATUS_OK)
        goto out;
    if (!cred_kind_parse(kind, &r->kind)) {
        st = fail(STATUS_CORRUPT, "'%s': rule '%s': unknown kind \"%s\"", name, r->id, kind);
        goto out;
    }
    r->confidence = CONF_MEDIUM;
    if ((st = get_string(name, r->id, obj, "confidence", false, &conf)) != STATUS_OK)
        goto out;
    if (conf && !confidence_parse(conf, &r->confidence)) {
        st = fail(STATUS_CORRUPT, "'%s': rule '%s': confidence must be low, medium or high",
                  name, r->id);
        goto out;
    }
    if ((v = jv_get(obj, "near")) && (st = parse_near(name, r, v)) != STATUS_OK)
        goto out;
    if (r->near_kinds && r->prefilter) {
        st = fail(STATUS_CORRUPT, "'%s': rule '%s': a \"near\" rule takes no \"prefilter\"", name,
                  r->id);
        goto out;
    }
    if ((v = jv_get(obj, "min_entropy"))) {
        if (!jv_number(v, &entropy) || entropy < 0 || entropy > 8) {
            st = fail(STATUS_CORRUPT, "'%s': rule '%s': \"min_entropy\" must be 0..8", name,
                      r->id);
            goto out;
        }
        r->min_entropy = entropy;
    }
    if ((v = jv_get(obj, "reject_hex"))) {
        if (!jv_is_bool(v)) {
            st = fail(STATUS_CORRUPT, "'%s': rule '%s': \"reject_hex\" must be true or false",
                      name, r->id);
            goto out;
        }
        r->reject_hex = jv_is_true(v);
    }
    if (!strstr(r->pattern, "(?<value>") && !strstr(r->pattern, "(?P<value>")) {
        st = fail(STATUS_CORRUPT, "'%s': rule '%s': pattern has no (?<value>...) group", name,
                  r->id);
        goto out;
    }
    r->source = xstrdup(name);
out:
    free(kind);
    free(conf);
    return st;
}

static void ruleset_put(struct ruleset *rs, struct rule *r)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (strcmp(rs->rules[i].id, r->id) == 0) {
            rule_release(&rs->rules[i]);
            rs->rules[i] = *r;
            return;
        }
    }
    XGROW(rs->rules, rs->cap, rs->n + 1);
    rs->rules[rs->n++] = *r;
}

static enum status parse_data(struct ruleset *rs, const char *name, const struct jv *data)
{
    const struct jv *regions = jv_get(data, "ses_smtp_regions");

    if (!jv_is_object(data))
        return fail(STATUS_CORRUPT, "'%s': \"data\" must be an object", name);
    if (!regions)
        return STATUS_OK;
    if (!jv_is_array(regions))
        return fail(STATUS_CORRUPT, "'%s': \"ses_smtp_regions\" must be an array", name);
    for (size_t i = 0; i < rs->n_smtp_regions; i++)
        free(rs->smtp_regions[i]);
    free(rs->smtp_regions);
    rs->smtp_regions = xcalloc(jv_len(regions) + 1, sizeof(char *));
    rs->n_smtp_regions = 0;
    for (size_t i = 0; i < jv_len(regions); i++) {
        const char *s = jv_string(jv_at(regions, i), NULL);
        if (!s || !*s || strlen(s) > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
                                               strlen(s))
            return fail(STATUS_CORRUPT, "'%s': \"ses_smtp_regions\"[%zu] is not a region name",
                        name, i);
        rs->smtp_regions[rs->n_smtp_regions++] = xstrdup(s);
    }
    return STATUS_OK;
}

static const char *const top_keys[] = { "rules", "data", "$comment", NULL };

enum status ruleset_load_text(struct ruleset *rs, const char *name, const char *text, size_t len)
{
    struct jv *root = NULL;
    const struct jv *rules, *data;
    const char *key;
    enum status st;

    if (len > LIMIT_RULES_FILE_BYTES)
        return fail(STATUS_LIMIT, "'%s': rules file exceeds %u bytes", name,
                    LIMIT_RULES_FILE_BYTES);
    if ((st = jv_load(&root, name, text, len, JV_REJECT_DUPLICATES)) != STATUS_OK)
        return st;
    if (!jv_is_object(root)) {
        st = fail(STATUS_CORRUPT, "'%s': top level must be an object", name);
        goto out;
    }
    if ((key = jv_unknown_key(root, top_keys)) != NULL) {
        st = fail(STATUS_CORRUPT, "'%s': unknown top-level field \"%s\"", name, key);
        goto out;
    }
    rules = jv_get(root, "rules");
    data = jv_get(root, "data");
    if (!rules && !data) {
        st = fail(STATUS_CORRUPT, "'%s': neither \"rules\" nor \"data\"", name);
        goto out;
    }
    if (data && (st = parse_data(rs, name, data)) != STATUS_OK)
        goto out;
    if (rules && !jv_is_array(rules)) {
        st = fail(STATUS_CORRUPT, "'%s': \"rules\" must be an array", name);
        goto out;
    }
    for (size_t i = 0; i < jv_len(rules); i++) {
        struct rule r;
        if (rs->n >= LIMIT_RULES) {
            st = fail(STATUS_LIMIT, "'%s': more than %u rules", name, LIMIT_RULES);
            goto out;
        }
        st = parse_rule(name, jv_at(rules, i), i, &r);
        if (st != STATUS_OK) {
            rule_release(&r);
            goto out;
        }
        ruleset_put(rs, &r);
    }
out:
    jv_free(root);
    return st;
}

static enum status load_file(struct ruleset *rs, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat stt;
    struct buf b = BUF_INIT(LIMIT_RULES_FILE_BYTES);
    enum status st;

    if (fd < 0)
        return fail(STATUS_IO, "cannot open rules '%s': %s", path, strerror(errno));
    if (fstat(fd, &stt) == 0 && S_ISDIR(stt.st_mode)) {
        close(fd);
        return fail(STATUS_BUG, "'%s' is a directory", path);
    }
    st = buf_read_fd(&b, fd, 0);
    if (st == STATUS_LIMIT)
        st = fail(STATUS_LIMIT, "'%s': rules file exceeds %u bytes", path,
                  LIMIT_RULES_FILE_BYTES);
    else if (st != STATUS_OK)
        st = fail(STATUS_IO, "cannot read rules '%s': %s", path, strerror(errno));
    else
        st = ruleset_load_text(rs, path, b.data ? b.data : "", b.len);
    close(fd);
    buf_release(&b);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum status load_path(struct ruleset *rs, const char *path)
{
    struct stat stt;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    enum status st = STATUS_OK;

    if (stat(path, &stt) != 0)
        return fail(STATUS_IO, "cannot read rules '%s': %s", path, strerror(errno));
    if (!S_ISDIR(stt.st_mode))
        return load_file(rs, path);
    if (!(d = opendir(path)))
        return fail(STATUS_IO, "cannot read rules '%s': %s", path, strerror(errno));
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0) {
            XGROW(names, cap, n + 1);
            names[n++] = xasprintf("%s/%s", path, de->d_name);
        }
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (st == STATUS_OK)
            st = load_path(rs, names[i]);
        free(names[i]);
    }
    free(names);
    return st;
}

enum status ruleset_load(struct ruleset *rs, bool no_defaults, const char *const *extra,
                         size_t n_extra)
{
    enum status st;

    for (const struct embedded_file *f = embedded_patterns; f->name; f++) {
        struct ruleset tmp = RULESET_INIT;
        char *name = xasprintf("patterns/%s", f->name);
        /* Data files are always loaded; default rules only without no_defaults. */
        st = ruleset_load_text(no_defaults ? &tmp : rs, name, (const char *)f->data, f->len);
        if (no_defaults && st == STATUS_OK && tmp.n_smtp_regions) {
            rs->smtp_regions = tmp.smtp_regions;
            rs->n_smtp_regions = tmp.n_smtp_regions;
            tmp.smtp_regions = NULL;
            tmp.n_smtp_regions = 0;
        }
        ruleset_release(&tmp);
        free(name);
        if (st != STATUS_OK)
            return st;
    }
    for (size_t i = 0; i < n_extra; i++)
        if ((st = load_path(rs, extra[i])) != STATUS_OK)
            return st;
    if (rs->n == 0)
        return fail(STATUS_USAGE, "no rules loaded");
    ruleset_hash(rs);
    return STATUS_OK;
}

static void hash_field(struct crypto_sha256_ctx *ctx, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) : 0xffffffffu;
    crypto_sha256_add(ctx, &len, sizeof(len));
    if (s)
        crypto_sha256_add(ctx, s, strlen(s));
}

void ruleset_hash(struct ruleset *rs)
{
    struct crypto_sha256_ctx *ctx = crypto_sha256_begin();

    for (size_t i = 0; i < rs->n; i++) {
        const struct rule *r = &rs->rules[i];
        unsigned int kind = r->kind, near = r->near_kinds;
        hash_field(ctx, r->id);
        hash_field(ctx, r->pattern);
        hash_field(ctx, r->prefilter);
        crypto_sha256_add(ctx, &kind, sizeof(kind));
        crypto_sha256_add(ctx, &near, sizeof(near));
    }
    crypto_sha256_end(ctx, rs->hash);
}
