/*
 * verify/endpoints.c - where the verifier's calls go and with whose credentials:
 * AWS endpoint resolution as the AWS SDKs do it (AWS_ENDPOINT_URL[_SERVICE], regions,
 * STS regional endpoints), the refusals that keep credentials from a host the user did
 * not choose, the SMTP endpoint, and the operator's own credentials for IAM (environment,
 * shared credentials and config files). Declared in verify_int.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "aws/keys.h"
#include "crypto/crypto.h"
#include "verify/awsresp.h"
#include "verify/http.h"
#include "verify/verify_int.h"
#include "verify/sigv4.h"

/* ---- endpoints ------------------------------------------------------------------ */

static const char *const svc_env[SVC_COUNT] = { "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
                                               "AWS_ENDPOINT_URL_SES", "AWS_ENDPOINT_URL_SESV2",
                                               NULL };

/* The environment of the run being verified (verify_opts.env), set by verify_findings
 * (verify_use_env) before any request is built; read by the look-ups below. */
static const struct env *verify_env;

void verify_use_env(const struct env *e)
{
    verify_env = e;
}

const char *verify_getenv(const char *name)
{
    return env_get(verify_env, name);
}

static const char *env(const char *name)
{
    return verify_getenv(name);
}

const char *verify_client_region(void)
{
    const char *r = env("AWS_REGION");
    if (!r)
        r = env("AWS_DEFAULT_REGION");
    return r ? r : "us-east-1";
}

static bool endpoints_ignored(void)
{
    const char *v = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    return v && strcasecmp(v, "true") == 0;
}

/* The endpoint override in effect for AWS service s (per-service variable, else
 * AWS_ENDPOINT_URL), or NULL; *var names the variable. */
static const char *override_of(enum service s, const char **var)
{
    const char *o;

    if (endpoints_ignored() || !svc_env[s])
        return NULL;
    if ((o = env(svc_env[s])) != NULL) {
        *var = svc_env[s];
        return o;
    }
    *var = "AWS_ENDPOINT_URL";
    return env("AWS_ENDPOINT_URL");
}

/* The variable that redirects the verifier's AWS calls away from AWS (a proxy, a test
 * endpoint), or NULL when they all go to AWS's own hosts. */
static const char *aws_redirect(void)
{
    const char *var = NULL;

    if (env("AWS_ENDPOINT_URL") && !endpoints_ignored())
        return "AWS_ENDPOINT_URL";
    for (int s = 0; s < SVC_COUNT; s++)
        if (override_of((enum service)s, &var))
            return var;
    return NULL;
}

/* Why a call to AWS service s is not made, or NULL. When the user points some of the
 * verifier's AWS calls elsewhere (AWS_ENDPOINT_URL_STS at a test endpoint, say), a
 * service left without an endpoint would otherwise send the found key to AWS's real
 * host, which is not where the user chose to send credentials. */
const char *verify_refused(enum service s, char *buf, size_t n)
{
    const char *var = NULL, *redirect = aws_redirect();
    static const char *const host[SVC_COUNT] = { "sts", "iam", "email", "email", NULL };

    if (!redirect || s == SVC_SMTP || override_of(s, &var))
        return NULL;
    snprintf(buf, n,
             "not checked: %s redirects AWS calls but nothing redirects %s (%s); the key is "
             "not sent to %s.amazonaws.com",
             redirect, s == SVC_STS ? "STS" : s == SVC_IAM ? "IAM" : "SES", svc_env[s],
             host[s]);
    return buf;
}

/* Why an SMTP AUTH is not tried, or NULL: with AWS calls redirected and no
 * SESAME_SMTP_ENDPOINT, it would send the password to SES's real SMTP host. */
const char *verify_smtp_refused(const char *region, char *buf, size_t n)
{
    const char *redirect = aws_redirect();

    if (!redirect || env("SESAME_SMTP_ENDPOINT"))
        return NULL;
    snprintf(buf, n,
             "not checked: %s redirects AWS calls and SESAME_SMTP_ENDPOINT is not set; the "
             "password is not sent to email-smtp.%s.amazonaws.com",
             redirect, region ? region : "REGION");
    return buf;
}

/* URL and signing region for a call. `region` is the SES region (SES calls). */
char *verify_endpoint(enum service s, const char *region, const char **sign_region)
{
    const char *var, *o = override_of(s, &var);

    if (o) {
        size_t l = strlen(o);
        /* With an override the SDKs keep signing with the client region (AWS-NOTES §8.2);
         * SES calls sign with the region they ask about. */
        *sign_region = (s == SVC_SES || s == SVC_SESV2) ? region : verify_client_region();
        return xasprintf("%.*s%s", (int)(l && o[l - 1] == '/' ? l - 1 : l), o,
                         s == SVC_SESV2 ? "/v2/email/account" : "/");
    }
    switch (s) {
    case SVC_STS: {
        const char *mode = env("AWS_STS_REGIONAL_ENDPOINTS");
        if (mode && strcmp(mode, "legacy") == 0) {
            *sign_region = "us-east-1";
            return xstrdup("https://sts.amazonaws.com/");
        }
        *sign_region = verify_client_region();
        return xasprintf("https://sts.%s.amazonaws.com/", *sign_region);
    }
    case SVC_IAM:
        *sign_region = "us-east-1";
        return xstrdup("https://iam.amazonaws.com/");
    case SVC_SES:
        *sign_region = region;
        return xasprintf("https://email.%s.amazonaws.com/", region);
    case SVC_SESV2:
        *sign_region = region;
        return xasprintf("https://email.%s.amazonaws.com/v2/email/account", region);
    default:
        break;
    }
    *sign_region = region;
    return NULL;
}

/* "https://host:port/path" -> "host:port" as signed (port only when non-default). */
char *verify_host_of(const char *url)
{
    const char *p = strstr(url, "://");
    const char *end;
    bool https;
    char *h;
    size_t hl;

    if (!p)
        return xstrdup("");
    https = strncmp(url, "https", 5) == 0;
    p += 3;
    end = p + strcspn(p, "/?#");
    h = xstrndup(p, (size_t)(end - p));
    hl = strlen(h);
    for (char *c = h; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if ((https && hl > 4 && strcmp(h + hl - 4, ":443") == 0) ||
        (!https && hl > 3 && strcmp(h + hl - 3, ":80") == 0))
        *strrchr(h, ':') = '\0';
    return h;
}

const char *verify_path_of(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p += strcspn(p, "/");
    return *p ? p : "/";
}

/* ---- credentials of the operator (for IAM) --------------------------------------- */

void verify_creds_release(struct creds *c)
{
    free(c->id);
    crypto_free_secret(c->secret);
    crypto_free_secret(c->token);
    memset(c, 0, sizeof(*c));
}

/* [profile] section of an INI credentials file. The file's bytes pass through `iobuf`
 * and `line` only, both wiped at the end. */
void verify_creds_from_file(const char *path, const char *profile, struct creds *c)
{
    FILE *f = fopen(path, "r");
    char line[4096], iobuf[4096];
    bool in = false;

    if (!f)
        return;
    setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
    while (fgets(line, sizeof(line), f)) {
        char *s = line, *eq, *k, *v, *e;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close) {
                *close = '\0';
                s++;
                if (strncmp(s, "profile ", 8) == 0)
                    s += 8;
                in = strcmp(s, profile) == 0;
            }
            continue;
        }
        if (!in || !(eq = strchr(s, '=')))
            continue;
        *eq = '\0';
        k = s;
        v = eq + 1;
        for (e = eq; e > k && isspace((unsigned char)e[-1]); e--)
            e[-1] = '\0';
        while (isspace((unsigned char)*v))
            v++;
        for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
            e[-1] = '\0';
        if (strcmp(k, "aws_access_key_id") == 0 && !c->id)
            c->id = xstrdup(v);
        else if (strcmp(k, "aws_secret_access_key") == 0 && !c->secret)
            c->secret = xstrdup(v);
        else if (strcmp(k, "aws_session_token") == 0 && !c->token)
            c->token = xstrdup(v);
    }
    fclose(f);
    crypto_wipe(line, sizeof(line));
    crypto_wipe(iobuf, sizeof(iobuf));
}

void verify_operator_creds(const char *audit_profile, struct creds *c)
{
    const char *profile = audit_profile ? audit_profile : env("AWS_PROFILE");
    char *path = NULL;

    memset(c, 0, sizeof(*c));
    if (!audit_profile && env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
        c->id = xstrdup(env("AWS_ACCESS_KEY_ID"));
        c->secret = xstrdup(env("AWS_SECRET_ACCESS_KEY"));
        if (env("AWS_SESSION_TOKEN"))
            c->token = xstrdup(env("AWS_SESSION_TOKEN"));
        return;
    }
    if (!profile)
        profile = "default";
    if (env("AWS_SHARED_CREDENTIALS_FILE"))
        path = xstrdup(env("AWS_SHARED_CREDENTIALS_FILE"));
    else if (env("HOME"))
        path = xasprintf("%s/.aws/credentials", env("HOME"));
    if (path)
        verify_creds_from_file(path, profile, c);
    free(path);
    if (!c->id || !c->secret) {
        if (env("AWS_CONFIG_FILE"))
            path = xstrdup(env("AWS_CONFIG_FILE"));
        else if (env("HOME"))
            path = xasprintf("%s/.aws/config", env("HOME"));
        else
            path = NULL;
        if (path)
            verify_creds_from_file(path, profile, c);
        free(path);
    }
    if (!c->id || !c->secret)
        verify_creds_release(c);
}

const char *verify_smtp_endpoint(const char *region, char *buf, size_t n)
{
    const char *o = env("SESAME_SMTP_ENDPOINT");
    if (o && !strstr(o, "://"))
        snprintf(buf, n, "smtp://%s", o); /* host[:port]: curl would guess http:// */
    else if (o)
        snprintf(buf, n, "%s", o);
    else
        snprintf(buf, n, "smtp://email-smtp.%s.amazonaws.com:587", region);
    return buf;
}
