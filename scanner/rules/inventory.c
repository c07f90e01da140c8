/*
 * rules/inventory.c - the organisation's key and account inventory (see inventory.h).
 *
 * Untrusted input, bounded: the file by LIMIT_INVENTORY_BYTES, the counts by
 * LIMIT_INVENTORY_KEYS / LIMIT_INVENTORY_ACCOUNTS, every field copied only after it is
 * validated (a key ID is 20 characters [A-Z0-9] with a credential prefix, an account 12
 * digits). A malformed line or document is an error naming the file and line: a key
 * inventory silently half-read would make a leaked key look foreign.
 */
#include "rules/inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "json/json.h"
#include "rules/rule.h"

/* Key IDs per literal rule: a PCRE2 pattern of 500 alternatives stays far below the
 * 64 KiB compiled-pattern size of a default PCRE2 build. */
#define INVENTORY_IDS_PER_RULE 500u

static bool key_id_ok(const char *s, size_t n)
{
    static const char *const prefixes[] = { "AKIA", "ASIA", "ABIA", "ACCA" };
    bool prefix = false;

    if (n != 20)
        return false;
    for (size_t i = 0; i < 4; i++)
        prefix |= memcmp(s, prefixes[i], 4) == 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return prefix;
}

static bool account_ok(const char *s, size_t n)
{
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static char *opt_dup(const char *s, size_t n)
{
    return s && n ? xstrndup(s, n) : NULL;
}

static enum status add_key(struct inventory *inv, const char *name, size_t line, const char *id,
                           size_t n, const char *user, size_t un, const char *status, size_t sn,
                           const char *created, size_t cn)
{
    struct inventory_key *k;

    if (!key_id_ok(id, n))
        return fail(STATUS_CORRUPT, "'%s': line %zu: not an access key ID", name, line);
    if (inv->n_keys >= LIMIT_INVENTORY_KEYS)
        return fail(STATUS_LIMIT, "'%s': more than %u key IDs", name, LIMIT_INVENTORY_KEYS);
    inv->keys = xrealloc(inv->keys, (inv->n_keys + 1) * sizeof(*inv->keys));
    k = &inv->keys[inv->n_keys++];
    memcpy(k->id, id, 20);
    k->id[20] = '\0';
    k->user = opt_dup(user, un);
    k->status = opt_dup(status, sn);
    k->created = opt_dup(created, cn);
    return STATUS_OK;
}

static const char *str_field(const struct jv *o, const char *key, size_t *n)
{
    const char *s = jv_string(jv_get(o, key), n);
    if (!s)
        *n = 0;
    return s;
}

/* One list-access-keys document, or an array of them. */
static enum status json_doc(struct inventory *inv, const char *name, size_t line,
                            const struct jv *doc)
{
    const struct jv *meta;
    enum status st = STATUS_OK;

    if (jv_is_array(doc)) {
        for (size_t i = 0; i < jv_len(doc) && st == STATUS_OK; i++)
            st = json_doc(inv, name, line, jv_at(doc, i));
        return st;
    }
    meta = jv_is_object(doc) ? jv_get(doc, "AccessKeyMetadata") : NULL;
    if (!meta || !jv_is_array(meta))
        return fail(STATUS_CORRUPT, "'%s': line %zu: not the output of aws iam list-access-keys "
                                    "(no \"AccessKeyMetadata\" array)", name, line);
    for (size_t i = 0; i < jv_len(meta) && st == STATUS_OK; i++) {
        const struct jv *e = jv_at(meta, i);
        size_t n, un, sn, cn;
        const char *id = str_field(e, "AccessKeyId", &n);
        const char *user = str_field(e, "UserName", &un);
        const char *status = str_field(e, "Status", &sn);
        const char *created = str_field(e, "CreateDate", &cn);
        if (!id)
            return fail(STATUS_CORRUPT, "'%s': line %zu: AccessKeyMetadata[%zu] has no "
                                        "\"AccessKeyId\"", name, line, i);
        st = add_key(inv, name, line, id, n, user, un, status, sn, created, cn);
    }
    return st;
}

/* The end of the JSON value starting at text[i] ('{' or '['), or 0 if it does not end. */
static size_t value_end(const char *text, size_t len, size_t i)
{
    size_t depth = 0;
    bool in_str = false;

    for (; i < len; i++) {
        char c = text[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

static size_t line_of(const char *text, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

/* Concatenated JSON documents (one per user is what a shell loop over users prints). */
static enum status parse_json(struct inventory *inv, const char *name, const char *text,
                              size_t len)
{
    size_t i = 0;
    enum status st = STATUS_OK;

    while (st == STATUS_OK) {
        size_t end, line;
        struct jv *doc = NULL;
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
            i++;
        if (i == len)
            break;
        line = line_of(text, i);
        if ((text[i] != '{' && text[i] != '[') || !(end = value_end(text, len, i)))
            return fail(STATUS_CORRUPT, "'%s': line %zu: not a JSON object or array", name, line);
        if ((st = jv_load(&doc, name, text + i, end - i, 0)) == STATUS_OK)
            st = json_doc(inv, name, line, doc);
        jv_free(doc);
        i = end;
    }
    return st;
}

/* The fields of one CSV line (no quoting beyond optional double quotes around a field). */
static size_t csv_fields(const char *s, size_t n, const char *f[4], size_t fl[4])
{
    size_t k = 0, start = 0;

    for (size_t i = 0; i <= n && k < 4; i++) {
        if (i == n || s[i] == ',') {
            const char *p = s + start;
            size_t m = i - start;
            while (m && (*p == ' ' || *p == '"'))
                p++, m--;
            while (m && (p[m - 1] == ' ' || p[m - 1] == '"' || p[m - 1] == '\r'))
                m--;
            f[k] = p;
            fl[k++] = m;
            start = i + 1;
        }
    }
    return k;
}

static enum status parse_lines(struct inventory *inv, const char *name, const char *text,
                               size_t len)
{
    size_t line = 0;
    enum status st = STATUS_OK;

    for (size_t i = 0; i < len && st == STATUS_OK;) {
        const char *s = text + i, *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;
        const char *f[4];
        size_t fl[4], nf;

        i += n + 1;
        line++;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        while (n && (*s == ' ' || *s == '\t'))
            s++, n--;
        if (n == 0 || *s == '#')
            continue;
        nf = csv_fields(s, n, f, fl);
        if (nf == 1) {
            st = add_key(inv, name, line, f[0], fl[0], NULL, 0, NULL, 0, NULL, 0);
        } else if (line == 1 && !key_id_ok(f[1], fl[1])) {
            continue; /* a header: user,access_key_id,status */
        } else {
            st = add_key(inv, name, line, f[1], fl[1], f[0], fl[0], nf > 2 ? f[2] : NULL,
                         nf > 2 ? fl[2] : 0, NULL, 0);
        }
    }
    return st;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct inventory_key *)a)->id, ((const struct inventory_key *)b)->id);
}

static void key_release(struct inventory_key *k)
{
    free(k->user);
    free(k->status);
    free(k->created);
}

/* Sort and drop repeated IDs (the first one read stays). */
static void sort_keys(struct inventory *inv)
{
    size_t k = 0;

    if (inv->n_keys < 2)
        return;
    /* stable enough: equal IDs keep the one that sorts first by insertion below */
    for (size_t i = 0; i < inv->n_keys; i++)
        inv->keys[i].id[20] = '\0';
    qsort(inv->keys, inv->n_keys, sizeof(*inv->keys), cmp_key);
    for (size_t i = 0; i < inv->n_keys; i++) {
        if (k > 0 && strcmp(inv->keys[k - 1].id, inv->keys[i].id) == 0) {
            key_release(&inv->keys[i]);
            continue;
        }
        inv->keys[k++] = inv->keys[i];
    }
    inv->n_keys = k;
}

enum status inventory_parse_keys(struct inventory *inv, const char *name, const char *text,
                                 size_t len)
{
    size_t i = 0;
    enum status st;

    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i < len && (text[i] == '{' || text[i] == '['))
        st = parse_json(inv, name, text, len);
    else
        st = parse_lines(inv, name, text, len);
    sort_keys(inv);
    return st;
}

static int cmp_account(const void *a, const void *b)
{
    return memcmp(a, b, 13);
}

static enum status add_account(struct inventory *inv, const char *name, size_t line,
                               const char *s, size_t n)
{
    if (!account_ok(s, n))
        return fail(STATUS_CORRUPT, "'%s': line %zu: not a 12-digit account ID", name, line);
    if (inv->n_accounts >= LIMIT_INVENTORY_ACCOUNTS)
        return fail(STATUS_LIMIT, "'%s': more than %u account IDs", name,
                    LIMIT_INVENTORY_ACCOUNTS);
    inv->accounts = xrealloc(inv->accounts, (inv->n_accounts + 1) * sizeof(*inv->accounts));
    memcpy(inv->accounts[inv->n_accounts], s, 12);
    inv->accounts[inv->n_accounts++][12] = '\0';
    return STATUS_OK;
}

enum status inventory_parse_accounts(struct inventory *inv, const char *name, const char *text,
                                     size_t len)
{
    size_t i = 0, line = 0, k = 0;
    enum status st = STATUS_OK;

    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i < len && text[i] == '[') {
        struct jv *doc = NULL;
        if ((st = jv_load(&doc, name, text, len, 0)) != STATUS_OK)
            return st;
        for (size_t a = 0; a < jv_len(doc) && st == STATUS_OK; a++) {
            size_t n;
            const char *s = jv_string(jv_at(doc, a), &n);
            st = s ? add_account(inv, name, 1, s, n)
                   : fail(STATUS_CORRUPT, "'%s': item %zu is not a string", name, a);
        }
        jv_free(doc);
    } else {
        for (i = 0; i < len && st == STATUS_OK;) {
            const char *s = text + i, *nl = memchr(s, '\n', len - i);
            size_t n = nl ? (size_t)(nl - s) : len - i;
            const char *f[4];
            size_t fl[4];
            i += n + 1;
            line++;
            while (n && (*s == ' ' || *s == '\t'))
                s++, n--;
            if (n == 0 || *s == '#' || *s == '\r')
                continue;
            (void)csv_fields(s, n, f, fl);
            if (line == 1 && !account_ok(f[0], fl[0]) && fl[0] && !(f[0][0] >= '0' && f[0][0] <= '9'))
                continue; /* a header */
            st = add_account(inv, name, line, f[0], fl[0]);
        }
    }
    if (inv->n_accounts > 1) {
        qsort(inv->accounts, inv->n_accounts, sizeof(*inv->accounts), cmp_account);
        for (size_t a = 0; a < inv->n_accounts; a++)
            if (k == 0 || memcmp(inv->accounts[k - 1], inv->accounts[a], 13) != 0)
                memmove(inv->accounts[k++], inv->accounts[a], 13);
        inv->n_accounts = k;
    }
    return st;
}

static enum status read_text(const char *path, struct buf *b)
{
    struct stat st;
    enum status rc;
    int fd;

    if (stat(path, &st) != 0)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    if ((uint64_t)st.st_size > LIMIT_INVENTORY_BYTES)
        return fail(STATUS_LIMIT, "'%s': larger than %u bytes", path, LIMIT_INVENTORY_BYTES);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    rc = buf_read_fd(b, fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0);
    close(fd);
    if (rc == STATUS_LIMIT)
        return fail(STATUS_LIMIT, "'%s': larger than %u bytes", path, LIMIT_INVENTORY_BYTES);
    if (rc != STATUS_OK)
        return fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    return STATUS_OK;
}

typedef enum status parse_fn(struct inventory *inv, const char *name, const char *text,
                             size_t len);

static enum status load(struct inventory *inv, const char *path, parse_fn *parse)
{
    struct buf b = BUF_INIT(LIMIT_INVENTORY_BYTES);
    enum status st = read_text(path, &b);

    if (st == STATUS_OK)
        st = parse(inv, path, b.data ? b.data : "", b.len);
    buf_release(&b);
    return st;
}

enum status inventory_load_keys(struct inventory *inv, const char *path)
{
    return load(inv, path, inventory_parse_keys);
}

enum status inventory_load_accounts(struct inventory *inv, const char *path)
{
    return load(inv, path, inventory_parse_accounts);
}

const struct inventory_key *inventory_key(const struct inventory *inv, const char *id)
{
    struct inventory_key k;

    if (!inv || !inv->n_keys || !id || strlen(id) != 20)
        return NULL;
    memcpy(k.id, id, 21);
    return bsearch(&k, inv->keys, inv->n_keys, sizeof(k), cmp_key);
}

bool inventory_account(const struct inventory *inv, const char *account)
{
    char a[13];

    if (!inv || !inv->n_accounts || !account || strlen(account) != 12)
        return false;
    memcpy(a, account, 13);
    return bsearch(a, inv->accounts, inv->n_accounts, 13, cmp_account) != NULL;
}

enum status inventory_add_rules(const struct inventory *inv, struct ruleset *rs)
{
    for (size_t from = 0, r = 0; inv && from < inv->n_keys; from += INVENTORY_IDS_PER_RULE, r++) {
        size_t to = from + INVENTORY_IDS_PER_RULE < inv->n_keys ? from + INVENTORY_IDS_PER_RULE
                                                                 : inv->n_keys;
        struct buf b = BUF_INIT((size_t)64 << 10);
        struct rule *rule;
        enum status st;

        if (rs->n >= LIMIT_RULES)
            return fail(STATUS_LIMIT, "more than %u rules with the key inventory", LIMIT_RULES);
        st = buf_append(&b, "(?<![A-Za-z0-9])(?<value>", 25);
        for (size_t i = from; i < to && st == STATUS_OK; i++) {
            if (i > from)
                st = buf_appendc(&b, '|');
            if (st == STATUS_OK)
                st = buf_append(&b, inv->keys[i].id, 20);
        }
        if (st == STATUS_OK)
            st = buf_append(&b, ")(?![A-Za-z0-9])", 16);
        if (st != STATUS_OK) {
            buf_release(&b);
            return st; /* 500 IDs always fit in 64 KiB */
        }
        XGROW(rs->rules, rs->cap, rs->n + 1);
        rule = &rs->rules[rs->n++];
        memset(rule, 0, sizeof(*rule));
        rule->id = xasprintf("org.known_key.%zu", r + 1);
        rule->name = xstrdup("access key ID of the organisation (--known-keys)");
        rule->description = xstrdup("A key ID listed in the organisation's key inventory.");
        rule->kind = CRED_ACCESS_KEY_ID;
        rule->confidence = CONF_HIGH;
        rule->pattern = buf_take(&b);
        rule->examples = xcalloc(2, sizeof(char *));
        rule->examples[0] = xasprintf("key %s", inv->keys[from].id);
        rule->n_examples = 1;
        rule->source = xstrdup("--known-keys");
    }
    return STATUS_OK;
}

void inventory_release(struct inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->n_keys; i++)
        key_release(&inv->keys[i]);
    free(inv->keys);
    free(inv->accounts);
    *inv = (struct inventory)INVENTORY_INIT;
}
