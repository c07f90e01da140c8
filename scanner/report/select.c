/*
 * report/select.c - --results, --min-risk and --fail-on (report/select.h).
 *
 * A credential is "live" when STS answered for it or any of its SMTP passwords
 * authenticated: the SMTP check is the only verdict for a password without its secret,
 * and a live password is as urgent as a live key.
 */
#include "report/select.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "rank/risk.h"

unsigned report_result_class(const struct finding *f)
{
    const struct verification *v = f->verification;

    if (!v)
        return RESULT_UNVERIFIED;
    for (size_t i = 0; i < v->n_smtp; i++)
        if (v->smtp[i].status == VERIFY_LIVE)
            return RESULT_LIVE;
    switch (v->status) {
    case VERIFY_LIVE: return RESULT_LIVE;
    case VERIFY_INVALID:
    case VERIFY_WRONG_SECRET:
    case VERIFY_EXPIRED: return RESULT_INVALID;
    case VERIFY_UNKNOWN: return RESULT_UNKNOWN;
    case VERIFY_NOT_CHECKED:
    case VERIFY_SKIPPED: break;
    }
    return RESULT_UNVERIFIED;
}

static const struct {
    const char *name;
    unsigned bits;
} result_names[] = {
    { "live", RESULT_LIVE },         { "verified", RESULT_LIVE },
    { "invalid", RESULT_INVALID },   { "wrong_secret", RESULT_INVALID },
    { "expired", RESULT_INVALID },   { "unknown", RESULT_UNKNOWN },
    { "unverified", RESULT_UNVERIFIED }, { "not_checked", RESULT_UNVERIFIED },
    { "skipped", RESULT_UNVERIFIED }, { "all", RESULT_ALL },
};

bool report_parse_results(const char *s, unsigned *out, const char **bad)
{
    unsigned bits = 0;
    const char *p = s;

    *bad = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; len && i < ARRAY_SIZE(result_names); i++)
            if (strlen(result_names[i].name) == len &&
                strncmp(result_names[i].name, p, len) == 0) {
                bits |= result_names[i].bits;
                known = true;
            }
        if (!known) {
            *bad = p;
            return false;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    *out = bits;
    return true;
}

static bool parse_score(const char *s, int *out)
{
    char *end;
    long n;

    if (!*s || *s == '-' || *s == '+')
        return false;
    n = strtol(s, &end, 10);
    if (*end || n < 0 || n > 100)
        return false;
    *out = (int)n;
    return true;
}

bool report_parse_fail_on(const char *s, struct report_filter *f)
{
    static const struct {
        const char *name;
        int score;
    } tiers[] = { { "critical", 85 }, { "high", 65 }, { "medium", 40 }, { "low", 15 } };

    if (strcmp(s, "any") == 0) {
        f->fail_on = FAIL_ON_ANY;
        return true;
    }
    if (strcmp(s, "live") == 0) {
        f->fail_on = FAIL_ON_LIVE;
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(tiers); i++)
        if (strcmp(s, tiers[i].name) == 0) {
            f->fail_on = FAIL_ON_RISK;
            f->fail_risk = tiers[i].score;
            return true;
        }
    if (strncmp(s, "risk:", 5) == 0 || strncmp(s, "risk=", 5) == 0)
        s += 5;
    else if (strncmp(s, "risk>=", 6) == 0)
        s += 6;
    else
        return false;
    if (!parse_score(s, &f->fail_risk))
        return false;
    f->fail_on = FAIL_ON_RISK;
    return true;
}

static int score_of(const struct finding *f)
{
    return f->risk ? f->risk->score : 0;
}

static bool selected(const struct report_filter *f, const struct finding *x)
{
    if (f->results && !(f->results & report_result_class(x)))
        return false;
    return score_of(x) >= f->min_risk;
}

size_t report_select(const struct report_filter *f, struct finding **v, size_t n)
{
    struct finding **rest;
    size_t k = 0, r = 0;

    if (!f || n == 0)
        return n;
    rest = xcalloc(n, sizeof(*rest));
    for (size_t i = 0; i < n; i++) {
        if (selected(f, v[i]))
            v[k++] = v[i];
        else
            rest[r++] = v[i];
    }
    memcpy(v + k, rest, r * sizeof(*rest));
    free(rest);
    return k;
}

size_t report_failing(const struct report_filter *f, const struct finding *const *v, size_t n)
{
    size_t count = 0;

    if (!f || f->fail_on == FAIL_ON_ANY)
        return n;
    for (size_t i = 0; i < n; i++) {
        if (f->fail_on == FAIL_ON_LIVE)
            count += report_result_class(v[i]) == RESULT_LIVE;
        else
            count += score_of(v[i]) >= f->fail_risk;
    }
    return count;
}
