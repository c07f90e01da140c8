/*
 * report/remediate.c - the remediation plan of one leaked key: replace, deploy,
 * deactivate, watch, delete; SMTP credentials; the SES sending pause; open sending
 * policies; the AWS notification mails to look for; and a least-privilege SES policy.
 *
 * It prints commands and never runs them. The tricky part is input: user names,
 * identities and regions come from a report file, so each is checked against what AWS
 * allows or shell-quoted, and anything unknown is a REPLACE-WITH-... placeholder.
 */
#include "report/remediate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sender.h"
#include "base/xalloc.h"
#include "json/json.h"

/* ---- facts from the finding ----------------------------------------------------- */

struct facts {
    const char *id;         /* access key ID or placeholder */
    char user[128];         /* IAM user name, or a placeholder */
    char role[128];         /* assumed role (temporary credentials), or "" */
    bool root;              /* the account's root user */
    const char *account;    /* 12 digits or placeholder */
    const char *region;     /* last-used SES region, or another known one, or placeholder */
    bool ses;               /* sends mail through SES */
    bool smtp;              /* through the SMTP interface */
    const struct partition *part; /* from the ARN, else the region; "aws" by default */
};

/* The AWS partitions: every ARN the plan builds names one, IAM is one endpoint per
 * partition (the CLI finds it from a region of that partition), and each has its own
 * console and DNS suffix. */
struct partition {
    const char *name;      /* in ARNs */
    const char *prefix;    /* of its region names ("" for the rest: aws) */
    const char *home;      /* a region of it for IAM commands (NULL: the CLI's default) */
    const char *console;
    const char *dns;       /* service host suffix */
};

static const struct partition partitions[] = {
    { "aws-cn", "cn-", "cn-north-1", "https://console.amazonaws.cn/", "amazonaws.com.cn" },
    { "aws-us-gov", "us-gov-", "us-gov-west-1", "https://console.amazonaws-us-gov.com/",
      "amazonaws.com" },
    { "aws", "", NULL, "https://console.aws.amazon.com/", "amazonaws.com" },
};

/* The partition an ARN names ("arn:aws-cn:iam::..."), or NULL if none of the three. */
static const struct partition *arn_partition(const char *arn)
{
    size_t n;

    if (!arn || strncmp(arn, "arn:", 4) != 0)
        return NULL;
    n = strcspn(arn + 4, ":");
    for (size_t i = 0; i < sizeof(partitions) / sizeof(*partitions); i++)
        if (strlen(partitions[i].name) == n && strncmp(arn + 4, partitions[i].name, n) == 0)
            return &partitions[i];
    return NULL;
}

/* The partition a region is in (every region name starts with its partition's prefix). */
static const struct partition *region_partition(const char *region)
{
    for (size_t i = 0; i < sizeof(partitions) / sizeof(*partitions); i++)
        if (strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix)) == 0)
            return &partitions[i];
    return &partitions[2];
}

static bool region_ok(const char *r)
{
    size_t n = r ? strlen(r) : 0;
    return n > 3 && n < 32 && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
           strchr(r, '-');
}

static bool account_ok(const char *a)
{
    return a && strlen(a) == 12 && strspn(a, "0123456789") == 12;
}

/* An IAM name ([\w+=,.@-], at most 64), the last part of an ARN's resource path. */
static bool iam_name(const char *s, size_t n, char *out, size_t out_size)
{
    if (n == 0 || n > 64 || n >= out_size)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+=,.@-",
                    s[i]) || !s[i])
            return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* A name from the report fit for a command or an ARN: printable ASCII, no space, at
 * most 320 bytes (an SES identity or policy name). */
static bool printable(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 320)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool ses_service(const char *s)
{
    return s && (strncmp(s, "ses", 3) == 0 || strcmp(s, "email") == 0);
}

static void gather(const struct finding *f, struct facts *k)
{
    const struct verification *v = f->verification;
    const char *arn = v ? v->arn : NULL, *p;

    memset(k, 0, sizeof(*k));
    k->id = f->access_key_id ? f->access_key_id : REMEDIATE_PLACEHOLDER "ACCESS-KEY-ID";
    snprintf(k->user, sizeof(k->user), "%sUSER-NAME", REMEDIATE_PLACEHOLDER);
    if (arn && (p = strstr(arn, ":user/")) != NULL) {
        const char *name = strrchr(p, '/') + 1;
        if (!iam_name(name, strlen(name), k->user, sizeof(k->user)))
            snprintf(k->user, sizeof(k->user), "%sUSER-NAME", REMEDIATE_PLACEHOLDER);
    } else if (arn && (p = strstr(arn, ":assumed-role/")) != NULL) {
        const char *r = p + 14, *slash = strchr(r, '/');
        if (!iam_name(r, slash ? (size_t)(slash - r) : strlen(r), k->role, sizeof(k->role)))
            k->role[0] = '\0';
    } else if (arn && strlen(arn) > 5 && strcmp(arn + strlen(arn) - 5, ":root") == 0) {
        k->root = true;
    }
    k->account = v && account_ok(v->account)   ? v->account
                 : account_ok(f->account_id) ? f->account_id
                                             : REMEDIATE_PLACEHOLDER "ACCOUNT-ID";
    k->smtp = f->n_smtp_passwords > 0 || (v && v->last_used_service &&
                                          strcmp(v->last_used_service, "ses-smtp") == 0);
    k->ses = k->smtp || (v && ses_service(v->last_used_service));
    if (v && ses_service(v->last_used_service) && region_ok(v->last_used_region))
        k->region = v->last_used_region;
    for (size_t i = 0; v && i < v->n_ses; i++) {
        const struct ses_state *s = &v->ses[i];
        if (s->stats.known && s->stats.sent_14d > 0)
            k->ses = true;
        if (!k->region && region_ok(s->region) &&
            ((s->stats.known && s->stats.sent_14d) || s->n_identities || s->sandbox == 0))
            k->region = s->region;
    }
    for (size_t i = 0; !k->region && i < f->n_smtp_passwords; i++)
        if (region_ok(f->smtp_passwords[i].region))
            k->region = f->smtp_passwords[i].region;
    for (size_t i = 0; !k->region && i < f->n_regions; i++)
        if (region_ok(f->regions[i]))
            k->region = f->regions[i];
    if (!k->region && v && v->n_ses == 1 && region_ok(v->ses[0].region))
        k->region = v->ses[0].region;
    k->part = arn_partition(arn);
    if (!k->part && (!v || !v->arn))
        k->part = region_ok(k->region) ? region_partition(k->region) : NULL;
    if (!k->part)
        k->part = &partitions[2];
    if (k->region && region_partition(k->region) != k->part)
        k->region = NULL; /* a region of another partition is no place for this key */
    if (!k->region)
        k->region = REMEDIATE_PLACEHOLDER "REGION";
}

/* ---- the policy ----------------------------------------------------------------- */

static bool address_ok(const char *a)
{
    size_t n = strlen(a);
    const char *at = strchr(a, '@');

    if (n == 0 || n > 320 || !at || at == a || !at[1] || strchr(at + 1, '@'))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] <= 0x20 || (unsigned char)a[i] >= 0x7f || a[i] == '"' ||
            a[i] == '\\')
            return false;
    return true;
}

/* An IPv4 or IPv6 address with an optional /prefix: hex digits, '.', ':', '/'. */
static bool cidr_ok(const char *c)
{
    size_t n = strlen(c);
    return n >= 2 && n < 64 && strspn(c, "0123456789abcdefABCDEF.:/") == n &&
           (strchr(c, '.') || strchr(c, ':'));
}

static struct jv *str_list(struct jv *arr, const char *s)
{
    for (size_t i = 0; i < jv_len(arr); i++) {
        const char *have = jv_string(jv_at(arr, i), NULL);
        if (have && strcmp(have, s) == 0)
            return arr;
    }
    jv_push(arr, jv_str(s));
    return arr;
}

char *remediate_ses_policy(const struct finding *f, const struct remediate_opts *o)
{
    const struct verification *v = f->verification;
    struct facts k;
    struct jv *doc = jv_object(), *sts = jv_array(), *st = jv_object(), *acts = jv_array();
    struct jv *res = jv_array(), *cond = jv_object(), *like = jv_object(), *from = jv_array();
    struct jv *ids = jv_array(); /* the account's address identities */
    char *text = NULL;
    size_t len = 0;
    FILE *mem;

    gather(f, &k);
    for (size_t i = 0; v && i < v->n_ses; i++)
        for (size_t j = 0; region_ok(v->ses[i].region) &&
                           region_partition(v->ses[i].region) == k.part &&
                           j < v->ses[i].n_identities;
             j++) {
            const struct ses_identity *id = &v->ses[i].identities[j];
            char *arn;
            if (!printable(id->name) || strchr(id->name, '*'))
                continue;
            arn = xasprintf("arn:%s:ses:%s:%s:identity/%s", k.part->name, v->ses[i].region,
                            k.account, id->name);
            str_list(res, arn);
            free(arn);
            if (id->type && strcmp(id->type, "EMAIL_ADDRESS") == 0 && o->n_from == 0 &&
                address_ok(id->name))
                str_list(ids, id->name);
        }
    if (jv_len(res) == 0) {
        char *arn = xasprintf("arn:%s:ses:%s:%s:identity/%sYOUR-VERIFIED-DOMAIN",
                              k.part->name, k.region, k.account, REMEDIATE_PLACEHOLDER);
        jv_push(res, jv_str(arn));
        free(arn);
    }
    /* ses:FromAddress: --from-address; else the senders named next to the key (what the
     * application sends as); else the address identities of the account; else a
     * placeholder */
    for (size_t i = 0; i < o->n_from; i++)
        str_list(from, o->from_addresses[i]);
    for (size_t i = 0; o->n_from == 0 && i < f->n_senders; i++)
        if (aws_sender_ok(f->senders[i], strlen(f->senders[i])))
            str_list(from, f->senders[i]);
    if (jv_len(from) == 0) {
        jv_free(from);
        from = ids;
        ids = NULL;
    }
    jv_free(ids);
    if (jv_len(from) == 0)
        jv_push(from, jv_str(REMEDIATE_PLACEHOLDER "SENDER@YOUR-VERIFIED-DOMAIN"));
    jv_push(acts, jv_str("ses:SendEmail"));
    jv_push(acts, jv_str("ses:SendRawEmail"));
    jv_put(st, "Sid", jv_str("SendOnlyAsKnownIdentitiesAndSenders"));
    jv_put(st, "Effect", jv_str("Allow"));
    jv_put(st, "Action", acts);
    jv_put(st, "Resource", res);
    jv_put(like, "ses:FromAddress", from);
    jv_put(cond, "StringLike", like);
    if (o->source_ip) {
        struct jv *ip = jv_object(), *ips = jv_array();
        jv_push(ips, jv_str(o->source_ip));
        jv_put(ip, "aws:SourceIp", ips);
        jv_put(cond, "IpAddress", ip);
    }
    jv_put(st, "Condition", cond);
    jv_push(sts, st);
    jv_put(doc, "Version", jv_str("2012-10-17"));
    jv_put(doc, "Statement", sts);
    mem = open_memstream(&text, &len);
    if (!mem || !jv_write(mem, doc, JV_PRETTY) || fclose(mem) != 0) {
        fputs("sesame: out of memory\n", stderr);
        abort();
    }
    jv_free(doc);
    return text;
}

/* ---- the plan ------------------------------------------------------------------- */

/* s as one shell word: bare when it is made of safe characters, else single-quoted;
 * anything outside printable ASCII becomes '?'. */
static void shq(FILE *out, const char *s)
{
    bool bare = *s != '\0';

    for (const char *p = s; *p; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./_-",
                    *p))
            bare = false;
    if (bare) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else
            fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', out);
    }
    fputc('\'', out);
}

struct plan {
    FILE *out;
    unsigned n;
    int64_t now;
    const char *iam_region; /* IAM commands outside the aws partition name a region of it */
};

static void step(struct plan *p, const char *title)
{
    fprintf(p->out, "\n%2u. %s\n", ++p->n, title);
}

#define L(s) "\x01" s

/* A command line: "      $ " then the words, each quoted unless it is a literal. */
static void cmd(struct plan *p, const char *const *words)
{
    fputs("      $ aws", p->out);
    for (size_t i = 0; words[i]; i++) {
        fputc(' ', p->out);
        if (words[i][0] == '\x01')
            fputs(words[i] + 1, p->out); /* a literal (an option, a file:// path) */
        else
            shq(p->out, words[i]);
    }
    if (p->iam_region && strncmp(words[0], L("iam "), 5) == 0) {
        fputs(" --region ", p->out);
        shq(p->out, p->iam_region);
    }
    fputc('\n', p->out);
}


static void note(struct plan *p, const char *text)
{
    fprintf(p->out, "    %s\n", text);
}

static void replace_steps(struct plan *p, const struct finding *f, const struct facts *k)
{
    if (k->root) {
        step(p, "Root user access keys: do not replace them. Delete them in the console "
                "(account menu > Security credentials > Access keys) once nothing uses them, "
                "and give applications an IAM user or role instead. Console:");
        fprintf(p->out, "      %s\n", k->part->console);
        return;
    }
    if (k->role[0] || (f->key_type && strcmp(f->key_type, "ASIA") == 0)) {
        char *pol;
        char when[32];
        time_t t = (time_t)p->now;
        struct tm tm;
        step(p, "Temporary credentials cannot be deactivated: revoke every session of the "
                "role issued before now (AWS's \"Revoke active sessions\"), then find how the "
                "session credentials leaked.");
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        pol = xasprintf("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                        "\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":"
                        "{\"aws:TokenIssueTime\":\"%s\"}}}]}",
                        when);
        cmd(p, (const char *const[]){ L("iam put-role-policy --role-name"),
                                      k->role[0] ? k->role : REMEDIATE_PLACEHOLDER "ROLE-NAME",
                                      L("--policy-name AWSRevokeOlderSessions --policy-document"),
                                      pol, NULL });
        free(pol);
        return;
    }
    step(p, "Create the replacement key for the same user (or, better, for a new user that "
            "only sends mail):");
    cmd(p, (const char *const[]){ L("iam create-access-key --user-name"), k->user, NULL });
    if (k->ses) {
        note(p, "Give it only the least-privilege policy printed at the end (save it as "
                "sesame-ses-sender-policy.json: sesame remediate ... --policy-only), and "
                "remove broader policies from the user:");
        cmd(p, (const char *const[]){ L("iam put-user-policy --user-name"), k->user,
                                      L("--policy-name sesame-ses-sender --policy-document "
                                        "file://sesame-ses-sender-policy.json"),
                                      NULL });
        cmd(p, (const char *const[]){ L("iam list-attached-user-policies --user-name"), k->user,
                                      NULL });
    }
}

static void smtp_step(struct plan *p, const struct facts *k)
{
    if (!k->smtp)
        return;
    step(p, "Regenerate the SMTP credentials: an SES SMTP password is derived from the "
            "secret key, so the old password dies with the old key. Create new SMTP "
            "credentials (SES console > SMTP settings > Create SMTP credentials, or derive "
            "the password from the new secret for the region with AWS's documented script) "
            "and put them in the mailer configuration. SMTP endpoint for the region:");
    fprintf(p->out, "      email-smtp.%s.%s, port 587 (STARTTLS) or 465 (TLS)\n", k->region,
            k->part->dns);
}

static void deploy_step(struct plan *p, const struct finding *f)
{
    size_t shown = 0;

    step(p, "Deploy the replacement wherever the old key is used, loaded at run time from a "
            "secrets manager (AWS Secrets Manager, SSM Parameter Store) or the environment, "
            "not from code. The old key was seen at:");
    for (size_t i = 0; i < f->n_locations && shown < 10; i++, shown++) {
        fputs("      ", p->out);
        shq(p->out, f->locations[i].path ? f->locations[i].path : "?");
        fprintf(p->out, ":%llu\n", (unsigned long long)f->locations[i].line);
    }
    if (f->n_locations > shown)
        fprintf(p->out, "      ... and %zu more places (see the report)\n",
                f->n_locations - shown);
}

static void retire_steps(struct plan *p, const struct finding *f, const struct facts *k)
{
    if (k->root || k->role[0] || (f->key_type && strcmp(f->key_type, "ASIA") == 0))
        return;
    step(p, "Deactivate the old key (reversible: --status Active brings it back if something "
            "legitimate breaks):");
    cmd(p, (const char *const[]){ L("iam update-access-key --user-name"), k->user,
                                  L("--access-key-id"), k->id, L("--status Inactive"), NULL });
    step(p, "Watch for a few days: who still tries the old key (CloudTrail), and whether "
            "mail keeps going out:");
    cmd(p, (const char *const[]){ L("iam get-access-key-last-used --access-key-id"), k->id,
                                  NULL });
    {
        char *attr = xasprintf("AttributeKey=AccessKeyId,AttributeValue=%s", k->id);
        cmd(p, (const char *const[]){ L("cloudtrail lookup-events --region"), k->region,
                                      L("--lookup-attributes"), attr, NULL });
        free(attr);
    }
    if (k->ses)
        cmd(p, (const char *const[]){ L("ses get-send-statistics --region"), k->region, NULL });
    step(p, "Delete the old key:");
    cmd(p, (const char *const[]){ L("iam delete-access-key --user-name"), k->user,
                                  L("--access-key-id"), k->id, NULL });
}

static void ses_state_step(struct plan *p, const struct finding *f, const struct facts *k)
{
    const struct verification *v = f->verification;
    bool paused = false;

    if (!k->ses)
        return;
    step(p, "Check the SES sending state of the account in the region (sandbox, "
            "EnforcementStatus HEALTHY / PROBATION / SHUTDOWN, Details.ReviewDetails):");
    cmd(p, (const char *const[]){ L("sesv2 get-account --region"), k->region, NULL });
    for (size_t i = 0; v && i < v->n_ses; i++) {
        const struct ses_state *s = &v->ses[i];
        const struct ses_stats *st = &s->stats;
        fputs("    Seen by the verifier in ", p->out);
        shq(p->out, s->region ? s->region : "?");
        fputs(": ", p->out);
        shq(p->out, s->enforcement ? s->enforcement : "status-unknown");
        fprintf(p->out, ", sending %s",
                s->sending_enabled == 1 ? "enabled" : s->sending_enabled == 0 ? "PAUSED"
                                                                               : "unknown");
        if (s->review_status) {
            fputs(", review ", p->out);
            shq(p->out, s->review_status);
        }
        if (s->review_case_id) {
            fputs(" (case ", p->out);
            shq(p->out, s->review_case_id);
            fputs(")", p->out);
        }
        if (st->known)
            fprintf(p->out, "; %llu mails in 14 days, bounces %.2f%% (%s), complaints %.3f%% (%s)",
                    (unsigned long long)st->sent_14d, st->bounce_rate * 100,
                    ses_level_name(st->bounce_level), st->complaint_rate * 100,
                    ses_level_name(st->complaint_level));
        fputs("\n", p->out);
        paused |= s->sending_enabled == 0 ||
                  (s->enforcement && strcmp(s->enforcement, "HEALTHY") != 0);
    }
    note(p, paused ? "Sending is under review or paused. There is no API to lift an "
                     "AWS-imposed pause: once the steps above are done, answer the review "
                     "case (the notice sent to the root address, or the AWS Support Center) "
                     "with what happened and what changed; AWS lifts the pause."
                   : "If AWS puts the account under review or pauses sending, there is no "
                     "API to lift it: answer the review case (AWS Support Center) with what "
                     "happened and what changed.");
    note(p, "Only a pause you set yourself is lifted with a command:");
    cmd(p, (const char *const[]){ L("sesv2 put-account-sending-attributes --sending-enabled "
                                    "--region"),
                                  k->region, NULL });
}

static void policy_steps(struct plan *p, const struct finding *f)
{
    const struct verification *v = f->verification;
    bool any = false;

    for (size_t i = 0; v && i < v->n_ses; i++)
        for (size_t j = 0; j < v->ses[i].n_identities; j++) {
            const struct ses_identity *id = &v->ses[i].identities[j];
            for (size_t q = 0; q < id->n_policies; q++) {
                const struct ses_policy *pol = &id->policies[q];
                if (pol->open != 1 || !printable(id->name) || !printable(pol->name))
                    continue;
                if (!any)
                    step(p, "Close the sending-authorization policies that let others send "
                            "as your identities without conditions (or add ses:FromAddress, "
                            "ses:Recipients or aws:SourceIp conditions):");
                any = true;
                cmd(p, (const char *const[]){ L("sesv2 delete-email-identity-policy "
                                                "--email-identity"),
                                              id->name, L("--policy-name"), pol->name,
                                              L("--region"),
                                              region_ok(v->ses[i].region) ? v->ses[i].region
                                                                          : "?",
                                              NULL });
            }
        }
}

static void notice_step(struct plan *p, const struct facts *k)
{
    step(p, "Look for AWS's notification mails, so that none goes unanswered:");
    note(p, "- IAM exposed credentials: when AWS finds a key published online it mails the "
            "account's root address, opens an AWS Support case and an AWS Health event "
            "(AWS_RISK_CREDENTIALS_EXPOSED), and attaches the AWSCompromisedKeyQuarantineV2 "
            "policy to the user. Look in the root mailbox, the AWS Health Dashboard and the "
            "Support Center.");
    if (k->ses)
        note(p, "- SES enforcement: \"under review\" (bounces from 5 %, complaints from "
                "0.1 %) and \"sending paused\" (10 % / 0.5 %) notices go to the root address "
                "and appear in the AWS Health Dashboard; the SES console's Reputation "
                "metrics page shows the rates and the review case.");
}

enum status remediate_write(FILE *out, const struct finding *f, const struct remediate_opts *o)
{
    struct facts k;
    struct plan p = { out, 0, o->now, NULL };
    char *policy;

    for (size_t i = 0; i < o->n_from; i++)
        if (!address_ok(o->from_addresses[i]))
            return fail(STATUS_USAGE, "--from-address '%s' is not a mail address",
                        o->from_addresses[i]);
    if (o->source_ip && !cidr_ok(o->source_ip))
        return fail(STATUS_USAGE, "--source-ip '%s' is not an IP address or CIDR block",
                    o->source_ip);
    gather(f, &k);
    if (o->policy_only) {
        if (!k.ses)
            return fail(STATUS_USAGE, "this finding is not an SES sender: sesame cannot know "
                                      "which permissions its replacement needs");
        policy = remediate_ses_policy(f, o);
        fputs(policy, out);
        free(policy);
        return STATUS_OK;
    }
    fputs("Remediation for ", out);
    shq(out, k.id);
    fputs(" (finding ", out);
    shq(out, f->fingerprint);
    fprintf(out, ", account %s", k.account);
    if (f->verification)
        fprintf(out, ", %s", verify_status_name(f->verification->status));
    fputs(k.ses ? ", SES sender)\n" : ")\n", out);
    if (k.part->home) {
        /* IAM answers for its own partition only: the CLI reaches it through a region of
         * that partition, and credentials of the aws partition are unknown there. */
        p.iam_region = region_partition(k.region) == k.part ? k.region : k.part->home;
        fprintf(out, "Partition %s: use a CLI profile of that partition (IAM commands name "
                     "a region of it); console %s\n",
                k.part->name, k.part->console);
    }
    fputs("sesame changes nothing: run these yourself, in this order. Values starting with "
          REMEDIATE_PLACEHOLDER " were not known; fill them in.\n", out);
    replace_steps(&p, f, &k);
    smtp_step(&p, &k);
    deploy_step(&p, f);
    retire_steps(&p, f, &k);
    ses_state_step(&p, f, &k);
    policy_steps(&p, f);
    notice_step(&p, &k);
    if (f->exposure == EXPOSURE_HISTORY || f->exposure == EXPOSURE_UNREACHABLE ||
        f->exposure == EXPOSURE_BRANCH)
        step(&p, "The key stays in git history: rotating it is the fix; rewriting history "
                 "(git filter-repo) only limits further copies.");
    if (k.ses) {
        size_t known = 0;
        for (size_t i = 0; i < f->n_senders; i++)
            known += aws_sender_ok(f->senders[i], strlen(f->senders[i]));
        fputs("\nLeast-privilege IAM policy for the replacement (SES sending only, from the "
              "identities and senders known; sesame-ses-sender-policy.json).\n",
              out);
        if (o->n_from)
            fputs("Senders (ses:FromAddress): as given with --from-address.\n", out);
        else if (known) {
            fputs("Senders (ses:FromAddress): named next to the key where it was found:", out);
            for (size_t i = 0; i < f->n_senders; i++)
                if (aws_sender_ok(f->senders[i], strlen(f->senders[i]))) {
                    fputc(' ', out);
                    shq(out, f->senders[i]);
                }
            fputs(" (--from-address replaces them).\n", out);
        } else {
            policy = remediate_ses_policy(f, o);
            fputs(strstr(policy, REMEDIATE_PLACEHOLDER "SENDER@")
                      ? "Senders (ses:FromAddress): none was named next to the key and the "
                        "account has no address identity in sight: fill in the placeholder "
                        "(or give --from-address).\n"
                      : "Senders (ses:FromAddress): none was named next to the key; the "
                        "account's address identities are used (--from-address replaces "
                        "them).\n",
                  out);
            free(policy);
        }
        policy = remediate_ses_policy(f, o);
        fputs(policy, out);
        free(policy);
    } else {
        fputs("\nsesame does not know what else this key was for: give the replacement only "
              "what its application uses (IAM Access Analyzer can generate a policy from "
              "CloudTrail activity).\n",
              out);
    }
    return STATUS_OK;
}

enum status remediate_print(const char *output, const struct finding *f,
                            const struct remediate_opts *o)
{
    FILE *out = stdout;
    enum status st;

    if (output && strcmp(output, "-") != 0 && !(out = fopen(output, "w")))
        return fail(STATUS_IO, "cannot write '%s': %s", output, strerror(errno));
    st = remediate_write(out, f, o);
    if (st == STATUS_OK && (fflush(out) != 0 || ferror(out)))
        st = fail(STATUS_IO, "cannot write the plan: %s", strerror(errno));
    if (out != stdout && fclose(out) != 0 && st == STATUS_OK)
        st = fail(STATUS_IO, "cannot write '%s': %s", output, strerror(errno));
    return st;
}

enum status remediate_find(struct finding *const *findings, size_t n, const char *which,
                           const char *where, const struct finding **out)
{
    size_t wl = strlen(which), hits = 0;

    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = findings[i];
        bool match = (f->access_key_id && strcmp(f->access_key_id, which) == 0) ||
                     (wl >= 4 && wl <= 16 && strncmp(f->fingerprint, which, wl) == 0);
        if (match) {
            hits++;
            *out = f;
        }
    }
    if (hits == 1)
        return STATUS_OK;
    *out = NULL;
    return hits ? fail(STATUS_USAGE, "'%s' names %zu findings: give more of the fingerprint",
                       which, hits)
                : fail(STATUS_USAGE, "no finding with fingerprint or key ID '%s' in the %s",
                       which, where);
}
