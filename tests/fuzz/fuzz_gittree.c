/*
 * fuzz_gittree - bytes as a raw git tree object (from an untrusted repository) ->
 * gt_next over every entry, gt_find for each name seen, gt_cmp between neighbours.
 * Every entry lies inside the input (name, its NUL, the 20-byte id), entries follow one
 * another without gaps, iteration ends exactly at the end or with `bad` set, and a name
 * found by gt_find is the first entry of that name.
 */
#include <string.h>

#include "fuzz.h"
#include "source/git/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gt_iter it;
    struct gt_entry e, prev;
    const uint8_t *end = data + size, *next = data;
    size_t n = 0;

    gt_init(&it, data, size);
    while (gt_next(&it, &e)) {
        struct gt_entry f;
        FUZZ_CHECK((const uint8_t *)e.name > next && e.name_len > 0);
        FUZZ_CHECK((const uint8_t *)e.name + e.name_len < end && e.name[e.name_len] == '\0');
        FUZZ_CHECK(memchr(e.name, '\0', e.name_len) == NULL);
        FUZZ_CHECK(e.oid == (const uint8_t *)e.name + e.name_len + 1);
        FUZZ_CHECK(e.oid + GT_OID_RAWSZ <= end);
        FUZZ_CHECK(e.mode < 010000000u);
        next = e.oid + GT_OID_RAWSZ;
        FUZZ_CHECK(gt_find(data, size, e.name, e.name_len, &f));
        FUZZ_CHECK(f.name_len == e.name_len && memcmp(f.name, e.name, e.name_len) == 0);
        FUZZ_CHECK(f.name <= e.name);
        if (n++) {
            int c = gt_cmp(&prev, &e), d = gt_cmp(&e, &prev);
            FUZZ_CHECK((c < 0 && d > 0) || (c > 0 && d < 0) || (c == 0 && d == 0));
        }
        prev = e;
    }
    FUZZ_CHECK(it.bad || next == end);
    return 0;
}
