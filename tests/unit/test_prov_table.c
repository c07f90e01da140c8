/*
 * tests/unit/test_prov_table.c - deferred git provenance handed over as data: the git
 * source's table (src_git_attribute: blob id -> display path and every (path, commit)
 * the blob was introduced at) and the finding builder's use of it (findings_expand:
 * one observation per place, archive member suffixes kept, other targets untouched,
 * unknown blobs kept as they are).
 */
#include "model/provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "finding/findings.h"
#include "source/src_git.h"
#include "harness.h"

#define BLOB_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BLOB_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BLOB_C "cccccccccccccccccccccccccccccccccccccccc"

/* One observation of `value` (a session token: each value is a finding of its own). */
static void observe(struct findings *f, const char *value, const char *path, const char *blob,
                    bool deferred, unsigned target)
{
    struct observation o;

    memset(&o, 0, sizeof(o));
    o.kind = CRED_SESSION_TOKEN;
    o.value = value;
    o.value_len = strlen(value);
    o.confidence = CONF_HIGH;
    o.rule_id = "test.rule";
    o.path = path;
    o.line = 1;
    o.column = 1;
    o.blob_id = blob;
    o.deferred = deferred;
    o.target = target;
    CHECK_OK(findings_add(f, &o));
}

static const struct finding *finding_of(struct finding **v, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (v[i]->n_session_tokens && strcmp(v[i]->session_tokens[0].value, value) == 0)
            return v[i];
    return NULL;
}

/* "path@commit" of every location, in the finding's order, joined by spaces. */
static void where(const struct finding *fd, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t k = 0; fd && k < fd->n_locations && n < cap; k++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s@%s", k ? " " : "", fd->locations[k].path,
                              fd->locations[k].commit.commit ? fd->locations[k].commit.commit
                                                             : "-");
}

static void test_prov_table__findings_expand_fans_out_per_place(void)
{
    struct findings *f;
    struct commit_info c1 = { (char *)"c1", (char *)"A <a@x>", 1, 2, (char *)"one" };
    struct commit_info c2 = { (char *)"c2", (char *)"B <b@x>", 3, 4, (char *)"two" };
    const struct provenance places_a[] = { { "p1/a.env", &c1 }, { "p2/a.env", &c2 } };
    const struct prov_blob blobs0[] = {
        { BLOB_A, "first/a.env", places_a, 2 },
        { BLOB_C, "c.env", NULL, 0 },   /* known, but no place: kept as it is */
    };
    const struct prov_table t0 = { blobs0, 2 };
    const struct provenance places_a1[] = { { "other/a.env", &c1 } };
    const struct prov_blob blobs1[] = { { BLOB_A, "first/a.env", places_a1, 1 } };
    const struct prov_table t1 = { blobs1, 1 };
    const char **ids = NULL;
    struct finding **v = NULL;
    size_t n, nv;
    uint64_t hidden;
    char buf[512];

    findings_new(&f);
    observe(f, "token-plain", "first/a.env", BLOB_A, true, 0);
    observe(f, "token-member", "first/a.env!inner/x.txt", BLOB_A, true, 0);
    observe(f, "token-unknown", "b.env", BLOB_B, true, 0);
    observe(f, "token-noplace", "c.env", BLOB_C, true, 0);
    observe(f, "token-other-repo", "first/a.env", BLOB_A, true, 1);
    observe(f, "token-file", "dir/file.txt", NULL, false, 0);

    n = findings_deferred_blobs(f, 0, &ids);
    CHECK(n == 3);
    if (n == 3) {
        CHECK_STREQ(ids[0], BLOB_A);
        CHECK_STREQ(ids[1], BLOB_B);
        CHECK_STREQ(ids[2], BLOB_C);
    }
    free(ids);

    CHECK_OK(findings_expand(f, 0, &t0));
    CHECK(findings_observations(f) == 2 + 2 + 1 + 1 + 1 + 1);
    /* target 0 is done; target 1 (another repository) still waits for its own table */
    CHECK(findings_deferred_blobs(f, 0, &ids) == 0);
    free(ids);
    CHECK(findings_deferred_blobs(f, 1, &ids) == 1);
    free(ids);
    CHECK_OK(findings_expand(f, 1, &t1));
    CHECK(findings_deferred_blobs(f, 1, &ids) == 0);
    free(ids);

    {
        struct findings_opts fo = { NULL, 0, true, 1 };
        findings_build(f, &fo, &v, &nv, &hidden);
    }
    where(finding_of(v, nv, "token-plain"), buf, sizeof(buf));
    CHECK_STREQ(buf, "p1/a.env@c1 p2/a.env@c2");
    where(finding_of(v, nv, "token-member"), buf, sizeof(buf));
    CHECK_STREQ(buf, "p1/a.env!inner/x.txt@c1 p2/a.env!inner/x.txt@c2");
    where(finding_of(v, nv, "token-unknown"), buf, sizeof(buf));
    CHECK_STREQ(buf, "b.env@-");
    where(finding_of(v, nv, "token-noplace"), buf, sizeof(buf));
    CHECK_STREQ(buf, "c.env@-");
    where(finding_of(v, nv, "token-other-repo"), buf, sizeof(buf));
    CHECK_STREQ(buf, "other/a.env@c1");
    where(finding_of(v, nv, "token-file"), buf, sizeof(buf));
    CHECK_STREQ(buf, "dir/file.txt@-");
    {
        const struct finding *fd = finding_of(v, nv, "token-plain");
        CHECK(fd && fd->locations[1].commit.author &&
              strcmp(fd->locations[1].commit.author, "B <b@x>") == 0 &&
              fd->locations[1].commit.author_time == 3 && fd->locations[1].commit.commit_time == 4);
    }
    findings_free(f);
}

static void test_prov_table__expand_without_a_table_keeps_everything(void)
{
    struct findings *f;
    const char **ids = NULL;

    findings_new(&f);
    observe(f, "token-a", "a.env", BLOB_A, true, 0);
    CHECK_OK(findings_expand(f, 0, NULL));
    CHECK(findings_observations(f) == 1);
    CHECK(findings_deferred_blobs(f, 0, &ids) == 0);
    free(ids);
    findings_free(f);
}

/* ---- the git side ------------------------------------------------------------------ */

/* Run `script` in `dir`. */
static bool sh(const char *dir, const char *script)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "cd '%s' && %s", dir, script);
    return system(cmd) == 0;
}

/* Run `git -C dir rev-parse rev` into out (41 bytes). */
static bool rev_parse(const char *dir, const char *rev, char *out)
{
    char cmd[1024];
    FILE *p;
    bool ok;

    snprintf(cmd, sizeof(cmd), "git -C %s rev-parse %s", dir, rev);
    if (!(p = popen(cmd, "r")))
        return false;
    ok = fgets(out, 42, p) != NULL;
    out[strcspn(out, "\n")] = '\0';
    return pclose(p) == 0 && ok && strlen(out) == 40;
}

/* Whole history: a blob added at a.txt (C1), copied to b.txt (C2), a.txt deleted (C3).
 * The table lists it once, at both places with the commits that introduced it there. */
static void test_prov_table__git_attribute_lists_every_place(void)
{
    char dir[] = "/tmp/sesame-provtab-XXXXXX";
    char blob[42], c1[42], c2[42], other[42];
    struct src_git *g = NULL;
    struct src_git_opts o;
    const struct prov_table *t;
    const char *asked[4];

    CHECK(mkdtemp(dir) != NULL);
    CHECK(sh(dir, "export GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent GIT_AUTHOR_NAME=A "
                  "GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@x && "
                  "git init -q . && echo one >a.txt && echo keep >k.txt && git add . && "
                  "git commit -qm c1 && cp a.txt b.txt && git add . && git commit -qm c2 && "
                  "git rm -q a.txt && git commit -qm c3"));
    CHECK(rev_parse(dir, "HEAD~2:a.txt", blob));
    CHECK(rev_parse(dir, "HEAD~2:k.txt", other));
    CHECK(rev_parse(dir, "HEAD~2", c1));
    CHECK(rev_parse(dir, "HEAD~1", c2));

    src_git_init();
    memset(&o, 0, sizeof(o));
    CHECK_OK(src_git_open(&g, dir, &o));
    CHECK(g && src_git_deferred(g));
    asked[0] = blob;
    asked[1] = "0123456789012345678901234567890123456789"; /* no such blob: left out */
    asked[2] = "not hex";
    asked[3] = blob;                                    /* twice: listed once */
    t = g ? src_git_attribute(g, asked, 4) : NULL;
    CHECK(t && t->n == 1);
    if (t && t->n == 1) {
        const struct prov_blob *b = &t->blobs[0];
        bool at_a = false, at_b = false;
        CHECK_STREQ(b->blob_id, blob);
        CHECK(strcmp(b->display, "a.txt") == 0 || strcmp(b->display, "b.txt") == 0);
        CHECK(b->n_places == 2);
        for (size_t k = 0; k < b->n_places; k++) {
            const struct provenance *p = &b->places[k];
            CHECK(p->commit != NULL);
            if (!p->commit)
                continue;
            at_a |= strcmp(p->path, "a.txt") == 0 && strcmp(p->commit->commit, c1) == 0;
            at_b |= strcmp(p->path, "b.txt") == 0 && strcmp(p->commit->commit, c2) == 0;
        }
        CHECK(at_a && at_b);
    }
    /* once per repository: asking again (for another blob) gives the same table */
    asked[0] = other;
    CHECK(g && src_git_attribute(g, asked, 1) == t);
    src_git_free(g);
    src_git_shutdown();
    {
        char rm[128];
        snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
        CHECK(sh("/", rm));
    }
}

static const struct test tests[] = {
    TEST(test_prov_table__findings_expand_fans_out_per_place),
    TEST(test_prov_table__expand_without_a_table_keeps_everything),
    TEST(test_prov_table__git_attribute_lists_every_place),
};
HARNESS_MAIN(tests)
