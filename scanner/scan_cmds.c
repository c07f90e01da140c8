/*
 * scan_cmds.c - the commands around a scan that reuse its set-up: `sesame verify
 * REPORT.json` (verify and rank a saved report), `sesame remediate` (the plan for one
 * finding of a saved report), `sesame rules check` (every rule's
 * examples through the engine) and `sesame rules list`.
 */
#include "scan.h"
#include "scan_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/env.h"
#include "base/escape.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "decode/decode.h"
#include "finding/findings.h"
#include "base/limits.h"
#include "match/engine.h"
#include "report/remediate.h"
#include "report/report.h"
#include "report/select.h"
#include "rules/rule.h"
#include "rules/template.h"
#include "config.h"
#include "finding/load.h"
#include "rank/risk.h"
#include "scanbuf.h"
#include "verify/verify.h"
#include "source/src_archive.h"
#include "source/src_git.h"

enum status scan_verify_report(const struct scan_config *cfg, const char *path,
                               struct scan_outcome *outcome)
{
    struct loaded_report lr;
    struct ruleset rs = RULESET_INIT;
    struct verify_opts vo;
    struct verify_stats vs;
    struct scan_stats stats;
    struct report_opts ro;
    report_fn *report = report_lookup(cfg->format);
    FILE *out = stdout;
    enum status st;
    size_t n_shown = 0;

    memset(outcome, 0, sizeof(*outcome));
    memset(&stats, 0, sizeof(stats));
    if (!report)
        return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", cfg->format,
                    report_formats());
    if ((st = findings_load_report(path, &lr)) != STATUS_OK)
        return st;
    if ((st = ruleset_load(&rs, false, NULL, 0)) != STATUS_OK)
        goto out;
    run_verify_opts(cfg, &rs, &vo);
    if ((st = verify_findings(lr.sorted, lr.n, &vo, &vs)) != STATUS_OK)
        goto out;
    risk_rank(lr.sorted, lr.n, risk_now(cfg));
    n_shown = report_select(cfg->filter, lr.sorted, lr.n);
    stats.filtered = lr.n - n_shown;
    stats.started_at = risk_now(cfg);
    stats.seconds = vs.seconds;
    if (cfg->output && strcmp(cfg->output, "-") != 0 && !(out = fopen(cfg->output, "w"))) {
        out = stdout;
        st = fail(STATUS_IO, "cannot write '%s': %s", cfg->output, strerror(errno));
        goto out;
    }
    memset(&ro, 0, sizeof(ro));
    ro.show_secrets = cfg->show_secrets;
    ro.color = want_color(cfg, out);
    ro.explain = cfg->explain;
    ro.stats = &stats;
    ro.targets = &path;
    ro.n_targets = 1;
    ro.ascii = cfg->ascii;
    st = report(out, (const struct finding *const *)lr.sorted, n_shown, &ro);
    if (st == STATUS_OK && out != stdout)
        scan_summary_to_stderr(cfg, (const struct finding *const *)lr.sorted, n_shown, &ro);
    outcome->findings = n_shown;
    outcome->failing = report_failing(cfg->filter, (const struct finding *const *)lr.sorted,
                                      n_shown);
out:
    if (out != stdout)
        fclose(out);
    for (size_t i = 0; i < lr.n; i++) {
        risk_free(lr.sorted[i]->risk);
        lr.sorted[i]->risk = NULL;
    }
    loaded_report_release(&lr);
    ruleset_release(&rs);
    return st;
}

enum status scan_remediate(const struct scan_config *cfg, const char *path, const char *which,
                           const struct remediate_opts *o)
{
    struct loaded_report lr;
    const struct finding *f;
    enum status st;

    if ((st = findings_load_report_flags(path, LOAD_REDACTED_OK | LOAD_VERIFICATION, &lr)) !=
        STATUS_OK)
        return st;
    if ((st = remediate_find(lr.sorted, lr.n, which, "report", &f)) == STATUS_OK)
        st = remediate_print(cfg->output, f, o);
    loaded_report_release(&lr);
    return st;
}

/* ---- rules check / list -------------------------------------------------------- */

static size_t count_in(const struct match_list *ml, uint32_t ri, const unsigned char *text,
                       const char *expected)
{
    size_t hits = 0;

    for (size_t j = 0; j < ml->n; j++) {
        const struct match *m = &ml->v[j];
        if (m->rule != ri)
            continue;
        if (!expected || (strlen(expected) == m->end - m->start &&
                          memcmp(expected, text + m->start, m->end - m->start) == 0))
            hits++;
    }
    return hits;
}

/* Why an example failed, for `rules check`: which gate refused a positive example's
 * value (the pattern found it, a gate threw it out), or that the pattern itself did
 * not match; for a negative one, the value that got through every gate. Values here
 * are generated fakes (rules/template.c), safe to print. */
static char *example_why(const struct rule *r, const char *text, const char *expected,
                         bool negative, const struct match_list *ml, uint32_t ri)
{
    const char *gate;

    if (negative) {
        for (size_t j = 0; j < ml->n; j++)
            if (ml->v[j].rule == ri)
                return xasprintf("the value '%.*s' passed every gate",
                                 (int)(ml->v[j].end - ml->v[j].start), text + ml->v[j].start);
        return xstrdup("matched");
    }
    if (!expected)
        return xstrdup("no value: the template names none ({AKIA}, {SECRET}, ...)");
    gate = engine_value_gate(r, (const unsigned char *)expected, strlen(expected));
    if (gate && strcmp(gate, "min_entropy") == 0)
        return xasprintf("the value '%s' was refused by the min_entropy gate: entropy %.2f "
                         "< %.2f", expected, aws_entropy(expected, strlen(expected)),
                         r->min_entropy);
    if (gate)
        return xasprintf("the value '%s' was refused by the %s gate", expected, gate);
    if (r->near_kinds)
        return xasprintf("no gate refuses '%s': the pattern did not match it, or no "
                         "anchor (near) was within %zu bytes", expected, r->near_bytes);
    return xasprintf("no gate refuses '%s': the pattern did not match it there", expected);
}

/* Matches of rule `ri` in `text` whose value is `expected` (any value if NULL), in the
 * text and in its view with literals joined (decode_concat: examples of split values). */
static size_t count_matches(struct engine_worker *w, struct match_list *ml, uint32_t ri,
                            const char *text, const char *expected, enum status *st)
{
    struct triggers tg = { 0 };
    struct decoded d = DECODED_INIT;
    size_t hits = 0;

    ml->n = 0;
    *st = engine_scan(w, (const unsigned char *)text, strlen(text), ml, &tg);
    if (*st == STATUS_OK)
        hits = count_in(ml, ri, (const unsigned char *)text, expected);
    if (*st == STATUS_OK && tg.n_concat &&
        decode_concat((const unsigned char *)text, strlen(text), tg.concat, tg.n_concat,
                      LIMIT_DECODE_BYTES, &d) == STATUS_OK && d.len) {
        ml->n = 0;
        *st = engine_scan(w, d.data, d.len, ml, NULL);
        if (*st == STATUS_OK)
            hits += count_in(ml, ri, d.data, expected);
    }
    decoded_release(&d);
    triggers_release(&tg);
    return hits;
}

enum status scan_rules_check(const struct scan_config *cfg, size_t *failures, size_t *checked)
{
    struct ruleset rs = RULESET_INIT;
    struct engine *engine = NULL;
    struct engine_worker *w = NULL;
    struct match_list ml = { 0 };
    enum status st;

    *failures = *checked = 0;
    if ((st = load_engine(cfg, NULL, NULL, 0, &rs, &engine)) != STATUS_OK ||
        (st = engine_worker_new(&w, engine)) != STATUS_OK)
        goto out;
    for (size_t i = 0; i < rs.n; i++) {
        const struct rule *r = &rs.rules[i];
        if (r->n_examples == 0) {
            printf("FAIL %s: no examples (%s)\n", r->id, r->source);
            (*failures)++;
        }
        for (size_t k = 0; k < r->n_examples + r->n_negatives; k++) {
            bool negative = k >= r->n_examples;
            const char *tmpl = negative ? r->negatives[k - r->n_examples] : r->examples[k];
            char *expected = NULL;
            char *text = template_fill(tmpl, 1000 + i * 100 + k, r->kind, &expected);
            size_t hits = count_matches(w, &ml, (uint32_t)i, text, negative ? NULL : expected,
                                        &st);

            if (st != STATUS_OK) {
                free(text);
                free(expected);
                goto out;
            }
            (*checked)++;
            if (negative ? hits != 0 : hits == 0) {
                char *shown = escape_dup(tmpl, strlen(tmpl), ESC_BACKSLASH);
                char *why = example_why(r, text, expected, negative, &ml, (uint32_t)i);
                printf("FAIL %s: %s example %zu %s: %s\n      %s\n", r->id,
                       negative ? "negative" : "positive",
                       negative ? k - r->n_examples + 1 : k + 1,
                       negative ? "matched" : "did not match", shown, why);
                free(why);
                free(shown);
                (*failures)++;
            }
            free(text);
            free(expected);
        }
    }
out:
    match_list_release(&ml);
    engine_worker_free(w);
    engine_free(engine);
    ruleset_release(&rs);
    return st;
}

enum status scan_rules_list(const struct scan_config *cfg)
{
    struct ruleset rs = RULESET_INIT;
    enum status st;

    if ((st = ruleset_load(&rs, cfg->no_default_rules, cfg->rule_paths, cfg->n_rule_paths)) ==
        STATUS_OK) {
        for (size_t i = 0; i < rs.n; i++) {
            const struct rule *r = &rs.rules[i];
            char *name = escape_dup(r->name, strlen(r->name), ESC_BACKSLASH);
            printf("%-44s %-18s %-7s %s\n", r->id, cred_kind_name(r->kind),
                   confidence_name(r->confidence), name);
            free(name);
        }
    }
    ruleset_release(&rs);
    return st;
}
