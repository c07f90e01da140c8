/*
 * scan_delta.c - the windows of a silent delta (scan_delta.h; README "Silent deltas").
 *
 * B is made by a delta from base A, and Hyperscan's pass over A reported nothing (A is
 * "silent"). The delta's instructions (parsed by gitpack_delta_next, the pack reader's
 * own parser) copy ranges of A and insert literal bytes; consecutive copies contiguous in
 * A are one segment. A "gap" is a run of inserted bytes, or an empty point where a
 * segment meets one not contiguous with it, plus empty points at B's start and end.
 * Proof that the windows find every report of B:
 * 1. An expression's report of a match [m0, m1) depends only on the bytes of
 *    E = [m0 - 1, m1 + 2) and on whether E reaches past the buffer (engine_delta.c: no
 *    lookaround; \b \B ^ look one byte back, $ \Z two forward; \A \z the ends).
 * 2. If E lies in one segment [s, e) (so inside B), the same bytes stand in A at the
 *    mapped place, also inside A, so A would report the match: A reported nothing, so
 *    every match of B has an E that is not inside one segment, which means a gap
 *    [g0, g1) with g0 < m1 + 2 and m0 - 1 < g1 (an inserted byte in E, or a gap point
 *    strictly inside E, or E past an end).
 * 3. A match holds at most W bytes that are not whitespace (all bytes, when no expression
 *    repeats whitespace without bound; engine_delta.c). So walking back from g0 - 1 until
 *    W + 1 counted bytes are passed reaches y < m0 (m1 >= g0 - 1), and walking forward
 *    from g1 until W + 1 counted bytes are passed reaches z > m1 (m0 <= g1): the window
 *    [y, z + 1), clamped to B, holds E clamped to B, and where E is clamped the window
 *    ends where B does. Hyperscan's pass over the window sees the match with the bytes
 *    that decide it, and reports it.
 * So if no window reports anything, B is silent. Without whitespace the window of a
 * gap is [g0 - W - 2, g1 + W + 2). Windows that overlap or touch are merged; each is
 * scanned with engine_silent.
 */
#include "scan_delta.h"

#include "match/engine.h"
#include "source/git/pack.h"

/* Walking across whitespace costs at most this many times B's size, then: in full. */
#define DELTA_WALK_FACTOR 4

struct walker {
    const struct delta_rule *dr;
    const unsigned char *b;
    size_t n;
    size_t walked, budget;
    size_t w0, w1;          /* the window being grown; w1 == 0: none yet */
    bool open;
    struct engine_worker *w;
    struct delta_counts *counts;
};

static bool counted(const struct walker *k, unsigned char c)
{
    return !k->dr->ws ||
           !(c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r');
}

/* Scan the window being grown: false if it reported something. */
static bool flush(struct walker *k)
{
    if (!k->open)
        return true;
    k->open = false;
    k->counts->windows++;
    k->counts->window_bytes += k->w1 - k->w0;
    return engine_silent(k->w, k->b + k->w0, k->w1 - k->w0);
}

/* Add the window of gap [g0, g1): -1 a window reported something, 0 walked too far,
 * 1 fine. */
static int add_gap(struct walker *k, size_t g0, size_t g1)
{
    size_t y, z, cnt = 0, stop = k->open ? k->w1 : 0;

    y = g0 ? g0 - 1 : 0;
    while (y > stop && cnt <= k->dr->width) {
        y--;
        cnt += counted(k, k->b[y]);
        k->walked++;
    }
    z = g1;
    cnt = 0;
    while (z < k->n && cnt <= k->dr->width) {
        cnt += counted(k, k->b[z]);
        z++;
        k->walked++;
    }
    z = z < k->n ? z + 1 : k->n;
    if (k->walked > k->budget)
        return 0;
    if (k->open && y <= k->w1) {
        if (z > k->w1)
            k->w1 = z;
        return 1;
    }
    if (!flush(k))
        return -1;
    k->w0 = y;
    k->w1 = z;
    k->open = true;
    return 1;
}

enum delta_verdict delta_windows(struct engine_worker *w, const struct delta_rule *dr,
                                 const unsigned char *b, size_t n, const unsigned char *delta,
                                 size_t delta_len, struct delta_counts *counts)
{
    struct walker k = { dr, b, n, 0, DELTA_WALK_FACTOR * n + 4096, 0, 0, false, w, counts };
    struct gitpack_delta_op op;
    uint64_t src, dst;
    size_t at, o = 0, a_next = 0, ins0 = 0, ins1 = 0;
    bool seg = false, ins = false;
    int rc, g;

    if (!dr->width || !gitpack_delta_sizes(delta, delta_len, &src, &dst, &at) || dst != n)
        return DELTA_UNSURE;
    if ((g = add_gap(&k, 0, 0)) <= 0)
        return g < 0 ? DELTA_HIT : DELTA_UNSURE;
    while ((rc = gitpack_delta_next(delta, delta_len, &at, &op)) > 0) {
        if (op.len > n - o)
            return DELTA_UNSURE;
        if (op.copy) {
            g = 1;
            if (ins) /* the inserted run ends here */
                g = add_gap(&k, ins0, ins1);
            else if (seg && op.off != a_next) /* a new segment */
                g = add_gap(&k, o, o);
            if (g <= 0)
                return g < 0 ? DELTA_HIT : DELTA_UNSURE;
            ins = false;
            seg = true;
            a_next = op.off + op.len;
        } else {
            if (!ins)
                ins0 = o;
            ins = true;
            ins1 = o + op.len;
            seg = false;
        }
        o += op.len;
    }
    if (rc < 0 || o != n)
        return DELTA_UNSURE;
    if ((ins && (g = add_gap(&k, ins0, ins1)) <= 0) || (g = add_gap(&k, n, n)) <= 0)
        return g < 0 ? DELTA_HIT : DELTA_UNSURE;
    return flush(&k) ? DELTA_SILENT : DELTA_HIT;
}
