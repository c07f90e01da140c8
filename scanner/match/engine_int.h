/*
 * match/engine_int.h - the compiled engine's fields, shared by engine.c (compile, scan)
 * and engine_cache.c (the on-disk cache of what compiling costs). Only match/ includes it.
 */
#ifndef SESAME_MATCH_ENGINE_INT_H
#define SESAME_MATCH_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "match/engine.h"
#include "match/shapes.h"

/* Bump when the set of internal trigger patterns, compile flags or the cache file's
 * layout change: the cache key includes it. */
#define ENGINE_DB_FORMAT 31

enum trig_kind {
    TRIG_URL, TRIG_JSON, TRIG_B64_ANCHOR, TRIG_B64_VALUE, TRIG_CONCAT, TRIG_JOIN_LIST,
    TRIG_JOIN_ARRAY, TRIG_HTML, TRIG_HTML_QUOTE, TRIG_UTF16
};

struct compiled_rule {
    pcre2_code *code;
    struct run_rule run;  /* confirmed in C when run.n > 0, else by PCRE2 */
    int value_group;
    int region_group; /* -1 if none */
    size_t max_width; /* longest prefilter match, bounded */
};

struct engine {
    const struct ruleset *rs;
    hs_database_t *db;
    struct compiled_rule *cr;
    unsigned n_rules;
    enum trig_kind *trig;  /* by hyperscan id - n_rules */
    unsigned n_trig;
    unsigned concat_first; /* trigger index of concat_triggers[0] */
    unsigned *trig_width;
    uint32_t max_groups;
};

/* engine_cache.c: the cache file of a rule set (path under dir), loaded into e->db and
 * the widths, or stored from them. A miss or a file that fails validation leaves e
 * untouched (e->db NULL). */
char *engine_cache_path(const struct engine *e, const char *dir);
bool engine_cache_dir_ok(const char *dir);
bool engine_cache_load(struct engine *e, const char *path);
void engine_cache_store(const struct engine *e, const char *path);

#endif
