/*
 * fuzz_inventory - bytes as a key inventory (list-access-keys JSON, concatenated or in
 * an array; CSV; a plain list) and as an account list. Placeholders such as {AKIA} in
 * the input are filled with fake keys first (rules/template.h), so the seeds reach the
 * success paths without committing anything key-shaped. On success every key ID is
 * valid, sorted and unique, every account 12 digits, sorted and unique, and the literal
 * rules built from them hold every ID; on failure the message names the input.
 */
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "fuzz.h"
#include "rules/inventory.h"
#include "rules/rule.h"
#include "rules/template.h"

#define FUZZ_INVENTORY_MAX 65536u

static void fuzz_inventory_check(const struct inventory *inv)
{
    for (size_t i = 0; i < inv->n_keys; i++) {
        FUZZ_CHECK(strlen(inv->keys[i].id) == 20);
        FUZZ_CHECK(i == 0 || strcmp(inv->keys[i - 1].id, inv->keys[i].id) < 0);
        FUZZ_CHECK(inventory_key(inv, inv->keys[i].id) == &inv->keys[i]);
    }
    for (size_t i = 0; i < inv->n_accounts; i++) {
        FUZZ_CHECK(strlen(inv->accounts[i]) == 12);
        FUZZ_CHECK(i == 0 || memcmp(inv->accounts[i - 1], inv->accounts[i], 13) < 0);
        FUZZ_CHECK(inventory_account(inv, inv->accounts[i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct inventory inv = INVENTORY_INIT;
    struct ruleset rs = RULESET_INIT;
    char *raw, *text, *expected = NULL;
    enum status st;

    if (size > FUZZ_INVENTORY_MAX)
        return -1;
    raw = malloc(size + 1);
    FUZZ_CHECK(raw != NULL);
    memcpy(raw, data, size);
    raw[size] = '\0';
    text = template_fill(raw, 7, CRED_CONTEXT, &expected);
    free(expected);
    st = inventory_parse_keys(&inv, "keys", text, strlen(text));
    FUZZ_CHECK(st == STATUS_OK || st == STATUS_CORRUPT || st == STATUS_LIMIT);
    FUZZ_CHECK(st == STATUS_OK || strstr(status_message(), "'keys'") != NULL);
    if (st == STATUS_OK) {
        fuzz_inventory_check(&inv);
        FUZZ_CHECK(inventory_add_rules(&inv, &rs) == STATUS_OK);
        for (size_t i = 0; i < inv.n_keys; i++)
            FUZZ_CHECK(strstr(rs.rules[i / 500].pattern, inv.keys[i].id) != NULL);
    }
    st = inventory_parse_accounts(&inv, "accounts", text, strlen(text));
    FUZZ_CHECK(st == STATUS_OK || st == STATUS_CORRUPT || st == STATUS_LIMIT);
    if (st == STATUS_OK)
        fuzz_inventory_check(&inv);
    ruleset_release(&rs);
    inventory_release(&inv);
    free(text);
    free(raw);
    return 0;
}
