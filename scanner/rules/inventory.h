/*
 * rules/inventory.h - the organisation's own key IDs and account IDs (--known-keys,
 * --accounts, "known_keys" and "accounts" in .sesame.json). Never contacts AWS.
 *
 * Key inventory formats (detected from the text):
 * - JSON as `aws iam list-access-keys` prints it, {"AccessKeyMetadata": [{"UserName",
 *   "AccessKeyId", "Status", "CreateDate"}, ...]}: one document, several documents
 *   concatenated (one per user), or an array of them;
 * - CSV, `user,access_key_id[,status]`, with or without a header line;
 * - a plain list of key IDs, one a line ('#' starts a comment).
 * (The IAM credential report holds no key IDs, so it cannot serve.) Account lists are
 * 12-digit account IDs, one a line (or the first CSV column), or a JSON array of them.
 *
 * The key IDs become literal rules of the scan's rule set ("org.known_key.N"), so that
 * an ID of the organisation is found by the same single pass; findings are then
 * annotated with their owner and status (see scan.c).
 */
#ifndef SESAME_RULES_INVENTORY_H
#define SESAME_RULES_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

struct ruleset;

struct inventory_key {
    char id[21];
    char *user;    /* or NULL */
    char *status;  /* "Active", "Inactive", or NULL */
    char *created; /* as written (ISO-8601), or NULL */
};

struct inventory {
    struct inventory_key *keys; /* sorted by id, unique */
    size_t n_keys;
    char (*accounts)[13];       /* sorted, unique */
    size_t n_accounts;
};

#define INVENTORY_INIT { NULL, 0, NULL, 0 }

/* Add the keys of text[0, len) (`name` in messages: "'name': line N: why"). */
enum status inventory_parse_keys(struct inventory *inv, const char *name, const char *text,
                                 size_t len);
/* Add the account IDs of text[0, len). */
enum status inventory_parse_accounts(struct inventory *inv, const char *name, const char *text,
                                     size_t len);
/* The same from a file (at most LIMIT_INVENTORY_BYTES). */
enum status inventory_load_keys(struct inventory *inv, const char *path);
enum status inventory_load_accounts(struct inventory *inv, const char *path);

const struct inventory_key *inventory_key(const struct inventory *inv, const char *id);
bool inventory_account(const struct inventory *inv, const char *account);

/* Append one literal rule per INVENTORY_IDS_PER_RULE key IDs ("org.known_key.N", kind
 * access_key_id, high confidence). Call before ruleset_hash(). */
enum status inventory_add_rules(const struct inventory *inv, struct ruleset *rs);

void inventory_release(struct inventory *inv);

#endif
