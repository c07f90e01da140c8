/*
 * match/engine_delta.c - the window width of a compiled rule set, for silent deltas
 * (scan_delta.c: a blob that a git delta made from a silent base is scanned only in
 * windows around what the delta did not copy).
 *
 * Why a width is enough: Hyperscan supports no lookaround (HS_FLAG_PREFILTER replaces a
 * rule's lookarounds by nothing: its prefilter is wider, never narrower), so whether an
 * expression reports a match [m0, m1) depends only on those bytes and the assertions
 * \b \B ^ $ \A \z \Z, which look at one byte before m0 and at most two after m1 (\Z and
 * a non-multiline $: a final newline, then the end). hs_expression_info gives each
 * expression's max_width; W is the largest.
 * Unbounded expressions: the rules' prefilters repeat whitespace without bound ([ \t]*,
 * \s*). bound_ws() rewrites each such repeat X* / X+ (X one of \s, [ \t], [\t ], outside a
 * character class) to X{0,2} / X{1,2}: a match of the expression, with every whitespace
 * run such a repeat matched cut to its first and last byte, is a match of the rewritten
 * one (the assertions next to a run see the same bytes), so a match holds at most the
 * rewritten expression's max_width bytes that are not whitespace. The rewrite is done for
 * exact expressions only (flags without HS_FLAG_PREFILTER: a prefilter's approximation is
 * Hyperscan's, not this text's). Anything else unbounded (the SES endpoint's [a-z]+ under
 * HS_FLAG_PREFILTER), a pattern this lexer does not follow (\Q...\E, the x flag), or an
 * expression wider than DELTA_MAX_WIDTH goes to "the rest": a database of its own,
 * matched over the whole blob (engine_delta_rest_silent).
 * EXPERIMENT (issue 16, w7-delta): measured slower than a plain scan on git/git
 * (benches/RESULTS.md, "silent deltas"); kept off (SESAME_DELTASCAN).
 */
#include "match/engine.h"
#include "match/engine_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The whitespace atoms a repeat may be bounded on (all within \s). */
static size_t ws_atom(const char *p)
{
    if (p[0] == '\\' && p[1] == 's')
        return 2;
    if (strncmp(p, "[ \\t]", 5) == 0 || strncmp(p, "[\\t ]", 5) == 0)
        return 5;
    return 0;
}

/* A flag group that turns on x (extended: spaces are not literal): not followed here. */
static bool has_x_flag(const char *x)
{
    for (const char *p = strstr(x, "(?"); p; p = strstr(p + 2, "(?"))
        for (const char *q = p + 2; *q && *q != ':' && *q != ')' && *q != '-'; q++)
            if (*q == 'x')
                return true;
    return false;
}

/* x with whitespace repeats bounded (see the top), malloc'd; *changed if any was; NULL if
 * x holds what the lexer does not follow. */
char *engine_bound_ws(const char *x, bool *changed)
{
    size_t n = strlen(x), o = 0;
    char *out;
    bool in_class = false;

    *changed = false;
    if (strstr(x, "\\Q") || has_x_flag(x))
        return NULL;
    out = xmalloc(n * 3 + 1); /* "*" -> "{0,2}": at most 5 for 2 */
    for (size_t i = 0; i < n;) {
        size_t a = in_class ? 0 : ws_atom(x + i);
        if (a) {
            memcpy(out + o, x + i, a);
            o += a;
            i += a;
            if (x[i] == '*' || x[i] == '+') {
                memcpy(out + o, x[i] == '*' ? "{0,2}" : "{1,2}", 5);
                o += 5;
                i++;
                *changed = true;
            }
            continue;
        }
        if (x[i] == '\\') { /* an escape: two bytes, whatever they are */
            out[o++] = x[i++];
            if (i < n)
                out[o++] = x[i++];
            continue;
        }
        if (!in_class && x[i] == '[') {
            in_class = true;
            out[o++] = x[i++];
            if (i < n && x[i] == '^')
                out[o++] = x[i++];
            if (i < n && x[i] == ']') /* a leading ] is literal */
                out[o++] = x[i++];
            continue;
        }
        if (in_class && x[i] == '[' && x[i + 1] == ':') { /* [:space:] */
            const char *end = strstr(x + i + 2, ":]");
            size_t k = end ? (size_t)(end - (x + i)) + 2 : n - i;
            memcpy(out + o, x + i, k);
            o += k;
            i += k;
            continue;
        }
        if (in_class && x[i] == ']')
            in_class = false;
        out[o++] = x[i++];
    }
    out[o] = '\0';
    return out;
}

static unsigned max_width(const char *expr, unsigned flags)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;
    unsigned w = UINT_MAX;

    if (hs_expression_info(expr, flags, &info, &err) == HS_SUCCESS) {
        w = info->max_width;
        free(info);
    } else {
        hs_free_compile_error(err);
    }
    return w;
}

/* Expressions wider than this go to the rest (matched over whole blobs): a window is
 * twice the widest expression's width per gap (git/git, benches/RESULTS.md: 424, the
 * bedrock key's {60,400}, made windows 1.0 GB against 0.66 GB at 96). */
#define DELTA_MAX_WIDTH 100u

struct engine_delta {
    size_t width;
    bool ws;
    hs_database_t *rest;    /* the expressions of no known width, or NULL */
    unsigned n_rest;
};

struct widths {
    struct engine_delta *d;
    char **rest;
    unsigned *flags, *ids;
    size_t cap;
};

static void one_width(void *ctx, const char *expr, unsigned flags)
{
    struct widths *ws = ctx;
    unsigned w = max_width(expr, flags);

    if (w == UINT_MAX && !(flags & HS_FLAG_PREFILTER)) {
        bool changed = false;
        char *b = engine_bound_ws(expr, &changed);
        if (b && changed && (w = max_width(b, flags)) != UINT_MAX)
            ws->d->ws = true;
        free(b);
    }
    if (w <= DELTA_MAX_WIDTH) {
        if (w > ws->d->width)
            ws->d->width = w;
        return;
    }
    XGROW(ws->rest, ws->cap, ws->d->n_rest + 1);
    ws->flags = xrealloc(ws->flags, ws->cap * sizeof(*ws->flags));
    ws->ids = xrealloc(ws->ids, ws->cap * sizeof(*ws->ids));
    ws->rest[ws->d->n_rest] = xstrdup(expr);
    ws->flags[ws->d->n_rest] = flags;
    ws->ids[ws->d->n_rest] = ws->d->n_rest;
    ws->d->n_rest++;
}

const struct engine_delta *engine_delta_get(const struct engine *ce)
{
    struct engine *e = (struct engine *)ce; /* the one lazily set field */
    struct engine_delta *d;
    struct widths ws = { 0 };
    hs_compile_error_t *err = NULL;

    if (e->delta)
        return e->delta;
    d = xcalloc(1, sizeof(*d));
    ws.d = d;
    engine_each_expression(e, one_width, &ws);
    if (d->n_rest && hs_compile_multi((const char *const *)ws.rest, ws.flags, ws.ids, d->n_rest,
                                      HS_MODE_BLOCK, NULL, &d->rest, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        d->rest = NULL;
        d->width = 0; /* not usable */
    }
    for (unsigned i = 0; i < d->n_rest; i++)
        free(ws.rest[i]);
    free(ws.rest);
    free(ws.flags);
    free(ws.ids);
    e->delta = d;
    return d;
}

void engine_delta_free(struct engine_delta *d)
{
    if (!d)
        return;
    if (d->rest)
        hs_free_database(d->rest);
    free(d);
}

size_t engine_delta_width(const struct engine_delta *d, bool *ws, unsigned *n_rest)
{
    *ws = d->ws;
    *n_rest = d->n_rest;
    return d->width;
}

struct engine_delta_pass {
    const struct engine_delta *d;
    hs_scratch_t *scratch;
};

struct engine_delta_pass *engine_delta_pass_new(const struct engine_delta *d)
{
    struct engine_delta_pass *p = xcalloc(1, sizeof(*p));

    p->d = d;
    if (d->rest && hs_alloc_scratch(d->rest, &p->scratch) != HS_SUCCESS) {
        free(p);
        return NULL;
    }
    return p;
}

void engine_delta_pass_free(struct engine_delta_pass *p)
{
    if (!p)
        return;
    if (p->scratch)
        hs_free_scratch(p->scratch);
    free(p);
}

bool engine_delta_rest_silent(struct engine_delta_pass *p, const unsigned char *data,
                              size_t len)
{
    bool hit = false;

    if (!p->d->rest)
        return true;
    if (len > UINT_MAX)
        return false;
    return hs_scan(p->d->rest, (const char *)data, (unsigned int)len, 0, p->scratch,
                   engine_stop_at_first, &hit) == HS_SUCCESS && !hit;
}
