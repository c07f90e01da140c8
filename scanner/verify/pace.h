/*
 * verify/pace.h - the verifier's pacing: one token bucket per AWS account and service
 * (and per account, region and operation for the SES calls AWS limits to one per
 * second), internal to verify/.
 *
 * Why per account: AWS throttles each account's calls to a service ("API calls ...
 * contribute to a maximum rate quota for your AWS account"; STS, IAM, SES all count per
 * account), so a pace shared by every key (issue 16 found the old per-service bucket
 * setting the wall time of a 1,000-key run) slows a scan of many accounts for nothing,
 * while many keys of one account could still overrun that account's quota. A bucket is
 * keyed by a string the caller builds (service, account, and for SES region and
 * operation); calls whose account is not known share the bucket of account "".
 * Throttling answers halve the rate of the bucket they came from (never below 1/s, or
 * the bucket's own cap when lower).
 */
#ifndef SESAME_VERIFY_PACE_H
#define SESAME_VERIFY_PACE_H

#include <stdbool.h>

struct pace;

/* A table of buckets; `rate` requests per second each (0: no limit but the caps). */
struct pace *pace_new(double rate);
void pace_free(struct pace *p);

/* Take a token from bucket `key` at time `now` (seconds, monotonic): false if it is
 * empty. cap (> 0) lowers the bucket's rate for calls AWS documents a lower limit for,
 * with a burst of that many calls (GetSendQuota: 1 per second). */
bool pace_take(struct pace *p, const char *key, double cap, double now);

/* AWS throttled a call of bucket `key`: halve its rate. */
void pace_throttled(struct pace *p, const char *key, double now);

/* The current rate of bucket `key` (requests per second; tests). */
double pace_rate(struct pace *p, const char *key);

#endif
