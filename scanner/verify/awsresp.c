/*
 * verify/awsresp.c - read AWS's answers and error bodies strictly.
 *
 * Each reader first decides which kind of body it holds from the status: 2xx must be
 * the call's answer, anything else must be an AWS error (XML ErrorResponse, or REST-JSON
 * with the x-amzn-ErrorType header); what fits neither is AWSRESP_BAD with a reason.
 * It does not decide verdicts (verify.c does) and never reads past in->len.
 */
#include "verify/awsresp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/compiler.h"
#include "json/json.h"
#include "verify/awsxml.h"
#include "verify/awsresp_int.h"

enum awsresp_result awsresp_bad(struct awsresp_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->why, sizeof(err->why), fmt, ap);
    va_end(ap);
    return AWSRESP_BAD;
}

/* Copy s[0, n) into out as report-safe text: control characters and, unless utf8_ok,
 * every byte outside printable ASCII become '?' (a cut UTF-8 sequence at the end is
 * dropped). */
void awsresp_copy(char *out, size_t out_size, const char *s, size_t n, bool utf8_ok)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 1 < out_size; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c < 0x20 || c == 0x7f || (!utf8_ok && c >= 0x80)) ? '?' : (char)c;
    }
    /* Do not end inside a UTF-8 sequence that did not fit. */
    if (utf8_ok && o > 0 && ((unsigned char)out[o - 1] & 0x80)) {
        size_t k = o;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
            k--;
        if (k > 0) {
            unsigned char lead = (unsigned char)out[k - 1];
            size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
            if (o - (k - 1) < want)
                o = k - 1;
        }
    }
    out[o] = '\0';
}

/* Text from an XML body on one line: the reader keeps tabs, newlines and DEL, which a
 * report line must not hold. */
void awsresp_one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/* An error code as AWS spells them: letters, digits, '.', '_', '-', at most 127. */
static bool code_ok(const char *c)
{
    size_t n = strlen(c);
    return n > 0 && n < 128 &&
           strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The body's first byte that is not white space, or 0. */
char awsresp_first_char(const struct awsresp_in *in)
{
    for (size_t i = 0; i < in->len; i++)
        if (in->body[i] != ' ' && in->body[i] != '\t' && in->body[i] != '\n' &&
            in->body[i] != '\r')
            return in->body[i];
    return 0;
}

void awsresp_json_why(struct awsresp_error *err, const struct jv_error *je)
{
    char text[160];

    awsresp_copy(text, sizeof(text), je->text, strlen(je->text), false);
    awsresp_bad(err, "not well-formed JSON: %s (byte %ld)", text, (long)je->position);
}

/* obj[k1] if it is a string, else obj[k2] if it is one, else NULL. */
static const char *first_str(const struct jv *obj, const char *k1, const char *k2)
{
    const char *s = jv_string(jv_get(obj, k1), NULL);

    return s != NULL ? s : jv_string(jv_get(obj, k2), NULL);
}

/* The error code of an x-amzn-ErrorType header ("Code:http://..."). */
static void header_code(const char *h, char *code, size_t cs)
{
    awsresp_copy(code, cs, h, strcspn(h, ":"), false);
}

/* A non-2xx answer: AWS's error, or not AWS's answer at all. */
static enum awsresp_result read_error(const struct awsresp_in *in, struct awsresp_error *err)
{
    char c = awsresp_first_char(in);

    if (c == '<') {
        struct awsxml_field f[2] = {
            { "Error/Code", err->code, sizeof(err->code), 0 },
            { "Error/Message", err->message, sizeof(err->message), 0 },
        };
        char why[200], why2[200];
        if (!awsxml_read(in->body, in->len, "ErrorResponse", f, 2, why, sizeof(why))) {
            /* Also the bare <Error> root some endpoints use (S3-style). */
            f[0].path = "Code";
            f[1].path = "Message";
            if (!awsxml_read(in->body, in->len, "Error", f, 2, why2, sizeof(why2))) {
                err->code[0] = err->message[0] = '\0';
                return awsresp_bad(err, "not a well-formed ErrorResponse: %s", why);
            }
        }
    } else if (c == '{') {
        struct jv_error je;
        struct jv *j = jv_parse(in->body, in->len, JV_REJECT_DUPLICATES, &je);
        const struct jv *e;
        const char *t, *m;
        if (!j) {
            awsresp_json_why(err, &je);
            return AWSRESP_BAD;
        }
        if (!jv_is_object(j)) {
            jv_free(j);
            return awsresp_bad(err, "JSON error body is not an object");
        }
        e = jv_get(j, "Error");
        t = first_str(j, "__type", "code");
        if (!t)
            t = jv_string(jv_get(e, "Code"), NULL);
        m = first_str(j, "message", "Message");
        if (!m)
            m = jv_string(jv_get(e, "Message"), NULL);
        if (in->error_type) {
            header_code(in->error_type, err->code, sizeof(err->code));
        } else if (t) {
            const char *hash = strrchr(t, '#'); /* "com.amazon...#Code" */
            awsresp_copy(err->code, sizeof(err->code), hash ? hash + 1 : t,
                      strlen(hash ? hash + 1 : t), false);
        }
        if (m)
            awsresp_copy(err->message, sizeof(err->message), m, strlen(m), true);
        jv_free(j);
    } else if (c == 0 && in->error_type) {
        header_code(in->error_type, err->code, sizeof(err->code)); /* no body */
    } else if (c == 0) {
        return awsresp_bad(err, "%s body", in->len ? "blank" : "empty");
    } else {
        return awsresp_bad(err, "not an AWS error body (it starts with '%c')",
                   c > 0x20 && c < 0x7f ? c : '?');
    }
    if (!code_ok(err->code)) {
        err->code[0] = err->message[0] = '\0'; /* nothing of a body that is not AWS's */
        return awsresp_bad(err, "error body without a valid error code");
    }
    awsresp_one_line(err->message);
    return AWSRESP_AWS_ERROR;
}

/* Common start: the error struct cleared; a cut body or a non-2xx status decided here.
 * Returns true when the caller should read a 2xx answer. */
bool awsresp_begin(const struct awsresp_in *in, struct awsresp_error *err,
                  enum awsresp_result *res)
{
    memset(err, 0, sizeof(*err));
    if (in->truncated) {
        *res = awsresp_bad(err, "body cut at the %zu-byte cap", in->len);
        return false;
    }
    if (in->status < 200 || in->status > 299) {
        *res = read_error(in, err);
        return false;
    }
    return true;
}

/* An XML answer: root and fields (all required), or AWSRESP_BAD naming what is wrong.
 * A control character in a field (XML allows tab, CR and LF) becomes '?', as in
 * safe_copy: the fields go into reports. */
static enum awsresp_result read_xml(const struct awsresp_in *in, const char *root,
                                    struct awsxml_field *f, size_t n, size_t n_required,
                                    struct awsresp_error *err)
{
    char why[200];

    if (!awsxml_read(in->body, in->len, root, f, n, why, sizeof(why)))
        return awsresp_bad(err, "not a well-formed %s: %s", root, why);
    for (size_t i = 0; i < n_required; i++)
        if (f[i].count != 1 || !f[i].out[0])
            return awsresp_bad(err, "%s without <%s>", root, f[i].path);
    return AWSRESP_OK;
}

/* A decimal number, all of s, finite. */
bool awsresp_number(const char *s, double *out)
{
    char *end;
    double v;

    if (!*s)
        return false;
    v = strtod(s, &end);
    if (*end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool digits(const char *s, size_t n, int lo, int hi, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v >= lo && v <= hi;
}

/* "YYYY-MM-DDTHH:MM:SS", optional fraction, then "Z" or "+00:00": seconds since the epoch. */
bool awsresp_iso8601(const char *s, int64_t *out)
{
    struct tm tm;
    const char *z;
    int y, mo, d, h, mi, se;

    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return false;
    if (!digits(s, 4, 1970, 9999, &y) || !digits(s + 5, 2, 1, 12, &mo) ||
        !digits(s + 8, 2, 1, 31, &d) || !digits(s + 11, 2, 0, 23, &h) ||
        !digits(s + 14, 2, 0, 59, &mi) || !digits(s + 17, 2, 0, 60, &se))
        return false;
    z = s + 19;
    if (*z == '.') {
        z++;
        if (*z < '0' || *z > '9')
            return false;
        while (*z >= '0' && *z <= '9')
            z++;
    }
    if (strcmp(z, "Z") != 0 && strcmp(z, "z") != 0 && strcmp(z, "+00:00") != 0)
        return false;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (int64_t)timegm(&tm);
    return true;
}

enum awsresp_result awsresp_sts(const struct awsresp_in *in, struct awsresp_sts *out,
                                struct awsresp_error *err)
{
    struct awsxml_field f[3] = {
        { "GetCallerIdentityResult/Arn", out->arn, sizeof(out->arn), 0 },
        { "GetCallerIdentityResult/Account", out->account, sizeof(out->account), 0 },
        { "GetCallerIdentityResult/UserId", out->user_id, sizeof(out->user_id), 0 },
    };
    enum awsresp_result res;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    if ((res = read_xml(in, "GetCallerIdentityResponse", f, 3, 3, err)) != AWSRESP_OK)
        return res;
    if (strlen(out->account) != 12 || strspn(out->account, "0123456789") != 12)
        return awsresp_bad(err, "GetCallerIdentityResponse: <Account> is not 12 digits");
    if (strncmp(out->arn, "arn:", 4) != 0)
        return awsresp_bad(err, "GetCallerIdentityResponse: <Arn> is not an ARN");
    awsresp_one_line(out->arn);
    awsresp_one_line(out->user_id);
    return AWSRESP_OK;
}

enum awsresp_result awsresp_iam(const struct awsresp_in *in, struct awsresp_iam *out,
                                struct awsresp_error *err)
{
    char date[64];
    struct awsxml_field f[3] = {
        { "GetAccessKeyLastUsedResult/AccessKeyLastUsed/ServiceName", out->service,
          sizeof(out->service), 0 },
        { "GetAccessKeyLastUsedResult/AccessKeyLastUsed/Region", out->region,
          sizeof(out->region), 0 },
        { "GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate", date, sizeof(date), 0 },
    };
    enum awsresp_result res;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    if ((res = read_xml(in, "GetAccessKeyLastUsedResponse", f, 3, 2, err)) != AWSRESP_OK)
        return res;
    if (f[2].count) {
        if (!awsresp_iso8601(date, &out->last_used))
            return awsresp_bad(err, "GetAccessKeyLastUsedResponse: <LastUsedDate> is not a date");
        out->used = true;
    }
    awsresp_one_line(out->service);
    awsresp_one_line(out->region);
    return AWSRESP_OK;
}

enum awsresp_result awsresp_ses_quota(const struct awsresp_in *in, struct awsresp_quota *out,
                                      struct awsresp_error *err)
{
    char a[64], b[64], c[64];
    struct awsxml_field f[3] = {
        { "GetSendQuotaResult/Max24HourSend", a, sizeof(a), 0 },
        { "GetSendQuotaResult/MaxSendRate", b, sizeof(b), 0 },
        { "GetSendQuotaResult/SentLast24Hours", c, sizeof(c), 0 },
    };
    enum awsresp_result res;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    if ((res = read_xml(in, "GetSendQuotaResponse", f, 3, 3, err)) != AWSRESP_OK)
        return res;
    if (!awsresp_number(a, &out->max_24h) || !awsresp_number(b, &out->max_rate) ||
        !awsresp_number(c, &out->sent_24h))
        return awsresp_bad(err, "GetSendQuotaResponse: a quota is not a number");
    return AWSRESP_OK;
}

static bool json_num(const struct jv *o, const char *key, double *out)
{
    double v;

    if (!jv_number(jv_get(o, key), &v) || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A word of AWS's upper-case vocabulary ("PENDING", "BOUNCE") that fits in n bytes. */
static bool upper_word(const char *s, size_t n)
{
    size_t l = s ? strlen(s) : 0;
    return l > 0 && l < n && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == l;
}

/* GetAccount's optional Details.ReviewDetails and SuppressionAttributes: absent is
 * fine, present with the wrong shape is not an answer. */
static bool account_details(const struct jv *j, struct awsresp_account *out)
{
    const struct jv *d = jv_get(j, "Details"), *sa = jv_get(j, "SuppressionAttributes");
    const struct jv *rd = d ? jv_get(d, "ReviewDetails") : NULL, *sr;

    if ((d && !jv_is_object(d)) || (rd && !jv_is_object(rd)) || (sa && !jv_is_object(sa)))
        return false;
    if (rd) {
        const struct jv *st = jv_get(rd, "Status"), *ci = jv_get(rd, "CaseId");
        const char *s = jv_string(st, NULL), *c = jv_string(ci, NULL);
        if ((st && !upper_word(s, sizeof(out->review_status))) || (ci && !c) ||
            (c && strlen(c) >= sizeof(out->review_case_id)))
            return false;
        if (s)
            snprintf(out->review_status, sizeof(out->review_status), "%s", s);
        if (c)
            awsresp_copy(out->review_case_id, sizeof(out->review_case_id), c, strlen(c), false);
    }
    sr = sa ? jv_get(sa, "SuppressedReasons") : NULL;
    if (sr && !jv_is_array(sr))
        return false;
    for (size_t i = 0; i < jv_len(sr); i++) {
        const char *r = jv_string(jv_at(sr, i), NULL);
        size_t used = strlen(out->suppressed);
        if (!upper_word(r, 16) || used + strlen(r) + 2 > sizeof(out->suppressed))
            return false;
        snprintf(out->suppressed + used, sizeof(out->suppressed) - used, "%s%s",
                 used ? "," : "", r);
    }
    return true;
}

enum awsresp_result awsresp_sesv2_account(const struct awsresp_in *in,
                                          struct awsresp_account *out,
                                          struct awsresp_error *err)
{
    enum awsresp_result res = AWSRESP_OK;
    struct jv_error je;
    struct jv *j;
    const struct jv *pa, *se, *q, *es;
    const char *es_s = NULL;
    size_t es_len = 0;

    memset(out, 0, sizeof(*out));
    if (!awsresp_begin(in, err, &res))
        return res;
    if (awsresp_first_char(in) != '{')
        return in->len ? awsresp_bad(err, "not a JSON GetAccount answer") : awsresp_bad(err, "empty body");
    j = jv_parse(in->body, in->len, JV_REJECT_DUPLICATES, &je);
    if (!j) {
        awsresp_json_why(err, &je);
        return AWSRESP_BAD;
    }
    pa = jv_get(j, "ProductionAccessEnabled");
    se = jv_get(j, "SendingEnabled");
    q = jv_get(j, "SendQuota");
    es = jv_get(j, "EnforcementStatus");
    if (es)
        es_s = jv_string(es, &es_len);
    if (!jv_is_object(j)) {
        res = awsresp_bad(err, "GetAccount answer is not a JSON object");
    } else if (!jv_is_bool(pa) || !jv_is_bool(se)) {
        res = awsresp_bad(err, "GetAccount answer without ProductionAccessEnabled and SendingEnabled");
    } else if (!jv_is_object(q) || !json_num(q, "Max24HourSend", &out->max_24h) ||
               !json_num(q, "MaxSendRate", &out->max_rate) ||
               !json_num(q, "SentLast24Hours", &out->sent_24h)) {
        res = awsresp_bad(err, "GetAccount answer without a numeric SendQuota");
    } else if (es && (!es_s || es_len >= sizeof(out->enforcement) ||
                      strspn(es_s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != es_len)) {
        res = awsresp_bad(err, "GetAccount answer with an odd EnforcementStatus");
    } else if (!account_details(j, out)) {
        res = awsresp_bad(err, "GetAccount answer with odd Details or SuppressionAttributes");
    } else {
        out->sandbox = !jv_is_true(pa);
        out->sending_enabled = jv_is_true(se);
        if (es)
            snprintf(out->enforcement, sizeof(out->enforcement), "%s", es_s);
    }
    jv_free(j);
    return res;
}
