/*
 * fuzz_awsxml - bytes as an STS, IAM or SES response body -> awsxml_get for the fields
 * the verifier reads (with and without a parent) and awsxml_root_is. out is NUL-terminated
 * within out_size (a roomy one, and a small one picked by the input length), nothing past
 * it is written, a miss leaves "", and decoding never makes the text longer than the body.
 */
#include <string.h>

#include "fuzz.h"
#include "verify/awsxml.h"

static const char *const fields[][2] = {
    { NULL, "Arn" }, { "GetCallerIdentityResult", "Account" }, { "Error", "Code" },
    { NULL, "Message" }, { "AccessKeyLastUsed", "LastUsedDate" }, { NULL, "MaxSendRate" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[300];

    for (size_t i = 0; i < 2 * sizeof(fields) / sizeof(fields[0]); i++) {
        size_t out_size = i % 2 ? 1 + size % 37 : 256;
        memset(out, 'Z', sizeof(out));
        bool found = awsxml_get((const char *)data, size, fields[i / 2][0], fields[i / 2][1],
                                out, out_size);
        FUZZ_CHECK(memchr(out, '\0', out_size) != NULL && (found || out[0] == '\0'));
        FUZZ_CHECK(strlen(out) <= size);
        for (size_t k = out_size; k < sizeof(out); k++)
            FUZZ_CHECK(out[k] == 'Z');
    }
    (void)awsxml_root_is((const char *)data, size, "ErrorResponse");
    (void)awsxml_root_is((const char *)data, size, "GetCallerIdentityResponse");
    return 0;
}
