/*
 * tests/unit/test_gittree.c - raw git tree parsing: entries, kinds, git's sort order,
 * lookup by name, and malformed trees (which stop the iteration, never read past it).
 */
#include "source/git/tree.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct tb {
    unsigned char buf[4096];
    size_t len;
};

/* Append "<mode> <name>\0" and a 20-byte id whose bytes are all `fill`. */
static void add(struct tb *t, const char *mode, const char *name, unsigned char fill)
{
    size_t ml = strlen(mode), nl = strlen(name);
    memcpy(t->buf + t->len, mode, ml);
    t->len += ml;
    t->buf[t->len++] = ' ';
    memcpy(t->buf + t->len, name, nl + 1);
    t->len += nl + 1;
    memset(t->buf + t->len, fill, GT_OID_RAWSZ);
    t->len += GT_OID_RAWSZ;
}

static void parses_entries_and_kinds(void)
{
    struct tb t = { .len = 0 };
    struct gt_iter it;
    struct gt_entry e;
    static const struct {
        const char *mode, *name;
        enum gt_kind kind;
        unsigned m;
    } want[] = {
        { "100644", "a.txt", GT_BLOB, 0100644 },  { "100755", "run.sh", GT_BLOB, 0100755 },
        { "120000", "link", GT_BLOB, 0120000 },   { "40000", "src", GT_TREE, 040000 },
        { "160000", "sub", GT_GITLINK, 0160000 }, { "100664", "old", GT_BLOB, 0100664 },
        { "10", "odd", GT_OTHER, 010 },
    };
    size_t n = sizeof(want) / sizeof(want[0]), i = 0;

    for (size_t k = 0; k < n; k++)
        add(&t, want[k].mode, want[k].name, (unsigned char)(k + 1));
    gt_init(&it, t.buf, t.len);
    while (gt_next(&it, &e)) {
        CHECK(i < n);
        if (i >= n)
            break;
        CHECK(e.kind == want[i].kind);
        CHECK(e.mode == want[i].m);
        CHECK(e.name_len == strlen(want[i].name));
        CHECK(memcmp(e.name, want[i].name, e.name_len) == 0 && e.name[e.name_len] == '\0');
        CHECK(e.oid[0] == i + 1 && e.oid[GT_OID_RAWSZ - 1] == i + 1);
        i++;
    }
    CHECK(i == n);
    CHECK(!it.bad);
    gt_init(&it, NULL, 0);
    CHECK(!gt_next(&it, &e) && !it.bad);
}

static void git_order(void)
{
    struct gt_entry a = { GT_BLOB, 0100644, "a.txt", 5, NULL };
    struct gt_entry dir = { GT_TREE, 040000, "a", 1, NULL };
    struct gt_entry file = { GT_BLOB, 0100644, "a", 1, NULL };
    struct gt_entry b0 = { GT_BLOB, 0100644, "a0", 2, NULL };

    /* A tree sorts as "a/": after "a.txt" ('.' < '/'), before "a0" ('/' < '0'). */
    CHECK(gt_cmp(&a, &dir) < 0 && gt_cmp(&dir, &a) > 0);
    CHECK(gt_cmp(&dir, &b0) < 0);
    /* A file "a" sorts before "a.txt"; the same name as blob and tree differ. */
    CHECK(gt_cmp(&file, &a) < 0);
    CHECK(gt_cmp(&file, &dir) < 0 && gt_cmp(&dir, &file) > 0);
    CHECK(gt_cmp(&a, &a) == 0 && gt_cmp(&dir, &dir) == 0);
}

static void finds_by_name(void)
{
    struct tb t = { .len = 0 };
    struct gt_entry e;

    add(&t, "100644", "a", 1);
    add(&t, "40000", "ab", 2);
    add(&t, "100644", "b", 3);
    CHECK(gt_find(t.buf, t.len, "ab", 2, &e) && e.kind == GT_TREE && e.oid[0] == 2);
    CHECK(gt_find(t.buf, t.len, "b", 1, &e) && e.oid[0] == 3);
    CHECK(!gt_find(t.buf, t.len, "c", 1, &e));
    CHECK(!gt_find(t.buf, t.len, "a/b", 3, &e));
}

/* Each malformed tree: the good entries before the damage, then stop with bad set. */
static void check_malformed(const unsigned char *data, size_t len, size_t good)
{
    unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
    struct gt_iter it;
    struct gt_entry e;
    size_t n = 0;

    if (!copy)
        abort();
    memcpy(copy, data, len);
    gt_init(&it, copy, len);
    while (gt_next(&it, &e)) {
        CHECK(e.name + e.name_len < (const char *)copy + len);
        CHECK(e.oid + GT_OID_RAWSZ <= copy + len);
        n++;
    }
    CHECK(n == good);
    CHECK(it.bad);
    CHECK(!gt_next(&it, &e)); /* stays stopped */
    free(copy);
}

static void malformed_trees_stop(void)
{
    struct tb t = { .len = 0 };
    size_t one;

    add(&t, "100644", "ok", 9);
    one = t.len;
    check_malformed(t.buf, one - 1, 0);             /* id cut short */
    check_malformed(t.buf, 7, 0);                   /* "100644 " then nothing */
    memcpy(t.buf + one, "100644 noname", 13);       /* no NUL after the name */
    check_malformed(t.buf, one + 13, 1);
    memcpy(t.buf + one, "100644", 6);               /* no space after the mode */
    check_malformed(t.buf, one + 6, 1);
    memcpy(t.buf + one, "1x0644 n\0", 9);           /* not octal */
    check_malformed(t.buf, one + 9, 1);
    memcpy(t.buf + one, " name\0", 6);              /* no mode */
    check_malformed(t.buf, one + 6, 1);
    memcpy(t.buf + one, "100644 \0", 8);            /* empty name */
    memset(t.buf + one + 8, 1, GT_OID_RAWSZ);
    check_malformed(t.buf, one + 8 + GT_OID_RAWSZ, 1);
    memcpy(t.buf + one, "10064412345 n\0", 14);     /* a mode too long */
    check_malformed(t.buf, one + 14, 1);
}

static const struct test tests[] = {
    TEST(parses_entries_and_kinds),
    TEST(git_order),
    TEST(finds_by_name),
    TEST(malformed_trees_stop),
};

HARNESS_MAIN(tests)
