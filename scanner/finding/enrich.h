/*
 * finding/enrich.h - offline facts about AWS credentials (no network).
 *
 * - the AWS account ID carried by new-generation key IDs (AWS-NOTES §2);
 * - the SES SMTP passwords a secret access key derives to, v4 per region and legacy
 *   v2 (AWS-NOTES §7.1), used to link SMTP password findings to their secret;
 * - the published AWS documentation example credentials;
 * - Shannon entropy, the gate against placeholders and low-entropy look-alikes.
 */
#ifndef SESAME_FINDING_ENRICH_H
#define SESAME_FINDING_ENRICH_H

#include <stdbool.h>
#include <stddef.h>

/* Decode the 12-digit account ID from a 20-character key ID (AKIA/ASIA/...). Returns
 * false for old-generation IDs (generation bit 0), non-base32 bodies, wrong lengths and
 * values above 999999999999. out receives 12 digits and a NUL. */
bool enrich_account_id(const char *key_id, size_t len, char out[13]);

/* SES SMTP password (44 base64 chars + NUL) for `secret` in `region`, version 4. */
void enrich_smtp_password_v4(const char *secret, size_t len, const char *region, char out[45]);
/* Legacy version 2 SMTP password (region-independent). */
void enrich_smtp_password_v2(const char *secret, size_t len, char out[45]);

/* Shannon entropy in bits per byte of s[0, n). */
double enrich_entropy(const char *s, size_t n);

/* True if `value` is one of AWS's published documentation example credentials (key IDs,
 * secrets, session tokens, SMTP passwords derived from the example secrets), or a key ID
 * ending in "EXAMPLE", or a secret containing "EXAMPLEKEY". */
bool enrich_is_example(const char *value, size_t len);

/* Lower-case hex SHA-256 of s[0, n) (65 bytes with NUL). */
void enrich_sha256_hex(const void *s, size_t n, char out[65]);

#endif
