/*
 * verify/verify.c - the verifier's state machine: STS, then IAM and SES for live keys,
 * SMTP AUTH for SMTP passwords; retries with backoff and jitter, a pace per AWS account
 * and service (pace.h), every distinct credential checked once.
 *
 * Only these calls are ever made: sts:GetCallerIdentity, iam:GetAccessKeyLastUsed,
 * ses:GetSendQuota and ses:GetSendStatistics (v1), sesv2 GetAccount,
 * ListEmailIdentities and GetEmailIdentityPolicies, and an SMTP
 * EHLO/STARTTLS/AUTH/NOOP/QUIT. All read-only; none sends mail. A response that is not AWS's shape (a proxy's 403
 * page, a captive portal) is "unknown", never "invalid".
 */
#include "verify/verify.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "crypto/crypto.h"
#include "verify/awsresp.h"
#include "verify/http.h"
#include "verify/pace.h"
#include "verify/sesstats.h"
#include "verify/verify_calls.h"
#include "verify/verify_int.h"
#include "verify/sigv4.h"

#define UA "sesame/" SESAME_VERSION " (credential verifier; read-only)"

bool verify_is_canary_account(const char *account)
{
    return aws_is_canary_account(account);
}

void verify_default_opts(struct verify_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->concurrency = 8;
    o->timeout_ms = 10000;
    o->max_attempts = 4;
    o->rate_per_service = 100;
    o->now = (int64_t)time(NULL);
}

/* ---- jobs ----------------------------------------------------------------------- */

static void amz_date(char out[17])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void push_header(struct http_req *r, char *h)
{
    r->headers = xrealloc(r->headers, (r->n_headers + 1) * sizeof(char *));
    r->headers[r->n_headers++] = h;
}

/* Build a signed AWS request into c->req; for sesv2, v2_path (already URI-encoded)
 * replaces /v2/email/account and query_raw/query_wire are the query as signed and as
 * sent (NULL: none). */
enum status verify_build_aws(struct call_ctx *c, enum service svc, const char *region,
                                const char *method, const char *body, const char *v2_path,
                                const char *query_raw, const char *query_wire,
                                const char *id, const char *secret, const char *token)
{
    const char *sign_region = region;
    char *url = verify_endpoint(svc, region, &sign_region);
    char *host = verify_host_of(url);
    char *path;
    char date[17];
    struct sigv4_header h[4];
    size_t nh = 0;
    struct sigv4_request sr;
    struct sigv4_scope scope;
    struct sigv4_result res;
    enum status st;
    static const char ctype[] = "application/x-www-form-urlencoded; charset=utf-8";

    amz_date(date);
    if (body)
        h[nh++] = (struct sigv4_header){ "content-type", ctype };
    h[nh++] = (struct sigv4_header){ "host", host };
    h[nh++] = (struct sigv4_header){ "x-amz-date", date };
    if (token)
        h[nh++] = (struct sigv4_header){ "x-amz-security-token", token };
    if (v2_path) {
        static const char acct[] = "/v2/email/account";
        size_t l = strlen(url);
        char *u;
        if (l >= sizeof(acct) - 1 && strcmp(url + l - (sizeof(acct) - 1), acct) == 0)
            url[l - (sizeof(acct) - 1)] = '\0';
        u = xasprintf("%s%s%s%s", url, v2_path, query_wire ? "?" : "",
                      query_wire ? query_wire : "");
        free(url);
        url = u;
    }
    /* The path as sent is signed as a path to encode again: SigV4 for every service but
     * S3 encodes the URI-encoded path once more (botocore does; AWS-NOTES §3.1). */
    path = xstrndup(verify_path_of(url), strcspn(verify_path_of(url), "?"));
    memset(&sr, 0, sizeof(sr));
    sr.method = method;
    sr.path = path;
    sr.query = query_raw;
    sr.headers = h;
    sr.n_headers = nh;
    sr.body = (const unsigned char *)body;
    sr.body_len = body ? strlen(body) : 0;
    scope.amz_date = date;
    scope.region = sign_region;
    scope.service = svc == SVC_STS ? "sts" : svc == SVC_IAM ? "iam" : "ses";
    st = sigv4_sign(&sr, id, secret, &scope, &res);
    free(path);
    if (st != STATUS_OK) {
        free(url);
        free(host);
        return st;
    }
    memset(&c->req, 0, sizeof(c->req));
    c->req.kind = HTTP_REQ;
    c->req.url = url;
    c->req.method = method;
    c->req.ctx = c;
    if (body) {
        push_header(&c->req, xasprintf("Content-Type: %s", ctype));
        c->req.body = xstrdup(body);
        c->req.body_len = strlen(body);
    }
    push_header(&c->req, xasprintf("X-Amz-Date: %s", date));
    if (token)
        push_header(&c->req, xasprintf("X-Amz-Security-Token: %s", token));
    push_header(&c->req, xasprintf("Authorization: %s", res.authorization));
    if (svc == SVC_SESV2)
        push_header(&c->req, xstrdup("Accept: application/json"));
    sigv4_result_release(&res);
    free(host);
    return STATUS_OK;
}

static enum status build_aws(struct call_ctx *c, enum service svc, const char *region,
                             const char *method, const char *body, const char *id,
                             const char *secret, const char *token)
{
    return verify_build_aws(c, svc, region, method, body, NULL, NULL, NULL, id, secret, token);
}

static void schedule(struct verifier *vf, struct call_ctx *c, double delay)
{
    c->not_before = clock_now() + delay;
    XGROW(vf->timers, vf->cap_timers, vf->n_timers + 1);
    vf->timers[vf->n_timers++] = c;
}

struct call_ctx *verify_new_call(struct cred *cr, enum call call, enum service svc)
{
    struct call_ctx *c = xcalloc(1, sizeof(*c));
    c->cred = cr;
    c->call = call;
    c->svc = svc;
    if (cr)
        cr->outstanding++;
    return c;
}

static void end_call(struct call_ctx *c)
{
    if (c->cred)
        c->cred->outstanding--;
    http_req_release(&c->req);
    free(c->page);
    free(c);
}

/* (Re)build and queue a call; the signature is made fresh for every attempt. False if
 * the request could not be built (the caller still owns c). */
static bool submit(struct verifier *vf, struct call_ctx *c);


static void set_reason(struct verification *v, const char *fmt, ...) FORMAT(2, 3);
static void start_smtp(struct verifier *vf, struct cred *cr);

static void start_sts(struct verifier *vf, struct cred *cr)
{
    char buf[320];
    const char *no = verify_refused(SVC_STS, buf, sizeof(buf));

    if (no) {
        cr->v->status = VERIFY_UNKNOWN;
        set_reason(cr->v, "%s", no);
        if (cr->f->n_smtp_passwords)
            start_smtp(vf, cr);
        return;
    }
    verify_submit_new(vf, verify_new_call(cr, CALL_STS, SVC_STS));
}

static void set_reason(struct verification *v, const char *fmt, ...)
{
    va_list ap;
    char buf[512];
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    free(v->reason);
    v->reason = xstrdup(buf);
}

static bool throttling_code(const char *code)
{
    static const char *const codes[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

/* What the response of a finished request says, for the awsresp_* readers. */
struct awsresp_in verify_resp_in(const struct http_req *r)
{
    struct awsresp_in in;

    in.status = r->status;
    in.body = r->resp;
    in.len = r->resp_len;
    in.truncated = r->resp_truncated;
    in.error_type = r->error_type;
    return in;
}

/* The error code to act on: AWS's, or "" when the answer was not AWS's. */
const char *verify_err_code(enum awsresp_result res, const struct awsresp_error *err)
{
    return res == AWSRESP_AWS_ERROR ? err->code : "";
}

/* A one-line description of an answer that is not an AWS answer. */
char *verify_bad_answer(const struct http_req *r, const char *what,
                        const struct awsresp_error *err)
{
    if (r->status >= 200 && r->status <= 299)
        return xasprintf("HTTP %ld but not a %s answer: %s", r->status, what, err->why);
    return xasprintf("HTTP %ld without an AWS error (a proxy or portal?): %s", r->status,
                     err->why);
}

static bool retryable(const struct http_req *r, const char *code)
{
    if (r->transport_error)
        return true;
    if (r->status == 429 || r->status == 500 || r->status == 502 || r->status == 503 ||
        r->status == 504 || r->status == 509)
        return true;
    return code[0] && throttling_code(code);
}

/* Exponential backoff with full jitter: base 0.2 s, cap 5 s. */
static double backoff(struct verifier *vf, unsigned attempt)
{
    double cap = 0.2 * pow(2.0, (double)attempt);
    if (cap > 5.0)
        cap = 5.0;
    return cap * ((double)(rand_r(&vf->seed) % 1000) / 1000.0);
}

static void add_ses_region(struct verification *v, const char *region)
{
    for (size_t i = 0; i < v->n_ses; i++)
        if (strcmp(v->ses[i].region, region) == 0)
            return;
    v->ses = xrealloc(v->ses, (v->n_ses + 1) * sizeof(*v->ses));
    memset(&v->ses[v->n_ses], 0, sizeof(v->ses[0]));
    v->ses[v->n_ses].region = xstrdup(region);
    v->ses[v->n_ses].sandbox = -1;
    v->ses[v->n_ses].sending_enabled = -1;
    v->n_ses++;
}

static bool valid_region(const char *r)
{
    size_t n = strlen(r);
    return n > 3 && n < 32 && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
           strcmp(r, "N/A") != 0;
}

/* The operator's credentials for the calls they may make about keys of their own
 * account, so that the leaked key is used as little as possible. */
static bool use_operator(const struct verifier *vf, const struct cred *cr)
{
    return vf->op.id && vf->op_account && cr->v->account &&
           strcmp(vf->op_account, cr->v->account) == 0;
}

/* Submit SES call `call` about region i. */
static struct call_ctx *ses_call(struct verifier *vf, struct cred *cr, enum call call,
                                 enum service svc, size_t i)
{
    struct call_ctx *c = verify_new_call(cr, call, svc);
    c->index = i;
    c->with_operator = (call == CALL_SES_IDS || call == CALL_SES_POLICIES) &&
                       use_operator(vf, cr);
    verify_submit_new(vf, c);
    return c;
}

static void start_ses(struct verifier *vf, struct cred *cr)
{
    const struct verify_opts *o = vf->o;
    struct verification *v = cr->v;
    const struct finding *f = cr->f;

    if (v->last_used_region && v->last_used_service &&
        (strncmp(v->last_used_service, "ses", 3) == 0 ||
         strcmp(v->last_used_service, "email") == 0) &&
        valid_region(v->last_used_region))
        add_ses_region(v, v->last_used_region);
    for (size_t i = 0; i < f->n_regions; i++)
        if (valid_region(f->regions[i]))
            add_ses_region(v, f->regions[i]);
    for (size_t i = 0; i < f->n_smtp_passwords; i++)
        if (f->smtp_passwords[i].region && valid_region(f->smtp_passwords[i].region))
            add_ses_region(v, f->smtp_passwords[i].region);
    for (size_t i = 0; i < o->n_ses_regions; i++)
        if (valid_region(o->ses_regions[i]))
            add_ses_region(v, o->ses_regions[i]);
    if (v->n_ses == 0)
        add_ses_region(v, verify_client_region());
    for (size_t i = 0; i < v->n_ses; i++) {
        char b1[320], b2[320];
        const char *no1 = verify_refused(SVC_SES, b1, sizeof(b1));
        const char *no2 = verify_refused(SVC_SESV2, b2, sizeof(b2));
        if (no1 && no2 && !v->ses[i].error)
            v->ses[i].error = xstrdup(no1);
        if (!no1) {
            ses_call(vf, cr, CALL_SES, SVC_SES, i);
            ses_call(vf, cr, CALL_SES_STATS, SVC_SES, i);
        } else if (!v->ses[i].stats_error) {
            v->ses[i].stats_error = xstrdup(no1);
        }
        if (!no2) {
            ses_call(vf, cr, CALL_SESV2, SVC_SESV2, i);
            ses_call(vf, cr, CALL_SES_IDS, SVC_SESV2, i);
        } else if (!v->ses[i].identities_error) {
            v->ses[i].identities_error = xstrdup(no2);
        }
    }
}

static void start_iam(struct verifier *vf, struct cred *cr)
{
    char buf[320];
    const char *no = verify_refused(SVC_IAM, buf, sizeof(buf));
    struct call_ctx *c;

    if (no) {
        free(cr->v->last_used_error);
        cr->v->last_used_error = xstrdup(no);
        start_ses(vf, cr);
        return;
    }
    c = verify_new_call(cr, CALL_IAM, SVC_IAM);
    c->with_operator = use_operator(vf, cr);
    verify_submit_new(vf, c);
}


static const char *smtp_region(const struct verifier *vf, const struct cred *cr, size_t i,
                               size_t k);

static void start_smtp(struct verifier *vf, struct cred *cr)
{
    const struct finding *f = cr->f;

    if (vf->o->no_smtp || !f->access_key_id || strncmp(f->access_key_id, "AKIA", 4) != 0)
        return; /* temporary credentials never work over SMTP (AWS-NOTES §7.1) */
    cr->v->smtp = xcalloc(f->n_smtp_passwords + 1, sizeof(*cr->v->smtp));
    cr->v->n_smtp = f->n_smtp_passwords;
    for (size_t i = 0; i < f->n_smtp_passwords; i++) {
        char buf[320];
        const char *no = verify_smtp_refused(smtp_region(vf, cr, i, 0), buf, sizeof(buf));
        struct call_ctx *c;
        cr->v->smtp[i].status = VERIFY_UNKNOWN;
        if (no) {
            cr->v->smtp[i].reason = xstrdup(no);
            continue;
        }
        c = verify_new_call(cr, CALL_SMTP, SVC_SMTP);
        c->index = i;
        verify_submit_new(vf, c);
    }
}

/* The SMTP region for try `k` of password `i`: the linked or named region first, then
 * the SMTP region list. NULL when every region was tried. */
static const char *smtp_region(const struct verifier *vf, const struct cred *cr, size_t i,
                               size_t k)
{
    const struct finding *f = cr->f;
    const char *known = f->smtp_passwords[i].region;

    /* Regions come from the scanned file or from a report given to `sesame verify`: only
     * a region name may become part of the SMTP host name ("x@elsewhere:25/" must not
     * send the password elsewhere). */
    if (known && (strcmp(known, "v2") == 0 || !valid_region(known)))
        known = NULL;
    for (size_t r = 0; !known && r < f->n_regions; r++)
        if (valid_region(f->regions[r]))
            known = f->regions[r];
    if (known)
        return k == 0 ? known : NULL;
    if (verify_getenv("SESAME_SMTP_ENDPOINT"))
        return k == 0 ? verify_client_region() : NULL;
    return k < vf->o->n_smtp_regions ? vf->o->smtp_regions[k] : NULL;
}

static bool submit(struct verifier *vf, struct call_ctx *c)
{
    struct cred *cr = c->cred;
    enum status st = STATUS_OK;

    http_req_release(&c->req);
    switch (c->call) {
    case CALL_STS:
        st = build_aws(c, SVC_STS, verify_client_region(), "POST",
                       "Action=GetCallerIdentity&Version=2011-06-15", cr->id, cr->secret,
                       cr->token);
        break;
    case CALL_OPERATOR_STS:
        st = build_aws(c, SVC_STS, verify_client_region(), "POST",
                       "Action=GetCallerIdentity&Version=2011-06-15", vf->op.id, vf->op.secret,
                       vf->op.token);
        break;
    case CALL_IAM: {
        char *body = xasprintf("Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=%s",
                               cr->id);
        st = c->with_operator
                 ? build_aws(c, SVC_IAM, verify_client_region(), "POST", body, vf->op.id, vf->op.secret,
                             vf->op.token)
                 : build_aws(c, SVC_IAM, verify_client_region(), "POST", body, cr->id, cr->secret,
                             cr->token);
        free(body);
        break;
    }
    case CALL_SES:
        st = build_aws(c, SVC_SES, cr->v->ses[c->index].region, "POST",
                       "Action=GetSendQuota&Version=2010-12-01", cr->id, cr->secret, cr->token);
        break;
    case CALL_SESV2:
        st = build_aws(c, SVC_SESV2, cr->v->ses[c->index].region, "GET", NULL, cr->id,
                       cr->secret, cr->token);
        break;
    case CALL_SES_STATS:
        st = build_aws(c, SVC_SES, cr->v->ses[c->index].region, "POST",
                       "Action=GetSendStatistics&Version=2010-12-01", cr->id, cr->secret,
                       cr->token);
        break;
    case CALL_SES_IDS:
    case CALL_SES_POLICIES:
        st = verify_build_evidence(vf, c);
        break;
    case CALL_SMTP: {
        char url[512];
        const char *region = smtp_region(vf, cr, c->index, c->region_try);
        memset(&c->req, 0, sizeof(c->req));
        c->req.kind = HTTP_SMTP_AUTH;
        c->req.url = xstrdup(verify_smtp_endpoint(region ? region : "us-east-1", url, sizeof(url)));
        c->req.smtp_user = xstrdup(cr->f->access_key_id);
        c->req.smtp_password = xstrdup(cr->f->smtp_passwords[c->index].value);
        c->req.ctx = c;
        break;
    }
    }
    if (st != STATUS_OK) {
        log_warn("verify: cannot build a request: %s", status_message());
        return false;
    }
    schedule(vf, c, 0);
    return true;
}

void verify_submit_new(struct verifier *vf, struct call_ctx *c)
{
    if (!submit(vf, c))
        end_call(c);
}

/* The pace bucket of call c (pace.h) in buf: its service and AWS account; GetSendQuota
 * and GetSendStatistics also by region and operation, capped at the one call per second
 * AWS documents for each (*cap; 0: --verify-rate alone). */
static const char *pace_key(const struct call_ctx *c, char *buf, size_t n, double *cap)
{
    static const char *const names[SVC_COUNT] = { "sts", "iam", "ses", "sesv2", "smtp" };
    const char *acct = c->cred && c->cred->v->account ? c->cred->v->account : "";

    *cap = 0;
    if (c->call == CALL_SES || c->call == CALL_SES_STATS) {
        *cap = 1;
        snprintf(buf, n, "ses/%s/%s/%s", acct, c->cred->v->ses[c->index].region,
                 c->call == CALL_SES ? "GetSendQuota" : "GetSendStatistics");
    } else {
        snprintf(buf, n, "%s/%s", names[c->svc], acct);
    }
    return buf;
}

static bool take_token(struct verifier *vf, const struct call_ctx *c)
{
    char key[160];
    double cap;

    pace_key(c, key, sizeof(key), &cap);
    return pace_take(vf->pace, key, cap, clock_now());
}

/* Hand the calls that are due to the HTTP layer, as many as it can start now: a call
 * takes its pace token when it is sent, not while it waits for a connection (AWS sees
 * the pace), and the connections are kept full. */
static void release_timers(struct verifier *vf)
{
    double now = clock_now();
    size_t k = 0, i;

    for (i = 0; i < vf->n_timers && http_pending(vf->http) < vf->slots; i++) {
        struct call_ctx *c = vf->timers[i];
        if (c->not_before <= now && take_token(vf, c)) {
            vf->stats->requests++;
            http_submit(vf->http, &c->req);
        } else {
            vf->timers[k++] = c;
        }
    }
    if (k < i)
        memmove(vf->timers + k, vf->timers + i, (vf->n_timers - i) * sizeof(*vf->timers));
    vf->n_timers = k + (vf->n_timers - i);
}

/* Retry or give up; returns true if it was rescheduled. */
bool verify_maybe_retry(struct verifier *vf, struct call_ctx *c, const char *code)
{
    /* AWS asked us to slow down: halve the pace of this service for this account
     * (never below 1/s). */
    if ((code[0] && throttling_code(code)) || c->req.status == 429) {
        char key[160];
        double cap;
        pace_throttled(vf->pace, pace_key(c, key, sizeof(key), &cap), clock_now());
    }
    if (!retryable(&c->req, code) || c->attempt + 1 >= vf->o->max_attempts)
        return false;
    /* Re-sign: a fresh X-Amz-Date for the new attempt. */
    if (!submit(vf, c))
        return false;
    c->attempt++;
    c->not_before = clock_now() + backoff(vf, c->attempt);
    return true;
}

/* What STS said of each secret (issue 17): those tried before this one were wrong
 * (SignatureDoesNotMatch), this one gets the verdict, the ones after it are not tried
 * (not_checked); a key ID STS does not know makes every secret invalid. */
static void record_secrets(struct cred *cr, enum verify_status st)
{
    struct finding *f = cr->f;

    if (!f || cr->secret_idx >= f->n_secrets)
        return;
    for (size_t i = 0; st == VERIFY_INVALID && i < f->n_secrets; i++)
        f->secrets[i].status = VERIFY_INVALID;
    if (st != VERIFY_INVALID)
        f->secrets[cr->secret_idx].status = st;
}

static void on_sts(struct verifier *vf, struct call_ctx *c)
{
    struct cred *cr = c->cred;
    struct verification *v = cr->v;
    const struct http_req *r = &c->req;
    struct awsresp_in in = verify_resp_in(r);
    struct awsresp_sts ans;
    struct awsresp_error err;
    enum awsresp_result res = awsresp_sts(&in, &ans, &err);
    const char *code = verify_err_code(res, &err), *msg = err.message;

    /* Only a complete, well-formed answer over a transfer that ended well is "live";
     * anything else is never followed by IAM or SES calls. */
    if (!r->transport_error && res == AWSRESP_OK) {
        v->status = VERIFY_LIVE;
        free(v->arn);
        v->arn = xstrdup(ans.arn);
        free(v->account);
        v->account = xstrdup(ans.account);
        free(v->user_id);
        v->user_id = xstrdup(ans.user_id);
        set_reason(v, "GetCallerIdentity succeeded");
        record_secrets(cr, VERIFY_LIVE);
        start_iam(vf, cr);
        start_smtp(vf, cr);
        return;
    }
    if (verify_maybe_retry(vf, c, code))
        return;
    if (r->transport_error) {
        v->status = VERIFY_UNKNOWN;
        set_reason(v, "network: %s", r->error);
    } else if (res == AWSRESP_BAD) {
        /* Not AWS's answer: a cut body, a proxy, a captive portal, an HTML error page. */
        char *why = verify_bad_answer(r, "GetCallerIdentity", &err);
        v->status = VERIFY_UNKNOWN;
        set_reason(v, "%s", why);
        free(why);
    } else if (strcmp(code, "InvalidClientTokenId") == 0) {
        v->status = VERIFY_INVALID;
        set_reason(v, "InvalidClientTokenId");
    } else if (strcmp(code, "SignatureDoesNotMatch") == 0) {
        if (strncmp(msg, "Signature expired", 17) == 0 ||
            strncmp(msg, "Signature not yet current", 25) == 0) {
            v->status = VERIFY_UNKNOWN;
            set_reason(v, "clock skew: %s", msg);
        } else if (cr->secret_idx + 1 < cr->f->n_secrets) {
            /* Try the next candidate secret for this key ID. */
            record_secrets(cr, VERIFY_WRONG_SECRET);
            cr->secret_idx++;
            cr->secret = cr->f->secrets[cr->secret_idx].value;
            start_sts(vf, cr);
            return;
        } else {
            v->status = VERIFY_WRONG_SECRET;
            set_reason(v, "SignatureDoesNotMatch");
        }
    } else if (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "ExpiredTokenException") == 0) {
        v->status = VERIFY_EXPIRED;
        set_reason(v, "ExpiredToken");
    } else if ((r->status == 400 || r->status == 403) && throttling_code(code)) {
        v->status = VERIFY_UNKNOWN;
        set_reason(v, "throttled: %s", code);
    } else {
        v->status = VERIFY_UNKNOWN;
        set_reason(v, "HTTP %ld %s", r->status, code);
    }
    record_secrets(cr, v->status);
    if (v->status != VERIFY_LIVE && cr->f->n_smtp_passwords)
        start_smtp(vf, cr); /* an SMTP password can outlive a deleted access key check */
}

static void on_iam(struct verifier *vf, struct call_ctx *c)
{
    struct cred *cr = c->cred;
    struct verification *v = cr->v;
    const struct http_req *r = &c->req;
    struct awsresp_in in = verify_resp_in(r);
    struct awsresp_iam ans;
    struct awsresp_error err;
    enum awsresp_result res = awsresp_iam(&in, &ans, &err);
    const char *code = verify_err_code(res, &err);

    if (!r->transport_error && res == AWSRESP_OK) {
        v->last_used_known = true;
        if (ans.used)
            v->last_used = ans.last_used;
        v->last_used_service = xstrdup(ans.service);
        v->last_used_region = xstrdup(ans.region);
        v->last_used_via = xstrdup(c->with_operator ? "operator" : "key");
        start_ses(vf, cr);
        return;
    }
    if (verify_maybe_retry(vf, c, code))
        return;
    if (c->with_operator && strcmp(code, "AccessDenied") == 0) {
        /* The operator may not read this user's keys: ask with the key itself. */
        struct call_ctx *k = verify_new_call(cr, CALL_IAM, SVC_IAM);
        k->with_operator = false;
        verify_submit_new(vf, k);
        return;
    }
    free(v->last_used_error);
    v->last_used_error = r->transport_error     ? xasprintf("network: %s", r->error)
                         : res == AWSRESP_BAD ? verify_bad_answer(r, "GetAccessKeyLastUsed", &err)
                                              : xasprintf("%s", code);
    start_ses(vf, cr);
}

static void on_ses(struct verifier *vf, struct call_ctx *c, bool v2)
{
    struct ses_state *s = &c->cred->v->ses[c->index];
    const struct http_req *r = &c->req;
    struct awsresp_in in = verify_resp_in(r);
    struct awsresp_error err;
    enum awsresp_result res;

    if (!v2) {
        struct awsresp_quota q;
        res = awsresp_ses_quota(&in, &q, &err);
        if (!r->transport_error && res == AWSRESP_OK) {
            s->max_24h = q.max_24h;
            s->max_rate = q.max_rate;
            s->sent_24h = q.sent_24h;
            s->have_quota = true;
            if (s->sandbox < 0 && s->max_24h == 200 && s->max_rate == 1)
                s->sandbox = 1;
            return;
        }
    } else {
        struct awsresp_account a;
        res = awsresp_sesv2_account(&in, &a, &err);
        if (!r->transport_error && res == AWSRESP_OK) {
            s->sandbox = a.sandbox ? 1 : 0;
            s->sending_enabled = a.sending_enabled ? 1 : 0;
            if (a.enforcement[0]) {
                free(s->enforcement);
                s->enforcement = xstrdup(a.enforcement);
            }
            if (a.review_status[0])
                s->review_status = xstrdup(a.review_status);
            if (a.review_case_id[0])
                s->review_case_id = xstrdup(a.review_case_id);
            if (a.suppressed[0])
                s->suppressed_reasons = xstrdup(a.suppressed);
            if (!s->have_quota) {
                s->max_24h = a.max_24h;
                s->max_rate = a.max_rate;
                s->sent_24h = a.sent_24h;
                s->have_quota = true;
            }
            return;
        }
    }
    if (verify_maybe_retry(vf, c, verify_err_code(res, &err)))
        return;
    /* GetSendQuota's error is the one said when both calls fail, whichever answered
     * first: the report does not depend on the order of the answers. */
    if (s->error && v2)
        return;
    free(s->error);
    s->error = r->transport_error     ? xasprintf("network: %s", r->error)
               : res == AWSRESP_BAD ? verify_bad_answer(r, v2 ? "GetAccount" : "GetSendQuota", &err)
                                    : xasprintf("%s", err.code);
}

static void on_smtp(struct verifier *vf, struct call_ctx *c)
{
    struct cred *cr = c->cred;
    struct smtp_check *sc = &cr->v->smtp[c->index];
    const struct http_req *r = &c->req;
    const char *region = smtp_region(vf, cr, c->index, c->region_try);

    if (r->smtp_auth_ok && !r->transport_error) {
        sc->status = VERIFY_LIVE;
        free(sc->region);
        sc->region = region ? xstrdup(region) : NULL;
        free(sc->reason);
        sc->reason = xstrdup("235 Authentication successful");
    } else if (r->smtp_auth_denied && !r->transport_error) {
        /* Wrong region gives 535 too: try the next one if the region was a guess. */
        if (smtp_region(vf, cr, c->index, c->region_try + 1)) {
            struct call_ctx *n = verify_new_call(cr, CALL_SMTP, SVC_SMTP);
            n->index = c->index;
            n->region_try = c->region_try + 1;
            verify_submit_new(vf, n);
            return;
        }
        if (sc->status != VERIFY_LIVE) {
            sc->status = VERIFY_INVALID;
            free(sc->reason);
            sc->reason = xstrdup("535 Authentication Credentials Invalid");
        }
    } else {
        if (c->attempt + 1 < vf->o->max_attempts && (r->transport_error || r->status == 454 ||
                                                     r->status == 421 || r->status == 451)) {
            if (submit(vf, c)) {
                c->attempt++;
                c->not_before = clock_now() + backoff(vf, c->attempt);
                return;
            }
        }
        free(sc->reason);
        sc->reason = r->transport_error ? xasprintf("network: %s", r->error)
                                        : xasprintf("SMTP reply %ld without AUTH success",
                                                    r->status);
    }
}

static void on_operator(struct verifier *vf, struct call_ctx *c)
{
    struct awsresp_in in = verify_resp_in(&c->req);
    struct awsresp_sts ans;
    struct awsresp_error err;

    if (!c->req.transport_error && awsresp_sts(&in, &ans, &err) == AWSRESP_OK)
        vf->op_account = xstrdup(ans.account);
}

static void complete(struct verifier *vf, struct http_req *r)
{
    struct call_ctx *c = r->ctx;
    size_t before = vf->n_timers;

    switch (c->call) {
    case CALL_STS: on_sts(vf, c); break;
    case CALL_IAM: on_iam(vf, c); break;
    case CALL_SES: on_ses(vf, c, false); break;
    case CALL_SESV2: on_ses(vf, c, true); break;
    case CALL_SMTP: on_smtp(vf, c); break;
    case CALL_OPERATOR_STS: on_operator(vf, c); break;
    case CALL_SES_STATS: verify_on_ses_stats(vf, c); break;
    case CALL_SES_IDS: verify_on_ses_ids(vf, c); break;
    case CALL_SES_POLICIES: verify_on_ses_policies(vf, c); break;
    }
    /* A rescheduled call is on the timer list again; anything else is done. */
    for (size_t i = before; i < vf->n_timers; i++)
        if (vf->timers[i] == c)
            return;
    end_call(c);
}

static void run(struct verifier *vf)
{
    struct http_req *done[64];

    while (vf->n_timers || http_pending(vf->http)) {
        size_t n;
        release_timers(vf);
        n = http_poll(vf->http, done, ARRAY_SIZE(done), http_pending(vf->http) ? 50 : 0);
        for (size_t i = 0; i < n; i++)
            complete(vf, done[i]);
        if (n == 0 && !http_pending(vf->http) && vf->n_timers) {
            struct timespec ts = { 0, 5 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
}

static struct verification *new_verification(const struct verify_opts *o, const struct finding *f)
{
    struct verification *v = xcalloc(1, sizeof(*v));
    v->checked_at = o->now;
    if (f->account_id)
        v->account = xstrdup(f->account_id);
    return v;
}

/* An access key ID as the API models define it: 16 to 128 word characters. */
static bool valid_key_id(const char *id)
{
    size_t n = strlen(id);
    return n >= 16 && n <= 128 &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* A session token: base64 characters only (it goes into a header). */
static bool valid_token(const char *t)
{
    size_t n = strlen(t);
    return n > 0 &&
           strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == n;
}

static bool skipped_account(const struct verify_opts *o, const char *account)
{
    for (size_t i = 0; account && i < o->n_skip_accounts; i++)
        if (strcmp(account, o->skip_accounts[i]) == 0)
            return true;
    return false;
}

enum status verify_findings(struct finding *const *findings, size_t n,
                            const struct verify_opts *o, struct verify_stats *stats)
{
    struct verifier vf;
    struct http_opts ho;
    struct cred *creds = xcalloc(n + 1, sizeof(*creds));
    enum status st;
    double t0 = clock_now();
    char why[320];

    memset(stats, 0, sizeof(*stats));
    memset(&vf, 0, sizeof(vf));
    verify_use_env(o->env);
    vf.o = o;
    vf.stats = stats;
    vf.seed = (unsigned)time(NULL);
    ho.concurrency = o->concurrency ? o->concurrency : 8;
    ho.timeout_ms = o->timeout_ms ? o->timeout_ms : 10000;
    ho.ca_bundle = verify_getenv("AWS_CA_BUNDLE");
    ho.user_agent = UA;
    if ((st = http_new(&vf.http, &ho)) != STATUS_OK) {
        free(creds);
        return st;
    }
    vf.pace = pace_new(o->rate_per_service);
    vf.slots = ho.concurrency;
    verify_operator_creds(o->audit_profile, &vf.op);
    if (vf.op.id && !verify_refused(SVC_STS, why, sizeof(why))) {
        struct call_ctx *c = verify_new_call(NULL, CALL_OPERATOR_STS, SVC_STS);
        verify_submit_new(&vf, c);
        run(&vf); /* the operator's account decides which keys IAM is asked about by whom */
    }
    for (size_t i = 0; i < n; i++) {
        struct finding *f = findings[i];
        struct cred *cr = &creds[i];
        bool has = f->n_secrets || f->n_smtp_passwords;

        if (f->verification || (!has && !f->access_key_id))
            continue;
        f->verification = new_verification(o, f);
        cr->f = f;
        cr->v = f->verification;
        cr->id = f->access_key_id;
        cr->token = f->n_session_tokens ? f->session_tokens[0].value : NULL;
        if (f->example) {
            cr->v->status = VERIFY_SKIPPED;
            set_reason(cr->v, "AWS documentation example");
        } else if (verify_is_canary_account(f->account_id)) {
            cr->v->status = VERIFY_SKIPPED;
            set_reason(cr->v, "canary token account %s (decoded offline; not contacted)",
                       f->account_id);
        } else if (skipped_account(o, f->account_id)) {
            cr->v->status = VERIFY_SKIPPED;
            set_reason(cr->v, "account %s is in --skip-accounts", f->account_id);
        } else if (!f->access_key_id) {
            cr->v->status = VERIFY_NOT_CHECKED;
            set_reason(cr->v, "no key ID next to this value: nothing to check it with");
        } else if (!valid_key_id(f->access_key_id) || (cr->token && !valid_token(cr->token))) {
            /* A report given to `sesame verify` can hold anything: a key ID or token that
             * could add parameters ("&Action=...") or headers to a request is not sent. */
            cr->v->status = VERIFY_NOT_CHECKED;
            set_reason(cr->v, "the key ID or session token has characters AWS never uses");
        } else if (f->n_secrets) {
            cr->secret = f->secrets[0].value;
            stats->credentials++;
            start_sts(&vf, cr);
            continue;
        } else if (f->n_smtp_passwords) {
            stats->credentials++;
            start_smtp(&vf, cr);
            continue;
        } else {
            cr->v->status = VERIFY_NOT_CHECKED;
            set_reason(cr->v, "key ID without a secret");
        }
        for (size_t k = 0; cr->v->status == VERIFY_SKIPPED && k < f->n_secrets; k++)
            f->secrets[k].status = VERIFY_SKIPPED; /* not contacted, with any secret */
        if (cr->v->status == VERIFY_SKIPPED)
            stats->skipped++;
    }
    run(&vf);
    /* SMTP-only findings: the verdict is the SMTP check's. */
    for (size_t i = 0; i < n; i++) {
        struct verification *v = creds[i].v;
        if (!v || creds[i].f->n_secrets || v->status != VERIFY_NOT_CHECKED || !v->n_smtp)
            continue;
        v->status = VERIFY_UNKNOWN;
        for (size_t k = 0; k < v->n_smtp; k++) {
            if (v->smtp[k].status == VERIFY_LIVE) {
                v->status = VERIFY_LIVE;
                break;
            }
            if (v->smtp[k].status == VERIFY_INVALID)
                v->status = VERIFY_INVALID;
        }
        set_reason(v, "SMTP AUTH: %s", v->smtp[0].reason ? v->smtp[0].reason : "no answer");
    }
    stats->seconds = clock_now() - t0;
    verify_creds_release(&vf.op);
    free(vf.op_account);
    free(vf.timers);
    pace_free(vf.pace);
    http_free(vf.http);
    free(creds);
    return STATUS_OK;
}
