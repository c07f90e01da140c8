/*
 * report/report_text.c - the human format: one block per credential, then a summary line.
 *
 * Each block heads with the key ID (or, for a lone value, its redacted form), lists the
 * other parts redacted and where they were seen, and ends with a blank line. It does not
 * sort, filter or decide about colour (the caller does). The tricky point is that paths,
 * authors and commit summaries come from the input: they are printed escaped, so a file
 * name cannot move the cursor, recolour the terminal or reverse the text around it.
 */
#include "report/report.h"
#include "report/report_json_util.h"

#include "base/diag.h"
#include "base/escape.h"
#include "crypto/crypto.h"
#include "rank/risk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT_TEXT_MAX_LOCATIONS 20 /* a longer list is for --format json */
#define REPORT_TEXT_DOT " \xc2\xb7 " /* " · " (U+00B7), between facts on one line */
#define REPORT_TEXT_ELLIPSIS "\xe2\x80\xa6"

#define REPORT_TEXT_BOLD "\033[1m"
#define REPORT_TEXT_RED "\033[31m"
#define REPORT_TEXT_YELLOW "\033[33m"
#define REPORT_TEXT_DIM "\033[2m"
#define REPORT_TEXT_RESET "\033[0m"

/* Labels of the detail lines, padded to one column. */
#define REPORT_TEXT_SECRET  "  secret      "
#define REPORT_TEXT_TOKEN   "  token       "
#define REPORT_TEXT_SMTP    "  smtp        "
#define REPORT_TEXT_BEDROCK "  bedrock     "
#define REPORT_TEXT_REGIONS "  regions     "
#define REPORT_TEXT_SENDERS "  senders     "
#define REPORT_TEXT_SEEN    "  seen at     "
#define REPORT_TEXT_INDENT  "              "
#define REPORT_TEXT_RISK    "  risk        "
#define REPORT_TEXT_VERIFY  "  verified    "
#define REPORT_TEXT_USED    "  last used   "
#define REPORT_TEXT_SES     "  ses         "
#define REPORT_TEXT_FIX     "  next steps  "

struct report_text {
    FILE *out;
    bool color;
    bool show;
    bool explain;
};

/* The value a block heads with when the finding has no key ID. */
struct report_text_head {
    enum cred_kind kind;
    size_t index; /* into the array of that kind */
};

static const struct scan_stats report_text_no_stats;
static const struct report_opts report_text_no_opts;

static void report_text_puts(struct report_text *t, const char *s)
{
    fputs(s, t->out);
}

/* Start an ANSI style (one or more codes) when colour is on. */
static void report_text_style(struct report_text *t, const char *codes)
{
    if (t->color)
        fputs(codes, t->out);
}

static void report_text_reset(struct report_text *t)
{
    if (t->color)
        fputs(REPORT_TEXT_RESET, t->out);
}

/* Print s[0, n) from the input, escaped without loss (base/escape.h): bytes that are not
 * well-formed UTF-8 as \xNN, code points a terminal would act on or that reorder the line
 * as \xNN or \uNNNN, and a backslash as \\ so that each printed form has one source. */
static void report_text_safen(struct report_text *t, const char *s, size_t n)
{
    char *e;

    if (escape_is_clean(s, n, ESC_BACKSLASH)) {
        fwrite(s, 1, n, t->out);
        return;
    }
    e = escape_dup(s, n, ESC_BACKSLASH);
    fputs(e, t->out);
    free(e);
}

/* A location's path: a '!' of a name as "\!", archive members escaped already. */
static void report_text_path(struct report_text *t, const struct location *loc)
{
    char *e = escape_path(loc->path, loc->shown_tail);
    fputs(e, t->out);
    free(e);
}

static void report_text_safe(struct report_text *t, const char *s)
{
    if (s == NULL)
        s = "?";
    report_text_safen(t, s, strlen(s));
}

/* A value of part `kind`, through redact_value(). */
static void report_text_value(struct report_text *t, enum cred_kind kind, const char *value)
{
    char *shown = report_redact(kind, value, t->show);

    report_text_safe(t, shown);
    crypto_free_secret(shown);
}

/* "1 file", "2 files". */
static void report_text_count(struct report_text *t, uint64_t n, const char *one,
                              const char *many)
{
    fprintf(t->out, "%" PRIu64 " %s", n, n == 1 ? one : many);
}

static const char *report_text_id_label(const char *key_type)
{
    static const struct {
        const char *prefix;
        const char *label;
    } labels[] = {
        { "AKIA", "access key ID" },
        { "ASIA", "temporary access key ID" },
        { "ABIA", "STS bearer token key ID" },
        { "ACCA", "context-specific key ID" },
    };

    for (size_t i = 0; key_type != NULL && i < ARRAY_SIZE(labels); i++) {
        if (strcmp(key_type, labels[i].prefix) == 0)
            return labels[i].label;
    }
    return "access key ID";
}

static const char *report_text_kind_label(enum cred_kind kind)
{
    switch (kind) {
    case CRED_ACCESS_KEY_ID: return "access key ID";
    case CRED_SECRET_ACCESS_KEY: return "secret access key";
    case CRED_SESSION_TOKEN: return "session token";
    case CRED_SMTP_PASSWORD: return "SES SMTP password";
    case CRED_BEDROCK_API_KEY: return "Bedrock API key";
    case CRED_CONTEXT:
    case CRED_KIND_COUNT:
        break;
    }
    return "credential";
}

/* Which value heads a finding without a key ID: the first of its kind, else the first
 * value it has. false if it has none. */
static bool report_text_pick_head(const struct finding *f, struct report_text_head *head)
{
    head->index = 0;
    if (f->kind == CRED_SECRET_ACCESS_KEY && f->n_secrets > 0)
        head->kind = CRED_SECRET_ACCESS_KEY;
    else if (f->kind == CRED_SESSION_TOKEN && f->n_session_tokens > 0)
        head->kind = CRED_SESSION_TOKEN;
    else if (f->kind == CRED_SMTP_PASSWORD && f->n_smtp_passwords > 0)
        head->kind = CRED_SMTP_PASSWORD;
    else if (f->kind == CRED_BEDROCK_API_KEY && f->n_bedrock_keys > 0)
        head->kind = CRED_BEDROCK_API_KEY;
    else if (f->n_secrets > 0)
        head->kind = CRED_SECRET_ACCESS_KEY;
    else if (f->n_session_tokens > 0)
        head->kind = CRED_SESSION_TOKEN;
    else if (f->n_smtp_passwords > 0)
        head->kind = CRED_SMTP_PASSWORD;
    else if (f->n_bedrock_keys > 0)
        head->kind = CRED_BEDROCK_API_KEY;
    else
        return false;
    return true;
}

static bool report_text_is_head(const struct report_text_head *head, enum cred_kind kind,
                                size_t index)
{
    return head != NULL && head->kind == kind && head->index == index;
}

static void report_text_confidence(struct report_text *t, enum confidence c)
{
    report_text_style(t, c == CONF_HIGH     ? REPORT_TEXT_BOLD REPORT_TEXT_RED
                         : c == CONF_MEDIUM ? REPORT_TEXT_YELLOW
                                            : REPORT_TEXT_DIM);
    fprintf(t->out, "%s confidence", confidence_name(c));
    report_text_reset(t);
}

/* How far the credential has spread, in words; nothing for a plain file on disk (the usual
 * case without git) or a value this version does not know. */
static void report_text_exposure(struct report_text *t, const struct finding *f)
{
    switch (f->exposure) {
    case EXPOSURE_HEAD:
        report_text_puts(t, REPORT_TEXT_DOT "still at HEAD");
        break;
    case EXPOSURE_WORKTREE:
        report_text_puts(t, REPORT_TEXT_DOT "uncommitted (staged or working tree)");
        break;
    case EXPOSURE_BRANCH:
        if (f->n_branches == 0) {
            report_text_puts(t, REPORT_TEXT_DOT "at a branch tip");
            break;
        }
        report_text_puts(t, f->n_branches == 1 ? REPORT_TEXT_DOT "at branch tip: "
                                               : REPORT_TEXT_DOT "at branch tips: ");
        for (size_t i = 0; i < f->n_branches; i++) {
            if (i > 0)
                report_text_puts(t, ", ");
            report_text_safe(t, f->branches[i]);
        }
        break;
    case EXPOSURE_HISTORY:
        report_text_puts(t, REPORT_TEXT_DOT "only in history");
        break;
    case EXPOSURE_UNREACHABLE:
        report_text_puts(t, REPORT_TEXT_DOT "only in unreachable objects");
        break;
    case EXPOSURE_FILE:
        break;
    }
}

/* "<ID or value>  <what> · account N · high confidence[ · exposure] · fingerprint F
 * [example]" */
static void report_text_head_line(struct report_text *t, const struct finding *f,
                                  const struct report_text_head *head)
{
    const char *label;

    report_text_style(t, REPORT_TEXT_BOLD);
    if (f->access_key_id != NULL) {
        report_text_safe(t, f->access_key_id);
        label = report_text_id_label(f->key_type);
    } else if (head != NULL) {
        const char *value = head->kind == CRED_SECRET_ACCESS_KEY ? f->secrets[head->index].value
                            : head->kind == CRED_SESSION_TOKEN
                                ? f->session_tokens[head->index].value
                            : head->kind == CRED_BEDROCK_API_KEY
                                ? f->bedrock_keys[head->index].value
                                : f->smtp_passwords[head->index].value;

        report_text_value(t, head->kind, value);
        label = report_text_kind_label(head->kind);
    } else {
        report_text_puts(t, "(no value)");
        label = report_text_kind_label(f->kind);
    }
    report_text_reset(t);

    fprintf(t->out, "  %s", label);
    if (f->account_id != NULL) {
        report_text_puts(t, REPORT_TEXT_DOT "account ");
        report_text_safe(t, f->account_id);
    }
    if (f->known_key) {
        report_text_style(t, REPORT_TEXT_BOLD);
        report_text_puts(t, REPORT_TEXT_DOT "yours");
        report_text_reset(t);
        if (f->owner_user) {
            report_text_puts(t, ": user ");
            report_text_safe(t, f->owner_user);
        }
        if (f->owner_status) {
            report_text_puts(t, f->owner_user ? ", " : ": ");
            report_text_safe(t, f->owner_status);
        }
    } else if (f->account_owner != NULL) {
        report_text_puts(t, strcmp(f->account_owner, "own") == 0 ? REPORT_TEXT_DOT "own account"
                                                                 : REPORT_TEXT_DOT "foreign account");
    }
    report_text_puts(t, REPORT_TEXT_DOT);
    report_text_confidence(t, f->confidence);
    report_text_exposure(t, f);
    report_text_puts(t, REPORT_TEXT_DOT);
    report_text_style(t, REPORT_TEXT_DIM);
    report_text_puts(t, "fingerprint ");
    report_text_safen(t, f->fingerprint, strnlen(f->fingerprint, 16));
    report_text_reset(t);
    if (f->example || f->example_like || f->canary) {
        report_text_style(t, REPORT_TEXT_YELLOW);
        report_text_puts(t, f->example ? " [example]" : f->canary ? " [canary token]"
                                                                : " [example-like]");
        report_text_reset(t);
    }
    report_text_puts(t, "\n");
}

static void report_text_label(struct report_text *t, const char *label)
{
    report_text_style(t, REPORT_TEXT_DIM);
    report_text_puts(t, label);
    report_text_reset(t);
}

/* "  label       a, b, c" (items escaped), or nothing when there are none. */
static void report_text_list(struct report_text *t, const char *label, char *const *items,
                             size_t n)
{
    if (n == 0)
        return;
    report_text_label(t, label);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            report_text_puts(t, ", ");
        report_text_safe(t, items[i]);
    }
    report_text_puts(t, "\n");
}

static void report_text_smtp_line(struct report_text *t, const struct finding *f, size_t i)
{
    const struct smtp_password *p = &f->smtp_passwords[i];
    bool derived = p->from_secret >= 0 && (size_t)p->from_secret < f->n_secrets;
    const char *region = p->region;

    report_text_label(t, REPORT_TEXT_SMTP);
    report_text_value(t, CRED_SMTP_PASSWORD, p->value);
    if (derived || region != NULL) {
        report_text_puts(t, " (");
        if (derived && f->n_secrets == 1)
            report_text_puts(t, "derived from the secret above");
        else if (derived)
            fprintf(t->out, "derived from secret %d above", p->from_secret + 1);
        if (derived && region != NULL)
            report_text_puts(t, ", ");
        if (region != NULL && strcmp(region, "v2") == 0)
            report_text_puts(t, "legacy v2");
        else if (region != NULL)
            report_text_safe(t, region);
        report_text_puts(t, ")");
    }
    report_text_puts(t, "\n");
}

/* "2024-05-01" for a commit time; "?" if it cannot be converted. */
static void report_text_date(struct report_text *t, int64_t when)
{
    time_t tt = (time_t)when;
    struct tm tm;

    if ((int64_t)tt != when || gmtime_r(&tt, &tm) == NULL)
        report_text_puts(t, "?");
    else
        fprintf(t->out, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* "path:line:col (part, rule R, encoding) in commit 1a2b3c4 (2024-05-01, Name)
 * · removed in 5d6e7f8" */
static void report_text_location(struct report_text *t, const struct location *loc,
                                 const struct finding *f)
{
    const struct commit_info *c = &loc->commit;
    size_t same_kind = !f                                    ? 0
                       : loc->part == CRED_SECRET_ACCESS_KEY ? f->n_secrets
                       : loc->part == CRED_SESSION_TOKEN     ? f->n_session_tokens
                       : loc->part == CRED_SMTP_PASSWORD     ? f->n_smtp_passwords
                                                             : 0;

    report_text_path(t, loc);
    fprintf(t->out, ":%" PRIu64 ":%" PRIu64 " (%s", loc->line, loc->column,
            cred_kind_name(loc->part));
    /* several values of this kind: which one is here, as its line above shows it */
    if (same_kind > 1 && loc->value_sha[0])
        fprintf(t->out, " [sha256:%.12s]", loc->value_sha);
    report_text_puts(t, ", rule ");
    report_text_safe(t, loc->rule_id);
    if (loc->encoding != NULL) {
        report_text_puts(t, ", ");
        report_text_safe(t, loc->encoding);
    }
    report_text_puts(t, ")");
    if (c->commit != NULL) {
        report_text_puts(t, " in commit ");
        report_text_safen(t, c->commit, strnlen(c->commit, 7));
        report_text_puts(t, " (");
        report_text_date(t, c->author_time);
        if (c->author != NULL) {
            /* "Name <email>": the name is enough here; JSON has the rest. */
            const char *mail = strstr(c->author, " <");

            report_text_puts(t, ", ");
            report_text_safen(t, c->author, mail ? (size_t)(mail - c->author)
                                                 : strlen(c->author));
        }
        report_text_puts(t, ")");
    }
    if (loc->removed_in != NULL && strncmp(loc->removed_in, "sha256:", 7) == 0) {
        /* a container image layer's whiteout removed the file, or the layer wrote
         * another file at its path */
        report_text_puts(t, loc->replaced ? REPORT_TEXT_DOT "replaced in layer "
                                          : REPORT_TEXT_DOT "removed in layer ");
        report_text_safen(t, loc->removed_in, strnlen(loc->removed_in, 19));
    } else if (loc->removed_in != NULL) {
        report_text_puts(t, REPORT_TEXT_DOT "removed in ");
        report_text_safen(t, loc->removed_in, strnlen(loc->removed_in, 7));
    }
    if (loc->layer_cmd != NULL) {
        report_text_puts(t, REPORT_TEXT_DOT "layer: ");
        report_text_safen(t, loc->layer_cmd, strnlen(loc->layer_cmd, 120));
    }
    report_text_puts(t, "\n");
}

/* "critical 92" in red/yellow by tier, then the strongest factors (all with --explain). */
static void report_text_risk(struct report_text *t, const struct finding *f, bool explain)
{
    const struct risk *r = f->risk;

    if (r == NULL)
        return;
    report_text_label(t, REPORT_TEXT_RISK);
    report_text_style(t, r->tier >= TIER_HIGH ? REPORT_TEXT_RED
                         : r->tier == TIER_MEDIUM ? REPORT_TEXT_YELLOW
                                                  : REPORT_TEXT_DIM);
    fprintf(t->out, "%s %d/100", risk_tier_name(r->tier), r->score);
    report_text_reset(t);
    report_text_puts(t, "\n");
    if (explain) {
        for (size_t i = 0; i < r->n_factors; i++) {
            report_text_puts(t, REPORT_TEXT_INDENT);
            fprintf(t->out, "%+4d %s: ", r->factors[i].points, r->factors[i].name);
            report_text_safe(t, r->factors[i].detail);
            report_text_puts(t, "\n");
        }
    }
}

/* One line of SES evidence about a region, labelled with it. */
static void report_text_ses_line(struct report_text *t, const struct ses_state *s,
                                 const char *what)
{
    report_text_label(t, REPORT_TEXT_INDENT);
    report_text_puts(t, "  ");
    report_text_safe(t, s->region);
    report_text_puts(t, what);
}

/* A line about an identity: its name, then `what`. */
static void report_text_identity_line(struct report_text *t, const struct ses_identity *id,
                                      const char *what)
{
    report_text_label(t, REPORT_TEXT_INDENT);
    report_text_puts(t, "    ");
    report_text_safe(t, id->name);
    report_text_puts(t, what);
}

/* Sending statistics, review, identities and their policies (issue 18). */
static void report_text_ses_evidence(struct report_text *t, const struct ses_state *s)
{
    const struct ses_stats *st = &s->stats;
    char when[REPORT_JSON_TIME_SIZE];

    report_text_ses_line(t, s, " sent: ");
    if (st->known) {
        bool spam = st->bounce_level >= SES_LEVEL_REVIEW ||
                    st->complaint_level >= SES_LEVEL_REVIEW || st->spike_at;
        fprintf(t->out, "%llu in 24 h, %llu in 14 days; bounces %.2f%% (%s), complaints "
                        "%.3f%% (%s)",
                (unsigned long long)st->sent_24h, (unsigned long long)st->sent_14d,
                st->bounce_rate * 100, ses_level_name(st->bounce_level),
                st->complaint_rate * 100, ses_level_name(st->complaint_level));
        if (st->spike_at && report_json_iso_time(when, st->spike_at))
            fprintf(t->out, "; unusual volume from %s (%llu in 15 min, usually %.0f)", when,
                    (unsigned long long)st->spike_attempts, st->spike_baseline);
        if (spam) {
            report_text_puts(t, " ");
            report_text_style(t, REPORT_TEXT_RED);
            report_text_puts(t, "SENDING SPAM NOW");
            report_text_reset(t);
        }
    } else {
        report_text_puts(t, "unknown (");
        report_text_safe(t, s->stats_error ? s->stats_error : "not asked");
        report_text_puts(t, ")");
    }
    report_text_puts(t, "\n");
    if (s->review_status || s->suppressed_reasons) {
        report_text_ses_line(t, s, " review: ");
        report_text_safe(t, s->review_status ? s->review_status : "none");
        if (s->review_case_id) {
            report_text_puts(t, ", case ");
            report_text_safe(t, s->review_case_id);
        }
        report_text_puts(t, "; suppression list: ");
        report_text_safe(t, s->suppressed_reasons ? s->suppressed_reasons : "off");
        report_text_puts(t, "\n");
    }
    report_text_ses_line(t, s, " who may send: ");
    if (!s->identities_listed) {
        report_text_puts(t, "unknown (");
        report_text_safe(t, s->identities_error ? s->identities_error : "not asked");
        report_text_puts(t, ")\n");
        return;
    }
    fprintf(t->out, "%zu verified identit%s%s\n", s->n_identities,
            s->n_identities == 1 ? "y" : "ies",
            s->identities_truncated ? " (more not looked at)" : "");
    for (size_t i = 0; i < s->n_identities; i++) {
        const struct ses_identity *id = &s->identities[i];
        for (size_t k = 0; k < id->n_policies; k++) {
            const struct ses_policy *p = &id->policies[k];
            report_text_identity_line(t, id, " policy ");
            report_text_safe(t, p->name);
            report_text_puts(t, ": ");
            if (p->open == 1) {
                report_text_style(t, REPORT_TEXT_RED);
                report_text_puts(t, "OPEN");
                report_text_reset(t);
                report_text_puts(t, " to ");
                report_text_safe(t, p->principals ? p->principals : "?");
                report_text_puts(t, ": ");
            }
            report_text_safe(t, p->why ? p->why : "");
            report_text_puts(t, "\n");
        }
        if (id->policies_error) {
            report_text_identity_line(t, id, " policies: ");
            report_text_safe(t, id->policies_error);
            report_text_puts(t, "\n");
        }
    }
}

static void report_text_verification(struct report_text *t, const struct finding *f)
{
    const struct verification *v = f->verification;

    if (v == NULL)
        return;
    report_text_label(t, REPORT_TEXT_VERIFY);
    report_text_style(t, v->status == VERIFY_LIVE ? REPORT_TEXT_RED : REPORT_TEXT_DIM);
    report_text_puts(t, verify_status_name(v->status));
    report_text_reset(t);
    if (v->arn != NULL) {
        report_text_puts(t, " as ");
        report_text_safe(t, v->arn);
    }
    if (v->reason != NULL && v->status != VERIFY_LIVE) {
        report_text_puts(t, " (");
        report_text_safe(t, v->reason);
        report_text_puts(t, ")");
    }
    report_text_puts(t, "\n");
    if (v->last_used_known || v->last_used_error != NULL) {
        report_text_label(t, REPORT_TEXT_USED);
        if (v->last_used_known && v->last_used > 0) {
            report_text_date(t, v->last_used);
            report_text_puts(t, " via ");
            report_text_safe(t, v->last_used_service ? v->last_used_service : "?");
            report_text_puts(t, " in ");
            report_text_safe(t, v->last_used_region ? v->last_used_region : "?");
        } else if (v->last_used_known) {
            report_text_puts(t, "never");
        } else {
            report_text_puts(t, "unknown (");
            report_text_safe(t, v->last_used_error);
            report_text_puts(t, ")");
        }
        report_text_puts(t, "\n");
    }
    for (size_t i = 0; i < v->n_ses; i++) {
        const struct ses_state *s = &v->ses[i];
        report_text_label(t, i == 0 ? REPORT_TEXT_SES : REPORT_TEXT_INDENT);
        report_text_safe(t, s->region);
        report_text_puts(t, ": ");
        if (s->error != NULL && !s->have_quota && s->sandbox < 0) {
            report_text_puts(t, "unknown (");
            report_text_safe(t, s->error);
            report_text_puts(t, ")\n");
            continue;
        }
        report_text_puts(t, s->sandbox == 1 ? "sandbox" : s->sandbox == 0 ? "production" : "?");
        if (s->sending_enabled >= 0)
            report_text_puts(t, s->sending_enabled ? ", sending enabled" : ", sending PAUSED");
        if (s->enforcement != NULL) {
            report_text_puts(t, ", ");
            report_text_safe(t, s->enforcement);
        }
        if (s->have_quota)
            fprintf(t->out, ", %.0f sent in 24 h (quota %.0f, %.0f/s)", s->sent_24h, s->max_24h,
                    s->max_rate);
        report_text_puts(t, "\n");
        report_text_ses_evidence(t, s);
    }
    for (size_t i = 0; i < v->n_smtp; i++) {
        report_text_label(t, REPORT_TEXT_SMTP);
        fprintf(t->out, "SMTP AUTH %s", verify_status_name(v->smtp[i].status));
        if (v->smtp[i].region != NULL) {
            report_text_puts(t, " in ");
            report_text_safe(t, v->smtp[i].region);
        }
        report_text_puts(t, "\n");
    }
}

static void report_text_remediation(struct report_text *t, const struct finding *f)
{
    if (f->risk == NULL)
        return;
    for (size_t i = 0; i < f->risk->n_remediation; i++) {
        report_text_label(t, i == 0 ? REPORT_TEXT_FIX : REPORT_TEXT_INDENT);
        fprintf(t->out, "%zu. ", i + 1);
        report_text_safe(t, f->risk->remediation[i]);
        report_text_puts(t, "\n");
    }
}

/* "  bedrock     ABSK…[sha256:…] (long-term · user BedrockAPIKey-x · account N)", the
 * head key's facts on a line of their own. */
static void report_text_bedrock_line(struct report_text *t, const struct finding *f, size_t i,
                                     bool head)
{
    const struct bedrock_key *k = &f->bedrock_keys[i];
    char when[REPORT_JSON_TIME_SIZE];

    report_text_label(t, REPORT_TEXT_BEDROCK);
    if (head)
        report_text_puts(t, "this key");
    else
        report_text_value(t, CRED_BEDROCK_API_KEY, k->value);
    report_text_puts(t, " (");
    report_text_safe(t, k->type);
    if (k->service_user) {
        report_text_puts(t, REPORT_TEXT_DOT "user ");
        report_text_safe(t, k->service_user);
    }
    if (k->account_id) {
        report_text_puts(t, REPORT_TEXT_DOT "account ");
        report_text_safe(t, k->account_id);
    }
    if (k->key_id) {
        report_text_puts(t, REPORT_TEXT_DOT "signed by ");
        report_text_safe(t, k->key_id);
        if (k->has_token)
            report_text_puts(t, " with a session token");
    }
    if (k->region) {
        report_text_puts(t, REPORT_TEXT_DOT);
        report_text_safe(t, k->region);
    }
    if (k->expires && report_json_iso_time(when, k->expires)) {
        report_text_puts(t, REPORT_TEXT_DOT "expires ");
        report_text_safe(t, when);
    }
    report_text_puts(t, ")\n");
}

static void report_text_finding(struct report_text *t, const struct finding *f)
{
    struct report_text_head head_value;
    const struct report_text_head *head = NULL;
    size_t shown;

    if (f->access_key_id == NULL && report_text_pick_head(f, &head_value))
        head = &head_value;
    report_text_head_line(t, f, head);

    for (size_t i = 0; i < f->n_secrets; i++) {
        if (report_text_is_head(head, CRED_SECRET_ACCESS_KEY, i))
            continue;
        report_text_label(t, REPORT_TEXT_SECRET);
        report_text_value(t, CRED_SECRET_ACCESS_KEY, f->secrets[i].value);
        if (f->verification && f->n_secrets > 1) /* which secret STS took */
            fprintf(t->out, " (%s)", verify_status_name(f->secrets[i].status));
        report_text_puts(t, "\n");
    }
    for (size_t i = 0; i < f->n_session_tokens; i++) {
        if (report_text_is_head(head, CRED_SESSION_TOKEN, i))
            continue;
        report_text_label(t, REPORT_TEXT_TOKEN);
        report_text_value(t, CRED_SESSION_TOKEN, f->session_tokens[i].value);
        report_text_puts(t, "\n");
    }
    for (size_t i = 0; i < f->n_smtp_passwords; i++) {
        if (!report_text_is_head(head, CRED_SMTP_PASSWORD, i))
            report_text_smtp_line(t, f, i);
    }
    for (size_t i = 0; i < f->n_bedrock_keys; i++)
        report_text_bedrock_line(t, f, i, report_text_is_head(head, CRED_BEDROCK_API_KEY, i));
    report_text_verification(t, f);
    report_text_list(t, REPORT_TEXT_REGIONS, f->regions, f->n_regions);
    /* the sender addresses named next to it (remediate's policy) */
    report_text_list(t, REPORT_TEXT_SENDERS, f->senders, f->n_senders);

    shown = f->n_locations < REPORT_TEXT_MAX_LOCATIONS ? f->n_locations
                                                       : REPORT_TEXT_MAX_LOCATIONS;
    for (size_t i = 0; i < shown; i++) {
        report_text_label(t, i == 0 ? REPORT_TEXT_SEEN : REPORT_TEXT_INDENT);
        report_text_location(t, &f->locations[i], f);
    }
    if (shown < f->n_locations) {
        report_text_puts(t, REPORT_TEXT_INDENT);
        report_text_style(t, REPORT_TEXT_DIM);
        fprintf(t->out, REPORT_TEXT_ELLIPSIS "and %zu more (--format json lists them all)",
                f->n_locations - shown);
        report_text_reset(t);
        report_text_puts(t, "\n");
    }
    report_text_risk(t, f, t->explain);
    if (f->risk != NULL && (t->explain || f->risk->tier >= TIER_MEDIUM))
        report_text_remediation(t, f);
    report_text_puts(t, "\n");
}

/* Occurrences allowed by `sesame:allow`: listed, so that an allow is never silent. */
static void report_text_allowed(struct report_text *t, const struct scan_stats *st)
{
    size_t shown = st->n_allowed < REPORT_TEXT_MAX_LOCATIONS ? st->n_allowed
                                                             : REPORT_TEXT_MAX_LOCATIONS;

    if (st->n_allowed == 0)
        return;
    report_text_style(t, REPORT_TEXT_BOLD);
    fprintf(t->out, "allowed by sesame:allow (%zu, policy: %s)\n", st->n_allowed,
            st->inline_allow ? st->inline_allow : "all");
    report_text_reset(t);
    for (size_t i = 0; i < shown; i++) {
        report_text_puts(t, "  ");
        report_text_location(t, st->allowed[i], NULL);
    }
    if (shown < st->n_allowed)
        fprintf(t->out, "  " REPORT_TEXT_ELLIPSIS "and %zu more (--format json lists them all)\n",
                st->n_allowed - shown);
    report_text_puts(t, "\n");
}

/* "incomplete: ..." with what was not read and how to accept it. */
static void report_text_incomplete(struct report_text *t, const struct scan_stats *st)
{
    report_text_style(t, REPORT_TEXT_YELLOW);
    report_text_puts(t, "incomplete:");
    report_text_reset(t);
    report_text_puts(t, " not everything was read, so a credential may be missing "
                        "(the warnings above name each input)\n");
    if (st->errors > 0)
        fprintf(t->out, "  %" PRIu64 " input%s could not be read: fix access or the input, or "
                        "--exclude it\n", st->errors, st->errors == 1 ? "" : "s");
    if (st->limits > 0)
        fprintf(t->out, "  %" PRIu64 " input%s cut short by a limit: raise the limit the "
                        "warning names (e.g. --max-archive-bytes) or --exclude the path\n",
                st->limits, st->limits == 1 ? " was" : "s were");
    if (st->history_cut > 0)
        report_text_puts(t, "  git history truncated (shallow clone): fetch it whole "
                            "(git fetch --unshallow) or accept it with --allow-shallow\n");
    if (st->timed_out)
        report_text_puts(t, "  the time budget ran out before every input was read\n");
}

/* "2 findings (2 access keys, 3 secrets) in 12 files, 1.5 MB in 0.25 s (6.0 MB/s) · ..." */
static void report_text_summary(struct report_text *t, const struct finding *const *sorted,
                                size_t n, const struct scan_stats *st)
{
    uint64_t ids = 0, secrets = 0, tokens = 0, smtp = 0, bedrock = 0, examples = 0;
    double mb = (double)st->bytes / 1e6;
    double seconds = st->seconds > 0.0 ? st->seconds : 0.0;
    const char *sep = " (";

    for (size_t i = 0; i < n; i++) {
        ids += sorted[i]->access_key_id != NULL;
        secrets += sorted[i]->n_secrets;
        tokens += sorted[i]->n_session_tokens;
        smtp += sorted[i]->n_smtp_passwords;
        bedrock += sorted[i]->n_bedrock_keys;
        examples += sorted[i]->example;
    }

    report_text_style(t, REPORT_TEXT_BOLD);
    if (n == 0) {
        report_text_puts(t, "no credentials found");
        report_text_reset(t);
    } else {
        report_text_count(t, n, "finding", "findings");
        report_text_reset(t);
        if (ids > 0) {
            report_text_puts(t, sep);
            report_text_count(t, ids, "access key", "access keys");
            sep = ", ";
        }
        if (secrets > 0) {
            report_text_puts(t, sep);
            report_text_count(t, secrets, "secret", "secrets");
            sep = ", ";
        }
        if (tokens > 0) {
            report_text_puts(t, sep);
            report_text_count(t, tokens, "session token", "session tokens");
            sep = ", ";
        }
        if (smtp > 0) {
            report_text_puts(t, sep);
            report_text_count(t, smtp, "SMTP password", "SMTP passwords");
            sep = ", ";
        }
        if (bedrock > 0) {
            report_text_puts(t, sep);
            report_text_count(t, bedrock, "Bedrock API key", "Bedrock API keys");
            sep = ", ";
        }
        if (sep[0] == ',')
            report_text_puts(t, ")");
    }

    report_text_puts(t, " in ");
    if (st->blobs > 0 && st->blobs == st->files) {
        report_text_count(t, st->blobs, "git blob", "git blobs");
    } else if (st->blobs > 0 && st->blobs < st->files) {
        /* git blobs are no files (issue 17): "in 2 files and 40 git blobs" */
        report_text_count(t, st->files - st->blobs, "file", "files");
        report_text_puts(t, " and ");
        report_text_count(t, st->blobs, "git blob", "git blobs");
    } else {
        report_text_count(t, st->files, "file", "files");
    }
    fprintf(t->out, ", %.1f MB in %.2f s (%.1f MB/s)", mb, seconds,
            seconds > 0.0 ? mb / seconds : 0.0);
    if (examples > 0) {
        report_text_puts(t, REPORT_TEXT_DOT);
        report_text_count(t, examples, "example included", "examples included");
    }
    if (st->errors > 0) {
        report_text_puts(t, REPORT_TEXT_DOT);
        report_text_style(t, REPORT_TEXT_YELLOW);
        fprintf(t->out, "%" PRIu64 " unreadable", st->errors);
        report_text_reset(t);
    }
    if (st->limits > 0) {
        report_text_puts(t, REPORT_TEXT_DOT);
        report_text_style(t, REPORT_TEXT_YELLOW);
        fprintf(t->out, "%" PRIu64 " cut short by a limit", st->limits);
        report_text_reset(t);
    }
    if (st->history_cut > 0) {
        report_text_puts(t, REPORT_TEXT_DOT);
        report_text_style(t, REPORT_TEXT_YELLOW);
        report_text_puts(t, "history truncated");
        report_text_reset(t);
    }
    if (st->skipped > 0)
        fprintf(t->out, REPORT_TEXT_DOT "%" PRIu64 " skipped", st->skipped);
    if (st->excluded > 0)
        fprintf(t->out, REPORT_TEXT_DOT "%" PRIu64 " excluded", st->excluded);
    if (st->suppressed > 0)
        fprintf(t->out, REPORT_TEXT_DOT "%" PRIu64 " suppressed", st->suppressed);
    if (st->filtered > 0)
        fprintf(t->out, REPORT_TEXT_DOT "%" PRIu64 " not shown (--results, --min-risk)",
                st->filtered);
    if (st->examples_hidden > 0) {
        report_text_puts(t, REPORT_TEXT_DOT);
        report_text_count(t, st->examples_hidden, "example hidden", "examples hidden");
        report_text_puts(t, " (--include-examples)");
    }
    report_text_puts(t, "\n");
    if (st->incomplete)
        report_text_incomplete(t, st);
}

/* In a locale that is not UTF-8 (LC_ALL=C), the two non-ASCII characters the text
 * report uses become ASCII: " · " -> " - ", "…" -> "...". Other bytes pass as they are
 * (input-derived text is escaped already). */
static void report_text_ascii(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && (unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] == 0xb7) {
            fputc('-', out);
            i++;
        } else if (i + 2 < n && (unsigned char)s[i] == 0xe2 &&
                   (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xa6) {
            fputs("...", out);
            i += 2;
        } else {
            fputc(s[i], out);
        }
    }
}

/* The whole report, or (summary_only) its closing summary line and incomplete
 * paragraph; through a memory stream when it has to be made ASCII. */
static enum status report_text_emit(FILE *out, const struct finding *const *sorted, size_t n,
                                    const struct report_opts *opts, bool summary_only)
{
    struct report_text t;
    char *mem = NULL;
    size_t mem_len = 0;
    FILE *ms = NULL;

    if (opts == NULL)
        opts = &report_text_no_opts;
    for (size_t i = 0; i < n; i++) {
        if (sorted[i] == NULL)
            return fail(STATUS_BUG, "report: finding %zu is NULL", i);
    }
    if (opts->ascii && (ms = open_memstream(&mem, &mem_len)) == NULL)
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    t.out = ms ? ms : out;
    t.explain = opts->explain;
    t.color = opts->color;
    t.show = opts->show_secrets;

    for (size_t i = 0; !summary_only && i < n; i++)
        report_text_finding(&t, sorted[i]);
    if (opts->stats != NULL && !summary_only)
        report_text_allowed(&t, opts->stats);
    report_text_summary(&t, sorted, n, opts->stats != NULL ? opts->stats : &report_text_no_stats);
    if (ms) {
        fclose(ms);
        report_text_ascii(out, mem, mem_len);
        crypto_wipe(mem, mem_len); /* may hold values under --show-secrets */
        free(mem);
    }

    if (fflush(out) != 0 || ferror(out))
        return fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
    return STATUS_OK;
}

enum status report_text_write(FILE *out, const struct finding *const *sorted, size_t n,
                              const struct report_opts *opts)
{
    return report_text_emit(out, sorted, n, opts, false);
}

enum status report_summary_write(FILE *out, const struct finding *const *sorted, size_t n,
                                 const struct report_opts *opts)
{
    return report_text_emit(out, sorted, n, opts, true);
}
