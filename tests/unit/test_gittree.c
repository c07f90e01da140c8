/*
 * tests/unit/test_gittree.c - raw git tree parsing: entries, kinds, git's sort order,
 * lookup by name, and malformed trees (which stop the iteration, never read past it).
 */
#include "source/git/tree.h"

#include <stdint.h>
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

/* The format, spelled out byte by byte by index (no fast paths, no word-at-a-time search):
 * the reference gt_next must agree with, entry for entry. 1-7 octal digits, one space, a
 * name of at least one byte, its NUL, a 20-byte id. */
static bool ref_next(struct gt_iter *it, struct gt_entry *e)
{
    size_t left = it->p < it->end ? (size_t)(it->end - it->p) : 0, i = 0, n;
    const unsigned char *q = it->p;
    unsigned m = 0;

    if (it->bad || left == 0)
        return false;
    for (; i < left && i < 7 && q[i] >= '0' && q[i] <= '7'; i++)
        m = m * 8 + (unsigned)(q[i] - '0');
    if (i == 0 || i == left || q[i] != ' ') {
        it->bad = true;
        return false;
    }
    for (n = i + 1; n < left && q[n] != 0; n++)
        ;
    if (n == left || n == i + 1 || left - n - 1 < GT_OID_RAWSZ) {
        it->bad = true;
        return false;
    }
    e->mode = m;
    e->name = (const char *)q + i + 1;
    e->name_len = n - i - 1;
    e->oid = q + n + 1;
    it->p = q + n + 1 + GT_OID_RAWSZ;
    return true;
}

/* Random trees of common and odd modes, names of 1 to 40 bytes (ids holding NULs and
 * digits), cut at every length and with a byte changed: the same entries as the
 * reference, the same stop, never a read past the end (an exact-size copy, for ASan). */
static void agrees_with_the_plain_parser(void)
{
    static const char *const modes[] = { "100644", "40000", "100755", "120000", "160000",
                                         "10064", "1006440", "040000", "4000", "100644" };
    uint64_t r = 0x2545f4914f6cdd1dull;
    size_t compared = 0, stops = 0;

    for (int round = 0; round < 300; round++) {
        struct tb t = { .len = 0 };
        int n = 1 + round % 9;
        for (int i = 0; i < n; i++) {
            char name[41];
            size_t nl;
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            nl = 1 + (size_t)(r % 40);
            for (size_t k = 0; k < nl; k++) /* letters, UTF-8 and other high bytes */
                name[k] = (char)"abcdefghij\x01\x7f\x80\xc3\xa9\xff"[(r >> (k % 48)) % 16];
            name[nl] = '\0';
            add(&t, modes[(r >> 20) % 10], name,
                (unsigned char)((r >> 30) % 3 == 0 ? 0 : r >> 40)); /* ids of NULs too */
        }
        for (size_t cut = 0; cut <= t.len; cut++) {
            for (int change = 0; change < 2; change++) {
                unsigned char *copy = malloc(cut ? cut : 1);
                struct gt_iter a, b;
                struct gt_entry ea, eb;
                bool ga, gb;
                memcpy(copy, t.buf, cut);
                if (change && cut) /* a space, a NUL, a digit or a letter somewhere */
                    copy[(r >> 3) % cut] = (unsigned char)" \0" "7x"[(cut + (size_t)round) % 4];
                gt_init(&a, copy, cut);
                gt_init(&b, copy, cut);
                do {
                    ga = gt_next(&a, &ea);
                    gb = ref_next(&b, &eb);
                    CHECK(ga == gb);
                    if (ga && gb) {
                        CHECK(ea.mode == eb.mode && ea.name == eb.name &&
                              ea.name_len == eb.name_len && ea.oid == eb.oid);
                        compared++;
                    }
                } while (ga && gb);
                CHECK(a.bad == b.bad && a.p == b.p);
                stops += a.bad;
                free(copy);
            }
        }
    }
    CHECK(compared > 100000 && stops > 10000);
}

static const struct test tests[] = {
    TEST(parses_entries_and_kinds),
    TEST(git_order),
    TEST(finds_by_name),
    TEST(malformed_trees_stop),
    TEST(agrees_with_the_plain_parser),
};

HARNESS_MAIN(tests)
