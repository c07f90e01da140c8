/*
 * fuzz_cgraph - bytes as a repository's commit-graph file (untrusted: it comes with the
 * repository) -> cgraph_open_mem, then every entry decoded. Every commit found by its
 * id is at the position that names it, every parent position is inside the graph, a
 * second call with room for all parents gives the same ones, and dates fit the file's
 * 34 bits.
 */
#include <string.h>

#include "fuzz.h"
#include "source/git/cgraph.h"

#define MAX_COMMITS 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cgraph *c = cgraph_open_mem(data, size);
    uint32_t n;

    if (!c)
        return 0;
    n = cgraph_count(c);
    for (uint32_t i = 0; i < n && i < MAX_COMMITS; i++) {
        uint32_t pos, few[2], all[64];
        size_t nf = 0, na = 0;
        int64_t tf = 0, ta = 0;
        bool okf, oka;

        if (cgraph_find(c, cgraph_oid(c, i), &pos))
            FUZZ_CHECK(memcmp(cgraph_oid(c, pos), cgraph_oid(c, i), CGRAPH_OID_RAWSZ) == 0);
        okf = cgraph_commit(c, i, &tf, few, 2, &nf);
        oka = cgraph_commit(c, i, &ta, all, 64, &na);
        FUZZ_CHECK(okf == oka);
        if (!okf)
            continue;
        FUZZ_CHECK(nf == na && tf == ta && tf >= 0 && tf < ((int64_t)1 << 34));
        for (size_t k = 0; k < na && k < 64; k++) {
            FUZZ_CHECK(all[k] < n);
            if (k < 2)
                FUZZ_CHECK(few[k] == all[k]);
        }
    }
    FUZZ_CHECK(!cgraph_commit(c, n, &(int64_t){ 0 }, NULL, 0, &(size_t){ 0 }));
    cgraph_close(c);
    return 0;
}
