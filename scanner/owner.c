/*
 * owner.c - whose is each finding (see owner.h). Never contacts AWS: the inventory is
 * what the organisation exported (aws iam list-access-keys, its account list).
 */
#include "owner.h"

#include <string.h>

#include "base/xalloc.h"
#include "finding/finding.h"

enum status owner_load(const char *keys, const char *accounts, struct inventory *inv)
{
    enum status st = STATUS_OK;

    if (keys)
        st = inventory_load_keys(inv, keys);
    if (st == STATUS_OK && accounts)
        st = inventory_load_accounts(inv, accounts);
    return st;
}

void owner_annotate(struct finding **sorted, size_t n, const struct inventory *inv)
{
    if (!inv || (!inv->n_keys && !inv->n_accounts))
        return;
    for (size_t i = 0; i < n; i++) {
        struct finding *f = sorted[i];
        const struct inventory_key *k = inventory_key(inv, f->access_key_id);
        if (k) {
            f->known_key = true;
            f->confidence = CONF_HIGH;
            f->owner_user = k->user ? xstrdup(k->user) : NULL;
            f->owner_status = k->status ? xstrdup(k->status) : NULL;
            f->account_owner = "own";
        } else if (inv->n_accounts && f->account_id) {
            f->account_owner = inventory_account(inv, f->account_id) ? "own" : "foreign";
        }
    }
}
