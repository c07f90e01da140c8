/*
 * rank/risk.h - a documented 0-100 risk score and tier for every finding.
 *
 * The score is a sum of factors, each named with its points and the fact behind it,
 * so `--explain` can show why a finding ranks where it does. The factors (see
 * risk.c for the points): verification status; last use (recency, and SES sending use
 * ranking highest); SES sending state and volume; key type (long-term AKIA vs temporary
 * ASIA); completeness (ID with secret vs ID alone); exposure (HEAD, branch, history,
 * unreachable); age of the leak (introducing commit date); location (tests, docs,
 * examples lower); example/canary status. A live key whose SES evidence says it is
 * sending spam now (bounce or complaint rate at AWS's review threshold, or a volume
 * spike: verification_sending_spam) ranks above every other finding. Tiers: critical >= 85, high >= 65,
 * medium >= 40, low >= 15, info below.
 */
#ifndef SESAME_RANK_RISK_H
#define SESAME_RANK_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding/finding.h"

enum risk_tier { TIER_INFO = 0, TIER_LOW, TIER_MEDIUM, TIER_HIGH, TIER_CRITICAL };

struct risk_factor {
    const char *name;   /* static: "verified_live", "ses_sending", ... */
    int points;
    char *detail;       /* human sentence */
};

struct risk {
    int score;          /* 0..100 */
    enum risk_tier tier;
    struct risk_factor *factors;
    size_t n_factors;
    char **remediation; /* ordered steps that fit the finding's state */
    size_t n_remediation;
    bool sending_spam;  /* live, and its SES evidence says it is sending spam now: ranks
                         * above every other finding whatever the scores */
};

const char *risk_tier_name(enum risk_tier t); /* "critical", ... "info" */

/* Score every finding (sets finding->risk) and sort the array: keys sending spam now
 * first, then by score, highest first (ties: the existing order). `now` is seconds since the epoch. */
void risk_rank(struct finding **findings, size_t n, int64_t now);

void risk_free(struct risk *r);

#endif
