/*
 * verify/sesstats.h - what two weeks of SES sending statistics say: mails sent in the
 * last 24 h and 14 days, bounce and complaint rates against AWS's thresholds, and the
 * first 15-minute interval with unusual volume.
 *
 * Rates are over the 14 days AWS returns (bounces / delivery attempts, complaints /
 * delivery attempts), compared with AWS's published thresholds (AWS-NOTES §9): bounces
 * 5 % review, 10 % pause risk; complaints 0.1 % / 0.5 %. An interval is unusual when it
 * has at least SESSTATS_SPIKE_MIN delivery attempts and at least SESSTATS_SPIKE_FACTOR
 * times the median of the intervals with activity before it (the account's usual
 * volume; none before it: a median of 0), and is not in the first day of the two-week
 * window (which only sets the usual volume). Pure: unit-tested with tables.
 */
#ifndef SESAME_VERIFY_SESSTATS_H
#define SESAME_VERIFY_SESSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "model/verification.h"

struct awsresp_point;

/* 50 mails in 15 minutes from an account that usually sends none is what a spam run
 * through a leaked key looks like; fewer is noise. */
#define SESSTATS_SPIKE_MIN 50u
/* Ten times the usual volume of an interval. */
#define SESSTATS_SPIKE_FACTOR 10.0
/* GetSendStatistics covers two weeks; its first day only sets the usual volume. */
#define SESSTATS_WINDOW (14 * 86400)

/* Sum up points[0, n) (any order) as of `now` (seconds since the epoch) into *out
 * (known = true). */
void sesstats_sum(const struct awsresp_point *points, size_t n, int64_t now,
                  struct ses_stats *out);

#endif
