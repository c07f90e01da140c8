/*
 * tests/fuzz/fuzz.h - what every fuzz target and the replay driver share.
 *
 * The libFuzzer entry points (libFuzzer itself ships no C header for them) and
 * FUZZ_CHECK, which reports a broken invariant and aborts, so that both libFuzzer and
 * the replay driver treat it as a crash.
 */
#ifndef SESAME_TESTS_FUZZ_H
#define SESAME_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Optional: global setup, called once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* One input; returns 0 (-1 asks libFuzzer not to add the input to the corpus). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                               \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif
