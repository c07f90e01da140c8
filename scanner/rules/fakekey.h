/*
 * rules/fakekey.h - deterministic fake AWS credentials for rule examples and tests.
 *
 * Nothing key-shaped is committed to this repository: rule examples are templates and
 * tests generate their keys here from a fixed seed. The generator is splitmix64, so the
 * same seed gives the same keys on every machine.
 */
#ifndef SESAME_RULES_FAKEKEY_H
#define SESAME_RULES_FAKEKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fakekey_rng {
    uint64_t state;
};

#define FAKEKEY_RNG_INIT(seed) { (uint64_t)(seed) }

uint64_t fakekey_next(struct fakekey_rng *rng);

/* A 20-character key ID: `prefix` (4 chars: AKIA, ASIA, ABIA, ACCA, AIDA, ...) and 16
 * base32 characters. new_generation picks the 5th character from Q-Z2-7 (it then
 * carries a random account ID), else from A-P. */
void fakekey_access_key_id(struct fakekey_rng *rng, const char *prefix, bool new_generation,
                           char out[21]);
/* A new-generation key ID whose body carries `account` (bits 78..39; any 40-bit value,
 * so that tests can also make IDs above 999999999999 that decode to no account), the
 * low 39 bits from `rng`, or zero when rng is NULL. For tests of account decoding. */
void fakekey_access_key_id_for_account(struct fakekey_rng *rng, const char *prefix,
                                       uint64_t account, char out[21]);
/* A 40-character secret access key over [A-Za-z0-9+/] with at least one '/' or '+'. */
void fakekey_secret(struct fakekey_rng *rng, char out[41]);
/* A session token of `len` base64 characters (len >= 32) starting "IQoJb3JpZ2luX2Vj". */
void fakekey_session_token(struct fakekey_rng *rng, char *out, size_t len);

/* Standard base64 of s[0, n) into out (room for 4 * ceil(n / 3) + 1, NUL-terminated);
 * returns its length. For encoded shapes in rule examples and tests. */
size_t fakekey_base64_encode(const unsigned char *s, size_t n, char *out);

/* Amazon Bedrock API keys (aws/bedrock.h): long-term, "ABSK" + base64 of
 * "BedrockAPIKey-xxxx-at-ACCOUNT:PASSWORD" (128 characters after ABSK, as real ones);
 * short-term, "bedrock-api-key-" + base64 of a presigned URL signed by `key_id` in
 * `region` on 2026-01-01 for 12 hours, with `token` (URL-encoded) if not NULL or "", and
 * a random signature. The token may be up to 1,000 characters. */
#define FAKEKEY_BEDROCK_LT_SIZE 140
#define FAKEKEY_BEDROCK_ST_SIZE 5200
void fakekey_bedrock_long_term(struct fakekey_rng *rng, char out[FAKEKEY_BEDROCK_LT_SIZE]);
void fakekey_bedrock_short_term(struct fakekey_rng *rng, const char *key_id, const char *token,
                                const char *region, char out[FAKEKEY_BEDROCK_ST_SIZE]);

#endif
