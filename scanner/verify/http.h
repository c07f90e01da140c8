/*
 * verify/http.h - concurrent HTTPS (and SMTP AUTH) requests over the libcurl multi
 * interface. The only <curl/curl.h> user.
 *
 * TLS verification is always on; AWS_CA_BUNDLE (or the system store) supplies the
 * trust anchors; proxies come from the usual environment (HTTPS_PROXY, NO_PROXY) as
 * libcurl reads them. Response bodies are capped. Secrets given to a request (SMTP
 * password, Authorization header) are wiped when the request is released.
 */
#ifndef SESAME_VERIFY_HTTP_H
#define SESAME_VERIFY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "base/limits.h"


struct http;

struct http_opts {
    unsigned concurrency;
    unsigned timeout_ms;
    const char *ca_bundle;   /* NULL: the system store */
    const char *user_agent;
};

enum http_kind { HTTP_REQ = 0, HTTP_SMTP_AUTH };

struct http_req {
    /* in */
    enum http_kind kind;
    char *url;
    const char *method;      /* "GET" / "POST" */
    char **headers;          /* "Name: value" */
    size_t n_headers;
    char *body;
    size_t body_len;
    char *smtp_user;         /* SMTP AUTH */
    char *smtp_password;
    void *ctx;               /* the caller's */
    /* out */
    long status;             /* HTTP status, or the last SMTP reply code */
    char *resp;              /* body (NUL-terminated), capped */
    size_t resp_len;
    bool resp_truncated;     /* the body passed LIMIT_HTTP_BODY_BYTES: resp is its start */
    char *error_type;        /* x-amzn-ErrorType header, or NULL */
    /* forge APIs (sesame audit --github-org / --gitlab-group): pagination and rate limits */
    char *link;              /* Link header, or NULL */
    char *next_page;         /* X-Next-Page (GitLab), or NULL */
    char *ratelimit_remaining, *ratelimit_reset, *retry_after; /* or NULL */
    bool transport_error;    /* no response: DNS, connect, TLS, timeout, reset */
    char error[256];         /* libcurl's message when transport_error */
    bool smtp_auth_ok;       /* "235" answered the AUTH exchange */
    bool smtp_auth_denied;   /* 535 */
    /* private */
    void *priv;
};

enum status http_new(struct http **out, const struct http_opts *o);
void http_free(struct http *h);

/* Queue a request; it starts when a connection slot is free. */
void http_submit(struct http *h, struct http_req *r);

/* Drive transfers for at most wait_ms; completed requests are appended to done (up to
 * max). Returns how many were appended. */
size_t http_poll(struct http *h, struct http_req **done, size_t max, unsigned wait_ms);

/* Requests queued or in flight. */
size_t http_pending(const struct http *h);

/* Free a request's inputs and outputs (secrets wiped); the struct itself stays. */
void http_req_release(struct http_req *r);

#endif
