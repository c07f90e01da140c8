/*
 * fuzz_archive - bytes -> src_archive_scan_mem with the real (default) limits: bombs,
 * deep nesting, odd member names, truncated and corrupt headers. Every chunk handed to
 * the callback keeps the ownership invariants, and its bytes are read (so ASan sees
 * any chunk that lies outside its buffer). Odd-sized inputs carry git provenance.
 */
#include "source/src_archive.h"

#include "base/limits.h"
#include "base/log.h"
#include "fuzz.h"

static unsigned char *fuzz_chunk_buf; /* worker-owned chunk buffer, kept across inputs */

static enum status fuzz_archive_touch(const struct blob *b, void *payload)
{
    unsigned *sum = payload;

    FUZZ_CHECK(b->path && (b->n_prov == 0 || b->prov[0].path));
    FUZZ_CHECK(b->len <= LIMIT_CHUNK_BYTES && b->own_from <= b->own_to && b->own_to <= b->len);
    for (size_t i = 0; i < b->len; i += 4093)
        *sum += b->data[i];
    if (b->len)
        *sum += b->data[b->len - 1];
    return STATUS_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_quiet(1); /* corrupt inputs warn on every run */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct archive_limits lim;
    struct archive_stats stats = { 0 };
    struct provenance prov = { "history/fuzz.bin", NULL };
    struct blob tmpl = { .path = "fuzz.bin" };
    unsigned sum = 0;

    if (size % 2) {
        tmpl.prov = &prov;
        tmpl.n_prov = 1;
    }
    src_archive_default_limits(&lim);
    (void)src_archive_sniff(data, size);
    (void)src_archive_sniff_whole(data, size);
    FUZZ_CHECK(src_archive_scan_mem(data, size, &tmpl, &lim, &fuzz_chunk_buf, fuzz_archive_touch,
                                    &sum, &stats) == STATUS_OK);
    FUZZ_CHECK(stats.bytes <= lim.max_total_bytes + size);
    return 0;
}
