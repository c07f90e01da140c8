/*
 * verify/verify_calls.h - the verifier's calls in flight, shared by verify.c (the state
 * machine) and verify_ses.c (the SES sending evidence): internal to verify/.
 *
 * A call belongs to one credential (or none: the operator's own STS check); it is built
 * (signed afresh for every attempt), queued on the timers until its not_before and a
 * token of its account's and service's pace bucket, then completed by the handler of its
 * kind.
 */
#ifndef SESAME_VERIFY_VERIFY_CALLS_H
#define SESAME_VERIFY_VERIFY_CALLS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "finding/finding.h"
#include "verify/awsresp.h"
#include "verify/http.h"
#include "verify/verify.h"
#include "verify/verify_int.h"

enum call {
    CALL_STS, CALL_IAM, CALL_SES, CALL_SESV2, CALL_SMTP, CALL_OPERATOR_STS,
    CALL_SES_STATS, CALL_SES_IDS, CALL_SES_POLICIES, /* SES sending evidence */
};

struct cred;

struct call_ctx {
    struct cred *cred;
    enum call call;
    enum service svc;
    unsigned attempt;
    double not_before;        /* monotonic seconds */
    size_t index;             /* SES: index into verification->ses; SMTP: password index */
    size_t region_try;        /* SMTP: position in the region list */
    size_t sub;               /* SES policies: index of the identity; identities: page */
    char *page;               /* SES identities: the NextToken to ask for, or NULL */
    bool with_operator;       /* IAM, SES identities: the operator's credentials */
    struct http_req req;
};

struct cred {
    struct finding *f;
    const char *id;
    const char *token;
    size_t secret_idx;        /* the secret being tried */
    const char *secret;
    struct verification *v;
    unsigned outstanding;
};

struct verifier {
    const struct verify_opts *o;
    struct http *http;
    struct creds op;
    char *op_account;
    struct call_ctx **timers;  /* waiting for not_before */
    size_t n_timers, cap_timers;
    struct pace *pace;         /* token buckets per account and service (pace.h) */
    size_t slots;              /* requests the HTTP layer runs at once */
    struct verify_stats *stats;
    unsigned seed;
};

/* A new call of credential cr (counted in its outstanding calls). */
struct call_ctx *verify_new_call(struct cred *cr, enum call call, enum service svc);

/* Build and queue a new call; one that cannot be built is dropped (with a warning). */
void verify_submit_new(struct verifier *vf, struct call_ctx *c);

/* Retry c if its answer calls for it and attempts remain; true if it was rescheduled. */
bool verify_maybe_retry(struct verifier *vf, struct call_ctx *c, const char *code);

/* What the response of a finished request says, for the awsresp_* readers. */
struct awsresp_in verify_resp_in(const struct http_req *r);

/* The error code to act on: AWS's, or "" when the answer was not AWS's. */
const char *verify_err_code(enum awsresp_result res, const struct awsresp_error *err);

/* A one-line description (new string) of an answer that is not an AWS answer. */
char *verify_bad_answer(const struct http_req *r, const char *what,
                        const struct awsresp_error *err);

/* Build a signed AWS request into c->req; for sesv2, v2_path (already URI-encoded)
 * replaces /v2/email/account and query_raw/query_wire are the query as signed and as
 * sent (NULL: none). */
enum status verify_build_aws(struct call_ctx *c, enum service svc, const char *region,
                             const char *method, const char *body, const char *v2_path,
                             const char *query_raw, const char *query_wire, const char *id,
                             const char *secret, const char *token);

/* verify_ses.c: the sesv2 evidence requests (CALL_SES_IDS, CALL_SES_POLICIES) and the
 * handlers of the three evidence calls. */
enum status verify_build_evidence(struct verifier *vf, struct call_ctx *c);
void verify_on_ses_stats(struct verifier *vf, struct call_ctx *c);
void verify_on_ses_ids(struct verifier *vf, struct call_ctx *c);
void verify_on_ses_policies(struct verifier *vf, struct call_ctx *c);

#endif
