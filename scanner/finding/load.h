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

#include "base/status.h"
#include "finding/finding.h"


struct loaded_report {
    struct finding *findings;
    struct finding **sorted;
    size_t n;
};

enum status findings_load_report(const char *path, struct loaded_report *out);
void loaded_report_release(struct loaded_report *r);

#endif
