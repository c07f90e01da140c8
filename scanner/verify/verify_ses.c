/*
 * verify/verify_ses.c - the SES sending evidence of a live key, per region: v1
 * GetSendStatistics (summed up by sesstats.c), sesv2 ListEmailIdentities (paged, at
 * most LIMIT_SES_IDENTITIES) and one GetEmailIdentityPolicies per identity.
 *
 * All three are read-only GETs or a read-only query action. AccessDenied is "not
 * visible", not an error: a least-privilege key cannot read them, and that is fine.
 * Identities and policies are asked with the operator's credentials for keys of the
 * operator's own account (then with the key if the operator is denied).
 */
#include "verify/verify_calls.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "verify/sesstats.h"

/* URI-encode s (all but A-Za-z0-9-_.~) into a new string. */
static char *uri_encode(const char *s)
{
    char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            *o++ = (char)ch;
        } else {
            snprintf(o, 4, "%%%02X", ch);
            o += 3;
        }
    }
    *o = '\0';
    return out;
}

/* sesv2 ListEmailIdentities (a page of 50) or GetEmailIdentityPolicies (identity
 * c->sub). */
enum status verify_build_evidence(struct verifier *vf, struct call_ctx *c)
{
    struct cred *cr = c->cred;
    const struct ses_state *s = &cr->v->ses[c->index];
    const char *id = c->with_operator ? vf->op.id : cr->id;
    const char *sec = c->with_operator ? vf->op.secret : cr->secret;
    const char *tok = c->with_operator ? vf->op.token : cr->token;
    char *path, *raw = NULL, *wire = NULL;
    enum status st;

    if (c->call == CALL_SES_IDS) {
        path = xstrdup("/v2/email/identities");
        if (c->page) {
            char *enc = uri_encode(c->page);
            raw = xasprintf("NextToken=%s&PageSize=50", c->page);
            wire = xasprintf("NextToken=%s&PageSize=50", enc);
            free(enc);
        } else {
            raw = xstrdup("PageSize=50");
            wire = xstrdup(raw);
        }
    } else {
        char *enc = uri_encode(s->identities[c->sub].name);
        path = xasprintf("/v2/email/identities/%s/policies", enc);
        free(enc);
    }
    st = verify_build_aws(c, SVC_SESV2, s->region, "GET", NULL, path, raw, wire, id, sec, tok);
    free(path);
    free(raw);
    free(wire);
    return st;
}

static bool access_denied(const char *code)
{
    return strcmp(code, "AccessDenied") == 0 || strcmp(code, "AccessDeniedException") == 0;
}

/* Why an evidence call gave no answer: AccessDenied is "not visible" (the key or the
 * operator may not read it), anything else says what went wrong. */
static char *evidence_error(const struct http_req *r, enum awsresp_result res,
                            const struct awsresp_error *err, const char *what)
{
    if (r->transport_error)
        return xasprintf("network: %s", r->error);
    if (res == AWSRESP_BAD)
        return verify_bad_answer(r, what, err);
    if (access_denied(err->code))
        return xasprintf("not visible (%s)", err->code);
    return xasprintf("%s", err->code);
}

void verify_on_ses_stats(struct verifier *vf, struct call_ctx *c)
{
    struct ses_state *s = &c->cred->v->ses[c->index];
    struct awsresp_in in = verify_resp_in(&c->req);
    struct awsresp_error err;
    struct awsresp_stats ans;
    enum awsresp_result res = awsresp_ses_stats(&in, &ans, &err);

    if (!c->req.transport_error && res == AWSRESP_OK) {
        sesstats_sum(ans.points, ans.n, vf->o->now, &s->stats);
        awsresp_stats_release(&ans);
        return;
    }
    if (verify_maybe_retry(vf, c, verify_err_code(res, &err)))
        return;
    free(s->stats_error);
    s->stats_error = evidence_error(&c->req, res, &err, "GetSendStatistics");
}

/* An evidence call made with the operator's credentials was denied: ask with the key. */
static bool retry_with_key(struct verifier *vf, struct call_ctx *c, const char *code)
{
    struct call_ctx *k;

    if (!c->with_operator || !access_denied(code))
        return false;
    k = verify_new_call(c->cred, c->call, c->svc);
    k->index = c->index;
    k->sub = c->sub;
    k->page = c->page ? xstrdup(c->page) : NULL;
    verify_submit_new(vf, k);
    return true;
}

void verify_on_ses_ids(struct verifier *vf, struct call_ctx *c)
{
    struct ses_state *s = &c->cred->v->ses[c->index];
    struct awsresp_in in = verify_resp_in(&c->req);
    struct awsresp_error err;
    struct awsresp_identities ans;
    enum awsresp_result res = awsresp_sesv2_identities(&in, &ans, &err);

    if (!c->req.transport_error && res == AWSRESP_OK) {
        for (size_t i = 0; i < ans.n; i++) {
            struct ses_identity *id;
            if (s->n_identities >= LIMIT_SES_IDENTITIES) {
                s->identities_truncated = true;
                break;
            }
            s->identities = xrealloc(s->identities, (s->n_identities + 1) * sizeof(*id));
            id = &s->identities[s->n_identities++];
            memset(id, 0, sizeof(*id));
            id->name = xstrdup(ans.items[i].name);
            id->type = ans.items[i].type[0] ? xstrdup(ans.items[i].type) : NULL;
            id->sending_enabled = ans.items[i].sending_enabled;
            id->verification_status = ans.items[i].status[0] ? xstrdup(ans.items[i].status)
                                                             : NULL;
        }
        /* Pages are bounded too: an endpoint that answers empty pages with a NextToken
         * forever gets LIMIT_SES_IDENTITY_PAGES requests, not more. */
        if (ans.next_token[0] && (s->n_identities >= LIMIT_SES_IDENTITIES ||
                                  c->sub + 1 >= LIMIT_SES_IDENTITY_PAGES))
            s->identities_truncated = true;
        if (ans.next_token[0] && !s->identities_truncated) {
            struct call_ctx *n = verify_new_call(c->cred, CALL_SES_IDS, SVC_SESV2);
            n->index = c->index;
            n->with_operator = c->with_operator;
            n->page = xstrdup(ans.next_token);
            n->sub = c->sub + 1; /* pages asked so far */
            verify_submit_new(vf, n);
        } else {
            s->identities_listed = true;
            for (size_t i = 0; i < s->n_identities; i++) {
                struct call_ctx *p = verify_new_call(c->cred, CALL_SES_POLICIES, SVC_SESV2);
                p->index = c->index;
                p->sub = i;
                p->with_operator = c->with_operator;
                verify_submit_new(vf, p);
            }
        }
        awsresp_identities_release(&ans);
        return;
    }
    if (verify_maybe_retry(vf, c, verify_err_code(res, &err)) || retry_with_key(vf, c, verify_err_code(res, &err)))
        return;
    free(s->identities_error);
    s->identities_error = evidence_error(&c->req, res, &err, "ListEmailIdentities");
}

void verify_on_ses_policies(struct verifier *vf, struct call_ctx *c)
{
    struct ses_state *s = &c->cred->v->ses[c->index];
    struct ses_identity *id = &s->identities[c->sub];
    struct awsresp_in in = verify_resp_in(&c->req);
    struct awsresp_error err;
    struct awsresp_policies ans;
    enum awsresp_result res = awsresp_sesv2_policies(&in, c->cred->v->account, &ans, &err);

    if (!c->req.transport_error && res == AWSRESP_OK) {
        id->policies = xcalloc(ans.n + 1, sizeof(*id->policies));
        for (size_t i = 0; i < ans.n; i++) {
            struct ses_policy *p = &id->policies[i];
            p->name = xstrdup(ans.items[i].name);
            p->open = ans.items[i].open;
            p->principals = ans.items[i].principals[0] ? xstrdup(ans.items[i].principals)
                                                       : NULL;
            p->conditions = ans.items[i].conditions[0] ? xstrdup(ans.items[i].conditions)
                                                       : NULL;
            p->why = xstrdup(ans.items[i].why);
        }
        id->n_policies = ans.n;
        awsresp_policies_release(&ans);
        return;
    }
    if (verify_maybe_retry(vf, c, verify_err_code(res, &err)) || retry_with_key(vf, c, verify_err_code(res, &err)))
        return;
    free(id->policies_error);
    id->policies_error = evidence_error(&c->req, res, &err, "GetEmailIdentityPolicies");
}

