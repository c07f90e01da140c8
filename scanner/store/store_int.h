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

#endif
