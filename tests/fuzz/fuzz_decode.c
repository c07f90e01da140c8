/*
 * fuzz_decode - bytes -> every decoder (utf-16 both ways, url, json escapes, base64 runs,
 * literal concatenation: at every quote, as the engine's trigger would give them),
 * with a roomy cap and with one the view may pass. Each view keeps its invariants:
 * segments sorted from 0, every view byte mapped inside the input and the map monotonic
 * (scanbuf counts lines in view order), copied bytes equal to their source, and nothing
 * left allocated when the view is empty or failed.
 */
#include "decode/decode.h"
#include "fuzz.h"

#define FUZZ_DECODE_MAX_BYTES (1024u * 1024)

static void fuzz_decode_check(struct decoded *d, enum status st, const uint8_t *p, size_t n,
                              size_t scale2_byte)
{
    FUZZ_CHECK(st == STATUS_OK || st == STATUS_LIMIT);
    FUZZ_CHECK(d->len > 0 || (!d->data && !d->segs && !d->n_segs));
    FUZZ_CHECK(d->len == 0 || (d->data && d->data[d->len] == '\0' && d->n_segs > 0 &&
                               d->n_segs <= d->len && d->segs[0].view_off == 0));
    for (size_t i = 0; i < d->n_segs; i++) {
        const struct decode_seg *s = &d->segs[i];
        size_t end = i + 1 < d->n_segs ? d->segs[i + 1].view_off : d->len;
        FUZZ_CHECK(s->view_off < end); /* sorted, none empty */
        for (size_t v = s->view_off; v < end; v++) {
            size_t src = decoded_to_source(d, v);
            FUZZ_CHECK(src < n);
            FUZZ_CHECK(v == 0 || decoded_to_source(d, v - 1) <= src);
            FUZZ_CHECK(s->kind != SEG_COPY || d->data[v] == p[src]);
            FUZZ_CHECK(s->kind != SEG_SCALE2 || d->data[v] == p[src + scale2_byte]);
        }
    }
    decoded_release(d);
}

static void fuzz_decode_all(const uint8_t *p, size_t n, const size_t *at, size_t n_at,
                            size_t max_bytes)
{
    struct decoded d = DECODED_INIT;
    size_t quotes[260], n_q = 0;

    for (size_t i = 0; i < n && n_q < 260; i++)
        if (p[i] == '"' || p[i] == '\'' || p[i] == '`')
            quotes[n_q++] = i;
    fuzz_decode_check(&d, decode_concat(p, n, quotes, n_q, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_concat(p, n, at, n_at, max_bytes, &d), p, n, 0);

    fuzz_decode_check(&d, decode_utf16(p, n, false, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_utf16(p, n, true, max_bytes, &d), p, n, 1);
    fuzz_decode_check(&d, decode_url(p, n, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_json_escapes(p, n, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_html(p, n, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_utf16_strings(p, n, at, n_at, max_bytes, &d), p, n, 0);
    fuzz_decode_check(&d, decode_base64_runs(p, n, at, n_at, max_bytes, &d), p, n, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at[260], n_at = 0;
    bool be = false;

    (void)decode_utf16_detect(data, size, &be);
    /* Offsets spread over the input, last first (unsorted), and one past the end. */
    for (size_t i = 0; i < size && n_at < 258; i += 1 + size / 256)
        at[n_at++] = size - 1 - i;
    at[n_at++] = size;
    fuzz_decode_all(data, size, at, n_at, FUZZ_DECODE_MAX_BYTES);
    fuzz_decode_all(data, size, at, n_at, size / 3);
    return 0;
}
