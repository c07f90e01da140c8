/*
 * fuzz_rules_load - bytes as a rules file -> JSON parsing and rule validation.
 * Patterns are not compiled (no Hyperscan in the loop). A rule set that loads holds
 * only complete rules. Each pattern, and the input itself as a pattern, goes through
 * run_rule_parse (match/shapes.c); a run rule's run_rule_find then agrees with the
 * regex read literally, with the input as the subject.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "match/shapes.h"
#include "rules/rule.h"

static bool fuzz_has(const uint8_t set[32], unsigned char c)
{
    return set[c >> 3] & (1u << (c & 7));
}

static void fuzz_run_rule(const char *pattern, const uint8_t *p, size_t n)
{
    struct run_rule r;

    if (!run_rule_parse(pattern, &r))
        return;
    FUZZ_CHECK(r.n > 0);
    for (size_t pos = 0; pos <= n && pos < 64; pos += 7) {
        size_t want = SIZE_MAX, hi = pos + n / 2;
        for (size_t s = pos; s <= hi && s + r.n <= n && want == SIZE_MAX; s++) {
            bool ok = s == 0 || !fuzz_has(r.before, p[s - 1]);
            for (size_t k = 0; ok && k < r.n; k++)
                ok = fuzz_has(r.value, p[s + k]);
            if (ok && (s + r.n == n || !fuzz_has(r.after, p[s + r.n])))
                want = s;
        }
        FUZZ_CHECK(run_rule_find(&r, p, n, pos, hi) == want);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ruleset rs = RULESET_INIT;

    if (ruleset_load_text(&rs, "fuzz.json", (const char *)data, size) == STATUS_OK) {
        for (size_t i = 0; i < rs.n; i++) {
            const struct rule *r = &rs.rules[i];
            FUZZ_CHECK(r->id && r->name && r->pattern && r->source);
            FUZZ_CHECK(strstr(r->pattern, "<value>") && r->kind < CRED_KIND_COUNT);
            FUZZ_CHECK(r->near_kinds == 0 || r->near_bytes > 0);
            fuzz_run_rule(r->pattern, data, size);
        }
    }
    ruleset_release(&rs);
    {
        char *pattern = malloc(size + 1);
        FUZZ_CHECK(pattern != NULL);
        memcpy(pattern, data, size);
        pattern[size] = '\0';
        fuzz_run_rule(pattern, data, size);
        free(pattern);
    }
    return 0;
}
