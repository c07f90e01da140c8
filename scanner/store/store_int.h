/*
 * store/store_int.h - the store's state, shared by store.c and queue.c (private to store/).
 */
#ifndef SESAME_STORE_INT_H
#define SESAME_STORE_INT_H

#include <stdint.h>

#include "store/adapter.h"

struct store {
    const struct store_adapter *a;
    void *db;
    int version;
    char *rules_key;       /* the last rules key looked up, and its number */
    int64_t rules_id;
    char *qsql[16];        /* queue.c's statements in this adapter's dialect, made on first
                            * use (the PostgreSQL adapter knows a statement by its address) */
};

/* The migrations (migrations.c): [k] takes a store from schema version k to k + 1. */
extern const char *const store_migrations[];
extern const int store_n_migrations;

/* A statement's parameters: an integer; a text (NULL: SQL NULL). */
static inline struct store_val V_INT(int64_t i)
{
    struct store_val v = { SV_INT, i, NULL };
    return v;
}

static inline struct store_val V_TEXT(const char *s)
{
    struct store_val v = { s ? SV_TEXT : SV_NULL, 0, s };
    return v;
}

#endif
