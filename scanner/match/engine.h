/*
 * match/engine.h - run the compiled rule set over one buffer.
 *
 * Two stages (Nosey Parker's shape): Hyperscan finds where any rule may match, in one
 * pass over the bytes, and its callback only records windows; PCRE2 then confirms each
 * window with the rule's exact pattern and extracts the `value` group. Proximity rules
 * run afterwards, only around confirmed matches of their anchor kinds. The same
 * Hyperscan pass reports triggers for decoded views (URL, JSON escapes, base64).
 *
 * An engine is read-only once built and shared by all workers; each worker thread has
 * its own engine_worker (Hyperscan scratch, PCRE2 match data, hit buffers).
 */
#ifndef SESAME_MATCH_ENGINE_H
#define SESAME_MATCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "decode/decode.h"

struct ruleset;
struct engine;
struct engine_worker;

struct match {
    uint32_t rule;      /* index into the rule set */
    size_t start, end;  /* the value, [start, end) */
    size_t region_start, region_end; /* the "region" group, or both 0 */
};

struct match_list {
    struct match *v;
    size_t n, cap;
};

/* Where one escape trigger was seen: runs of hits [lo, hi] (end offsets), a hit joining
 * the last run when it ends within 2 * LIMIT_DECODE_WINDOW of it (their decode windows
 * would touch). Increasing in lo as hits come by end offset; decode_spans sorts them if
 * not. */
struct trig_runs {
    struct decode_span *v; /* lo, hi */
    size_t n, cap;
};

struct triggers {
    struct trig_runs url;  /* %2F / %2B / %3D sequences */
    struct trig_runs json; /* \/, \u00XX and \u{...} escapes */
    struct trig_runs html; /* HTML character references or tags inside a value */
    size_t *b64;        /* offsets inside base64 runs worth decoding */
    size_t n_b64, cap_b64;
    size_t *concat;     /* opening quotes of literals right after a join ("ab" + "cd") */
    size_t n_concat, cap_concat;
    size_t *u16;        /* UTF-16LE code units of anchor words ("A\0K\0I\0A\0") */
    size_t n_u16, cap_u16;
    bool truncated;     /* hit caps were reached: some windows were dropped */
};

struct engine_opts {
    const char *cache_dir; /* where compiled databases are cached; NULL = no cache */
};

/* Compile (or load from the cache) the database for `rs`. `rs` must outlive the
 * engine. Errors name the rule and the compiler's message. */
enum status engine_new(struct engine **out, const struct ruleset *rs,
                       const struct engine_opts *opts);
void engine_free(struct engine *e);
/* The bytes of e's cache file (match/engine_cache.c: the database and the patterns'
 * widths), malloc'd; NULL if Hyperscan cannot serialize it. */
unsigned char *engine_cache_serialize(const struct engine *e, size_t *len);
/* Replace e's database and widths by those of a cache file's bytes if they validate for
 * e's rules (the loader's parser, for tests and fuzzing); false leaves e unchanged. */
bool engine_cache_reload(struct engine *e, const unsigned char *p, size_t len);
/* The checksum closing a cache file: of its bytes before it (for tests and fuzzing). */
uint64_t engine_cache_sum(const unsigned char *p, size_t n);

enum status engine_worker_new(struct engine_worker **out, const struct engine *e);
void engine_worker_free(struct engine_worker *w);
/* Benches: calls fn for every Hyperscan expression of rs's database, in id order (the
 * rules' prefilters or patterns, then the decoders' triggers), with its Hyperscan flags
 * and a label (the rule's id, or "trigger:KIND"). */
void engine_each_expression(const struct ruleset *rs,
                            void (*fn)(void *ctx, const char *expr, unsigned flags,
                                       const char *label),
                            void *ctx);
/* Tests and fuzzing: confirm without the bound on where a match may start (the
 * reference the bounded search must equal; see confirm_range in engine.c). */
void engine_worker_set_unbounded(struct engine_worker *w, bool unbounded);
/* Tests: confirm every direct rule with one search over the whole buffer instead of the
 * Hyperscan hits' windows (the reference the windows must equal, whatever the rules'
 * prefilters are; see confirm_range). Triggers and proximity rules are unchanged. */
void engine_worker_set_whole_buffer(struct engine_worker *w, bool whole);

/* Find every confirmed match in data[0, len) (appended to out, sorted by start, then
 * rule) and the decode triggers (if trig is not NULL). data is borrowed for the call. */
enum status engine_scan(struct engine_worker *w, const unsigned char *data, size_t len,
                        struct match_list *out, struct triggers *trig);

void match_list_release(struct match_list *l);

/* The gate of rule `r` that rejects the value p[0, n) (a short description: "min_entropy",
 * "reject_hex (...)", "placeholder (...)", ...), or NULL when it passes them all
 * (`sesame rules check` says which gate refused an example). */
struct rule;
const char *engine_value_gate(const struct rule *r, const unsigned char *p, size_t n);
void triggers_reset(struct triggers *t);
void triggers_release(struct triggers *t);

/* Default cache directory ($SESAME_CACHE_DIR, $XDG_CACHE_HOME/sesame, ~/.cache/sesame);
 * returns a new string or NULL when none can be determined. */
struct env;
char *engine_default_cache_dir(const struct env *env);

#endif
