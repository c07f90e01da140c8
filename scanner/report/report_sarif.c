/*
 * report/report_sarif.c - the "sarif" format: SARIF 2.1.0 for GitHub code scanning.
 *
 * One run, one result per finding, and a rule descriptor for each rule id the findings
 * name. Descriptors are built from the findings alone (a rule's kind is the part its
 * locations matched), so the output never depends on the rules file. Like the JSON
 * reporter it does not sort, filter or verify, and keys come out in a fixed order. The
 * tricky point is the URIs: paths are bytes, so every byte outside RFC 3986's path set is
 * percent-encoded; a hostile or non-UTF-8 name still gives a valid URI that decodes back
 * to the exact path.
 */
#include "report/report.h"
#include "base/limits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_json_util.h"

#include "base/diag.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"

#define REPORT_SARIF_SCHEMA \
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
#define REPORT_SARIF_INFO_URI "https://github.com/sesame-scanner/sesame"
#define REPORT_SARIF_FINGERPRINT_KEY "sesame/v1"

/* The first places of a credential are its "locations"; the rest are "relatedLocations".
 * GitHub rejects a result with more than 1000 locations and shows only 100, so the list
 * stops at 1000 and the result's "places" property gives the full count. */
#define REPORT_SARIF_PRIMARY_LOCATIONS 10
#define REPORT_SARIF_MESSAGE_VALUES 3 /* values of one part named in a result message */

static const struct scan_stats report_sarif_no_stats;
static const struct report_opts report_sarif_no_opts;

/* What a rule descriptor says, by the kind of credential part the rule finds. The rules
 * file is not consulted: these are generic texts, so the output depends only on the
 * findings.
 *
 * security-severity (GitHub: 9.0 and above is "critical", 7.0 to 8.9 "high"): a secret
 * access key, a session token or an SES SMTP password can be used as found, so 9.0; a key
 * ID alone cannot sign a request, but it names the account and its secret is rarely far
 * away, so 7.0. */
#define REPORT_SARIF_HELP_REST_TEXT                                                           \
    " Check AWS CloudTrail for use of the credential since it was committed. Then remove "  \
    "it from the code and from the git history (git filter-repo or BFG Repo-Cleaner), "      \
    "force-push, and have every clone refreshed: deleting it in a new commit leaves it in "  \
    "every earlier one. Keep credentials out of source code: use IAM roles, environment "    \
    "variables or a secrets manager."
#define REPORT_SARIF_HELP_REST_MARKDOWN                                                       \
    "\n\n**Check for use.** Look in AWS CloudTrail for calls made with the credential "      \
    "since it was committed.\n\n**Remove it from history.** Delete it from the code and "    \
    "rewrite the git history (`git filter-repo` or BFG Repo-Cleaner), force-push, and have " \
    "every clone refreshed: deleting it in a new commit leaves it in every earlier one.\n\n" \
    "**Keep it out.** Use IAM roles, environment variables or a secrets manager instead of " \
    "credentials in source code."

#define REPORT_SARIF_ROTATE_ID                                                                \
    "Find the secret access key that belongs to this key ID (it is often in the same file " \
    "or commit) and treat the key as leaked: in IAM, create a new access key, move its "     \
    "users to it, then deactivate and delete this one."
#define REPORT_SARIF_ROTATE_SECRET                                                            \
    "Treat the key as leaked: in IAM, create a new access key for its user, move every "     \
    "user of the old key to the new one, then deactivate and delete the old key."
#define REPORT_SARIF_ROTATE_TOKEN                                                             \
    "Treat the temporary credentials as leaked: revoke the role's active sessions in IAM "   \
    "(this denies every session issued before now) and find out what issued them."
#define REPORT_SARIF_ROTATE_SMTP                                                              \
    "Treat the SMTP credentials as leaked: delete the IAM access key they were derived "     \
    "from and create new SMTP credentials for the mail server."

#define REPORT_SARIF_ROTATE_BEDROCK                                                           \
    "Treat the Bedrock API key as leaked: delete the IAM service-specific credential of a "  \
    "long-term key (aws iam delete-service-specific-credential), or, for a short-term key, "  \
    "deactivate the access key that signed it and revoke its sessions; then review model "   \
    "invocations in CloudTrail for usage you did not make."

struct report_sarif_kind {
    const char *name;        /* reportingDescriptor.name */
    const char *short_desc;
    const char *full_desc;
    const char *help_text;
    const char *help_markdown;
    const char *severity;    /* properties["security-severity"] */
};

static const struct report_sarif_kind report_sarif_kinds[CRED_CONTEXT] = {
    [CRED_ACCESS_KEY_ID] = {
        "AwsAccessKeyId", "AWS access key ID",
        "An AWS access key ID (AKIA long-term, ASIA temporary, ABIA, ACCA). The ID alone "
        "cannot sign a request, but it names the account and the key, and the secret that "
        "goes with it is often close by.",
        REPORT_SARIF_ROTATE_ID REPORT_SARIF_HELP_REST_TEXT,
        "**Rotate the key.** " REPORT_SARIF_ROTATE_ID REPORT_SARIF_HELP_REST_MARKDOWN,
        "7.0",
    },
    [CRED_SECRET_ACCESS_KEY] = {
        "AwsSecretAccessKey", "AWS secret access key",
        "The secret half of an AWS access key. With its key ID it signs API requests with "
        "every permission of the IAM user or role it belongs to.",
        REPORT_SARIF_ROTATE_SECRET REPORT_SARIF_HELP_REST_TEXT,
        "**Rotate the key.** " REPORT_SARIF_ROTATE_SECRET REPORT_SARIF_HELP_REST_MARKDOWN,
        "9.0",
    },
    [CRED_SESSION_TOKEN] = {
        "AwsSessionToken", "AWS session token",
        "An AWS STS session token. With its temporary key ID and secret it grants the "
        "permissions of the role session until it expires.",
        REPORT_SARIF_ROTATE_TOKEN REPORT_SARIF_HELP_REST_TEXT,
        "**Revoke the session.** " REPORT_SARIF_ROTATE_TOKEN REPORT_SARIF_HELP_REST_MARKDOWN,
        "9.0",
    },
    [CRED_SMTP_PASSWORD] = {
        "AwsSesSmtpPassword", "Amazon SES SMTP password",
        "An Amazon SES SMTP password, derived from an AWS secret access key. With the key "
        "ID as user name it sends mail as the account's verified identities.",
        REPORT_SARIF_ROTATE_SMTP REPORT_SARIF_HELP_REST_TEXT,
        "**Rotate the credentials.** " REPORT_SARIF_ROTATE_SMTP REPORT_SARIF_HELP_REST_MARKDOWN,
        "9.0",
    },
    [CRED_BEDROCK_API_KEY] = {
        "AwsBedrockApiKey", "Amazon Bedrock API key",
        "An Amazon Bedrock API key (ABSK... long-term, bedrock-api-key-... short-term). It "
        "calls Bedrock models on the account's bill: stolen keys are sold for LLM usage.",
        REPORT_SARIF_ROTATE_BEDROCK REPORT_SARIF_HELP_REST_TEXT,
        "**Revoke the key.** " REPORT_SARIF_ROTATE_BEDROCK REPORT_SARIF_HELP_REST_MARKDOWN,
        "9.0",
    },
};

/* Rule ids for a finding whose locations name no rule (never seen from findings_build). */
static const char *const report_sarif_fallback_ids[CRED_CONTEXT] = {
    "sesame.access_key_id", "sesame.secret_access_key", "sesame.session_token",
    "sesame.smtp_password", "sesame.bedrock_api_key",
};

/* One rule descriptor: the id is borrowed from the findings. */
struct report_sarif_rule {
    const char *id;
    enum cred_kind kind;        /* the part its first location matched */
    enum confidence precision;  /* highest confidence of the findings that name it */
};

struct report_sarif_rules {
    struct report_sarif_rule *items;
    size_t n, cap;
};

NORETURN static void report_sarif_oom(void)
{
    fputs("sesame: out of memory\n", stderr);
    abort();
}

/* Append printf output to the string *s (NULL or from an earlier call). */
FORMAT(2, 3) static void report_sarif_cat(char **s, const char *fmt, ...)
{
    size_t old = *s == NULL ? 0 : strlen(*s);
    va_list ap, ap2;
    int len;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        report_sarif_oom(); /* only an invalid format or EOVERFLOW: neither is ours */
    *s = xrealloc(*s, st_add(st_add(old, (size_t)len), 1));
    vsnprintf(*s + old, (size_t)len + 1, fmt, ap2);
    va_end(ap2);
}

/*
 * The URI reference for a display path: RFC 3986 unreserved characters, sub-delims, '@'
 * and '/' stay as they are; every other byte (space, '%', '?', '#', ':', controls,
 * non-ASCII and stray bytes) becomes %XX. ':' is encoded so that a first segment cannot
 * read as a scheme. Leading "./" segments go; a path starting with '/' becomes a file:///
 * URI. Caller frees.
 */
char *report_sarif_uri(const char *path, size_t tail)
{
    static const char hex[] = "0123456789ABCDEF";
    static const char keep[] = "-._~$&'()*+,;=@/";
    size_t len = strlen(path), n = 0, head = tail < len ? len - tail : 0;
    char *uri = xmalloc(st_add(st_mult(len, 3), sizeof("file://")));

    if (path[0] == '/') {
        memcpy(uri, "file://", sizeof("file://") - 1);
        n = sizeof("file://") - 1;
    }
    while (strncmp(path, "./", 2) == 0 && path[2] != '\0' && head >= 2) {
        path += 2; /* "./a" is "a" (RFC 3986 5.2.4); GitHub matches repository paths */
        len -= 2;
        head -= 2;
    }
    /* A '!' of a file name is %21; one in the tail (archive members, names escaped
     * already) is the separator. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != '\0' && strchr(keep, c) != NULL) || (c == '!' && i >= head)) {
            uri[n++] = (char)c;
        } else {
            uri[n++] = '%';
            uri[n++] = hex[c >> 4];
            uri[n++] = hex[c & 0xf];
        }
    }
    uri[n] = '\0';
    return uri;
}

/* A finding must be a credential: CRED_CONTEXT only anchors rules and never heads one.
 * Its exposure must be one the format names, and every location must have a path. */
static enum status report_sarif_check(const struct finding *f, size_t i)
{
    if (f == NULL)
        return fail(STATUS_BUG, "report: finding %zu is NULL", i);
    if ((unsigned)f->kind >= CRED_CONTEXT)
        return fail(STATUS_BUG, "report: finding %.16s has kind '%s'", f->fingerprint,
                    cred_kind_name(f->kind));
    if ((unsigned)f->exposure > EXPOSURE_UNREACHABLE)
        return fail(STATUS_BUG, "report: finding %.16s has exposure %u", f->fingerprint,
                    (unsigned)f->exposure);
    for (size_t k = 0; k < f->n_locations; k++) {
        if (f->locations[k].path == NULL)
            return fail(STATUS_BUG, "report: finding %.16s has a location without a path",
                        f->fingerprint);
    }
    return STATUS_OK;
}

/* The kind a location's part gives its rule; the finding's kind for a part that is not a
 * credential (a broken location). */
static enum cred_kind report_sarif_part_kind(const struct finding *f, const struct location *loc)
{
    return (unsigned)loc->part < CRED_CONTEXT ? loc->part : f->kind;
}

/* The rule that found the finding's most sensitive part (a secret, token or SMTP
 * password before a key ID), so GitHub's security-severity reflects what leaked; else
 * the finding's first rule, else a fallback id for its kind. Borrowed. */
static const char *report_sarif_result_rule(const struct finding *f, enum cred_kind *kind)
{
    const struct location *best = NULL;

    for (size_t i = 0; i < f->n_locations; i++) {
        const struct location *l = &f->locations[i];
        if (l->rule_id == NULL)
            continue;
        if (best == NULL || (best->part == CRED_ACCESS_KEY_ID && l->part != CRED_ACCESS_KEY_ID))
            best = l;
    }
    if (best != NULL) {
        *kind = report_sarif_part_kind(f, best);
        return best->rule_id;
    }
    *kind = f->kind;
    if (f->n_rule_ids > 0 && f->rule_ids[0] != NULL)
        return f->rule_ids[0];
    return report_sarif_fallback_ids[f->kind];
}

static void report_sarif_rules_add(struct report_sarif_rules *rules, const char *id,
                                   enum cred_kind kind, enum confidence confidence)
{
    struct report_sarif_rule *r;

    /* A run names a handful of rules: a linear search is the simple choice. */
    for (size_t i = 0; i < rules->n; i++) {
        r = &rules->items[i];
        if (strcmp(r->id, id) == 0) {
            if (confidence > r->precision)
                r->precision = confidence;
            return;
        }
    }
    XGROW(rules->items, rules->cap, st_add(rules->n, 1));
    r = &rules->items[rules->n++];
    r->id = id;
    r->kind = kind;
    r->precision = confidence;
}

static int report_sarif_rule_cmp(const void *a, const void *b)
{
    return strcmp(((const struct report_sarif_rule *)a)->id,
                  ((const struct report_sarif_rule *)b)->id);
}

/* Every rule the findings name, sorted by id. */
static void report_sarif_rules_collect(struct report_sarif_rules *rules,
                                       const struct finding *const *sorted, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        enum cred_kind kind;
        const char *id = report_sarif_result_rule(f, &kind);

        report_sarif_rules_add(rules, id, kind, f->confidence);
        for (size_t k = 0; k < f->n_locations; k++) {
            const struct location *loc = &f->locations[k];

            if (loc->rule_id != NULL)
                report_sarif_rules_add(rules, loc->rule_id, report_sarif_part_kind(f, loc),
                                       f->confidence);
        }
    }
    if (rules->n > 1)
        qsort(rules->items, rules->n, sizeof(*rules->items), report_sarif_rule_cmp);
}

static size_t report_sarif_rule_index(const struct report_sarif_rules *rules, const char *id)
{
    struct report_sarif_rule key = { .id = id };
    const struct report_sarif_rule *r =
        bsearch(&key, rules->items, rules->n, sizeof(*rules->items), report_sarif_rule_cmp);

    return r == NULL ? 0 : (size_t)(r - rules->items); /* always found: collected above */
}

/* {"text": text} */
static struct jv *report_sarif_message(const char *text)
{
    struct jv *msg = jv_object();

    jv_put(msg, "text", jv_str(text));
    return msg;
}

static struct jv *report_sarif_descriptor(const struct report_sarif_rule *rule)
{
    const struct report_sarif_kind *k = &report_sarif_kinds[rule->kind];
    struct jv *obj = jv_object();
    struct jv *help = jv_object();
    struct jv *props = jv_object();
    struct jv *tags = jv_array();

    jv_push(tags, jv_str("security"));
    jv_push(tags, jv_str("secret"));
    jv_push(tags, jv_str("aws"));
    jv_put(help, "text", jv_str(k->help_text));
    jv_put(help, "markdown", jv_str(k->help_markdown));
    jv_put(props, "tags", tags); /* stolen */
    jv_put(props, "security-severity", jv_str(k->severity));
    jv_put(props, "precision", jv_str(confidence_name(rule->precision)));

    jv_put(obj, "id", jv_str(rule->id));
    jv_put(obj, "name", jv_str(k->name));
    jv_put(obj, "shortDescription", report_sarif_message(k->short_desc));
    jv_put(obj, "fullDescription", report_sarif_message(k->full_desc));
    jv_put(obj, "help", help);   /* stolen */
    jv_put(obj, "properties", props); /* stolen */
    return obj;
}

/* "<one> V" or "<n> <many> V1, V2 and V3" (at most REPORT_SARIF_MESSAGE_VALUES named), each
 * value through report_redact(). */
static void report_sarif_values(char **msg, const char *one, const char *many,
                                enum cred_kind kind, const char *const *values, size_t n,
                                bool show)
{
    size_t named = n < REPORT_SARIF_MESSAGE_VALUES ? n : REPORT_SARIF_MESSAGE_VALUES;

    if (n == 1)
        report_sarif_cat(msg, "%s ", one);
    else
        report_sarif_cat(msg, "%zu %s ", n, many);
    for (size_t i = 0; i < named; i++) {
        char *shown = report_redact(kind, values[i], show);

        if (i > 0)
            report_sarif_cat(msg, i + 1 == named && named == n ? " and " : ", ");
        report_sarif_cat(msg, "%s", shown);
        crypto_free_secret(shown);
    }
    if (named < n)
        report_sarif_cat(msg, " and %zu more", n - named);
}

/* The parts of a finding as arrays of borrowed values, in report order. */
struct report_sarif_parts {
    const char **values[3];
    size_t n[3];
};

static void report_sarif_parts_init(struct report_sarif_parts *p, const struct finding *f)
{
    memset(p, 0, sizeof(*p));
    p->n[0] = f->n_secrets;
    p->n[1] = f->n_session_tokens;
    p->n[2] = f->n_smtp_passwords;
    for (size_t g = 0; g < 3; g++)
        p->values[g] = xcalloc(p->n[g] ? p->n[g] : 1, sizeof(char *));
    for (size_t i = 0; i < f->n_secrets; i++)
        p->values[0][i] = f->secrets[i].value;
    for (size_t i = 0; i < f->n_session_tokens; i++)
        p->values[1][i] = f->session_tokens[i].value;
    for (size_t i = 0; i < f->n_smtp_passwords; i++)
        p->values[2][i] = f->smtp_passwords[i].value;
}

static void report_sarif_parts_release(struct report_sarif_parts *p)
{
    for (size_t g = 0; g < 3; g++)
        free(p->values[g]);
}

static const char *report_sarif_exposure(enum exposure e)
{
    static const char *const phrases[] = {
        [EXPOSURE_FILE] = "in files on disk",
        [EXPOSURE_HEAD] = "still at HEAD",
        [EXPOSURE_WORKTREE] = "only in uncommitted changes",
        [EXPOSURE_BRANCH] = "at the tip of a branch other than HEAD",
        [EXPOSURE_HISTORY] = "only in git history",
        [EXPOSURE_UNREACHABLE] = "only in unreachable git objects",
    };

    return phrases[e]; /* checked by report_sarif_check() */
}

/*
 * The result message, naming the credential: "AWS access key ID AKIA… with its secret
 * access key wJal…[sha256:…] and an SES SMTP password BEXa…[sha256:…]. Seen in 3 places
 * (still at HEAD)." Key IDs are shown whole; values go through report_redact(). Caller
 * frees.
 */
static char *report_sarif_text(const struct finding *f, size_t places, bool show)
{
    static const char *const heads[3] = { "AWS secret access key", "AWS session token",
                                          "Amazon SES SMTP password" };
    static const char *const heads_many[3] = { "AWS secret access keys", "AWS session tokens",
                                               "Amazon SES SMTP passwords" };
    static const char *const its[3] = { "its secret access key", "a session token",
                                        "an SES SMTP password" };
    static const char *const a[3] = { "a secret access key", "a session token",
                                      "an SES SMTP password" };
    static const char *const many[3] = { "secret access keys", "session tokens",
                                         "SES SMTP passwords" };
    static const enum cred_kind kinds[3] = { CRED_SECRET_ACCESS_KEY, CRED_SESSION_TOKEN,
                                             CRED_SMTP_PASSWORD };
    struct report_sarif_parts parts;
    char *msg = NULL;
    size_t head = 3, rest = 0, done = 0;

    report_sarif_parts_init(&parts, f);
    if (f->example)
        report_sarif_cat(&msg, "Documentation example: ");
    if (f->access_key_id != NULL) {
        char *id = report_redact(CRED_ACCESS_KEY_ID, f->access_key_id, show);
        bool temporary = f->key_type != NULL && strcmp(f->key_type, "ASIA") == 0;

        report_sarif_cat(&msg, "%s %s", temporary ? "Temporary AWS access key ID"
                                                  : "AWS access key ID", id);
        free(id);
    } else {
        /* No key ID: the part of the finding's kind heads the message. */
        for (size_t g = 0; g < 3; g++) {
            if (kinds[g] == f->kind && parts.n[g] > 0)
                head = g;
        }
        for (size_t g = 0; g < 3 && head == 3; g++) {
            if (parts.n[g] > 0)
                head = g;
        }
        if (head < 3) {
            report_sarif_values(&msg, heads[head], heads_many[head], kinds[head],
                                parts.values[head], parts.n[head], show);
        } else {
            report_sarif_cat(&msg, "%s", report_sarif_kinds[f->kind].short_desc);
        }
    }

    for (size_t g = 0; g < 3; g++)
        rest += g != head && parts.n[g] > 0;
    for (size_t g = 0; g < 3; g++) {
        if (g == head || parts.n[g] == 0)
            continue;
        report_sarif_cat(&msg, done == 0 ? " with " : done + 1 == rest ? " and " : ", ");
        report_sarif_values(&msg, f->access_key_id != NULL ? its[g] : a[g], many[g],
                            kinds[g], parts.values[g], parts.n[g], show);
        done++;
    }
    report_sarif_cat(&msg, ". Seen in %zu place%s (%s).", places, places == 1 ? "" : "s",
                     report_sarif_exposure(f->exposure));
    report_sarif_parts_release(&parts);
    return msg;
}

/* The length of the part seen at `loc` when it is known: a plain-text location (an
 * encoded one spans more bytes in the input) of a part the finding has exactly one value
 * of. 0 if unknown. */
static size_t report_sarif_span(const struct finding *f, const struct location *loc)
{
    if (loc->encoding != NULL)
        return 0;
    switch (loc->part) {
    case CRED_ACCESS_KEY_ID:
        return f->access_key_id != NULL ? strlen(f->access_key_id) : 0;
    case CRED_SECRET_ACCESS_KEY:
        return f->n_secrets == 1 ? strlen(f->secrets[0].value) : 0;
    case CRED_SESSION_TOKEN:
        return f->n_session_tokens == 1 ? strlen(f->session_tokens[0].value) : 0;
    case CRED_SMTP_PASSWORD:
        return f->n_smtp_passwords == 1 ? strlen(f->smtp_passwords[0].value) : 0;
    case CRED_BEDROCK_API_KEY:
        return f->n_bedrock_keys == 1 ? strlen(f->bedrock_keys[0].value) : 0;
    case CRED_CONTEXT:
    case CRED_KIND_COUNT:
        break;
    }
    return 0;
}

/*
 * {"physicalLocation", "message"?, "properties"} for one place. Columns are in UTF-16 code
 * units, as columnKind "utf16CodeUnits" (what GitHub assumes) asks: the scanner records
 * both (a line with non-ASCII text before a key has fewer units than bytes; a credential
 * is ASCII, so its span is the same in both). A location from git history carries its
 * commit in properties and says so in its message.
 */
static struct jv *report_sarif_location(const struct finding *f, const struct location *loc)
{
    struct jv *obj = jv_object();
    struct jv *phys = jv_object();
    struct jv *artifact = jv_object();
    struct jv *props = jv_object();
    char *uri = report_sarif_uri(loc->path, loc->shown_tail);
    size_t span = report_sarif_span(f, loc);
    char when[REPORT_JSON_TIME_SIZE];
    bool dated = loc->commit.commit != NULL && report_json_iso_time(when, loc->commit.author_time);

    jv_put(artifact, "uri", jv_str(uri));
    free(uri);
    jv_put(phys, "artifactLocation", artifact); /* stolen */
    if (loc->line >= 1) {
        struct jv *region = jv_object();

        jv_put(region, "startLine", jv_uint(loc->line));
        uint64_t column = loc->column_utf16 >= 1 ? loc->column_utf16 : loc->column;
        if (column >= 1) {
            jv_put(region, "startColumn", jv_uint(column));
            if (span > 0)
                jv_put(region, "endColumn", jv_uint(column + span));
        }
        jv_put(phys, "region", region); /* stolen */
    }
    jv_put(obj, "physicalLocation", phys); /* stolen */

    if (loc->commit.commit != NULL) {
        char *text = NULL;

        report_sarif_cat(&text, "In commit %s", loc->commit.commit);
        if (loc->commit.author != NULL)
            report_sarif_cat(&text, " by %s", loc->commit.author);
        if (dated)
            report_sarif_cat(&text, " on %.10s", when);
        if (loc->removed_in != NULL)
            report_sarif_cat(&text, "; removed in commit %s", loc->removed_in);
        report_sarif_cat(&text, ".");
        jv_put(obj, "message", report_sarif_message(text));
        free(text);
    } else if (loc->layer_cmd != NULL || loc->removed_in != NULL) {
        /* a container image layer: the command that made it, the layer that removed it */
        char *text = NULL;

        if (loc->layer_cmd != NULL)
            report_sarif_cat(&text, "In the image layer made by: %s", loc->layer_cmd);
        if (loc->removed_in != NULL)
            report_sarif_cat(&text, "%s%s from the image by layer %s", text ? "; " : "",
                             loc->replaced ? "replaced (another file at this path)" : "removed",
                             loc->removed_in);
        report_sarif_cat(&text, ".");
        jv_put(obj, "message", report_sarif_message(text));
        free(text);
        if (loc->layer_cmd != NULL)
            jv_put(props, "layerCommand", jv_str(loc->layer_cmd));
        if (loc->removed_in != NULL)
            jv_put(props, "removedInLayer", jv_str(loc->removed_in));
        if (loc->replaced)
            jv_put(props, "replaced", jv_bool(true));
    }

    jv_put(props, "part", jv_str(cred_kind_name(loc->part)));
    if (loc->value_sha[0]) {
        /* which value of the credential is here; for a verified secret, STS's verdict */
        jv_put(props, "valueSha256", jv_str(loc->value_sha));
        for (size_t i = 0; f->verification && loc->part == CRED_SECRET_ACCESS_KEY &&
                           i < f->n_secrets; i++)
            if (strncmp(f->secrets[i].sha256, loc->value_sha, 16) == 0)
                jv_put(props, "verification", jv_str(verify_status_name(f->secrets[i].status)));
    }
    if (loc->rule_id != NULL)
        jv_put(props, "rule", jv_str(loc->rule_id));
    if (loc->encoding != NULL)
        jv_put(props, "encoding", jv_str(loc->encoding));
    if (loc->commit.commit != NULL) {
        jv_put(props, "commit", jv_str(loc->commit.commit));
        if (loc->commit.author != NULL)
            jv_put(props, "author", jv_str(loc->commit.author));
        if (dated)
            jv_put(props, "authorTime", jv_str(when));
        if (loc->commit.summary != NULL)
            jv_put(props, "summary", jv_str(loc->commit.summary));
    }
    if (loc->blob != NULL)
        jv_put(props, "blob", jv_str(loc->blob));
    if (loc->removed_in != NULL)
        jv_put(props, "removedIn", jv_str(loc->removed_in));
    jv_put(obj, "properties", props); /* stolen */
    return obj;
}

/* Locations are sorted by path, line, column, part (finding.h), so the places of one
 * (path, line) are next to each other: the first one stands for them all. */
static bool report_sarif_same_place(const struct location *a, const struct location *b)
{
    return a->line == b->line && strcmp(a->path, b->path) == 0;
}

static size_t report_sarif_count_places(const struct finding *f)
{
    size_t places = 0;

    for (size_t i = 0; i < f->n_locations; i++)
        places += i == 0 || !report_sarif_same_place(&f->locations[i - 1], &f->locations[i]);
    return places;
}

/* One finding; the caller has checked it with report_sarif_check(). */
static struct jv *report_sarif_result(const struct finding *f,
                                   const struct report_sarif_rules *rules, bool show)
{
    struct jv *obj = jv_object();
    struct jv *locations = jv_array();
    struct jv *related = jv_array();
    struct jv *fingerprints = jv_object();
    struct jv *props = jv_object();
    size_t places = report_sarif_count_places(f), listed = 0;
    enum cred_kind kind;
    const char *rule = report_sarif_result_rule(f, &kind);
    const char *level = f->example ? "note" : f->confidence == CONF_HIGH ? "error" : "warning";
    char *text = report_sarif_text(f, places, show);

    for (size_t i = 0; i < f->n_locations && listed < LIMIT_SARIF_LOCATIONS; i++) {
        if (i > 0 && report_sarif_same_place(&f->locations[i - 1], &f->locations[i]))
            continue;
        jv_push(listed < REPORT_SARIF_PRIMARY_LOCATIONS ? locations : related,
                          report_sarif_location(f, &f->locations[i]));
        listed++;
    }

    jv_put(fingerprints, REPORT_SARIF_FINGERPRINT_KEY,
                     jv_strn(f->fingerprint, strnlen(f->fingerprint, 16)));
    jv_put(props, "kind", jv_str(cred_kind_name(f->kind)));
    jv_put(props, "confidence", jv_str(confidence_name(f->confidence)));
    jv_put(props, "exposure", jv_str(exposure_name(f->exposure)));
    if (f->account_id != NULL)
        jv_put(props, "account_id", jv_str(f->account_id));
    jv_put(props, "example", jv_bool(f->example));
    jv_put(props, "places", jv_uint(places));

    jv_put(obj, "ruleId", jv_str(rule));
    jv_put(obj, "ruleIndex", jv_uint(report_sarif_rule_index(rules, rule)));
    jv_put(obj, "level", jv_str(level));
    jv_put(obj, "message", report_sarif_message(text));
    jv_put(obj, "locations", locations); /* stolen */
    if (jv_len(related) > 0)
        jv_put(obj, "relatedLocations", related); /* stolen */
    else
        jv_free(related);
    jv_put(obj, "partialFingerprints", fingerprints); /* stolen */
    jv_put(obj, "properties", props); /* stolen */
    crypto_free_secret(text); /* it names the values with --show-secrets */
    return obj;
}

static struct jv *report_sarif_notification(const char *level, const char *id, const char *text)
{
    struct jv *n = jv_object();
    struct jv *msg = jv_object();
    struct jv *desc = jv_object();

    jv_put(msg, "text", jv_str(text));
    jv_put(desc, "id", jv_str(id));
    jv_put(n, "level", jv_str(level));
    jv_put(n, "message", msg);
    jv_put(n, "descriptor", desc);
    return n;
}

static struct jv *report_sarif_notifications(const struct scan_stats *st)
{
    struct jv *arr = jv_array();
    const struct diags *d = st->diags;

    if (st->incomplete) {
        char text[256];
        snprintf(text, sizeof(text),
                 "incomplete scan: %" PRIu64 " input(s) could not be read, %" PRIu64
                 " cut short by a limit%s%s",
                 st->errors, st->limits, st->history_cut ? ", git history truncated" : "",
                 st->timed_out ? ", time budget exceeded" : "");
        jv_push(arr, report_sarif_notification("error", "incomplete", text));
    }
    for (size_t i = 0; d != NULL && i < d->n; i++)
        jv_push(arr, report_sarif_notification(
                                  d->v[i].kind == DIAG_NOTE ? "note" : "error",
                                  diag_kind_name(d->v[i].kind), d->v[i].text));
    return arr;
}

/* {"executionSuccessful", "toolExecutionNotifications", "startTimeUtc"?, "properties":
 * {targets and counts}}. A run that could not read everything is not successful. */
static struct jv *report_sarif_invocation(const struct report_opts *opts,
                                       const struct scan_stats *st)
{
    struct jv *inv = jv_object();
    struct jv *props = jv_object();
    struct jv *targets = jv_array();
    char when[REPORT_JSON_TIME_SIZE];

    for (size_t i = 0; opts->targets != NULL && i < opts->n_targets; i++)
        jv_push(targets, report_json_path(opts->targets[i], 0));
    jv_put(props, "targets", targets); /* stolen */
    jv_put(props, "files", jv_uint(st->files));
    jv_put(props, "bytes", jv_uint(st->bytes));
    jv_put(props, "skipped", jv_uint(st->skipped));
    jv_put(props, "excluded", jv_uint(st->excluded));
    jv_put(props, "errors", jv_uint(st->errors));
    jv_put(props, "limits", jv_uint(st->limits));
    jv_put(props, "history_truncated", jv_bool(st->history_cut > 0));
    jv_put(props, "complete", jv_bool(!st->incomplete));
    jv_put(props, "examples_hidden", jv_uint(st->examples_hidden));
    jv_put(props, "suppressed", jv_uint(st->suppressed));
    jv_put(props, "filtered", jv_uint(st->filtered));
    jv_put(props, "allowed_inline", jv_uint(st->n_allowed));

    /* A run that could not read everything did not do its job: false, with one
     * notification per warning (errors for what was not read, notes for the rest). */
    jv_put(inv, "executionSuccessful", jv_bool(!st->incomplete));
    jv_put(inv, "toolExecutionNotifications", report_sarif_notifications(st));
    if (st->started_at > 0 && report_json_iso_time(when, st->started_at))
        jv_put(inv, "startTimeUtc", jv_str(when));
    jv_put(inv, "properties", props); /* stolen */
    return inv;
}

enum status report_sarif_write(FILE *out, const struct finding *const *sorted, size_t n,
                               const struct report_opts *opts)
{
    struct report_sarif_rules rules = { NULL, 0, 0 };
    const struct scan_stats *stats;
    struct jv *doc = NULL, *run, *runs, *tool, *driver, *descriptors, *invocations, *results;
    enum status st = STATUS_OK;

    if (opts == NULL)
        opts = &report_sarif_no_opts;
    stats = opts->stats != NULL ? opts->stats : &report_sarif_no_stats;
    for (size_t i = 0; i < n; i++) {
        if ((st = report_sarif_check(sorted[i], i)) != STATUS_OK)
            goto out;
    }
    report_sarif_rules_collect(&rules, sorted, n);

    /* Everything below is owned by doc once attached; each put steals its value. */
    doc = jv_object();
    runs = jv_array();
    run = jv_object();
    tool = jv_object();
    driver = jv_object();
    descriptors = jv_array();
    invocations = jv_array();
    results = jv_array();

    for (size_t i = 0; i < rules.n; i++)
        jv_push(descriptors, report_sarif_descriptor(&rules.items[i]));
    jv_put(driver, "name", jv_str("sesame"));
    jv_put(driver, "version", jv_str(SESAME_VERSION));
    jv_put(driver, "semanticVersion", jv_str(SESAME_VERSION));
    jv_put(driver, "informationUri", jv_str(REPORT_SARIF_INFO_URI));
    jv_put(driver, "rules", descriptors);
    jv_put(tool, "driver", driver);

    jv_push(invocations, report_sarif_invocation(opts, stats));
    for (size_t i = 0; i < n; i++)
        jv_push(results, report_sarif_result(sorted[i], &rules, opts->show_secrets));

    jv_put(run, "tool", tool);
    jv_put(run, "invocations", invocations);
    jv_put(run, "columnKind", jv_str("utf16CodeUnits"));
    jv_put(run, "results", results);
    jv_push(runs, run);

    jv_put(doc, "$schema", jv_str(REPORT_SARIF_SCHEMA));
    jv_put(doc, "version", jv_str("2.1.0"));
    jv_put(doc, "runs", runs);

    if (!jv_write(out, doc, JV_PRETTY) || fflush(out) != 0 || ferror(out)) {
        st = fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
        goto out;
    }

out:
    jv_free(doc);
    free(rules.items);
    return st;
}
