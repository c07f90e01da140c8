/*
 * tests/support/scan_fixture.h - the whole pipeline on in-memory text, for unit tests:
 * default rules, an engine, one scanbuf, findings built with or without examples.
 * Included by one test file each (static functions).
 */
#ifndef SESAME_TESTS_SCAN_FIXTURE_H
#define SESAME_TESTS_SCAN_FIXTURE_H

#include <string.h>

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

static void setup(struct fixture *x)
{
    memset(x, 0, sizeof(*x));
    CHECK_OK(ruleset_load(&x->rs, false, NULL, 0));
    CHECK_OK(engine_new(&x->e, &x->rs, NULL));
    findings_new(&x->f);
    CHECK_OK(scanbuf_new(&x->sb, x->e, &x->rs, x->f));
}

static void teardown(struct fixture *x)
{
    scanbuf_free(x->sb);
    findings_free(x->f);
    engine_free(x->e);
    ruleset_release(&x->rs);
}

static enum status feed(const struct blob *b, void *payload)
{
    return scanbuf_scan(payload, b);
}

static void scan_at(struct fixture *x, const char *path, const char *text, size_t len)
{
    struct blob tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.path = path;
    CHECK_OK(chunk_feed(&tmpl, NULL, (const unsigned char *)text, len, feed, x->sb));
}

static void scan(struct fixture *x, const char *text, size_t len)
{
    scan_at(x, "t.txt", text, len);
}

static void build(struct fixture *x, bool examples)
{
    struct findings_opts fo = { (const char *const *)x->rs.smtp_regions, x->rs.n_smtp_regions,
                                examples };
    findings_build(x->f, &fo, &x->out, &x->n, &x->hidden);
}

static const struct finding *by_id(const struct fixture *x, const char *id)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->out[i]->access_key_id && strcmp(x->out[i]->access_key_id, id) == 0)
            return x->out[i];
    return NULL;
}

#endif
