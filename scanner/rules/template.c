/*
 * rules/template.c - expand {PLACEHOLDERS} in rule examples with fakekey values.
 */
#include "rules/template.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "rules/fakekey.h"

struct values {
    char akia[21], asia[21], abia[21], acca[21], aida[21], aroa[21], akia_old[21];
    char akia_lower[21], akia_bad[21];
    char secret[41], secret2[41];
    char token[361];
    char smtp[45], smtp_eu[45], smtp2[45];
    char hex40[41], b64_44[45], uuid[37];
    char bedrock[FAKEKEY_BEDROCK_LT_SIZE], bedrock_st[FAKEKEY_BEDROCK_ST_SIZE];
};

static void make_values(struct values *v, uint64_t seed)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fakekey_access_key_id(&rng, "AKIA", true, v->akia);
    fakekey_access_key_id(&rng, "ASIA", true, v->asia);
    fakekey_access_key_id(&rng, "ABIA", true, v->abia);
    fakekey_access_key_id(&rng, "ACCA", true, v->acca);
    fakekey_access_key_id(&rng, "AIDA", true, v->aida);
    fakekey_access_key_id(&rng, "AROA", true, v->aroa);
    fakekey_access_key_id(&rng, "AKIA", false, v->akia_old);
    memcpy(v->akia_lower, v->akia, sizeof(v->akia));
    for (int i = 0; i < 20; i++)
        if (v->akia_lower[i] >= 'A' && v->akia_lower[i] <= 'Z')
            v->akia_lower[i] = (char)(v->akia_lower[i] - 'A' + 'a');
    memcpy(v->akia_bad, v->akia, sizeof(v->akia));
    v->akia_bad[11] = '8'; /* not base32 */
    fakekey_secret(&rng, v->secret);
    fakekey_secret(&rng, v->secret2);
    fakekey_session_token(&rng, v->token, 360);
    aws_smtp_password_v4(v->secret, 40, "us-east-1", v->smtp);
    aws_smtp_password_v4(v->secret, 40, "eu-west-1", v->smtp_eu);
    aws_smtp_password_v2(v->secret, 40, v->smtp2);
    for (int i = 0; i < 40; i++)
        v->hex40[i] = "0123456789abcdef"[fakekey_next(&rng) & 15];
    v->hex40[40] = '\0';
    for (int i = 0; i < 43; i++)
        v->b64_44[i] = b64[fakekey_next(&rng) & 63];
    v->b64_44[0] = 'B';
    v->b64_44[43] = '=';
    v->b64_44[44] = '\0';
    for (int i = 0; i < 36; i++)
        v->uuid[i] = (i == 8 || i == 13 || i == 18 || i == 23)
                         ? '-'
                         : "0123456789abcdef"[fakekey_next(&rng) & 15];
    v->uuid[36] = '\0';
    fakekey_bedrock_long_term(&rng, v->bedrock);
    fakekey_bedrock_short_term(&rng, v->asia, v->token, "us-west-2", v->bedrock_st);
}

struct ph {
    const char *name;
    size_t off;
    enum cred_kind kind;
};

#define PH(n, f, k) { n, offsetof(struct values, f), k }
static const struct ph placeholders[] = {
    PH("AKIA", akia, CRED_ACCESS_KEY_ID),   PH("ASIA", asia, CRED_ACCESS_KEY_ID),
    PH("ABIA", abia, CRED_ACCESS_KEY_ID),   PH("ACCA", acca, CRED_ACCESS_KEY_ID),
    PH("AIDA", aida, CRED_CONTEXT),         PH("AROA", aroa, CRED_CONTEXT),
    PH("AKIA_OLD", akia_old, CRED_ACCESS_KEY_ID),
    PH("AKIA_LOWER", akia_lower, CRED_CONTEXT),  PH("AKIA_BAD", akia_bad, CRED_CONTEXT),
    PH("SECRET", secret, CRED_SECRET_ACCESS_KEY),
    PH("SECRET2", secret2, CRED_SECRET_ACCESS_KEY),
    PH("TOKEN", token, CRED_SESSION_TOKEN), PH("SMTP", smtp, CRED_SMTP_PASSWORD),
    PH("SMTP_EU", smtp_eu, CRED_SMTP_PASSWORD), PH("SMTP2", smtp2, CRED_SMTP_PASSWORD),
    PH("HEX40", hex40, CRED_CONTEXT),       PH("B64_44", b64_44, CRED_CONTEXT),
    PH("UUID", uuid, CRED_CONTEXT),
    PH("BEDROCK", bedrock, CRED_BEDROCK_API_KEY),
    PH("BEDROCK_ST", bedrock_st, CRED_BEDROCK_API_KEY),
};

/* "FROM,LEN" or "FROM" in [s, end): a slice of a value of `n` characters. */
static bool slice(const char *s, const char *end, size_t n, size_t *from, size_t *len)
{
    size_t f = 0, l = 0;
    bool has_len = false;

    if (s == end)
        return false;
    for (; s < end && *s >= '0' && *s <= '9'; s++)
        f = f * 10 + (size_t)(*s - '0');
    if (s < end && *s == ',') {
        has_len = true;
        for (s++; s < end && *s >= '0' && *s <= '9'; s++)
            l = l * 10 + (size_t)(*s - '0');
    }
    if (s != end || f > n || f > 4096 || l > 4096)
        return false;
    *from = f;
    *len = has_len ? l : SIZE_MAX;
    return true;
}

char *template_fill(const char *tmpl, uint64_t seed, enum cred_kind want, char **expected)
{
    struct values v;
    struct buf out = BUF_INIT((size_t)1 << 24);
    const char *p = tmpl;

    *expected = NULL;
    make_values(&v, seed);
    while (*p) {
        const char *close;
        bool done = false;
        if (*p == '{' && (close = strchr(p, '}'))) {
            /* {NAME}, or a slice of it: {NAME@FROM,LEN} / {NAME@FROM} (split values) */
            const char *at = memchr(p, '@', (size_t)(close - p));
            size_t name_len = (size_t)((at ? at : close) - p - 1);
            for (size_t i = 0; i < ARRAY_SIZE(placeholders); i++) {
                const struct ph *ph = &placeholders[i];
                size_t n = strlen(ph->name), from = 0, len = SIZE_MAX;
                if (name_len == n && strncmp(p + 1, ph->name, n) == 0) {
                    const char *val = (const char *)&v + ph->off;
                    if (at && !slice(at + 1, close, strlen(val), &from, &len))
                        break;
                    if (len > strlen(val) - from)
                        len = strlen(val) - from;
                    if (!*expected && ph->kind == want && want != CRED_CONTEXT)
                        *expected = xstrdup(val);
                    if (buf_append(&out, val + from, len) != STATUS_OK)
                        return buf_take(&out);
                    p = close + 1;
                    done = true;
                    break;
                }
            }
        }
        if (!done && buf_appendc(&out, *p++) != STATUS_OK)
            break;
    }
    return buf_take(&out);
}
