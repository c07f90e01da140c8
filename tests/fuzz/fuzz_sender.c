/*
 * fuzz_sender - bytes as text around a credential: the sender reader (sender.h) on
 * them, the "credential" being the span the first two bytes name (so that every
 * position is reached). Nothing may crash or read outside the text; every address
 * returned passes aws_sender_ok, appears in the text, and none twice; at most `max`.
 */
#include <string.h>

#include "aws/sender.h"
#include "base/limits.h"
#include "fuzz.h"
#include "sender.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char found[LIMIT_SENDERS][AWS_SENDER_MAX + 1];
    size_t start, end, n, max;

    if (size < 3)
        return 0;
    max = 1 + data[0] % LIMIT_SENDERS;
    start = ((size_t)data[1] * 31u) % (size - 2);
    end = start + 1 + data[2] % 24u;
    data += 3;
    size -= 3;
    if (end > size)
        end = size;
    if (start >= end)
        return 0;
    n = sender_near(data, size, start, end, found, max);
    FUZZ_CHECK(n <= max);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(found[i]);
        FUZZ_CHECK(aws_sender_ok(found[i], len));
        FUZZ_CHECK(memmem(data, size, found[i], len) != NULL);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(found[i], found[j]) != 0);
    }
    return 0;
}
