/*
 * scan_internal.h - what scan.c shares with scan_cmds.c (the driver's own files only).
 */
#ifndef SESAME_SCAN_INTERNAL_H
#define SESAME_SCAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "scan.h"

struct target_cfg;
struct ruleset;
struct inventory;
struct engine;

/* Load the rules, drop those every target disables, compile (cached). */
enum status load_engine(const struct scan_config *cfg, const struct inventory *inv,
                        struct target_cfg *tcfg, size_t n_tcfg,
                        struct ruleset *rs, struct engine **engine);
/* "Now" for ranking: SESAME_FIXED_TIME pins it in golden tests. */
int64_t risk_now(const struct scan_config *cfg);
/* Colour for the text report: --color, NO_COLOR, a terminal. */
bool want_color(const struct scan_config *cfg, FILE *out);

#endif
