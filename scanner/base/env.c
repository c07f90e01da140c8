/*
 * base/env.c - the captured environment (see env.h).
 */
#include "base/env.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static void add(struct env *e, const char *name, size_t name_len, const char *value)
{
    e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
    e->v[e->n].name = xstrndup(name, name_len);
    e->v[e->n].value = xstrdup(value);
    e->n++;
}

void env_capture(struct env *e, char *const *environ_, const char *const *names,
                 const char *const *prefixes)
{
    memset(e, 0, sizeof(*e));
    for (size_t i = 0; environ_ && environ_[i]; i++) {
        const char *eq = strchr(environ_[i], '=');
        size_t len;
        int want = 0;
        if (!eq)
            continue;
        len = (size_t)(eq - environ_[i]);
        for (size_t k = 0; names && names[k] && !want; k++)
            want = strlen(names[k]) == len && memcmp(names[k], environ_[i], len) == 0;
        for (size_t k = 0; prefixes && prefixes[k] && !want; k++)
            want = strncmp(environ_[i], prefixes[k], strlen(prefixes[k])) == 0;
        if (want)
            add(e, environ_[i], len, eq + 1);
    }
}

void env_from_pairs(struct env *e, const char *const *pairs)
{
    memset(e, 0, sizeof(*e));
    for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2)
        add(e, pairs[i], strlen(pairs[i]), pairs[i + 1]);
}

void env_release(struct env *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].name);
        free(e->v[i].value);
    }
    free(e->v);
    memset(e, 0, sizeof(*e));
}

const char *env_get(const struct env *e, const char *name)
{
    /* the first of duplicate entries wins, as with glibc's getenv() */
    for (size_t i = 0; e && i < e->n; i++)
        if (strcmp(e->v[i].name, name) == 0)
            return e->v[i].value[0] ? e->v[i].value : NULL;
    return NULL;
}
