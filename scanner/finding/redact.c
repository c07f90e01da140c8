/*
 * finding/redact.c - turn a credential value into printable text.
 *
 * Key IDs are identifiers and are shown whole; every other part is reduced to a short
 * prefix and a SHA-256 fingerprint, unless the user asked to see secrets (show == true).
 * The tricky point is short values: the prefix never covers more than half of the value,
 * so even a degenerate 4-character "secret" is never printed whole.
 */
#include "finding/redact.h"
#include "finding/finding.h"

#include <stdio.h>
#include <string.h>

#include "aws/keys.h"
#include "crypto/crypto.h"

#define REDACT_ELLIPSIS "\xe2\x80\xa6" /* U+2026, UTF-8 */
#define REDACT_FINGERPRINT_HEX 12

/* Copy src[0, n) into out, truncated to out_size - 1 bytes without splitting a UTF-8
 * sequence at the cut, and NUL-terminate. */
static void redact_copy(char *out, size_t out_size, const char *src, size_t n)
{
    if (out_size == 0)
        return;
    if (n >= out_size) {
        n = out_size - 1;
        /* Back off continuation bytes, then the lead byte they belonged to. */
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(out, src, n);
    out[n] = '\0';
}

const char *redact_value(char *out, size_t out_size, enum cred_kind kind, const char *value,
                         bool show)
{
    char digest[65];
    char form[REDACT_PREFIX_CHARS + sizeof(REDACT_ELLIPSIS) - 1 + sizeof("[sha256:]") - 1 +
              REDACT_FINGERPRINT_HEX + 1];
    size_t len, prefix, n = 0;

    if (out == NULL || out_size == 0)
        return out;
    if (value == NULL) {
        out[0] = '\0';
        return out;
    }
    len = strlen(value);
    if (show || kind == CRED_ACCESS_KEY_ID) {
        redact_copy(out, out_size, value, len);
        return out;
    }

    prefix = len / 2 < REDACT_PREFIX_CHARS ? len / 2 : REDACT_PREFIX_CHARS;
    while (prefix > 0 && ((unsigned char)value[prefix] & 0xc0) == 0x80)
        prefix--; /* do not end the prefix inside a UTF-8 sequence */
    crypto_sha256_hex(value, len, digest);

    memcpy(form + n, value, prefix);
    n += prefix;
    memcpy(form + n, REDACT_ELLIPSIS, sizeof(REDACT_ELLIPSIS) - 1);
    n += sizeof(REDACT_ELLIPSIS) - 1;
    memcpy(form + n, "[sha256:", sizeof("[sha256:") - 1);
    n += sizeof("[sha256:") - 1;
    memcpy(form + n, digest, REDACT_FINGERPRINT_HEX);
    n += REDACT_FINGERPRINT_HEX;
    form[n++] = ']';

    redact_copy(out, out_size, form, n);
    return out;
}

void finding_part_handle(enum cred_kind kind, const char *sha256_hex, char *out, size_t n)
{
    snprintf(out, n, "%s:%.*s", cred_kind_name(kind), FINDING_PART_HEX, sha256_hex);
}
