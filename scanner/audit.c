/*
 * audit.c - `sesame audit`: each repository scanned into the store, in one transaction.
 *
 * A repository audited before with the same rules is re-audited from the ref tips the
 * store kept: only the commits new since are walked (source/src_git.h, opts.since), and
 * of the objects they bring, those already scanned with these rules and found clean (in
 * any repository) are not read at all. Objects that held findings are read again, so
 * that a new place they appear at is recorded. New rules (a different rules key) mean
 * one full scan. When a kept tip is no longer reachable (history rewritten, a branch
 * deleted), the whole history is planned again, and the occurrences that scan does not
 * see any more are marked gone, never deleted.
 *
 * Nothing already committed is redone or lost after an interruption: each repository's
 * results, its scanned objects and its new ref tips are committed together, so a killed
 * audit leaves every repository either as it was before or fully recorded.
 */
#include "audit.h"
#include "audit_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/env.h"
#include "base/escape.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"
#include "finding/finding.h"
#include "finding/redact.h"
#include "json/json.h"
#include "rank/risk.h"
#include "report/report.h"
#include "rules/rule.h"
#include "source/src_git.h"
#include "store/store.h"
#include "verify/verify.h"

const char *audit_db_path(const char *db, const struct env *env)
{
    const char *e = env_get(env, "SESAME_DB");
    return db ? db : e && *e ? e : "sesame.db";
}

/* The rules key: the compiled rules' hash and what else decides what a scan reports
 * (which sesame:allow markers count, examples shown). Objects scanned under another key
 * are scanned again. */
enum status audit_rules_key(const struct scan_config *cfg, char out[65], struct ruleset *rsp)
{
    struct ruleset rs = RULESET_INIT;
    enum status st = ruleset_load(&rs, cfg->no_default_rules, cfg->rule_paths,
                                  cfg->n_rule_paths);
    if (st == STATUS_OK) {
        char *text;
        char hex[65];
        ruleset_hash(&rs);
        crypto_sha256_hex(rs.hash, sizeof(rs.hash), hex);
        text = xasprintf("%s allow=%d examples=%d", hex, (int)cfg->inline_allow,
                         (int)cfg->include_examples);
        crypto_sha256_hex(text, strlen(text), out);
        free(text);
    }
    *rsp = rs; /* kept: its SES SMTP regions serve --verify */
    return st;
}

struct one {
    struct store *s;
    const char *key;
    const struct audit_opts *ao;
    const struct ruleset *rs;
    struct verification **reused; /* verifications taken from the store (not stored again) */
    size_t n_reused;
    size_t stored_here;           /* of them, verified here and stored at once (a fleet) */
    uint64_t verified;
    struct store_repo repo;
    int64_t started;
    /* filled by on_done, for the summary */
    const char *mode;
    uint64_t commits, read, skipped, files, bytes, findings;
    bool complete;
};

static bool skip_object(void *ctx, const char *hex)
{
    struct one *o = ctx;
    bool clean = false;
    (void)store_object_clean(o->s, hex, o->key, &clean);
    return clean;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines "name\tpoints\tdetail" and one remediation step a line. */
static void risk_text(const struct risk *r, char **factors, char **steps)
{
    struct buf b = BUF_INIT(LIMIT_STORE_VALUE_BYTES), c = BUF_INIT(LIMIT_STORE_VALUE_BYTES);
    enum status st = STATUS_OK;

    for (size_t i = 0; st == STATUS_OK && r && i < r->n_factors; i++)
        st = buf_printf(&b, "%s\t%+d\t%s\n", r->factors[i].name, r->factors[i].points,
                        r->factors[i].detail ? r->factors[i].detail : "");
    for (size_t i = 0; st == STATUS_OK && r && i < r->n_remediation; i++)
        st = buf_printf(&c, "%s\n", r->remediation[i]);
    *factors = buf_take(&b); /* a cut list is still the list's beginning */
    *steps = buf_take(&c);
}

/* A part: redacted and hashed; sealed too when SESAME_STORE_KEY is set (never for a key
 * ID, an identifier kept in clear anyway). */
static enum status put_part(const struct one *o, const char *fp, enum cred_kind kind,
                            const char *value, const char *sha256)
{
    char red[128];
    char *hex = NULL;
    enum status st;

    redact_value(red, sizeof(red), kind, value, false);
    if (o->ao->store_key && kind != CRED_ACCESS_KEY_ID) {
        unsigned char *sealed;
        size_t n;
        char *aad = audit_seal_aad(fp, cred_kind_name(kind), sha256);
        bool ok = crypto_seal(o->ao->store_key, value, strlen(value), aad, &sealed, &n);
        free(aad);
        if (!ok)
            return fail(STATUS_BUG, "cannot seal a secret value (no random nonce from the kernel)");
        hex = xmalloc(2 * n + 1);
        for (size_t i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", sealed[i]);
        free(sealed);
    }
    st = store_part_put(o->s, fp, cred_kind_name(kind), sha256, red, hex);
    free(hex);
    return st;
}

char *audit_seal_aad(const char *fingerprint, const char *kind, const char *sha256)
{
    return xasprintf("sesame/v1 %s %s %s", fingerprint, kind, sha256);
}

static bool is_reused(const struct one *o, const struct verification *v)
{
    for (size_t i = 0; i < o->n_reused; i++)
        if (o->reused[i] == v)
            return true;
    return false;
}

/* What a verification found, as one line for people (the store's `detail`): why, when
 * and for what the key was last used, and the SES sending state of each region read. */
static char *verification_detail(const struct verification *v)
{
    struct buf b = BUF_INIT(4096);
    char day[32] = "";
    enum status st = STATUS_OK;

    if (v->reason)
        st = buf_printf(&b, "%s", v->reason);
    if (st == STATUS_OK && v->last_used_known) {
        time_t t = (time_t)v->last_used;
        struct tm tm;
        if (v->last_used && gmtime_r(&t, &tm))
            strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        st = buf_printf(&b, "%slast used %s%s%s%s%s", b.len ? "; " : "",
                        v->last_used ? day : "never", v->last_used_service ? " (" : "",
                        v->last_used_service ? v->last_used_service : "",
                        v->last_used_region ? " " : "",
                        v->last_used_region ? v->last_used_region : "");
        if (st == STATUS_OK && v->last_used_service)
            st = buf_printf(&b, ")");
    }
    for (size_t i = 0; st == STATUS_OK && i < v->n_ses; i++) {
        const struct ses_state *ss = &v->ses[i];
        st = buf_printf(&b, "%sSES %s: %s", b.len ? "; " : "", ss->region ? ss->region : "?",
                        ss->error            ? ss->error
                        : ss->sandbox == 1   ? "sandbox"
                        : ss->sandbox == 0   ? "production"
                                             : "state unknown");
        if (st == STATUS_OK && !ss->error && ss->sending_enabled >= 0)
            st = buf_printf(&b, ", sending %s", ss->sending_enabled ? "enabled" : "paused");
        if (st == STATUS_OK && !ss->error && ss->enforcement)
            st = buf_printf(&b, ", %s", ss->enforcement);
        if (st == STATUS_OK && !ss->error && ss->have_quota)
            st = buf_printf(&b, ", %.0f of %.0f sent in 24 h", ss->sent_24h, ss->max_24h);
    }
    return buf_take(&b); /* cut at the cap: still the line's beginning */
}

static enum status put_finding(struct one *o, const struct finding *f, int64_t scan, int64_t now)
{
    struct store_finding sf;
    struct buf rules = BUF_INIT(LIMIT_STORE_VALUE_BYTES);
    struct buf regions = BUF_INIT(LIMIT_STORE_VALUE_BYTES);
    struct buf senders = BUF_INIT(LIMIT_STORE_VALUE_BYTES);
    char *factors, *steps, *rules_s, *regions_s, *senders_s;
    enum status st = STATUS_OK;

    for (size_t i = 0; st == STATUS_OK && i < f->n_rule_ids; i++)
        st = buf_printf(&rules, "%s%s", i ? "," : "", f->rule_ids[i]);
    rules_s = buf_take(&rules);
    /* the order remediate looks for a region in: SMTP passwords', then context's */
    for (size_t i = 0; st == STATUS_OK && i < f->n_smtp_passwords; i++)
        if (f->smtp_passwords[i].region)
            st = buf_printf(&regions, "%s%s", regions.len ? "," : "",
                            f->smtp_passwords[i].region);
    for (size_t i = 0; st == STATUS_OK && i < f->n_regions; i++)
        st = buf_printf(&regions, "%s%s", regions.len ? "," : "", f->regions[i]);
    regions_s = buf_take(&regions);
    for (size_t i = 0; st == STATUS_OK && i < f->n_senders; i++)
        st = buf_printf(&senders, "%s%s", i ? "," : "", f->senders[i]);
    senders_s = buf_take(&senders);
    risk_text(f->risk, &factors, &steps);
    memset(&sf, 0, sizeof(sf));
    sf.fingerprint = f->fingerprint;
    sf.kind = cred_kind_name(f->kind);
    sf.key_id = f->access_key_id;
    sf.key_type = f->key_type;
    sf.account_id = f->account_id;
    sf.confidence = confidence_name(f->confidence);
    sf.rules = rules_s;
    sf.risk_score = f->risk ? f->risk->score : 0;
    sf.risk_tier = f->risk ? risk_tier_name(f->risk->tier) : NULL;
    sf.risk_factors = factors;
    sf.remediation = steps;
    sf.regions = regions_s && *regions_s ? regions_s : NULL;
    sf.senders = senders_s && *senders_s ? senders_s : NULL;
    st = store_finding_put(o->s, &sf, now); /* a list cut at its cap is still its start */
    free(rules_s);
    free(regions_s);
    free(senders_s);
    free(factors);
    free(steps);
    if (st == STATUS_OK && f->access_key_id) {
        char sha[65];
        crypto_sha256_hex(f->access_key_id, strlen(f->access_key_id), sha);
        st = put_part(o, f->fingerprint, CRED_ACCESS_KEY_ID, f->access_key_id, sha);
    }
    for (size_t i = 0; st == STATUS_OK && i < f->n_secrets; i++)
        st = put_part(o, f->fingerprint, CRED_SECRET_ACCESS_KEY, f->secrets[i].value,
                      f->secrets[i].sha256);
    for (size_t i = 0; st == STATUS_OK && i < f->n_session_tokens; i++)
        st = put_part(o, f->fingerprint, CRED_SESSION_TOKEN, f->session_tokens[i].value,
                      f->session_tokens[i].sha256);
    for (size_t i = 0; st == STATUS_OK && i < f->n_smtp_passwords; i++)
        st = put_part(o, f->fingerprint, CRED_SMTP_PASSWORD, f->smtp_passwords[i].value,
                      f->smtp_passwords[i].sha256);
    for (size_t k = 0; st == STATUS_OK && k < f->n_locations; k++) {
        const struct location *l = &f->locations[k];
        struct store_occurrence oc;
        memset(&oc, 0, sizeof(oc));
        oc.fingerprint = f->fingerprint;
        oc.repo = o->repo.id;
        oc.commit = l->commit.commit;
        oc.path = l->path;
        oc.shown_tail = l->shown_tail;
        oc.line = l->line;
        oc.column = l->column;
        oc.blob = l->blob;
        oc.part = cred_kind_name(l->part);
        oc.rule = l->rule_id;
        oc.commit_time = l->commit.commit_time;
        oc.author = l->commit.author;
        oc.removed_in = l->removed_in;
        oc.replaced = l->replaced;
        oc.layer_command = l->layer_cmd;
        oc.at_head = f->exposure == EXPOSURE_HEAD && !l->removed_in;
        st = store_occurrence_put(o->s, &oc, scan, now);
    }
    if (st == STATUS_OK && f->verification && f->verification->status != VERIFY_NOT_CHECKED &&
        !is_reused(o, f->verification)) {
        const struct verification *v = f->verification;
        char *detail = verification_detail(v), *evidence = report_verification_json(v);
        st = store_verification_put(o->s, f->fingerprint, verify_status_name(v->status),
                                    v->account, v->arn, detail, evidence,
                                    v->checked_at ? v->checked_at : now);
        free(detail);
        free(evidence);
    }
    return st;
}

static bool parse_verify_status(const char *s, enum verify_status *out)
{
    for (int k = VERIFY_NOT_CHECKED; k <= VERIFY_SKIPPED; k++)
        if (s && strcmp(verify_status_name((enum verify_status)k), s) == 0) {
            *out = (enum verify_status)k;
            return true;
        }
    return false;
}

/* The stored verification of f, when it is younger than --verify-max-age (0: never) or
 * made after `since` (another worker of the fleet made it while this one waited): taken
 * as f's. Times are whole seconds: a verification of the second `since` itself may be an
 * earlier run's (an audit finished within that second), so only a later one counts, and
 * --verify-max-age 0 reuses nothing by age even when that age is 0. */
static enum status reuse_stored(struct one *o, struct finding *f, int64_t now, int64_t since,
                                bool *reused)
{
    char *status = NULL, *account = NULL, *arn = NULL, *detail = NULL;
    int64_t at = 0;
    enum verify_status vs_parsed;
    enum status st = store_verification_latest(o->s, f->fingerprint, &status, &account, &arn,
                                               &detail, &at);
    *reused = false;
    bool young = o->ao->verify_max_age > 0 && now - at <= o->ao->verify_max_age;
    if (st == STATUS_OK && status && (young || at > since) &&
        parse_verify_status(status, &vs_parsed) && vs_parsed != VERIFY_UNKNOWN) {
        struct verification *v = xcalloc(1, sizeof(*v));
        v->status = vs_parsed;
        v->account = account;
        v->arn = arn;
        v->reason = detail;
        v->checked_at = at;
        account = arn = detail = NULL;
        verification_free(f->verification);
        f->verification = v;
        o->reused = xrealloc(o->reused, (o->n_reused + 1) * sizeof(*o->reused));
        o->reused[o->n_reused++] = v;
        *reused = true;
    }
    free(status);
    free(account);
    free(arn);
    free(detail);
    return st;
}

static enum status verify_these(struct one *o, struct finding **todo, size_t n)
{
    struct verify_opts vo;
    struct verify_stats vs;
    enum status st;

    if (o->ao->scan->verify_opts)
        vo = *o->ao->scan->verify_opts;
    else
        verify_default_opts(&vo);
    vo.smtp_regions = (const char *const *)o->rs->smtp_regions;
    vo.n_smtp_regions = o->rs->n_smtp_regions;
    if ((st = verify_findings(todo, n, &vo, &vs)) == STATUS_OK)
        o->verified += n;
    return st;
}

/* A fleet worker: each credential is verified by the worker that claims it in the store
 * (a row a credential, with a lease its heartbeat renews); its result is stored at once,
 * in its own transaction, and the claim dropped. The others wait for that result (or for
 * the claim to lapse, when its worker died, and claim it then). */
static enum status verify_fleet(struct one *o, struct finding **todo, size_t n, int64_t now)
{
    struct finding **mine = xcalloc(n, sizeof(*mine));
    enum status st = STATUS_OK;
    /* a claim renewed for longer than this by a worker that does not store a result (a
     * bug) must not hang the others: then they verify it themselves */
    time_t give_up = time(NULL) + 60 + 4 * (time_t)(o->ao->lease_ms / 1000);
    size_t n_mine = 0;

    while (st == STATUS_OK && n) {
        size_t kept = 0;
        n_mine = 0;
        for (size_t i = 0; st == STATUS_OK && i < n; i++) {
            bool got = time(NULL) > give_up, reused = false;
            /* stored already (by another worker, which then dropped its claim)? Asked
             * again after a claim is got: it may have been stored just before */
            if ((st = reuse_stored(o, todo[i], (int64_t)time(NULL), o->started, &reused)) !=
                    STATUS_OK || reused)
                continue;
            if (!got && (st = store_verify_claim(o->s, todo[i]->fingerprint,
                                                 o->ao->worker_id, o->ao->lease_ms, &got)) !=
                            STATUS_OK)
                break;
            if (got && (st = reuse_stored(o, todo[i], (int64_t)time(NULL), o->started,
                                          &reused)) == STATUS_OK && reused)
                st = store_verify_release(o->s, todo[i]->fingerprint, o->ao->worker_id);
            else if (got)
                mine[n_mine++] = todo[i];
            else
                todo[kept++] = todo[i];
        }
        if (st == STATUS_OK && n_mine)
            st = verify_these(o, mine, n_mine);
        for (size_t i = 0; st == STATUS_OK && i < n_mine; i++) {
            const struct verification *v = mine[i]->verification;
            char *detail, *evidence;
            if (!v || v->status == VERIFY_NOT_CHECKED)
                continue;
            detail = verification_detail(v);
            evidence = report_verification_json(v);
            if ((st = store_begin(o->s)) == STATUS_OK &&
                (st = store_finding_ensure(o->s, mine[i]->fingerprint,
                                           cred_kind_name(mine[i]->kind), now)) == STATUS_OK &&
                (st = store_verification_put(o->s, mine[i]->fingerprint,
                                             verify_status_name(v->status), v->account, v->arn,
                                             detail, evidence,
                                             v->checked_at ? v->checked_at : now)) ==
                    STATUS_OK)
                st = store_commit(o->s);
            else
                store_rollback(o->s);
            free(detail);
            free(evidence);
            if (st == STATUS_OK) { /* stored: not again with the repository */
                o->reused = xrealloc(o->reused, (o->n_reused + 1) * sizeof(*o->reused));
                o->reused[o->n_reused++] = mine[i]->verification;
                o->stored_here++; /* counted as verified, not as reused */
                st = store_verify_release(o->s, mine[i]->fingerprint, o->ao->worker_id);
            }
        }
        n = st == STATUS_OK ? kept : 0;
        if (n) /* another worker verifies them: its result soon */
            nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
    }
    if (st != STATUS_OK) { /* what this worker claimed and did not store: free again */
        char *why = xstrdup(status_message());
        for (size_t i = 0; i < n_mine; i++)
            (void)store_verify_release(o->s, mine[i]->fingerprint, o->ao->worker_id);
        st = fail(st, "%s", why);
        free(why);
    }
    free(mine);
    return st;
}

/* --verify in an audit: each distinct credential once across repositories and runs. A
 * verification younger than --verify-max-age in the store is reused; the others are
 * checked now (by one worker of a fleet: verify_fleet). The findings are then ranked
 * again with what is known. */
static enum status verify_once(struct one *o, const struct scan_result *r, int64_t now)
{
    struct finding **todo = xcalloc(r->n, sizeof(*todo)), **all;
    size_t n_todo = 0;
    enum status st = STATUS_OK;

    for (size_t i = 0; st == STATUS_OK && i < r->n; i++) {
        bool reused = false;
        st = reuse_stored(o, r->findings[i], now, INT64_MAX, &reused);
        if (st == STATUS_OK && !reused)
            todo[n_todo++] = r->findings[i];
    }
    if (st == STATUS_OK && n_todo)
        st = o->ao->worker_id ? verify_fleet(o, todo, n_todo, now)
                              : verify_these(o, todo, n_todo);
    free(todo);
    if (st != STATUS_OK)
        return st;
    /* rank again: the scan ranked them before anything was known */
    all = xcalloc(r->n, sizeof(*all));
    for (size_t i = 0; i < r->n; i++) {
        all[i] = r->findings[i];
        risk_free(all[i]->risk);
        all[i]->risk = NULL;
    }
    risk_rank(all, r->n, now);
    free(all);
    return STATUS_OK;
}

/* After new commits (an incremental audit): HEAD and the branches moved, so the
 * exposure of what earlier audits recorded is asked again (at HEAD; which commit on
 * HEAD's line removed it), in one walk (src_git_exposure_want first). */
struct occ_list {
    int64_t *ids;
    char **blobs, **paths;
    size_t n;
};

static enum status collect_occ(void *ctx, int64_t id, const char *blob, const char *path)
{
    struct occ_list *l = ctx;
    l->ids = xrealloc(l->ids, (l->n + 1) * sizeof(*l->ids));
    l->blobs = xrealloc(l->blobs, (l->n + 1) * sizeof(*l->blobs));
    l->paths = xrealloc(l->paths, (l->n + 1) * sizeof(*l->paths));
    l->ids[l->n] = id;
    l->blobs[l->n] = xstrdup(blob);
    l->paths[l->n++] = xstrdup(path);
    return STATUS_OK;
}

static enum status refresh_exposure(struct one *o, struct src_git *g)
{
    struct occ_list l = { NULL, NULL, NULL, 0 };
    enum status st = store_repo_occurrences(o->s, o->repo.id, collect_occ, &l);

    for (size_t i = 0; st == STATUS_OK && i < l.n; i++)
        src_git_exposure_want(g, l.blobs[i], l.paths[i]);
    for (size_t i = 0; st == STATUS_OK && i < l.n; i++) {
        struct src_git_exposure ex;
        if (src_git_exposure(g, l.blobs[i], l.paths[i], &ex) == STATUS_OK)
            st = store_occurrence_exposure(o->s, l.ids[i], ex.at_head && !ex.removed_in,
                                           ex.removed_in);
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.blobs[i]);
        free(l.paths[i]);
    }
    free(l.ids);
    free(l.blobs);
    free(l.paths);
    return st;
}

static enum status on_done(void *ctx, const struct scan_result *r)
{
    struct one *o = ctx;
    const struct src_git_counts *gc = r->n_gits ? src_git_counts(r->gits[0]) : NULL;
    char **with = NULL; /* objects with findings, sorted */
    size_t n_with = 0;
    int64_t now = (int64_t)time(NULL), scan_id = -1;
    struct store_scan sc;
    enum status st;

    /* verified before the transaction: no write lock held while AWS answers */
    if (o->ao->scan->verify && r->n && (st = verify_once(o, r, now)) != STATUS_OK)
        return st;
    /* everything this repository leaves in the store: one transaction (committed by
     * audit_one), so that an interruption leaves it as before or fully recorded */
    if ((st = store_begin(o->s)) != STATUS_OK)
        return st;
    if (o->repo.id < 0) {
        bool created;
        char *url = o->repo.url;
        o->repo.url = NULL;
        store_repo_release(&o->repo);
        st = store_repo_get(o->s, url, &o->repo, true, &created);
        free(url);
        if (st != STATUS_OK)
            return st;
    }
    o->mode = !gc ? "files" : gc->incremental ? "incremental" : gc->rewritten ? "rewritten"
                                                                              : "full";
    o->commits = gc ? gc->commits : 0;
    o->read = r->n_read;
    o->skipped = r->skipped;
    o->files = r->stats->files >= r->n_read ? r->stats->files - r->n_read : 0;
    o->bytes = r->stats->bytes;
    o->findings = r->n;
    o->complete = !r->stats->incomplete;
    memset(&sc, 0, sizeof(sc));
    sc.repo = o->repo.id;
    sc.started = o->started;
    sc.ended = now;
    sc.version = SESAME_VERSION;
    sc.rules = o->key;
    sc.mode = o->mode;
    sc.commits = o->commits;
    sc.objects_read = o->read;
    sc.objects_skipped = o->skipped;
    sc.bytes = o->bytes;
    sc.findings = r->n;
    sc.complete = o->complete;
    if ((st = store_scan_add(o->s, &sc, &scan_id)) != STATUS_OK)
        return st;
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; k < r->findings[i]->n_locations; k++)
            if (r->findings[i]->locations[k].blob) {
                with = xrealloc(with, (n_with + 1) * sizeof(*with));
                with[n_with++] = r->findings[i]->locations[k].blob;
            }
    if (n_with > 1)
        qsort(with, n_with, sizeof(*with), cmp_cstr);
    for (size_t i = 0; st == STATUS_OK && i < r->n_read; i++) {
        const char *id = r->read[i];
        bool has = n_with && bsearch(&id, with, n_with, sizeof(*with), cmp_cstr) != NULL;
        st = store_object_put(o->s, id, o->key, has, now);
    }
    free(with);
    for (size_t i = 0; st == STATUS_OK && i < r->n; i++)
        st = put_finding(o, r->findings[i], scan_id, now);
    if (st != STATUS_OK)
        return st;
    if (!o->complete) /* the tips stay where they were: the next audit walks this again */
        return store_update_gone(o->s, now);
    if (!gc || !gc->incremental) { /* a whole history, or a plain directory: all was seen */
        if ((st = store_mark_gone(o->s, o->repo.id, scan_id, now)) != STATUS_OK)
            return st;
    } else if ((st = store_update_gone(o->s, now)) != STATUS_OK) {
        return st;
    }
    if (gc && gc->incremental && gc->commits && !o->ao->scan->no_exposure &&
        (st = refresh_exposure(o, r->gits[0])) != STATUS_OK)
        return st;
    {
        const char *const *names = NULL, *const *ids = NULL;
        size_t n = gc ? src_git_ref_tips(r->gits[0], &names, &ids) : 0;
        struct store_ref *refs = xcalloc(n + 1, sizeof(*refs));
        for (size_t i = 0; i < n; i++) {
            refs[i].name = (char *)names[i];
            refs[i].commit = (char *)ids[i];
        }
        st = store_repo_scanned(o->s, o->repo.id, o->key, now, refs, n);
        free(refs);
    }
    return st;
}

static struct jv *summary_json(const struct one *o, const char *status)
{
    struct jv *r = jv_object();
    jv_put(r, "repository", jv_str(o->repo.url));
    jv_put(r, "status", jv_str(status));
    jv_put(r, "mode", jv_str(o->mode ? o->mode : "none"));
    jv_put(r, "commits", jv_uint(o->commits));
    jv_put(r, "objects_read", jv_uint(o->read));
    jv_put(r, "objects_skipped", jv_uint(o->skipped));
    jv_put(r, "files_read", jv_uint(o->files));
    jv_put(r, "bytes", jv_uint(o->bytes));
    jv_put(r, "findings", jv_uint(o->findings));
    jv_put(r, "complete", jv_bool(o->complete));
    return r;
}

struct jv *audit_summary_doc(struct pool *p, size_t n, const struct audit_outcome *out)
{
    struct jv *doc = jv_object(), *arr = jv_array();
    for (size_t i = 0; i < n; i++)
        if (p->slots[i]) {
            jv_push(arr, p->slots[i]);
            p->slots[i] = NULL;
        }
    jv_put(doc, "repositories", arr);
    jv_put(doc, "audited", jv_uint(out->repos));
    jv_put(doc, "failed", jv_uint(out->failed));
    jv_put(doc, "findings", jv_uint(out->findings));
    jv_put(doc, "verified", jv_uint(out->verified));
    jv_put(doc, "verifications_reused", jv_uint(out->reused));
    return doc;
}

/* Called with p->lock held: the outcome, and the summary line or JSON slot. */
static void summary(struct pool *p, size_t i, const struct one *o, bool ok)
{
    const char *status = ok ? "ok" : "failed";

    if (ok) {
        p->out->repos++;
        p->out->verified += o->verified;
        p->out->reused += o->n_reused - o->stored_here;
        p->out->bytes += o->bytes;
        p->out->findings += o->findings;
        p->out->incomplete |= !o->complete;
    } else {
        p->out->failed++;
        p->out->incomplete = true;
    }
    p->done++;
    if (p->progress)
        fputs("\r\033[K", stderr);
    if (strcmp(p->ao->format, "json") == 0) {
        p->slots[i] = summary_json(o, status);
    } else if (!p->ao->scan->quiet || !ok) {
        char *u = escape_dup(o->repo.url, strlen(o->repo.url), ESC_BACKSLASH);
        printf("%s: %s%s, %llu commits, %llu objects read, %llu skipped as scanned before, "
               "%llu credentials%s\n",
               u, ok ? "" : "FAILED ", o->mode ? o->mode : "none",
               (unsigned long long)o->commits, (unsigned long long)o->read,
               (unsigned long long)o->skipped, (unsigned long long)o->findings,
               o->complete ? "" : " (incomplete)");
        fflush(stdout); /* one line as each repository is committed */
        free(u);
    }
}

/* One repository: scanned, then recorded in one transaction (begun by on_done). */
enum status audit_one(struct pool *p, struct store *s, size_t i)
{
    const struct audit_opts *ao = p->ao;
    const struct audit_target *t = &p->list->v[i];
    struct one o;
    struct scan_config cfg = *ao->scan;
    struct scan_hooks hooks;
    struct scan_outcome so;
    const char **since = NULL;
    char *mirror = NULL;
    const char *path = t->path;
    struct stat sst;
    bool created;
    enum status st;

    memset(&o, 0, sizeof(o));
    o.s = s;
    o.key = p->key;
    o.ao = ao;
    o.rs = p->rs;
    o.started = (int64_t)time(NULL);
    if (t->remote) {
        st = audit_mirror(t->path, t->url, ao->mirror_dir ? ao->mirror_dir : "sesame-mirrors",
                          t->git_auth, &mirror);
        path = mirror;
    } else if (stat(path, &sst) != 0) {
        st = fail(STATUS_IO, "cannot read '%s': %s", path, strerror(errno));
    } else {
        st = STATUS_OK;
    }
    if (st != STATUS_OK || (st = store_repo_get(s, t->url, &o.repo, false, &created)) != STATUS_OK)
        goto fail;
    if (o.repo.rules && strcmp(o.repo.rules, p->key) == 0 && o.repo.n_refs) {
        since = xcalloc(o.repo.n_refs, sizeof(*since));
        for (size_t k = 0; k < o.repo.n_refs; k++)
            since[k] = o.repo.refs[k].commit;
        cfg.since = since;
        cfg.n_since = o.repo.n_refs;
    }
    memset(&hooks, 0, sizeof(hooks));
    hooks.ctx = &o;
    hooks.skip_object = skip_object;
    hooks.done = on_done;
    cfg.targets = (const char *const *)&path;
    cfg.n_targets = 1;
    cfg.hooks = &hooks;
    cfg.no_report = true;
    if (p->scan_threads)
        cfg.threads = p->scan_threads;
    cfg.verify = false;         /* verify_once, from the done hook */
    cfg.no_config = true;       /* the store is the memory: no .sesame.json, no baseline */
    cfg.config_path = NULL;
    cfg.baseline_path = NULL;
    st = scan_run(&cfg, &so);
    free(since);
    if (st != STATUS_OK)
        goto fail;
    scan_outcome_release(&so);
    if ((p->before_commit && (st = p->before_commit(p->hook_ctx, s)) != STATUS_OK) ||
        (st = store_commit(s)) != STATUS_OK)
        goto fail;
    pthread_mutex_lock(&p->lock);
    summary(p, i, &o, true);
    pthread_mutex_unlock(&p->lock);
    free(o.reused);
    free(mirror);
    store_repo_release(&o.repo);
    return STATUS_OK;
fail:
    store_rollback(s);
    free(o.reused);
    free(mirror);
    if (!o.repo.url)
        o.repo.url = xstrdup(t->url);
    pthread_mutex_lock(&p->lock);
    summary(p, i, &o, false);
    if (p->queue) /* the queue keeps the error, and tries again */
        log_warn("audit: %s", status_message());
    else if (st != STATUS_USAGE && st != STATUS_BUG)
        /* one repository that cannot be read does not stop the audit */
        log_gap(DIAG_UNREADABLE, "audit: %s", status_message());
    pthread_mutex_unlock(&p->lock);
    store_repo_release(&o.repo);
    return st;
}

/* On a TTY: repositories done of all, the current one, MB/s so far and an estimate of
 * the time left (from the time per repository so far). Called with p->lock held. */
static void show_progress(const struct pool *p, const char *url)
{
    char *u = escape_dup(url, strlen(url), ESC_BACKSLASH);
    size_t len = strlen(u), total = p->list->n;
    double secs = clock_now() - p->t0;

    fprintf(stderr, "\r\033[Ksesame: audit %zu/%zu %s%s", p->done, total, len > 50 ? "..." : "",
            len > 50 ? u + len - 47 : u);
    if (p->done && secs > 0.5)
        fprintf(stderr, "  %.1f MB/s  ETA %.0f s", (double)p->out->bytes / 1e6 / secs,
                secs / (double)p->done * (double)(total - p->done));
    fflush(stderr);
    free(u);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct store *s = NULL;
    enum status st = store_connect(&s, p->db, p->ao->scan->env);

    for (size_t i; st == STATUS_OK && (i = atomic_fetch_add(&p->next, 1)) < p->list->n;) {
        pthread_mutex_lock(&p->lock);
        if (p->fatal != STATUS_OK) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        if (p->progress)
            show_progress(p, p->list->v[i].url);
        pthread_mutex_unlock(&p->lock);
        st = audit_one(p, s, i);
        if (st != STATUS_USAGE && st != STATUS_BUG)
            st = STATUS_OK;
    }
    store_close(s);
    if (st != STATUS_OK) {
        pthread_mutex_lock(&p->lock);
        if (p->fatal == STATUS_OK) {
            p->fatal = st;
            log_error("%s", status_message());
        }
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

enum status audit_run(const struct audit_opts *ao, struct audit_outcome *out)
{
    struct store *s = NULL;
    struct audit_list list = { NULL, 0 };
    struct ruleset rs = RULESET_INIT;
    char key[65];
    struct pool p;
    unsigned parallel = 1;
    enum status st;

    memset(out, 0, sizeof(*out));
    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.lock, NULL);
    if ((st = audit_collect(ao, &list)) != STATUS_OK)
        goto out;
    if (list.n == 0 && (ao->n_github_orgs || ao->n_gitlab_groups)) {
        log_warn("the organisations and groups named hold no repository to audit");
    } else if (list.n == 0) {
        st = fail(STATUS_USAGE, "no repositories to audit (PATH..., --repos-from, --discover, "
                                  "--github-org or --gitlab-group)");
        goto out;
    }
    /* create and migrate the store once, before any worker opens it */
    if ((st = audit_rules_key(ao->scan, key, &rs)) != STATUS_OK ||
        (st = store_connect(&s, audit_db_path(ao->db, ao->scan->env), ao->scan->env)) !=
            STATUS_OK)
        goto out;
    store_close(s);
    p.ao = ao;
    p.key = key;
    p.rs = &rs;
    p.list = &list;
    p.db = audit_db_path(ao->db, ao->scan->env);
    p.out = out;
    p.slots = xcalloc(list.n, sizeof(*p.slots));
    p.progress = !ao->scan->quiet && isatty(STDERR_FILENO);
    p.t0 = clock_now();
    /* -j N: up to N repositories at once, the N threads shared among them */
    if (ao->jobs > 1 && list.n > 1) {
        parallel = ao->jobs < list.n ? ao->jobs : (unsigned)list.n;
        p.scan_threads = ao->jobs / parallel ? ao->jobs / parallel : 1;
    } else {
        p.scan_threads = ao->jobs;
    }
    if (parallel == 1) {
        worker(&p);
    } else {
        pthread_t *tids = xcalloc(parallel, sizeof(*tids));
        unsigned started = 0;
        for (unsigned k = 0; k < parallel; k++)
            if (pthread_create(&tids[k], NULL, worker, &p) == 0)
                started++;
        if (started == 0)
            worker(&p);
        for (unsigned k = 0; k < started; k++)
            pthread_join(tids[k], NULL);
        free(tids);
    }
    if (p.progress)
        fputs("\r\033[K", stderr);
    if (p.fatal != STATUS_OK) {
        st = fail(p.fatal, "the audit stopped");
        goto out;
    }
    if (strcmp(ao->format, "json") == 0) {
        struct jv *doc = audit_summary_doc(&p, list.n, out);
        jv_put(doc, "complete", jv_bool(!out->incomplete));
        jv_write(stdout, doc, JV_PRETTY);
        jv_free(doc);
    }
out:
    for (size_t i = 0; p.slots && i < list.n; i++)
        jv_free(p.slots[i]);
    free(p.slots);
    pthread_mutex_destroy(&p.lock);
    audit_list_release(&list);
    ruleset_release(&rs);
    return st;
}
