/*
 * rules/fakekey.c - deterministic fake AWS credentials (splitmix64).
 *
 * The keys are shaped like real ones (alphabet, length, generation bit, a decodable
 * account ID, secret entropy) so that every detector stage accepts them, but they are
 * random and never valid. The account ID is encoded directly into the bits; the entropy
 * gate is the detector's own (aws_entropy).
 */
#include "rules/fakekey.h"

#include <stdio.h>
#include <string.h>

#include "aws/keys.h"

static const char fakekey_base32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char fakekey_base64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define FAKEKEY_PREFIX_LEN 4
#define FAKEKEY_BODY_LEN 16
#define FAKEKEY_SECRET_LEN 40
#define FAKEKEY_ACCOUNT_MAX 999999999999ULL
/* Real secrets score about 4.6-5.1 bits per byte; the detectors gate around 4.25. */
#define FAKEKEY_SECRET_MIN_ENTROPY 4.3
#define FAKEKEY_TOKEN_PREFIX "IQoJb3JpZ2luX2Vj"

uint64_t fakekey_next(struct fakekey_rng *rng)
{
    uint64_t z;

    rng->state += 0x9e3779b97f4a7c15ULL;
    z = rng->state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform value of `bits` bits (1..64) from the high bits of the next output. */
static uint64_t fakekey_bits(struct fakekey_rng *rng, unsigned bits)
{
    return fakekey_next(rng) >> (64 - bits);
}

/* The 4-character prefix, padded with 'A' when shorter. */
static void fakekey_prefix(const char *prefix, char out[21])
{
    bool ended = false;

    for (size_t i = 0; i < FAKEKEY_PREFIX_LEN; i++) {
        if (prefix == NULL || prefix[i] == '\0')
            ended = true;
        out[i] = ended ? 'A' : prefix[i];
    }
}

/*
 * New-generation body layout (AWS-NOTES §2), 80 bits as 16 base32 characters:
 *   bit 79       generation = 1
 *   bits 78..39  account ID (40 bits, kept <= 999999999999)
 *   bits 38..0   random
 * Old generation: bit 79 = 0, everything else random.
 */
void fakekey_access_key_id(struct fakekey_rng *rng, const char *prefix, bool new_generation,
                           char out[21])
{
    unsigned idx[FAKEKEY_BODY_LEN];

    fakekey_prefix(prefix, out);
    for (size_t i = 0; i < FAKEKEY_BODY_LEN; i++)
        idx[i] = (unsigned)fakekey_bits(rng, 5);

    if (new_generation) {
        uint64_t account;

        do {
            account = fakekey_bits(rng, 40);
        } while (account > FAKEKEY_ACCOUNT_MAX);
        idx[0] = 0x10u | (unsigned)(account >> 36);
        for (unsigned k = 1; k <= 7; k++)
            idx[k] = (unsigned)(account >> (36 - 5 * k)) & 0x1fu;
        idx[8] = ((unsigned)(account & 1u) << 4) | (idx[8] & 0x0fu);
    } else {
        idx[0] &= 0x0fu; /* A-P */
    }
    for (size_t i = 0; i < FAKEKEY_BODY_LEN; i++)
        out[FAKEKEY_PREFIX_LEN + i] = fakekey_base32[idx[i]];
    out[FAKEKEY_PREFIX_LEN + FAKEKEY_BODY_LEN] = '\0';
}

void fakekey_access_key_id_for_account(struct fakekey_rng *rng, const char *prefix,
                                       uint64_t account, char out[21])
{
    /* body bits 79..39: the generation bit and the 40-bit account; bits 38..0: low */
    uint64_t high = (1ULL << 40) | (account & ((1ULL << 40) - 1));
    uint64_t low = rng ? fakekey_bits(rng, 39) : 0;

    fakekey_prefix(prefix, out);
    for (unsigned i = 0; i < FAKEKEY_BODY_LEN; i++) {
        unsigned v = 0;

        for (unsigned k = 0; k < 5; k++) {
            unsigned b = 79 - 5 * i - k; /* body bit, most significant first */
            v = v << 1 | (unsigned)((b >= 39 ? high >> (b - 39) : low >> b) & 1u);
        }
        out[FAKEKEY_PREFIX_LEN + i] = fakekey_base32[v];
    }
    out[FAKEKEY_PREFIX_LEN + FAKEKEY_BODY_LEN] = '\0';
}

void fakekey_secret(struct fakekey_rng *rng, char out[41])
{
    for (;;) {
        bool has_symbol = false;

        for (size_t i = 0; i < FAKEKEY_SECRET_LEN; i++) {
            char c = fakekey_base64[fakekey_bits(rng, 6)];

            out[i] = c;
            if (c == '+' || c == '/')
                has_symbol = true;
        }
        out[FAKEKEY_SECRET_LEN] = '\0';
        if (has_symbol && aws_entropy(out, FAKEKEY_SECRET_LEN) >= FAKEKEY_SECRET_MIN_ENTROPY)
            return;
    }
}

void fakekey_session_token(struct fakekey_rng *rng, char *out, size_t len)
{
    static const char prefix[] = FAKEKEY_TOKEN_PREFIX;
    size_t n = sizeof(prefix) - 1;

    if (n > len)
        n = len;
    memcpy(out, prefix, n);
    for (size_t i = n; i < len; i++)
        out[i] = fakekey_base64[fakekey_bits(rng, 6)];
    out[len] = '\0';
}

size_t fakekey_base64_encode(const unsigned char *s, size_t n, char *out)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        out[k++] = fakekey_base64[v >> 18 & 63];
        out[k++] = fakekey_base64[v >> 12 & 63];
        out[k++] = i + 1 < n ? fakekey_base64[v >> 6 & 63] : '=';
        out[k++] = i + 2 < n ? fakekey_base64[v & 63] : '=';
    }
    out[k] = '\0';
    return k;
}

void fakekey_bedrock_long_term(struct fakekey_rng *rng, char out[FAKEKEY_BEDROCK_LT_SIZE])
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char text[96];
    size_t n = 0;

    n += (size_t)snprintf(text, sizeof(text), "BedrockAPIKey-");
    for (int i = 0; i < 4; i++)
        text[n++] = alnum[fakekey_bits(rng, 32) % 36];
    n += (size_t)snprintf(text + n, sizeof(text) - n, "-at-%012llu:",
                          (unsigned long long)(fakekey_bits(rng, 40) % FAKEKEY_ACCOUNT_MAX));
    for (int i = 0; i < 59; i++)
        text[n++] = fakekey_base64[fakekey_bits(rng, 6)];
    text[n++] = '=';
    memcpy(out, "ABSK", 4);
    fakekey_base64_encode((const unsigned char *)text, n, out + 4);
}

void fakekey_bedrock_short_term(struct fakekey_rng *rng, const char *key_id, const char *token,
                                const char *region, char out[FAKEKEY_BEDROCK_ST_SIZE])
{
    char url[(FAKEKEY_BEDROCK_ST_SIZE - 20) / 4 * 3];
    size_t n;

    n = (size_t)snprintf(url, sizeof(url),
                         "bedrock.amazonaws.com/?Action=CallWithBearerToken"
                         "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s%%2F20260101%%2F"
                         "%s%%2Fbedrock%%2Faws4_request&X-Amz-Date=20260101T000000Z"
                         "&X-Amz-Expires=43200&X-Amz-SignedHeaders=host",
                         key_id, region);
    if (token && *token) {
        n += (size_t)snprintf(url + n, sizeof(url) - n, "&X-Amz-Security-Token=");
        for (const char *p = token; *p && n + 4 < sizeof(url); p++)
            n += (size_t)snprintf(url + n, sizeof(url) - n, *p == '/' ? "%%2F"
                                                             : *p == '+' ? "%%2B"
                                                             : *p == '=' ? "%%3D" : "%c", *p);
    }
    n += (size_t)snprintf(url + n, sizeof(url) - n, "&X-Amz-Signature=");
    for (int i = 0; i < 64 && n + 1 < sizeof(url); i++)
        url[n++] = "0123456789abcdef"[fakekey_bits(rng, 4)];
    n += (size_t)snprintf(url + n, sizeof(url) - n, "&Version=1");
    memcpy(out, "bedrock-api-key-", 16);
    fakekey_base64_encode((const unsigned char *)url, n, out + 16);
}
