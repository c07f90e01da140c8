/*
 * aws/keys.h - AWS key arithmetic: offline facts about AWS credentials (no network).
 *
 * Used by rules (example templates), match (entropy gates, account IDs), finding
 * (SMTP linking, examples) and verify; below all of them.
 *
 * - the AWS account ID carried by new-generation key IDs (AWS-NOTES §2);
 * - the SES SMTP passwords a secret access key derives to, v4 per region and legacy
 *   v2 (AWS-NOTES §7.1), used to link SMTP password findings to their secret;
 * - the published AWS documentation example credentials;
 * - Shannon entropy, the gate against placeholders and low-entropy look-alikes.
 */
#ifndef SESAME_AWS_KEYS_H
#define SESAME_AWS_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Decode the 12-digit account ID from a 20-character key ID (AKIA/ASIA/...). Returns
 * false for old-generation IDs (generation bit 0), non-base32 bodies, wrong lengths and
 * values above 999999999999. out receives 12 digits and a NUL. */
bool aws_account_id(const char *key_id, size_t len, char out[13]);

/* SES SMTP password (44 base64 chars + NUL) for `secret` in `region`, version 4. */
void aws_smtp_password_v4(const char *secret, size_t len, const char *region, char out[45]);
/* The same for n regions at once (out[r] for regions[r]; the chain's first, region-free
 * step is computed once): what linking every secret to every region costs is this. */
void aws_smtp_passwords_v4(const char *secret, size_t len, const char *const *regions,
                           size_t n, char (*out)[45]);
/* The first character of every v4 and every v2 SMTP password: base64 of the version
 * byte (0x04, 0x02) and the MAC's first bits. */
#define AWS_SMTP_V4_LEAD 'B'
#define AWS_SMTP_V2_LEAD 'A'
/* Legacy version 2 SMTP password (region-independent). */
void aws_smtp_password_v2(const char *secret, size_t len, char out[45]);

/* Shannon entropy in bits per byte of s[0, n). */
double aws_entropy(const char *s, size_t n);

/* True if `value` is one of AWS's published documentation example credentials (key IDs,
 * secrets, session tokens, SMTP passwords derived from the example secrets), or a key ID
 * ending in "EXAMPLE", or a secret containing "EXAMPLEKEY". */
bool aws_is_example(const char *value, size_t len);

/* True if `account` (12 digits) is a canary-token service's account (Thinkst Canarytokens
 * and others; trufflehog access_keys/canary.go, AWS-NOTES 1.6): a key of it is a
 * tripwire, decoded offline from its key ID. */
bool aws_is_canary_account(const char *account);

/* True if `value` is not a published example but a near-copy of one: it contains
 * "EXAMPLE", or it is at most two edits (insert, delete, substitute) away from an example
 * key ID or secret. Reported as example-like, with low confidence. */
bool aws_is_example_like(const char *value, size_t len);

#endif
