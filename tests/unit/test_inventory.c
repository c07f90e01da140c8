/*
 * tests/unit/test_inventory.c - the organisation's key and account inventory (issue 13,
 * class 8): every accepted format, errors that name the line, the literal rules, and
 * findings marked as the organisation's (owner.c). Keys are generated from a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/keys.h"
#include "base/status.h"
#include "harness.h"
#include "owner.h"
#include "rules/inventory.h"
#include "scan_fixture.h"

struct three {
    char id[3][21];
};

static void three_ids(struct three *t, uint64_t seed)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);
    for (int i = 0; i < 3; i++)
        fakekey_access_key_id(&rng, "AKIA", true, t->id[i]);
}

static enum status parse(struct inventory *inv, const char *text)
{
    return inventory_parse_keys(inv, "keys", text, strlen(text));
}

static void check_alice_bob(const struct inventory *inv, const struct three *t, bool statuses)
{
    const struct inventory_key *a = inventory_key(inv, t->id[0]);
    const struct inventory_key *b = inventory_key(inv, t->id[1]);

    CHECK(inv->n_keys == 2);
    CHECK(a && a->user && strcmp(a->user, "alice") == 0);
    CHECK(b && b->user && strcmp(b->user, "bob") == 0);
    CHECK(!statuses || (a && a->status && strcmp(a->status, "Active") == 0));
    CHECK(!statuses || (b && b->status && strcmp(b->status, "Inactive") == 0));
    CHECK(inventory_key(inv, t->id[2]) == NULL);
}

static void test_inventory__list_access_keys_json(void)
{
    struct three t;
    char *one, *doc_a, *doc_b, *concat, *array;
    struct inventory inv = INVENTORY_INIT;

    three_ids(&t, 701);
    doc_a = xasprintf("{\n    \"AccessKeyMetadata\": [\n        {\n            \"UserName\": \"alice\",\n"
                      "            \"AccessKeyId\": \"%s\",\n            \"Status\": \"Active\",\n"
                      "            \"CreateDate\": \"2024-01-02T03:04:05+00:00\"\n        }\n    ]\n}\n",
                      t.id[0]);
    doc_b = xasprintf("{\"AccessKeyMetadata\": [{\"UserName\": \"bob\", \"AccessKeyId\": \"%s\", "
                      "\"Status\": \"Inactive\", \"CreateDate\": \"2020-01-01T00:00:00Z\"}], "
                      "\"IsTruncated\": false}", t.id[1]);
    one = xasprintf("{\"AccessKeyMetadata\": [%.*s, %s]}", 0, "", "{}");
    concat = xasprintf("%s%s\n", doc_a, doc_b);
    array = xasprintf("[%s,\n%s]", doc_a, doc_b);
    CHECK_OK(parse(&inv, concat));
    check_alice_bob(&inv, &t, true);
    CHECK(inv.keys[0].created != NULL);
    inventory_release(&inv);
    CHECK_OK(parse(&inv, array));
    check_alice_bob(&inv, &t, true);
    inventory_release(&inv);
    /* an entry without AccessKeyId, a document that is not list-access-keys output */
    CHECK(parse(&inv, one) == STATUS_CORRUPT);
    inventory_release(&inv);
    CHECK(parse(&inv, "{\"Users\": []}") == STATUS_CORRUPT);
    CHECK(strstr(status_message(), "AccessKeyMetadata") != NULL);
    inventory_release(&inv);
    CHECK(parse(&inv, "{\"AccessKeyMetadata\": [") == STATUS_CORRUPT);
    inventory_release(&inv);
    free(one);
    free(doc_a);
    free(doc_b);
    free(concat);
    free(array);
}

static void test_inventory__csv_and_plain_list(void)
{
    struct three t;
    char *csv, *csv_bare, *list, *bad;
    struct inventory inv = INVENTORY_INIT;

    three_ids(&t, 702);
    csv = xasprintf("user,access_key_id,status\r\nalice,%s,Active\r\n\"bob\",\"%s\",Inactive\r\n",
                    t.id[0], t.id[1]);
    csv_bare = xasprintf("alice,%s\nbob,%s\n", t.id[0], t.id[1]);
    list = xasprintf("# keys of prod\n%s\n\n  %s  \n%s\n", t.id[0], t.id[1], t.id[0]);
    bad = xasprintf("%s\nnot-a-key\n", t.id[0]);
    CHECK_OK(parse(&inv, csv));
    check_alice_bob(&inv, &t, true);
    inventory_release(&inv);
    CHECK_OK(parse(&inv, csv_bare));
    check_alice_bob(&inv, &t, false);
    inventory_release(&inv);
    CHECK_OK(parse(&inv, list));
    CHECK(inv.n_keys == 2 && inventory_key(&inv, t.id[1]) && !inventory_key(&inv, t.id[1])->user);
    inventory_release(&inv);
    CHECK(parse(&inv, bad) == STATUS_CORRUPT);
    CHECK(strstr(status_message(), "line 2") != NULL);
    inventory_release(&inv);
    free(csv);
    free(csv_bare);
    free(list);
    free(bad);
}

static void test_inventory__accounts(void)
{
    struct inventory inv = INVENTORY_INIT;
    const char *lines = "account_id,name\n123456789012,prod\n# staging\n210987654321\n";
    const char *json = "[\"123456789012\", \"210987654321\"]";

    CHECK_OK(inventory_parse_accounts(&inv, "a", lines, strlen(lines)));
    CHECK(inv.n_accounts == 2 && inventory_account(&inv, "210987654321") &&
          !inventory_account(&inv, "999999999999"));
    inventory_release(&inv);
    CHECK_OK(inventory_parse_accounts(&inv, "a", json, strlen(json)));
    CHECK(inv.n_accounts == 2 && inventory_account(&inv, "123456789012"));
    inventory_release(&inv);
    CHECK(inventory_parse_accounts(&inv, "a", "12345\n", 6) == STATUS_CORRUPT);
    inventory_release(&inv);
    CHECK(inventory_parse_accounts(&inv, "a", "[1]", 3) == STATUS_CORRUPT);
    inventory_release(&inv);
}

/* The IDs become literal rules of the one database: an ID of the inventory that the
 * generic rule does not take (an '8' is not base32, as in old keys) is found, with its
 * owner; an ID of another account is marked foreign. */
static void test_inventory__found_and_annotated(void)
{
    struct three t;
    struct fixture x;
    struct inventory inv = INVENTORY_INIT;
    char *keys, *text, accts[64];
    const struct finding *f;

    three_ids(&t, 703);
    t.id[1][10] = '8';
    keys = xasprintf("user,access_key_id,status\nalice,%s,Active\nci,%s,Inactive\n", t.id[0],
                     t.id[1]);
    CHECK_OK(parse(&inv, keys));
    {
        char acct[13];
        (void)aws_account_id(t.id[0], 20, acct);
        snprintf(accts, sizeof(accts), "%s\n", acct);
        CHECK_OK(inventory_parse_accounts(&inv, "a", accts, strlen(accts)));
    }
    memset(&x, 0, sizeof(x));
    CHECK_OK(ruleset_load(&x.rs, false, NULL, 0));
    CHECK_OK(inventory_add_rules(&inv, &x.rs));
    CHECK(ruleset_find(&x.rs, "org.known_key.1") != NULL);
    ruleset_hash(&x.rs);
    CHECK_OK(engine_new(&x.e, &x.rs, NULL));
    findings_new(&x.f);
    CHECK_OK(scanbuf_new(&x.sb, x.e, &x.rs, x.f));
    text = xasprintf("deploy_key: %s\nold: %s\nvendor: %s\n", t.id[0], t.id[1], t.id[2]);
    scan(&x, text, strlen(text));
    build(&x, false);
    owner_annotate(x.out, x.n, &inv);
    CHECK(x.n == 3);
    f = by_id(&x, t.id[0]);
    CHECK(f && f->known_key && f->owner_user && strcmp(f->owner_user, "alice") == 0 &&
          f->owner_status && strcmp(f->owner_status, "Active") == 0 &&
          f->confidence == CONF_HIGH && f->account_owner && strcmp(f->account_owner, "own") == 0);
    f = by_id(&x, t.id[1]);
    CHECK(f && f->known_key && f->owner_status && strcmp(f->owner_status, "Inactive") == 0);
    f = by_id(&x, t.id[2]);
    CHECK(f && !f->known_key && f->account_owner && strcmp(f->account_owner, "foreign") == 0);
    teardown(&x);
    inventory_release(&inv);
    free(keys);
    free(text);
}

static const struct test tests[] = {
    TEST(test_inventory__list_access_keys_json),
    TEST(test_inventory__csv_and_plain_list),
    TEST(test_inventory__accounts),
    TEST(test_inventory__found_and_annotated),
};
HARNESS_MAIN(tests)
