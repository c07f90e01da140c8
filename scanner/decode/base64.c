/*
 * decode/base64.c - decode the base64 runs around given offsets, and the anchors that
 * find a word inside base64 without decoding anything.
 *
 * Only runs that decode to mostly printable text are kept (config files and keys in
 * Kubernetes Secrets or CI variables); binary payloads are not views. A view line is the
 * run's source line with the run replaced by its decoding, so "name: <base64>" keeps the
 * name beside the decoded key for the matcher's context rules.
 */
#include "decode/decode.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "base/limits.h"

/* Runs longer than this are not decoded: a key hides in a small value, and a bound on the
 * run bounds the scan around each offset. TODO: move to limits.h (LIMIT_BASE64_MAX_RUN). */
#define BASE64_MAX_RUN ((size_t)16 * 1024 * 1024)

/* Share of decoded bytes that must be printable ASCII (or \t \r \n) for a run to count
 * as text: high enough to reject random bytes (about 37% printable). */
#define BASE64_PRINTABLE_PCT 85u

/* Decoded bytes gathered before one append call. */
#define BASE64_CHUNK 768u

struct base64_run {
    size_t start;    /* first character */
    size_t body_end; /* end of the characters before any '=' padding */
    size_t end;      /* end of the run, padding included */
    bool urlsafe;
};

static bool base64_body_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '-' || c == '_';
}

/* Value of a character of the run's alphabet (the run was checked to use only one). */
static unsigned base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return (unsigned)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (unsigned)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0' + 52);
    return c == '+' || c == '-' ? 62 : 63;
}

/*
 * Find the run around p[at]. Whatever the answer, *next is an offset the next `at` must
 * reach to be in a different run, so sorted offsets are each scanned about once. False
 * if there is no decodable run there (too short, too long, or mixing both alphabets).
 */
static bool base64_find_run(const unsigned char *p, size_t n, size_t at, struct base64_run *r,
                            size_t *next)
{
    size_t a = at, left, right, pad = 0;
    bool std_chars = false, url_chars = false;

    *next = at + 1;
    /* An offset in the padding belongs to the run before it. */
    while (p[a] == '=' && a > 0 && pad < 2) {
        a--;
        pad++;
    }
    if (!base64_body_char(p[a]))
        return false;
    left = a;
    while (left > 0 && a - left <= BASE64_MAX_RUN && base64_body_char(p[left - 1]))
        left--;
    right = a + 1;
    while (right < n && right - left <= BASE64_MAX_RUN && base64_body_char(p[right]))
        right++;
    *next = right;
    if (right - left > BASE64_MAX_RUN)
        return false;
    r->start = left;
    r->body_end = right;
    while (right < n && right - r->body_end < 2 && p[right] == '=')
        right++;
    r->end = right;
    *next = right;
    if (at >= r->end || r->end - r->start < LIMIT_BASE64_MIN_RUN)
        return false;
    for (size_t i = left; i < r->body_end; i++) {
        std_chars |= p[i] == '+' || p[i] == '/';
        url_chars |= p[i] == '-' || p[i] == '_';
    }
    r->urlsafe = url_chars;
    return !(std_chars && url_chars);
}

/* Decode the k (2 to 4) characters at s into k - 1 bytes. */
static size_t base64_group(const unsigned char *s, size_t k, unsigned char out[3])
{
    unsigned long v = 0;

    for (size_t i = 0; i < 4; i++)
        v = v << 6 | (i < k ? base64_value(s[i]) : 0);
    out[0] = (unsigned char)(v >> 16);
    out[1] = (unsigned char)(v >> 8);
    out[2] = (unsigned char)v;
    return k - 1;
}

/* Decode the run into out[0, *len) starting at group `g`, stopping when out is full;
 * returns the next group. A final group of one character carries no byte: ignored. */
static size_t base64_decode_some(const unsigned char *p, const struct base64_run *r, size_t g,
                                 unsigned char *out, size_t cap, size_t *len)
{
    size_t body = r->body_end - r->start;

    *len = 0;
    while (g * 4 < body && cap - *len >= 3) {
        size_t k = body - g * 4 < 4 ? body - g * 4 : 4;
        if (k >= 2)
            *len += base64_group(p + r->start + g * 4, k, out + *len);
        g++;
    }
    return g;
}

static bool base64_is_text(const unsigned char *p, const struct base64_run *r)
{
    unsigned char chunk[BASE64_CHUNK];
    size_t body = r->body_end - r->start, g = 0, len, total = 0, printable = 0;

    while (g * 4 < body) {
        g = base64_decode_some(p, r, g, chunk, sizeof(chunk), &len);
        total += len;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = chunk[i];
            printable += (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\r' || c == '\n';
        }
    }
    return total > 0 && printable * 100 >= total * BASE64_PRINTABLE_PCT;
}

static enum status base64_append_run(struct decoded *out, size_t max_bytes,
                                     const unsigned char *p, const struct base64_run *r)
{
    unsigned char chunk[BASE64_CHUNK];
    size_t body = r->body_end - r->start, g = 0, len;
    enum status st = STATUS_OK;

    while (g * 4 < body && st == STATUS_OK) {
        g = base64_decode_some(p, r, g, chunk, sizeof(chunk), &len);
        st = decoded_append(out, max_bytes, chunk, len, r->start, SEG_OPAQUE);
    }
    return st;
}

static int base64_cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

enum status decode_base64_runs(const unsigned char *p, size_t n, const size_t *at, size_t n_at,
                               size_t max_bytes, struct decoded *out)
{
    enum status st = STATUS_OK;
    size_t *sorted = NULL;
    size_t next = 0;          /* offsets below this are in runs already looked at */
    size_t line_end = 0;      /* end of the open line (its '\n' or n) */
    size_t copied_to = 0;     /* source offset the open line is emitted up to */
    bool line_open = false;
    struct base64_run r;

    *out = (struct decoded)DECODED_INIT;
    out->encoding = "base64";
    if (n_at == 0)
        return STATUS_OK;
    sorted = xmalloc(st_mult(n_at, sizeof(*sorted)));
    memcpy(sorted, at, n_at * sizeof(*sorted));
    qsort(sorted, n_at, sizeof(*sorted), base64_cmp_size);

    for (size_t i = 0; i < n_at && sorted[i] < n; i++) {
        size_t line_start, run_next;
        bool found;

        if (sorted[i] < next)
            continue;
        found = base64_find_run(p, n, sorted[i], &r, &run_next);
        next = run_next;
        if (!found || !base64_is_text(p, &r))
            continue;
        if (line_open && r.start < line_end) {
            /* Same line as the previous run: emit what lies between the two runs. */
            st = decoded_append(out, max_bytes, p + copied_to, r.start - copied_to, copied_to,
                                SEG_COPY);
        } else {
            line_start = r.start;
            while (line_start > (line_open ? line_end + 1 : 0) && p[line_start - 1] != '\n')
                line_start--;
            if (line_open) /* the rest of the open line and its '\n', the joiner */
                st = decoded_append(out, max_bytes, p + copied_to, line_end + 1 - copied_to,
                                    copied_to, SEG_COPY);
            if (st == STATUS_OK)
                st = decoded_append(out, max_bytes, p + line_start, r.start - line_start,
                                    line_start, SEG_COPY);
            line_end = r.end;
            while (line_end < n && p[line_end] != '\n')
                line_end++;
            line_open = true;
        }
        if (st == STATUS_OK)
            st = base64_append_run(out, max_bytes, p, &r);
        if (st != STATUS_OK)
            goto out;
        copied_to = r.end;
    }
    if (line_open)
        st = decoded_append(out, max_bytes, p + copied_to, line_end - copied_to, copied_to,
                            SEG_COPY);

out:
    free(sorted);
    if (st != STATUS_OK)
        decoded_release(out);
    return st;
}

size_t base64_anchors(const char *word, char out[3][96])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(word), count = 0;

    if (len == 0 || len > 40)
        return 0;
    for (size_t k = 0; k < 3; k++) {
        unsigned char bytes[44] = { 0 }; /* k filler bytes, the word, a zero tail */
        /* Character i covers bits [6i, 6i + 6); keep those inside the word's bits
         * [8k, 8(k + len)): they do not depend on the filler or what follows. */
        size_t first = (8 * k + 5) / 6, last = 8 * (k + len) / 6, o = 0;

        if (last < first || last - first < 4)
            continue;
        memcpy(bytes + k, word, len);
        for (size_t i = first; i < last; i++) {
            size_t bit = 6 * i, b = bit / 8;
            unsigned v = ((unsigned)bytes[b] << 8 | bytes[b + 1]) >> (10 - bit % 8);
            out[count][o++] = alphabet[v & 63];
        }
        out[count][o] = '\0';
        count++;
    }
    return count;
}
