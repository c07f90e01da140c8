/*
 * scan_delta.h - silent deltas: a blob that a git delta made from a base whose Hyperscan
 * pass reported nothing is matched only in windows around the bytes the delta did not
 * copy (scan_delta.c says why that finds everything; the switch SESAME_DELTASCAN).
 */
#ifndef SESAME_SCAN_DELTA_H
#define SESAME_SCAN_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
struct engine_worker;

/* The rule set's window rule (engine_delta_width): width 0 = not usable. */
struct delta_rule {
    size_t width;
    bool ws;        /* windows extend across whitespace, counting the other bytes */
};

enum delta_verdict {
    DELTA_SILENT,   /* no window reported anything: b[0, n) is silent */
    DELTA_HIT,      /* a window reported something: scan b in full */
    DELTA_UNSURE    /* the delta does not describe b, or windows cost too much: in full */
};

struct delta_counts {
    uint64_t windows, window_bytes;
};

/* The verdict for b[0, n), made by `delta` (git's delta format, whole) from a base whose
 * Hyperscan pass over w's database reported nothing. */
enum delta_verdict delta_windows(struct engine_worker *w, const struct delta_rule *dr,
                                 const unsigned char *b, size_t n, const unsigned char *delta,
                                 size_t delta_len, struct delta_counts *counts);

#endif
