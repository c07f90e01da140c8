/*
 * aws/keys.c - AWS key arithmetic, offline: account IDs, SES SMTP passwords,
 * documentation examples, entropy.
 *
 * Nothing here touches the network, and nothing here decides whether a value is a finding.
 * The tricky point is the account ID: old-generation key IDs decode to garbage unless the
 * generation bit is checked first (AWS-NOTES §2, §10 item 6).
 */
#include "aws/keys.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "base/compiler.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"

#define ENRICH_KEY_ID_LEN 20
#define ENRICH_KEY_ID_PREFIX_LEN 4
#define ENRICH_ACCOUNT_MAX 999999999999ULL
#define ENRICH_SHA256_LEN 32
#define ENRICH_SMTP_RAW_LEN (1 + ENRICH_SHA256_LEN) /* version byte + HMAC */

/* The fixed inputs of the SES SMTP v4 derivation (AWS-NOTES §7.1). */
#define ENRICH_SMTP_DATE "11111111"
#define ENRICH_SMTP_SERVICE "ses"
#define ENRICH_SMTP_TERMINAL "aws4_request"
#define ENRICH_SMTP_MESSAGE "SendRawEmail"
#define ENRICH_SMTP_V4 0x04
#define ENRICH_SMTP_V2 0x02

/*
 * AWS's published documentation example credentials (AWS-NOTES §1.6) and the SES SMTP
 * passwords derived from the example secrets (AWS-NOTES §7.1). These are public, not
 * credentials, and are kept here and in the unit test vectors only.
 */
static const char *const enrich_examples[] = {
    /* key IDs */
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "AKIDEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "ASIAWHOJDLGPOEXAMPLE",
    /* secret access keys, including the 41-character typo of the IAM guide */
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    /* SES SMTP passwords derived from the example secrets */
    "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9", /* v4 us-east-1 */
    "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS", /* v4 us-east-2 */
    "BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd", /* v4 us-west-2 */
    "BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk", /* v4 eu-west-1 */
    "BOntiZFm/r+5s3psZ/RpsjB+aSGsj2J0rXdiLuO0cQL7", /* v4 us-east-1, '+' secret */
    "An60U4ZD3sd4fg+FvXUjayOipTt8LO4rUUmhpdX6ctDy", /* v2 */
};

/* Session-token prefixes after which "EXAMPLE" marks a documentation token (§1.5). */
static const char *const enrich_token_prefixes[] = {
    "AQoDYXdz",         /* oldest tokens: AWS doc examples "AQoDYXdzEGcaEXAMPLE..." */
    "IQoJb3JpZ2luX2Vj", /* modern tokens */
};

/* Value of an RFC 4648 base32 character, or -1. */
static int enrich_base32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

bool aws_account_id(const char *key_id, size_t len, char out[13])
{
    uint64_t bits = 0; /* the first 60 bits of the 80-bit body are all we need */
    uint64_t z, account;
    int v;

    out[0] = '\0';
    if (key_id == NULL || len != ENRICH_KEY_ID_LEN)
        return false;
    for (size_t i = ENRICH_KEY_ID_PREFIX_LEN; i < ENRICH_KEY_ID_LEN; i++) {
        v = enrich_base32_value(key_id[i]);
        if (v < 0)
            return false;
        if (i < ENRICH_KEY_ID_PREFIX_LEN + 12)
            bits = (bits << 5) | (uint64_t)v;
    }
    /* 12 characters = 60 bits; the first 48 of them are z (AWS-NOTES §2 step 2). */
    z = bits >> 12;
    if (((z >> 47) & 1) == 0)
        return false; /* old generation: no account encoded */
    account = (z & 0x7fffffffff80ULL) >> 7;
    if (account > ENRICH_ACCOUNT_MAX)
        return false;
    for (int i = 11; i >= 0; i--) {
        out[i] = (char)('0' + (int)(account % 10));
        account /= 10;
    }
    out[12] = '\0';
    return true;
}

/* out = HMAC-SHA256(key, msg). */
static bool enrich_hmac(const void *key, size_t key_len, const char *msg,
                        unsigned char out[ENRICH_SHA256_LEN])
{
    return crypto_hmac_sha256(key, key_len, msg, strlen(msg), out);
}

/* out = base64(version || mac): 44 characters and a NUL. */
static void enrich_smtp_encode(unsigned char version, const unsigned char mac[ENRICH_SHA256_LEN],
                               char out[45])
{
    unsigned char raw[ENRICH_SMTP_RAW_LEN];

    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    raw[0] = version;
    memcpy(raw + 1, mac, ENRICH_SHA256_LEN);
    /* 33 bytes: eleven whole groups of three, no padding */
    for (size_t i = 0, o = 0; i < sizeof(raw); i += 3, o += 4) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        out[o] = b64[v >> 18];
        out[o + 1] = b64[(v >> 12) & 63];
        out[o + 2] = b64[(v >> 6) & 63];
        out[o + 3] = b64[v & 63];
    }
    out[44] = '\0';
    crypto_wipe(raw, sizeof(raw));
}

void aws_smtp_passwords_v4(const char *secret, size_t len, const char *const *regions,
                           size_t n, char (*out)[45])
{
    static const char scope_prefix[] = "AWS4";
    unsigned char *key = NULL;
    unsigned char date_key[ENRICH_SHA256_LEN];
    unsigned char sig[ENRICH_SHA256_LEN];
    unsigned char next[ENRICH_SHA256_LEN];
    size_t key_len;
    bool dated;

    for (size_t r = 0; r < n; r++)
        out[r][0] = '\0';
    if (secret == NULL || n == 0)
        return;

    /* The SigV4 key chain with a fixed date and one extra step (AWS-NOTES §7.1). Its
     * first step does not depend on the region: done once for all of them. */
    key_len = st_add(sizeof(scope_prefix) - 1, len);
    key = xmalloc(key_len);
    memcpy(key, scope_prefix, sizeof(scope_prefix) - 1);
    memcpy(key + sizeof(scope_prefix) - 1, secret, len);
    dated = enrich_hmac(key, key_len, ENRICH_SMTP_DATE, date_key);
    for (size_t r = 0; dated && r < n; r++) {
        const char *steps[4] = { regions[r], ENRICH_SMTP_SERVICE, ENRICH_SMTP_TERMINAL,
                                 ENRICH_SMTP_MESSAGE };
        bool ok = regions[r] != NULL;

        memcpy(sig, date_key, sizeof(sig));
        for (size_t i = 0; ok && i < ARRAY_SIZE(steps); i++) {
            ok = enrich_hmac(sig, sizeof(sig), steps[i], next);
            memcpy(sig, next, sizeof(sig));
        }
        if (ok)
            enrich_smtp_encode(ENRICH_SMTP_V4, sig, out[r]);
    }
    crypto_wipe(date_key, sizeof(date_key));
    crypto_wipe(sig, sizeof(sig));
    crypto_wipe(next, sizeof(next));
    crypto_wipe(key, key_len);
    free(key);
}

void aws_smtp_password_v4(const char *secret, size_t len, const char *region, char out[45])
{
    aws_smtp_passwords_v4(secret, len, &region, 1, (char(*)[45])out);
}

void aws_smtp_password_v2(const char *secret, size_t len, char out[45])
{
    unsigned char sig[ENRICH_SHA256_LEN];

    out[0] = '\0';
    if (secret == NULL)
        return;
    if (enrich_hmac(secret, len, ENRICH_SMTP_MESSAGE, sig))
        enrich_smtp_encode(ENRICH_SMTP_V2, sig, out);
    crypto_wipe(sig, sizeof(sig));
}

double aws_entropy(const char *s, size_t n)
{
    size_t counts[256] = { 0 };
    double h = 0.0;

    if (s == NULL || n == 0)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        counts[(unsigned char)s[i]]++;
    for (size_t c = 0; c < 256; c++) {
        if (counts[c] == 0)
            continue;
        double p = (double)counts[c] / (double)n;
        h -= p * log2(p);
    }
    return h;
}

/* True if needle occurs in s[0, n). */
static bool enrich_contains(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);

    if (m > n)
        return false;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, needle, m) == 0)
            return true;
    return false;
}

static bool enrich_has_prefix(const char *s, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);

    return n >= m && memcmp(s, prefix, m) == 0;
}

/* True if s[0, n) is a 20-character key-ID shape ([A-Z0-9]) ending in "EXAMPLE". The
 * looser [A-Z0-9] (not base32) is deliberate: AKIAI44QH8DHBEXAMPLE contains an '8'. */
static bool enrich_is_example_key_id(const char *s, size_t n)
{
    static const char suffix[] = "EXAMPLE";

    if (n != ENRICH_KEY_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return memcmp(s + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0;
}

/* Canary-token accounts (trufflehog access_keys/canary.go; AWS-NOTES 1.6). */
static const char *const enrich_canary_accounts[] = {
    "052310077262", "171436882533", "534261010715", "595918472158", "717712589309",
    "819147034852", "992382622183", "730335385048", "266735846894", "893192397702",
};

bool aws_is_canary_account(const char *account)
{
    for (size_t i = 0; account && i < ARRAY_SIZE(enrich_canary_accounts); i++)
        if (strcmp(account, enrich_canary_accounts[i]) == 0)
            return true;
    return false;
}

/* Levenshtein distance of a[0, n) and b[0, m), or 3 when it is more than 2 (banded). */
static unsigned enrich_edits_within_2(const char *a, size_t n, const char *b, size_t m)
{
    unsigned row[64], prev[64];

    if (n > 60 || m > 60 || (n > m ? n - m : m - n) > 2)
        return 3;
    for (size_t j = 0; j <= m; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        unsigned best = 3;
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= m; j++) {
            unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            unsigned del = prev[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (row[j] < best)
                best = row[j];
        }
        if (best > 2)
            return 3;
        memcpy(prev, row, (m + 1) * sizeof(*row));
    }
    return prev[m] > 2 ? 3 : prev[m];
}

bool aws_is_example_like(const char *value, size_t len)
{
    if (value == NULL || aws_is_example(value, len))
        return false;
    if (enrich_contains(value, len, "EXAMPLE"))
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(enrich_examples); i++) {
        const char *e = enrich_examples[i];
        if (e[0] != 'A' && e[0] != 'w' && e[0] != 'j')
            continue; /* key IDs and secrets; not the derived SMTP passwords */
        if (enrich_edits_within_2(value, len, e, strlen(e)) <= 2)
            return true;
    }
    return false;
}

bool aws_is_example(const char *value, size_t len)
{
    if (value == NULL)
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(enrich_examples); i++)
        if (strlen(enrich_examples[i]) == len && memcmp(enrich_examples[i], value, len) == 0)
            return true;
    if (enrich_is_example_key_id(value, len))
        return true;
    if (enrich_contains(value, len, "EXAMPLEKEY"))
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(enrich_token_prefixes); i++) {
        const char *p = enrich_token_prefixes[i];
        size_t m = strlen(p);

        if (enrich_has_prefix(value, len, p) && enrich_contains(value + m, len - m, "EXAMPLE"))
            return true;
    }
    return false;
}

