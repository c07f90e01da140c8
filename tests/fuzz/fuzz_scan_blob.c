/* fuzz_scan_blob - bytes -> matcher -> decoded views -> pairing -> findings -> redact,
 * with the invariants of check_findings.h. The default rules are compiled once. */
#include "check_findings.h" /* fuzz.h and the scanner headers */

static struct ruleset rs = RULESET_INIT;
static struct engine *eng;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    FUZZ_CHECK(ruleset_load(&rs, false, NULL, 0) == STATUS_OK);
    FUZZ_CHECK(engine_new(&eng, &rs, &(struct engine_opts){ .cache_dir = NULL }) == STATUS_OK);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct blob b = { .path = "fuzz", .data = data, .len = size, .line = 1, .own_to = size };
    struct findings *f;
    struct scanbuf *sb;

    findings_new(&f);
    FUZZ_CHECK(scanbuf_new(&sb, eng, &rs, f) == STATUS_OK);
    (void)scanbuf_scan(sb, &b);
    check_findings(f, &rs, size); /* findings_build + invariants */
    scanbuf_free(sb);
    findings_free(f);
    return 0;
}
