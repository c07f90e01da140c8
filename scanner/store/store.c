/*
 * store/store.c - the store's operations and schema upgrades, over an adapter.
 *
 * The migrations are data (store/migrations.c): store_open runs the missing ones in one
 * transaction, so a store is at one version or the next, never in between; a store
 * written by a newer sesame is refused.
 * Statements use ?N placeholders (SQLite takes them; the PostgreSQL adapter spells them
 * $N). Everything read back is checked before it is handed on (store.h).
 */
#include "store/store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"

#include "store/store_int.h"

#define N_MIGRATIONS store_n_migrations

int store_schema_latest(void)
{
    return N_MIGRATIONS;
}

int store_schema_version(const struct store *s)
{
    return s->version;
}

/* ---- values ---------------------------------------------------------------------------- */


static char *col_str(const struct store_val *v)
{
    if (v->t == SV_TEXT)
        return xstrdup(v->s);
    if (v->t == SV_INT)
        return xasprintf("%lld", (long long)v->i);
    return NULL;
}

static int64_t col_int(const struct store_val *v)
{
    return v->t == SV_INT ? v->i : 0;
}

static bool is_hex(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static enum status exec(struct store *s, const char *sql, const struct store_val *args, size_t n,
                        store_row_fn *fn, void *ctx)
{
    return s->a->exec(s->db, sql, args, n, fn, ctx);
}

/* The first column of a row, if it is an integer (NULL leaves *ctx as it was). */
static enum status one_int(void *ctx, const struct store_val *c, size_t n)
{
    if (n >= 1 && c[0].t == SV_INT)
        *(int64_t *)ctx = c[0].i;
    return STATUS_OK;
}

/* ---- open, migrate, transactions ------------------------------------------------------- */

static char *with_pk(const char *sql, const char *pk);

/* A migration in the adapter's dialect: %PK% and %NOROWID%. */
static char *dialect(const char *sql, const struct store_adapter *a)
{
    char *one = with_pk(sql, a->pk);
    char *two;
    char *hit = strstr(one, "%NOROWID%");
    if (!hit)
        return one;
    *hit = '\0';
    two = xasprintf("%s%s%s", one, a->without_rowid, hit + strlen("%NOROWID%"));
    free(one);
    return two;
}

static char *with_pk(const char *sql, const char *pk)
{
    struct {
        char *s;
        size_t n, cap;
    } b = { NULL, 0, 0 };

    for (const char *p = sql; *p;) {
        const char *hit = strstr(p, "%PK%");
        size_t len = hit ? (size_t)(hit - p) : strlen(p);
        size_t add = len + (hit ? strlen(pk) : 0);
        XGROW(b.s, b.cap, b.n + add + 1);
        memcpy(b.s + b.n, p, len);
        b.n += len;
        if (hit) {
            memcpy(b.s + b.n, pk, strlen(pk));
            b.n += strlen(pk);
        }
        b.s[b.n] = '\0';
        p = hit ? hit + 4 : p + len;
    }
    return b.s ? b.s : xstrdup("");
}

static const char Q_VERSION[] = "SELECT MAX(version) FROM schema_version";
static const char Q_SET_VERSION[] = "UPDATE schema_version SET version=?1";
static const char Q_INIT_VERSION[] = "INSERT INTO schema_version(version) VALUES(0)";

static enum status migrate(struct store *s, int upto)
{
    int64_t v = -1;
    enum status st;

    /* A store already at this version needs no DDL: a role that may only read and write
     * the tables (a fleet's workers: docs/fleet.md) uses it without CREATE rights, which
     * even CREATE TABLE IF NOT EXISTS asks for. A missing table fails this look-up alone
     * (outside a transaction) and the migration below makes it. */
    if (exec(s, Q_VERSION, NULL, 0, one_int, &v) == STATUS_OK && v == upto) {
        s->version = (int)v;
        return STATUS_OK;
    }
    v = -1;
    if ((st = s->a->begin(s->db)) != STATUS_OK)
        return st;
    if ((st = s->a->script(s->db, "CREATE TABLE IF NOT EXISTS schema_version("
                                  "version INTEGER NOT NULL)")) != STATUS_OK ||
        (st = exec(s, Q_VERSION, NULL, 0, one_int, &v)) != STATUS_OK)
        goto fail;
    if (v < 0 && (v = 0, st = exec(s, Q_INIT_VERSION, NULL, 0, NULL, NULL)) != STATUS_OK)
        goto fail;
    if (v > N_MIGRATIONS) {
        st = fail(STATUS_CORRUPT, "the store is at schema version %lld, written by a newer "
                                  "sesame (this one knows %d)", (long long)v, N_MIGRATIONS);
        goto fail;
    }
    for (int k = (int)v; k < upto && k < N_MIGRATIONS; k++) {
        char *sql = dialect(store_migrations[k], s->a);
        struct store_val to = V_INT(k + 1);
        st = s->a->script(s->db, sql);
        free(sql);
        if (st != STATUS_OK || (st = exec(s, Q_SET_VERSION, &to, 1, NULL, NULL)) != STATUS_OK)
            goto fail;
        v = k + 1;
    }
    s->version = (int)v;
    return s->a->commit(s->db);
fail:
    s->a->rollback(s->db);
    return st;
}

bool store_is_url(const char *target)
{
    return target && (strncmp(target, "postgresql://", 13) == 0 ||
                      strncmp(target, "postgres://", 11) == 0);
}

enum status store_connect_version(struct store **out, const char *target,
                                  const struct env *env, int version)
{
    struct store *s = xcalloc(1, sizeof(*s));
    enum status st;

    *out = NULL;
    s->a = store_is_url(target) ? &store_pg : &store_sqlite;
    if ((st = s->a->open(&s->db, target, env)) != STATUS_OK) {
        free(s);
        return st;
    }
    if ((st = migrate(s, version)) != STATUS_OK) {
        store_close(s);
        return st;
    }
    *out = s;
    return STATUS_OK;
}

enum status store_connect(struct store **out, const char *target, const struct env *env)
{
    return store_connect_version(out, target, env, N_MIGRATIONS);
}

enum status store_open_version(struct store **out, const char *path, int version)
{
    return store_connect_version(out, path, NULL, version);
}

enum status store_open(struct store **out, const char *path)
{
    return store_connect_version(out, path, NULL, N_MIGRATIONS);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < sizeof(s->qsql) / sizeof(s->qsql[0]); i++)
        free(s->qsql[i]);
    s->a->close(s->db);
    free(s->rules_key);
    free(s);
}

enum status store_begin(struct store *s)
{
    return s->a->begin(s->db);
}

enum status store_commit(struct store *s)
{
    return s->a->commit(s->db);
}

void store_rollback(struct store *s)
{
    s->a->rollback(s->db);
    free(s->rules_key); /* its number may have been made in what was rolled back */
    s->rules_key = NULL;
}

/* ---- repositories and scans ---------------------------------------------------------- */

static const char Q_REPO_GET[] = "SELECT id, rules, last_scan FROM repositories WHERE url=?1";
static const char Q_REPO_ADD[] = "INSERT INTO repositories(url) VALUES(?1) RETURNING id";
static const char Q_REFS_GET[] =
    "SELECT name, commit_id FROM repo_refs WHERE repo=?1 ORDER BY name";
static const char Q_REFS_DEL[] = "DELETE FROM repo_refs WHERE repo=?1";
static const char Q_REF_ADD[] =
    "INSERT INTO repo_refs(repo, name, commit_id) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(repo, name) DO UPDATE SET commit_id=excluded.commit_id";
static const char Q_REPO_SCANNED[] =
    "UPDATE repositories SET rules=?2, last_scan=?3 WHERE id=?1";
static const char Q_SCAN_ADD[] =
    "INSERT INTO scans(repo, started, ended, version, rules, mode, commits, objects_read,"
    " objects_skipped, bytes, findings, complete) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, ?12) RETURNING id";

static enum status repo_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_repo *r = ctx;
    if (n < 3)
        return STATUS_OK;
    r->id = col_int(&c[0]);
    free(r->rules);
    r->rules = col_str(&c[1]);
    r->last_scan = col_int(&c[2]);
    return STATUS_OK;
}

static enum status ref_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_repo *r = ctx;
    /* a stored tip that is no commit id is not used (a foreign or damaged store) */
    if (n < 2 || c[0].t != SV_TEXT || c[1].t != SV_TEXT || !is_hex(c[1].s, 40)) {
        log_warn("store: repository %lld: a ref tip that is no commit id is ignored",
                 (long long)r->id);
        return STATUS_OK;
    }
    if (r->n_refs >= LIMIT_STORE_ROWS)
        return fail(STATUS_LIMIT, "store: more than %u refs for one repository",
                    LIMIT_STORE_ROWS);
    r->refs = xrealloc(r->refs, (r->n_refs + 1) * sizeof(*r->refs));
    r->refs[r->n_refs].name = xstrdup(c[0].s);
    r->refs[r->n_refs++].commit = xstrdup(c[1].s);
    return STATUS_OK;
}

enum status store_repo_get(struct store *s, const char *url, struct store_repo *out, bool create,
                           bool *created)
{
    struct store_val u = V_TEXT(url);
    enum status st;

    memset(out, 0, sizeof(*out));
    *created = false;
    out->id = -1;
    if ((st = exec(s, Q_REPO_GET, &u, 1, repo_row, out)) != STATUS_OK)
        return st;
    if (out->id < 0 && !create) {
        /* nothing */
    } else if (out->id < 0) {
        *created = true;
        out->rules = NULL;
        if ((st = exec(s, Q_REPO_ADD, &u, 1, one_int, &out->id)) != STATUS_OK)
            return st;
    } else {
        struct store_val id = V_INT(out->id);
        if ((st = exec(s, Q_REFS_GET, &id, 1, ref_row, out)) != STATUS_OK)
            return st;
    }
    out->url = xstrdup(url);
    return STATUS_OK;
}

void store_repo_release(struct store_repo *r)
{
    for (size_t i = 0; i < r->n_refs; i++) {
        free(r->refs[i].name);
        free(r->refs[i].commit);
    }
    free(r->refs);
    free(r->url);
    free(r->rules);
    memset(r, 0, sizeof(*r));
}

enum status store_repo_scanned(struct store *s, int64_t repo, const char *rules, int64_t when,
                               const struct store_ref *refs, size_t n)
{
    struct store_val a[3] = { V_INT(repo), V_TEXT(rules), V_INT(when) };
    enum status st;

    if ((st = exec(s, Q_REFS_DEL, a, 1, NULL, NULL)) != STATUS_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        struct store_val r[3] = { V_INT(repo), V_TEXT(refs[i].name), V_TEXT(refs[i].commit) };
        if ((st = exec(s, Q_REF_ADD, r, 3, NULL, NULL)) != STATUS_OK)
            return st;
    }
    return exec(s, Q_REPO_SCANNED, a, 3, NULL, NULL);
}

enum status store_scan_add(struct store *s, const struct store_scan *sc, int64_t *id)
{
    struct store_val a[12] = {
        V_INT(sc->repo),           V_INT(sc->started),
        V_INT(sc->ended),          V_TEXT(sc->version),
        V_TEXT(sc->rules),         V_TEXT(sc->mode),
        V_INT((int64_t)sc->commits), V_INT((int64_t)sc->objects_read),
        V_INT((int64_t)sc->objects_skipped), V_INT((int64_t)sc->bytes),
        V_INT((int64_t)sc->findings), V_INT(sc->complete),
    };
    *id = -1;
    return exec(s, Q_SCAN_ADD, a, 12, one_int, id);
}

/* ---- objects -------------------------------------------------------------------------- */

static const char Q_RULES_GET[] = "SELECT id FROM rules_keys WHERE key=?1";
static const char Q_RULES_ADD[] =
    "INSERT INTO rules_keys(key) VALUES(?1) ON CONFLICT(key) DO NOTHING";
static const char Q_OBJ_GET[] = "SELECT has_findings FROM objects WHERE id=?1 AND rules=?2";
static const char Q_OBJ_PUT[] =
    "INSERT INTO objects(id, rules, has_findings, scanned) VALUES(?1, ?2, ?3, ?4) "
    "ON CONFLICT(id, rules) DO UPDATE SET has_findings=excluded.has_findings,"
    " scanned=excluded.scanned";

/* The number of a rules key (made when `add` and new; -1 when unknown and not added). */
static enum status rules_id(struct store *s, const char *key, bool add, int64_t *id)
{
    struct store_val k = V_TEXT(key);
    enum status st;

    if (s->rules_key && strcmp(s->rules_key, key) == 0) {
        *id = s->rules_id;
        return STATUS_OK;
    }
    *id = -1;
    if ((st = exec(s, Q_RULES_GET, &k, 1, one_int, id)) != STATUS_OK)
        return st;
    if (*id < 0 && add &&
        ((st = exec(s, Q_RULES_ADD, &k, 1, NULL, NULL)) != STATUS_OK ||
         (st = exec(s, Q_RULES_GET, &k, 1, one_int, id)) != STATUS_OK))
        return st;
    if (*id >= 0) {
        free(s->rules_key);
        s->rules_key = xstrdup(key);
        s->rules_id = *id;
    }
    return STATUS_OK;
}

enum status store_object_clean(struct store *s, const char *id, const char *rules, bool *clean)
{
    int64_t has = -1, rid;
    enum status st = rules_id(s, rules, false, &rid);
    struct store_val a[2] = { V_TEXT(id), V_INT(rid) };

    if (st == STATUS_OK && rid >= 0)
        st = exec(s, Q_OBJ_GET, a, 2, one_int, &has);
    *clean = st == STATUS_OK && has == 0;
    return st;
}

enum status store_object_put(struct store *s, const char *id, const char *rules,
                             bool has_findings, int64_t when)
{
    int64_t rid;
    enum status st = rules_id(s, rules, true, &rid);
    struct store_val a[4] = { V_TEXT(id), V_INT(rid), V_INT(has_findings), V_INT(when) };
    return st != STATUS_OK ? st : exec(s, Q_OBJ_PUT, a, 4, NULL, NULL);
}

/* ---- findings ------------------------------------------------------------------------ */

static const char Q_FINDING_PUT[] =
    "INSERT INTO findings(fingerprint, kind, key_id, key_type, account_id, confidence, rules,"
    " risk_score, risk_tier, risk_factors, remediation, first_seen, last_seen, regions,"
    " senders) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14) "
    "ON CONFLICT(fingerprint) DO UPDATE SET kind=excluded.kind, key_id=excluded.key_id,"
    " key_type=excluded.key_type, account_id=excluded.account_id,"
    " confidence=excluded.confidence, rules=excluded.rules, risk_score=excluded.risk_score,"
    " risk_tier=excluded.risk_tier, risk_factors=excluded.risk_factors,"
    " remediation=excluded.remediation, last_seen=excluded.last_seen,"
    " regions=excluded.regions, senders=excluded.senders";
static const char Q_PART_PUT[] =
    "INSERT INTO parts(fingerprint, kind, sha256, redacted, sealed) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(fingerprint, kind, sha256) DO UPDATE SET sealed=excluded.sealed"
    " WHERE excluded.sealed IS NOT NULL";
static const char Q_SEALED[] =
    "SELECT kind, sha256, sealed FROM parts WHERE fingerprint=?1 AND sealed IS NOT NULL"
    " ORDER BY kind, sha256";
static const char Q_OCC_PUT[] =
    "INSERT INTO occurrences(fingerprint, repo, commit_id, path, line, col, blob, part, rule,"
    " commit_time, author, removed_in, at_head, first_seen, last_seen, last_scan, shown_tail,"
    " replaced, layer_command) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
    " ?14, ?14, ?15, ?16, ?17, ?18) "
    "ON CONFLICT(fingerprint, repo, commit_id, path, line, col, part, blob) DO UPDATE SET"
    " last_seen=excluded.last_seen, last_scan=excluded.last_scan, gone_since=NULL,"
    " removed_in=excluded.removed_in, at_head=excluded.at_head, replaced=excluded.replaced,"
    " layer_command=excluded.layer_command";
static const char Q_OCC_GONE[] =
    "UPDATE occurrences SET gone_since=?3 WHERE repo=?1 AND last_scan<>?2 AND gone_since IS NULL";
static const char Q_FINDINGS_GONE[] =
    "UPDATE findings SET gone_since=?1 WHERE gone_since IS NULL AND NOT EXISTS"
    " (SELECT 1 FROM occurrences o WHERE o.fingerprint=findings.fingerprint"
    " AND o.gone_since IS NULL)";
static const char Q_FINDINGS_BACK[] =
    "UPDATE findings SET gone_since=NULL WHERE gone_since IS NOT NULL AND EXISTS"
    " (SELECT 1 FROM occurrences o WHERE o.fingerprint=findings.fingerprint"
    " AND o.gone_since IS NULL)";
static const char Q_VERIFY_PUT[] =
    "INSERT INTO verifications(fingerprint, status, account, arn, detail, at, evidence)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";

enum status store_finding_put(struct store *s, const struct store_finding *f, int64_t when)
{
    struct store_val a[14] = {
        V_TEXT(f->fingerprint), V_TEXT(f->kind),       V_TEXT(f->key_id),
        V_TEXT(f->key_type),    V_TEXT(f->account_id), V_TEXT(f->confidence),
        V_TEXT(f->rules),       V_INT(f->risk_score),  V_TEXT(f->risk_tier),
        V_TEXT(f->risk_factors), V_TEXT(f->remediation), V_INT(when),
        V_TEXT(f->regions),     V_TEXT(f->senders),
    };
    return exec(s, Q_FINDING_PUT, a, 14, NULL, NULL);
}

enum status store_part_put(struct store *s, const char *fingerprint, const char *kind,
                           const char *sha256, const char *redacted, const char *sealed)
{
    struct store_val a[5] = { V_TEXT(fingerprint), V_TEXT(kind), V_TEXT(sha256),
                              V_TEXT(redacted), V_TEXT(sealed) };
    return exec(s, Q_PART_PUT, a, 5, NULL, NULL);
}

struct sealed_rows {
    struct store_sealed *v;
    size_t n;
};

static enum status sealed_row(void *ctx, const struct store_val *c, size_t n)
{
    struct sealed_rows *r = ctx;
    if (n < 3 || c[0].t != SV_TEXT || c[1].t != SV_TEXT || c[2].t != SV_TEXT ||
        !is_hex(c[1].s, 64) || r->n >= 4096)
        return STATUS_OK;
    r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
    r->v[r->n].kind = xstrdup(c[0].s);
    r->v[r->n].sha256 = xstrdup(c[1].s);
    r->v[r->n++].sealed = xstrdup(c[2].s);
    return STATUS_OK;
}

enum status store_sealed_parts(struct store *s, const char *fingerprint,
                               struct store_sealed **out, size_t *n)
{
    struct store_val fp = V_TEXT(fingerprint);
    struct sealed_rows r = { NULL, 0 };
    enum status st = exec(s, Q_SEALED, &fp, 1, sealed_row, &r);
    *out = r.v;
    *n = r.n;
    return st;
}

void store_sealed_free(struct store_sealed *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].kind);
        free(v[i].sha256);
        free(v[i].sealed);
    }
    free(v);
}

enum status store_occurrence_put(struct store *s, const struct store_occurrence *o, int64_t scan,
                                 int64_t when)
{
    char *cmd = o->layer_command && strlen(o->layer_command) > LIMIT_STORE_LAYER_CMD
                    ? xstrndup(o->layer_command, LIMIT_STORE_LAYER_CMD)
                    : NULL;
    enum status st;
    struct store_val a[18] = {
        V_TEXT(o->fingerprint), V_INT(o->repo),
        V_TEXT(o->commit ? o->commit : ""), V_TEXT(o->path),
        V_INT((int64_t)o->line), V_INT((int64_t)o->column),
        V_TEXT(o->blob ? o->blob : ""), V_TEXT(o->part),
        V_TEXT(o->rule), V_INT(o->commit_time),
        V_TEXT(o->author), V_TEXT(o->removed_in),
        V_INT(o->at_head), V_INT(when),
        V_INT(scan), V_INT((int64_t)o->shown_tail),
        V_INT(o->replaced && o->removed_in), V_TEXT(cmd ? cmd : o->layer_command),
    };
    st = exec(s, Q_OCC_PUT, a, 18, NULL, NULL);
    free(cmd);
    return st;
}

static const char Q_REPO_OCCS[] =
    "SELECT id, blob, path FROM occurrences WHERE repo=?1 AND gone_since IS NULL AND blob<>''"
    " ORDER BY id";
/* A file an image layer removed or replaced keeps that (the image in the blob says so,
 * whatever the commits did to the blob since): only git's own exposure is refreshed. */
static const char Q_OCC_EXPOSURE[] =
    "UPDATE occurrences SET at_head=?2, removed_in=?3 WHERE id=?1"
    " AND (removed_in IS NULL OR removed_in NOT LIKE 'sha256:%')";

struct occ_walk {
    store_occ_fn *fn;
    void *ctx;
};

static enum status occ_row(void *ctx, const struct store_val *c, size_t n)
{
    struct occ_walk *w = ctx;
    if (n < 3 || c[0].t != SV_INT || c[1].t != SV_TEXT || c[2].t != SV_TEXT ||
        !is_hex(c[1].s, 40))
        return STATUS_OK;
    return w->fn(w->ctx, c[0].i, c[1].s, c[2].s);
}

enum status store_repo_occurrences(struct store *s, int64_t repo, store_occ_fn *fn, void *ctx)
{
    struct store_val r = V_INT(repo);
    struct occ_walk w = { fn, ctx };
    return exec(s, Q_REPO_OCCS, &r, 1, occ_row, &w);
}

enum status store_occurrence_exposure(struct store *s, int64_t id, bool at_head,
                                      const char *removed_in)
{
    struct store_val a[3] = { V_INT(id), V_INT(at_head), V_TEXT(removed_in) };
    return exec(s, Q_OCC_EXPOSURE, a, 3, NULL, NULL);
}

enum status store_update_gone(struct store *s, int64_t when)
{
    struct store_val w = V_INT(when);
    enum status st = exec(s, Q_FINDINGS_GONE, &w, 1, NULL, NULL);
    return st != STATUS_OK ? st : exec(s, Q_FINDINGS_BACK, NULL, 0, NULL, NULL);
}

enum status store_mark_gone(struct store *s, int64_t repo, int64_t scan, int64_t when)
{
    struct store_val a[3] = { V_INT(repo), V_INT(scan), V_INT(when) };
    enum status st = exec(s, Q_OCC_GONE, a, 3, NULL, NULL);
    return st != STATUS_OK ? st : store_update_gone(s, when);
}

enum status store_verification_put(struct store *s, const char *fingerprint, const char *status,
                                   const char *account, const char *arn, const char *detail,
                                   const char *evidence, int64_t when)
{
    struct store_val a[7] = { V_TEXT(fingerprint), V_TEXT(status), V_TEXT(account),
                              V_TEXT(arn),         V_TEXT(detail), V_INT(when),
                              V_TEXT(evidence) };
    return exec(s, Q_VERIFY_PUT, a, 7, NULL, NULL);
}

static const char Q_VERIFY_LATEST[] =
    "SELECT status, account, arn, detail, at FROM verifications WHERE fingerprint=?1"
    " ORDER BY at DESC, id DESC LIMIT 1";

struct latest {
    char *status, *account, *arn, *detail;
    int64_t at;
};

static enum status latest_row(void *ctx, const struct store_val *c, size_t n)
{
    struct latest *l = ctx;
    if (n < 5 || c[0].t != SV_TEXT || l->status)
        return STATUS_OK;
    l->status = col_str(&c[0]);
    l->account = col_str(&c[1]);
    l->arn = col_str(&c[2]);
    l->detail = col_str(&c[3]);
    l->at = col_int(&c[4]);
    return STATUS_OK;
}

enum status store_verification_latest(struct store *s, const char *fingerprint, char **status,
                                      char **account, char **arn, char **detail, int64_t *at)
{
    struct store_val fp = V_TEXT(fingerprint);
    struct latest l = { NULL, NULL, NULL, NULL, 0 };
    enum status st = exec(s, Q_VERIFY_LATEST, &fp, 1, latest_row, &l);

    *status = l.status;
    *account = l.account;
    *arn = l.arn;
    *detail = l.detail;
    *at = l.at;
    return st;
}

/* ---- triage -------------------------------------------------------------------------- */

static const char *const states[] = { "open", "false_positive", "revoked", "accepted_risk" };

bool store_state_valid(const char *state)
{
    for (size_t i = 0; state && i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(states[i], state) == 0)
            return true;
    return false;
}

static const char Q_STATE_GET[] = "SELECT state FROM findings WHERE fingerprint=?1";
static const char Q_STATE_SET[] =
    "UPDATE findings SET state=?2, state_note=?3, state_by=?4, state_at=?5 WHERE fingerprint=?1";
static const char Q_TRIAGE_ADD[] =
    "INSERT INTO triage(fingerprint, state, note, by_whom, at) VALUES(?1, ?2, ?3, ?4, ?5)";

static enum status one_str(void *ctx, const struct store_val *c, size_t n)
{
    char **out = ctx;
    if (n >= 1 && !*out)
        *out = col_str(&c[0]);
    if (n >= 1 && !*out)
        *out = xstrdup("");
    return STATUS_OK;
}

enum status store_state(struct store *s, const char *fingerprint, char **state)
{
    struct store_val fp = V_TEXT(fingerprint);
    *state = NULL;
    return exec(s, Q_STATE_GET, &fp, 1, one_str, state);
}

enum status store_triage(struct store *s, const char *fingerprint, const char *state,
                         const char *note, const char *by, int64_t when, bool *found,
                         char **old)
{
    struct store_val a[5] = { V_TEXT(fingerprint), V_TEXT(state), V_TEXT(note), V_TEXT(by),
                              V_INT(when) };
    enum status st;

    *found = false;
    *old = NULL;
    if (!store_state_valid(state))
        return fail(STATUS_USAGE, "no state '%s' (open, false_positive, revoked, "
                                  "accepted_risk)", state);
    if ((st = exec(s, Q_STATE_GET, a, 1, one_str, old)) != STATUS_OK || !*old)
        return st;
    *found = true;
    if ((st = exec(s, Q_STATE_SET, a, 5, NULL, NULL)) != STATUS_OK)
        return st;
    return exec(s, Q_TRIAGE_ADD, a, 5, NULL, NULL);
}

/* ---- queries ------------------------------------------------------------------------- */

static const char Q_FINDINGS[] =
    "SELECT fingerprint, kind, key_id, key_type, account_id, confidence, rules, risk_score,"
    " risk_tier, risk_factors, remediation, first_seen, last_seen, gone_since, state,"
    " state_note, state_by, state_at, regions, senders FROM findings"
    " WHERE (?1 IS NULL OR state=?1) AND risk_score>=?2 AND (?3=1 OR gone_since IS NULL)"
    " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM occurrences o JOIN repositories r"
    " ON r.id=o.repo WHERE o.fingerprint=findings.fingerprint AND r.url=?4))"
    " ORDER BY risk_score DESC, fingerprint";
static const char Q_LOCS[] =
    "SELECT r.url, o.commit_id, o.path, o.blob, o.part, o.rule, o.author, o.removed_in,"
    " o.line, o.col, o.commit_time, o.first_seen, o.last_seen, o.gone_since, o.at_head,"
    " o.shown_tail, o.replaced, o.layer_command FROM occurrences o JOIN repositories r"
    " ON r.id=o.repo WHERE o.fingerprint=?1"
    " ORDER BY r.url, o.path, o.line, o.col, o.commit_id";
static const char Q_PARTS[] =
    "SELECT kind, redacted FROM parts WHERE fingerprint=?1 ORDER BY kind, sha256";
static const char Q_HISTORY[] =
    "SELECT state, note, by_whom, at FROM triage WHERE fingerprint=?1 ORDER BY at, id";
static const char Q_VERIFIED[] =
    "SELECT status, account, detail, at, arn, evidence FROM verifications WHERE fingerprint=?1"
    " ORDER BY at DESC, id DESC LIMIT 1";

struct rows {
    struct store_row *v;
    size_t n;
};

static enum status finding_row(void *ctx, const struct store_val *c, size_t n)
{
    struct rows *rs = ctx;
    struct store_row *r;

    if (n < 18 || c[0].t != SV_TEXT || !is_hex(c[0].s, 16) || c[1].t != SV_TEXT ||
        c[14].t != SV_TEXT || !store_state_valid(c[14].s)) {
        log_warn("store: a finding row that makes no sense is skipped");
        return STATUS_OK;
    }
    if (rs->n >= LIMIT_STORE_ROWS)
        return fail(STATUS_LIMIT, "store: more than %u findings", LIMIT_STORE_ROWS);
    rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
    r = &rs->v[rs->n++];
    memset(r, 0, sizeof(*r));
    r->fingerprint = col_str(&c[0]);
    r->kind = col_str(&c[1]);
    r->key_id = col_str(&c[2]);
    r->key_type = col_str(&c[3]);
    r->account_id = col_str(&c[4]);
    r->confidence = col_str(&c[5]);
    r->rules = col_str(&c[6]);
    r->risk_score = col_int(&c[7]);
    if (r->risk_score < 0 || r->risk_score > 100)
        r->risk_score = 0;
    r->risk_tier = col_str(&c[8]);
    r->risk_factors = col_str(&c[9]);
    r->remediation = col_str(&c[10]);
    r->first_seen = col_int(&c[11]);
    r->last_seen = col_int(&c[12]);
    r->gone_since = col_int(&c[13]);
    r->state = col_str(&c[14]);
    r->state_note = col_str(&c[15]);
    r->state_by = col_str(&c[16]);
    r->state_at = col_int(&c[17]);
    r->regions = n > 18 ? col_str(&c[18]) : NULL;
    r->senders = n > 19 ? col_str(&c[19]) : NULL;
    return STATUS_OK;
}

static enum status loc_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_row *r = ctx;
    struct store_loc *l;

    if (n < 16 || c[0].t != SV_TEXT || c[2].t != SV_TEXT)
        return STATUS_OK;
    if (r->n_locs >= LIMIT_STORE_ROWS)
        return fail(STATUS_LIMIT, "store: more than %u occurrences of %s", LIMIT_STORE_ROWS,
                    r->fingerprint);
    r->locs = xrealloc(r->locs, (r->n_locs + 1) * sizeof(*r->locs));
    l = &r->locs[r->n_locs++];
    memset(l, 0, sizeof(*l));
    l->repo = col_str(&c[0]);
    l->commit = col_str(&c[1]);
    l->path = col_str(&c[2]);
    l->blob = col_str(&c[3]);
    l->part = col_str(&c[4]);
    l->rule = col_str(&c[5]);
    l->author = col_str(&c[6]);
    l->removed_in = col_str(&c[7]);
    l->line = col_int(&c[8]);
    l->column = col_int(&c[9]);
    l->commit_time = col_int(&c[10]);
    l->first_seen = col_int(&c[11]);
    l->last_seen = col_int(&c[12]);
    l->gone_since = col_int(&c[13]);
    l->at_head = col_int(&c[14]) != 0;
    /* A stored tail longer than the path would print bytes unescaped: none then. */
    l->shown_tail = col_int(&c[15]) > 0 && (uint64_t)col_int(&c[15]) <= strlen(l->path)
                        ? (size_t)col_int(&c[15])
                        : 0;
    /* schema 9: replaced means something only with the layer that replaced it; the
     * command is cut to its bound (a foreign store may hold anything) */
    l->replaced = n > 16 && col_int(&c[16]) != 0 && l->removed_in != NULL;
    if (n > 17 && c[17].t == SV_TEXT)
        l->layer_command = xstrndup(c[17].s, strnlen(c[17].s, LIMIT_STORE_LAYER_CMD));
    if (!l->gone_since && l->at_head)
        r->at_head = true;
    if (!l->gone_since) {
        bool have = false;
        for (size_t i = 0; i < r->n_repos && !have; i++)
            have = strcmp(r->repos[i], l->repo) == 0;
        if (!have) {
            r->repos = xrealloc(r->repos, (r->n_repos + 1) * sizeof(char *));
            r->repos[r->n_repos++] = xstrdup(l->repo);
        }
    }
    return STATUS_OK;
}

static enum status part_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_row *r = ctx;
    if (n < 2 || c[0].t != SV_TEXT || c[1].t != SV_TEXT || r->n_parts >= 4096)
        return STATUS_OK;
    r->parts = xrealloc(r->parts, (r->n_parts + 1) * sizeof(char *));
    r->parts[r->n_parts++] = xasprintf("%s %s", c[0].s, c[1].s);
    return STATUS_OK;
}

static enum status history_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_row *r = ctx;
    struct store_change *h;
    if (n < 4 || c[0].t != SV_TEXT || r->n_history >= 100000)
        return STATUS_OK;
    r->history = xrealloc(r->history, (r->n_history + 1) * sizeof(*r->history));
    h = &r->history[r->n_history++];
    h->state = col_str(&c[0]);
    h->note = col_str(&c[1]);
    h->by = col_str(&c[2]);
    h->at = col_int(&c[3]);
    return STATUS_OK;
}

static enum status verified_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_row *r = ctx;
    if (n < 4 || c[0].t != SV_TEXT || r->verify_status)
        return STATUS_OK;
    r->verify_status = col_str(&c[0]);
    r->verify_account = col_str(&c[1]);
    r->verify_detail = col_str(&c[2]);
    r->verified_at = col_int(&c[3]);
    r->verify_arn = n > 4 ? col_str(&c[4]) : NULL;
    r->verify_evidence = n > 5 ? col_str(&c[5]) : NULL;
    return STATUS_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum status store_findings(struct store *s, const struct store_query *q, struct store_row **out,
                           size_t *n)
{
    struct store_val a[4] = { V_TEXT(q->state), V_INT(q->min_risk), V_INT(q->include_gone),
                              V_TEXT(q->repo) };
    struct rows rs = { NULL, 0 };
    enum status st = exec(s, Q_FINDINGS, a, 4, finding_row, &rs);

    for (size_t i = 0; st == STATUS_OK && i < rs.n; i++) {
        struct store_row *r = &rs.v[i];
        struct store_val fp = V_TEXT(r->fingerprint);
        if ((st = exec(s, Q_LOCS, &fp, 1, loc_row, r)) != STATUS_OK ||
            (st = exec(s, Q_PARTS, &fp, 1, part_row, r)) != STATUS_OK ||
            (st = exec(s, Q_HISTORY, &fp, 1, history_row, r)) != STATUS_OK ||
            (st = exec(s, Q_VERIFIED, &fp, 1, verified_row, r)) != STATUS_OK)
            break;
        if (r->n_repos > 1)
            qsort(r->repos, r->n_repos, sizeof(char *), cmp_str);
    }
    if (st != STATUS_OK) {
        store_rows_free(rs.v, rs.n);
        rs.v = NULL;
        rs.n = 0;
    }
    *out = rs.v;
    *n = rs.n;
    return st;
}

void store_rows_free(struct store_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct store_row *r = &rows[i];
        char **strs[] = { &r->fingerprint, &r->kind, &r->key_id, &r->key_type, &r->account_id,
                          &r->confidence, &r->rules, &r->risk_tier, &r->risk_factors,
                          &r->remediation, &r->state, &r->state_note, &r->state_by,
                          &r->verify_status, &r->verify_account, &r->verify_detail,
                          &r->verify_arn, &r->verify_evidence, &r->regions,
                          &r->senders };
        for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
            free(*strs[k]);
        for (size_t k = 0; k < r->n_parts; k++)
            free(r->parts[k]);
        free(r->parts);
        for (size_t k = 0; k < r->n_locs; k++) {
            struct store_loc *l = &r->locs[k];
            free(l->repo);
            free(l->commit);
            free(l->path);
            free(l->blob);
            free(l->part);
            free(l->rule);
            free(l->author);
            free(l->removed_in);
            free(l->layer_command);
        }
        free(r->locs);
        for (size_t k = 0; k < r->n_repos; k++)
            free(r->repos[k]);
        free(r->repos);
        for (size_t k = 0; k < r->n_history; k++) {
            free(r->history[k].state);
            free(r->history[k].note);
            free(r->history[k].by);
        }
        free(r->history);
    }
    free(rows);
}

static const char Q_TOTALS[] =
    "SELECT (SELECT COUNT(*) FROM repositories), (SELECT COUNT(*) FROM scans),"
    " (SELECT COUNT(*) FROM objects)";

static enum status totals_row(void *ctx, const struct store_val *c, size_t n)
{
    struct store_totals *t = ctx;
    if (n >= 3) {
        t->repos = (uint64_t)col_int(&c[0]);
        t->scans = (uint64_t)col_int(&c[1]);
        t->objects = (uint64_t)col_int(&c[2]);
    }
    return STATUS_OK;
}

enum status store_totals(struct store *s, struct store_totals *t)
{
    memset(t, 0, sizeof(*t));
    return exec(s, Q_TOTALS, NULL, 0, totals_row, t);
}
