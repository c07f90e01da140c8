/*
 * match/engine.c - Hyperscan prefilter + PCRE2 confirmation (the only <hs.h> and
 * <pcre2.h> user).
 *
 * The Hyperscan callback does O(1) work: per rule it extends or opens a window
 * [end - max_width, end] (hits arrive in end order), so a file with a million keyword
 * lines costs memory in windows, not hits. PCRE2 then runs only inside windows.
 * Compiled databases and the patterns' widths are cached on disk keyed by the rule set's
 * hash (engine_cache.c), so short runs (hooks) start without compiling or analysing.
 */
#include "match/engine.h"
#include "match/engine_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/env.h"
#include "base/xalloc.h"
#include "decode/decode.h"
#include "aws/keys.h"
#include "base/limits.h"
#include "rules/rule.h"

/* A numeric character reference to a key character: + / 0-9 = A-Z a-z. */
#define HTML_KEY_REF                                                                             \
    "&#(?:0{0,4}(?:4[3789]|5[0-7]|61|6[5-9]|[78][0-9]|9[07-9]|1[01][0-9]|12[0-2])|"              \
    "[xX]0{0,4}(?:2[BbFf]|3[0-9Dd]|4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]));"

/* Words whose base64 forms mark a base64 blob worth decoding. */
static const char *const b64_words[] = {
    "AKIA", "ASIA", "ABIA", "ACCA", "aws_", "AWS_", "secret", "Secret", "SECRET",
    "smtp", "SMTP", "token", "Token", "TOKEN", "password", "PASSWORD", "Password",
};

/* Where literals may be joined, each trigger a plain literal so that Hyperscan stays
 * fast (generic quote-operator-quote triggers made tree scans 30-60% slower, anchored
 * patterns with bounded repeats 8%): a quoted fragment that starts like a key ID or a
 * Bedrock key (position: its first character), and a secret keyword (position: after
 * it; the value follows). decode_concat takes it from there. */
static const struct {
    const char *pattern;
    unsigned back; /* position = trigger end - back */
} concat_triggers[] = {
    { "[\"'`](?:AKIA|ASIA|ABIA|ACCA|ABSK)", 4 },
    { "(?i)secret", 0 },
};

struct range {
    size_t lo, hi;
};

struct rule_ranges {
    struct range *v;
    size_t n, cap;
};

struct engine_worker {
    const struct engine *e;
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    struct rule_ranges *ranges; /* per rule */
    size_t n_hits;
    struct triggers *trig;      /* during a scan */
    const unsigned char *data;  /* the buffer scanned (during a scan) */
    size_t len;
    struct escape_memo {        /* the last URL [0] and JSON [1] trigger's run */
        struct decode_span run;
        bool kept;
    } memo[2];
    size_t escape_work;         /* what the checks looked at in this buffer */
    bool truncated;
    bool unbounded;             /* engine_worker_set_unbounded */
    bool whole;                 /* engine_worker_set_whole_buffer */
};

/* ---- compile ---------------------------------------------------------------- */

static char *escape_literal(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(st_add(st_mult(n, 2), 1));
    char *p = out;

    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            *p++ = '\\';
        *p++ = *s;
    }
    *p = '\0';
    return out;
}

struct pattern_table {
    char **expr;
    unsigned *flags;
    unsigned *ids;
    unsigned n, cap;
};

static void table_add(struct pattern_table *t, char *expr, unsigned flags)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->expr = xrealloc(t->expr, t->cap * sizeof(*t->expr));
        t->flags = xrealloc(t->flags, t->cap * sizeof(*t->flags));
        t->ids = xrealloc(t->ids, t->cap * sizeof(*t->ids));
    }
    t->expr[t->n] = expr;
    t->flags[t->n] = flags;
    t->ids[t->n] = t->n;
    t->n++;
}

static void table_release(struct pattern_table *t)
{
    for (unsigned i = 0; i < t->n; i++)
        free(t->expr[i]);
    free(t->expr);
    free(t->flags);
    free(t->ids);
}

/* All Hyperscan expressions: one per direct rule (proximity rules get a pattern that
 * can never match, to keep ids equal to rule indexes), then the triggers. */
static void build_table(struct engine *e, struct pattern_table *t)
{
    const struct ruleset *rs = e->rs;

    for (size_t i = 0; i < rs->n; i++) {
        const struct rule *r = &rs->rules[i];
        if (r->near_kinds)
            table_add(t, xstrdup("\\x00\\xff\\x00\\xffsesame-never\\xff\\x00"), 0);
        else if (r->prefilter)
            table_add(t, xstrdup(r->prefilter), 0);
        else
            table_add(t, xstrdup(r->pattern), HS_FLAG_PREFILTER);
    }
    e->n_trig = 0;
    e->trig = xcalloc(9 + ARRAY_SIZE(concat_triggers) + 4 * ARRAY_SIZE(b64_words),
                     sizeof(*e->trig));
    /* URL: an encoded '/', '+' or '=' (a secret's, as encoders write them), quote or ':'
     * (around a value, as an encoded JSON or query writes them), also encoded twice
     * (%252F); kept only next to a value (escape_trigger_kept) */
    table_add(t, xstrdup("%(?:25)?(?:2[27BbFf]|3[AaDd])"), 0);
    e->trig[e->n_trig++] = TRIG_URL;
    /* JSON / JavaScript: an escaped '/' next to two key characters (a secret's '/' as
     * JSON writes it), a \u00XX escape of a key character or a quote, an ES2015 \u{...}.
     * A regex's "s/^\//" and a "\u00e9" in text say nothing about a value (their windows,
     * in Perl and in JSON with accents, were most of git/git's JSON views). */
    table_add(t,
              xstrdup("[A-Za-z0-9+]{2}\\\\/|\\\\/[A-Za-z0-9+]{2}|\\\\u00(?:2[27BbFf]|"
                      "3[0-9Dd]|4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa])|"
                      "\\\\u\\{[0-9A-Fa-f]{1,6}\\}"),
              0);
    e->trig[e->n_trig++] = TRIG_JSON;
    for (size_t w = 0; w < ARRAY_SIZE(b64_words); w++) {
        char anchors[3][96];
        size_t n = base64_anchors(b64_words[w], anchors);
        for (size_t k = 0; k < n; k++) {
            table_add(t, escape_literal(anchors[k]), 0);
            e->trig[e->n_trig++] = TRIG_B64_ANCHOR;
        }
    }
    table_add(t,
              xstrdup("(?i)(?:secret|token|passw(?:or)?d|pass|pwd|key|credentials?|data|value)"
                      "[\"']?\\s{0,4}[:=]\\s{0,4}[\"']?[A-Za-z0-9+/_-]{20}"),
              0);
    e->trig[e->n_trig++] = TRIG_B64_VALUE;
    /* base64 of a JSON object ({" -> eyJ): JWT payloads and encoded configs, whose values
     * may be encoded once more (a second layer has no anchor in the first) */
    table_add(t, xstrdup("eyJ[A-Za-z0-9_-]{20}"), 0);
    e->trig[e->n_trig++] = TRIG_B64_ANCHOR;
    /* Two literals joined (concat_triggers; decode_concat decides the rest), and join
     * calls, whose lists are separated by commas: ''.join([ and ].join('') */
    e->concat_first = e->n_trig;
    for (size_t i = 0; i < ARRAY_SIZE(concat_triggers); i++) {
        table_add(t, xstrdup(concat_triggers[i].pattern), 0);
        e->trig[e->n_trig++] = TRIG_CONCAT;
    }
    table_add(t, xstrdup("(?:''|\"\")\\.join\\(\\s{0,8}[\\[(]?\\s{0,8}[\"']"), 0);
    e->trig[e->n_trig++] = TRIG_JOIN_LIST;
    table_add(t, xstrdup("\\]\\.join\\((?:''|\"\")\\)"), 0);
    e->trig[e->n_trig++] = TRIG_JOIN_ARRAY;
    /* HTML: a reference to a key character (&#65; &#x41;, '+', '/', '=') next to key
     * characters or to three more such references (a value written as references), or
     * an inline tag between two key characters. A reference to anything else
     * ("free&#39;d", "&#169; 2026") says nothing about a value. */
    table_add(t,
              xstrdup("(?:[A-Za-z0-9+/]{4}" HTML_KEY_REF "|" HTML_KEY_REF "(?:[A-Za-z0-9+/]{4}|"
                      "(?:" HTML_KEY_REF "){3})|[A-Za-z0-9+/](?:<(?:span|wbr|mark|em|strong|b|i|"
                      "code)(?: [^<>\n]{0,60})?>|</(?:span|mark|em|strong|b|i|code)>)"
                      "[A-Za-z0-9+/])"),
              0);
    e->trig[e->n_trig++] = TRIG_HTML;
    /* ... or a quote written as a reference before a value, with a keyword before it
     * (html_quote_keyword: in C, since "key[^\n]{0,64}" costs Hyperscan a state for 64
     * bytes after every "key" of every buffer) */
    table_add(t, xstrdup("&(?:quot|apos|#0{0,4}3[49]|#[xX]0{0,4}2[27]);[A-Za-z0-9+/]{16}"), 0);
    e->trig[e->n_trig++] = TRIG_HTML_QUOTE;
    /* The anchor words in UTF-16LE: strings inside binaries (UTF-16 text files are
     * transcoded whole) */
    for (size_t w = 0; w < ARRAY_SIZE(b64_words); w++) {
        char pat[128];
        size_t k = 0;
        for (const char *c = b64_words[w]; *c && k + 8 < sizeof(pat); c++)
            k += (size_t)snprintf(pat + k, sizeof(pat) - k, "%s%c\\x00",
                                  (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ? "" : "\\",
                                  *c);
        table_add(t, xstrdup(pat), 0);
        e->trig[e->n_trig++] = TRIG_UTF16;
    }
}

/* Benches (benches/hs_expr_bench.c): the database's expressions in id order, each with
 * its flags and a label (the rule's id, or "trigger:" and the decoder it starts). */
void engine_each_expression(const struct ruleset *rs,
                            void (*fn)(void *ctx, const char *expr, unsigned flags,
                                       const char *label),
                            void *ctx)
{
    static const char *const kinds[] = { "url", "json", "b64_anchor", "b64_value", "concat",
                                         "join_list", "join_array", "html", "utf16" };
    struct engine e = { .rs = rs, .n_rules = (unsigned)rs->n };
    struct pattern_table t = { 0 };
    char label[64];

    build_table(&e, &t);
    for (unsigned i = 0; i < t.n; i++) {
        if (i < e.n_rules) {
            fn(ctx, t.expr[i], t.flags[i], rs->rules[i].id);
            continue;
        }
        snprintf(label, sizeof(label), "trigger:%s%s", kinds[e.trig[i - e.n_rules]],
                 strncmp(t.expr[i], "eyJ", 3) == 0 ? "_eyJ" : "");
        fn(ctx, t.expr[i], t.flags[i], label);
    }
    table_release(&t);
    free(e.trig);
}

static const char *rule_name_for(const struct engine *e, int expr)
{
    if (expr >= 0 && (unsigned)expr < e->n_rules)
        return e->rs->rules[expr].id;
    return "(internal)";
}

static const char *rule_source_for(const struct engine *e, int expr)
{
    if (expr >= 0 && (unsigned)expr < e->n_rules)
        return e->rs->rules[expr].source;
    return "sesame";
}

static enum status compile_pcre2(struct engine *e)
{
    for (unsigned i = 0; i < e->n_rules; i++) {
        const struct rule *r = &e->rs->rules[i];
        struct compiled_rule *c = &e->cr[i];
        int err = 0;
        PCRE2_SIZE off = 0;
        uint32_t groups = 0;

        /* USE_OFFSET_LIMIT: confirm_range bounds where a match may start */
        c->code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED,
                                PCRE2_USE_OFFSET_LIMIT, &err, &off, NULL);
        if (!c->code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof(msg));
            return fail(STATUS_CORRUPT, "'%s': rule '%s': pattern error at offset %zu: %s",
                        r->source, r->id, (size_t)off, (const char *)msg);
        }
        (void)pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE); /* interpreter if no JIT */
        c->value_group = pcre2_substring_number_from_name(c->code, (PCRE2_SPTR) "value");
        c->region_group = pcre2_substring_number_from_name(c->code, (PCRE2_SPTR) "region");
        if (c->value_group < 0)
            return fail(STATUS_CORRUPT, "'%s': rule '%s': pattern has no (?<value>...) group",
                        r->source, r->id);
        if (c->region_group < 0)
            c->region_group = -1;
        if (!run_rule_parse(r->pattern, &c->run))
            c->run.n = 0;
        pcre2_pattern_info(c->code, PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups + 1 > e->max_groups)
            e->max_groups = groups + 1;
    }
    return STATUS_OK;
}

static void compute_widths(struct engine *e, const struct pattern_table *t)
{
    for (unsigned i = 0; i < t->n; i++) {
        hs_expr_info_t *info = NULL;
        hs_compile_error_t *err = NULL;
        size_t w = LIMIT_MATCH_BYTES + LIMIT_VALUE_BYTES;

        if (hs_expression_info(t->expr[i], t->flags[i], &info, &err) == HS_SUCCESS) {
            if (info->max_width != UINT_MAX && info->max_width < w)
                w = info->max_width;
            free(info);
        } else {
            hs_free_compile_error(err);
        }
        if (i < e->n_rules)
            e->cr[i].max_width = w;
        else
            e->trig_width[i - e->n_rules] = (unsigned)w;
    }
}

enum status engine_new(struct engine **out, const struct ruleset *rs,
                       const struct engine_opts *opts)
{
    struct engine *e = xcalloc(1, sizeof(*e));
    struct pattern_table t = { 0 };
    hs_compile_error_t *cerr = NULL;
    char *path = NULL;
    enum status st = STATUS_OK;

    *out = NULL;
    e->rs = rs;
    e->n_rules = (unsigned)rs->n;
    e->cr = xcalloc(rs->n + 1, sizeof(*e->cr));
    if ((st = compile_pcre2(e)) != STATUS_OK)
        goto out;
    build_table(e, &t);
    e->trig_width = xcalloc(e->n_trig + 1, sizeof(*e->trig_width));

    if (opts && opts->cache_dir && engine_cache_dir_ok(opts->cache_dir)) {
        path = engine_cache_path(e, opts->cache_dir);
        /* on a miss e->db stays NULL and the widths untouched */
        (void)engine_cache_load(e, path);
    }
    if (!e->db) {
        /* hs_expression_info analyses each pattern: a third of a hook's start-up when
         * it ran on every start, hence cached with the database */
        compute_widths(e, &t);
        if (hs_compile_multi((const char *const *)t.expr, t.flags, t.ids, t.n, HS_MODE_BLOCK,
                             NULL, &e->db, &cerr) != HS_SUCCESS) {
            st = fail(STATUS_CORRUPT, "'%s': rule '%s': %s", rule_source_for(e, cerr->expression),
                      rule_name_for(e, cerr->expression), cerr->message);
            hs_free_compile_error(cerr);
            goto out;
        }
        if (path)
            engine_cache_store(e, path);
    }
    *out = e;
    e = NULL;
out:
    table_release(&t);
    free(path);
    engine_free(e);
    return st;
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    if (e->db)
        hs_free_database(e->db);
    for (unsigned i = 0; e->cr && i < e->n_rules; i++)
        pcre2_code_free(e->cr[i].code);
    free(e->cr);
    free(e->trig);
    free(e->trig_width);
    free(e);
}

char *engine_default_cache_dir(const struct env *env)
{
    const char *s = env_get(env, "SESAME_CACHE_DIR");

    if (s)
        return xstrdup(s);
    s = env_get(env, "XDG_CACHE_HOME");
    if (s && *s == '/')
        return xasprintf("%s/sesame", s);
    s = env_get(env, "HOME");
    if (s && *s == '/')
        return xasprintf("%s/.cache/sesame", s);
    return NULL;
}

/* ---- workers ---------------------------------------------------------------- */

enum status engine_worker_new(struct engine_worker **out, const struct engine *e)
{
    struct engine_worker *w = xcalloc(1, sizeof(*w));

    *out = NULL;
    w->e = e;
    if (hs_alloc_scratch(e->db, &w->scratch) != HS_SUCCESS) {
        free(w);
        return fail(STATUS_BUG, "cannot allocate Hyperscan scratch space");
    }
    w->md = pcre2_match_data_create(e->max_groups ? e->max_groups : 2, NULL);
    w->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(w->mctx, LIMIT_PCRE2_MATCH);
    pcre2_set_depth_limit(w->mctx, LIMIT_PCRE2_DEPTH);
    w->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (w->jit)
        pcre2_jit_stack_assign(w->mctx, NULL, w->jit);
    w->ranges = xcalloc(e->n_rules + 1, sizeof(*w->ranges));
    *out = w;
    return STATUS_OK;
}

void engine_worker_set_unbounded(struct engine_worker *w, bool unbounded)
{
    w->unbounded = unbounded;
}

void engine_worker_set_whole_buffer(struct engine_worker *w, bool whole)
{
    w->whole = whole;
}

void engine_worker_free(struct engine_worker *w)
{
    if (!w)
        return;
    if (w->scratch)
        hs_free_scratch(w->scratch);
    pcre2_match_data_free(w->md);
    pcre2_match_context_free(w->mctx);
    pcre2_jit_stack_free(w->jit);
    for (unsigned i = 0; i < w->e->n_rules; i++)
        free(w->ranges[i].v);
    free(w->ranges);
    free(w);
}

void match_list_release(struct match_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void triggers_reset(struct triggers *t)
{
    t->url.n = t->json.n = t->html.n = 0;
    t->truncated = false;
    t->n_b64 = 0;
    t->n_concat = 0;
    t->n_u16 = 0;
}

void triggers_release(struct triggers *t)
{
    struct trig_runs *runs[] = { &t->url, &t->json, &t->html };

    for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
        free(runs[i]->v);
        *runs[i] = (struct trig_runs){ NULL, 0, 0 };
    }
    free(t->b64);
    t->b64 = NULL;
    t->n_b64 = t->cap_b64 = 0;
    free(t->concat);
    t->concat = NULL;
    t->n_concat = t->cap_concat = 0;
    free(t->u16);
    t->u16 = NULL;
    t->n_u16 = t->cap_u16 = 0;
}

static void add_range(struct rule_ranges *rr, size_t lo, size_t hi)
{
    if (rr->n && lo <= rr->v[rr->n - 1].hi + 1) {
        if (hi > rr->v[rr->n - 1].hi)
            rr->v[rr->n - 1].hi = hi;
        if (lo < rr->v[rr->n - 1].lo)
            rr->v[rr->n - 1].lo = lo;
        return;
    }
    XGROW(rr->v, rr->cap, rr->n + 1);
    rr->v[rr->n].lo = lo;
    rr->v[rr->n].hi = hi;
    rr->n++;
}

/* An escape trigger's hit ending at `end`: it joins the last run when their decode
 * windows would touch; a new run counts against the chunk's hit cap, as a rule's new
 * window does (an access log has an escape on every line: one run). */
static bool add_trig_hit(struct engine_worker *w, struct trig_runs *r, size_t end)
{
    struct decode_span *last = r->n ? &r->v[r->n - 1] : NULL;
    size_t join = 2 * (size_t)LIMIT_DECODE_WINDOW;

    if (last && end + join >= last->lo && end <= last->hi + join) {
        if (end < last->lo)
            last->lo = end; /* out of order: not expected (hits come by end offset) */
        if (end > last->hi)
            last->hi = end;
        return true;
    }
    if (++w->n_hits > LIMIT_HITS_PER_CHUNK) {
        w->truncated = true;
        return false;
    }
    XGROW(r->v, r->cap, r->n + 1);
    r->v[r->n].lo = r->v[r->n].hi = end;
    r->n++;
    return true;
}

/* A URL or JSON trigger's hit ending at `end`: kept when its escape may touch a value
 * (decode_*_trigger_in_run); hits in the run of the last one share its answer (an
 * encoded URL's "%2F%2F"); past LIMIT_ESCAPE_CHECK_WORK, kept unchecked. */
static bool escape_trigger_kept(struct engine_worker *w, enum trig_kind k, size_t end)
{
    struct escape_memo *m = &w->memo[k == TRIG_JSON];

    if (end > m->run.lo && end <= m->run.hi)
        return m->kept;
    if (w->escape_work / LIMIT_ESCAPE_CHECK_WORK > w->len + LIMIT_ESCAPE_CHECK_SLACK)
        return true; /* past the budget: kept, as without the check */
    m->kept = k == TRIG_URL
                  ? decode_url_trigger_in_run(w->data, w->len, end, &m->run, &w->escape_work)
                  : decode_json_trigger_in_run(w->data, w->len, end, &m->run, &w->escape_work);
    return m->kept;
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    struct engine_worker *w = ctx;
    const struct engine *e = w->e;
    size_t end = (size_t)to;
    enum trig_kind k;

    (void)from;
    (void)flags;
    if (id < e->n_rules) {
        struct rule_ranges *rr = &w->ranges[id];
        size_t width = e->cr[id].max_width, lo = end > width ? end - width : 0;
        /* a hit inside the last window only extends it: the cap counts what is kept
         * (keyword prefilters hit on every keyword, with or without a value) */
        if (!(rr->n && lo <= rr->v[rr->n - 1].hi + 1) && ++w->n_hits > LIMIT_HITS_PER_CHUNK) {
            w->truncated = true;
            return 1; /* stop: the chunk is marked truncated */
        }
        add_range(rr, lo, end);
        return 0;
    }
    k = e->trig[id - e->n_rules];
    if (k == TRIG_URL || k == TRIG_JSON || k == TRIG_HTML || k == TRIG_HTML_QUOTE) {
        /* escape triggers: runs, not counted as hits one by one */
        if (!w->trig || (k == TRIG_HTML_QUOTE && !html_quote_keyword(w->data, end)) ||
            ((k == TRIG_URL || k == TRIG_JSON) && !escape_trigger_kept(w, k, end)))
            return 0;
        return add_trig_hit(w, k == TRIG_URL ? &w->trig->url
                               : k == TRIG_JSON ? &w->trig->json : &w->trig->html, end) ? 0 : 1;
    }
    if (++w->n_hits > LIMIT_HITS_PER_CHUNK) {
        w->truncated = true;
        return 1;
    }
    if (!w->trig)
        return 0;
    switch (k) {
    case TRIG_URL:
    case TRIG_JSON:
    case TRIG_HTML:
    case TRIG_HTML_QUOTE:
        break; /* above */
    case TRIG_UTF16:
        if (end < 2 || (w->trig->n_u16 && w->trig->u16[w->trig->n_u16 - 1] + 64 > end))
            break; /* the same string, most likely */
        XGROW(w->trig->u16, w->trig->cap_u16, w->trig->n_u16 + 1);
        w->trig->u16[w->trig->n_u16++] = end - 2; /* the word's last code unit */
        break;
    case TRIG_B64_ANCHOR:
    case TRIG_B64_VALUE:
        if (w->trig->n_b64 && w->trig->b64[w->trig->n_b64 - 1] + 64 > end)
            break; /* same run, most likely: decode_base64_runs dedupes anyway */
        XGROW(w->trig->b64, w->trig->cap_b64, w->trig->n_b64 + 1);
        w->trig->b64[w->trig->n_b64++] = end ? end - 1 : 0;
        break;
    case TRIG_CONCAT:      /* see concat_triggers */
    case TRIG_JOIN_LIST:   /* the first literal's quote */
    case TRIG_JOIN_ARRAY: { /* the array's ']' */
        size_t back = k == TRIG_CONCAT ? concat_triggers[id - e->n_rules - e->concat_first].back
                      : k == TRIG_JOIN_LIST ? 1 : 10;
        if (end < back || (w->trig->n_concat && w->trig->concat[w->trig->n_concat - 1] == end - back))
            break;
        XGROW(w->trig->concat, w->trig->cap_concat, w->trig->n_concat + 1);
        w->trig->concat[w->trig->n_concat++] = end - back;
        break;
    }
    }
    return 0;
}

/* ---- confirmation ------------------------------------------------------------ */

static bool is_hex(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
              (p[i] >= 'A' && p[i] <= 'F')))
            return false;
    return true;
}

/* Placeholders: six identical characters in a row, or six consecutive ascending ones
 * (AKIAXXXXXXXXXXXXXXXX, ...ABCDEFGH...). Random keys essentially never contain either. */
static bool is_placeholder(const unsigned char *p, size_t n)
{
    size_t same = 1, asc = 1;

    for (size_t i = 1; i < n; i++) {
        same = p[i] == p[i - 1] ? same + 1 : 1;
        asc = p[i] == p[i - 1] + 1 ? asc + 1 : 1;
        if (same >= 6 || asc >= 6)
            return true;
    }
    return false;
}

/* Random 40-character secrets mix cases and digits or symbols; identifiers and words
 * (camelCaseNamesOfFortyCharactersOrSo) do not. */
static bool mixed_alphabet(const unsigned char *p, size_t n)
{
    bool upper = false, lower = false, other = false;
    for (size_t i = 0; i < n; i++) {
        upper |= p[i] >= 'A' && p[i] <= 'Z';
        lower |= p[i] >= 'a' && p[i] <= 'z';
        other |= (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/';
    }
    return upper && lower && other;
}

const char *engine_value_gate(const struct rule *r, const unsigned char *p, size_t n)
{
    if (n == 0 || n > LIMIT_VALUE_BYTES)
        return "length (empty, or over LIMIT_VALUE_BYTES)";
    if (r->kind == CRED_SECRET_ACCESS_KEY && !mixed_alphabet(p, n))
        return "mixed alphabet (a secret mixes upper and lower case and digits or +/)";
    if (r->reject_hex && is_hex(p, n))
        return "reject_hex (only hex digits: a digest, not a secret)";
    if (r->kind != CRED_CONTEXT && is_placeholder(p, n))
        return "placeholder (six identical or ascending characters in a row)";
    if (r->min_entropy > 0 && aws_entropy((const char *)p, n) < r->min_entropy)
        return "min_entropy";
    return NULL;
}

static bool value_ok(const struct rule *r, const unsigned char *p, size_t n)
{
    return engine_value_gate(r, p, n) == NULL;
}

static bool b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

static bool starts_with_token_marker(const unsigned char *p, size_t n)
{
    static const char *const markers[] = { "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdz", "AQoDYXdz" };
    for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
        if (n >= strlen(markers[i]) && memcmp(p, markers[i], strlen(markers[i])) == 0)
            return true;
    return false;
}

/* The base64 run ending right before data[i], once blanks, line breaks or an ellipsis
 * (at most 8 bytes; none is no separator) are skipped: *start gets its start; returns
 * its length (counted up to `cap`), 0 when there is no separator or no run. */
static size_t run_before(const unsigned char *data, size_t i, size_t cap, size_t *start)
{
    size_t skipped = 0, run = 0;

    while (i > 0 && skipped < 8 &&
           (data[i - 1] == ' ' || data[i - 1] == '\t' || data[i - 1] == '\r' ||
            data[i - 1] == '\n' || data[i - 1] == '.' || data[i - 1] >= 0x80)) {
        i--;
        skipped++;
    }
    if (skipped == 0)
        return 0;
    while (i > 0 && run < cap && (b64_char(data[i - 1]) || data[i - 1] == '='))
        i--, run++;
    *start = i;
    return run;
}

/* A 40-character run that is a piece of a session token, not a secret: it starts like a
 * token (a token wrapped at 40 columns), or it continues a longer base64 run after a line
 * break, blanks or an ellipsis (a wrapped or truncated token in a log), or a chain of
 * such 40-character pieces that goes back to one (a token printed in groups). A single
 * run of 40 before it is not enough: a list of secrets, one a line, stays a list. */
static bool token_piece(const unsigned char *data, size_t vs, size_t ve)
{
    size_t at = vs, start = 0, run;

    if (starts_with_token_marker(data + vs, ve - vs))
        return true;
    while (vs - at < LIMIT_VALUE_BYTES) {
        run = run_before(data, at, 41, &start);
        if (run > 40)
            return true;
        if (run < 40)
            return false;
        if (starts_with_token_marker(data + start, run))
            return true;
        at = start;
    }
    return false;
}

/* An SMTP-password-shaped value labelled as a hash on its line, within 48 bytes before
 * it (sha256, digest, checksum, ...): mail context nearby does not make a digest a
 * password. */
static bool hash_labelled(const unsigned char *data, size_t vs)
{
    static const char *const labels[] = { "sha1", "sha2", "sha3", "sha5", "sha-", "md5",
                                           "hash", "digest", "checksum", "integrity",
                                           "fingerprint", "salt" };
    size_t from = vs, n = 0;
    char low[49];

    while (from > 0 && vs - from < sizeof(low) - 1 && data[from - 1] != '\n')
        from--;
    for (size_t i = from; i < vs; i++)
        low[n++] = (char)(data[i] >= 'A' && data[i] <= 'Z' ? data[i] + 32 : data[i]);
    low[n] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
        if (strstr(low, labels[i]))
            return true;
    return false;
}

/* A session-token-shaped value that is the base64 of text made of base64 characters
 * (a Kubernetes Secret's encoded token): the decoded view reports the token itself. */
static bool encoded_text(const unsigned char *p, size_t n)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t bytes = 0, text = 0;
    uint32_t acc = 0;
    int bits = 0;

    for (size_t i = 0; i < n && p[i] != '='; i++) {
        const char *c = memchr(alpha, p[i], 64);
        if (!c)
            return false;
        acc = (acc << 6 | (uint32_t)(c - alpha)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            unsigned char b = (unsigned char)(acc >> (bits - 8));
            bits -= 8;
            bytes++;
            text += b64_char(b) || b == '=';
        }
    }
    return bytes >= 32 && text * 10 >= bytes * 9;
}

/* The value stops at an escape (%2F, \/, \u002F) that continues it: it is the head of
 * an encoded value, which its decoded view reports whole. */
static bool cut_by_escape(const unsigned char *data, size_t len, size_t ve)
{
    if (ve + 2 < len && data[ve] == '%' && isxdigit(data[ve + 1]) && isxdigit(data[ve + 2]))
        return true;
    return ve + 1 < len && data[ve] == '\\' && (data[ve + 1] == '/' || data[ve + 1] == 'u');
}

/* Gates that need the bytes around the value, not only the value. */
static bool context_ok(const struct rule *r, const unsigned char *data, size_t len, size_t vs,
                       size_t ve)
{
    if (r->kind != CRED_ACCESS_KEY_ID && r->kind != CRED_CONTEXT && cut_by_escape(data, len, ve))
        return false;
    switch (r->kind) {
    case CRED_SECRET_ACCESS_KEY:
        return !token_piece(data, vs, ve);
    case CRED_SMTP_PASSWORD:
        return mixed_alphabet(data + vs, ve - vs) && !is_hex(data + vs, ve - vs) &&
               !hash_labelled(data, vs);
    case CRED_SESSION_TOKEN:
        return !encoded_text(data + vs, ve - vs);
    default:
        return true;
    }
}

/* A value right after '%' or '\\' is the tail of an escape (%2F..., \u002F...): the
 * decoded view reports the real value, the raw bytes must not add a false one. */
static bool after_escape(const struct rule *r, const unsigned char *data, size_t vs)
{
    if (vs == 0 || r->kind == CRED_ACCESS_KEY_ID || r->kind == CRED_CONTEXT)
        return false;
    return data[vs - 1] == '%' || data[vs - 1] == '\\';
}

static void push_match(struct match_list *out, uint32_t rule, size_t s, size_t e, size_t rs,
                       size_t re)
{
    XGROW(out->v, out->cap, out->n + 1);
    out->v[out->n].rule = rule;
    out->v[out->n].start = s;
    out->v[out->n].end = e;
    out->v[out->n].region_start = rs;
    out->v[out->n].region_end = re;
    out->n++;
}

/* Run rule `ri`'s PCRE2 over [lo, hi]: matches must start at or before hi; the subject
 * extends `extra` bytes past hi for look-ahead and long values. The offset limit stops
 * each search at hi: without it the last search of every window (the one that finds no
 * match starting by hi) ran on through the `extra` bytes, and that was most of the
 * PCRE2 time on a tree (a 14-byte "mail" window searched 4 KiB on). The matches found
 * are the same: a search tries start positions in order, so whatever it finds starting
 * at or before hi it finds with the limit too.
 *
 * *resume carries the search on from one window of the rule to the next (the windows
 * come in order): a search starts at max(lo, *resume), where the previous window's last
 * search stopped. The matches are then those of one search over the whole buffer (one
 * chain of leftmost, non-overlapping matches), whatever the windows are, as long as
 * every match's start lies in a window - so the windows may come from any prefilter
 * (the full pattern ending at the match's end, or only the keyword it starts with)
 * and still give the same findings (engine_worker_set_whole_buffer is that reference;
 * tests/unit/test_engine_windows.c compares them). */
static void confirm_range(struct engine_worker *w, uint32_t ri, const unsigned char *data,
                          size_t len, size_t lo, size_t hi, size_t extra, size_t *resume,
                          struct match_list *out)
{
    const struct compiled_rule *c = &w->e->cr[ri];
    const struct rule *r = &w->e->rs->rules[ri];
    size_t subject_len = hi + extra < len ? hi + extra : len;
    size_t pos = lo > *resume ? lo : *resume;

    pcre2_set_offset_limit(w->mctx, w->unbounded ? PCRE2_UNSET : hi);
    while (pos <= hi && pos <= subject_len) {
        size_t ms, me, vs, ve, rs = 0, re = 0;

        if (c->run.n && !w->whole) { /* the reference (whole) keeps PCRE2 */
            if ((ms = vs = run_rule_find(&c->run, data, subject_len, pos, hi)) == SIZE_MAX)
                break;
            me = ve = ms + c->run.n;
        } else {
            int rc = pcre2_match(c->code, data, subject_len, pos, PCRE2_NO_UTF_CHECK, w->md,
                                 w->mctx);
            PCRE2_SIZE *ov;
            if (rc <= 0)
                break; /* no match, or a match/depth limit: give up on this window */
            ov = pcre2_get_ovector_pointer(w->md);
            ms = ov[0];
            me = ov[1];
            if (ms > hi)
                break;
            vs = ov[2 * c->value_group];
            ve = ov[2 * c->value_group + 1];
            if (c->region_group > 0 && (uint32_t)c->region_group < (uint32_t)rc &&
                ov[2 * c->region_group] != PCRE2_UNSET) {
                rs = ov[2 * c->region_group];
                re = ov[2 * c->region_group + 1];
            }
        }
        if (vs != PCRE2_UNSET && ve > vs && value_ok(r, data + vs, ve - vs) &&
            !after_escape(r, data, vs) && context_ok(r, data, subject_len, vs, ve))
            push_match(out, ri, vs, ve, rs, re);
        pos = me > ms ? me : ms + 1;
    }
    *resume = pos;
}

static int cmp_match(const void *a, const void *b)
{
    const struct match *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return 0;
}

static void sort_unique(struct match_list *l, size_t from)
{
    size_t n = l->n - from, k = 0;
    struct match *v;

    if (n < 2)
        return;
    v = l->v + from;
    qsort(v, n, sizeof(*v), cmp_match);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cmp_match(&v[k - 1], &v[i]) != 0)
            v[k++] = v[i];
    l->n = from + k;
}

static void run_proximity(struct engine_worker *w, const unsigned char *data, size_t len,
                          struct match_list *out, size_t from)
{
    const struct engine *e = w->e;
    size_t n_direct = out->n;

    for (uint32_t ri = 0; ri < e->n_rules; ri++) {
        const struct rule *r = &e->rs->rules[ri];
        struct rule_ranges *rr = &w->ranges[ri];

        if (!r->near_kinds)
            continue;
        rr->n = 0;
        for (size_t i = from; i < n_direct; i++) {
            const struct match *m = &out->v[i];
            if (!(r->near_kinds & (1u << e->rs->rules[m->rule].kind)))
                continue;
            add_range(rr, m->start > r->near_bytes ? m->start - r->near_bytes : 0,
                      m->end + r->near_bytes < len ? m->end + r->near_bytes : len);
        }
        for (size_t k = 0, resume = 0; k < rr->n; k++)
            confirm_range(w, ri, data, len, rr->v[k].lo, rr->v[k].hi, LIMIT_VALUE_BYTES,
                          &resume, out);
    }
}

enum status engine_scan(struct engine_worker *w, const unsigned char *data, size_t len,
                        struct match_list *out, struct triggers *trig)
{
    const struct engine *e = w->e;
    size_t from = out->n;
    hs_error_t err;

    if (len > UINT_MAX)
        return fail(STATUS_LIMIT, "buffer of %zu bytes is too large to match", len);
    for (unsigned i = 0; i < e->n_rules; i++)
        w->ranges[i].n = 0;
    w->n_hits = 0;
    w->truncated = false;
    w->trig = trig;
    w->data = data;
    w->len = len;
    memset(w->memo, 0, sizeof(w->memo));
    w->escape_work = 0;
    err = hs_scan(e->db, (const char *)data, (unsigned int)len, 0, w->scratch, on_hit, w);
    w->trig = NULL;
    w->data = NULL;
    if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED)
        return fail(STATUS_BUG, "Hyperscan scan failed (%d)", (int)err);
    if (trig && w->truncated)
        trig->truncated = true;

    for (uint32_t ri = 0; ri < e->n_rules; ri++) {
        struct rule_ranges *rr = &w->ranges[ri];
        size_t resume = 0;
        if (w->whole) { /* the reference: one search over the whole buffer */
            if (!e->rs->rules[ri].near_kinds)
                confirm_range(w, ri, data, len, 0, len, 0, &resume, out);
            continue;
        }
        for (size_t k = 0; k < rr->n; k++)
            confirm_range(w, ri, data, len, rr->v[k].lo, rr->v[k].hi, LIMIT_VALUE_BYTES,
                          &resume, out);
    }
    sort_unique(out, from);
    run_proximity(w, data, len, out, from);
    sort_unique(out, from);
    return STATUS_OK;
}
