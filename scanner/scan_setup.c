/*
 * scan_setup.c - what a run sets up before it reads anything, shared by scan.c and
 * scan_cmds.c: each target's configuration and baseline, the rules compiled (rules
 * disabled everywhere dropped, per-target masks for the others), the verifier's options,
 * the ranking clock and the report's colour.
 */
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/env.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "match/engine.h"
#include "rules/rule.h"
#include "owner.h"
#include "verify/verify.h"
#include "source/src_git.h"

/* Load the rules and compile them. Rules disabled by every target's configuration are
 * not compiled; those disabled by some targets only get a per-target mask (scanbuf
 * drops their observations there). */
enum status load_engine(const struct scan_config *cfg, const struct inventory *inv,
                        struct target_cfg *tcfg, size_t n_tcfg, struct ruleset *rs,
                        struct engine **engine)
{
    struct engine_opts eo = { NULL };
    char *cache = NULL;
    enum status st;

    if ((st = ruleset_load(rs, cfg->no_default_rules, cfg->rule_paths, cfg->n_rule_paths)) !=
        STATUS_OK)
        return st;
    if ((st = inventory_add_rules(inv, rs)) != STATUS_OK)
        return st;
    for (size_t t = 0; t < n_tcfg; t++) {
        const struct repo_config *rc = &tcfg[t].rc;
        for (size_t i = 0; i < rc->n_disable; i++) {
            if (!ruleset_find(rs, rc->disable[i]))
                log_warn("'%s': rules.disable: no rule '%s'", rc->source, rc->disable[i]);
        }
    }
    /* Disabled everywhere: removed before compiling. */
    for (size_t r = 0; n_tcfg > 0 && r < rs->n;) {
        bool everywhere = true;
        for (size_t t = 0; t < n_tcfg && everywhere; t++) {
            bool here = false;
            for (size_t i = 0; i < tcfg[t].rc.n_disable && !here; i++)
                here = strcmp(tcfg[t].rc.disable[i], rs->rules[r].id) == 0;
            everywhere = here;
        }
        if (everywhere)
            (void)ruleset_disable(rs, rs->rules[r].id);
        else
            r++;
    }
    if (rs->n == 0)
        return fail(STATUS_USAGE, "every rule is disabled");
    for (size_t t = 0; t < n_tcfg; t++) {
        for (size_t i = 0; i < tcfg[t].rc.n_disable; i++) {
            const struct rule *r = ruleset_find(rs, tcfg[t].rc.disable[i]);
            if (!r)
                continue;
            if (!tcfg[t].disabled)
                tcfg[t].disabled = xcalloc(rs->n, 1);
            tcfg[t].disabled[r - rs->rules] = 1;
        }
    }
    ruleset_hash(rs);
    if (!cfg->no_cache)
        eo.cache_dir = cache = engine_default_cache_dir(cfg->env);
    st = engine_new(engine, rs, &eo);
    free(cache);
    return st;
}

/* "Now" for ranking: SESAME_FIXED_TIME pins it in golden tests. */
int64_t risk_now(const struct scan_config *cfg)
{
    const char *fixed = env_get(cfg->env, "SESAME_FIXED_TIME");
    return fixed ? (int64_t)strtoll(fixed, NULL, 10) : (int64_t)time(NULL);
}

void run_verify_opts(const struct scan_config *cfg, const struct ruleset *rs,
                     struct verify_opts *vo)
{
    if (cfg->verify_opts)
        *vo = *cfg->verify_opts;
    else
        verify_default_opts(vo);
    vo->smtp_regions = (const char *const *)rs->smtp_regions;
    vo->n_smtp_regions = rs->n_smtp_regions;
}

bool want_color(const struct scan_config *cfg, FILE *out)
{
    const char *nc = env_get(cfg->env, "NO_COLOR");
    if (cfg->color == COLOR_NEVER)
        return false;
    if (cfg->color == COLOR_ALWAYS)
        return true;
    if (nc && *nc)
        return false;
    if (cfg->no_term_color)
        return false; /* TERM=dumb */
    return isatty(fileno(out));
}

static const char **merge_globs(const char *const *a, size_t na, char *const *b, size_t nb)
{
    const char **v = xcalloc(na + nb + 1, sizeof(*v));
    for (size_t i = 0; i < na; i++)
        v[i] = a[i];
    for (size_t i = 0; i < nb; i++)
        v[na + i] = b[i];
    return v;
}

/* Each target's configuration: --config FILE for every target, else the target's own
 * .sesame.json (a directory or repository target); then its baseline (--baseline FILE
 * for every target, else the one its configuration names). */
enum status load_configs(const struct scan_config *cfg, struct target_cfg *tcfg)
{
    enum status st = STATUS_OK;
    /* `sesame baseline create` records every finding: the configured baseline, which it
     * is usually about to replace (or create), does not filter it */
    bool creating = strcmp(cfg->format ? cfg->format : "", "baseline") == 0;

    for (size_t i = 0; i < cfg->n_targets; i++) {
        struct target_cfg *tc = &tcfg[i];
        const struct repo_config *rc = &tc->rc;
        const char *t = cfg->targets[i];
        const char *bl;
        struct stat sst;

        const char *env_cfg = env_get(cfg->env, "SESAME_CONFIG");

        if (cfg->config_path)
            st = config_load(cfg->config_path, &tc->rc);
        else if (!cfg->no_config && env_cfg && *env_cfg)
            st = config_load(env_cfg, &tc->rc);
        else if (!cfg->no_config && strcmp(t, "-") != 0 && stat(t, &sst) == 0 &&
                 S_ISDIR(sst.st_mode)) {
            /* its own .sesame.json, else the nearest above it in its repository */
            char *top = cfg->from_env ? NULL : src_git_discover(t);
            st = config_find_up(t, top, &tc->rc);
            free(top);
        }
        if (st != STATUS_OK)
            return st;
        tc->fs = cfg->fs;
        tc->fs.excludes = merge_globs(cfg->fs.excludes, cfg->fs.n_excludes, rc->exclude,
                                      rc->n_exclude);
        tc->fs.n_excludes = cfg->fs.n_excludes + rc->n_exclude;
        tc->fs.includes = merge_globs(cfg->fs.includes, cfg->fs.n_includes, rc->include,
                                      rc->n_include);
        tc->fs.n_includes = cfg->fs.n_includes + rc->n_include;
        bl = cfg->baseline_path ? cfg->baseline_path : rc->baseline;
        if (bl && !creating) {
            if ((st = baseline_load(bl, &tc->baseline)) != STATUS_OK)
                return st;
            tc->have_baseline = true;
        }
    }
    return STATUS_OK;
}

void release_configs(struct target_cfg *tcfg, size_t n)
{
    for (size_t i = 0; tcfg && i < n; i++) {
        free((void *)tcfg[i].fs.excludes);
        free((void *)tcfg[i].fs.includes);
        config_release(&tcfg[i].rc);
        baseline_release(&tcfg[i].baseline);
        free(tcfg[i].disabled);
    }
    free(tcfg);
}

