/*
 * decode/base64.c - decode the base64 runs around given offsets, and the anchors that
 * find a word inside base64 without decoding anything.
 *
 * Only runs that decode to mostly printable text are kept (config files and keys in
 * Kubernetes Secrets or CI variables); binary payloads are not views. A view line is the
 * run's source line with the run replaced by its decoding, so "name: <base64>" keeps the
 * name beside the decoded key for the matcher's context rules.
 *
 * Wrapped base64 (`base64` output at 76 columns, MIME, PEM bodies, YAML block scalars) is
 * one run over several lines: lines of one width W (a multiple of 4, so each line decodes
 * on its own), the same indentation, the last one no wider, are joined before decoding.
 * Each line's decoded bytes map to that line's first character, so a key is reported on
 * the line where its encoded form starts.
 */
#include "decode/decode.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "base/limits.h"

/* Runs longer than this are not decoded: a key hides in a small value, and a bound on the
 * run bounds the scan around each offset. TODO: move to limits.h (LIMIT_BASE64_MAX_RUN). */
#define BASE64_MAX_RUN ((size_t)16 * 1024 * 1024)

/* Share of decoded bytes that must be printable ASCII (or \t \r \n) for a run to count
 * as text: high enough to reject random bytes (about 37% printable). */
#define BASE64_PRINTABLE_PCT 85u

/* Decoded bytes gathered before one append call. */
#define BASE64_CHUNK 768u

struct base64_run {
    size_t start;    /* first character */
    size_t body_end; /* end of the characters before any '=' padding */
    size_t end;      /* end of the run, padding included */
    size_t n_lines;  /* 1, or the lines of a wrapped run (joined between start and body_end) */
    unsigned alphabet; /* base64_class() bits 0-1 of its characters: 3 mixes both */
};

/* 0: not base64; else bit 0 for '+' '/' (standard alphabet), bit 1 for '-' '_' (URL-safe
 * alphabet), bit 2 for letters and digits (both). A table: the runs around every trigger
 * are classified byte by byte (find_run, next_line were 5% of a tree scan's CPU). */
#define B64_ALNUM(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || \
                      ((c) >= '0' && (c) <= '9'))
#define B64_CLASS(c) (B64_ALNUM(c) ? 4 : (c) == '+' || (c) == '/' ? 1 : \
                      (c) == '-' || (c) == '_' ? 2 : 0)
/* Value of a character of the run's alphabet (the run was checked to use only one). */
#define B64_VALUE(c) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A'        \
                      : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 \
                      : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 \
                      : (c) == '+' || (c) == '-' ? 62 : 63)
/* as a byte: clang checks each arm of the ?: on its own (-Wconstant-conversion), also
 * the arms a character never takes */
#define B64_VALUE_BYTE(c) ((unsigned char)B64_VALUE(c))
#define B64_ROW(f, b) f(b), f(b + 1), f(b + 2), f(b + 3), f(b + 4), f(b + 5), f(b + 6), f(b + 7), \
                      f(b + 8), f(b + 9), f(b + 10), f(b + 11), f(b + 12), f(b + 13), f(b + 14), \
                      f(b + 15)
#define B64_TABLE(f) { B64_ROW(f, 0), B64_ROW(f, 16), B64_ROW(f, 32), B64_ROW(f, 48), \
                       B64_ROW(f, 64), B64_ROW(f, 80), B64_ROW(f, 96), B64_ROW(f, 112), \
                       B64_ROW(f, 128), B64_ROW(f, 144), B64_ROW(f, 160), B64_ROW(f, 176), \
                       B64_ROW(f, 192), B64_ROW(f, 208), B64_ROW(f, 224), B64_ROW(f, 240) }

static const unsigned char base64_classes[256] = B64_TABLE(B64_CLASS);
static const unsigned char base64_values[256] = B64_TABLE(B64_VALUE_BYTE);

static inline unsigned base64_class(unsigned char c)
{
    return base64_classes[c];
}

static inline bool base64_body_char(unsigned char c)
{
    return base64_classes[c] != 0;
}

static inline unsigned base64_value(unsigned char c)
{
    return base64_values[c];
}

static bool base64_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Start of the line holding p[i]. */
static size_t base64_line_start(const unsigned char *p, size_t i)
{
    while (i > 0 && p[i - 1] != '\n')
        i--;
    return i;
}

/* Does the body run ending at e end its line (only blanks and '\r' up to a '\n')? Sets
 * *nl to that '\n'. */
static bool base64_run_ends_line(const unsigned char *p, size_t n, size_t e, size_t *nl)
{
    const size_t e0 = e;

    while (e < n && e - e0 < LIMIT_BASE64_WRAP_INDENT && (base64_blank(p[e]) || p[e] == '\r'))
        e++;
    if (e >= n || p[e] != '\n')
        return false;
    *nl = e;
    return true;
}

/* The indentation of the line starting at ls, then the body run right after it: the line
 * is [ls, *s) blanks, [*s, *e) base64 (*alpha: its alphabet bits). False if the line
 * starts with anything else. */
static bool base64_whole_line(const unsigned char *p, size_t n, size_t ls, size_t *s, size_t *e,
                              unsigned *alpha)
{
    size_t a = ls, b;
    unsigned cls, al = 0;

    while (a < n && base64_blank(p[a]) && a - ls < LIMIT_BASE64_WRAP_INDENT)
        a++;
    if (a >= n || !base64_body_char(p[a]))
        return false;
    b = a;
    while (b < n && b - a <= BASE64_MAX_RUN && (cls = base64_class(p[b])) != 0) {
        al |= cls;
        b++;
    }
    *s = a;
    *e = b;
    *alpha = al & 3;
    return true;
}

/* The run [s, e) is a line's whole content after its indentation ([*ls, s) blanks). */
static bool base64_is_whole(const unsigned char *p, size_t s, size_t *ls)
{
    size_t a = s;

    while (a > 0 && s - a < LIMIT_BASE64_WRAP_INDENT && base64_blank(p[a - 1]))
        a--;
    *ls = a;
    return a == 0 || p[a - 1] == '\n';
}

/* May the run [s, e) be the last line of a wrapped run? With its '=' padding it holds
 * whole groups of four (encoders that wrap also pad), and after that comes the end of
 * the line (blanks, '\r'), of the buffer, or a closing quote or '<' (a string or an XML
 * element holding the value). Not a word that merely starts a line ("skip: plain",
 * "Thanks", a MIME boundary "--b1--"). */
static bool base64_last_line_ends(const unsigned char *p, size_t n, size_t s, size_t e)
{
    size_t pad = 0;

    while (e < n && p[e] == '=' && pad < 2) {
        e++;
        pad++;
    }
    if ((e - s) % 4 != 0)
        return false;
    for (size_t k = 0; e < n && k < LIMIT_BASE64_WRAP_INDENT; k++, e++)
        if (!base64_blank(p[e]) && p[e] != '\r')
            break;
    return e >= n || p[e] == '\n' || p[e] == '"' || p[e] == '\'' || p[e] == '<';
}

/*
 * Do the runs [ps, pe) and [ns, ne) of two consecutive lines belong to one wrapped run?
 * The upper one must end its line and hold whole groups of four, at least
 * LIMIT_BASE64_WRAP_MIN_COLS of them, and be no narrower than the lower one; the lower
 * one must be its line's whole content after an indentation equal to the upper line's
 * (when the upper line is whole too: a first line may carry a prefix such as "data: "),
 * must not start with '-' (PEM and MIME delimiters, YAML and Markdown list items), and
 * both must use the same alphabet.
 */
static bool base64_links(const unsigned char *p, size_t ps, size_t pe, unsigned pa, size_t ns,
                         size_t ne, unsigned na)
{
    size_t pls, nls;

    if ((pe - ps) % 4 != 0 || pe - ps < LIMIT_BASE64_WRAP_MIN_COLS || ne - ns > pe - ps ||
        p[ns] == '-')
        return false;
    if (!base64_is_whole(p, ns, &nls))
        return false;
    if (base64_is_whole(p, ps, &pls) &&
        (ps - pls != ns - nls || memcmp(p + pls, p + nls, ns - nls) != 0))
        return false;
    return (pa | na) != 3;
}

/*
 * Extend the one-line run [r->start, r->body_end) over the lines above (not before
 * `floor`) and below that continue it: lines of one width W, the last one no wider and
 * ending there (base64_last_line_ends), the first one possibly after a prefix. False,
 * with r unchanged and *stop past the lines looked at, if the joined run would exceed
 * BASE64_MAX_RUN.
 */
static bool base64_extend_wrapped(const unsigned char *p, size_t n, size_t floor,
                                  struct base64_run *r, size_t *stop)
{
    const size_t s0 = r->start, e0 = r->body_end;
    size_t top_s = s0, top_e = e0, cs = s0, ce = e0, w = 0, ls, nl, ns, ne, lines = 1;
    unsigned top_a = r->alphabet, cur_a = r->alphabet, all = r->alphabet, na;
    const bool ends = base64_last_line_ends(p, n, s0, e0);

    /* Up: while the top line is whole, the line above may end with its first part (only
     * if this line can end a wrapped run: as its last line, or by going on below). */
    while (ends && base64_is_whole(p, top_s, &ls) && ls > floor) {
        size_t pe = ls - 1, ps; /* p[ls - 1] is the '\n' that ends the line above */
        unsigned cls, pa = 0;
        while (pe > floor && ls - 1 - pe < LIMIT_BASE64_WRAP_INDENT &&
               (base64_blank(p[pe - 1]) || p[pe - 1] == '\r'))
            pe--;
        if (pe <= floor || !base64_body_char(p[pe - 1]))
            break;
        ps = pe;
        while (ps > floor && e0 - ps <= BASE64_MAX_RUN && (cls = base64_class(p[ps - 1])) != 0) {
            pa |= cls;
            ps--;
        }
        if (e0 - ps > BASE64_MAX_RUN) {
            *stop = e0;
            return false;
        }
        /* Above the lowest line, every line is as wide as the one below it. */
        if (!base64_links(p, ps, pe, pa & 3, top_s, top_e, top_a) || (w && pe - ps != w))
            break;
        w = pe - ps;
        top_s = ps;
        top_e = pe;
        top_a = pa & 3;
        all |= top_a;
        lines++;
    }
    /* Down, unless this line is already the narrower last one. */
    while (!(w && ce - cs < w) && base64_run_ends_line(p, n, ce, &nl) &&
           base64_whole_line(p, n, nl + 1, &ns, &ne, &na)) {
        if (ne - top_s > BASE64_MAX_RUN) {
            *stop = ne;
            return false;
        }
        if (!base64_links(p, cs, ce, cur_a, ns, ne, na) || (w && ce - cs != w) ||
            !base64_last_line_ends(p, n, ns, ne))
            break;
        w = ce - cs;
        cs = ns;
        ce = ne;
        cur_a = na;
        all |= na;
        lines++;
    }
    r->start = top_s;
    r->body_end = ce;
    r->n_lines = lines;
    r->alphabet = all;
    return true;
}

/*
 * Find the run around p[at], over several lines when `wrap` and the lines continue it
 * (base64_extend_wrapped; never above `floor`). Whatever the answer, *next is an offset
 * the next `at` must reach to be in a different run, so sorted offsets are each scanned
 * about once. False if there is no decodable run there (too short, too long, or mixing
 * both alphabets). When the lines joined would be too long, the run is the line alone
 * and *no_wrap_to is set past the lines looked at (they are not joined again).
 */
static bool base64_find_run(const unsigned char *p, size_t n, size_t at, size_t floor,
                            bool wrap, struct base64_run *r, size_t *next, size_t *no_wrap_to)
{
    size_t a = at, left, right, pad = 0;
    unsigned cls, alpha = 0;

    *next = at + 1;
    /* An offset in the padding belongs to the run before it. */
    while (p[a] == '=' && a > floor && pad < 2) {
        a--;
        pad++;
    }
    if (!base64_body_char(p[a]))
        return false;
    left = a;
    while (left > floor && a - left <= BASE64_MAX_RUN && (cls = base64_class(p[left - 1])) != 0) {
        alpha |= cls;
        left--;
    }
    right = a;
    while (right < n && right - left <= BASE64_MAX_RUN && (cls = base64_class(p[right])) != 0) {
        alpha |= cls;
        right++;
    }
    *next = right;
    if (right - left > BASE64_MAX_RUN)
        return false;
    r->start = left;
    r->body_end = right;
    r->n_lines = 1;
    r->alphabet = alpha & 3;
    if (wrap && base64_extend_wrapped(p, n, floor, r, no_wrap_to) && r->alphabet == 3 &&
        r->n_lines > 1) {
        /* Lines of both alphabets are not one run: the line alone. */
        *no_wrap_to = r->body_end;
        r->start = left;
        r->body_end = right;
        r->n_lines = 1;
        r->alphabet = alpha & 3;
    }
    right = r->body_end;
    while (right < n && right - r->body_end < 2 && p[right] == '=')
        right++;
    r->end = right;
    *next = right;
    if (at >= r->end || r->end - r->start < LIMIT_BASE64_MIN_RUN)
        return false;
    return r->alphabet != 3;
}

/* The next line of run r at or after `from` (r->start or the end of a line): its
 * characters [*s, *e) (empty at the end). Between two lines of a wrapped run there are
 * only blanks, '\r' and '\n'; a run of one line is all base64 characters. */
static void base64_next_line(const unsigned char *p, const struct base64_run *r, size_t from,
                             size_t *s, size_t *e)
{
    size_t a = from, b;

    if (r->n_lines == 1) {
        *s = from < r->start ? r->start : from < r->body_end ? from : r->body_end;
        *e = r->body_end;
        return;
    }

    while (a < r->body_end && !base64_body_char(p[a]))
        a++;
    b = a;
    while (b < r->body_end && base64_body_char(p[b]))
        b++;
    *s = a;
    *e = b;
}

/* Decode the k (2 to 4) characters at s into k - 1 bytes. */
static size_t base64_group(const unsigned char *s, size_t k, unsigned char out[3])
{
    unsigned long v = 0;

    for (size_t i = 0; i < 4; i++)
        v = v << 6 | (i < k ? base64_value(s[i]) : 0);
    out[0] = (unsigned char)(v >> 16);
    out[1] = (unsigned char)(v >> 8);
    out[2] = (unsigned char)v;
    return k - 1;
}

/* Decode the characters [s, e) into out[0, *len) starting at group `g`, stopping when
 * out is full; returns the next group. A final group of one character carries no byte:
 * ignored. (Every line of a wrapped run but the last holds whole groups of four.) */
static size_t base64_decode_some(const unsigned char *p, size_t s, size_t e, size_t g,
                                 unsigned char *out, size_t cap, size_t *len)
{
    size_t body = e - s;

    *len = 0;
    while (g * 4 < body && cap - *len >= 3) {
        size_t k = body - g * 4 < 4 ? body - g * 4 : 4;
        if (k >= 2)
            *len += base64_group(p + s + g * 4, k, out + *len);
        g++;
    }
    return g;
}

/* Bytes the run decodes to (what base64_decode_some gives over its lines: 3 per group
 * of 4 characters, 1 or 2 for a last group of 2 or 3). */
static size_t base64_decoded_len(const unsigned char *p, const struct base64_run *r)
{
    size_t total = 0, s, e;

    for (base64_next_line(p, r, r->start, &s, &e); s < e; base64_next_line(p, r, e, &s, &e))
        total += (e - s) / 4 * 3 + ((e - s) % 4 >= 2 ? (e - s) % 4 - 1 : 0);
    return total;
}

/* At least BASE64_PRINTABLE_PCT of the decoded bytes printable. Knowing the total first,
 * decoding stops as soon as the bytes that are not printable are too many for that
 * (random or binary payloads, most runs the triggers find, within a few groups). */
static bool base64_is_text(const unsigned char *p, const struct base64_run *r)
{
    unsigned char chunk[BASE64_CHUNK];
    size_t len, total = base64_decoded_len(p, r), other = 0, s, e;

    if (total == 0)
        return false;
    for (base64_next_line(p, r, r->start, &s, &e); s < e; base64_next_line(p, r, e, &s, &e)) {
        for (size_t g = 0; g * 4 < e - s;) {
            /* a smaller first piece: a binary run is told apart in it */
            g = base64_decode_some(p, s, e, g, chunk, g == 0 ? 48 : sizeof(chunk), &len);
            for (size_t i = 0; i < len; i++) {
                unsigned char c = chunk[i];
                other += !((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\r' || c == '\n');
            }
            if (other * 100 > total * (100 - BASE64_PRINTABLE_PCT))
                return false;
        }
    }
    return true;
}

/* Append the decoding of run r; each line's bytes map to that line's first character. */
static enum status base64_append_run(struct decoded *out, size_t max_bytes,
                                     const unsigned char *p, const struct base64_run *r)
{
    unsigned char chunk[BASE64_CHUNK];
    size_t len, s, e;
    enum status st = STATUS_OK;

    for (base64_next_line(p, r, r->start, &s, &e); s < e && st == STATUS_OK;
         base64_next_line(p, r, e, &s, &e)) {
        for (size_t g = 0; g * 4 < e - s && st == STATUS_OK;) {
            g = base64_decode_some(p, s, e, g, chunk, sizeof(chunk), &len);
            st = decoded_append(out, max_bytes, chunk, len, s, SEG_OPAQUE);
        }
    }
    return st;
}

static int base64_cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

enum status decode_base64_runs(const unsigned char *p, size_t n, const size_t *at, size_t n_at,
                               size_t max_bytes, struct decoded *out)
{
    enum status st = STATUS_OK;
    const size_t *sorted;
    size_t *copy = NULL;
    size_t next = 0;          /* offsets below this are in runs already looked at */
    size_t no_wrap_to = 0;    /* below this, in a wrapped run that was not text: lines alone */
    size_t line_end = 0;      /* end of the open line (its '\n' or n) */
    size_t copied_to = 0;     /* source offset the open line is emitted up to */
    bool line_open = false;
    struct base64_run r;

    *out = (struct decoded)DECODED_INIT;
    out->encoding = "base64";
    if (n_at == 0)
        return STATUS_OK;
    if (decode_is_sorted(at, n_at)) {
        sorted = at; /* the matcher's hits come in order: nothing to sort */
    } else {
        copy = xmalloc(st_mult(n_at, sizeof(*copy)));
        memcpy(copy, at, n_at * sizeof(*copy));
        qsort(copy, n_at, sizeof(*copy), base64_cmp_size);
        sorted = copy;
    }

    for (size_t i = 0; i < n_at && sorted[i] < n; i++) {
        size_t line_start, run_next, floor = next;
        bool found, text;

        if (sorted[i] < next)
            continue;
        found = base64_find_run(p, n, sorted[i], floor, sorted[i] >= no_wrap_to, &r, &run_next,
                                &no_wrap_to);
        text = found && base64_is_text(p, &r);
        if (found && !text && r.n_lines > 1) {
            /* Joining lines can only add: when the joined run is not text (a binary
             * blob, or lines that only look alike), each line is looked at alone. */
            no_wrap_to = r.end;
            found = base64_find_run(p, n, sorted[i], floor, false, &r, &run_next, &no_wrap_to);
            text = found && base64_is_text(p, &r);
        }
        next = run_next;
        if (!text)
            continue;
        if (line_open && r.start < line_end) {
            /* Same line as the previous run: emit what lies between the two runs. */
            st = decoded_append(out, max_bytes, p + copied_to, r.start - copied_to, copied_to,
                                SEG_COPY);
        } else {
            line_start = base64_line_start(p, r.start); /* not before line_end + 1 */
            if (line_open) /* the rest of the open line and its '\n', the joiner */
                st = decoded_append(out, max_bytes, p + copied_to, line_end + 1 - copied_to,
                                    copied_to, SEG_COPY);
            if (st == STATUS_OK)
                st = decoded_append(out, max_bytes, p + line_start, r.start - line_start,
                                    line_start, SEG_COPY);
            line_end = r.start;
            line_open = true;
        }
        if (st == STATUS_OK)
            st = base64_append_run(out, max_bytes, p, &r);
        if (st != STATUS_OK)
            goto out;
        copied_to = r.end;
        /* The open line ends where the run's last line does (a wrapped run moves it). */
        if (line_end < r.end) {
            line_end = r.end;
            while (line_end < n && p[line_end] != '\n')
                line_end++;
        }
    }
    if (line_open)
        st = decoded_append(out, max_bytes, p + copied_to, line_end - copied_to, copied_to,
                            SEG_COPY);

out:
    free(copy);
    if (st != STATUS_OK)
        decoded_release(out);
    return st;
}

size_t base64_anchors(const char *word, char out[3][96])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(word), count = 0;

    if (len == 0 || len > 40)
        return 0;
    for (size_t k = 0; k < 3; k++) {
        unsigned char bytes[44] = { 0 }; /* k filler bytes, the word, a zero tail */
        /* Character i covers bits [6i, 6i + 6); keep those inside the word's bits
         * [8k, 8(k + len)): they do not depend on the filler or what follows. */
        size_t first = (8 * k + 5) / 6, last = 8 * (k + len) / 6, o = 0;

        if (last < first || last - first < 4)
            continue;
        memcpy(bytes + k, word, len);
        for (size_t i = first; i < last; i++) {
            size_t bit = 6 * i, b = bit / 8;
            unsigned v = ((unsigned)bytes[b] << 8 | bytes[b + 1]) >> (10 - bit % 8);
            out[count][o++] = alphabet[v & 63];
        }
        out[count][o] = '\0';
        count++;
    }
    return count;
}
