/*
 * fuzz_gitpack - bytes as a pack index and its pack (from an untrusted repository):
 * [2-byte big-endian index length][index][pack]. When gitpack accepts them: every object
 * (the first 64) is read twice, with and without a cache, giving the same answer, an
 * object type and at most the size cap; what gitpack_unresolvable lists cannot be read;
 * gitpack_order gives distinct objects distinct keys; gitpack_typed lists entries once, in
 * pack order, each a blob when it can be read. The same bytes are also applied as a delta (first byte: where the base ends),
 * which either fills the announced result exactly or is refused.
 */
#include <string.h>

#include "fuzz.h"
#include "source/git/pack.h"

#define MAX_OBJECTS 64u
#define MAX_BYTES (1u << 20)

static void fuzz_delta(const uint8_t *data, size_t size)
{
    size_t cut;
    uint64_t src, dst;
    size_t used;
    unsigned char *out;

    if (size < 1)
        return;
    cut = data[0] < size - 1 ? data[0] : size - 1;
    if (!gitpack_delta_sizes(data + 1 + cut, size - 1 - cut, &src, &dst, &used) ||
        dst > MAX_BYTES)
        return;
    out = malloc(dst ? (size_t)dst : 1);
    (void)gitpack_delta_apply(data + 1, cut, data + 1 + cut, size - 1 - cut, out, (size_t)dst);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gitpack *p = NULL;
    struct gitpack_reader *cached, *uncached, *any;
    uint64_t offs[MAX_OBJECTS], keys[MAX_OBJECTS];
    size_t n, idx_len;

    fuzz_delta(data, size);
    if (size < 2)
        return 0;
    idx_len = (size_t)data[0] << 8 | data[1];
    if (idx_len > size - 2)
        return 0;
    if (gitpack_open_mem(&p, data + 2, idx_len, data + 2 + idx_len, size - 2 - idx_len) !=
        STATUS_OK)
        return 0;
    n = gitpack_count(p) < MAX_OBJECTS ? gitpack_count(p) : MAX_OBJECTS;
    cached = gitpack_reader_new(1u << 16);
    uncached = gitpack_reader_new(0);
    any = gitpack_reader_new(1u << 16);
    gitpack_reader_any_base(any);
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *id, *a = NULL, *b = NULL, *c = NULL;
        enum gitpack_type ta, tb, tc, th;
        size_t la = 0, lb = 0, lc = 0, lh = 0;
        enum status sa, sb;
        unsigned char head[24];
        uint64_t hsize = 0;
        bool hok;

        gitpack_entry(p, i, &id, &offs[i]);
        sa = gitpack_read(cached, p, offs[i], MAX_BYTES, &ta, &a, &la);
        sb = gitpack_read(uncached, p, offs[i], MAX_BYTES, &tb, &b, &lb);
        FUZZ_CHECK(sa == sb);
        if (sa == STATUS_OK) {
            FUZZ_CHECK(ta >= GP_COMMIT && ta <= GP_TAG && ta == tb);
            FUZZ_CHECK(la <= MAX_BYTES && la == lb && memcmp(a, b, la) == 0);
        } else {
            FUZZ_CHECK(sa == STATUS_CORRUPT || sa == STATUS_LIMIT);
        }
        /* the first bytes of a whole object are those of the whole read */
        /* whole up to sizeof(head) bytes (libdeflate), else the first 16 (zlib); a
         * stream libdeflate refuses is read by zlib as far as those 16 bytes only, so a
         * damage after them is seen by the whole read alone */
        hok = gitpack_read_head(uncached, p, offs[i], head, sizeof(head), 16, &th, &lh, &hsize);
        if (hok) {
            FUZZ_CHECK(th >= GP_COMMIT && th <= GP_TAG);
            if (hsize > sizeof(head))
                FUZZ_CHECK(lh == 16);
            else
                FUZZ_CHECK(lh == hsize || (lh == 16 && sa != STATUS_OK));
        }
        /* the type from the headers alone is the type read */
        if (sa == STATUS_OK) {
            enum gitpack_type tt;
            FUZZ_CHECK(gitpack_type_at(p, offs[i], &tt) && tt == ta);
        }
        if (hok && sa == STATUS_OK)
            FUZZ_CHECK(th == ta && hsize == la && memcmp(head, a, lh) == 0);
        /* bases not checked against the index: it may read more, never other bytes */
        if (gitpack_read(any, p, offs[i], MAX_BYTES, &tc, &c, &lc) == STATUS_OK &&
            sa == STATUS_OK) {
            sa = gitpack_read(uncached, p, offs[i], MAX_BYTES, &ta, &a, &la);
            FUZZ_CHECK(sa == STATUS_OK && tc == ta && lc == la && memcmp(a, c, la) == 0);
        }
    }
    {
        /* an object whose chain never ends cannot be read */
        uint32_t *bad = NULL;
        size_t nb = gitpack_unresolvable(p, &bad);
        for (size_t k = 0; k < nb && k < MAX_OBJECTS; k++) {
            const unsigned char *id, *d;
            enum gitpack_type t;
            size_t l;
            uint64_t at;
            FUZZ_CHECK(bad[k] < gitpack_count(p));
            gitpack_entry(p, bad[k], &id, &at);
            FUZZ_CHECK(gitpack_read(uncached, p, at, MAX_BYTES, &t, &d, &l) != STATUS_OK);
        }
        free(bad);
    }
    {
        /* the blobs gitpack_typed lists: entries of the index, in pack order, once each,
         * and blobs when readable */
        uint32_t *v = NULL;
        size_t nv = gitpack_typed(p, 1u << GP_BLOB, &v);
        uint64_t prev = 0;
        for (size_t k = 0; k < nv; k++) {
            const unsigned char *id, *d;
            enum gitpack_type t;
            size_t l;
            uint64_t at;
            FUZZ_CHECK(v[k] < gitpack_count(p));
            gitpack_entry(p, v[k], &id, &at);
            FUZZ_CHECK(k == 0 || at > prev);
            prev = at;
            if (k < MAX_OBJECTS &&
                gitpack_read(uncached, p, at, MAX_BYTES, &t, &d, &l) == STATUS_OK)
                FUZZ_CHECK(t == GP_BLOB);
        }
        free(v);
    }
    gitpack_order(p, offs, n, keys);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            FUZZ_CHECK(offs[i] == offs[j] ? keys[i] == keys[j] : keys[i] != keys[j]);
    gitpack_reader_free(cached);
    gitpack_reader_free(uncached);
    gitpack_reader_free(any);
    gitpack_close(p);
    return 0;
}
