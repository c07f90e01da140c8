/*
 * store/sqlite/sqlite.c - the SQLite adapter of the store (the only <sqlite3.h> user).
 *
 * The file is created with mode 0600 before SQLite opens it (its -wal and -shm files
 * take the same mode), refused if it is a symbolic link, and opened in WAL mode (readers
 * do not block the writer; a crash loses at most the transaction in flight). A store
 * file may come from elsewhere, so it is opened defensively: no trusted schema (no
 * functions or virtual tables run from views and triggers), SQLITE_DBCONFIG_DEFENSIVE.
 * Prepared statements are kept per SQL text (store.c's are static strings). libsqlite3
 * is loaded on the first open (below).
 */
#include "store/adapter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/dl.h"
#include "base/limits.h"
#include "base/xalloc.h"

/* libsqlite3 is loaded when a SQLite store is first opened (base/dl.h): linked, it cost
 * 0.8 ms of CPU at every start (a 1-line program linked to it against one that is not),
 * paid by every hook and scan, though only audits and triage open a store. The functions
 * called below are these pointers. */
#define SQ_FUNCS(X) \
    X(sqlite3_bind_int64) \
    X(sqlite3_bind_null) \
    X(sqlite3_bind_text) \
    X(sqlite3_busy_timeout) \
    X(sqlite3_clear_bindings) \
    X(sqlite3_close) \
    X(sqlite3_column_count) \
    X(sqlite3_column_int64) \
    X(sqlite3_column_text) \
    X(sqlite3_column_type) \
    X(sqlite3_db_config) \
    X(sqlite3_errcode) \
    X(sqlite3_errmsg) \
    X(sqlite3_exec) \
    X(sqlite3_finalize) \
    X(sqlite3_free) \
    X(sqlite3_get_autocommit) \
    X(sqlite3_limit) \
    X(sqlite3_open_v2) \
    X(sqlite3_prepare_v3) \
    X(sqlite3_reset) \
    X(sqlite3_step)

DL_DEFINE(sl, "libsqlite3.so.0", SQ_FUNCS)

#define sqlite3_bind_int64 (*sl.sqlite3_bind_int64)
#define sqlite3_bind_null (*sl.sqlite3_bind_null)
#define sqlite3_bind_text (*sl.sqlite3_bind_text)
#define sqlite3_busy_timeout (*sl.sqlite3_busy_timeout)
#define sqlite3_clear_bindings (*sl.sqlite3_clear_bindings)
#define sqlite3_close (*sl.sqlite3_close)
#define sqlite3_column_count (*sl.sqlite3_column_count)
#define sqlite3_column_int64 (*sl.sqlite3_column_int64)
#define sqlite3_column_text (*sl.sqlite3_column_text)
#define sqlite3_column_type (*sl.sqlite3_column_type)
#define sqlite3_db_config (*sl.sqlite3_db_config)
#define sqlite3_errcode (*sl.sqlite3_errcode)
#define sqlite3_errmsg (*sl.sqlite3_errmsg)
#define sqlite3_exec (*sl.sqlite3_exec)
#define sqlite3_finalize (*sl.sqlite3_finalize)
#define sqlite3_free (*sl.sqlite3_free)
#define sqlite3_get_autocommit (*sl.sqlite3_get_autocommit)
#define sqlite3_limit (*sl.sqlite3_limit)
#define sqlite3_open_v2 (*sl.sqlite3_open_v2)
#define sqlite3_prepare_v3 (*sl.sqlite3_prepare_v3)
#define sqlite3_reset (*sl.sqlite3_reset)
#define sqlite3_step (*sl.sqlite3_step)

struct cached {
    const char *sql;     /* store.c's static string: compared by address */
    sqlite3_stmt *stmt;
};

struct sq {
    sqlite3 *db;
    char *path;
    struct cached *cache;
    size_t n_cache;
};

static enum status sq_fail(struct sq *q, const char *what)
{
    int code = sqlite3_errcode(q->db);
    enum status st = code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? STATUS_CORRUPT
                     : code == SQLITE_TOOBIG                         ? STATUS_LIMIT
                                                                     : STATUS_IO;
    return fail(st, "store '%s': %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

static enum status sq_open(void **out, const char *path, const struct env *env)
{
    struct sq *q = xcalloc(1, sizeof(*q));
    struct stat sst;
    int fd;

    (void)env;
    *out = NULL;
    if (!sl_load()) {
        enum status st = fail(STATUS_IO, "store '%s': cannot use SQLite: %s", path, sl_lib.err);
        free(q);
        return st;
    }
    q->path = xstrdup(path);
    if (lstat(path, &sst) == 0 && S_ISLNK(sst.st_mode)) {
        enum status st = fail(STATUS_IO, "store '%s': is a symbolic link (refused)", path);
        free(q->path);
        free(q);
        return st;
    }
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        enum status st = fail(STATUS_IO, "cannot open the store '%s': %s", path, strerror(errno));
        free(q->path);
        free(q);
        return st;
    }
    close(fd);
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        enum status st = q->db ? sq_fail(q, "open")
                               : fail(STATUS_IO, "cannot open the store '%s'", path);
        sqlite3_close(q->db);
        free(q->path);
        free(q);
        return st;
    }
    (void)sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    (void)sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    (void)sqlite3_limit(q->db, SQLITE_LIMIT_LENGTH, (int)LIMIT_STORE_VALUE_BYTES);
    sqlite3_busy_timeout(q->db, 30000);
    if (sqlite3_exec(q->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK) {
        enum status st = sq_fail(q, "set up");
        sqlite3_close(q->db);
        free(q->path);
        free(q);
        return st;
    }
    *out = q;
    return STATUS_OK;
}

static void sq_close(void *db)
{
    struct sq *q = db;
    if (!q)
        return;
    for (size_t i = 0; i < q->n_cache; i++)
        sqlite3_finalize(q->cache[i].stmt);
    free(q->cache);
    sqlite3_close(q->db);
    free(q->path);
    free(q);
}

static enum status sq_script(void *db, const char *sql)
{
    struct sq *q = db;
    char *err = NULL;

    if (sqlite3_exec(q->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        enum status st = fail(STATUS_CORRUPT, "store '%s': %s", q->path, err ? err : "error");
        sqlite3_free(err);
        return st;
    }
    return STATUS_OK;
}

static enum status sq_begin(void *db)
{
    return sq_script(db, "BEGIN IMMEDIATE");
}

static enum status sq_commit(void *db)
{
    return sq_script(db, "COMMIT");
}

static void sq_rollback(void *db)
{
    struct sq *q = db;
    if (!sqlite3_get_autocommit(q->db))
        (void)sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *prepared(struct sq *q, const char *sql)
{
    sqlite3_stmt *stmt = NULL;

    for (size_t i = 0; i < q->n_cache; i++)
        if (q->cache[i].sql == sql)
            return q->cache[i].stmt;
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return NULL;
    q->cache = xrealloc(q->cache, (q->n_cache + 1) * sizeof(*q->cache));
    q->cache[q->n_cache].sql = sql;
    q->cache[q->n_cache++].stmt = stmt;
    return stmt;
}

static enum status sq_exec(void *db, const char *sql, const struct store_val *args, size_t n,
                           store_row_fn *fn, void *ctx)
{
    struct sq *q = db;
    sqlite3_stmt *stmt = prepared(q, sql);
    struct store_val cols[32];
    enum status st = STATUS_OK;
    int rc;

    if (!stmt)
        return sq_fail(q, "prepare");
    for (size_t i = 0; i < n; i++) {
        int k = (int)i + 1;
        rc = args[i].t == SV_INT    ? sqlite3_bind_int64(stmt, k, args[i].i)
             : args[i].t == SV_TEXT && args[i].s
                 ? sqlite3_bind_text(stmt, k, args[i].s, -1, SQLITE_STATIC)
                 : sqlite3_bind_null(stmt, k);
        if (rc != SQLITE_OK) {
            st = sq_fail(q, "bind");
            goto out;
        }
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int nc = sqlite3_column_count(stmt);
        if (nc > 32)
            nc = 32;
        for (int c = 0; c < nc; c++) {
            memset(&cols[c], 0, sizeof(cols[c]));
            switch (sqlite3_column_type(stmt, c)) {
            case SQLITE_INTEGER:
                cols[c].t = SV_INT;
                cols[c].i = sqlite3_column_int64(stmt, c);
                break;
            case SQLITE_NULL:
                cols[c].t = SV_NULL;
                break;
            default: /* text, and whatever else a foreign file holds, as text */
                cols[c].t = SV_TEXT;
                cols[c].s = (const char *)sqlite3_column_text(stmt, c);
                if (!cols[c].s)
                    cols[c].t = SV_NULL;
                break;
            }
        }
        if (fn && (st = fn(ctx, cols, (size_t)nc)) != STATUS_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        st = sq_fail(q, "query");
out:
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return st;
}

const struct store_adapter store_sqlite = {
    "sqlite", "INTEGER PRIMARY KEY", "WITHOUT ROWID",
    /* one writer at a time: a claim (one UPDATE) needs no row locks */
    "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)", "", sq_open, sq_close, sq_begin, sq_commit, sq_rollback,
    sq_exec, sq_script,
};
