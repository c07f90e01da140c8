/*
 * source/src_hook.c - strict parser for hook input lines.
 */
#include "source/src_hook.h"
#include "base/limits.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static bool parse_oid(const char *p, size_t n, char out[65])
{
    if (n != 40 && n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static bool valid_ref(const char *p, size_t n)
{
    if (n == 0 || n > LIMIT_HOOK_REF_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ')
            return false;
    return true;
}

bool src_hook_is_zero(const char *oid)
{
    return strspn(oid, "0") == strlen(oid);
}

void ref_updates_release(struct ref_updates *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->v[i].ref);
    free(u->v);
    memset(u, 0, sizeof(*u));
}

enum status src_hook_parse(const char *text, size_t len, bool pre_push, struct ref_updates *out)
{
    size_t pos = 0, lineno = 0;

    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        const char *f[4];
        size_t fl[4], nf = 0, start = 0;
        struct ref_update u;

        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n && line[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (out->n >= LIMIT_HOOK_LINES)
            return fail(STATUS_LIMIT, "hook input: more than %u lines", LIMIT_HOOK_LINES);
        for (size_t i = 0; i <= n && nf < 4; i++) {
            if (i == n || line[i] == ' ') {
                f[nf] = line + start;
                fl[nf] = i - start;
                nf++;
                start = i + 1;
            }
        }
        if (nf != (pre_push ? 4u : 3u) || start < n + 1)
            return fail(STATUS_CORRUPT, "hook input line %zu: expected %s", lineno,
                        pre_push ? "'<local-ref> <local-oid> <remote-ref> <remote-oid>'"
                                 : "'<old-oid> <new-oid> <ref>'");
        memset(&u, 0, sizeof(u));
        if (pre_push) {
            if (!valid_ref(f[0], fl[0]) || !parse_oid(f[1], fl[1], u.new_oid) ||
                !valid_ref(f[2], fl[2]) || !parse_oid(f[3], fl[3], u.old_oid))
                return fail(STATUS_CORRUPT, "hook input line %zu: bad ref name or object id",
                            lineno);
            u.ref = xstrndup(f[2], fl[2]);
        } else {
            if (!parse_oid(f[0], fl[0], u.old_oid) || !parse_oid(f[1], fl[1], u.new_oid) ||
                !valid_ref(f[2], fl[2]))
                return fail(STATUS_CORRUPT, "hook input line %zu: bad ref name or object id",
                            lineno);
            u.ref = xstrndup(f[2], fl[2]);
        }
        XGROW(out->v, out->cap, out->n + 1);
        out->v[out->n++] = u;
    }
    return STATUS_OK;
}
