/*
 * owner.h - the organisation's inventory in a scan: loaded once from --known-keys,
 * --accounts and every target's .sesame.json ("known_keys", "accounts"), compiled into
 * the rule set (rules/inventory.h), and used to say whose each finding is.
 */
#ifndef SESAME_OWNER_H
#define SESAME_OWNER_H

#include <stddef.h>

#include "base/status.h"
#include "rules/inventory.h"

struct finding;

/* Add the key inventory `keys` and the account list `accounts` (either may be NULL) to
 * inv: called for the options, then for each target's configuration. */
enum status owner_load(const char *keys, const char *accounts, struct inventory *inv);

/* Mark each finding: a key ID of the inventory is the organisation's (high confidence,
 * its user and status named, its account "own"); any other decoded account is "own" or
 * "foreign" when an account list was given. */
void owner_annotate(struct finding **sorted, size_t n, const struct inventory *inv);

#endif
