/*
 * audit_query.c - the commands that read the audit store back: `sesame findings` (a
 * ranked listing in text, JSON, JSON Lines, CSV or HTML), `sesame report --html FILE`
 * (the same, as one self-contained page) and `sesame triage` (a decision, kept with its
 * history).
 */
#include "audit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/env.h"
#include "base/escape.h"
#include "crypto/crypto.h"
#include "finding/finding.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "config.h"
#include "report/report.h"
#include "report/report_store.h"
#include "rules/rule.h"
#include "verify/verify.h"
#include "store/store.h"

enum status audit_open_existing(const char *db, const struct env *env, struct store **s)
{
    const char *path = audit_db_path(db, env);
    FILE *f;
    if (store_is_url(path)) /* a server's store: made by the first audit, or empty */
        return store_connect(s, path, env);
    f = fopen(path, "rb");
    if (!f)
        return fail(STATUS_IO, "cannot open the store '%s': %s (run sesame audit first)", path,
                    strerror(errno));
    fclose(f);
    return store_connect(s, path, env);
}

enum status audit_findings(const struct findings_opts_cli *o, size_t *n)
{
    struct store *s = NULL;
    struct store_row *rows = NULL;
    struct store_query q;
    FILE *out = stdout;
    enum status st;

    *n = 0;
    if (o->state && !store_state_valid(o->state))
        return fail(STATUS_USAGE, "no state '%s' (open, false_positive, revoked, "
                                  "accepted_risk)", o->state);
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 &&
        strcmp(o->format, "jsonl") != 0 && strcmp(o->format, "csv") != 0 &&
        strcmp(o->format, "sarif") != 0 && strcmp(o->format, "html") != 0)
        return fail(STATUS_USAGE, "unknown format '%s' (one of: %s)", o->format,
                    report_store_formats());
    if ((st = audit_open_existing(o->db, o->env, &s)) != STATUS_OK)
        return st;
    memset(&q, 0, sizeof(q));
    q.state = o->state;
    q.min_risk = o->min_risk;
    q.repo = o->repo;
    q.include_gone = o->include_gone;
    if ((st = store_findings(s, &q, &rows, n)) != STATUS_OK)
        goto out;
    if (o->output && strcmp(o->output, "-") != 0 && !(out = fopen(o->output, "w"))) {
        out = stdout;
        st = fail(STATUS_IO, "cannot write '%s': %s", o->output, strerror(errno));
        goto out;
    }
    st = report_store(out, o->format, rows, *n, o->now);
    if (fflush(out) != 0 && st == STATUS_OK)
        st = fail(STATUS_IO, "cannot write the report: %s", strerror(errno));
out:
    if (out != stdout)
        fclose(out);
    store_rows_free(rows, *n);
    store_close(s);
    return st;
}

enum status audit_triage(const char *db, const struct env *env, const char *fingerprint,
                         const char *state, const char *note, const char *by, int64_t now)
{
    struct store *s = NULL;
    char *old = NULL;
    bool found = false;
    enum status st;

    if (strlen(fingerprint) != 16 || strspn(fingerprint, "0123456789abcdef") != 16)
        return fail(STATUS_USAGE, "'%s' is not a fingerprint (16 hex digits, as `sesame "
                                  "findings` prints them)", fingerprint);
    if (!store_state_valid(state))
        return fail(STATUS_USAGE, "no state '%s' (open, false_positive, revoked, "
                                  "accepted_risk)", state);
    if ((st = audit_open_existing(db, env, &s)) != STATUS_OK)
        return st;
    if ((st = store_begin(s)) != STATUS_OK)
        goto out;
    st = store_triage(s, fingerprint, state, note, by, now, &found, &old);
    if (st == STATUS_OK && !found)
        st = fail(STATUS_USAGE, "the store has no finding %s", fingerprint);
    if (st != STATUS_OK) {
        store_rollback(s);
        goto out;
    }
    if ((st = store_commit(s)) == STATUS_OK) {
        char *e = escape_dup(old, strlen(old), ESC_BACKSLASH);
        printf("%s: %s -> %s\n", fingerprint, e, state);
        free(e);
    }
out:
    free(old);
    store_close(s);
    return st;
}

enum status audit_import_baseline(const char *db, const struct env *env, const char *path,
                                  const char *note, const char *by, int64_t now)
{
    struct baseline b;
    struct store *s = NULL;
    size_t accepted = 0, kept = 0, unknown = 0;
    char *dflt = NULL;
    enum status st;

    memset(&b, 0, sizeof(b));
    if ((st = baseline_load(path, &b)) != STATUS_OK)
        return st;
    if ((st = audit_open_existing(db, env, &s)) != STATUS_OK ||
        (st = store_begin(s)) != STATUS_OK)
        goto out;
    dflt = xasprintf("imported from baseline %s", path);
    for (size_t i = 0; st == STATUS_OK && i < b.n; i++) {
        char *state = NULL, *old = NULL;
        bool found;
        if ((st = store_state(s, b.v[i].fingerprint, &state)) != STATUS_OK)
            break;
        if (!state) {
            unknown++;
        } else if (strcmp(state, "open") != 0) {
            kept++; /* a decision already made is not overridden */
        } else if ((st = store_triage(s, b.v[i].fingerprint, "accepted_risk",
                                      note ? note : dflt, by, now, &found, &old)) == STATUS_OK) {
            accepted++;
        }
        free(state);
        free(old);
    }
    if (st != STATUS_OK) {
        store_rollback(s);
        goto out;
    }
    if ((st = store_commit(s)) == STATUS_OK)
        printf("%zu findings now accepted_risk, %zu already triaged (kept), %zu not in the "
               "store\n", accepted, kept, unknown);
out:
    free(dflt);
    store_close(s);
    baseline_release(&b);
    return st;
}

/* ---- sesame verify --db: from sealed values, without scanning ---------------------- */

static int unhex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Open one sealed part; NULL (warned) when it does not open or does not match its hash. */
static char *open_part(const unsigned char key[32], const char *fp, const struct store_sealed *p)
{
    size_t n = strlen(p->sealed) / 2;
    unsigned char *raw = xmalloc(n + 1);
    char *plain = NULL, *aad = audit_seal_aad(fp, p->kind, p->sha256), hex[65];
    bool ok = strlen(p->sealed) % 2 == 0;

    for (size_t i = 0; ok && i < n; i++) {
        int hi = unhex(p->sealed[2 * i]), lo = unhex(p->sealed[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        raw[i] = (unsigned char)(hi << 4 | (lo & 15));
    }
    ok = ok && crypto_open(key, raw, n, aad, &plain);
    if (ok) {
        crypto_sha256_hex(plain, strlen(plain), hex);
        ok = strcmp(hex, p->sha256) == 0;
    }
    if (!ok) {
        log_warn("store: a sealed %s of finding %s does not open with SESAME_STORE_KEY "
                 "(another key, or a damaged store): not verified", p->kind, fp);
        crypto_free_secret(plain);
        plain = NULL;
    }
    free(aad);
    free(raw);
    return plain;
}

static void free_finding(struct finding *f)
{
    free(f->access_key_id);
    free(f->account_id);
    free(f->key_type);
    for (size_t i = 0; i < f->n_secrets; i++)
        crypto_free_secret(f->secrets[i].value);
    free(f->secrets);
    for (size_t i = 0; i < f->n_session_tokens; i++)
        crypto_free_secret(f->session_tokens[i].value);
    free(f->session_tokens);
    for (size_t i = 0; i < f->n_smtp_passwords; i++)
        crypto_free_secret(f->smtp_passwords[i].value);
    free(f->smtp_passwords);
    verification_free(f->verification);
    free(f);
}

struct finding *audit_finding_of_row(const struct store_row *r)
{
    struct finding *f = xcalloc(1, sizeof(*f));

    memcpy(f->fingerprint, r->fingerprint, 16);
    if (!cred_kind_parse(r->kind, &f->kind))
        f->kind = CRED_ACCESS_KEY_ID;
    f->access_key_id = r->key_id ? xstrdup(r->key_id) : NULL;
    f->account_id = r->account_id ? xstrdup(r->account_id) : NULL;
    f->key_type = r->key_type ? xstrdup(r->key_type) : NULL;
    return f;
}

/* A finding to verify, from a stored row and its sealed parts; NULL if it has none. */
static struct finding *finding_from_store(struct store *s, const unsigned char key[32],
                                          const struct store_row *r, size_t *bad)
{
    struct store_sealed *parts = NULL;
    size_t n = 0;
    struct finding *f;

    if (store_sealed_parts(s, r->fingerprint, &parts, &n) != STATUS_OK || n == 0) {
        store_sealed_free(parts, n);
        return NULL;
    }
    f = audit_finding_of_row(r);
    for (size_t i = 0; i < n; i++) {
        enum cred_kind k;
        char *v;
        if (!cred_kind_parse(parts[i].kind, &k))
            continue;
        if (!(v = open_part(key, r->fingerprint, &parts[i]))) {
            (*bad)++;
            continue;
        }
        if (k == CRED_SECRET_ACCESS_KEY) {
            f->secrets = xrealloc(f->secrets, (f->n_secrets + 1) * sizeof(*f->secrets));
            f->secrets[f->n_secrets].value = v;
            memcpy(f->secrets[f->n_secrets++].sha256, parts[i].sha256, 65);
        } else if (k == CRED_SESSION_TOKEN) {
            f->session_tokens = xrealloc(f->session_tokens,
                                         (f->n_session_tokens + 1) * sizeof(*f->session_tokens));
            f->session_tokens[f->n_session_tokens].value = v;
            memcpy(f->session_tokens[f->n_session_tokens++].sha256, parts[i].sha256, 65);
        } else if (k == CRED_SMTP_PASSWORD) {
            struct smtp_password *p;
            f->smtp_passwords = xrealloc(f->smtp_passwords,
                                         (f->n_smtp_passwords + 1) * sizeof(*f->smtp_passwords));
            p = &f->smtp_passwords[f->n_smtp_passwords++];
            memset(p, 0, sizeof(*p));
            p->value = v;
            p->from_secret = -1;
            memcpy(p->sha256, parts[i].sha256, 65);
        } else {
            crypto_free_secret(v);
        }
    }
    store_sealed_free(parts, n);
    return f;
}

enum status audit_verify_store(const char *db, const struct env *env,
                               const struct verify_opts *vo_in, int64_t now, size_t *n_out)
{
    const char *keytext = env_get(env, "SESAME_STORE_KEY");
    unsigned char key[32];
    struct store *s = NULL;
    struct store_row *rows = NULL;
    struct store_query q;
    struct finding **fs = NULL;
    size_t n = 0, nf = 0, bad = 0;
    struct ruleset rs = RULESET_INIT;
    struct verify_opts vo = *vo_in;
    struct verify_stats vs;
    enum status st;

    *n_out = 0;
    if (!keytext || !crypto_key32_parse(keytext, key))
        return fail(STATUS_USAGE, "sesame verify --db needs SESAME_STORE_KEY (32 bytes: 64 hex "
                                  "digits or 44 base64 characters), the key the audit sealed "
                                  "secret values with");
    if ((st = audit_open_existing(db, env, &s)) != STATUS_OK)
        goto out;
    memset(&q, 0, sizeof(q));
    if ((st = store_findings(s, &q, &rows, &n)) != STATUS_OK ||
        (st = ruleset_load(&rs, false, NULL, 0)) != STATUS_OK)
        goto out;
    fs = xcalloc(n + 1, sizeof(*fs));
    for (size_t i = 0; i < n; i++)
        if ((fs[nf] = finding_from_store(s, key, &rows[i], &bad)))
            nf++;
    if (bad && nf) {
        bool any = false;
        for (size_t i = 0; i < nf && !any; i++)
            any = fs[i]->n_secrets || fs[i]->n_session_tokens || fs[i]->n_smtp_passwords;
        if (!any) {
            st = fail(STATUS_USAGE, "no sealed value of the store opens with this "
                                    "SESAME_STORE_KEY (not the key the audit used?)");
            goto out;
        }
    }
    vo.smtp_regions = (const char *const *)rs.smtp_regions;
    vo.n_smtp_regions = rs.n_smtp_regions;
    if (nf && (st = verify_findings(fs, nf, &vo, &vs)) != STATUS_OK)
        goto out;
    if ((st = store_begin(s)) != STATUS_OK)
        goto out;
    for (size_t i = 0; st == STATUS_OK && i < nf; i++) {
        const struct verification *v = fs[i]->verification;
        char *evidence;
        if (!v || v->status == VERIFY_NOT_CHECKED)
            continue;
        evidence = report_verification_json(v);
        st = store_verification_put(s, fs[i]->fingerprint, verify_status_name(v->status),
                                    v->account, v->arn, v->reason, evidence,
                                    v->checked_at ? v->checked_at : now);
        free(evidence);
        printf("%s %s %s\n", fs[i]->fingerprint,
               fs[i]->access_key_id ? fs[i]->access_key_id : cred_kind_name(fs[i]->kind),
               verify_status_name(v->status));
    }
    if (st != STATUS_OK) {
        store_rollback(s);
        goto out;
    }
    st = store_commit(s);
    *n_out = nf;
    if (nf < n)
        log_warn("%zu findings without sealed secret values were not verified (audited "
                 "without SESAME_STORE_KEY, or a key ID alone)", n - nf);
out:
    crypto_wipe(key, sizeof(key));
    for (size_t i = 0; i < nf; i++)
        free_finding(fs[i]);
    free(fs);
    store_rows_free(rows, n);
    ruleset_release(&rs);
    store_close(s);
    return st;
}
