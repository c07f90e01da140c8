/*
 * tests/unit/test_store.c - the audit store through its interface (store/store.h) on
 * SQLite: the file's mode, an in-place migration from version 1 that keeps the data,
 * refusing a store from a newer sesame, repositories and their ref tips, objects
 * scanned per rules key, findings with occurrences that go and come back, triage with
 * its history, the ranking of queries, and rows that make no sense being skipped.
 * test_on_postgresql runs the same scenarios on a private PostgreSQL server
 * (tests/support/pg_server.sh), with what only that adapter has: bytes that are not
 * UTF-8, PG* variables, a wrong password, a restarted and a stopped server.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "base/env.h"
#include "base/limits.h"
#include "base/status.h"

#include "base/xalloc.h"
#include "harness.h"
#include "pg_fixture.h"

/* While test_on_postgresql runs: the private server's directory (its socket is there);
 * the scenarios then work on a fresh database of it instead of a file. */
static char *pg_dir;

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void pg_admin(const char *db, const char *sql)
{
    char *url = xasprintf("postgresql:///%s?host=%s&user=postgres", db, pg_dir);
    PGconn *c = PQconnectdb(url);
    PGresult *r;
    PQsetNoticeProcessor(c, quiet, NULL);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "pg_admin: %s: %s", sql, PQerrorMessage(c));
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
    PQfinish(c);
    free(url);
}

static char *scratch(const char *name)
{
    const char *t = getenv("TMPDIR");
    if (pg_dir) {
        char *db = xstrdup(name), *sql, *url;
        for (char *c = db; *c; c++)
            if (*c == '.')
                *c = '_';
        sql = xasprintf("DROP DATABASE IF EXISTS %s", db);
        pg_admin("postgres", sql);
        free(sql);
        sql = xasprintf("CREATE DATABASE %s", db);
        pg_admin("postgres", sql);
        free(sql);
        url = xasprintf("postgresql:///%s?host=%s&user=postgres", db, pg_dir);
        free(db);
        return url;
    }
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
    if (store_is_url(p)) { /* the database goes with the server */
        free(p);
        return;
    }
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
    if (store_is_url(path)) {
        PGconn *c = PQconnectdb(path);
        PGresult *r = PQexec(c, sql);
        CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
        return;
    }
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
    CHECK(pg_dir || (stat(p, &st) == 0 && (st.st_mode & 0777) == 0600));
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
    CHECK_OK(store_commit(s));
    /* Outside a transaction (on PostgreSQL a failed statement ends the transaction it is
     * in): version 1 has no findings.regions (6), so today's writer cannot write its
     * findings, and no verifications table, so writing one fails. */
    CHECK(store_finding_put(s, &(struct store_finding){ .fingerprint = FP1, .kind = "x" },
                            100) != STATUS_OK);
    CHECK(store_verification_put(s, FP1, "live", NULL, NULL, NULL, NULL, 100) != STATUS_OK);
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
        CHECK(rows[0].senders == NULL);
    }
    store_rows_free(rows, n);
    /* schema 6: a verification's evidence and a finding's regions are kept */
    CHECK_OK(store_begin(s));
    CHECK_OK(store_finding_put(s, &(struct store_finding){ .fingerprint = FP1,
                                                            .kind = "access_key_id",
                                                            .regions = "eu-west-2,us-east-1",
                                                            .senders = "a@example.com,"
                                                                       "b@example.org" },
                               300));
    CHECK_OK(store_verification_put(s, FP1, "live", NULL, NULL, NULL, "{\"status\":\"live\"}",
                                    300));
    CHECK_OK(store_commit(s));
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STREQ(rows[0].regions, "eu-west-2,us-east-1");
        CHECK_STREQ(rows[0].senders, "a@example.com,b@example.org"); /* schema 7 */
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

/* Schema 9: an image location's "replaced" and its layer's command go in with the
 * occurrence, are updated when it is seen again, survive a refresh of git's exposure
 * (the layer, not a commit, removed it), and come back bounded: "replaced" only with a
 * removed_in, a command cut at LIMIT_STORE_LAYER_CMD however long the row's is. */
static enum status first_id(void *ctx, int64_t id, const char *blob, const char *path)
{
    (void)blob;
    if (strcmp(path, "layer/app.env") == 0)
        *(int64_t *)ctx = id;
    return STATUS_OK;
}

static const struct store_loc *loc_at(const struct store_row *r, const char *path)
{
    for (size_t i = 0; i < r->n_locs; i++)
        if (strcmp(r->locs[i].path, path) == 0)
            return &r->locs[i];
    return NULL;
}

static void test_image_location(void)
{
    static const char layer[] =
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    char *p = scratch("image.db"), *huge = xmalloc(LIMIT_STORE_LAYER_CMD + 101);
    struct store *s = NULL;
    struct store_occurrence o;
    struct store_row *rows = NULL;
    struct store_query q;
    struct store_repo r;
    const struct store_loc *l;
    bool created;
    int64_t id = 0;
    size_t n = 0;

    memset(huge, 'x', LIMIT_STORE_LAYER_CMD + 100);
    huge[LIMIT_STORE_LAYER_CMD + 100] = '\0';
    CHECK_OK(store_open(&s, p));
    CHECK_OK(store_begin(s));
    CHECK_OK(store_repo_get(s, "/srv/img", &r, true, &created));
    put_finding(s, FP1, 40, 100);
    memset(&o, 0, sizeof(o));
    o.fingerprint = FP1;
    o.repo = r.id;
    o.commit = "1111111111111111111111111111111111111111";
    o.blob = "2222222222222222222222222222222222222222";
    o.part = "access_key_id";
    o.path = "layer/app.env";
    o.removed_in = layer;
    o.replaced = false; /* first seen as a whiteout, then as replaced (below) */
    o.layer_command = "/bin/sh -c #(nop) COPY file:0 in /app.env";
    CHECK_OK(store_occurrence_put(s, &o, 1, 100));
    o.replaced = true;
    o.layer_command = "/bin/sh -c echo \x1b[31mred > /app.env";
    CHECK_OK(store_occurrence_put(s, &o, 2, 200)); /* seen again: updated */
    o.path = "layer/none.env"; /* "replaced" without the layer that replaced it */
    o.removed_in = NULL;
    o.layer_command = huge;
    CHECK_OK(store_occurrence_put(s, &o, 2, 200));
    o.path = "plain.env";
    o.replaced = false;
    o.layer_command = NULL;
    CHECK_OK(store_occurrence_put(s, &o, 2, 200));
    /* git's exposure refreshed (the tar is at HEAD): the layer's removal stays */
    CHECK_OK(store_repo_occurrences(s, r.id, first_id, &id));
    CHECK(id > 0);
    CHECK_OK(store_occurrence_exposure(s, id, true, NULL));
    CHECK_OK(store_commit(s));

    memset(&q, 0, sizeof(q));
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1 && rows[0].n_locs == 3);
    if (n == 1 && (l = loc_at(&rows[0], "layer/app.env")) != NULL) {
        CHECK(l->removed_in && strcmp(l->removed_in, layer) == 0);
        CHECK(l->replaced);
        CHECK(!l->at_head);
        CHECK(l->layer_command &&
              strcmp(l->layer_command, "/bin/sh -c echo \x1b[31mred > /app.env") == 0);
    } else {
        CHECK(!"layer/app.env read back");
    }
    if (n == 1 && (l = loc_at(&rows[0], "layer/none.env")) != NULL) {
        CHECK(!l->replaced && !l->removed_in);
        CHECK(l->layer_command && strlen(l->layer_command) == LIMIT_STORE_LAYER_CMD);
    } else {
        CHECK(!"layer/none.env read back");
    }
    if (n == 1 && (l = loc_at(&rows[0], "plain.env")) != NULL)
        CHECK(!l->replaced && !l->removed_in && !l->layer_command);
    else
        CHECK(!"plain.env read back");
    store_rows_free(rows, n);
    store_close(s);

    /* a foreign row: replaced without removed_in, a command past the bound */
    raw_sql(p, pg_dir ? "UPDATE occurrences SET replaced=7, layer_command=repeat('y', 20000)"
                        " WHERE path='plain.env'"
                      : "UPDATE occurrences SET replaced=7, layer_command=hex(zeroblob(10000))"
                        " WHERE path='plain.env'");
    CHECK_OK(store_open(&s, p));
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    if (n == 1 && (l = loc_at(&rows[0], "plain.env")) != NULL) {
        CHECK(!l->replaced);
        CHECK(l->layer_command && strlen(l->layer_command) == LIMIT_STORE_LAYER_CMD);
    } else {
        CHECK(!"plain.env read back");
    }
    store_rows_free(rows, n);
    store_repo_release(&r);
    store_close(s);
    free(huge);
    drop(p);
}

/* Text that is not UTF-8 (a file name can be any bytes) and text that starts with the
 * adapter's escape byte come back as stored; a stored value badly escaped is not
 * trusted (its row is skipped). */
static void pg_bytes_round_trip(void)
{
    static const char latin1[] = "caf\xe9/\x7f%41.env", esc[] = "\x7f" "plain.env";
    char *p = scratch("bytes.db");
    struct store_row *rows = NULL;
    struct store *s = NULL;
    struct store_query q;
    struct store_repo r;
    bool created;
    size_t n = 0;

    CHECK_OK(store_open(&s, p));
    CHECK_OK(store_begin(s));
    CHECK_OK(store_repo_get(s, "/srv/\xff", &r, true, &created));
    put_finding(s, FP1, 40, 100);
    put_occ(s, FP1, r.id, latin1, 1, 100);
    put_occ(s, FP1, r.id, esc, 1, 100);
    CHECK_OK(store_commit(s));
    memset(&q, 0, sizeof(q));
    q.repo = "/srv/\xff";
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1);
    if (n == 1) {
        CHECK(rows[0].n_locs == 2);
        CHECK(rows[0].n_repos == 1 && strcmp(rows[0].repos[0], "/srv/\xff") == 0);
        for (size_t i = 0; i < rows[0].n_locs; i++)
            CHECK(strcmp(rows[0].locs[i].path, latin1) == 0 ||
                  strcmp(rows[0].locs[i].path, esc) == 0);
    }
    store_rows_free(rows, n);
    store_close(s);
    raw_sql(p, "UPDATE occurrences SET path=chr(127) || '%ZZ' WHERE path LIKE chr(127) || '%41%'");
    CHECK_OK(store_open(&s, p));
    q.repo = NULL;
    CHECK_OK(store_findings(s, &q, &rows, &n));
    CHECK(n == 1 && rows[0].n_locs == 1);
    store_rows_free(rows, n);
    store_repo_release(&r);
    store_close(s);
    drop(p);
}

/* Connecting: PG* variables from the captured environment; a wrong password and a server
 * that is down are STATUS_NET, in one line that does not show the password; a store
 * whose server restarted reconnects at its next transaction. */
static void pg_connections(void)
{
    struct store *s = NULL;
    struct env e;
    char *url, *cmd;
    const char *pairs[] = { "PGHOST", pg_dir, "PGUSER", "pwuser", "PGPASSWORD", "right-horse",
                            "PGDATABASE", "pwdb", NULL };

    env_from_pairs(&e, pairs);
    if (store_connect(&s, "postgresql://", &e) != STATUS_OK)
        fprintf(stderr, "%s\n", status_message());
    CHECK(s != NULL);
    CHECK(s && store_schema_version(s) == store_schema_latest());
    store_close(s);
    env_release(&e);
    pairs[5] = "wrong-horse";
    env_from_pairs(&e, pairs);
    CHECK(store_connect(&s, "postgresql://", &e) == STATUS_NET);
    CHECK(s == NULL);
    CHECK(strstr(status_message(), "password authentication failed") != NULL);
    env_release(&e);
    url = xasprintf("postgres://pwuser:wrong-horse@/pwdb?host=%s", pg_dir);
    CHECK(store_connect(&s, url, NULL) == STATUS_NET);
    CHECK(strchr(status_message(), '\n') == NULL);
    CHECK(strstr(status_message(), "wrong-horse") == NULL);
    CHECK(strstr(status_message(), "pwuser:***@") != NULL);
    free(url);

    /* restarted under an open store: its next transaction reconnects */
    url = xasprintf("postgresql://pwuser:right-horse@/pwdb?host=%s", pg_dir);
    CHECK_OK(store_connect(&s, url, NULL));
    CHECK_OK(store_begin(s)); /* its statements prepared in the session the restart ends */
    put_finding(s, FP2, 10, 100);
    CHECK_OK(store_commit(s));
    cmd = xasprintf("sh tests/support/pg_server.sh restart %s", pg_dir);
    CHECK(system(cmd) == 0);
    free(cmd);
    CHECK_OK(store_begin(s));
    put_finding(s, FP2, 20, 200);
    CHECK_OK(store_commit(s));
    /* down: the next transaction fails, and so does a new connection */
    cmd = xasprintf("sh tests/support/pg_server.sh stop %s", pg_dir);
    CHECK(system(cmd) == 0);
    free(cmd);
    CHECK(store_begin(s) == STATUS_NET);
    store_close(s);
    CHECK(store_connect(&s, url, NULL) == STATUS_NET);
    CHECK(strchr(status_message(), '\n') == NULL);
    free(url);
}

/* The same scenarios on a private PostgreSQL server (started here, stopped at the end;
 * never skipped: no server is a failure). */
static void test_on_postgresql(void)
{
    pg_dir = pg_fixture_start();
    test_mode_and_version();
    test_migration_keeps_data();
    test_repos_refs_objects();
    test_gone_and_back_triage_ranking();
    test_image_location();
    pg_bytes_round_trip();
    pg_connections(); /* stops the server */
    pg_fixture_stop();
    pg_dir = NULL;
}

static const struct test tests[] = {
    TEST(test_mode_and_version),
    TEST(test_symlink_refused),
    TEST(test_migration_keeps_data),
    TEST(test_repos_refs_objects),
    TEST(test_gone_and_back_triage_ranking),
    TEST(test_image_location),
    TEST(test_on_postgresql),
};

HARNESS_MAIN(tests)
