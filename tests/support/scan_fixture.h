/*
 * tests/support/scan_fixture.h - the whole pipeline on in-memory text, for unit tests:
 * default rules, an engine, one scanbuf, findings built with or without examples.
 * Included by one test file each (static functions).
 */
#ifndef SESAME_TESTS_SCAN_FIXTURE_H
#define SESAME_TESTS_SCAN_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "rules/fakekey.h"

#include "finding/findings.h"
#include "harness.h"
#include "match/engine.h"
#include "rules/rule.h"
#include "scanbuf.h"
#include "source/chunk.h"
#include "source/source.h"

struct fixture {
    struct ruleset rs;
    struct engine *e;
    struct findings *f;
    struct scanbuf *sb;
    struct finding **out;
    size_t n;
    uint64_t hidden;
};

static inline void setup(struct fixture *x)
{
    memset(x, 0, sizeof(*x));
    CHECK_OK(ruleset_load(&x->rs, false, NULL, 0));
    CHECK_OK(engine_new(&x->e, &x->rs, NULL));
    findings_new(&x->f);
    CHECK_OK(scanbuf_new(&x->sb, x->e, &x->rs, x->f));
}

static inline void teardown(struct fixture *x)
{
    scanbuf_free(x->sb);
    findings_free(x->f);
    engine_free(x->e);
    ruleset_release(&x->rs);
}

static inline enum status feed(const struct blob *b, void *payload)
{
    return scanbuf_scan(payload, b);
}

static inline void scan_at(struct fixture *x, const char *path, const char *text, size_t len)
{
    struct blob tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path;
    CHECK_OK(chunk_feed(&tmpl, NULL, (const unsigned char *)text, len, feed, x->sb));
}

static inline void scan(struct fixture *x, const char *text, size_t len)
{
    scan_at(x, "t.txt", text, len);
}

static inline void build(struct fixture *x, bool examples)
{
    struct findings_opts fo = { (const char *const *)x->rs.smtp_regions, x->rs.n_smtp_regions,
                                examples, 1 };
    findings_build(x->f, &fo, &x->out, &x->n, &x->hidden);
}

static inline const struct finding *by_id(const struct fixture *x, const char *id)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->out[i]->access_key_id && strcmp(x->out[i]->access_key_id, id) == 0)
            return x->out[i];
    return NULL;
}

static inline const struct finding *by_secret(const struct fixture *x, const char *secret)
{
    for (size_t i = 0; i < x->n; i++)
        for (size_t k = 0; k < x->out[i]->n_secrets; k++)
            if (strcmp(x->out[i]->secrets[k].value, secret) == 0)
                return x->out[i];
    return NULL;
}

static inline bool has_secret(const struct finding *f, const char *secret)
{
    for (size_t k = 0; f && k < f->n_secrets; k++)
        if (strcmp(f->secrets[k].value, secret) == 0)
            return true;
    return false;
}

/* Standard base64 of s, as a new string (encoded shapes in tests). */
static inline char *test_b64(const char *s)
{
    char *out = xmalloc(strlen(s) / 3 * 4 + 8);
    fakekey_base64_encode((const unsigned char *)s, strlen(s), out);
    return out;
}

/* Two fake key pairs from a fixed seed, and templates that use them. */
struct keys {
    char id[3][21];
    char secret[3][41];
};

/* Expand {ID0} {ID1} {S0} {S1} in `tmpl`, and slices of them: {S0@8,12} is 12 characters
 * from offset 8, {S0@20} the rest from offset 20 (test texts are templates: nothing
 * key-shaped is committed). */
static inline char *fill(const char *tmpl, const struct keys *k)
{
    size_t cap = strlen(tmpl) * 2 + 256, n = 0;
    char *out = xmalloc(cap);

    while (*tmpl) {
        const char *v = NULL, *q = tmpl + 1;
        size_t from = 0, len = SIZE_MAX;
        if (tmpl[0] == '{' && q[0] == 'I' && q[1] == 'D' && (q[2] == '0' || q[2] == '1'))
            v = k->id[q[2] - '0'], q += 3;
        else if (tmpl[0] == '{' && q[0] == 'S' && (q[1] == '0' || q[1] == '1'))
            v = k->secret[q[1] - '0'], q += 2;
        if (v && *q == '@') {
            char *e;
            from = strtoul(q + 1, &e, 10);
            q = e;
            if (*q == ',')
                len = strtoul(q + 1, &e, 10), q = e;
        }
        if (v && *q == '}' && from <= strlen(v)) {
            size_t m = strlen(v + from) < len ? strlen(v + from) : len;
            memcpy(out + n, v + from, m);
            n += m;
            tmpl = q + 1;
        } else {
            out[n++] = *tmpl++;
        }
    }
    out[n] = '\0';
    return out;
}

static inline void make_keys(struct keys *k, uint64_t seed)
{
    struct fakekey_rng rng = FAKEKEY_RNG_INIT(seed);
    for (int i = 0; i < 3; i++) {
        fakekey_access_key_id(&rng, "AKIA", true, k->id[i]);
        fakekey_secret(&rng, k->secret[i]);
    }
}

#endif
