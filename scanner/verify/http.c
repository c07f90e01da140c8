/*
 * verify/http.c - libcurl multi wrapper.
 *
 * SMTP AUTH checks use libcurl's SMTP support in a way that can never send mail: no
 * upload and no recipients, so libcurl's DO phase sends only the custom command NOOP;
 * STARTTLS is required (CURLUSESSL_ALL). CURLE_OK alone does not prove the password
 * (libcurl skips AUTH when none is advertised), so the debug callback watches the
 * server's replies for 235 (AWS-NOTES §7.4).
 *
 * Transfers are driven with curl_multi_socket_action over epoll (issue 16 item 4): curl
 * is told which socket is ready and works on that transfer alone, where
 * curl_multi_perform polled every transfer's socket on every call. Connections stay in
 * the multi handle's cache (kept for as many as --verify-concurrency, not only 4 per
 * running transfer, so a pause of the pace does not close them), and TLS sessions are
 * shared between transfers, so a new connection to a host resumes its session.
 */
#include "verify/http.h"
#include "base/limits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "base/dl.h"
#include "base/xalloc.h"
#include "crypto/crypto.h"

/* libcurl is loaded on the first request (base/dl.h: it and its dependencies cost about
 * 5 ms of every start, hooks included, when only --verify uses it). The functions called
 * below are these pointers; libcurl's compile-time option type checks (typecheck-gcc.h)
 * are macros around the linked functions, hence not in use. */
#define CURL_FUNCS(X) \
    X(curl_global_init) \
    X(curl_global_cleanup) \
    X(curl_multi_init) \
    X(curl_multi_cleanup) \
    X(curl_multi_setopt) \
    X(curl_multi_add_handle) \
    X(curl_multi_remove_handle) \
    X(curl_multi_socket_action) \
    X(curl_multi_info_read) \
    X(curl_share_init) \
    X(curl_share_setopt) \
    X(curl_share_cleanup) \
    X(curl_easy_init) \
    X(curl_easy_cleanup) \
    X(curl_easy_reset) \
    X(curl_easy_setopt) \
    X(curl_easy_getinfo) \
    X(curl_easy_strerror) \
    X(curl_slist_append) \
    X(curl_slist_free_all)

DL_DEFINE(lc, "libcurl.so.4", CURL_FUNCS)

#undef curl_global_init
#define curl_global_init (*lc.curl_global_init)
#undef curl_global_cleanup
#define curl_global_cleanup (*lc.curl_global_cleanup)
#undef curl_multi_init
#define curl_multi_init (*lc.curl_multi_init)
#undef curl_multi_cleanup
#define curl_multi_cleanup (*lc.curl_multi_cleanup)
#undef curl_multi_setopt
#define curl_multi_setopt (*lc.curl_multi_setopt)
#undef curl_multi_add_handle
#define curl_multi_add_handle (*lc.curl_multi_add_handle)
#undef curl_multi_remove_handle
#define curl_multi_remove_handle (*lc.curl_multi_remove_handle)
#undef curl_multi_socket_action
#define curl_multi_socket_action (*lc.curl_multi_socket_action)
#undef curl_share_init
#define curl_share_init (*lc.curl_share_init)
#undef curl_share_setopt
#define curl_share_setopt (*lc.curl_share_setopt)
#undef curl_share_cleanup
#define curl_share_cleanup (*lc.curl_share_cleanup)
#undef curl_multi_info_read
#define curl_multi_info_read (*lc.curl_multi_info_read)
#undef curl_easy_init
#define curl_easy_init (*lc.curl_easy_init)
#undef curl_easy_cleanup
#define curl_easy_cleanup (*lc.curl_easy_cleanup)
#undef curl_easy_reset
#define curl_easy_reset (*lc.curl_easy_reset)
#undef curl_easy_setopt
#define curl_easy_setopt (*lc.curl_easy_setopt)
#undef curl_easy_getinfo
#define curl_easy_getinfo (*lc.curl_easy_getinfo)
#undef curl_easy_strerror
#define curl_easy_strerror (*lc.curl_easy_strerror)
#undef curl_slist_append
#define curl_slist_append (*lc.curl_slist_append)
#undef curl_slist_free_all
#define curl_slist_free_all (*lc.curl_slist_free_all)

struct http {
    CURLM *multi;
    CURLSH *share;     /* TLS sessions, between transfers */
    int epfd;          /* the sockets curl asked to watch */
    double timer_at;   /* when curl wants CURL_SOCKET_TIMEOUT (monotonic s), or < 0 */
    struct http_opts o;
    struct http_req **queue;
    size_t nq, capq, headq;
    size_t running;
    CURL **idle;       /* finished easy handles, reset, for the next requests */
    size_t n_idle, cap_idle;
};

struct priv {
    CURL *easy;
    struct curl_slist *hdrs;
    char *body;
    size_t len, cap;
    bool overflow;
    char line[512];
    size_t line_len;
    bool auth_sent; /* SMTP: the client sent AUTH */
};

/* CURLMOPT_SOCKETFUNCTION: watch socket s for what curl waits for. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http *h = userp;
    struct epoll_event ev;

    (void)e;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(h->epfd, EPOLL_CTL_DEL, s, NULL); /* fails harmlessly if closed */
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = ((what & CURL_POLL_IN) ? (uint32_t)EPOLLIN : 0) |
                ((what & CURL_POLL_OUT) ? (uint32_t)EPOLLOUT : 0);
    ev.data.fd = s;
    if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT)
        epoll_ctl(h->epfd, EPOLL_CTL_ADD, s, &ev);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: when curl wants to be called with CURL_SOCKET_TIMEOUT. */
static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct http *h = userp;

    (void)m;
    h->timer_at = timeout_ms < 0 ? -1.0 : clock_now() + (double)timeout_ms / 1000.0;
    return 0;
}

enum status http_new(struct http **out, const struct http_opts *o)
{
    struct http *h = xcalloc(1, sizeof(*h));

    *out = NULL;
    h->timer_at = -1.0;
    if (!lc_load()) {
        enum status st = fail(STATUS_NET, "cannot use libcurl: %s", lc_lib.err);
        free(h);
        return st;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(h);
        return fail(STATUS_NET, "cannot initialise libcurl");
    }
    h->multi = curl_multi_init();
    h->share = curl_share_init();
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!h->multi || !h->share || h->epfd < 0) {
        if (h->multi)
            curl_multi_cleanup(h->multi);
        if (h->share)
            curl_share_cleanup(h->share);
        if (h->epfd >= 0)
            close(h->epfd);
        curl_global_cleanup();
        free(h);
        return fail(STATUS_NET, "cannot initialise libcurl");
    }
    h->o = *o;
    if (h->o.concurrency == 0)
        h->o.concurrency = 1;
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->o.concurrency);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->o.concurrency);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    *out = h;
    return STATUS_OK;
}

void http_free(struct http *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_idle; i++)
        curl_easy_cleanup(h->idle[i]);
    free(h->idle);
    curl_multi_cleanup(h->multi); /* may still call on_socket: epfd is closed after */
    curl_share_cleanup(h->share);
    close(h->epfd);
    free(h->queue);
    free(h);
    curl_global_cleanup();
}

size_t http_pending(const struct http *h)
{
    return (h->nq - h->headq) + h->running;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct priv *pv = ud;
    size_t len = size * n;

    if (pv->overflow || pv->len + len > LIMIT_HTTP_BODY_BYTES) {
        pv->overflow = true;
        return len; /* keep reading, drop the rest */
    }
    if (pv->len + len + 1 > pv->cap) {
        size_t c = pv->cap ? pv->cap : 4096;
        while (c < pv->len + len + 1)
            c *= 2;
        pv->body = xrealloc(pv->body, c);
        pv->cap = c;
    }
    memcpy(pv->body + pv->len, p, len);
    pv->len += len;
    pv->body[pv->len] = '\0';
    return len;
}

/* The value of header `name` (lower case, with its ':') in line p, trimmed and capped,
 * into *out once. */
static void keep_header(const char *p, size_t len, const char *name, size_t cap, char **out)
{
    size_t nl = strlen(name);
    const char *v;
    size_t vl;

    if (*out || len <= nl || strncasecmp(p, name, nl) != 0)
        return;
    v = p + nl;
    vl = len - nl;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl > cap)
        vl = cap;
    *out = xstrndup(v, vl);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t len = size * n;

    keep_header(p, len, "x-amzn-errortype:", 256, &r->error_type);
    keep_header(p, len, "link:", 4096, &r->link);
    keep_header(p, len, "x-next-page:", 32, &r->next_page);
    keep_header(p, len, "x-ratelimit-remaining:", 32, &r->ratelimit_remaining);
    keep_header(p, len, "x-ratelimit-reset:", 32, &r->ratelimit_reset);
    keep_header(p, len, "retry-after:", 32, &r->retry_after);
    return len;
}

/* SMTP: watch the server's replies (CURLINFO_HEADER_IN) for 235 / 535 once the client
 * has sent AUTH (CURLINFO_HEADER_OUT): a "235" in a greeting or an EHLO line proves
 * nothing. A reply line is the code, then ' ' or '-' or its end. Lines may arrive in
 * pieces; reassemble up to a bounded length. */
static bool smtp_reply_is(const char *line, const char *code)
{
    return strncmp(line, code, 3) == 0 &&
           (line[3] == ' ' || line[3] == '-' || line[3] == '\r' || line[3] == '\0');
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
    struct http_req *r = ud;
    struct priv *pv = r->priv;

    (void)easy;
    if (type == CURLINFO_HEADER_OUT) {
        if (size >= 5 && strncasecmp(data, "AUTH ", 5) == 0)
            pv->auth_sent = true;
        return 0;
    }
    if (type != CURLINFO_HEADER_IN)
        return 0;
    for (size_t i = 0; i < size; i++) {
        char c = data[i];
        if (c == '\n') {
            pv->line[pv->line_len] = '\0';
            if (pv->auth_sent && smtp_reply_is(pv->line, "235"))
                r->smtp_auth_ok = true;
            if (pv->auth_sent && smtp_reply_is(pv->line, "535"))
                r->smtp_auth_denied = true;
            pv->line_len = 0;
        } else if (pv->line_len + 1 < sizeof(pv->line)) {
            pv->line[pv->line_len++] = c;
        }
    }
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static void start(struct http *h, struct http_req *r)
{
    struct priv *pv = xcalloc(1, sizeof(*pv));
    CURL *e = h->n_idle ? h->idle[--h->n_idle] : curl_easy_init();

    r->priv = pv;
    pv->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_SHARE, h->share);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)h->o.timeout_ms);
    /* Never disabled: a loopback fake gets a CA bundle, not an exception. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->o.ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->o.ca_bundle);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, r->kind == HTTP_SMTP_AUTH ? "smtp,smtps"
                                                                         : "https,http");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (r->kind == HTTP_SMTP_AUTH) {
        curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
        curl_easy_setopt(e, CURLOPT_USERNAME, r->smtp_user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, r->smtp_password);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "NOOP"); /* never MAIL FROM / DATA */
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, r);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L); /* feeds on_debug; nothing is printed */
    } else {
        for (size_t i = 0; i < r->n_headers; i++)
            pv->hdrs = curl_slist_append(pv->hdrs, r->headers[i]);
        pv->hdrs = curl_slist_append(pv->hdrs, "Expect:");
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, pv->hdrs);
        curl_easy_setopt(e, CURLOPT_USERAGENT, h->o.user_agent);
        if (strcmp(r->method, "POST") == 0) {
            curl_easy_setopt(e, CURLOPT_POST, 1L);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
        } else {
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        }
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, pv);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    }
    curl_multi_add_handle(h->multi, e);
    h->running++;
}

void http_submit(struct http *h, struct http_req *r)
{
    r->status = 0;
    r->transport_error = false;
    r->error[0] = '\0';
    r->smtp_auth_ok = r->smtp_auth_denied = false;
    r->resp_truncated = false;
    if (h->nq == h->capq) {
        if (h->headq > 0) {
            memmove(h->queue, h->queue + h->headq, (h->nq - h->headq) * sizeof(*h->queue));
            h->nq -= h->headq;
            h->headq = 0;
        }
        if (h->nq == h->capq) {
            h->capq = h->capq ? h->capq * 2 : 64;
            h->queue = xrealloc(h->queue, h->capq * sizeof(*h->queue));
        }
    }
    h->queue[h->nq++] = r;
}

static void finish(struct http *h, CURL *e, CURLcode code)
{
    struct http_req *r = NULL;
    struct priv *pv;

    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    pv = r->priv;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    /* A refused login is only "invalid" when the server said 535 (seen by on_debug); a
     * 454 temporary failure also ends in CURLE_LOGIN_DENIED and must stay retryable. */
    if (code != CURLE_OK && !(r->kind == HTTP_SMTP_AUTH && r->smtp_auth_denied)) {
        r->transport_error = true;
        snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(code));
    }
    free(r->resp);
    r->resp = pv->body ? pv->body : xstrdup("");
    r->resp_len = pv->len;
    r->resp_truncated = pv->overflow;
    pv->body = NULL;
    curl_multi_remove_handle(h->multi, e);
    /* Kept for the next request: no allocation of a handle and its buffers per call.
     * curl_easy_reset forgets every option of the last one. */
    curl_easy_reset(e);
    XGROW(h->idle, h->cap_idle, h->n_idle + 1);
    h->idle[h->n_idle++] = e;
    curl_slist_free_all(pv->hdrs);
    free(pv);
    r->priv = NULL;
    h->running--;
}

/* The finished transfers curl has to say, up to max, into done. */
static size_t collect(struct http *h, struct http_req **done, size_t max)
{
    size_t nd = 0;
    int msgs = 0;
    CURLMsg *m;

    while (nd < max && (m = curl_multi_info_read(h->multi, &msgs))) {
        if (m->msg == CURLMSG_DONE) {
            struct http_req *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            finish(h, m->easy_handle, m->data.result);
            done[nd++] = r;
        }
    }
    return nd;
}

size_t http_poll(struct http *h, struct http_req **done, size_t max, unsigned wait_ms)
{
    struct epoll_event ev[64];
    int still = 0, n;
    size_t nd;
    double wait = (double)wait_ms / 1000.0;

    while (h->running < h->o.concurrency && h->headq < h->nq)
        start(h, h->queue[h->headq++]);
    if (h->running == 0)
        return 0;
    if ((nd = collect(h, done, max)) > 0)
        return nd;
    if (h->timer_at >= 0) {
        double left = h->timer_at - clock_now();
        if (left < wait)
            wait = left > 0 ? left : 0;
    }
    n = epoll_wait(h->epfd, ev, (int)ARRAY_SIZE(ev), (int)(wait * 1000.0 + 0.999));
    for (int i = 0; i < n; i++) {
        int flags = ((ev[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                    ((ev[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                    ((ev[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(h->multi, ev[i].data.fd, flags, &still);
    }
    if (h->timer_at >= 0 && clock_now() >= h->timer_at) {
        h->timer_at = -1.0;
        curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &still);
    }
    return collect(h, done, max);
}

static void wipe_free(char *s)
{
    crypto_free_secret(s);
}

void http_req_release(struct http_req *r)
{
    free(r->url);
    for (size_t i = 0; i < r->n_headers; i++)
        wipe_free(r->headers[i]);
    free(r->headers);
    wipe_free(r->body);
    wipe_free(r->smtp_user);
    wipe_free(r->smtp_password);
    free(r->resp);
    free(r->error_type);
    free(r->link);
    free(r->next_page);
    free(r->ratelimit_remaining);
    free(r->ratelimit_reset);
    free(r->retry_after);
    r->url = r->body = r->smtp_user = r->smtp_password = r->resp = r->error_type = NULL;
    r->link = r->next_page = r->ratelimit_remaining = r->ratelimit_reset = r->retry_after = NULL;
    r->headers = NULL;
    r->n_headers = 0;
}
