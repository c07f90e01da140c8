/*
 * store/pg/pg.c - the PostgreSQL adapter of the store (issue 15; the only <libpq-fe.h>
 * user), so that many audit processes on many machines share one store.
 *
 * `--db postgresql://...` (or postgres://) is handed to libpq as a connection string;
 * the PG* variables libpq documents (PGHOST, PGUSER, PGPASSWORD, PGSERVICE, ...) come
 * from the environment sesame captured at start (base/env.h), given to libpq as
 * parameters that the URL overrides - the same precedence libpq gives them, without
 * reading the process environment here. A service file works as in libpq (PGSERVICE/PGSERVICEFILE or
 * ?service=). A connection that fails is reported in one line, the password never
 * shown, as STATUS_NET (exit 6).
 *
 * What PostgreSQL spells differently from the shared SQL of store.c is translated here
 * only: ?N placeholders become $N; migrations' INTEGER becomes BIGINT (PostgreSQL's
 * INTEGER has 32 bits; times, sizes and counts need 64); TEXT columns compare bytewise
 * (COLLATE "C", as SQLite does, so a listing is in the same order whatever locale the
 * database was made with); %PK% is BIGSERIAL PRIMARY KEY;
 * %NOROWID% is nothing. Text that is not valid UTF-8 (a file name can be any bytes, a
 * PostgreSQL database usually takes only UTF-8) is stored escaped: DEL (0x7f), then the
 * bytes with '%', DEL and every byte >= 0x80 as %XX; what is read back starting with DEL
 * is unescaped, so what store.c gets back is what it stored.
 *
 * Writers take one transaction-scoped advisory lock in BEGIN: one repository's results
 * are written at a time, as with SQLite's BEGIN IMMEDIATE, so two workers recording the
 * same credential never deadlock; the scans themselves (the long part) run in parallel.
 * A connection found broken outside a transaction (server restarted, a network cut, the
 * session ended by an administrator) is made again, once per statement; inside one, the
 * statement fails and the caller rolls back (that repository is reported unread and is
 * audited whole the next time).
 */
#include "store/adapter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/env.h"
#include "base/limits.h"
#include "base/dl.h"
#include "base/xalloc.h"

/* libpq is loaded when a PostgreSQL store is first opened (base/dl.h: it and its
 * dependencies cost about 2 ms of every start otherwise). The functions called below
 * are these pointers. */
#define PQ_FUNCS(X) \
    X(PQclear) \
    X(PQcmdStatus) \
    X(PQconndefaults) \
    X(PQconnectdbParams) \
    X(PQconninfoFree) \
    X(PQconninfoParse) \
    X(PQerrorMessage) \
    X(PQexec) \
    X(PQexecPrepared) \
    X(PQfinish) \
    X(PQfreemem) \
    X(PQftype) \
    X(PQgetisnull) \
    X(PQgetvalue) \
    X(PQnfields) \
    X(PQntuples) \
    X(PQprepare) \
    X(PQreset) \
    X(PQresultErrorField) \
    X(PQresultStatus) \
    X(PQsetNoticeProcessor) \
    X(PQstatus) \
    X(PQtransactionStatus)

DL_DEFINE(lp, "libpq.so.5", PQ_FUNCS)

#define PQclear (*lp.PQclear)
#define PQcmdStatus (*lp.PQcmdStatus)
#define PQconndefaults (*lp.PQconndefaults)
#define PQconnectdbParams (*lp.PQconnectdbParams)
#define PQconninfoFree (*lp.PQconninfoFree)
#define PQconninfoParse (*lp.PQconninfoParse)
#define PQerrorMessage (*lp.PQerrorMessage)
#define PQexec (*lp.PQexec)
#define PQexecPrepared (*lp.PQexecPrepared)
#define PQfinish (*lp.PQfinish)
#define PQfreemem (*lp.PQfreemem)
#define PQftype (*lp.PQftype)
#define PQgetisnull (*lp.PQgetisnull)
#define PQgetvalue (*lp.PQgetvalue)
#define PQnfields (*lp.PQnfields)
#define PQntuples (*lp.PQntuples)
#define PQprepare (*lp.PQprepare)
#define PQreset (*lp.PQreset)
#define PQresultErrorField (*lp.PQresultErrorField)
#define PQresultStatus (*lp.PQresultStatus)
#define PQsetNoticeProcessor (*lp.PQsetNoticeProcessor)
#define PQstatus (*lp.PQstatus)
#define PQtransactionStatus (*lp.PQtransactionStatus)

#define PG_MAX_COLS 32
#define PG_MAX_PARAMS 32
#define PG_ESC 0x7f
/* pg_advisory_xact_lock key of the store's writers: "sesame" in ASCII */
#define PG_WRITE_LOCK "115100115097109101"

/* PG* variable -> libpq keyword (libpq's own list, minus what needs no connection) */
static const char *const pg_env_map[][2] = {
    { "PGHOST", "host" },
    { "PGHOSTADDR", "hostaddr" },
    { "PGPORT", "port" },
    { "PGDATABASE", "dbname" },
    { "PGUSER", "user" },
    { "PGPASSWORD", "password" },
    { "PGPASSFILE", "passfile" },
    { "PGSERVICE", "service" },
    { "PGSERVICEFILE", "servicefile" },
    { "PGOPTIONS", "options" },
    { "PGAPPNAME", "application_name" },
    { "PGSSLMODE", "sslmode" },
    { "PGSSLCERT", "sslcert" },
    { "PGSSLKEY", "sslkey" },
    { "PGSSLROOTCERT", "sslrootcert" },
    { "PGSSLCRL", "sslcrl" },
    { "PGREQUIRESSL", "requiressl" },
    { "PGCHANNELBINDING", "channel_binding" },
    { "PGGSSENCMODE", "gssencmode" },
    { "PGCONNECT_TIMEOUT", "connect_timeout" },
    { "PGTARGETSESSIONATTRS", "target_session_attrs" },
};

struct cached {
    const char *sql;   /* store.c's static string: compared by address */
    char *text;        /* with $N */
    char name[24];     /* its prepared statement on this connection */
    bool prepared;     /* false again after a reconnection */
};

struct pg {
    PGconn *c;
    char *shown;       /* the target without its password, for messages */
    struct cached *cache;
    size_t n_cache;
    bool in_tx;        /* between a BEGIN and its COMMIT or ROLLBACK */
};

/* ---- messages ------------------------------------------------------------------------- */

/* The URL with the password of its user info and any password= value replaced. */
static char *shown_target(const char *url)
{
    char *s = xstrdup(url);
    char *scheme = strstr(s, "://");
    char *p;

    if (scheme) {
        char *host = scheme + 3;
        char *end = host + strcspn(host, "/?");
        char *at = memchr(host, '@', (size_t)(end - host));
        char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
        if (colon) {
            char *t = xasprintf("%.*s:***%s", (int)(colon - s), s, at);
            free(s);
            s = t;
        }
    }
    while ((p = strstr(s, "password=")) && strncmp(p + 9, "***", 3) != 0) {
        size_t keep = (size_t)(p - s) + 9;
        char *rest = p + 9 + strcspn(p + 9, "& ");
        char *t = xasprintf("%.*s***%s", (int)keep, s, rest);
        free(s);
        s = t;
    }
    return s;
}

/* libpq's message on one line: newlines and tabs become spaces, trailing ones dropped. */
static const char *one_line(char *m)
{
    size_t n;
    for (char *p = m; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    n = strlen(m);
    while (n && m[n - 1] == ' ')
        m[--n] = '\0';
    return m;
}

static enum status conn_fail(struct pg *q, const char *what)
{
    char *m = xstrdup(q->c ? PQerrorMessage(q->c) : "out of memory");
    enum status st = fail(STATUS_NET, "store '%s': %s: %s", q->shown, what, one_line(m));
    free(m);
    return st;
}

/* A failed statement: connection classes (08, 57P) are STATUS_NET, bad data
 * (22) STATUS_CORRUPT, the rest STATUS_IO. */
static enum status res_fail(struct pg *q, PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char *m = xstrdup(primary ? primary : PQerrorMessage(q->c));
    enum status st = STATUS_IO;

    if (!state || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        PQstatus(q->c) == CONNECTION_BAD)
        st = STATUS_NET;
    else if (strncmp(state, "22", 2) == 0)
        st = STATUS_CORRUPT;
    else if (strcmp(state, "54000") == 0)
        st = STATUS_LIMIT;
    st = fail(st, "store '%s': %s: %s", q->shown, what, one_line(m));
    free(m);
    PQclear(r);
    return st;
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "relation ... already exists, skipping" and the like */
}

/* ---- open and close ------------------------------------------------------------------- */

/* Does this libpq know the keyword? (servicefile is new in libpq 16; an older one reads
 * PGSERVICEFILE from the process environment itself.) */
static bool known(const PQconninfoOption *defaults, const char *keyword)
{
    for (const PQconninfoOption *o = defaults; o && o->keyword; o++)
        if (strcmp(o->keyword, keyword) == 0)
            return true;
    return false;
}

static bool named_in(const PQconninfoOption *url, const char *keyword)
{
    for (const PQconninfoOption *o = url; o && o->keyword; o++)
        if (o->val && strcmp(o->keyword, keyword) == 0)
            return true;
    return false;
}

static enum status pg_open(void **out, const char *path, const struct env *env)
{
    enum { MAX_KEYS = 128 };
    struct pg *q = xcalloc(1, sizeof(*q));
    const char *keys[MAX_KEYS + 1], *vals[MAX_KEYS + 1];
    size_t n = 0;
    char *err = NULL;
    PQconninfoOption *url, *defaults;
    PGresult *r;

    *out = NULL;
    q->shown = shown_target(path);
    if (!lp_load()) {
        enum status st = fail(STATUS_IO, "store '%s': cannot use libpq: %s", q->shown,
                              lp_lib.err);
        free(q->shown);
        free(q);
        return st;
    }
    url = PQconninfoParse(path, &err);
    if (!url) {
        char *m = xstrdup(err ? err : "cannot parse it");
        enum status st = fail(STATUS_USAGE, "store '%s': %s", q->shown, one_line(m));
        free(m);
        PQfreemem(err);
        free(q->shown);
        free(q);
        return st;
    }
    /* what the URL names wins over the environment, which wins over our defaults */
    if (!named_in(url, "connect_timeout")) {
        keys[n] = "connect_timeout";
        vals[n++] = "10";
    }
    if (!named_in(url, "application_name")) {
        keys[n] = "application_name";
        vals[n++] = "sesame";
    }
    defaults = PQconndefaults();
    for (size_t i = 0; i < sizeof(pg_env_map) / sizeof(pg_env_map[0]); i++) {
        const char *v = env_get(env, pg_env_map[i][0]);
        if (v && !named_in(url, pg_env_map[i][1]) && known(defaults, pg_env_map[i][1]) &&
            n < MAX_KEYS) {
            keys[n] = pg_env_map[i][1];
            vals[n++] = v;
        }
    }
    for (const PQconninfoOption *o = url; o->keyword && n < MAX_KEYS; o++)
        if (o->val) {
            keys[n] = o->keyword;
            vals[n++] = o->val;
        }
    keys[n] = NULL;
    vals[n] = NULL;
    q->c = PQconnectdbParams(keys, vals, 0);
    PQconninfoFree(url);
    PQconninfoFree(defaults);
    if (!q->c || PQstatus(q->c) != CONNECTION_OK) {
        enum status st = conn_fail(q, "cannot connect");
        PQfinish(q->c);
        free(q->shown);
        free(q);
        return st;
    }
    PQsetNoticeProcessor(q->c, quiet_notices, NULL);
    r = PQexec(q->c, "SET client_encoding TO 'UTF8'; SET client_min_messages TO warning");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        enum status st = res_fail(q, r, "set up");
        PQfinish(q->c);
        free(q->shown);
        free(q);
        return st;
    }
    PQclear(r);
    *out = q;
    return STATUS_OK;
}

static void pg_close(void *db)
{
    struct pg *q = db;
    if (!q)
        return;
    for (size_t i = 0; i < q->n_cache; i++)
        free(q->cache[i].text);
    free(q->cache);
    PQfinish(q->c);
    free(q->shown);
    free(q);
}

/* ---- the dialect ---------------------------------------------------------------------- */

static bool word_char(char c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Is the word `w` (alone, not part of a longer name) at p? */
static bool word_at(const char *p, const char *start, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && !word_char(p[n]) && (p == start || !word_char(p[-1]));
}

/* store.c's SQL in PostgreSQL's spelling: ?N -> $N, and in scripts INTEGER -> BIGINT
 * and TEXT -> TEXT COLLATE "C" (bytewise, as SQLite compares: the same order whatever
 * the database's locale); nothing inside a quoted literal changes. */
static char *translate(const char *sql, bool script)
{
    size_t cap = strlen(sql) * 2 + 1, n = 0;
    char *out = xmalloc(cap);
    bool quoted = false;

    for (const char *p = sql; *p; p++) {
        if (n + 20 > cap) {
            cap *= 2;
            out = xrealloc(out, cap);
        }
        if (*p == '\'')
            quoted = !quoted;
        if (!quoted && *p == '?') {
            out[n++] = '$';
        } else if (!quoted && script && word_at(p, sql, "INTEGER")) {
            memcpy(out + n, "BIGINT", 6);
            n += 6;
            p += strlen("INTEGER") - 1;
        } else if (!quoted && script && word_at(p, sql, "TEXT")) {
            memcpy(out + n, "TEXT COLLATE \"C\"", 16);
            n += 16;
            p += strlen("TEXT") - 1;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

/* The statement of `sql` on this connection, prepared on first use (one parse and plan
 * per statement, not per call: a repository writes one row per object it read). The
 * parameter types are stable per statement: store.c's integers are always int8, its
 * texts (and NULLs, which are texts) always text. */
static enum status statement(struct pg *q, const char *sql, const Oid *types, size_t n,
                             const char **name)
{
    struct cached *c = NULL;
    PGresult *r;

    for (size_t i = 0; i < q->n_cache && !c; i++)
        if (q->cache[i].sql == sql)
            c = &q->cache[i];
    if (!c) {
        q->cache = xrealloc(q->cache, (q->n_cache + 1) * sizeof(*q->cache));
        c = &q->cache[q->n_cache];
        c->sql = sql;
        c->text = translate(sql, false);
        snprintf(c->name, sizeof(c->name), "sesame_%zu", q->n_cache++);
        c->prepared = false;
    }
    if (!c->prepared) {
        r = PQprepare(q->c, c->name, c->text, (int)n, types);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return res_fail(q, r, "prepare");
        PQclear(r);
        c->prepared = true;
    }
    *name = c->name;
    return STATUS_OK;
}

static bool valid_utf8(const unsigned char *s)
{
    while (*s) {
        size_t len = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3
                                 : (*s & 0xf8) == 0xf0 ? 4 : 0;
        unsigned cp;
        if (!len)
            return false;
        cp = len == 1 ? *s : *s & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += len;
    }
    return true;
}

/* A text value as stored: itself, or escaped (see the top of the file). */
static char *encode_text(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    char *out, *o;

    if (u[0] != PG_ESC && valid_utf8(u))
        return NULL;
    out = o = xmalloc(strlen(s) * 3 + 2);
    *o++ = (char)PG_ESC;
    for (; *u; u++) {
        if (*u == '%' || *u >= 0x7f) {
            *o++ = '%';
            *o++ = hex[*u >> 4];
            *o++ = hex[*u & 15];
        } else {
            *o++ = (char)*u;
        }
    }
    *o = '\0';
    return out;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* An escaped value back to its bytes, in place; false when it is not well formed. */
static bool decode_text(char *s)
{
    char *o = s;
    for (const char *p = s + 1; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        if (hexval(p[1]) < 0 || hexval(p[2]) < 0 || (hexval(p[1]) == 0 && hexval(p[2]) == 0))
            return false;
        *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
        p += 2;
    }
    *o = '\0';
    return true;
}

/* ---- statements ----------------------------------------------------------------------- */

static enum status pg_script(void *db, const char *sql)
{
    struct pg *q = db;
    char *text = translate(sql, true);
    PGresult *r = PQexec(q->c, text);
    free(text);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        return res_fail(q, r, "schema");
    PQclear(r);
    return STATUS_OK;
}

/* Connect again after the server went away (restarted, or a network cut): only where no
 * transaction is open, so that nothing written can be lost or written twice. */
static enum status reconnect(struct pg *q)
{
    PQreset(q->c);
    for (size_t i = 0; i < q->n_cache; i++) /* a new session has none of them */
        q->cache[i].prepared = false;
    if (PQstatus(q->c) != CONNECTION_OK)
        return conn_fail(q, "cannot reconnect");
    PQsetNoticeProcessor(q->c, quiet_notices, NULL);
    return pg_script(q, "SET client_encoding TO 'UTF8'; SET client_min_messages TO warning");
}

static enum status pg_begin(void *db)
{
    static const char begin[] = "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")";
    struct pg *q = db;
    enum status st = STATUS_NET;

    if (PQstatus(q->c) != CONNECTION_OK || (st = pg_script(db, begin)) != STATUS_OK) {
        /* a transaction is only starting: connecting again (once) loses nothing */
        if (PQstatus(q->c) == CONNECTION_OK)
            return st;
        if ((st = reconnect(q)) != STATUS_OK || (st = pg_script(db, begin)) != STATUS_OK)
            return st;
    }
    q->in_tx = true;
    return STATUS_OK;
}

static enum status pg_commit(void *db)
{
    struct pg *q = db;
    PGresult *r = PQexec(q->c, "COMMIT");
    q->in_tx = false;
    /* COMMIT of a failed transaction "succeeds" as ROLLBACK */
    if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            return fail(STATUS_IO, "store '%s': the transaction failed and was rolled back",
                        q->shown);
        }
        return res_fail(q, r, "commit");
    }
    PQclear(r);
    return STATUS_OK;
}

static void pg_rollback(void *db)
{
    struct pg *q = db;
    q->in_tx = false;
    if (PQstatus(q->c) == CONNECTION_OK && PQtransactionStatus(q->c) != PQTRANS_IDLE)
        PQclear(PQexec(q->c, "ROLLBACK"));
}

/* One value of a result row; one that makes no sense (an integer that does not parse,
 * a badly escaped text) is handed on as NULL, for store.c's checks to skip the row. */
static void column(PGresult *r, int row, int c, struct store_val *v)
{
    char *s = PQgetvalue(r, row, c);
    Oid t = PQftype(r, c);

    memset(v, 0, sizeof(*v));
    if (PQgetisnull(r, row, c))
        return;
    if (t == 20 || t == 21 || t == 23) { /* int8, int2, int4 */
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return;
        v->t = SV_INT;
        v->i = x;
        return;
    }
    if ((unsigned char)s[0] == PG_ESC && !decode_text(s))
        return;
    v->t = SV_TEXT;
    v->s = s;
}

static enum status pg_exec(void *db, const char *sql, const struct store_val *args, size_t n,
                           store_row_fn *fn, void *ctx)
{
    struct pg *q = db;
    Oid types[PG_MAX_PARAMS];
    const char *vals[PG_MAX_PARAMS];
    char nums[PG_MAX_PARAMS][24];
    char *esc[PG_MAX_PARAMS];
    struct store_val cols[PG_MAX_COLS];
    enum status st = STATUS_OK;
    const char *name = NULL;
    PGresult *r;
    int rows, nc;

    if (n > PG_MAX_PARAMS)
        return fail(STATUS_BUG, "store: %zu parameters", n);
    /* outside a transaction (a look-up before a repository's scan), a connection lost
     * since the last statement is made again */
    if (!q->in_tx && PQstatus(q->c) == CONNECTION_BAD && (st = reconnect(q)) != STATUS_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        esc[i] = NULL;
        if (args[i].t == SV_INT) {
            types[i] = 20; /* int8 */
            snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)args[i].i);
            vals[i] = nums[i];
        } else if (args[i].t == SV_TEXT && args[i].s) {
            types[i] = 25; /* text */
            esc[i] = encode_text(args[i].s);
            vals[i] = esc[i] ? esc[i] : args[i].s;
        } else {
            types[i] = 25; /* store.c's NULLs are text (V_TEXT(NULL)) */
            vals[i] = NULL;
        }
    }
    if ((st = statement(q, sql, types, n, &name)) != STATUS_OK) {
        for (size_t i = 0; i < n; i++)
            free(esc[i]);
        return st;
    }
    r = PQexecPrepared(q->c, name, (int)n, vals, NULL, NULL, 0);
    for (size_t i = 0; i < n; i++)
        free(esc[i]);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        return res_fail(q, r, "query");
    rows = PQntuples(r);
    nc = PQnfields(r);
    if (nc > PG_MAX_COLS)
        nc = PG_MAX_COLS;
    for (int i = 0; fn && i < rows && st == STATUS_OK; i++) {
        for (int c = 0; c < nc; c++)
            column(r, i, c, &cols[c]);
        st = fn(ctx, cols, (size_t)nc);
    }
    PQclear(r);
    return st;
}

const struct store_adapter store_pg = {
    "postgresql", "BIGSERIAL PRIMARY KEY", "",
    "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT", " FOR UPDATE SKIP LOCKED", pg_open, pg_close, pg_begin, pg_commit,
    pg_rollback, pg_exec, pg_script,
};
