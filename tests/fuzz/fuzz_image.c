/*
 * fuzz_image - bytes -> src_image_scan_mem (container images: docker save and OCI layout
 * tars) with the real limits: manifests and configs of any shape, digests that try to
 * be paths, layers listed many times, whiteouts everywhere, damaged layers, the same
 * file in many layers, files overwritten, compressed image tars; input that is no
 * image at its top goes to src_archive_scan_mem (an image nested in a tar). Every blob
 * handed on keeps the chunk invariants, its layer fields are NUL-terminated strings,
 * and its bytes are read (ASan sees a chunk outside its buffer).
 */
#include <string.h>

#include "source/src_image.h"

#include "base/limits.h"
#include "base/log.h"
#include "fuzz.h"

static unsigned char *fuzz_chunk_buf;

static enum status fuzz_image_touch(const struct blob *b, void *payload)
{
    unsigned *sum = payload;

    FUZZ_CHECK(b->path && b->len <= LIMIT_CHUNK_BYTES && b->own_from <= b->own_to &&
               b->own_to <= b->len);
    FUZZ_CHECK(b->shown_tail <= strlen(b->path));
    if (b->layer_cmd)
        *sum += (unsigned)strlen(b->layer_cmd);
    if (b->removed_in)
        FUZZ_CHECK(strchr(b->removed_in, '/') == NULL || strncmp(b->removed_in, "sha256:", 7));
    /* a content held by several files: one blob, every place with its own details */
    FUZZ_CHECK(!b->places || b->n_prov > 0);
    for (size_t k = 0; b->places && k < b->n_prov; k++) {
        FUZZ_CHECK(b->prov[k].path && b->places[k].shown_tail <= strlen(b->prov[k].path));
        FUZZ_CHECK(!b->places[k].replaced || b->places[k].removed_in);
        if (b->places[k].layer_cmd)
            *sum += (unsigned)strlen(b->places[k].layer_cmd);
    }
    FUZZ_CHECK(!b->replaced || b->removed_in);
    for (size_t i = 0; i < b->len; i += 4093)
        *sum += b->data[i];
    return STATUS_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_quiet(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct archive_limits lim;
    struct archive_stats stats = { 0 };
    struct blob tmpl = { .path = "image.tar" };
    unsigned sum = 0;
    enum status st = STATUS_OK;
    enum image_result r;

    src_archive_default_limits(&lim);
    r = src_image_scan_mem(data, size, &tmpl, &lim, &fuzz_chunk_buf, fuzz_image_touch, &sum,
                           &stats, &st);
    FUZZ_CHECK(st == STATUS_OK);
    FUZZ_CHECK(r != IMAGE_NOT || (stats.images == 0 && stats.bytes == 0));
    FUZZ_CHECK(stats.image_layers + stats.image_layers_dup <= (uint64_t)LIMIT_IMAGE_LAYERS *
                                                                  LIMIT_IMAGE_MANIFESTS);
    if (r == IMAGE_NOT) {
        /* an image inside another archive (a tar, a zip): read by layers from the walk */
        memset(&stats, 0, sizeof(stats));
        st = src_archive_scan_mem(data, size, &tmpl, &lim, &fuzz_chunk_buf, fuzz_image_touch,
                                  &sum, &stats);
        FUZZ_CHECK(st == STATUS_OK);
    }
    return 0;
}
