/*
 * store/adapter.h - what a database adapter provides to store.c (private to store/).
 *
 * An adapter opens a connection, runs transactions and runs one SQL statement at a time
 * with typed parameters ('?' placeholders, numbered from 1 in order), handing each row to
 * a callback. The SQL is store.c's; an adapter only translates what its database spells
 * differently (the auto-numbered key type, placeholders, integer widths). Values handed to the callback
 * are valid during the call only.
 */
#ifndef SESAME_STORE_ADAPTER_H
#define SESAME_STORE_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

struct env;

enum store_type { SV_NULL = 0, SV_INT, SV_TEXT };

struct store_val {
    enum store_type t;
    int64_t i;
    const char *s;   /* SV_TEXT: NUL-terminated */
};

typedef enum status store_row_fn(void *ctx, const struct store_val *cols, size_t n);

struct store_adapter {
    const char *name;
    const char *pk;    /* column type of an auto-numbered integer primary key */
    const char *without_rowid; /* after a table keyed by its primary key alone, or "" */
    /* the work queue (store/queue.c): the database's clock in milliseconds since the
     * epoch (one clock for every worker, whatever their machines' say), and what makes
     * a claim skip the rows another transaction holds (or "") */
    const char *now_ms;
    const char *skip_locked;
    /* `env`: the captured environment (PostgreSQL's PG* variables), may be NULL */
    enum status (*open)(void **db, const char *path, const struct env *env);
    void (*close)(void *db);
    enum status (*begin)(void *db);
    enum status (*commit)(void *db);
    void (*rollback)(void *db);
    /* One statement; fn (may be NULL) gets each row; a non-OK from fn stops it. A
     * statement that fails inside a transaction may end it (PostgreSQL): roll back. */
    enum status (*exec)(void *db, const char *sql, const struct store_val *args, size_t n,
                        store_row_fn *fn, void *ctx);
    /* Several statements, no parameters (migrations). */
    enum status (*script)(void *db, const char *sql);
};

extern const struct store_adapter store_sqlite;
extern const struct store_adapter store_pg;

#endif
