/*
 * rank/risk.c - score = sum of factors, clamped to 0..100.
 *
 * Points (the documentation of the score; README links here):
 *   verification   live +50, unknown +30, not checked (with a secret) +35,
 *                  not checked (key ID alone) +12, wrong secret +10, expired +2,
 *                  invalid 0, skipped 0
 *   last use       (live) within 24 h +15, 7 days +10, 90 days +5; SES use (ses,
 *                  ses-smtp, email) +10 more
 *   SES state      (live) production +8, mails sent in 24 h +5 (over 1000: +8),
 *                  under review or sending paused +5
 *   SES evidence   (live) bounce or complaint rate at AWS's review threshold (5 % /
 *                  0.1 %) or an unusual volume spike: +30, and the finding is marked
 *                  "sending spam now", which sorts it above every other finding
 *   key type       AKIA +10, ABIA/ACCA +5, ASIA +3
 *   completeness   key ID with a secret, SMTP password or token +15; secret alone +8;
 *                  SMTP password or token alone +5; a Bedrock API key alone +15 (an
 *                  expired short-term one +1)
 *   inventory      a key of --known-keys +15 (inactive there +3); of an --accounts
 *                  account +8
 *   exposure       file on disk, HEAD or working tree +10, branch tip +8, history +5,
 *                  unreachable objects +2
 *   age            introduced 30+ days ago +5, 1+ day ago +2
 *   location       every location under tests, docs or examples -10
 *   example-like   a near-copy of a documentation example -25
 *   example/canary score 0 (a canary account is decoded offline, in every scan)
 * Tiers: critical >= 85, high >= 65, medium >= 40, low >= 15, info below.
 */
#include "rank/risk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

const char *risk_tier_name(enum risk_tier t)
{
    static const char *const names[] = { "info", "low", "medium", "high", "critical" };
    return (unsigned)t <= TIER_CRITICAL ? names[t] : "info";
}

FORMAT(4, 5)
static void factor(struct risk *r, const char *name, int points, const char *fmt, ...)
{
    va_list ap;
    char buf[256];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->factors = xrealloc(r->factors, (r->n_factors + 1) * sizeof(*r->factors));
    r->factors[r->n_factors].name = name;
    r->factors[r->n_factors].points = points;
    r->factors[r->n_factors].detail = xstrdup(buf);
    r->n_factors++;
    r->score += points;
}

FORMAT(2, 3)
static void step(struct risk *r, const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->remediation = xrealloc(r->remediation, (r->n_remediation + 1) * sizeof(char *));
    r->remediation[r->n_remediation++] = xstrdup(buf);
}

static bool low_value_path(const char *p)
{
    static const char *const dirs[] = { "test/", "tests/", "spec/", "specs/", "__tests__/",
                                        "fixtures/", "testdata/", "docs/", "doc/",
                                        "examples/", "example/", "samples/", "sample/" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        const char *at = strstr(p, dirs[i]);
        if (at && (at == p || at[-1] == '/' || at[-1] == '!'))
            return true;
    }
    return false;
}

static bool ses_use(const struct verification *v)
{
    const char *s = v->last_used_service;
    return s && (strcmp(s, "ses") == 0 || strcmp(s, "ses-smtp") == 0 || strcmp(s, "email") == 0);
}

static int64_t first_seen(const struct finding *f)
{
    int64_t t = 0;
    for (size_t i = 0; i < f->n_locations; i++) {
        int64_t a = f->locations[i].commit.author_time;
        if (a > 0 && (t == 0 || a < t))
            t = a;
    }
    return t;
}

/* Two weeks of SES sending statistics (verify/sesstats.h) of a live key. */
static void score_ses_evidence(struct risk *r, const struct verification *v)
{
    if (!verification_sending_spam(v))
        return;
    for (size_t i = 0; i < v->n_ses; i++) {
        const struct ses_stats *st = &v->ses[i].stats;
        if (!st->known)
            continue;
        if (st->bounce_level >= SES_LEVEL_REVIEW || st->complaint_level >= SES_LEVEL_REVIEW ||
            st->spike_at) {
            factor(r, "ses_spam", 30,
                   "sending spam now in %s: bounce rate %.2f%% (%s), complaint rate %.3f%% "
                   "(%s)%s",
                   v->ses[i].region, st->bounce_rate * 100, ses_level_name(st->bounce_level),
                   st->complaint_rate * 100, ses_level_name(st->complaint_level),
                   st->spike_at ? ", unusual volume" : "");
            break;
        }
    }
    r->sending_spam = true;
}

static void score_verification(struct risk *r, const struct finding *f, bool has_value,
                               int64_t now)
{
    const struct verification *v = f->verification;
    enum verify_status st = v ? v->status : VERIFY_NOT_CHECKED;

    switch (st) {
    case VERIFY_LIVE:
        factor(r, "verified_live", 50, "the key is live%s%s", v->arn ? ": " : "",
               v->arn ? v->arn : "");
        break;
    case VERIFY_UNKNOWN:
        factor(r, "verification_unknown", 30, "verification did not complete (%s)",
               v->reason ? v->reason : "no verdict");
        break;
    case VERIFY_WRONG_SECRET:
        factor(r, "wrong_secret", 10, "the key ID exists but this secret does not match");
        break;
    case VERIFY_EXPIRED:
        factor(r, "expired", 2, "the temporary credential has expired");
        break;
    case VERIFY_INVALID:
        factor(r, "invalid", 0, "AWS does not accept the key (deleted or inactive)");
        break;
    case VERIFY_SKIPPED:
        factor(r, "skipped", 0, "not contacted (%s)", v->reason ? v->reason : "skipped");
        break;
    case VERIFY_NOT_CHECKED:
        if (has_value)
            factor(r, "not_verified", 35, "not verified (run with --verify)");
        else
            factor(r, "not_verified", 12, "key ID without a secret, not verified");
        break;
    }
    if (st != VERIFY_LIVE)
        return;
    if (v->last_used_known && v->last_used > 0) {
        int64_t age = now - v->last_used;
        if (age < 86400)
            factor(r, "used_recently", 15, "last used less than a day ago (%s)",
                   v->last_used_service ? v->last_used_service : "?");
        else if (age < 7 * 86400)
            factor(r, "used_recently", 10, "last used this week (%s)",
                   v->last_used_service ? v->last_used_service : "?");
        else if (age < 90 * 86400)
            factor(r, "used_recently", 5, "last used within 90 days (%s)",
                   v->last_used_service ? v->last_used_service : "?");
        if (ses_use(v))
            factor(r, "ses_sending", 10, "last used to send mail through SES (%s)",
                   v->last_used_service);
    }
    for (size_t i = 0; i < v->n_ses; i++) {
        const struct ses_state *s = &v->ses[i];
        if (s->sandbox == 0)
            factor(r, "ses_production", 8, "SES production access in %s", s->region);
        if (s->have_quota && s->sent_24h > 1000)
            factor(r, "ses_volume", 8, "%.0f mails sent in the last 24 h in %s", s->sent_24h,
                   s->region);
        else if (s->have_quota && s->sent_24h > 0)
            factor(r, "ses_volume", 5, "%.0f mails sent in the last 24 h in %s", s->sent_24h,
                   s->region);
        if ((s->enforcement && strcmp(s->enforcement, "HEALTHY") != 0) || s->sending_enabled == 0)
            factor(r, "ses_enforcement", 5, "SES sending in %s is %s", s->region,
                   s->sending_enabled == 0 ? "paused" : s->enforcement);
    }
    score_ses_evidence(r, v);
    (void)now;
}

/* Every Bedrock key of f is short-term and expired (a long-term key's expiry is not in
 * the key). */
static bool bedrock_expired(const struct finding *f, int64_t now)
{
    for (size_t i = 0; i < f->n_bedrock_keys; i++)
        if (f->bedrock_keys[i].expires == 0 || f->bedrock_keys[i].expires > now)
            return false;
    return f->n_bedrock_keys > 0 && now > 0;
}

static void score(struct risk *r, const struct finding *f, int64_t now)
{
    bool has_secret = f->n_secrets || f->n_smtp_passwords || f->n_session_tokens ||
                      f->n_bedrock_keys;
    bool all_low = f->n_locations > 0;
    int64_t since = first_seen(f);
    const struct verification *v = f->verification;

    if (f->example) {
        factor(r, "example", 0, "an AWS documentation example key");
        return;
    }
    if (f->canary) {
        factor(r, "canary", 0, "a canary-token account %s (decoded offline): a tripwire, "
               "not a leak", f->account_id);
        return;
    }
    if (f->example_like)
        factor(r, "example_like", -25, "a near-copy of an AWS documentation example");
    if (v && v->status == VERIFY_SKIPPED) {
        factor(r, "skipped", 0, "not contacted (%s)", v->reason ? v->reason : "skipped");
        return;
    }
    score_verification(r, f, has_secret, now);
    if (f->key_type) {
        if (strcmp(f->key_type, "AKIA") == 0)
            factor(r, "long_term_key", 10, "a long-term access key (AKIA)");
        else if (strcmp(f->key_type, "ASIA") == 0)
            factor(r, "temporary_key", 3, "a temporary credential (ASIA)");
        else
            factor(r, "key_type", 5, "a %s credential", f->key_type);
    }
    if (f->known_key && (!f->owner_status || strcmp(f->owner_status, "Inactive") != 0))
        factor(r, "own_key", 15, "a key of the organisation's inventory%s%s%s",
               f->owner_user ? " (user " : "", f->owner_user ? f->owner_user : "",
               f->owner_user ? ")" : "");
    else if (f->known_key)
        factor(r, "own_key_inactive", 3, "an inactive key of the organisation's inventory");
    else if (f->account_owner && strcmp(f->account_owner, "own") == 0)
        factor(r, "own_account", 8, "a key of one of the organisation's accounts");
    if (f->access_key_id && has_secret)
        factor(r, "complete", 15, "the key ID and its secret are both exposed");
    else if (f->n_secrets)
        factor(r, "secret_only", 8, "a secret key without its key ID");
    else if (f->n_bedrock_keys && !bedrock_expired(f, now))
        factor(r, "bedrock_key", 15, "an Amazon Bedrock API key: it calls models on the "
               "account's bill by itself");
    else if (f->n_bedrock_keys)
        factor(r, "bedrock_expired", 1, "a short-term Bedrock API key past its expiry");
    else if (!f->access_key_id)
        factor(r, "value_only", 5, "a %s without its key ID", cred_kind_name(f->kind));
    switch (f->exposure) {
    case EXPOSURE_FILE:
    case EXPOSURE_HEAD:
    case EXPOSURE_WORKTREE:
        factor(r, "exposure", 10, "%s", f->exposure == EXPOSURE_HEAD ? "still at HEAD"
                                         : f->exposure == EXPOSURE_WORKTREE ? "in the working tree"
                                                                            : "in a file on disk");
        break;
    case EXPOSURE_BRANCH:
        factor(r, "exposure", 8, "at a branch tip");
        break;
    case EXPOSURE_HISTORY:
        factor(r, "exposure", 5, "only in history");
        break;
    case EXPOSURE_UNREACHABLE:
        factor(r, "exposure", 2, "only in unreachable objects");
        break;
    }
    if (since > 0 && now - since >= 30 * 86400)
        factor(r, "exposed_long", 5, "exposed for %lld days", (long long)((now - since) / 86400));
    else if (since > 0 && now - since >= 86400)
        factor(r, "exposed_long", 2, "exposed for %lld days", (long long)((now - since) / 86400));
    for (size_t i = 0; i < f->n_locations; i++)
        if (!low_value_path(f->locations[i].path))
            all_low = false;
    if (all_low)
        factor(r, "low_value_location", -10, "only under tests, docs or examples");
}

/* Which AWS notification mails to look for, and where (issue 18, item 4). */
static void notices(struct risk *r, const struct finding *f, bool ses)
{
    const struct verification *v = f->verification;
    const char *case_id = NULL;

    if (v && (v->status == VERIFY_INVALID || v->status == VERIFY_EXPIRED))
        return;
    if (f->key_type && strcmp(f->key_type, "AKIA") == 0)
        step(r, "Look for AWS's exposed-credentials notice: when AWS finds a key published "
                "online it mails the account's root address, opens an AWS Support case and "
                "an AWS Health event (AWS_RISK_CREDENTIALS_EXPOSED), and attaches the "
                "AWSCompromisedKeyQuarantineV2 policy to the user (aws iam "
                "list-attached-user-policies). Check the root mailbox, the AWS Health "
                "Dashboard and the Support Center.");
    if (!ses)
        return;
    for (size_t i = 0; v && i < v->n_ses; i++)
        if (v->ses[i].review_case_id)
            case_id = v->ses[i].review_case_id;
    step(r, "Look for SES enforcement mails, sent to the root address and shown in the AWS "
            "Health Dashboard: \"under review\" (bounces 5%% or complaints 0.1%%) and \"sending "
            "paused\" (10%% / 0.5%%); the SES console's Reputation metrics page and aws sesv2 "
            "get-account (EnforcementStatus, Details.ReviewDetails) show the state%s%s.",
         case_id ? "; review case " : "", case_id ? case_id : "");
}

static void remediate(struct risk *r, const struct finding *f)
{
    const struct verification *v = f->verification;
    const char *id = f->access_key_id ? f->access_key_id : "<key ID>";
    const char *user = v && v->arn && strstr(v->arn, ":user/") ? strstr(v->arn, ":user/") + 6
                                                                 : "<user>";
    bool ses = f->n_smtp_passwords || (v && (ses_use(v) || v->n_ses));

    if (f->example) {
        step(r, "AWS documentation example key: nothing to rotate.");
        return;
    }
    if (f->canary) {
        step(r, "Canary token: someone who found it may try it, and its owner is alerted; "
                "find out how it got here.");
        return;
    }
    if (v && v->status == VERIFY_SKIPPED) {
        step(r, "Not contacted (%s): review by hand.", v->reason ? v->reason : "skipped");
        return;
    }
    for (size_t i = 0; i < f->n_bedrock_keys; i++) {
        const struct bedrock_key *k = &f->bedrock_keys[i];
        if (k->service_user)
            step(r, "Delete the Bedrock API key: aws iam list-service-specific-credentials "
                    "--user-name %s --service-name bedrock.amazonaws.com, then aws iam "
                    "delete-service-specific-credential --user-name %s "
                    "--service-specific-credential-id <id>", k->service_user, k->service_user);
    }
    if (f->n_bedrock_keys)
        step(r, "Review Bedrock model invocations in CloudTrail (InvokeModel, Converse) for "
                "usage you did not make.");
    if (!f->access_key_id && !f->n_secrets && !f->n_session_tokens && !f->n_smtp_passwords &&
        f->n_bedrock_keys)
        return;
    if (!v || v->status == VERIFY_LIVE || v->status == VERIFY_UNKNOWN ||
        v->status == VERIFY_NOT_CHECKED || v->status == VERIFY_WRONG_SECRET) {
        step(r, "Deactivate the key now: aws iam update-access-key --user-name %s "
                "--access-key-id %s --status Inactive", user, id);
        step(r, "Once nothing legitimate breaks, delete it: aws iam delete-access-key "
                "--user-name %s --access-key-id %s", user, id);
    }
    if (ses)
        step(r, "Check what was sent: SES sending statistics and bounce/complaint rates "
                "(aws ses get-send-statistics; aws sesv2 get-account) in each region used; "
                "bounces over 5%% or complaints over 0.1%% put the account under review.");
    if (!v || v->status != VERIFY_INVALID) {
        if (ses)
            step(r, "Issue a new least-privilege key: for an SES sender only ses:SendRawEmail "
                    "and ses:SendEmail, on its identity ARN, with a ses:FromAddress condition.");
        else
            step(r, "Issue a new key with only the permissions its application needs.");
        step(r, "Keep the new key out of code: load it from a secrets manager (AWS Secrets "
                "Manager, SSM Parameter Store) or the environment at run time.");
    } else {
        step(r, "The key no longer works: remove it from the code so it stops being reported.");
    }
    if (f->exposure == EXPOSURE_HISTORY || f->exposure == EXPOSURE_UNREACHABLE ||
        f->exposure == EXPOSURE_BRANCH)
        step(r, "It stays in git history: rotating is the fix; rewriting history "
                "(git filter-repo) only limits further copies.");
    if (v && v->status == VERIFY_UNKNOWN)
        step(r, "Verification did not complete (%s): run sesame verify again from a network "
                "that reaches AWS.", v->reason ? v->reason : "no verdict");
    notices(r, f, ses);
}

void risk_free(struct risk *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_factors; i++)
        free(r->factors[i].detail);
    free(r->factors);
    for (size_t i = 0; i < r->n_remediation; i++)
        free(r->remediation[i]);
    free(r->remediation);
    free(r);
}

struct keyed {
    bool spam;
    int score;
    size_t index;
    struct finding *f;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->spam != y->spam)
        return x->spam ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void risk_rank(struct finding **findings, size_t n, int64_t now)
{
    for (size_t i = 0; i < n; i++) {
        struct finding *f = findings[i];
        struct risk *r = xcalloc(1, sizeof(*r));
        score(r, f, now);
        if (r->score < 0)
            r->score = 0;
        if (r->score > 100)
            r->score = 100;
        r->tier = r->score >= 85   ? TIER_CRITICAL
                  : r->score >= 65 ? TIER_HIGH
                  : r->score >= 40 ? TIER_MEDIUM
                  : r->score >= 15 ? TIER_LOW
                                   : TIER_INFO;
        remediate(r, f);
        risk_free(f->risk);
        f->risk = r;
    }
    /* Stable sort by score, highest first: qsort on (score, original index). */
    {
        struct keyed *k = xcalloc(n + 1, sizeof(*k));
        for (size_t i = 0; i < n; i++) {
            k[i].score = findings[i]->risk->score;
            k[i].spam = findings[i]->risk->sending_spam;
            k[i].index = i;
            k[i].f = findings[i];
        }
        if (n > 1)
            qsort(k, n, sizeof(*k), cmp_keyed);
        for (size_t i = 0; i < n; i++)
            findings[i] = k[i].f;
        free(k);
    }
}
