/*
 * tests/unit/engine_pair.h - two workers of one engine (the default rules, plus extra
 * rules from a JSON text if given), the second one switched to a reference path, for the
 * tests that compare a matcher path with its reference: test_confirm_bounds (bounded vs
 * unbounded confirmation), test_engine_windows (Hyperscan's windows vs one search over
 * the whole buffer). Header-only: each test includes it once.
 */
#ifndef SESAME_TESTS_ENGINE_PAIR_H
#define SESAME_TESTS_ENGINE_PAIR_H

#include <string.h>

#include "harness.h"
#include "match/engine.h"
#include "rules/rule.h"

struct pair {
    struct ruleset rs;
    struct engine *e;
    struct engine_worker *a, *b; /* the path under test, its reference */
};

static void pair_setup(struct pair *x, const char *extra_rules,
                       void (*reference)(struct engine_worker *, bool))
{
    memset(x, 0, sizeof(*x));
    CHECK_OK(ruleset_load(&x->rs, false, NULL, 0));
    if (extra_rules) {
        CHECK_OK(ruleset_load_text(&x->rs, "extra.json", extra_rules, strlen(extra_rules)));
        ruleset_hash(&x->rs);
    }
    CHECK_OK(engine_new(&x->e, &x->rs, NULL));
    CHECK_OK(engine_worker_new(&x->a, x->e));
    CHECK_OK(engine_worker_new(&x->b, x->e));
    reference(x->b, true);
}

static void pair_teardown(struct pair *x)
{
    engine_worker_free(x->a);
    engine_worker_free(x->b);
    engine_free(x->e);
    ruleset_release(&x->rs);
}

static size_t rule_index(const struct pair *x, const char *id)
{
    for (size_t i = 0; i < x->rs.n; i++)
        if (strcmp(x->rs.rules[i].id, id) == 0)
            return i;
    CHECK(!"rule not found");
    return 0;
}

#endif
