/*
 * finding/load.h - read a saved JSON report back into findings (`sesame verify FILE`).
 *
 * Verification needs the secret values, so the report must have been written with
 * --show-secrets; a report with redacted values is refused with a clear message. The
 * file is untrusted input: strict types, bounded sizes, errors naming the file.
 */
#ifndef SESAME_FINDING_LOAD_H
#define SESAME_FINDING_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "finding/finding.h"


struct loaded_report {
    struct finding *findings;
    struct finding **sorted;
    size_t n;
};

enum status findings_load_report(const char *path, struct loaded_report *out);

enum load_flags {
    LOAD_REDACTED_OK = 1 << 0, /* values may be redacted (they stay absent) */
    LOAD_VERIFICATION = 1 << 1, /* read each finding's verification back too */
};

/* findings_load_report with flags (`sesame remediate` reads redacted reports and
 * needs what the verifier found). */
enum status findings_load_report_flags(const char *path, unsigned flags,
                                       struct loaded_report *out);

struct jv;
/* A report's "verification" object back into a verification (finding/load_verify.c);
 * NULL for null or anything that is not an object. Unknown values stay unknown. */
struct verification *load_verification(const struct jv *o);

/* "YYYY-MM-DDTHH:MM:SS..." (a report's time) -> seconds since the epoch; 0 if not one. */
int64_t load_iso_time(const struct jv *v);
void loaded_report_release(struct loaded_report *r);

#endif
