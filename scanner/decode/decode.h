/*
 * decode/decode.h - decoded views of a buffer, with a map back to the original.
 *
 * Keys are not always plain ASCII on one line: UTF-16 files, URL-encoded values,
 * JSON string escapes and base64 blobs hide them from a byte matcher. Each decoder
 * here turns (part of) a buffer into a view that is scanned like any other buffer;
 * the view's map turns an offset in the view back into an offset in the source, so
 * locations are reported in the original file. Pure functions: no I/O, no globals.
 *
 * Every decoder writes at most `max_bytes` bytes of view (STATUS_LIMIT past that,
 * with the view released).
 */
#ifndef SESAME_DECODE_DECODE_H
#define SESAME_DECODE_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/compiler.h"
#include "base/status.h"

enum decode_seg_kind {
    SEG_COPY,   /* view[d] came from src[src_off + (d - view_off)] */
    SEG_SCALE2, /* view[d] came from src[src_off + 2 * (d - view_off)] (UTF-16 ASCII) */
    SEG_OPAQUE, /* every byte of the segment maps to src_off (a decoded run) */
};

struct decode_seg {
    size_t view_off; /* first view byte of the segment */
    size_t src_off;
    enum decode_seg_kind kind;
};

struct decoded {
    unsigned char *data; /* NUL-terminated, owned */
    size_t len;
    struct decode_seg *segs; /* sorted by view_off; segs[0].view_off == 0 */
    size_t n_segs;
    size_t segs_cap;
    /* static string: "utf-16le", "utf-16be", "url", "json-escape", "base64", "concat",
     * "html" */
    const char *encoding;
    size_t data_cap; /* bytes allocated for data, less the NUL (for the builders below) */
    /* A window of the buffer (the escape decoders' *_span forms): its first / last
     * bytes are not the buffer's, so a match there may have lost context the view
     * around it has (LIMIT_DECODE_WINDOW_EDGE). */
    bool cut_lo, cut_hi;
};

#define DECODED_INIT { NULL, 0, NULL, 0, 0, NULL, 0, false, false }

void decoded_release(struct decoded *d);

/* Offset in the source buffer of view byte `view_off` (view_off <= d->len). */
size_t decoded_to_source(const struct decoded *d, size_t view_off);

/* The decoders below overwrite *out (release an earlier view first). On failure, and when
 * they return out->len == 0, nothing is allocated. */

/* UTF-16: true if p[0, n) looks like UTF-16 text: a BOM, or (without one) NUL bytes in
 * most odd (LE) or even (BE) positions of the first 4 KiB. *big_endian tells which. */
bool decode_utf16_detect(const unsigned char *p, size_t n, bool *big_endian);
/* Transcode UTF-16 to UTF-8 (a BOM is skipped; unpaired surrogates become '?'). */
enum status decode_utf16(const unsigned char *p, size_t n, bool big_endian, size_t max_bytes,
                         struct decoded *out);

/* UTF-16LE strings inside any buffer (binaries: .NET user strings, Windows resources):
 * for each offset in `at` (increasing; a code unit of an anchor word) the run of UTF-16LE
 * printable ASCII around it, when at least 16 characters long, transcoded; runs joined by
 * '\n' (SEG_SCALE2 back to the source). out->len == 0 when no run qualified. */
enum status decode_utf16_strings(const unsigned char *p, size_t n, const size_t *at, size_t n_at,
                                 size_t max_bytes, struct decoded *out);

/* URL percent-decoding of the whole buffer (%XX, either case). '+' stays '+', since
 * raw secrets contain it. Returns STATUS_OK with out->len == 0 when nothing changed.
 * The scanner decodes windows of it (decode_url_span below); the whole-buffer forms of
 * the three escape decoders are the reference the windows are tested against. */
enum status decode_url(const unsigned char *p, size_t n, size_t max_bytes, struct decoded *out);

/* JSON / JavaScript string escapes: \/ \" \\ \b \f \n \r \t \uXXXX (surrogate pairs
 * joined) and \xXX. Returns out->len == 0 when nothing changed. */
enum status decode_json_escapes(const unsigned char *p, size_t n, size_t max_bytes,
                                struct decoded *out);

/* Decoding by trigger (what the scanner does): the source ranges an escape decoder's
 * trigger was seen in (the matcher's runs of hits), and the windows decoded around
 * them. decode_spans turns runs [lo, hi] (any order) into windows in place: each widened
 * by LIMIT_DECODE_WINDOW on both sides and to whole lines, sorted, those that overlap
 * or touch merged; returns how many are left. decode_*_span then decode every escape of
 * one window [lo, hi) (line starts and ends, as decode_spans makes them): the view is
 * exactly the part of the whole-buffer view made from those source bytes, cut_lo /
 * cut_hi set where the window does not reach the buffer's ends; out->len == 0 when the
 * window holds no escape. */
struct decode_span {
    size_t lo, hi;
};

size_t decode_spans(const unsigned char *p, size_t n, struct decode_span *v, size_t nv);
enum status decode_url_span(const unsigned char *p, size_t n, struct decode_span w,
                            size_t max_bytes, struct decoded *out);
enum status decode_json_escapes_span(const unsigned char *p, size_t n, struct decode_span w,
                                     size_t max_bytes, struct decoded *out);
enum status decode_html_span(const unsigned char *p, size_t n, struct decode_span w,
                             size_t max_bytes, struct decoded *out);

/* The matcher's URL and JSON triggers: true if the escape of the hit ending at `at` may
 * be part of, or touch, a value (decode_escape_run): only then can the view show a value
 * the raw bytes do not. A value is such a long run in the view; an escape inside it is
 * in that run, and one around it (%3D, %22, \u0022: an encoded keyword's '=' and quotes)
 * joins it or is a gap beside it; "%2F" + a path word, or "https:\/\/" + a host name,
 * is not. */
bool decode_url_trigger_in_run(const unsigned char *p, size_t n, size_t at,
                               struct decode_span *trigger_run, size_t *work);
bool decode_json_trigger_in_run(const unsigned char *p, size_t n, size_t at,
                                struct decode_span *trigger_run, size_t *work);

/* A view inside a view (url>json-escape, ...) only shows what neither shows alone where
 * the outer decoder changed something: the parts of runs `in` (closed ranges [lo, hi],
 * any order, overlapping or not) within `margin` of a place where `outer` is not a copy
 * of its source (a decoded run up to the next segment's start, or a segment boundary
 * other than the view's start: bytes dropped or joined). Written to *out (grown as
 * needed), sorted and disjoint; returns how many (0 when outer is NULL). */
size_t decode_spans_near_changes(const struct decoded *outer, const struct decode_span *in,
                                 size_t n_in, size_t margin, struct decode_span **out,
                                 size_t *cap);

/* Base64: for each offset in `at` (sorted or not, duplicates allowed) find the run of
 * base64 characters (standard or URL-safe alphabet, optional '=' padding) that contains
 * it; decode runs of at least LIMIT_BASE64_MIN_RUN characters whose decoding is mostly
 * printable text, and build a view made of, for each such run, its line in `p` with
 * the run replaced by its decoding, lines joined by '\n'. A wrapped run (lines of one
 * width, a multiple of 4, same indentation, LF or CRLF; the first may follow a prefix,
 * the last may be narrower) is one run: its first line's prefix, its decoding, the rest
 * of its last line. The decoded bytes of each source line map (SEG_OPAQUE) to that
 * line's first base64 character; the rest maps 1:1. The map is monotonic.
 * out->len == 0 when no run qualified. */
enum status decode_base64_runs(const unsigned char *p, size_t n, const size_t *at, size_t n_at,
                               size_t max_bytes, struct decoded *out);

/* HTML: numeric character references (&#65; &#x41;), &quot; &amp; &lt; &gt; &apos;, and
 * inline tags between two key characters (AKIA<span>...</span>...) removed, over the
 * whole buffer. Returns out->len == 0 when nothing changed. */
enum status decode_html(const unsigned char *p, size_t n, size_t max_bytes, struct decoded *out);

/* String literals joined by the program ("AKIA" + "...", Python implicit concatenation,
 * ''.join([...]), [...].join(''), C adjacent literals, shell 'a''b'): for each offset in
 * `at` (any order; a quote of a fragment or the character after its opening quote, or the
 * ']' of an array joined by .join('')) the chain of literal-only
 * fragments through it is rewritten, in a copy of the buffer, into one literal (join
 * calls, brackets and separators dropped). Bounded by LIMIT_CONCAT_*; no code is
 * evaluated. Joined bytes map to their own source bytes (monotonic map). out->len == 0
 * when no chain qualified (see concat.c). */
enum status decode_concat(const unsigned char *p, size_t n, const size_t *at, size_t n_at,
                          size_t max_bytes, struct decoded *out);

/* The substrings that appear in base64 of any text containing `word`, one for each of
 * the three alignments (characters influenced by neighbouring bytes are dropped).
 * Writes up to 3 NUL-terminated strings into out[0..] (standard alphabet, each at most
 * 2 * strlen(word) + 4 bytes incl. NUL), skipping alignments whose stable part is under
 * 4 characters; returns how many were written (3 for words of 4 to 40 bytes, 0 for
 * words longer than 40 bytes or too short to give any stable part of 4 characters). */
size_t base64_anchors(const char *word, char out[3][96]);

/*
 * For the decoders in decode/ only: append `len` bytes to the view under construction,
 * mapping them to the source as `kind` says from `src_off` (the segment is merged into
 * the previous one when it continues it). Keeps d->data NUL-terminated. STATUS_LIMIT if
 * the view would pass max_bytes; the caller then releases it.
 */
NODISCARD enum status decoded_append(struct decoded *d, size_t max_bytes, const void *bytes,
                                     size_t len, size_t src_off, enum decode_seg_kind kind);

/*
 * For the escape decoders: what one of them undoes (`at`: the escape starting at p[i], if
 * any, its decoded bytes and its length in the source), the bytes an escape starts with,
 * and how far an unknown one is stepped over. decode_escapes_span decodes every escape of
 * one window (see decode_url_span; [0, n) for the whole buffer).
 */
struct decode_escaper {
    const char *encoding;
    unsigned char lead[2];
    int n_lead;
    size_t skip_unknown;
    bool (*at)(const unsigned char *p, size_t n, size_t i, unsigned char bytes[4], size_t *len,
               size_t *used);
};

enum status decode_escapes_span(const struct decode_escaper *x, const unsigned char *p, size_t n,
                                struct decode_span w, size_t max_bytes, struct decoded *out);

/* For the decoders: whether an escape trigger's hit ending at `at` may touch a value.
 * p is read as tokens, raw bytes and the escapes x decodes (one token each), each, by the
 * byte it is or decodes to, part of a value (base64 of either alphabet, '=', '%', '\\'),
 * a gap (blanks, quotes, ':', ',', brackets) or a break. A run of value tokens is long
 * with LIMIT_ESCAPE_RUN_MIN of them in a row without '/' or '+', or LIMIT_ESCAPE_RUN_ANY
 * in all, or when it reaches the buffer's start or end or starts LIMIT_ESCAPE_RUN_BACK
 * before the hit (it may be cut). True if the token holding p[at - 1] is in a long run,
 * or is a gap or in a run with at most 8 gaps between it and a long run on either side.
 * *trigger_run gets the source range of the run holding p[at - 1] ([0, 0) if none):
 * for any hit ending inside it the answer is the same. *work (if not NULL) grows by the
 * bytes and tokens looked at (the matcher stops asking past a budget). */
bool decode_escape_run(const struct decode_escaper *x, const unsigned char *p, size_t n,
                       size_t at, struct decode_span *trigger_run, size_t *work);

/* For the decoders: v[0, n) in ascending order (trigger offsets usually are: the matcher
 * reports hits in order, so sorting them can be skipped). */
bool decode_is_sorted(const size_t *v, size_t n);

/* For the decoders: the value of hex digit c, or -1. */
int decode_hex_digit(unsigned char c);

/* For the decoders: UTF-8 of code point `cp` (at most 0x10FFFF) into out; returns its length. */
size_t decode_utf8_encode(unsigned long cp, unsigned char out[4]);

#endif
