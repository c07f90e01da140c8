/*
 * source/src_hook.h - parse what git hands to pre-receive and pre-push hooks.
 *
 * pre-receive: "<old-oid> SP <new-oid> SP <ref-name> LF" per updated ref.
 * pre-push:    "<local-ref> SP <local-oid> SP <remote-ref> SP <remote-oid> LF".
 * Input is untrusted (a hook can be called by anyone): every line is validated, object
 * ids are 40 or 64 hex digits, ref names are bounded, and the number of lines is capped.
 */
#ifndef SESAME_SOURCE_SRC_HOOK_H
#define SESAME_SOURCE_SRC_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"


struct ref_update {
    char old_oid[65];  /* pre-push: the remote oid */
    char new_oid[65];  /* pre-push: the local oid */
    char *ref;         /* pre-push: the remote ref */
};

struct ref_updates {
    struct ref_update *v;
    size_t n, cap;
};

/* Parse pre-receive (pre_push false) or pre-push input. STATUS_CORRUPT names the line. */
enum status src_hook_parse(const char *text, size_t len, bool pre_push, struct ref_updates *out);
void ref_updates_release(struct ref_updates *u);

/* True for an all-zero object id (ref created or deleted). */
bool src_hook_is_zero(const char *oid);

#endif
