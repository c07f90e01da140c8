/*
 * report/remediate.h - `sesame remediate`: the ordered steps to retire one leaked key,
 * with the exact AWS CLI commands filled in, and a least-privilege IAM policy for its
 * replacement.
 *
 * Nothing here calls AWS or changes anything: it prints what the operator runs. The
 * facts come from a finding and what the verifier found (user name from the ARN, region
 * from the last use, SES identities and policies, sending state); what is not known is
 * a placeholder that starts with REMEDIATE_PLACEHOLDER, so that it cannot be mistaken
 * for a value. Everything from the report is shell-quoted in commands.
 */
#ifndef SESAME_REPORT_REMEDIATE_H
#define SESAME_REPORT_REMEDIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "finding/finding.h"

#define REMEDIATE_PLACEHOLDER "REPLACE-WITH-"

struct remediate_opts {
    const char *const *from_addresses; /* --from-address: the ses:FromAddress values */
    size_t n_from;
    const char *source_ip;             /* --source-ip CIDR for aws:SourceIp, or NULL */
    bool policy_only;                  /* print only the policy JSON */
    int64_t now;                       /* seconds since the epoch (session revocation) */
};

/* The finding of `findings[0, n)` named by `which`: its fingerprint, a unique prefix of
 * it (4 hex digits or more), or its access key ID. STATUS_USAGE if none or several
 * (the message names `where` the findings come from: "report", "store"). */
enum status remediate_find(struct finding *const *findings, size_t n, const char *which,
                           const char *where, const struct finding **out);

/* Write the plan for f (or, with policy_only, only the policy) to out. STATUS_USAGE
 * for policy_only when f is not an SES sender (sesame cannot know what else a key
 * needs); STATUS_USAGE for a bad --source-ip or --from-address. */
enum status remediate_write(FILE *out, const struct finding *f, const struct remediate_opts *o);

/* remediate_write to the file `output` (NULL or "-": stdout), checking the write. */
enum status remediate_print(const char *output, const struct finding *f,
                            const struct remediate_opts *o);

/* The least-privilege SES sending policy for f's replacement, as IAM policy JSON (new
 * string, caller frees). */
char *remediate_ses_policy(const struct finding *f, const struct remediate_opts *o);

#endif
