/*
 * verify/sesstats.c - sum up SES GetSendStatistics data points (see sesstats.h for the
 * definitions). Points are sorted by time first; the running median uses a sorted copy
 * of the earlier intervals' attempts (at most LIMIT_SES_DATA_POINTS, so the quadratic
 * insertion is a few million steps at worst).
 */
#include "verify/sesstats.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "verify/awsresp.h"

static int cmp_point(const void *a, const void *b)
{
    const struct awsresp_point *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

static enum ses_level level(double rate, double review, double pause)
{
    return rate >= pause ? SES_LEVEL_PAUSE : rate >= review ? SES_LEVEL_REVIEW : SES_LEVEL_OK;
}

static double median(const uint64_t *sorted, size_t n)
{
    if (n == 0)
        return 0;
    return n % 2 ? (double)sorted[n / 2]
                 : ((double)sorted[n / 2 - 1] + (double)sorted[n / 2]) / 2.0;
}

void sesstats_sum(const struct awsresp_point *points, size_t n, int64_t now,
                  struct ses_stats *out)
{
    struct awsresp_point *p = xcalloc(n + 1, sizeof(*p));
    uint64_t *seen = xcalloc(n + 1, sizeof(*seen));
    size_t n_seen = 0;

    memset(out, 0, sizeof(*out));
    out->known = true;
    out->points = n;
    if (n)
        memcpy(p, points, n * sizeof(*p));
    if (n > 1)
        qsort(p, n, sizeof(*p), cmp_point);
    for (size_t i = 0; i < n; i++) {
        out->sent_14d += p[i].attempts;
        out->bounces_14d += p[i].bounces;
        out->complaints_14d += p[i].complaints;
        out->rejects_14d += p[i].rejects;
        if (p[i].at >= now - 86400)
            out->sent_24h += p[i].attempts;
        /* The first day of the window only sets the usual volume: a steady sender's
         * first interval has no history to compare with. */
        if (!out->spike_at && p[i].attempts >= SESSTATS_SPIKE_MIN &&
            p[i].at >= now - SESSTATS_WINDOW + 86400) {
            double base = median(seen, n_seen);
            if ((double)p[i].attempts >= SESSTATS_SPIKE_FACTOR * base) {
                out->spike_at = p[i].at > 0 ? p[i].at : 1;
                out->spike_attempts = p[i].attempts;
                out->spike_baseline = base;
            }
        }
        if (p[i].attempts) {
            size_t k = n_seen++;
            while (k > 0 && seen[k - 1] > p[i].attempts) {
                seen[k] = seen[k - 1];
                k--;
            }
            seen[k] = p[i].attempts;
        }
    }
    if (out->sent_14d) {
        out->bounce_rate = (double)out->bounces_14d / (double)out->sent_14d;
        out->complaint_rate = (double)out->complaints_14d / (double)out->sent_14d;
    }
    out->bounce_level = out->sent_14d ? level(out->bounce_rate, 0.05, 0.10) : SES_LEVEL_OK;
    out->complaint_level =
        out->sent_14d ? level(out->complaint_rate, 0.001, 0.005) : SES_LEVEL_OK;
    free(p);
    free(seen);
}
