/*
 * finding/findings.c - observations in, credentials out.
 *
 * Grouping happens once, after the scan, over observations sorted into a canonical
 * order, so the result does not depend on worker timing. Values are interned as
 * nodes (kind + value); a finding is built per access-key-ID node and per value node
 * that no key ID claims.
 */
#include "finding/findings.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/hashmap.h"
#include "base/xalloc.h"
#include "aws/bedrock.h"
#include "aws/keys.h"
#include "aws/sender.h"
#include "crypto/crypto.h"
#include "model/provenance.h"

struct stored {
    enum cred_kind kind;
    char *value;
    char *paired_id;
    char *region;
    char *senders;
    enum confidence confidence;
    bool deferred;
    bool allowed;
    struct location loc;
};

struct idx_vec {
    size_t *v;
    size_t n, cap;
};

struct node {
    enum cred_kind kind;
    const char *value;    /* borrowed from a stored observation */
    struct idx_vec obs;   /* stored observations of this value */
    struct idx_vec ids;   /* key-ID nodes this value was paired with */
    struct idx_vec owners; /* findings this value belongs to */
    size_t smtp_secret;   /* for SMTP nodes: secret node that derives to it, or SIZE_MAX */
    const char *smtp_region;
};

struct findings {
    pthread_mutex_t lock;
    struct stored *obs;
    size_t n, cap;
    /* built */
    struct node *nodes;
    size_t n_nodes, cap_nodes;
    struct hashmap table;   /* (kind, value) -> node */
    struct finding *out;
    struct finding **sorted;
    size_t n_out;
};

static void idx_append(struct idx_vec *v, size_t x)
{
    XGROW(v->v, v->cap, v->n + 1);
    v->v[v->n++] = x;
}

/* x added unless v has it already: for the short lists (a value's key IDs, a node's
 * findings). */
static void idx_push(struct idx_vec *v, size_t x)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == x)
            return;
    idx_append(v, x);
}

void findings_new(struct findings **out)
{
    struct findings *f = xcalloc(1, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    *out = f;
}

static void commit_copy(struct commit_info *dst, const struct commit_info *src)
{
    memset(dst, 0, sizeof(*dst));
    if (!src)
        return;
    dst->commit = src->commit ? xstrdup(src->commit) : NULL;
    dst->author = src->author ? xstrdup(src->author) : NULL;
    dst->summary = src->summary ? xstrdup(src->summary) : NULL;
    dst->author_time = src->author_time;
    dst->commit_time = src->commit_time;
}

static void location_release(struct location *l)
{
    free(l->path);
    free(l->rule_id);
    free(l->encoding);
    free(l->blob);
    free(l->commit.commit);
    free(l->commit.author);
    free(l->commit.summary);
    free(l->removed_in);
    free(l->layer_cmd);
}

static void location_copy(struct location *dst, const struct location *src)
{
    *dst = *src;
    dst->path = xstrdup(src->path);
    dst->rule_id = src->rule_id ? xstrdup(src->rule_id) : NULL;
    dst->encoding = src->encoding ? xstrdup(src->encoding) : NULL;
    dst->blob = src->blob ? xstrdup(src->blob) : NULL;
    dst->removed_in = src->removed_in ? xstrdup(src->removed_in) : NULL;
    dst->layer_cmd = src->layer_cmd ? xstrdup(src->layer_cmd) : NULL;
    commit_copy(&dst->commit, &src->commit);
}

static void stored_release(struct stored *s)
{
    crypto_free_secret(s->value);
    free(s->paired_id);
    free(s->region);
    free(s->senders);
    location_release(&s->loc);
}

enum status findings_add(struct findings *f, const struct observation *o)
{
    struct stored s;
    enum status st = STATUS_OK;

    memset(&s, 0, sizeof(s));
    s.kind = o->kind;
    s.value = xstrndup(o->value, o->value_len);
    s.paired_id = o->paired_id ? xstrdup(o->paired_id) : NULL;
    s.region = o->region ? xstrdup(o->region) : NULL;
    s.senders = o->senders ? xstrdup(o->senders) : NULL;
    s.confidence = o->confidence;
    s.deferred = o->deferred;
    s.allowed = o->allowed;
    s.loc.path = xstrdup(o->path ? o->path : "-");
    s.loc.shown_tail = o->path ? o->shown_tail : 0;
    s.loc.line = o->line;
    s.loc.column = o->column;
    s.loc.column_utf16 = o->column_utf16;
    s.loc.offset = o->offset;
    s.loc.part = o->kind;
    s.loc.target = o->target;
    s.loc.rule_id = o->rule_id ? xstrdup(o->rule_id) : NULL;
    s.loc.encoding = o->encoding ? xstrdup(o->encoding) : NULL;
    s.loc.blob = o->blob_id ? xstrdup(o->blob_id) : NULL;
    commit_copy(&s.loc.commit, o->commit);
    s.loc.removed_in = o->removed_in ? xstrdup(o->removed_in) : NULL;
    s.loc.layer_cmd = o->layer_cmd ? xstrdup(o->layer_cmd) : NULL;
    s.loc.replaced = o->replaced;

    pthread_mutex_lock(&f->lock);
    if (f->n >= LIMIT_OBSERVATIONS) {
        st = fail(STATUS_LIMIT, "more than %u observations: later ones are dropped",
                  LIMIT_OBSERVATIONS);
    } else {
        XGROW(f->obs, f->cap, f->n + 1);
        f->obs[f->n++] = s;
        memset(&s, 0, sizeof(s));
    }
    pthread_mutex_unlock(&f->lock);
    if (st != STATUS_OK)
        stored_release(&s);
    return st;
}

static int cmp_pstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool deferred_in(const struct stored *s, unsigned target)
{
    return s->deferred && s->loc.target == target && s->loc.blob;
}

size_t findings_deferred_blobs(struct findings *f, unsigned target, const char ***out)
{
    const char **v = NULL;
    size_t n = 0, k = 0;

    for (size_t i = 0; i < f->n; i++)
        if (deferred_in(&f->obs[i], target))
            n++;
    v = xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < f->n; i++)
        if (deferred_in(&f->obs[i], target))
            v[k++] = f->obs[i].loc.blob;
    if (k > 1)
        qsort(v, k, sizeof(*v), cmp_pstr);
    n = 0;
    for (size_t i = 0; i < k; i++)
        if (n == 0 || strcmp(v[n - 1], v[i]) != 0)
            v[n++] = v[i];
    *out = v;
    return n;
}

static void stored_copy(struct stored *dst, const struct stored *src)
{
    *dst = *src;
    dst->value = xstrdup(src->value);
    dst->paired_id = src->paired_id ? xstrdup(src->paired_id) : NULL;
    dst->region = src->region ? xstrdup(src->region) : NULL;
    dst->senders = src->senders ? xstrdup(src->senders) : NULL;
    location_copy(&dst->loc, &src->loc);
}

static int cmp_prov_blob_id(const void *key, const void *elem)
{
    return strcmp(key, ((const struct prov_blob *)elem)->blob_id);
}

/* The table's entry for `blob_id` (the table is sorted by id), or NULL. */
static const struct prov_blob *prov_lookup(const struct prov_table *t, const char *blob_id)
{
    if (!t || !t->n)
        return NULL;
    return bsearch(blob_id, t->blobs, t->n, sizeof(*t->blobs), cmp_prov_blob_id);
}

enum status findings_expand(struct findings *f, unsigned target, const struct prov_table *table)
{
    struct stored *out = NULL;
    size_t n = 0, cap = 0;
    enum status st = STATUS_OK;

    for (size_t i = 0; i < f->n; i++) {
        struct stored *s = &f->obs[i];
        const struct prov_blob *pb = NULL;
        const struct provenance *prov;
        const char *display;
        size_t n_prov, dl;
        const char *suffix;

        if (deferred_in(s, target))
            pb = prov_lookup(table, s->loc.blob);
        if (!pb || pb->n_places == 0) {
            if (s->deferred && s->loc.target == target)
                s->deferred = false;
            XGROW(out, cap, n + 1);
            out[n++] = *s;
            continue;
        }
        display = pb->display;
        prov = pb->places;
        n_prov = pb->n_places;
        /* The observation's path is the display path, or display!member in an archive. */
        dl = display ? strlen(display) : 0;
        suffix = dl && strncmp(s->loc.path, display, dl) == 0 ? s->loc.path + dl : "";
        for (size_t k = 0; k < n_prov; k++) {
            struct stored c;
            if (n >= LIMIT_OBSERVATIONS) {
                st = fail(STATUS_LIMIT, "more than %u observations: later ones are dropped",
                          LIMIT_OBSERVATIONS);
                break;
            }
            stored_copy(&c, s);
            c.deferred = false;
            free(c.loc.path);
            c.loc.path = xasprintf("%s%s", prov[k].path ? prov[k].path : "-", suffix);
            free(c.loc.commit.commit);
            free(c.loc.commit.author);
            free(c.loc.commit.summary);
            commit_copy(&c.loc.commit, prov[k].commit);
            XGROW(out, cap, n + 1);
            out[n++] = c;
        }
        stored_release(s);
    }
    free(f->obs);
    f->obs = out;
    f->n = n;
    f->cap = cap;
    return st;
}

size_t findings_observations(const struct findings *f)
{
    return f->n;
}

static int cmp_str_null(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

static int cmp_location(const struct location *a, const struct location *b)
{
    int c;
    if ((c = cmp_str_null(a->commit.commit, b->commit.commit)) != 0)
        return c;
    if ((c = strcmp(a->path, b->path)) != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    if ((c = cmp_str_null(a->encoding, b->encoding)) != 0)
        return c;
    return cmp_str_null(a->rule_id, b->rule_id);
}

static int cmp_stored(const void *pa, const void *pb)
{
    const struct stored *a = pa, *b = pb;
    int c;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if ((c = strcmp(a->value, b->value)) != 0)
        return c;
    if ((c = cmp_location(&a->loc, &b->loc)) != 0)
        return c;
    if ((c = cmp_str_null(a->paired_id, b->paired_id)) != 0)
        return c;
    if ((c = cmp_str_null(a->region, b->region)) != 0)
        return c;
    return (int)b->confidence - (int)a->confidence;
}

struct node_key {
    enum cred_kind kind;
    const char *value;
};

static bool node_eq(const void *ctx, uint32_t item, const void *key)
{
    const struct node *nd = &((const struct findings *)ctx)->nodes[item];
    const struct node_key *k = key;
    return nd->kind == k->kind && strcmp(nd->value, k->value) == 0;
}

static size_t node_lookup(struct findings *f, enum cred_kind k, const char *v, bool create)
{
    struct node_key key = { k, v };
    uint64_t h = hash_str(v) ^ hash_u64((uint64_t)k + 1);
    uint32_t ni = hashmap_find(&f->table, h, node_eq, f, &key);

    if (ni != HASHMAP_NONE)
        return ni;
    if (!create)
        return SIZE_MAX;
    XGROW(f->nodes, f->cap_nodes, f->n_nodes + 1);
    memset(&f->nodes[f->n_nodes], 0, sizeof(struct node));
    f->nodes[f->n_nodes].kind = k;
    f->nodes[f->n_nodes].value = v;
    f->nodes[f->n_nodes].smtp_secret = SIZE_MAX;
    hashmap_insert(&f->table, h, (uint32_t)f->n_nodes);
    return f->n_nodes++;
}

static void strings_add_unique(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = xrealloc(*v, (*n + 1) * sizeof(char *));
    (*v)[(*n)++] = xstrdup(s);
}

static int cmp_loc_q(const void *a, const void *b)
{
    return cmp_location(a, b);
}

static void fingerprint(struct finding *fd, enum cred_kind kind, const char *value)
{
    char hex[65];
    char *id = xasprintf("aws:%s:%s", cred_kind_name(kind), value);
    crypto_sha256_hex(id, strlen(id), hex);
    memcpy(fd->fingerprint, hex, 16);
    fd->fingerprint[16] = '\0';
    crypto_free_secret(id);
}

void finding_add_bedrock(struct finding *fd, const char *value)
{
    struct bedrock_key *bk;
    struct bedrock_info bi;

    fd->bedrock_keys = xrealloc(fd->bedrock_keys,
                                (fd->n_bedrock_keys + 1) * sizeof(*fd->bedrock_keys));
    bk = &fd->bedrock_keys[fd->n_bedrock_keys++];
    memset(bk, 0, sizeof(*bk));
    bk->value = xstrdup(value);
    crypto_sha256_hex(value, strlen(value), bk->sha256);
    (void)aws_bedrock_decode(value, strlen(value), &bi);
    bk->type = aws_bedrock_type_name(bi.type);
    bk->service_user = bi.service_user[0] ? xstrdup(bi.service_user) : NULL;
    bk->account_id = bi.account_id[0] ? xstrdup(bi.account_id) : NULL;
    bk->key_id = bi.key_id[0] ? xstrdup(bi.key_id) : NULL;
    bk->region = bi.region[0] ? xstrdup(bi.region) : NULL;
    bk->expires = bi.expires;
    bk->has_token = bi.has_token;
    if (!fd->account_id && bi.account_id[0])
        fd->account_id = xstrdup(bi.account_id);
}

/* Fill fd with node ni: its value, and its observations as places. With `counted`, fd
 * is a hidden example: its places are only counted there (findings_build). */
static void finding_take_node(struct findings *f, struct finding *fd, size_t ni,
                              size_t *counted)
{
    struct node *nd = &f->nodes[ni];
    struct secret_value *sv = NULL;

    switch (nd->kind) {
    case CRED_SECRET_ACCESS_KEY:
        fd->secrets = xrealloc(fd->secrets, (fd->n_secrets + 1) * sizeof(*fd->secrets));
        sv = &fd->secrets[fd->n_secrets++];
        break;
    case CRED_SESSION_TOKEN:
        fd->session_tokens =
            xrealloc(fd->session_tokens, (fd->n_session_tokens + 1) * sizeof(*sv));
        sv = &fd->session_tokens[fd->n_session_tokens++];
        break;
    case CRED_SMTP_PASSWORD: {
        struct smtp_password *sp;
        fd->smtp_passwords = xrealloc(fd->smtp_passwords,
                                      (fd->n_smtp_passwords + 1) * sizeof(*fd->smtp_passwords));
        sp = &fd->smtp_passwords[fd->n_smtp_passwords++];
        sp->value = xstrdup(nd->value);
        crypto_sha256_hex(nd->value, strlen(nd->value), sp->sha256);
        sp->from_secret = -1;
        sp->region = NULL;
        if (nd->smtp_secret != SIZE_MAX) {
            const char *sec = f->nodes[nd->smtp_secret].value;
            for (size_t i = 0; i < fd->n_secrets; i++)
                if (strcmp(fd->secrets[i].value, sec) == 0)
                    sp->from_secret = (int)i;
            sp->region = xstrdup(nd->smtp_region);
        }
        break;
    }
    case CRED_BEDROCK_API_KEY:
        finding_add_bedrock(fd, nd->value);
        break;
    default:
        break;
    }
    if (sv) {
        sv->value = xstrdup(nd->value);
        crypto_sha256_hex(nd->value, strlen(nd->value), sv->sha256);
        sv->status = VERIFY_NOT_CHECKED;
    }
    if (counted) {
        *counted += nd->obs.n;
        return;
    }
    if (nd->obs.n)
        fd->locations =
            xrealloc(fd->locations, (fd->n_locations + nd->obs.n) * sizeof(*fd->locations));
    for (size_t i = 0; i < nd->obs.n; i++) {
        const struct stored *s = &f->obs[nd->obs.v[i]];
        struct location *l = &fd->locations[fd->n_locations++];

        location_copy(l, &s->loc);
        /* which value is here (issue 17): the handle of the part's value */
        l->value_sha[0] = '\0';
        if (sv || nd->kind == CRED_SMTP_PASSWORD) {
            const char *h = sv ? sv->sha256 : fd->smtp_passwords[fd->n_smtp_passwords - 1].sha256;
            memcpy(l->value_sha, h, FINDING_PART_HEX);
            l->value_sha[FINDING_PART_HEX] = '\0';
        }
        if (s->confidence > fd->confidence)
            fd->confidence = s->confidence;
        if (s->loc.rule_id)
            strings_add_unique(&fd->rule_ids, &fd->n_rule_ids, s->loc.rule_id);
        if (s->region)
            strings_add_unique(&fd->regions, &fd->n_regions, s->region);
        for (const char *p = s->senders; p && *p && fd->n_senders < LIMIT_SENDERS;) {
            size_t n = strcspn(p, "\n");
            char one[AWS_SENDER_MAX + 1];
            snprintf(one, sizeof(one), "%.*s", (int)n, p);
            strings_add_unique(&fd->senders, &fd->n_senders, one);
            p += n + (p[n] == '\n');
        }
    }
}

static bool is_example(const char *v)
{
    return aws_is_example(v, strlen(v));
}

/* A finding is an example (hidden by default) only if every part of it is one: a real
 * value is never hidden because an example was seen next to it. */
static bool all_examples(const struct finding *fd)
{
    bool any = false;

    if (fd->access_key_id) {
        if (!is_example(fd->access_key_id))
            return false;
        any = true;
    }
    for (size_t i = 0; i < fd->n_secrets; i++, any = true)
        if (!is_example(fd->secrets[i].value))
            return false;
    for (size_t i = 0; i < fd->n_session_tokens; i++, any = true)
        if (!is_example(fd->session_tokens[i].value))
            return false;
    for (size_t i = 0; i < fd->n_smtp_passwords; i++, any = true)
        if (!is_example(fd->smtp_passwords[i].value))
            return false;
    for (size_t i = 0; i < fd->n_bedrock_keys; i++, any = true)
        if (!is_example(fd->bedrock_keys[i].value))
            return false;
    return any;
}

/* A part of fd is a near-copy of a documentation example (aws_is_example_like). */
static bool any_example_like(const struct finding *fd)
{
    if (fd->access_key_id && aws_is_example_like(fd->access_key_id, strlen(fd->access_key_id)))
        return true;
    for (size_t i = 0; i < fd->n_secrets; i++)
        if (aws_is_example_like(fd->secrets[i].value, strlen(fd->secrets[i].value)))
            return true;
    return false;
}

static int cmp_finding(const void *pa, const void *pb)
{
    const struct finding *a = *(struct finding *const *)pa, *b = *(struct finding *const *)pb;
    bool a_sec = a->n_secrets || a->n_smtp_passwords || a->n_session_tokens || a->n_bedrock_keys;
    bool b_sec = b->n_secrets || b->n_smtp_passwords || b->n_session_tokens || b->n_bedrock_keys;
    int c;

    if (a->example != b->example)
        return a->example ? 1 : -1;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    if (a_sec != b_sec)
        return a_sec ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->n_locations && b->n_locations &&
        (c = cmp_location(&a->locations[0], &b->locations[0])) != 0)
        return c;
    return strcmp(a->fingerprint, b->fingerprint);
}

/* SMTP linking derives every secret's passwords (v2, and v4 for each region: 111 HMACs
 * per secret with 22 regions: 4.7 ms of the bench tar's 6 ms of findings, 93 secrets). Secrets are derived a
 * batch at a time, on opts->threads threads, then looked up in node order: the first
 * secret (v2 before the regions, regions in order) that gives a password links it, as
 * when each was derived and looked up in turn. */
#define SMTP_LINK_BATCH 256
#define SMTP_LINK_THREADS 4 /* at most */

struct smtp_batch {
    const struct findings *f;
    const struct findings_opts *opts;
    size_t secrets[SMTP_LINK_BATCH]; /* node numbers */
    size_t n;
    bool v2, v4;
    char (*pw)[45]; /* secret i: pw[i * stride] v2, then v4 per region */
    size_t stride;
    unsigned threads;
};

struct smtp_share {
    struct smtp_batch *b;
    unsigned k; /* this thread derives secrets k, k + threads, ... */
};

static void *smtp_derive(void *arg)
{
    const struct smtp_share *sh = arg;
    const struct smtp_batch *b = sh->b;

    for (size_t i = sh->k; i < b->n; i += b->threads) {
        const char *v = b->f->nodes[b->secrets[i]].value;
        char (*pw)[45] = b->pw + i * b->stride;
        size_t len = strlen(v);
        pw[0][0] = '\0';
        if (b->v2)
            aws_smtp_password_v2(v, len, pw[0]);
        if (b->v4)
            aws_smtp_passwords_v4(v, len, b->opts->smtp_regions, b->opts->n_smtp_regions,
                                  pw + 1);
        else
            for (size_t r = 0; r < b->opts->n_smtp_regions; r++)
                pw[1 + r][0] = '\0';
    }
    return NULL;
}

static void smtp_batch_run(struct findings *f, struct smtp_batch *b)
{
    struct smtp_share sh[SMTP_LINK_THREADS];
    pthread_t tid[SMTP_LINK_THREADS];
    bool started[SMTP_LINK_THREADS] = { false };

    for (unsigned k = 1; k < b->threads; k++) {
        sh[k] = (struct smtp_share){ b, k };
        started[k] = pthread_create(&tid[k], NULL, smtp_derive, &sh[k]) == 0;
    }
    sh[0] = (struct smtp_share){ b, 0 };
    smtp_derive(&sh[0]);
    for (unsigned k = 1; k < b->threads; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            smtp_derive(&sh[k]); /* no thread: derived here */
    }
    for (size_t i = 0; i < b->n; i++) {
        for (size_t r = 0; r < b->stride; r++) {
            const char *pw = b->pw[i * b->stride + r];
            size_t hit;
            if (!pw[0] || (hit = node_lookup(f, CRED_SMTP_PASSWORD, pw, false)) == SIZE_MAX ||
                f->nodes[hit].smtp_secret != SIZE_MAX)
                continue;
            f->nodes[hit].smtp_secret = b->secrets[i];
            f->nodes[hit].smtp_region = r == 0 ? "v2" : b->opts->smtp_regions[r - 1];
        }
    }
    crypto_wipe(b->pw, b->n * b->stride * sizeof(*b->pw));
    b->n = 0;
}

static void link_smtp(struct findings *f, const struct findings_opts *opts)
{
    struct smtp_batch *b;
    bool v2 = false, v4 = false;

    /* A password is base64 of its version byte and a MAC: a v2 one starts with 'A'
     * (0x02), a v4 one with 'B' (0x04). A version no SMTP password seen has is not
     * derived (none seen: nothing is). */
    for (size_t ni = 0; ni < f->n_nodes; ni++) {
        if (f->nodes[ni].kind != CRED_SMTP_PASSWORD)
            continue;
        v2 = v2 || f->nodes[ni].value[0] == AWS_SMTP_V2_LEAD;
        v4 = v4 || f->nodes[ni].value[0] == AWS_SMTP_V4_LEAD;
    }
    if (!v2 && !v4)
        return;
    b = xcalloc(1, sizeof(*b));
    b->f = f;
    b->opts = opts;
    b->v2 = v2;
    b->v4 = v4;
    b->stride = 1 + opts->n_smtp_regions;
    b->pw = xcalloc(SMTP_LINK_BATCH * b->stride, sizeof(*b->pw));
    b->threads = opts->threads < 1                   ? 1
                 : opts->threads > SMTP_LINK_THREADS ? SMTP_LINK_THREADS
                                                     : opts->threads;
    for (size_t ni = 0; ni < f->n_nodes; ni++) {
        if (f->nodes[ni].kind != CRED_SECRET_ACCESS_KEY)
            continue;
        b->secrets[b->n++] = ni;
        if (b->n == SMTP_LINK_BATCH)
            smtp_batch_run(f, b);
    }
    if (b->n)
        smtp_batch_run(f, b);
    free(b->pw);
    free(b);
}

static size_t new_finding(struct findings *f, size_t cap_out)
{
    (void)cap_out;
    memset(&f->out[f->n_out], 0, sizeof(struct finding));
    return f->n_out++;
}

/* A finding every part of which is a documentation example is hidden unless examples
 * are asked for (all_examples). Its places are then counted, never copied or sorted: an
 * SDK's documentation holds the example key thousands of times (4,712 and 4,837 places
 * in the bench tree: two thirds of building its findings). hidden_examples gives, per
 * finding, 0 if it is shown, else HIDDEN_UNPLACED + its places; NULL if all are shown. */
#define HIDDEN_UNPLACED ((size_t)1)

static size_t *hidden_examples(const struct findings *f, const struct findings_opts *opts)
{
    size_t *hidden;
    bool *real;

    if (opts->include_examples || f->n_out == 0)
        return NULL;
    hidden = xcalloc(f->n_out, sizeof(*hidden));
    real = xcalloc(f->n_out, sizeof(*real));
    for (size_t ni = 0; ni < f->n_nodes; ni++) {
        const struct node *nd = &f->nodes[ni];
        bool ex = is_example(nd->value);
        /* a key ID fills only its own finding (owners.v[0]) */
        size_t n = nd->kind == CRED_ACCESS_KEY_ID && nd->owners.n ? 1 : nd->owners.n;
        for (size_t j = 0; j < n; j++) {
            size_t fi = nd->owners.v[j];
            real[fi] = real[fi] || !ex;
            hidden[fi] = HIDDEN_UNPLACED;
        }
    }
    for (size_t fi = 0; fi < f->n_out; fi++)
        if (real[fi])
            hidden[fi] = 0;
    free(real);
    return hidden;
}

static void take_node(struct findings *f, size_t fi, size_t ni, size_t *hidden)
{
    finding_take_node(f, &f->out[fi], ni, hidden && hidden[fi] ? &hidden[fi] : NULL);
}

void findings_build(struct findings *f, const struct findings_opts *opts,
                    struct finding ***out, size_t *n, uint64_t *examples_hidden)
{
    size_t kept = 0;
    size_t *hidden;
    /* Order of kinds for ownership: IDs first, then secrets and tokens, SMTP last (an
     * SMTP password may follow the secret it derives from). */
    static const enum cred_kind order[] = { CRED_SECRET_ACCESS_KEY, CRED_SESSION_TOKEN,
                                            CRED_SMTP_PASSWORD, CRED_BEDROCK_API_KEY };

    *examples_hidden = 0;
    if (f->n)
        qsort(f->obs, f->n, sizeof(*f->obs), cmp_stored);
    hashmap_reserve(&f->table, f->n + 16);

    for (size_t i = 0; i < f->n; i++) {
        const struct stored *s = &f->obs[i];
        size_t ni;
        if (s->kind == CRED_CONTEXT)
            continue;
        if (s->allowed) {
            /* Not a place of the finding; an allowed key ID still names the credential
             * of a value next to it that is not allowed. */
            if (s->kind == CRED_ACCESS_KEY_ID)
                (void)node_lookup(f, s->kind, s->value, true);
            continue;
        }
        ni = node_lookup(f, s->kind, s->value, true);
        /* each observation once, in order: no search for it (a key seen N times cost
         * N^2/2 comparisons here: 11 M for the bench tree's example key) */
        idx_append(&f->nodes[ni].obs, i);
    }
    /* Pairings: IDs are nodes too, even when only seen as a pairing partner. */
    for (size_t i = 0; i < f->n; i++) {
        const struct stored *s = &f->obs[i];
        size_t ni, idn;
        if (s->kind == CRED_CONTEXT || s->kind == CRED_ACCESS_KEY_ID || !s->paired_id ||
            s->allowed)
            continue;
        ni = node_lookup(f, s->kind, s->value, false);
        idn = node_lookup(f, CRED_ACCESS_KEY_ID, s->paired_id, false);
        /* A documentation example never joins a real value, nor a real one an example. */
        if (ni != SIZE_MAX && idn != SIZE_MAX &&
            aws_is_example(s->value, strlen(s->value)) ==
                aws_is_example(s->paired_id, strlen(s->paired_id)))
            idx_push(&f->nodes[ni].ids, idn);
    }
    link_smtp(f, opts);
    /* An SMTP password's username is its key ID, and the password derives from that key's
     * secret: so the secret belongs to the key ID too. */
    for (size_t ni = 0; ni < f->n_nodes; ni++) {
        const struct node *nd = &f->nodes[ni];
        if (nd->kind != CRED_SMTP_PASSWORD || nd->smtp_secret == SIZE_MAX)
            continue;
        for (size_t k = 0; k < nd->ids.n; k++)
            idx_push(&f->nodes[nd->smtp_secret].ids, nd->ids.v[k]);
    }

    f->out = xcalloc(f->n_nodes + 1, sizeof(*f->out));
    for (size_t ni = 0; ni < f->n_nodes; ni++) {
        struct node *nd = &f->nodes[ni];
        struct finding *fd;
        size_t fi;
        char acct[13];
        if (nd->kind != CRED_ACCESS_KEY_ID)
            continue;
        fi = new_finding(f, f->n_nodes);
        fd = &f->out[fi];
        idx_push(&nd->owners, fi);
        fd->kind = CRED_ACCESS_KEY_ID;
        fd->access_key_id = xstrdup(nd->value);
        fd->key_type = xstrndup(nd->value, 4);
        if (aws_account_id(nd->value, strlen(nd->value), acct))
            fd->account_id = xstrdup(acct);
        fingerprint(fd, CRED_ACCESS_KEY_ID, nd->value);
    }
    for (size_t o = 0; o < ARRAY_SIZE(order); o++) {
        for (size_t ni = 0; ni < f->n_nodes; ni++) {
            struct node *nd = &f->nodes[ni];
            if (nd->kind != order[o])
                continue;
            for (size_t k = 0; k < nd->ids.n; k++)
                for (size_t j = 0; j < f->nodes[nd->ids.v[k]].owners.n; j++)
                    idx_push(&nd->owners, f->nodes[nd->ids.v[k]].owners.v[j]);
            if (nd->smtp_secret != SIZE_MAX) {
                const struct node *sec = &f->nodes[nd->smtp_secret];
                for (size_t j = 0; j < sec->owners.n; j++)
                    idx_push(&nd->owners, sec->owners.v[j]);
            }
            if (nd->owners.n == 0) {
                size_t fi = new_finding(f, f->n_nodes);
                f->out[fi].kind = nd->kind;
                fingerprint(&f->out[fi], nd->kind, nd->value);
                idx_push(&nd->owners, fi);
            }
        }
    }
    hidden = hidden_examples(f, opts);
    /* Fill: key IDs first, then values in kind order, so SMTP links find their secret. */
    for (size_t ni = 0; ni < f->n_nodes; ni++)
        if (f->nodes[ni].kind == CRED_ACCESS_KEY_ID)
            take_node(f, f->nodes[ni].owners.v[0], ni, hidden);
    for (size_t o = 0; o < ARRAY_SIZE(order); o++)
        for (size_t ni = 0; ni < f->n_nodes; ni++)
            if (f->nodes[ni].kind == order[o])
                for (size_t j = 0; j < f->nodes[ni].owners.n; j++)
                    take_node(f, f->nodes[ni].owners.v[j], ni, hidden);

    f->sorted = xcalloc(f->n_out + 1, sizeof(*f->sorted));
    for (size_t i = 0; i < f->n_out; i++) {
        struct finding *fd = &f->out[i];
        if (hidden && hidden[i]) {
            /* every part an example: hidden (counted if it has a place at all) */
            *examples_hidden += hidden[i] != HIDDEN_UNPLACED;
            continue;
        }
        bool paired = fd->access_key_id && (fd->n_secrets || fd->n_smtp_passwords ||
                                            fd->n_session_tokens || fd->n_bedrock_keys);
        if (paired)
            fd->confidence = CONF_HIGH;
        fd->example = all_examples(fd);
        fd->canary = fd->account_id && aws_is_canary_account(fd->account_id);
        fd->example_like = !fd->example && any_example_like(fd);
        if (fd->example_like)
            fd->confidence = CONF_LOW;
        if (fd->n_locations)
            qsort(fd->locations, fd->n_locations, sizeof(*fd->locations), cmp_loc_q);
        if (fd->n_rule_ids)
            qsort(fd->rule_ids, fd->n_rule_ids, sizeof(char *), cmp_pstr);
        if (fd->n_regions)
            qsort(fd->regions, fd->n_regions, sizeof(char *), cmp_pstr);
        if (fd->n_senders)
            qsort(fd->senders, fd->n_senders, sizeof(char *), cmp_pstr);
        if (fd->n_locations == 0)
            continue; /* a key ID seen only on allowed lines, with nothing else */
        if (fd->example && !opts->include_examples) {
            (*examples_hidden)++;
            continue;
        }
        f->sorted[kept++] = fd;
    }
    free(hidden);
    if (kept > 1)
        qsort(f->sorted, kept, sizeof(*f->sorted), cmp_finding);
    *out = f->sorted;
    *n = kept;
}

void finding_release(struct finding *fd)
{
    free(fd->access_key_id);
    free(fd->key_type);
    free(fd->account_id);
    for (size_t i = 0; i < fd->n_secrets; i++)
        crypto_free_secret(fd->secrets[i].value);
    free(fd->secrets);
    for (size_t i = 0; i < fd->n_session_tokens; i++)
        crypto_free_secret(fd->session_tokens[i].value);
    free(fd->session_tokens);
    for (size_t i = 0; i < fd->n_smtp_passwords; i++) {
        crypto_free_secret(fd->smtp_passwords[i].value);
        free(fd->smtp_passwords[i].region);
    }
    free(fd->smtp_passwords);
    for (size_t i = 0; i < fd->n_bedrock_keys; i++) {
        crypto_free_secret(fd->bedrock_keys[i].value);
        free(fd->bedrock_keys[i].service_user);
        free(fd->bedrock_keys[i].account_id);
        free(fd->bedrock_keys[i].key_id);
        free(fd->bedrock_keys[i].region);
    }
    free(fd->bedrock_keys);
    free(fd->owner_user);
    free(fd->owner_status);
    for (size_t i = 0; i < fd->n_regions; i++)
        free(fd->regions[i]);
    free(fd->regions);
    for (size_t i = 0; i < fd->n_senders; i++)
        free(fd->senders[i]);
    free(fd->senders);
    for (size_t i = 0; i < fd->n_rule_ids; i++)
        free(fd->rule_ids[i]);
    free(fd->rule_ids);
    for (size_t i = 0; i < fd->n_locations; i++)
        location_release(&fd->locations[i]);
    free(fd->locations);
    for (size_t i = 0; i < fd->n_branches; i++)
        free(fd->branches[i]);
    free(fd->branches);
}

void findings_free(struct findings *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_out; i++)
        finding_release(&f->out[i]);
    free(f->out);
    free(f->sorted);
    for (size_t i = 0; i < f->n_nodes; i++) {
        free(f->nodes[i].obs.v);
        free(f->nodes[i].ids.v);
        free(f->nodes[i].owners.v);
    }
    free(f->nodes);
    hashmap_release(&f->table);
    for (size_t i = 0; i < f->n; i++) {
        stored_release(&f->obs[i]);
    }
    free(f->obs);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static int cmp_loc_ptr(const void *pa, const void *pb)
{
    const struct location *a = *(const struct location *const *)pa;
    const struct location *b = *(const struct location *const *)pb;
    int c = strcmp(a->path, b->path);
    if (c != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    return cmp_location(a, b);
}

size_t findings_allowed(struct findings *f, const struct location ***out)
{
    size_t n = 0;

    *out = xcalloc(f->n + 1, sizeof(**out));
    for (size_t i = 0; i < f->n; i++) {
        if (f->obs[i].allowed && f->obs[i].kind != CRED_CONTEXT)
            (*out)[n++] = &f->obs[i].loc;
    }
    if (n > 1)
        qsort(*out, n, sizeof(**out), cmp_loc_ptr);
    return n;
}
