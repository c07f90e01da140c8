/*
 * fuzz_engine_cache - bytes as a compiled-rules cache file (match/engine_cache.c: the
 * header, the patterns' widths, the Hyperscan database) -> the loader's validation.
 * The default rules are compiled once; their own cache bytes must load back (checked
 * at start). Each input is tried as it is, then with the header's format, counts and rules
 * hash set to the engine's (so mutations of a seed reach the widths and the database even
 * after the default rules change). An input that loads must leave a working engine:
 * a planted fake key is still found; the engine is then put back from the good bytes.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "match/engine.h"
#include "rules/fakekey.h"
#include "rules/rule.h"

static struct ruleset rs = RULESET_INIT;
static struct engine *eng;
static unsigned char *good;
static size_t good_len;
static struct engine_worker *worker;

/* The engine still finds a key ID. */
static void check_engine(void)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(16);
    char id[21], text[128];
    struct match_list ml = { 0 };

    fakekey_access_key_id(&rng, "AKIA", false, id);
    snprintf(text, sizeof(text), "aws_access_key_id = %s\n", id);
    FUZZ_CHECK(engine_scan(worker, (const unsigned char *)text, strlen(text), &ml, NULL) ==
               STATUS_OK);
    FUZZ_CHECK(ml.n >= 1);
    match_list_release(&ml);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    FUZZ_CHECK(ruleset_load(&rs, false, NULL, 0) == STATUS_OK);
    FUZZ_CHECK(engine_new(&eng, &rs, &(struct engine_opts){ .cache_dir = NULL }) == STATUS_OK);
    good = engine_cache_serialize(eng, &good_len);
    FUZZ_CHECK(good && good_len > 64);
    FUZZ_CHECK(engine_cache_reload(eng, good, good_len));
    FUZZ_CHECK(!engine_cache_reload(eng, good, good_len - 1));
    FUZZ_CHECK(engine_worker_new(&worker, eng) == STATUS_OK);
    check_engine();
    return 0;
}

static void try_bytes(const unsigned char *p, size_t n)
{
    if (engine_cache_reload(eng, p, n)) {
        engine_worker_free(worker);
        FUZZ_CHECK(engine_worker_new(&worker, eng) == STATUS_OK);
        check_engine();
        FUZZ_CHECK(engine_cache_reload(eng, good, good_len));
        engine_worker_free(worker);
        FUZZ_CHECK(engine_worker_new(&worker, eng) == STATUS_OK);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;

    try_bytes(data, size);
    if (size < 64)
        return 0;
    copy = malloc(size);
    FUZZ_CHECK(copy);
    memcpy(copy, data, size);
    memcpy(copy + 8, good + 8, 12);   /* format, n_rules, n_trig: seeds outlive a format */
    memcpy(copy + 24, good + 24, 32); /* the rules hash */
    {
        uint64_t h = engine_cache_sum(copy, size - 8);
        for (int i = 0; i < 8; i++)
            copy[size - 8 + i] = (unsigned char)(h >> (8 * i));
    }
    try_bytes(copy, size);
    free(copy);
    return 0;
}
