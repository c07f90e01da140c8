/*
 * tests/unit/test_store.c - the audit store through its interface (store/store.h) on
 * SQLite: the file's mode, an in-place migration from version 1 that keeps the data,
 * refusing a store from a newer sesame, repositories and their ref tips, objects
 * scanned per rules key, findings with occurrences that go and come back, triage with
 * its history, the ranking of queries, and rows that make no sense being skipped.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/xalloc.h"
#include "harness.h"

static char *scratch(const char *name)
{
    const char *t = getenv("TMPDIR");
    char *p = xasprintf("%s/sesame-store-%ld-%s", t && *t ? t : "/tmp", (long)getpid(), name);
    char *wal = xasprintf("%s-wal", p), *shm = xasprintf("%s-shm", p);
    unlink(p);
    unlink(wal);
    unlink(shm);
    free(wal);
    free(shm);
    return p;
}

static void drop(char *p)
{
    char *wal = xasprintf("%s-wal", p), *shm = xasprintf("%s-shm", p);
    unlink(p);
    unlink(wal);
    unlink(shm);
    free(wal);
    free(shm);
    free(p);
}

/* Run SQL on the file behind the store's back (what a foreign or older file holds). */
static void raw_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static const char FP1[] = "0123456789abcdef", FP2[] = "fedcba9876543210";

static void put_finding(struct store *s, const char *fp, int risk, int64_t when)
{
    struct store_finding f;
    memset(&f, 0, sizeof(f));
    f.fingerprint = fp;
    f.kind = "access_key_id";
    f.key_id = "AKIAEXAMPLEEXAMPLE00";
    f.risk_score = risk;
    f.risk_tier = risk >= 85 ? "critical" : "medium";
    f.risk_factors = "exposure_head\t+20\tat HEAD\n";
    f.remediation = "Deactivate the key\nRotate it\n";
    CHECK_OK(store_finding_put(s, &f, when));
}

static void put_occ(struct store *s, const char *fp, int64_t repo, const char *path,
                    int64_t scan, int64_t when)
{
    struct store_occurrence o;
    memset(&o, 0, sizeof(o));
    o.fingerprint = fp;
    o.repo = repo;
    o.commit = "1111111111111111111111111111111111111111";
    o.path = path;
    o.line = 3;
    o.column = 7;
    o.blob = "2222222222222222222222222222222222222222";
    o.part = "access_key_id";
    o.rule = "aws.access_key_id";
    o.at_head = true;
    CHECK_OK(store_occurrence_put(s, &o, scan, when));
}

static void test_mode_and_version(void)
{
    char *p = scratch("mode.db");
    struct store *s = NULL;
    struct stat st;

    CHECK_OK(store_open(&s, p));
    CHECK(s && store_schema_version(s) == store_schema_latest());
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
    store_close(s);
    /* opened again: nothing to migrate, same version */
    CHECK_OK(store_open(&s, p));
    CHECK(store_schema_version(s) == store_schema_latest());
    store_close(s);
    drop(p);
}

static void test_symlink_refused(void)
{
    char *p = scratch("target.db"), *l = scratch("link.db");
    struct store *s = NULL;
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK(symlink(p, l) == 0);
    CHECK(store_open(&s, l) == STATUS_IO);
    CHECK(s == NULL);
    drop(l);
    drop(p);
}

static void test_migration_keeps_data(void)
{
    char *p = scratch("migrate.db");
    struct store *s = NULL;
    struct store_repo r;
    struct store_row *rows = NULL;
    struct store_query q;
    size_t n = 0;
    bool created;
    int64_t scan = 0;
    struct store_scan sc;

    CHECK(store_schema_latest() >= 4);
    CHECK_OK(store_open_version(&s, p, 1));
    CHECK(store_schema_version(s) == 1);
    CHECK_OK(store_begin(s));
    CHECK_OK(store_repo_get(s, "/srv/a", &r, true, &created));
    CHECK(created);
    memset(&sc, 0, sizeof(sc));
    sc.repo = r.id;
    sc.version = "t";
    sc.rules = "k";
    sc.mode = "full";
    CHECK_OK(store_scan_add(s, &sc, &scan));
    /* version 1 has no findings.regions (6): today's writer cannot write its findings */
    CHECK(store_finding_put(s, &(struct store_finding){ .fingerprint = FP1, .kind = "x" },
                            100) != STATUS_OK);
    /* version 1 has no verifications table: writing one fails */
    CHECK(store_verification_put(s, FP1, "live", NULL, NULL, NULL, NULL, 100) != STATUS_OK);
    CHECK_OK(store_commit(s));
    store_repo_release(&r);
    store_close(s);

    /* a finding as version 1 wrote it */
    raw_sql(p, "INSERT INTO findings(fingerprint, kind, key_id, risk_score, risk_tier,"
               " first_seen, last_seen) VALUES('0123456789abcdef', 'access_key_id',"
               " 'AKIAEXAMPLEEXAMPLE00', 50, 'medium', 100, 100)");

    /* an occurrence as version 1 wrote it (no shown_tail: the writer of today has it) */
    raw_sql(p, "INSERT INTO occurrences(fingerprint, repo, commit_id, path, line, col, blob,"
               " part, rule, at_head, first_seen, last_seen, last_scan) VALUES('0123456789abcdef', 1,"
               " '1111111111111111111111111111111111111111', 'a.env', 3, 7,"
               " '2222222222222222222222222222222222222222', 'access_key_id',"
               " 'aws.access_key_id', 1, 100, 100, 1)");
    /* objects scanned under version 1 (rules key in each row) */
    raw_sql(p, "INSERT INTO objects(id, rules, has_findings, scanned) VALUES"
               "('aaaa', 'key1', 0, 5), ('bbbb', 'key1', 1, 5), ('aaaa', 'key2', 0, 6)");
    CHECK_OK(store_open(&s, p)); /* 1 -> latest, in place */
    CHECK(store_schema_version(s) == store_schema_latest());
    {
        bool clean = false;
        CHECK_OK(store_object_clean(s, "aaaa", "key1", &clean));
        CHECK(clean);
        CHECK_OK(store_object_clean(s, "aaaa", "key2", &clean));
        CHECK(clean);
        CHECK_OK(store_object_clean(s, "bbbb", "key1", &clean));
        CHECK(!clean);
        CHECK_OK(store_object_clean(s, "aaaa", "key3", &clean));
        CHECK(!clean);
    }
    CHECK_OK(store_verification_put(s, FP1, "live", "123456789012", NULL, NULL, NULL, 200));
    memset(&q, 0, sizeof(q));
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STREQ(rows[0].fingerprint, FP1);
        CHECK(rows[0].n_locs == 1);
        if (rows[0].n_locs == 1) {
            CHECK_STREQ(rows[0].locs[0].path, "a.env");
            CHECK(rows[0].locs[0].shown_tail == 0);
        }
        CHECK_STREQ(rows[0].verify_status, "live");
        CHECK(rows[0].verified_at == 200);
        CHECK(rows[0].verify_evidence == NULL && rows[0].regions == NULL);
    }
    store_rows_free(rows, n);
    /* schema 6: a verification's evidence and a finding's regions are kept */
    CHECK_OK(store_begin(s));
    CHECK_OK(store_finding_put(s, &(struct store_finding){ .fingerprint = FP1,
                                                            .kind = "access_key_id",
                                                            .regions = "eu-west-2,us-east-1" },
                               300));
    CHECK_OK(store_verification_put(s, FP1, "live", NULL, NULL, NULL, "{\"status\":\"live\"}",
                                    300));
    CHECK_OK(store_commit(s));
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STREQ(rows[0].regions, "eu-west-2,us-east-1");
        CHECK_STREQ(rows[0].verify_evidence, "{\"status\":\"live\"}");
    }
    store_rows_free(rows, n);
    store_close(s);

    /* a store written by a newer sesame is refused, not damaged */
    raw_sql(p, "UPDATE schema_version SET version=999");
    CHECK(store_open(&s, p) == STATUS_CORRUPT);
    drop(p);
}

static void test_repos_refs_objects(void)
{
    char *p = scratch("repos.db");
    struct store *s = NULL;
    struct store_repo r, again;
    char head[] = "HEAD", main_ref[] = "refs/heads/main";
    char tip[] = "3333333333333333333333333333333333333333";
    struct store_ref refs[2] = { { head, tip }, { main_ref, tip } };
    bool created, clean;

    CHECK_OK(store_open(&s, p));
    CHECK_OK(store_begin(s));
    CHECK_OK(store_repo_get(s, "/srv/b", &r, true, &created));
    CHECK(created && r.n_refs == 0 && r.rules == NULL);
    CHECK_OK(store_repo_scanned(s, r.id, "key1", 500, refs, 2));
    CHECK_OK(store_object_put(s, "aaaa", "key1", false, 500));
    CHECK_OK(store_object_put(s, "bbbb", "key1", true, 500));
    CHECK_OK(store_commit(s));
    CHECK_OK(store_repo_get(s, "/srv/b", &again, true, &created));
    CHECK(!created && again.id == r.id && again.n_refs == 2 && again.last_scan == 500);
    CHECK_STREQ(again.rules, "key1");
    if (again.n_refs == 2)
        CHECK_STREQ(again.refs[1].name, "refs/heads/main");
    CHECK_OK(store_object_clean(s, "aaaa", "key1", &clean));
    CHECK(clean);
    CHECK_OK(store_object_clean(s, "bbbb", "key1", &clean)); /* it held findings */
    CHECK(!clean);
    CHECK_OK(store_object_clean(s, "aaaa", "key2", &clean)); /* other rules */
    CHECK(!clean);
    CHECK_OK(store_object_clean(s, "cccc", "key1", &clean)); /* never scanned */
    CHECK(!clean);
    store_repo_release(&r);
    store_repo_release(&again);
    store_close(s);
    /* a tip that is no commit id (a damaged or foreign file) is not used */
    raw_sql(p, "UPDATE repo_refs SET commit_id='x; rm -rf /' WHERE name='HEAD'");
    CHECK_OK(store_open(&s, p));
    CHECK_OK(store_repo_get(s, "/srv/b", &again, true, &created));
    CHECK(again.n_refs == 1);
    store_repo_release(&again);
    store_close(s);
    drop(p);
}

static void test_gone_and_back_triage_ranking(void)
{
    char *p = scratch("gone.db");
    struct store *s = NULL;
    struct store_repo r;
    struct store_row *rows = NULL;
    struct store_query q;
    size_t n = 0;
    bool created, found;
    char *old = NULL;

    CHECK_OK(store_open(&s, p));
    CHECK_OK(store_begin(s));
    CHECK_OK(store_repo_get(s, "/srv/c", &r, true, &created));
    put_finding(s, FP1, 40, 100);
    put_finding(s, FP2, 90, 100);
    put_occ(s, FP1, r.id, "a.env", 1, 100);
    put_occ(s, FP2, r.id, "b.env", 1, 100);
    /* scan 2 of the whole history sees only FP2: FP1's occurrence is gone */
    put_occ(s, FP2, r.id, "b.env", 2, 200);
    CHECK_OK(store_mark_gone(s, r.id, 2, 200));
    CHECK_OK(store_commit(s));

    memset(&q, 0, sizeof(q));
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1 && strcmp(rows[0].fingerprint, FP2) == 0);
    store_rows_free(rows, n);
    q.include_gone = true;
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 2);
    if (n == 2) {
        CHECK_STREQ(rows[0].fingerprint, FP2); /* ranked: 90 before 40 */
        CHECK_STREQ(rows[1].fingerprint, FP1);
        CHECK(rows[1].gone_since == 200 && rows[0].gone_since == 0);
        CHECK(rows[1].locs[0].gone_since == 200);
    }
    store_rows_free(rows, n);

    /* seen again (the branch came back): no longer gone */
    CHECK_OK(store_begin(s));
    put_occ(s, FP1, r.id, "a.env", 3, 300);
    CHECK_OK(store_update_gone(s, 300));
    CHECK_OK(store_commit(s));
    q.include_gone = false;
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 2);
    store_rows_free(rows, n);

    /* triage: the state changes, the history keeps every change */
    CHECK_OK(store_begin(s));
    CHECK_OK(store_triage(s, FP2, "revoked", "rotated", "alice", 400, &found, &old));
    CHECK(found);
    CHECK_STREQ(old, "open");
    free(old);
    CHECK_OK(store_triage(s, FP2, "accepted_risk", NULL, "bob", 500, &found, &old));
    free(old);
    CHECK(store_triage(s, FP2, "bogus", NULL, NULL, 600, &found, &old) == STATUS_USAGE);
    CHECK_OK(store_triage(s, "0000000000000000", "revoked", NULL, NULL, 600, &found, &old));
    CHECK(!found && old == NULL);
    CHECK_OK(store_commit(s));
    q.state = "accepted_risk";
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STREQ(rows[0].state_by, "bob");
        CHECK(rows[0].n_history == 2);
        if (rows[0].n_history == 2) {
            CHECK_STREQ(rows[0].history[0].state, "revoked");
            CHECK_STREQ(rows[0].history[0].note, "rotated");
        }
    }
    store_rows_free(rows, n);
    q.state = NULL;
    q.min_risk = 50;
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    store_rows_free(rows, n);
    q.min_risk = 0;
    q.repo = "/srv/elsewhere";
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 0);
    store_rows_free(rows, n);
    store_repo_release(&r);
    store_close(s);

    /* rows that make no sense (a foreign file) are skipped, not trusted */
    raw_sql(p, "INSERT INTO findings(fingerprint, kind, first_seen, last_seen, state) "
               "VALUES('not-a-fingerprint', 'x', 0, 0, 'open');"
               "INSERT INTO findings(fingerprint, kind, first_seen, last_seen, state) "
               "VALUES('aaaaaaaaaaaaaaaa', 'x', 0, 0, 'pwned')");
    CHECK_OK(store_open(&s, p));
    memset(&q, 0, sizeof(q));
    q.include_gone = true;
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 2);
    store_rows_free(rows, n);
    store_close(s);
    drop(p);
}

static const struct test tests[] = {
    TEST(test_mode_and_version),
    TEST(test_symlink_refused),
    TEST(test_migration_keeps_data),
    TEST(test_repos_refs_objects),
    TEST(test_gone_and_back_triage_ranking),
};

HARNESS_MAIN(tests)
