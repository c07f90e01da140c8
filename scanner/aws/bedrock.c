/*
 * aws/bedrock.c - offline decoding of Amazon Bedrock API keys (see bedrock.h).
 *
 * Input is untrusted (any matched text): everything is bounded by the fixed-size fields
 * of struct bedrock_info and by AWS_BEDROCK_MAX_BYTES of decoded text; a field that does
 * not fit or is malformed leaves the key undecoded rather than guessed.
 */
#include "aws/bedrock.h"

#include <string.h>

#define AWS_BEDROCK_MAX_BYTES 4096u
#define AWS_BEDROCK_LONG_PREFIX "ABSK"
#define AWS_BEDROCK_SHORT_PREFIX "bedrock-api-key-"

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Base64 (either alphabet, padding optional) into out[0, cap); length or SIZE_MAX. */
static size_t b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;

    while (n > 0 && s[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            return SIZE_MAX;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k >= cap)
                return SIZE_MAX;
            out[k++] = (unsigned char)(acc >> bits);
        }
    }
    return k;
}

/* Copy a name made of [A-Za-z0-9_.-] (a user name, a region) into dst[cap]. */
static bool copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
            return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

/* "BedrockAPIKey-XXXX-at-ACCOUNT:PASSWORD" */
static bool decode_long(const char *t, size_t n, struct bedrock_info *out)
{
    static const char head[] = "BedrockAPIKey-";
    const char *colon = memchr(t, ':', n);
    const char *at = NULL;

    if (n < sizeof(head) - 1 || memcmp(t, head, sizeof(head) - 1) != 0 || !colon)
        return false;
    for (const char *p = t + sizeof(head); p + 4 <= colon; p++) /* a name after the head */
        if (memcmp(p, "-at-", 4) == 0)
            at = p; /* the last one: the user name part has no "-at-" of its own */
    if (!at || colon - (at + 4) != 12 || !all_digits(at + 4, 12) || colon + 1 == t + n)
        return false;
    if (!copy_field(out->service_user, sizeof(out->service_user), t, (size_t)(at - t)))
        return false;
    memcpy(out->account_id, at + 4, 12);
    out->account_id[12] = '\0';
    out->type = BEDROCK_LONG_TERM;
    return true;
}

/* The value of query parameter `name` in t[0, n) ("&name=" or "?name="), or NULL. */
static const char *param(const char *t, size_t n, const char *name, size_t *len)
{
    size_t m = strlen(name);

    for (size_t i = 0; i + m + 1 < n; i++) {
        if ((t[i] == '&' || t[i] == '?') && memcmp(t + i + 1, name, m) == 0 &&
            t[i + 1 + m] == '=') {
            const char *v = t + i + 2 + m;
            const char *e = memchr(v, '&', (size_t)(t + n - v));
            *len = (size_t)((e ? e : t + n) - v);
            return v;
        }
    }
    return NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned num(const char *s, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* X-Amz-Date (YYYYMMDDTHHMMSSZ) + X-Amz-Expires (seconds, at most 7 days) -> Unix time. */
static int64_t expiry(const char *date, size_t dn, const char *exp, size_t en)
{
    unsigned mo, d, h, mi, se;

    if (dn != 16 || date[8] != 'T' || date[15] != 'Z' || !all_digits(date, 8) ||
        !all_digits(date + 9, 6) || !all_digits(exp, en) || en > 6)
        return 0;
    mo = num(date + 4, 2), d = num(date + 6, 2), h = num(date + 9, 2);
    mi = num(date + 11, 2), se = num(date + 13, 2);
    if (num(date, 4) < 2000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        se > 60 || num(exp, en) > 604800)
        return 0; /* SigV4 came in 2012: an earlier date is not a real signature's */
    return days_from_civil(num(date, 4), mo, d) * 86400 + h * 3600 + mi * 60 + se + num(exp, en);
}

/* X-Amz-Credential, URL-encoded: AKID%2FYYYYMMDD%2FREGION%2Fbedrock%2Faws4_request */
static bool credential(const char *v, size_t n, struct bedrock_info *out)
{
    char buf[160];
    size_t k = 0;
    const char *slash1, *slash2, *slash3;

    for (size_t i = 0; i < n; i++) {
        if (k + 1 >= sizeof(buf))
            return false;
        if (v[i] == '%' && i + 2 < n && v[i + 1] == '2' && (v[i + 2] == 'F' || v[i + 2] == 'f')) {
            buf[k++] = '/';
            i += 2;
        } else {
            buf[k++] = v[i];
        }
    }
    buf[k] = '\0';
    slash1 = memchr(buf, '/', k);
    if (!slash1 || slash1 - buf != 20)
        return false;
    for (const char *p = buf; p < slash1; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    slash2 = memchr(slash1 + 1, '/', (size_t)(buf + k - slash1 - 1));
    slash3 = slash2 ? memchr(slash2 + 1, '/', (size_t)(buf + k - slash2 - 1)) : NULL;
    if (!slash3 || strncmp(slash3 + 1, "bedrock/", 8) != 0)
        return false;
    memcpy(out->key_id, buf, 20);
    out->key_id[20] = '\0';
    return copy_field(out->region, sizeof(out->region), slash2 + 1, (size_t)(slash3 - slash2 - 1));
}

static bool decode_short(const char *t, size_t n, struct bedrock_info *out)
{
    static const char host[] = "bedrock.amazonaws.com/?";
    const char *v, *date, *exp;
    size_t vn, dn = 0, en = 0;

    if (n < sizeof(host) - 1 || memcmp(t, host, sizeof(host) - 1) != 0)
        return false;
    t += sizeof(host) - 2, n -= sizeof(host) - 2; /* keep the '?' */
    if (!(v = param(t, n, "X-Amz-Credential", &vn)) || !credential(v, vn, out))
        return false;
    date = param(t, n, "X-Amz-Date", &dn);
    exp = param(t, n, "X-Amz-Expires", &en);
    out->expires = date && exp ? expiry(date, dn, exp, en) : 0;
    out->has_token = param(t, n, "X-Amz-Security-Token", &vn) != NULL && vn > 0;
    out->type = BEDROCK_SHORT_TERM;
    return true;
}

bool aws_bedrock_decode(const char *value, size_t len, struct bedrock_info *out)
{
    static const size_t lp = sizeof(AWS_BEDROCK_LONG_PREFIX) - 1;
    static const size_t sp = sizeof(AWS_BEDROCK_SHORT_PREFIX) - 1;
    unsigned char text[AWS_BEDROCK_MAX_BYTES];
    size_t n;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    if (!value)
        return false;
    if (len > lp && memcmp(value, AWS_BEDROCK_LONG_PREFIX, lp) == 0) {
        n = b64_decode(value + lp, len - lp, text, sizeof(text));
        ok = n != SIZE_MAX && decode_long((const char *)text, n, out);
    } else if (len > sp && memcmp(value, AWS_BEDROCK_SHORT_PREFIX, sp) == 0) {
        n = b64_decode(value + sp, len - sp, text, sizeof(text));
        ok = n != SIZE_MAX && decode_short((const char *)text, n, out);
    }
    if (!ok)
        memset(out, 0, sizeof(*out));
    memset(text, 0, sizeof(text)); /* it held the key's password or signature */
    return ok;
}

const char *aws_bedrock_type_name(enum bedrock_type t)
{
    switch (t) {
    case BEDROCK_LONG_TERM: return "long-term";
    case BEDROCK_SHORT_TERM: return "short-term";
    case BEDROCK_UNKNOWN: break;
    }
    return "unknown";
}
