/*
 * fuzz_sigv4_canon - bytes cut at the first two '\n' into a path, a query and a header
 * value -> sigv4_canonical_uri, sigv4_canonical_query and sigv4_sign (the bytes are also
 * the body). Each runs twice and must give the same bytes; the URI is absolute, has no
 * empty segment, holds only unreserved characters, '/' and '%', and the canonical request
 * starts with it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "verify/sigv4.h"

#define URI_CHARS "/%-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static char *fuzz_cut(char **p)
{
    char *s = *p, *nl = strchr(s, '\n');
    *p = nl ? (*nl = '\0', nl + 1) : s + strlen(s);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *rest = buf, *u[2], *q[2];
    struct sigv4_header h[2] = { { "Host", "example.amazonaws.com" }, { "X-Fuzz", "" } };
    struct sigv4_scope scope = { "20150830T123600Z", "us-east-1", "service" };
    struct sigv4_request req = { "GET", NULL, NULL, h, 2, data, size };
    struct sigv4_result r[2];

    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    buf[size] = '\0';
    req.path = fuzz_cut(&rest);
    req.query = fuzz_cut(&rest);
    h[1].value = rest;
    for (int i = 0; i < 2; i++) {
        u[i] = sigv4_canonical_uri(req.path);
        q[i] = sigv4_canonical_query(req.query);
        FUZZ_CHECK(sigv4_sign(&req, "AKIDEXAMPLE", "secret", &scope, &r[i]) == STATUS_OK);
    }
    FUZZ_CHECK(!strcmp(u[0], u[1]) && !strcmp(q[0], q[1]));
    FUZZ_CHECK(!strcmp(r[0].canonical_request, r[1].canonical_request) &&
               !strcmp(r[0].signature, r[1].signature));
    FUZZ_CHECK(u[0][0] == '/' && !strstr(u[0], "//") && strspn(u[0], URI_CHARS) == strlen(u[0]));
    FUZZ_CHECK(strstr(r[0].canonical_request, u[0]) == r[0].canonical_request + 4);
    for (int i = 0; i < 2; i++) {
        free(u[i]);
        free(q[i]);
        sigv4_result_release(&r[i]);
    }
    free(buf);
    return 0;
}
