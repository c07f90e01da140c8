/*
 * base/clock.h - monotonic time for timeouts, budgets and statistics.
 */
#ifndef SESAME_BASE_CLOCK_H
#define SESAME_BASE_CLOCK_H

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin: only differences mean anything). */
double clock_now(void);

#endif
