/*
 * fuzz_rules_load - bytes as a rules file -> JSON parsing and rule validation.
 * Patterns are not compiled (no Hyperscan in the loop). A rule set that loads holds
 * only complete rules.
 */
#include <string.h>

#include "fuzz.h"
#include "rules/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ruleset rs = RULESET_INIT;

    if (ruleset_load_text(&rs, "fuzz.json", (const char *)data, size) == STATUS_OK) {
        for (size_t i = 0; i < rs.n; i++) {
            const struct rule *r = &rs.rules[i];
            FUZZ_CHECK(r->id && r->name && r->pattern && r->source);
            FUZZ_CHECK(strstr(r->pattern, "<value>") && r->kind < CRED_KIND_COUNT);
            FUZZ_CHECK(r->near_kinds == 0 || r->near_bytes > 0);
        }
    }
    ruleset_release(&rs);
    return 0;
}
