/* fuzz_scan_blob - bytes -> matcher -> decoded views -> pairing -> findings -> redact,
 * with the invariants of check_findings.h. The default rules are compiled once. The
 * matcher's confirmation windows bound where a PCRE2 match may start (engine.c,
 * confirm_range): the matches must be those of the unbounded search, the reference, and
 * those of one search over the whole buffer (engine_worker_set_whole_buffer: what the
 * windows that Hyperscan's hits open must find, whatever the rules' prefilters are) for
 * inputs up to 2 KiB (longer ones may hold matches longer than a window reaches, over
 * 4 KiB of blanks between a keyword and its value, and a search over more start
 * positions per call reaches PCRE2's match limit sooner). */
#include "check_findings.h" /* fuzz.h and the scanner headers */

static struct ruleset rs = RULESET_INIT;
static struct engine *eng;
static struct engine_worker *bounded, *unbounded, *whole;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    FUZZ_CHECK(ruleset_load(&rs, false, NULL, 0) == STATUS_OK);
    FUZZ_CHECK(engine_new(&eng, &rs, &(struct engine_opts){ .cache_dir = NULL }) == STATUS_OK);
    FUZZ_CHECK(engine_worker_new(&bounded, eng) == STATUS_OK);
    FUZZ_CHECK(engine_worker_new(&unbounded, eng) == STATUS_OK);
    engine_worker_set_unbounded(unbounded, true);
    FUZZ_CHECK(engine_worker_new(&whole, eng) == STATUS_OK);
    engine_worker_set_whole_buffer(whole, true);
    return 0;
}

static bool same_match(const struct match *a, const struct match *b)
{
    return a->rule == b->rule && a->start == b->start && a->end == b->end &&
           a->region_start == b->region_start && a->region_end == b->region_end;
}

/* The bounded confirmation finds the unbounded one's matches, in the same order, and
 * (short inputs) the whole-buffer search's. */
static void check_bounded(const uint8_t *data, size_t size)
{
    struct match_list a = { 0 }, b = { 0 }, c = { 0 };

    if (engine_scan(bounded, data, size, &a, NULL) == STATUS_OK &&
        engine_scan(unbounded, data, size, &b, NULL) == STATUS_OK) {
        FUZZ_CHECK(a.n == b.n);
        for (size_t i = 0; i < a.n; i++)
            FUZZ_CHECK(same_match(&a.v[i], &b.v[i]));
    }
    if (size <= 2048 && engine_scan(whole, data, size, &c, NULL) == STATUS_OK) {
        FUZZ_CHECK(a.n == c.n);
        for (size_t i = 0; i < a.n && i < c.n; i++)
            FUZZ_CHECK(same_match(&a.v[i], &c.v[i]));
    }
    match_list_release(&a);
    match_list_release(&b);
    match_list_release(&c);
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
    check_bounded(data, size);
    scanbuf_free(sb);
    findings_free(f);
    return 0;
}
