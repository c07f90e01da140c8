/*
 * fuzz_awsxml - bytes as an STS, IAM, SES or error body -> awsxml_read with the roots and
 * field paths the verifier asks for (and small output buffers picked by the input
 * length). Outputs stay NUL-terminated within out_size with nothing written past it; a
 * failure always says why (printable ASCII) and leaves every field empty; a success says
 * nothing, each field is there at most once, and no text is longer than the body.
 */
#include <string.h>

#include "fuzz.h"
#include "verify/awsxml.h"

struct fuzz_awsxml_set {
    const char *root;
    const char *paths[3];
};

static const struct fuzz_awsxml_set sets[] = {
    { "GetCallerIdentityResponse",
      { "GetCallerIdentityResult/Arn", "GetCallerIdentityResult/Account",
        "GetCallerIdentityResult/UserId" } },
    { "GetAccessKeyLastUsedResponse",
      { "GetAccessKeyLastUsedResult/AccessKeyLastUsed/ServiceName",
        "GetAccessKeyLastUsedResult/AccessKeyLastUsed/Region",
        "GetAccessKeyLastUsedResult/AccessKeyLastUsed/LastUsedDate" } },
    { "GetSendQuotaResponse",
      { "GetSendQuotaResult/Max24HourSend", "GetSendQuotaResult/MaxSendRate",
        "GetSendQuotaResult/SentLast24Hours" } },
    { "ErrorResponse", { "Error/Code", "Error/Message", "RequestId" } },
    { "Error", { "Code", "Message", "RequestId" } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[3][300], why[160];

    for (size_t s = 0; s < 2 * sizeof(sets) / sizeof(sets[0]); s++) {
        struct awsxml_field f[3];
        size_t out_size = s % 2 ? 1 + size % 37 : 256;
        bool ok;
        for (size_t k = 0; k < 3; k++) {
            memset(out[k], 'Z', sizeof(out[k]));
            f[k] = (struct awsxml_field){ sets[s / 2].paths[k], out[k], out_size, 5 };
        }
        memset(why, 'Z', sizeof(why));
        ok = awsxml_read((const char *)data, size, sets[s / 2].root, f, 3, why, sizeof(why));
        FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
        FUZZ_CHECK(ok == (why[0] == '\0'));
        for (const char *p = why; *p; p++)
            FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
        for (size_t k = 0; k < 3; k++) {
            FUZZ_CHECK(memchr(out[k], '\0', out_size) != NULL);
            FUZZ_CHECK(f[k].count <= 1 && (ok || f[k].count == 0));
            FUZZ_CHECK(f[k].count == 1 || out[k][0] == '\0');
            FUZZ_CHECK(strlen(out[k]) <= size);
            for (size_t i = out_size; i < sizeof(out[k]); i++)
                FUZZ_CHECK(out[k][i] == 'Z');
        }
    }
    return 0;
}
