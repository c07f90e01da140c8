/*
 * report/select.h - which findings a report shows and which of them fail the run.
 *
 * TruffleHog users filter by verification result (`--results live,unknown`,
 * `--only-verified`) and CI wants to fail only on what matters (`--fail-on live`) while
 * still reporting the rest. Filtering happens after verification and ranking, on the
 * sorted array; what is left out is counted in the summary (scan_stats.filtered), never
 * silent.
 */
#ifndef SESAME_REPORT_SELECT_H
#define SESAME_REPORT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding/finding.h"

/* Result classes of --results (a finding is in exactly one). */
#define RESULT_LIVE 1u       /* STS said live, or an SMTP password authenticated */
#define RESULT_INVALID 2u    /* invalid, wrong_secret, expired */
#define RESULT_UNKNOWN 4u    /* the verifier could not tell (network, throttling, ...) */
#define RESULT_UNVERIFIED 8u /* not checked (no --verify, no secret) or skipped */
#define RESULT_ALL 15u

enum fail_on { FAIL_ON_ANY = 0, FAIL_ON_LIVE, FAIL_ON_RISK };

struct report_filter {
    unsigned results;      /* RESULT_* bits shown; 0 means all */
    int min_risk;          /* show findings scoring at least this (0: all) */
    enum fail_on fail_on;  /* which reported findings make the exit code 1 */
    int fail_risk;         /* FAIL_ON_RISK: score at least this */
};

/* The class of one finding (RESULT_*). */
unsigned report_result_class(const struct finding *f);

/* "live,unknown" -> bits. Names: live, invalid (also wrong_secret, expired), unknown,
 * unverified (also not_checked, skipped), all. On error *bad points at the name that is
 * not one (inside s) and false is returned. */
bool report_parse_results(const char *s, unsigned *out, const char **bad);

/* "any", "live", "risk:N" / "risk>=N" (0..100), or a tier name meaning its lower bound
 * ("critical" 85, "high" 65, "medium" 40, "low" 15). */
bool report_parse_fail_on(const char *s, struct report_filter *f);

/* Keep the findings `f` selects at the front of v[0..n), in their order, and move the
 * others behind them (they still own what the caller frees); the number kept. NULL f
 * keeps all. */
size_t report_select(const struct report_filter *f, struct finding **v, size_t n);

/* How many of v[0..n) (already selected) make the run fail under f (NULL: any). */
size_t report_failing(const struct report_filter *f, const struct finding *const *v, size_t n);

#endif
