/*
 * scanbuf.c - one buffer in, observations out.
 *
 * Views nest: a base64 run inside a URL-decoded view inside a UTF-16 file. Every view
 * keeps its decoded struct on a chain, so an offset found at any depth maps back,
 * level by level, to the "text" buffer (the raw bytes, or their UTF-16 transcoding:
 * lines and columns are counted there) and then to a raw byte offset. The tricky
 * point is dedup: a decoded view repeats the bytes around what it decoded (an escape
 * decoder's window, a base64 run's line), so plain matches are found again; observations
 * are made unique by (raw offset, kind, value).
 */
#include "scanbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "decode/decode.h"
#include "finding/findings.h"
#include "base/limits.h"
#include "match/engine.h"
#include "rules/rule.h"
#include "scope.h"
#include "sender.h"
#include "source/source.h"
#include "aws/bedrock.h"
#include "aws/keys.h"


struct pending {
    size_t seq;
    size_t text_off;
    size_t raw_off;
    enum cred_kind kind;
    char *value;
    char *paired_id;
    char *region;
    char *senders;        /* sender addresses near it, '\n'-separated (sender.h), or NULL */
    const char *encoding; /* interned in sb->labels */
    const struct rule *rule;
};

struct level {
    struct match_list ml;
    struct triggers tg;
    struct decoded d;
    struct decode_span *near; /* a nested view's windows (decode_spans_near_changes) */
    size_t cap_near;
};

struct scanbuf {
    const struct engine *e;
    const struct ruleset *rs;
    struct findings *f;
    struct engine_worker *w;
    struct level levels[LIMIT_DECODE_DEPTH + 1];
    const struct decoded *chain[LIMIT_DECODE_DEPTH + 1];
    const char *chain_enc[LIMIT_DECODE_DEPTH + 1];
    struct decoded utf16;
    bool text_is_utf16;
    struct pending *pend;
    size_t n_pend, cap_pend;
    char **labels;
    size_t n_labels;
    size_t decode_budget;
    const struct blob *blob;
    bool limit_decode;      /* a decoded view of this blob was not scanned: the budget */
    bool limit_hits;        /* the hit cap stopped matching in this blob */
    bool exhaustive;        /* tests: every pairing candidate looked at */
    struct scanbuf_ctx ctx;
    struct scanbuf_stats stats;
};

enum status scanbuf_new(struct scanbuf **out, const struct engine *e, const struct ruleset *rs,
                        struct findings *f)
{
    struct scanbuf *sb = xcalloc(1, sizeof(*sb));
    enum status st;

    *out = NULL;
    sb->e = e;
    sb->rs = rs;
    sb->f = f;
    if ((st = engine_worker_new(&sb->w, e)) != STATUS_OK) {
        free(sb);
        return st;
    }
    *out = sb;
    return STATUS_OK;
}

void scanbuf_free(struct scanbuf *sb)
{
    if (!sb)
        return;
    engine_worker_free(sb->w);
    for (int i = 0; i <= LIMIT_DECODE_DEPTH; i++) {
        match_list_release(&sb->levels[i].ml);
        triggers_release(&sb->levels[i].tg);
        decoded_release(&sb->levels[i].d);
        free(sb->levels[i].near);
    }
    decoded_release(&sb->utf16);
    for (size_t i = 0; i < sb->n_labels; i++)
        free(sb->labels[i]);
    free(sb->labels);
    free(sb->pend);
    free(sb);
}

void scanbuf_set_exhaustive_pairing(struct scanbuf *sb, bool on)
{
    sb->exhaustive = on;
}

void scanbuf_set_ctx(struct scanbuf *sb, const struct scanbuf_ctx *ctx)
{
    sb->ctx = *ctx;
}

const struct scanbuf_stats *scanbuf_stats(const struct scanbuf *sb)
{
    return &sb->stats;
}

static const char *intern(struct scanbuf *sb, const char *label)
{
    for (size_t i = 0; i < sb->n_labels; i++)
        if (strcmp(sb->labels[i], label) == 0)
            return sb->labels[i];
    sb->labels = xrealloc(sb->labels, (sb->n_labels + 1) * sizeof(char *));
    sb->labels[sb->n_labels] = xstrdup(label);
    return sb->labels[sb->n_labels++];
}

static const char *intern_label(struct scanbuf *sb, int depth)
{
    char buf[256] = "";
    size_t len = 0;

    for (int i = 0; i <= depth; i++) {
        if (!sb->chain_enc[i])
            continue;
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ">" : "",
                                sb->chain_enc[i]);
        if (len >= sizeof(buf))
            break;
    }
    if (!buf[0])
        return NULL;
    return intern(sb, buf);
}

/* View offset at `depth` -> offset in the text buffer (depth 0). */
static size_t to_text(const struct scanbuf *sb, int depth, size_t off)
{
    for (int i = depth; i >= 1; i--)
        off = decoded_to_source(sb->chain[i], off);
    return off;
}

static size_t text_to_raw(const struct scanbuf *sb, size_t off)
{
    return sb->text_is_utf16 ? decoded_to_source(&sb->utf16, off) : off;
}

static bool id_fits(enum cred_kind kind, const unsigned char *id)
{
    if (kind == CRED_SESSION_TOKEN)
        return memcmp(id, "ASIA", 4) == 0;
    if (kind == CRED_SMTP_PASSWORD)
        return memcmp(id, "AKIA", 4) == 0;
    return true;
}

static size_t gap(const struct match *a, const struct match *b)
{
    if (a->end <= b->start)
        return b->start - a->end;
    if (b->end <= a->start)
        return a->start - b->end;
    return 0;
}

/* The longest match of ml (its end - start), so that the matches near one are found by
 * their starts. */
static size_t longest_match(const struct match_list *ml)
{
    size_t span = 0;

    for (size_t i = 0; i < ml->n; i++)
        if (ml->v[i].end - ml->v[i].start > span)
            span = ml->v[i].end - ml->v[i].start;
    return span;
}

/* The first match of ml (sorted by start; none longer than `span`) that may end within
 * LIMIT_PAIR_BYTES of m's start: the ones before it end too far before m. Pairing looks
 * only from there, not at every match of the view for every value (quadratic in a file
 * of many keys). */
static size_t first_within(const struct match_list *ml, const struct match *m, size_t span)
{
    size_t floor = m->start > LIMIT_PAIR_BYTES + span ? m->start - LIMIT_PAIR_BYTES - span : 0;
    size_t lo = 0, hi = ml->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ml->v[mid].start < floor)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The best partner so far on one side of a value: the smallest separation, then the
 * smallest gap, then the first in list order. */
struct partner {
    const struct match *p;
    size_t gap;
    enum scope_sep sep;
};

/* Whether candidate p (gap g, list order by address) could beat best: the separation is
 * the costly part (scope_between reads the text between them), and none is smaller than
 * SCOPE_SAME, so once a partner in the same block is found only a nearer one can win.
 * Without this, a file of N credentials a line apart cost N times the text within
 * LIMIT_PAIR_BYTES of each (3.8 MB/s on 50,000 key pairs, benches/RESULTS.md). */
static bool nearer(const struct partner *best, const struct match *p, size_t g)
{
    return g < best->gap || (g == best->gap && p < best->p);
}

static bool may_beat(const struct partner *best, const struct match *p, size_t g)
{
    return !best->p || best->sep != SCOPE_SAME || nearer(best, p, g);
}

static void consider(struct partner *best, const struct match *p, size_t g, enum scope_sep sep)
{
    if (sep == SCOPE_APART)
        return;
    if (!best->p || sep < best->sep || (sep == best->sep && nearer(best, p, g))) {
        best->p = p;
        best->gap = g;
        best->sep = sep;
    }
}

/* The match of `want` kind (and, for IDs, a compatible prefix) a value belongs to: the
 * nearest one before it within LIMIT_PAIR_BYTES (ID-then-secret is the order of env files,
 * INI, JSON from the AWS CLI, CSV rows, code), else the nearest one after it. Two values
 * are never joined across a section header (scope.h), a published documentation example
 * never joins a real value (nor a real one an example), and a partner in the same block
 * is preferred to one in a sibling block. Candidates before it are looked at nearest
 * first, those after it too (ml is sorted by start), so that may_beat prunes most. */
static const struct match *nearest(const struct scanbuf *sb, const struct match_list *ml,
                                   size_t span, const struct match *m, enum cred_kind want,
                                   const unsigned char *data, bool need_region)
{
    struct partner side[2] = { { NULL, LIMIT_PAIR_BYTES + 1, SCOPE_APART },
                               { NULL, LIMIT_PAIR_BYTES + 1, SCOPE_APART } };
    enum cred_kind mk = sb->rs->rules[m->rule].kind;
    bool m_example = aws_is_example((const char *)data + m->start, m->end - m->start);
    size_t lo = first_within(ml, m, span), mid = lo, hi;

    while (mid < ml->n && ml->v[mid].start < m->start)
        mid++;
    /* ml is sorted by start: past m->end + LIMIT_PAIR_BYTES every match is too far */
    for (hi = mid; hi < ml->n && ml->v[hi].start <= m->end + LIMIT_PAIR_BYTES; hi++)
        ;
    /* side 0: [lo, mid) from mid - 1 down (before m); side 1: [mid, hi) upwards */
    for (size_t k = 0; k < hi - lo; k++) {
        size_t i = k < mid - lo ? mid - 1 - k : lo + k;
        const struct match *p = &ml->v[i];
        struct partner *best = &side[p->start >= m->start];
        size_t g;
        if (sb->rs->rules[p->rule].kind != want || p == m)
            continue;
        if (need_region && p->region_end <= p->region_start)
            continue;
        if (want == CRED_ACCESS_KEY_ID && (p->end - p->start < 4 || !id_fits(mk, data + p->start)))
            continue;
        g = gap(m, p);
        if (g > LIMIT_PAIR_BYTES || (!sb->exhaustive && !may_beat(best, p, g)))
            continue;
        if (want != CRED_CONTEXT &&
            aws_is_example((const char *)data + p->start, p->end - p->start) != m_example)
            continue;
        consider(best, p, g,
                 p->start < m->start ? scope_between(data, p->start, p->end, m->start)
                                     : scope_between(data, m->start, m->end, p->start));
    }
    if (side[0].p && side[1].p && side[1].sep < side[0].sep)
        return side[1].p;
    return side[0].p ? side[0].p : side[1].p;
}

/* A short-term Bedrock API key names the access key ID that signed it: the key belongs
 * to that credential, and the ID is seen where the key is (encoding "bedrock-api-key"),
 * so that its finding exists even when the ID appears nowhere else. */
static void add_bedrock_signer(struct scanbuf *sb, struct pending *p)
{
    struct bedrock_info bi;
    struct pending *id;
    char label[300];

    if (!aws_bedrock_decode(p->value, strlen(p->value), &bi) || bi.type != BEDROCK_SHORT_TERM)
        return;
    p->paired_id = xstrdup(bi.key_id);
    XGROW(sb->pend, sb->cap_pend, sb->n_pend + 1);
    p = &sb->pend[sb->n_pend - 1]; /* the array may have moved */
    id = &sb->pend[sb->n_pend];
    *id = *p;
    id->seq = sb->n_pend++;
    id->kind = CRED_ACCESS_KEY_ID;
    id->value = xstrdup(bi.key_id);
    id->paired_id = NULL;
    id->region = NULL;
    id->senders = NULL;
    snprintf(label, sizeof(label), "%s%sbedrock-api-key", p->encoding ? p->encoding : "",
             p->encoding ? ">" : "");
    id->encoding = intern(sb, label);
}

/* False if the match [start, end) of the view at `depth`, or what it maps to in a view
 * below, lies within LIMIT_DECODE_WINDOW_EDGE of a window's cut edge: those bytes are the
 * same in the view the window was cut from, which sees them with their context. */
static bool in_window_core(const struct scanbuf *sb, int depth, size_t start, size_t end)
{
    for (int i = depth; i >= 1; i--) {
        const struct decoded *d = sb->chain[i];
        if ((d->cut_lo && start < LIMIT_DECODE_WINDOW_EDGE) ||
            (d->cut_hi && (d->len < LIMIT_DECODE_WINDOW_EDGE ||
                           end > d->len - LIMIT_DECODE_WINDOW_EDGE)))
            return false;
        start = decoded_to_source(d, start);
        end = decoded_to_source(d, end - 1) + 1;
    }
    return true;
}

/* The sender addresses next to m, '\n'-separated, or NULL. */
static char *senders_near(const unsigned char *data, size_t len, const struct match *m)
{
    char found[LIMIT_SENDERS][AWS_SENDER_MAX + 1];
    size_t n = sender_near(data, len, m->start, m->end, found, LIMIT_SENDERS), used = 0;
    char *out;

    if (n == 0)
        return NULL;
    out = xmalloc(n * (AWS_SENDER_MAX + 1));
    for (size_t i = 0; i < n; i++)
        used += (size_t)sprintf(out + used, "%s%s", i ? "\n" : "", found[i]);
    return out;
}

static void add_pending(struct scanbuf *sb, int depth, const struct match *m,
                        const unsigned char *data, size_t len, const struct match_list *ml,
                        size_t span)
{
    const struct rule *r = &sb->rs->rules[m->rule];
    struct pending *p;
    size_t text_off = to_text(sb, depth, m->start);
    size_t text_end = to_text(sb, depth, m->end - 1) + 1;
    size_t raw_end = text_to_raw(sb, text_end - 1) + 1;
    const struct match *pm, *ctx;

    if (raw_end <= sb->blob->own_from || raw_end > sb->blob->own_to)
        return; /* the neighbouring chunk reports it */
    if (!in_window_core(sb, depth, m->start, m->end))
        return; /* the view around the window reports it */
    XGROW(sb->pend, sb->cap_pend, sb->n_pend + 1);
    p = &sb->pend[sb->n_pend];
    memset(p, 0, sizeof(*p));
    p->seq = sb->n_pend++;
    p->text_off = text_off;
    p->raw_off = text_to_raw(sb, text_off);
    p->kind = r->kind;
    p->rule = r;
    p->value = xstrndup((const char *)data + m->start, m->end - m->start);
    p->encoding = intern_label(sb, depth);
    if (r->kind == CRED_BEDROCK_API_KEY) {
        add_bedrock_signer(sb, p);
        return;
    }
    if (r->kind != CRED_ACCESS_KEY_ID) {
        pm = nearest(sb, ml, span, m, CRED_ACCESS_KEY_ID, data, false);
        if (pm)
            p->paired_id = xstrndup((const char *)data + pm->start, pm->end - pm->start);
    }
    p->senders = senders_near(data, len, m);
    if (r->kind == CRED_SMTP_PASSWORD || r->kind == CRED_ACCESS_KEY_ID) {
        ctx = nearest(sb, ml, span, m, CRED_CONTEXT, data, true);
        if (ctx)
            p->region = xstrndup((const char *)data + ctx->region_start,
                                 ctx->region_end - ctx->region_start);
    }
}

static enum status scan_view(struct scanbuf *sb, const unsigned char *data, size_t len,
                             int depth);

static enum status descend(struct scanbuf *sb, int depth, struct decoded *d)
{
    enum status st;

    if (d->len == 0)
        return STATUS_OK;
    if (d->len > sb->decode_budget) {
        decoded_release(d);
        sb->limit_decode = true;
        return STATUS_OK;
    }
    sb->decode_budget -= d->len;
    sb->stats.decoded_views++;
    sb->stats.decoded_bytes += d->len;
    sb->chain[depth + 1] = d;
    sb->chain_enc[depth + 1] = d->encoding;
    st = scan_view(sb, d->data, d->len, depth + 1);
    sb->chain[depth + 1] = NULL;
    sb->chain_enc[depth + 1] = NULL;
    decoded_release(d);
    return st;
}

/* Scan a decoded view if the decoder produced one; a view cut by the decode budget is
 * remembered, so that the input is reported as cut short by a limit, not as read. */
static enum status view(struct scanbuf *sb, int depth, enum status decoded, struct decoded *d)
{
    if (decoded == STATUS_LIMIT) {
        sb->limit_decode = true;
        decoded_release(d);
        return STATUS_OK;
    }
    return decoded == STATUS_OK ? descend(sb, depth, d) : STATUS_OK;
}

typedef enum status (*span_decoder)(const unsigned char *p, size_t n, struct decode_span w,
                                    size_t max_bytes, struct decoded *out);

/* An escape decoder's views: one per window around the runs of its trigger (in order).
 * Inside a decoded view only the runs near what that view changed are decoded again:
 * elsewhere the nested view shows what the view below it already showed (canonical
 * labels: a JSON escape is labelled json-escape, not url>json-escape, unless it needed
 * both; and of two views that find one value, the one with fewer decoders names it:
 * cmp_pending). Inside a view of the same decoder (url>url) every trigger left is one
 * its decoding made ("%252F" -> "%2F"): the others were decoded with the view. */
static enum status windows(struct scanbuf *sb, int depth, span_decoder decode,
                           const unsigned char *data, size_t len, struct trig_runs *runs,
                           size_t max)
{
    struct level *lv = &sb->levels[depth];
    struct decoded *d = &sb->levels[depth + 1].d;
    struct decode_span *w = runs->v;
    size_t n = runs->n;
    enum status st = STATUS_OK;

    if (depth > 0) {
        n = decode_spans_near_changes(sb->chain[depth], runs->v, runs->n, LIMIT_DECODE_WINDOW,
                                      &lv->near, &lv->cap_near);
        w = lv->near;
    }
    n = decode_spans(data, len, w, n);
    for (size_t i = 0; i < n && st == STATUS_OK; i++)
        st = view(sb, depth, decode(data, len, w[i], max, d), d);
    return st;
}

static enum status scan_view(struct scanbuf *sb, const unsigned char *data, size_t len,
                             int depth)
{
    struct level *lv = &sb->levels[depth];
    enum status st;
    size_t span;

    lv->ml.n = 0;
    triggers_reset(&lv->tg);
    if ((st = engine_scan(sb->w, data, len, &lv->ml, &lv->tg)) != STATUS_OK)
        return st;
    if (lv->tg.truncated)
        sb->limit_hits = true;
    span = longest_match(&lv->ml);
    for (size_t i = 0; i < lv->ml.n; i++) {
        const struct match *m = &lv->ml.v[i];
        if (sb->rs->rules[m->rule].kind != CRED_CONTEXT)
            add_pending(sb, depth, m, data, len, &lv->ml, span);
    }
    if (depth >= LIMIT_DECODE_DEPTH)
        return STATUS_OK;
    /* The next level's structs are reused for each view in turn. */
    {
        struct decoded *d = &sb->levels[depth + 1].d;
        size_t max = sb->decode_budget;
        if (lv->tg.url.n &&
            (st = windows(sb, depth, decode_url_span, data, len, &lv->tg.url, max)) != STATUS_OK)
            return st;
        if (lv->tg.json.n && (st = windows(sb, depth, decode_json_escapes_span, data, len,
                                           &lv->tg.json, max)) != STATUS_OK)
            return st;
        if (lv->tg.n_u16 && depth == 0 && !sb->text_is_utf16 &&
            (st = view(sb, depth,
                       decode_utf16_strings(data, len, lv->tg.u16, lv->tg.n_u16, max, d), d)) !=
                STATUS_OK)
            return st;
        if (lv->tg.html.n &&
            (st = windows(sb, depth, decode_html_span, data, len, &lv->tg.html, max)) != STATUS_OK)
            return st;
        if (lv->tg.n_concat &&
            (st = view(sb, depth, decode_concat(data, len, lv->tg.concat, lv->tg.n_concat, max, d),
                       d)) != STATUS_OK)
            return st;
        if (lv->tg.n_b64) {
            /* Copy the offsets: the recursion reuses deeper levels only. */
            st = view(sb, depth, decode_base64_runs(data, len, lv->tg.b64, lv->tg.n_b64, max, d),
                      d);
            if (st != STATUS_OK)
                return st;
        }
    }
    return STATUS_OK;
}

/* Decoders a label names ("url>json-escape": 2; none: 0). */
static size_t label_depth(const char *label)
{
    size_t n = label ? 1 : 0;

    for (; label && *label; label++)
        n += *label == '>';
    return n;
}

/* Raw order, then the best of one value's observations first (emit keeps that one): the
 * surer rule, one with a partner, the fewest decoders (a value a JSON view shows is
 * labelled json-escape even when a url>json-escape view found it first), the first seen. */
static int cmp_pending(const void *pa, const void *pb)
{
    const struct pending *a = pa, *b = pb;
    size_t da, db;
    int c;
    if (a->raw_off != b->raw_off)
        return a->raw_off < b->raw_off ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if ((c = strcmp(a->value, b->value)) != 0)
        return c;
    if (a->rule->confidence != b->rule->confidence)
        return a->rule->confidence > b->rule->confidence ? -1 : 1;
    if ((a->paired_id != NULL) != (b->paired_id != NULL))
        return a->paired_id ? -1 : 1;
    if ((da = label_depth(a->encoding)) != (db = label_depth(b->encoding)))
        return da < db ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* An inline `sesame:allow` on the line of a match suppresses that one occurrence (the
 * marker is matched in any comment syntax: it is looked for anywhere on the line). */
/* Tally `n` bytes of UTF-8 for the UTF-16 column that SARIF consumers count (sesame's
 * reports count bytes): a continuation byte adds no unit, a 4-byte sequence two. */
struct utf16_tally {
    uint64_t cont, four;
};

static void utf16_tally_add(struct utf16_tally *t, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        t->cont += (s[i] & 0xc0) == 0x80;
        t->four += (s[i] & 0xf8) == 0xf0;
    }
}

/* Bytes minus UTF-16 units of what was tallied (not UTF-8: a unit per byte). */
static uint64_t utf16_tally_extra(const struct utf16_tally *t)
{
    return t->cont > t->four ? t->cont - t->four : 0;
}

static bool line_allowed(const unsigned char *text, size_t len, size_t off)
{
    static const char marker[] = "sesame:allow";
    size_t start = off, end = off;

    if (off >= len)
        return false;
    while (start > 0 && text[start - 1] != '\n' && off - start < 65536)
        start--;
    while (end < len && text[end] != '\n' && end - off < 65536)
        end++;
    return memmem(text + start, end - start, marker, sizeof(marker) - 1) != NULL;
}

static enum status emit(struct scanbuf *sb, const unsigned char *text, size_t text_len)
{
    const struct blob *b = sb->blob;
    size_t pos = 0, line = 0, line_start = 0;
    struct utf16_tally tally = { 0, 0 }; /* of text[line_start, pos) */
    enum status st = STATUS_OK;

    if (sb->n_pend > 1)
        qsort(sb->pend, sb->n_pend, sizeof(*sb->pend), cmp_pending);
    for (size_t i = 0; i < sb->n_pend; i++) {
        struct pending *p = &sb->pend[i];
        struct observation o;
        bool dup = i > 0 && sb->pend[i - 1].raw_off == p->raw_off &&
                   sb->pend[i - 1].kind == p->kind && strcmp(sb->pend[i - 1].value, p->value) == 0;
        if (dup)
            continue;
        /* Pendings are in raw order, which is text order too (maps are monotonic). */
        if (p->text_off < pos) {
            pos = line = line_start = 0;
            tally = (struct utf16_tally){ 0, 0 };
        }
        while (pos < p->text_off && pos < text_len) {
            const unsigned char *nl = memchr(text + pos, '\n', p->text_off - pos);
            if (!nl) {
                utf16_tally_add(&tally, text + pos, p->text_off - pos);
                pos = p->text_off;
                break;
            }
            line++;
            pos = (size_t)(nl - text) + 1;
            line_start = pos;
            tally = (struct utf16_tally){ 0, 0 };
        }
        if (sb->ctx.disabled && sb->ctx.disabled[p->rule - sb->rs->rules])
            continue; /* disabled by this target's .sesame.json */
        memset(&o, 0, sizeof(o));
        if (sb->ctx.allow != INLINE_ALLOW_NONE &&
            (sb->ctx.allow == INLINE_ALLOW_ALL || p->kind == CRED_ACCESS_KEY_ID) &&
            line_allowed(text, text_len, p->text_off)) {
            sb->stats.allowed++;
            o.allowed = true; /* kept, to be listed, but not a finding */
        }
        o.kind = p->kind;
        o.value = p->value;
        o.value_len = strlen(p->value);
        o.paired_id = p->paired_id;
        o.region = p->region;
        o.senders = p->senders;
        o.confidence = p->rule->confidence;
        o.rule_id = p->rule->id;
        o.path = b->path;
        o.shown_tail = b->shown_tail;
        o.offset = b->offset + p->raw_off;
        o.line = b->line + line;
        o.column = (p->text_off - line_start) + 1 + (line == 0 ? b->column0 : 0);
        o.column_utf16 = o.column - utf16_tally_extra(&tally);
        o.encoding = p->encoding;
        o.blob_id = b->blob_id;
        o.commit = b->commit;
        o.deferred = b->deferred;
        o.layer_cmd = b->layer_cmd;
        o.removed_in = b->removed_in;
        o.replaced = b->replaced;
        o.target = sb->ctx.target;
        if (b->n_prov == 0) {
            if (st == STATUS_OK)
                st = findings_add(sb->f, &o);
            continue;
        }
        for (size_t k = 0; k < b->n_prov && st == STATUS_OK; k++) {
            o.path = b->prov[k].path;
            o.commit = b->prov[k].commit;
            if (b->places) { /* image layers: each place its own */
                o.shown_tail = b->places[k].shown_tail;
                o.layer_cmd = b->places[k].layer_cmd;
                o.removed_in = b->places[k].removed_in;
                o.replaced = b->places[k].replaced;
            }
            st = findings_add(sb->f, &o);
        }
    }
    for (size_t i = 0; i < sb->n_pend; i++) {
        crypto_free_secret(sb->pend[i].value);
        free(sb->pend[i].paired_id);
        free(sb->pend[i].region);
        free(sb->pend[i].senders);
    }
    sb->n_pend = 0;
    return st;
}

static bool view_ok(struct scanbuf *sb, enum status decoded, struct decoded *d)
{
    if (decoded == STATUS_LIMIT) {
        sb->limit_decode = true;
        decoded_release(d);
    }
    return decoded == STATUS_OK;
}

enum status scanbuf_scan(struct scanbuf *sb, const struct blob *blob)
{
    bool be = false;
    enum status st;

    sb->blob = blob;
    sb->n_pend = 0;
    sb->limit_decode = sb->limit_hits = false;
    sb->decode_budget = LIMIT_DECODE_BYTES;
    sb->text_is_utf16 = false;
    memset(sb->chain, 0, sizeof(sb->chain));
    memset(sb->chain_enc, 0, sizeof(sb->chain_enc));
    /* The raw bytes are always scanned: a buffer that only looks like UTF-16 (a key
     * followed by megabytes of NULs) must not hide its ASCII. */
    st = scan_view(sb, blob->data, blob->len, 0);
    if (st == STATUS_OK)
        st = emit(sb, blob->data, blob->len);
    else
        (void)emit(sb, blob->data, blob->len);
    if (st == STATUS_OK && decode_utf16_detect(blob->data, blob->len, &be) &&
        view_ok(sb, decode_utf16(blob->data, blob->len, be, LIMIT_DECODE_BYTES, &sb->utf16),
                &sb->utf16) &&
        sb->utf16.len > 0) {
        /* UTF-16 text: lines and columns are counted in the transcoded text. */
        sb->text_is_utf16 = true;
        sb->stats.decoded_views++;
        sb->chain_enc[0] = sb->utf16.encoding;
        sb->decode_budget = LIMIT_DECODE_BYTES;
        st = scan_view(sb, sb->utf16.data, sb->utf16.len, 0);
        if (st == STATUS_OK)
            st = emit(sb, sb->utf16.data, sb->utf16.len);
        else
            (void)emit(sb, sb->utf16.data, sb->utf16.len);
        decoded_release(&sb->utf16);
        sb->text_is_utf16 = false;
    }
    if (sb->limit_decode || sb->limit_hits) {
        sb->stats.truncated++;
        if (sb->limit_hits && !sb->ctx.quiet)
            log_gap(DIAG_LIMIT, "'%s': more than %u keyword hits in the bytes at offset %llu: "
                    "the rest of them not examined", blob->path ? blob->path : "-",
                    LIMIT_HITS_PER_CHUNK, (unsigned long long)blob->offset);
        if (sb->limit_decode && !sb->ctx.quiet)
            log_gap(DIAG_LIMIT, "'%s': decoded views (base64, URL, JSON escapes, UTF-16) past "
                    "%u MiB of the bytes at offset %llu not scanned", blob->path ? blob->path : "-",
                    LIMIT_DECODE_BYTES >> 20, (unsigned long long)blob->offset);
    }
    sb->blob = NULL;
    return st;
}
