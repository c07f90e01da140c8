/*
 * fuzz_bedrock - bytes -> aws_bedrock_decode three ways: as the key itself, and as the
 * decoded text of a long-term ("ABSK" + base64) and of a short-term ("bedrock-api-key-"
 * + base64) key, so that mutations reach the parsers of the user name, the account and
 * the presigned URL directly. A success fills only well-formed fields (a 20-character
 * key ID, a 12-digit account, NUL-terminated strings); a failure leaves everything zero.
 */
#include <string.h>

#include "aws/bedrock.h"
#include "fuzz.h"
#include "rules/fakekey.h"

#define FUZZ_BEDROCK_MAX 3000u

static void fuzz_bedrock_check(const char *key, size_t n)
{
    struct bedrock_info bi;
    bool ok = aws_bedrock_decode(key, n, &bi);

    FUZZ_CHECK(ok == (bi.type != BEDROCK_UNKNOWN));
    FUZZ_CHECK(memchr(bi.service_user, 0, sizeof(bi.service_user)) != NULL);
    FUZZ_CHECK(memchr(bi.region, 0, sizeof(bi.region)) != NULL);
    FUZZ_CHECK(bi.account_id[0] == 0 || strlen(bi.account_id) == 12);
    FUZZ_CHECK(bi.key_id[0] == 0 || strlen(bi.key_id) == 20);
    FUZZ_CHECK(bi.expires >= 0);
    if (!ok)
        FUZZ_CHECK(!bi.service_user[0] && !bi.account_id[0] && !bi.key_id[0] && !bi.region[0] &&
                   !bi.expires && !bi.has_token);
    if (bi.type == BEDROCK_LONG_TERM)
        FUZZ_CHECK(strncmp(bi.service_user, "BedrockAPIKey-", 14) == 0 && bi.account_id[0]);
    if (bi.type == BEDROCK_SHORT_TERM)
        FUZZ_CHECK(bi.key_id[0] && bi.region[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char key[16 + FUZZ_BEDROCK_MAX / 3 * 4 + 8];
    size_t n;

    if (size > FUZZ_BEDROCK_MAX)
        return -1;
    fuzz_bedrock_check((const char *)data, size);
    memcpy(key, "ABSK", 4);
    n = 4 + fakekey_base64_encode(data, size, key + 4);
    fuzz_bedrock_check(key, n);
    memcpy(key, "bedrock-api-key-", 16);
    n = 16 + fakekey_base64_encode(data, size, key + 16);
    fuzz_bedrock_check(key, n);
    return 0;
}
