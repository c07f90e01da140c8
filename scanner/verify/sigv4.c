/*
 * verify/sigv4.c - AWS Signature Version 4 (AWS-NOTES §3.1), as botocore computes it.
 *
 * Pure functions: the caller provides the date, so the published vectors reproduce
 * byte for byte. The one subtle point is canonicalisation: header values are trimmed
 * and inner whitespace runs collapsed; the path and the query are URI-encoded with the
 * unreserved set A-Za-z0-9-_.~ (the path keeps '/').
 */
#include "verify/sigv4.h"
#include "base/limits.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>


#include "base/buf.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"


/* Inputs are capped at LIMIT_SIGV4_INPUT_BYTES each, far below LIMIT_SIGV4_BYTES, so these
 * appends cannot fail; the macro documents that and keeps NODISCARD quiet. The one
 * exception is the canonical request's header block (up to LIMIT_SIGV4_HEADERS values of
 * that size), whose appends sigv4_sign checks. */
#define CAPPED(expr)                                                                    \
    do {                                                                                \
        if ((expr) != STATUS_OK) {                                                      \
        }                                                                               \
    } while (0)

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    crypto_sha256_hex(data, len, out);
}

static void hmac(const unsigned char *key, size_t klen, const void *msg, size_t mlen,
                 unsigned char out[32])
{
    if (!crypto_hmac_sha256(key, klen, msg, mlen, out))
        memset(out, 0, 32); /* a wrong signature: AWS answers SignatureDoesNotMatch */
}

void sigv4_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, unsigned char out[32])
{
    size_t sl = strlen(secret);
    unsigned char *k = xmalloc(sl + 4);
    unsigned char a[32], b[32];

    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, sl);
    hmac(k, sl + 4, date8, strlen(date8), a);
    hmac(a, 32, region, strlen(region), b);
    hmac(b, 32, service, strlen(service), a);
    hmac(a, 32, "aws4_request", 12, out);
    crypto_wipe(k, sl + 4);
    crypto_wipe(a, sizeof(a));
    crypto_wipe(b, sizeof(b));
    free(k);
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void encode(struct buf *b, const char *s, size_t n, bool keep_slash)
{
    static const char d[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            CAPPED(buf_appendc(b, (char)c));
        } else {
            char e[3] = { '%', d[c >> 4], d[c & 15] };
            CAPPED(buf_append(b, e, 3));
        }
    }
}

char *sigv4_canonical_uri(const char *path)
{
    struct buf b = BUF_INIT(LIMIT_SIGV4_BYTES);
    const char **seg = NULL;
    size_t *len = NULL, n = 0, cap = 0;
    const char *p = path && *path ? path : "/";
    bool trailing;

    /* Remove dot segments (RFC 3986 5.2.4) on the raw path, then encode each segment. */
    while (*p) {
        const char *s;
        size_t l;
        while (*p == '/')
            p++;
        s = p;
        while (*p && *p != '/')
            p++;
        l = (size_t)(p - s);
        if (l == 0 || (l == 1 && s[0] == '.'))
            continue;
        if (l == 2 && s[0] == '.' && s[1] == '.') {
            if (n)
                n--;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            seg = xrealloc(seg, cap * sizeof(*seg));
            len = xrealloc(len, cap * sizeof(*len));
        }
        seg[n] = s;
        len[n] = l;
        n++;
    }
    {
        /* As botocore (remove_dot_segments) and aws-c-auth: keep a trailing '/' only when
         * the raw path ends in one. A final "." or ".." segment, or a name such as "v1.",
         * gets none. */
        size_t pl = strlen(path ? path : "");
        trailing = pl > 1 && path[pl - 1] == '/' && n > 0;
    }
    for (size_t i = 0; i < n; i++) {
        CAPPED(buf_appendc(&b, '/'));
        encode(&b, seg[i], len[i], false);
    }
    if (n == 0 || trailing)
        CAPPED(buf_appendc(&b, '/'));
    free(seg);
    free(len);
    return buf_take(&b);
}

struct qpair {
    char *name;
    char *value;
};

static int cmp_qpair(const void *a, const void *b)
{
    const struct qpair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

char *sigv4_canonical_query(const char *query)
{
    struct buf b = BUF_INIT(LIMIT_SIGV4_BYTES);
    struct qpair *v = NULL;
    size_t n = 0, cap = 0;
    const char *p = query ? query : "";

    while (*p) {
        const char *amp = strchr(p, '&');
        size_t l = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', l);
        struct buf nb = BUF_INIT(LIMIT_SIGV4_BYTES), vb = BUF_INIT(LIMIT_SIGV4_BYTES);

        if (l > 0) {
            encode(&nb, p, eq ? (size_t)(eq - p) : l, false);
            if (eq)
                encode(&vb, eq + 1, l - (size_t)(eq - p) - 1, false);
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                v = xrealloc(v, cap * sizeof(*v));
            }
            v[n].name = buf_take(&nb);
            v[n].value = buf_take(&vb);
            n++;
        }
        p += l + (amp ? 1 : 0);
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_qpair);
    for (size_t i = 0; i < n; i++) {
        CAPPED(buf_printf(&b, "%s%s=%s", i ? "&" : "", v[i].name, v[i].value));
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
    return buf_take(&b);
}

struct hdr {
    char *name;  /* lower case */
    char *value; /* trimmed, runs collapsed */
};

static int cmp_hdr(const void *a, const void *b)
{
    return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

static char *trimall(const char *s)
{
    struct buf b = BUF_INIT(LIMIT_SIGV4_BYTES);
    bool space = false;

    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            space = true;
            continue;
        }
        if (space && b.len)
            CAPPED(buf_appendc(&b, ' '));
        space = false;
        CAPPED(buf_appendc(&b, *s));
    }
    return buf_take(&b);
}

static bool valid_date(const char *d)
{
    if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)d[i]))
            return false;
    return true;
}

enum status sigv4_sign(const struct sigv4_request *req, const char *access_key_id,
                       const char *secret, const struct sigv4_scope *scope,
                       struct sigv4_result *out)
{
    struct hdr h[LIMIT_SIGV4_HEADERS];
    struct buf cr = BUF_INIT(LIMIT_SIGV4_BYTES), sh = BUF_INIT(LIMIT_SIGV4_BYTES);
    struct buf sts = BUF_INIT(LIMIT_SIGV4_BYTES);
    char body_hash[65], cr_hash[65], date8[9];
    char *uri = NULL, *query = NULL;
    unsigned char key[32], sig[32];
    size_t n = req->n_headers;
    enum status st;

    memset(out, 0, sizeof(*out));
    if (n > LIMIT_SIGV4_HEADERS)
        return fail(STATUS_USAGE, "sigv4: more than %d headers", LIMIT_SIGV4_HEADERS);
    if (!valid_date(scope->amz_date))
        return fail(STATUS_USAGE, "sigv4: bad date '%s'", scope->amz_date ? scope->amz_date : "");
    if ((req->path && strlen(req->path) > LIMIT_SIGV4_INPUT_BYTES) ||
        (req->query && strlen(req->query) > LIMIT_SIGV4_INPUT_BYTES) ||
        req->body_len > LIMIT_SIGV4_INPUT_BYTES)
        return fail(STATUS_USAGE, "sigv4: request too large");
    for (size_t i = 0; i < n; i++) {
        if (!req->headers[i].name || !req->headers[i].value ||
            strlen(req->headers[i].value) > LIMIT_SIGV4_INPUT_BYTES) {
            for (size_t k = 0; k < i; k++) {
                free(h[k].name);
                free(h[k].value);
            }
            return fail(STATUS_USAGE, "sigv4: bad header");
        }
        h[i].name = xstrdup(req->headers[i].name);
        for (char *p = h[i].name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        h[i].value = trimall(req->headers[i].value);
    }
    if (n > 1)
        qsort(h, n, sizeof(*h), cmp_hdr);
    uri = sigv4_canonical_uri(req->path);
    query = sigv4_canonical_query(req->query);
    sigv4_sha256_hex(req->body ? (const void *)req->body : "", req->body_len, body_hash);
    st = buf_printf(&cr, "%s\n%s\n%s\n", req->method, uri, query);
    for (size_t i = 0; i < n && st == STATUS_OK; i++) {
        st = buf_printf(&cr, "%s:%s\n", h[i].name, h[i].value);
        if (st == STATUS_OK)
            st = buf_printf(&sh, "%s%s", i ? ";" : "", h[i].name);
    }
    if (st == STATUS_OK)
        st = buf_printf(&cr, "\n%s\n%s", sh.data ? sh.data : "", body_hash);
    if (st != STATUS_OK) {
        /* Signing what is left would give a wrong signature and STATUS_OK. */
        st = fail(STATUS_USAGE, "sigv4: request too large");
        goto done;
    }
    sigv4_sha256_hex(cr.data, cr.len, cr_hash);
    memcpy(date8, scope->amz_date, 8);
    date8[8] = '\0';
    CAPPED(buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", scope->amz_date,
                     date8, scope->region, scope->service, cr_hash));
    sigv4_signing_key(secret, date8, scope->region, scope->service, key);
    hmac(key, sizeof(key), sts.data, sts.len, sig);
    hex(sig, sizeof(sig), out->signature);
    out->signed_headers = sh.data ? buf_take(&sh) : xstrdup("");
    out->authorization =
        xasprintf("AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                  "Signature=%s",
                  access_key_id, date8, scope->region, scope->service, out->signed_headers,
                  out->signature);
    out->canonical_request = buf_take(&cr);
    out->string_to_sign = buf_take(&sts);
done:
    crypto_wipe(key, sizeof(key));
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
    free(uri);
    free(query);
    buf_release(&sh);
    buf_release(&cr);
    buf_release(&sts);
    return st;
}

void sigv4_result_release(struct sigv4_result *r)
{
    if (!r)
        return;
    free(r->canonical_request);
    free(r->string_to_sign);
    free(r->signed_headers);
    free(r->authorization);
    memset(r, 0, sizeof(*r));
}
