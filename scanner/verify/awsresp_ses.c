/*
 * verify/awsresp_ses.c - read the SES sending-evidence answers strictly: v1
 * GetSendStatistics (an XML list), sesv2 ListEmailIdentities and
 * GetEmailIdentityPolicies (JSON), and what a sending-authorization policy allows.
 *
 * Same rules as awsresp.c: a cut body, a non-AWS body, a field of the wrong type or a
 * list past its cap is AWSRESP_BAD, never a partial answer. It does not decide what the
 * evidence means (verify/sesstats.c sums it up, rank/ ranks it).
 */
#include "verify/awsresp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "json/json.h"
#include "verify/awsresp_int.h"
#include "verify/awsxml.h"

/* ---- GetSendStatistics ---------------------------------------------------------- */

struct stats_read {
    struct awsresp_stats *out;
    size_t cap;
};

/* A count: decimal digits only, at most 15 of them. */
static bool count(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    uint64_t v = 0;

    if (n == 0 || n > 15 || strspn(s, "0123456789") != n)
        return false;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    *out = v;
    return true;
}

static bool stats_item(void *payload, const struct awsxml_field *f, size_t n, char *why,
                       size_t why_size)
{
    struct stats_read *r = payload;
    struct awsresp_point p;

    (void)n;
    if (r->out->n >= LIMIT_SES_DATA_POINTS) {
        snprintf(why, why_size, "more than %u data points", LIMIT_SES_DATA_POINTS);
        return false;
    }
    for (size_t i = 0; i < 5; i++)
        if (f[i].count != 1) {
            snprintf(why, why_size, "a data point without <%s>", f[i].path);
            return false;
        }
    if (!awsresp_iso8601(f[0].out, &p.at) || !count(f[1].out, &p.attempts) ||
        !count(f[2].out, &p.bounces) || !count(f[3].out, &p.complaints) ||
        !count(f[4].out, &p.rejects)) {
        snprintf(why, why_size, "a data point with a bad timestamp or count");
        return false;
    }
    XGROW(r->out->points, r->cap, r->out->n + 1);
    r->out->points[r->out->n++] = p;
    return true;
}

enum awsresp_result awsresp_ses_stats(const struct awsresp_in *in, struct awsresp_stats *out,
                                      struct awsresp_error *err)
{
    char ts[64], a[32], b[32], c[32], d[32], why[200];
    char list_tag[8];
    struct awsxml_field f[5] = {
        { "Timestamp", ts, sizeof(ts), 0 },      { "DeliveryAttempts", a, sizeof(a), 0 },
        { "Bounces", b, sizeof(b), 0 },          { "Complaints", c, sizeof(c), 0 },
        { "Rejects", d, sizeof(d), 0 },
    };
    /* SendDataPoints itself must be there (an empty list is an answer: nothing sent). */
    struct awsxml_field top[1] = { { "GetSendStatisticsResult/SendDataPoints", list_tag,
                                     sizeof(list_tag), 0 } };
    struct stats_read r = { out, 0 };
    struct awsxml_list list = { "GetSendStatisticsResult/SendDataPoints/member", f, 5,
                                stats_item, &r, 0 };
    enum awsresp_result res;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    /* SendDataPoints holds elements, so it is read as a list's parent: its presence is
     * checked by a second, list-free pass only when the list is empty. */
    if (!awsxml_read_list(in->body, in->len, "GetSendStatisticsResponse", NULL, 0, &list, why,
                          sizeof(why))) {
        awsresp_stats_release(out);
        return awsresp_bad(err, "not a well-formed GetSendStatisticsResponse: %s", why);
    }
    if (list.count == 0 &&
        (!awsxml_read(in->body, in->len, "GetSendStatisticsResponse", top, 1, why,
                      sizeof(why)) ||
         top[0].count != 1)) {
        awsresp_stats_release(out);
        return awsresp_bad(err, "GetSendStatisticsResponse without <SendDataPoints>");
    }
    return AWSRESP_OK;
}

void awsresp_stats_release(struct awsresp_stats *s)
{
    free(s->points);
    s->points = NULL;
    s->n = 0;
}

/* ---- sesv2 JSON answers --------------------------------------------------------- */

/* Parse a 2xx JSON object answer, or say why not. */
static struct jv *json_answer(const struct awsresp_in *in, const char *what,
                              struct awsresp_error *err)
{
    struct jv_error je;
    struct jv *j;

    if (awsresp_first_char(in) != '{') {
        awsresp_bad(err, "not a JSON %s answer", what);
        return NULL;
    }
    j = jv_parse(in->body, in->len, JV_REJECT_DUPLICATES, &je);
    if (!j) {
        awsresp_json_why(err, &je);
        return NULL;
    }
    if (!jv_is_object(j)) {
        jv_free(j);
        awsresp_bad(err, "%s answer is not a JSON object", what);
        return NULL;
    }
    return j;
}

/* Printable ASCII without space, 1 to n - 1 bytes. */
static bool printable(const char *s, size_t n)
{
    size_t l = s ? strlen(s) : 0;

    if (l == 0 || l >= n)
        return false;
    for (size_t i = 0; i < l; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool upper(const char *s, size_t n)
{
    size_t l = s ? strlen(s) : 0;
    return l > 0 && l < n && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == l;
}

static bool identity(const struct jv *e, struct awsresp_identity *id)
{
    const char *name = jv_string(jv_get(e, "IdentityName"), NULL);
    const char *type = jv_string(jv_get(e, "IdentityType"), NULL);
    const struct jv *se = jv_get(e, "SendingEnabled"), *vs = jv_get(e, "VerificationStatus");
    const char *st = jv_string(vs, NULL);

    memset(id, 0, sizeof(*id));
    if (!jv_is_object(e) || !printable(name, sizeof(id->name)) ||
        (type && !upper(type, sizeof(id->type))) ||
        (jv_get(e, "IdentityType") && !type) || (se && !jv_is_bool(se)) ||
        (vs && !upper(st, sizeof(id->status))))
        return false;
    snprintf(id->name, sizeof(id->name), "%s", name);
    snprintf(id->type, sizeof(id->type), "%s", type ? type : "");
    id->sending_enabled = se ? jv_is_true(se) : -1;
    snprintf(id->status, sizeof(id->status), "%s", st ? st : "");
    return true;
}

enum awsresp_result awsresp_sesv2_identities(const struct awsresp_in *in,
                                             struct awsresp_identities *out,
                                             struct awsresp_error *err)
{
    enum awsresp_result res = AWSRESP_OK;
    const struct jv *list, *nt;
    const char *tok;
    struct jv *j;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    if (!(j = json_answer(in, "ListEmailIdentities", err)))
        return AWSRESP_BAD;
    list = jv_get(j, "EmailIdentities");
    nt = jv_get(j, "NextToken");
    tok = jv_string(nt, NULL);
    if (!jv_is_array(list)) {
        res = awsresp_bad(err, "ListEmailIdentities answer without an EmailIdentities list");
    } else if (jv_len(list) > 1000) {
        res = awsresp_bad(err, "ListEmailIdentities page with more than 1000 identities");
    } else if (nt && !(tok && strlen(tok) < sizeof(out->next_token) &&
                       strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789+/=_.~-") == strlen(tok))) {
        res = awsresp_bad(err, "ListEmailIdentities answer with an odd NextToken");
    } else {
        out->items = xcalloc(jv_len(list) + 1, sizeof(*out->items));
        for (size_t i = 0; i < jv_len(list); i++) {
            if (!identity(jv_at(list, i), &out->items[i])) {
                res = awsresp_bad(err, "ListEmailIdentities: identity %zu is malformed", i);
                break;
            }
            out->n++;
        }
        if (tok)
            snprintf(out->next_token, sizeof(out->next_token), "%s", tok);
    }
    jv_free(j);
    if (res != AWSRESP_OK)
        awsresp_identities_release(out);
    return res;
}

void awsresp_identities_release(struct awsresp_identities *s)
{
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

static int cmp_policy(const void *a, const void *b)
{
    return strcmp(((const struct awsresp_policy *)a)->name,
                  ((const struct awsresp_policy *)b)->name);
}

enum awsresp_result awsresp_sesv2_policies(const struct awsresp_in *in, const char *account,
                                           struct awsresp_policies *out,
                                           struct awsresp_error *err)
{
    enum awsresp_result res = AWSRESP_OK;
    const struct jv *map, *val;
    const char *name;
    struct jv *j;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    if (!(j = json_answer(in, "GetEmailIdentityPolicies", err)))
        return AWSRESP_BAD;
    map = jv_get(j, "Policies");
    if (!jv_is_object(map)) {
        jv_free(j);
        return awsresp_bad(err, "GetEmailIdentityPolicies answer without a Policies map");
    }
    out->items = xcalloc(LIMIT_SES_POLICIES + 1, sizeof(*out->items));
    for (size_t i = 0; (name = jv_member(map, i, &val)) != NULL; i++) {
        size_t len;
        const char *text = jv_string(val, &len);
        struct awsresp_policy *p = &out->items[out->n];
        if (out->n >= LIMIT_SES_POLICIES) {
            res = awsresp_bad(err, "more than %u policies on one identity", LIMIT_SES_POLICIES);
            break;
        }
        if (!text || !printable(name, sizeof(p->name))) {
            res = awsresp_bad(err, "GetEmailIdentityPolicies: policy %zu is malformed", i);
            break;
        }
        awsresp_policy_read(text, len, account, p);
        snprintf(p->name, sizeof(p->name), "%s", name);
        out->n++;
    }
    jv_free(j);
    if (res != AWSRESP_OK)
        awsresp_policies_release(out);
    else if (out->n > 1)
        qsort(out->items, out->n, sizeof(*out->items), cmp_policy);
    return res;
}

void awsresp_policies_release(struct awsresp_policies *s)
{
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

/* ---- what a policy allows ------------------------------------------------------- */

/* Case-insensitive glob ('*', '?') as IAM matches actions. */
static bool glob(const char *p, const char *s)
{
    const char *star = NULL, *back = NULL;

    while (*s) {
        char pc = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        char sc = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
        if (*p == '*') {
            star = p++;
            back = s;
        } else if (*p && (pc == sc || *p == '?')) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++back;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* A string or an array of strings: does any match a sending action? -1 if malformed. */
static int sends(const struct jv *v)
{
    static const char *const acts[] = { "ses:SendEmail", "ses:SendRawEmail" };
    size_t n = jv_is_array(v) ? jv_len(v) : 1;
    int any = 0;

    for (size_t i = 0; i < n; i++) {
        const char *a = jv_string(jv_is_array(v) ? jv_at(v, i) : v, NULL);
        if (!a)
            return -1;
        for (size_t k = 0; k < 2; k++)
            any |= glob(a, acts[k]);
    }
    return any;
}

/* Is item s in the ','-separated list? */
static bool listed(const char *list, const char *s)
{
    size_t l = strlen(s);

    for (const char *p = list; l && (p = strstr(p, s)) != NULL; p += l)
        if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == '\0'))
            return true;
    return false;
}

/* Append s to a ','-separated list in out (once). */
static void add_item(char *out, size_t n, const char *s)
{
    size_t used = strlen(out), l = strlen(s);

    if (l == 0 || listed(out, s))
        return; /* an empty name: nothing to list (and strstr would find it everywhere) */
    if (used + l + 2 < n)
        snprintf(out + used, n - used, "%s%s", used ? "," : "", s);
}

/* Collect a statement's principals into out, and those that are not `account` itself
 * into others (either may be NULL); true if one is not the account. -1 if malformed. */
static int principals(const struct jv *pr, const char *account, char *out, size_t n,
                      char *others, size_t on)
{
    const char *s = jv_string(pr, NULL), *key;
    const struct jv *val;
    int other = 0;

    if (s) {
        if (strcmp(s, "*") != 0)
            return -1;
        if (out)
            add_item(out, n, "*");
        if (others)
            add_item(others, on, "*");
        return 1;
    }
    if (!jv_is_object(pr))
        return -1;
    for (size_t i = 0; (key = jv_member(pr, i, &val)) != NULL; i++) {
        size_t m = jv_is_array(val) ? jv_len(val) : 1;
        for (size_t k = 0; k < m; k++) {
            char shown[160];
            const char *p = jv_string(jv_is_array(val) ? jv_at(val, k) : val, NULL);
            if (!p)
                return -1;
            awsresp_copy(shown, sizeof(shown), p, strlen(p), false);
            if (out)
                add_item(out, n, shown);
            /* The account itself: "ACCT", "arn:aws:iam::ACCT:root" (any partition). */
            if (!account || strcmp(key, "AWS") != 0 ||
                (strcmp(p, account) != 0 &&
                 !(strncmp(p, "arn:", 4) == 0 && strstr(p, account) &&
                   strstr(p, ":root")))) {
                other = 1;
                if (others)
                    add_item(others, on, shown);
            }
        }
    }
    return other;
}

static bool restricting_key(const char *k)
{
    static const char *const keys[] = { "ses:FromAddress", "ses:FeedbackAddress",
                                        "ses:Recipients",  "aws:SourceIp",
                                        "aws:SourceVpc",   "aws:SourceVpce",
                                        "aws:SourceAccount", "aws:SourceArn" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcasecmp(k, keys[i]) == 0)
            return true;
    return false;
}

/* The condition keys of a Condition block into out; true if one restricts sending. -1
 * if malformed. */
static int conditions(const struct jv *c, char *out, size_t n)
{
    const struct jv *keys, *val;
    const char *op, *k;
    int restricts = 0;

    if (!c)
        return 0;
    if (!jv_is_object(c))
        return -1;
    for (size_t i = 0; (op = jv_member(c, i, &keys)) != NULL; i++) {
        if (!jv_is_object(keys))
            return -1;
        for (size_t j = 0; (k = jv_member(keys, j, &val)) != NULL; j++) {
            char shown[96];
            awsresp_copy(shown, sizeof(shown), k, strlen(k), false);
            add_item(out, n, shown);
            restricts |= restricting_key(k);
        }
    }
    return restricts;
}

static void policy_bad(struct awsresp_policy *out, const char *why)
{
    out->open = -1;
    out->principals[0] = out->conditions[0] = '\0';
    snprintf(out->why, sizeof(out->why), "not a readable IAM policy: %s", why);
}

/* A Deny statement on sending: whom it covers and whether it denies outright (no
 * Condition) or unless a condition on the sender, recipients or source holds. */
struct deny {
    char who[512];   /* its principals, ','-separated ("*": everyone) */
    bool not_who;    /* NotPrincipal: everyone but `who` */
    bool outright;   /* no Condition: sending is denied to them */
    char conds[256]; /* its restricting condition keys */
};

/* Does Deny d cover principal x (a shown principal of an Allow statement)? */
static bool deny_covers(const struct deny *d, const char *x)
{
    if (d->not_who)
        return !listed(d->who, x) && !listed(d->who, "*");
    return listed(d->who, "*") || listed(d->who, x);
}

/* Is every principal in the ','-separated `others` covered by a Deny? The first one
 * that covers is named in *by. */
static bool narrowed(const char *others, const struct deny *d, size_t nd, const struct deny **by)
{
    char item[160];
    const char *p = others;

    *by = NULL;
    while (*p) {
        size_t l = strcspn(p, ",");
        size_t k = 0;
        snprintf(item, sizeof(item), "%.*s", (int)l, p);
        while (k < nd && !deny_covers(&d[k], item))
            k++;
        if (k == nd)
            return false;
        if (!*by)
            *by = &d[k];
        p += l + (p[l] == ',');
    }
    return *by != NULL;
}

/* Read a Deny statement that takes sending away into d; false if it does not narrow
 * (no sending action, a condition that restricts nothing, no readable principal). */
static bool deny_read(const struct jv *st, int restricts, const char *conds, struct deny *d)
{
    const struct jv *pr = jv_get(st, "Principal"), *np = jv_get(st, "NotPrincipal");

    memset(d, 0, sizeof(*d));
    if (jv_get(st, "Condition") && !restricts)
        return false;
    if (!pr == !np || principals(pr ? pr : np, NULL, d->who, sizeof(d->who), NULL, 0) < 0)
        return false;
    d->not_who = np != NULL;
    d->outright = !jv_get(st, "Condition");
    snprintf(d->conds, sizeof(d->conds), "%s", conds);
    return true;
}

void awsresp_policy_read(const char *text, size_t len, const char *account,
                         struct awsresp_policy *out)
{
    struct jv_error je;
    struct jv *j = jv_parse(text, len, JV_REJECT_DUPLICATES, &je);
    const struct jv *sts;
    struct deny denies[LIMIT_SES_POLICY_DENIES];
    const struct deny *narrowing = NULL;
    size_t n, nd = 0;
    bool deny = false;

    memset(out, 0, sizeof(*out));
    if (!j) {
        policy_bad(out, "not JSON");
        return;
    }
    sts = jv_get(j, "Statement");
    if (!jv_is_object(j) || (!jv_is_array(sts) && !jv_is_object(sts))) {
        policy_bad(out, "no Statement");
        jv_free(j);
        return;
    }
    n = jv_is_array(sts) ? jv_len(sts) : 1;
    /* Two passes: the Deny statements first, since one may narrow an earlier Allow. */
    for (int pass = 0; pass < 2 && out->open >= 0; pass++)
        for (size_t i = 0; i < n; i++) {
            const struct jv *st = jv_is_array(sts) ? jv_at(sts, i) : sts;
            const char *effect = jv_string(jv_get(st, "Effect"), NULL);
            const struct jv *act = jv_get(st, "Action"), *nact = jv_get(st, "NotAction");
            int s, p, c;
            char conds[256] = "", others[512] = "";
            const struct deny *by;
            if (!jv_is_object(st) || !effect ||
                (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0) ||
                (!act == !nact)) {
                policy_bad(out, "a statement without Effect or Action");
                break;
            }
            /* NotAction: everything but the listed actions, sending included unless
             * listed. */
            s = act ? sends(act) : sends(nact) < 0 ? -1 : !sends(nact);
            c = conditions(jv_get(st, "Condition"), conds, sizeof(conds));
            if (s < 0 || c < 0) {
                policy_bad(out, "a statement with a malformed Action or Condition");
                break;
            }
            if (strcmp(effect, "Deny") == 0) {
                deny = true;
                if (pass == 0 && s && nd < LIMIT_SES_POLICY_DENIES &&
                    deny_read(st, c, conds, &denies[nd]))
                    nd++;
                continue;
            }
            if (pass == 0 || !s)
                continue;
            p = principals(jv_get(st, "Principal"), account, out->principals,
                           sizeof(out->principals), others, sizeof(others));
            if (p < 0) {
                policy_bad(out, "an Allow statement without a valid Principal");
                break;
            }
            if (conds[0])
                add_item(out->conditions, sizeof(out->conditions), conds);
            if (!p || c)
                continue;
            if (narrowed(others, denies, nd, &by)) {
                if (!narrowing)
                    narrowing = by;
                if (by->conds[0])
                    add_item(out->conditions, sizeof(out->conditions), by->conds);
            } else {
                out->open = 1;
            }
        }
    jv_free(j);
    if (out->open < 0)
        return;
    if (out->open)
        snprintf(out->why, sizeof(out->why),
                 "lets %s send as this identity with no condition on the sender, "
                 "recipients or source%s",
                 strcmp(out->principals, "*") == 0 ? "anyone" : "another principal",
                 deny ? " (no Deny statement narrows it)" : "");
    else if (narrowing && narrowing->outright)
        snprintf(out->why, sizeof(out->why), "sending allowed to another principal is taken "
                                             "back by a Deny statement");
    else if (narrowing)
        snprintf(out->why, sizeof(out->why), "sending allowed to another principal is "
                                             "narrowed by a Deny statement unless %.160s holds",
                 narrowing->conds);
    else if (out->principals[0])
        snprintf(out->why, sizeof(out->why), "sending is allowed only under conditions (%.160s) "
                                             "or to the account itself",
                 out->conditions[0] ? out->conditions : "none");
    else
        snprintf(out->why, sizeof(out->why), "does not allow sending");
}
