/*
 * report/report_hook.c - what a developer sees when a hook rejects a push or commit.
 *
 * For each credential: the commit, path and line of every place it was introduced,
 * the redacted value, then what to do: take it out of history, rotate the key. Values
 * go through report_redact() like every other reporter; input strings (paths, commit
 * summaries) are printed with control characters replaced, since this text ends up in
 * someone's terminal via `git push`.
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/escape.h"
#include "crypto/crypto.h"

static void put_safe(FILE *out, const char *s)
{
    char *e;
    if (!s)
        return;
    e = escape_dup(s, strlen(s), ESC_BACKSLASH);
    fputs(e, out);
    free(e);
}

/* A location's path: a '!' of a name as "\!", archive members escaped already. */
static void put_path(FILE *out, const struct location *l)
{
    char *e = escape_path(l->path, l->shown_tail);
    fputs(e, out);
    free(e);
}

static void put_value(FILE *out, const char *label, enum cred_kind kind, const char *value,
                      bool show)
{
    char *r = report_redact(kind, value, show);
    fprintf(out, "    %-14s %s\n", label, r);
    crypto_free_secret(r);
}

static void put_date(FILE *out, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];

    if (gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d", &tm))
        fputs(buf, out);
}

/* "path:line (part, rule R) in commit 1a2b3c4d5e6f" */
static void put_location(FILE *out, const struct location *l)
{
    put_path(out, l);
    fprintf(out, ":%llu (%s, rule ", (unsigned long long)l->line, cred_kind_name(l->part));
    put_safe(out, l->rule_id);
    fputc(')', out);
    if (l->commit.commit)
        fprintf(out, " in commit %.12s", l->commit.commit);
}

/* Every occurrence a `sesame:allow` comment let through, so that none is silent. */
static void put_allowed(FILE *out, const struct scan_stats *st)
{
    if (st == NULL || st->n_allowed == 0)
        return;
    fprintf(out, "\nsesame: %zu occurrence%s allowed by sesame:allow (policy: %s):\n",
            st->n_allowed, st->n_allowed == 1 ? "" : "s",
            st->inline_allow ? st->inline_allow : "all");
    for (size_t i = 0; i < st->n_allowed; i++) {
        fputs("    allowed        ", out);
        put_location(out, st->allowed[i]);
        fputc('\n', out);
    }
}

/* "  N. " and a step of the advice (numbered in order: which steps apply varies). */
static void put_step(FILE *out, int *step, const char *text)
{
    fprintf(out, "  %d. %s", ++*step, text);
}

/* How to get past this hook, only where that works: a client hook can be skipped
 * (--no-verify; the server may still refuse); a server hook only when it honours
 * `git push -o sesame.skip=REASON` (--allow-bypass), never with --no-verify. */
static void put_bypass(FILE *out, const struct report_opts *opts)
{
    const char *hook = opts->hook_name ? opts->hook_name : "";

    if (strcmp(hook, "pre-commit") == 0)
        fputs("\nTo commit anyway (a server-side hook may still reject the push): "
              "git commit --no-verify\n", out);
    else if (strcmp(hook, "pre-push") == 0)
        fputs("\nTo push anyway (a server-side hook may still reject it): "
              "git push --no-verify\n", out);
    else if (strcmp(hook, "pre-receive") == 0 && opts->hook_bypass)
        fputs("\nThis server allows an audited bypass: "
              "git push -o sesame.skip=\"REASON\" (the reason and your name are logged)\n",
              out);
}

enum status report_hook_write(FILE *out, const struct finding *const *sorted, size_t n,
                              const struct report_opts *opts)
{
    bool any_commit = false, any_pushed = false, any_message = false, any_tag = false;
    int step = 0;
    const char *policy = opts->stats && opts->stats->inline_allow ? opts->stats->inline_allow
                                                                  : "all";

    put_allowed(out, opts->stats);
    if (n == 0)
        return ferror(out) ? fail(STATUS_IO, "cannot write the hook message") : STATUS_OK;
    fprintf(out, "\nsesame: %zu AWS credential%s found in what you are pushing or committing\n",
            n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = sorted[i];
        fprintf(out, "\n  %zu. ", i + 1);
        if (f->access_key_id) {
            fputs(f->access_key_id, out);
            fprintf(out, " (%s key%s%s)", f->key_type && strcmp(f->key_type, "ASIA") == 0
                                              ? "temporary access" : "access",
                    f->account_id ? ", account " : "", f->account_id ? f->account_id : "");
        } else {
            fprintf(out, "%s", cred_kind_name(f->kind));
        }
        fputc('\n', out);
        for (size_t k = 0; k < f->n_secrets; k++)
            put_value(out, "secret key", CRED_SECRET_ACCESS_KEY, f->secrets[k].value,
                      opts->show_secrets);
        for (size_t k = 0; k < f->n_session_tokens; k++)
            put_value(out, "session token", CRED_SESSION_TOKEN, f->session_tokens[k].value,
                      opts->show_secrets);
        for (size_t k = 0; k < f->n_smtp_passwords; k++)
            put_value(out, "SMTP password", CRED_SMTP_PASSWORD, f->smtp_passwords[k].value,
                      opts->show_secrets);
        for (size_t k = 0; k < f->n_bedrock_keys; k++)
            put_value(out, "Bedrock API key", CRED_BEDROCK_API_KEY, f->bedrock_keys[k].value,
                      opts->show_secrets);
        for (size_t k = 0; k < f->n_locations; k++) {
            const struct location *l = &f->locations[k];
            if (k > 0 && strcmp(l->path, f->locations[k - 1].path) == 0 &&
                l->line == f->locations[k - 1].line &&
                ((!l->commit.commit && !f->locations[k - 1].commit.commit) ||
                 (l->commit.commit && f->locations[k - 1].commit.commit &&
                  strcmp(l->commit.commit, f->locations[k - 1].commit.commit) == 0)))
                continue; /* two parts on one line */
            fputs("    at             ", out);
            put_path(out, l);
            fprintf(out, ":%llu", (unsigned long long)l->line);
            if (strncmp(l->path, "(pushed ", 8) == 0) {
                /* A tag that points straight at a blob or a tree. */
                any_pushed = true;
                if (l->blob)
                    fprintf(out, " (blob %.12s)", l->blob);
            } else if (strncmp(l->path, "(tag ", 5) == 0) {
                any_tag = true; /* an annotated tag's message (its raw object's line) */
            }
            if (l->commit.commit && strncmp(l->path, "(commit ", 8) == 0) {
                any_message = true; /* the commit's message: lines of `git cat-file -p` */
            } else if (l->commit.commit) {
                any_commit = true;
            }
            if (l->commit.commit) {
                fprintf(out, " in commit %.12s", l->commit.commit);
                if (l->commit.author || l->commit.author_time) {
                    fputs(" (", out);
                    put_date(out, l->commit.author_time);
                    fputs(")", out);
                }
                if (l->commit.summary) {
                    fputs(" \"", out);
                    put_safe(out, l->commit.summary);
                    fputs("\"", out);
                }
            }
            fputc('\n', out);
        }
    }
    fputs("\nWhat to do:\n", out);
    if (any_pushed && !any_commit) {
        put_step(out, &step,
                 "A tag you are pushing points straight at a blob or tree that holds the\n"
                 "     credential: delete the tag (`git tag -d NAME`) or point it at clean\n"
                 "     content, then push again.\n");
    } else if (any_commit) {
        put_step(out, &step,
                 "Take the credential out of every commit listed, not just the last one:\n"
                 "       last commit only:   edit the file, then `git commit --amend`\n"
                 "       an older commit:    `git rebase -i <commit>^`, mark it 'edit', fix the "
                 "file,\n"
                 "                           `git commit --amend`, `git rebase --continue`\n"
                 "     then push again. Deleting the file in a new commit is not enough: the key\n"
                 "     stays in history.\n");
    } else if (!any_message && !any_tag) {
        put_step(out, &step,
                 "Remove the credential from the staged files (`git restore --staged FILE`,\n"
                 "     edit, `git add`), and keep it out of the repository: use environment\n"
                 "     variables or a secrets manager instead.\n");
    }
    if (any_message)
        put_step(out, &step,
                 "A commit message holds the credential (\"(commit ID)\": its line in\n"
                 "     `git cat-file -p ID`). Reword every commit listed:\n"
                 "       last commit only:   `git commit --amend`, edit the message\n"
                 "       an older commit:    `git rebase -i <commit>^`, mark it 'reword'\n"
                 "     then push again.\n");
    if (any_tag)
        put_step(out, &step,
                 "An annotated tag's message holds the credential (\"(tag NAME)\"): delete\n"
                 "     the tag (`git tag -d NAME`), create it again without the credential, and\n"
                 "     push again.\n");
    put_step(out, &step,
             "Treat the key as leaked and rotate it: in IAM, create a new access key,\n"
             "     switch your application to it, then deactivate and delete the old one.\n"
             "     For an SES SMTP user, check the SES sending statistics for mail you did not "
             "send.\n");
    if (strcmp(policy, "all") == 0)
        put_step(out, &step, "Not a real credential? Add a `sesame:allow` comment on that line.\n");
    else if (strcmp(policy, "ids") == 0)
        put_step(out, &step,
                 "Not a real credential? Here a `sesame:allow` comment allows bare key IDs\n"
                 "     only; a secret, token or SMTP password must be taken out, or an\n"
                 "     administrator must accept it.\n");
    else
        put_step(out, &step,
                 "Not a real credential? This server does not accept `sesame:allow`\n"
                 "     comments: take the value out, or ask an administrator.\n");
    put_bypass(out, opts);
    return ferror(out) ? fail(STATUS_IO, "cannot write the hook message") : STATUS_OK;
}
