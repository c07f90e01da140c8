/*
 * tests/fuzz/check_findings.h - build the findings of one scanned blob and check the
 * invariants every finding must hold; for fuzz_scan_blob (kept apart so the target
 * itself stays short). Aborts (FUZZ_CHECK) on any violation:
 *
 * - every finding has a location, and every location lies inside the blob: offset < len,
 *   line >= 1 and column >= 1;
 * - the redacted form (show == false) of a secret, session token or SMTP password longer
 *   than 8 characters never contains its 5th..last characters: at most the prefix is
 *   printed. Access key IDs are identifiers and are shown whole by design;
 * - sender addresses (sender.h) are at most LIMIT_SENDERS, each a valid address
 *   (aws_sender_ok), sorted and unique.
 */
#ifndef SESAME_TESTS_CHECK_FINDINGS_H
#define SESAME_TESTS_CHECK_FINDINGS_H

#include <string.h>

#include "aws/sender.h"
#include "base/limits.h"
#include "finding/finding.h"
#include "finding/findings.h"
#include "finding/redact.h"
#include "fuzz.h"
#include "match/engine.h"
#include "rules/rule.h"
#include "scanbuf.h"
#include "source/source.h"

static void check_redacted(enum cred_kind kind, const char *value)
{
    char out[256];

    FUZZ_CHECK(value != NULL);
    if (strlen(value) > 8)
        FUZZ_CHECK(!strstr(redact_value(out, sizeof(out), kind, value, false),
                           value + REDACT_PREFIX_CHARS));
}

/* Build the findings of `f` (SMTP regions from `rs`, examples included) and check them
 * against a blob of `len` bytes. */
static void check_findings(struct findings *f, const struct ruleset *rs, size_t len)
{
    const struct findings_opts fo = { (const char *const *)rs->smtp_regions,
                                      rs->n_smtp_regions, true, 1 };
    struct finding **fs;
    size_t n;
    uint64_t hidden;

    findings_build(f, &fo, &fs, &n, &hidden);
    FUZZ_CHECK(hidden == 0);
    for (size_t i = 0; i < n; i++) {
        const struct finding *fd = fs[i];
        FUZZ_CHECK(fd->n_locations > 0);
        for (size_t j = 0; j < fd->n_locations; j++) {
            const struct location *l = &fd->locations[j];
            FUZZ_CHECK(l->offset < len && l->line >= 1 && l->column >= 1);
        }
        for (size_t j = 0; j < fd->n_secrets; j++)
            check_redacted(CRED_SECRET_ACCESS_KEY, fd->secrets[j].value);
        for (size_t j = 0; j < fd->n_session_tokens; j++)
            check_redacted(CRED_SESSION_TOKEN, fd->session_tokens[j].value);
        for (size_t j = 0; j < fd->n_smtp_passwords; j++)
            check_redacted(CRED_SMTP_PASSWORD, fd->smtp_passwords[j].value);
        FUZZ_CHECK(fd->n_senders <= LIMIT_SENDERS);
        for (size_t j = 0; j < fd->n_senders; j++) {
            FUZZ_CHECK(aws_sender_ok(fd->senders[j], strlen(fd->senders[j])));
            FUZZ_CHECK(j == 0 || strcmp(fd->senders[j - 1], fd->senders[j]) < 0);
        }
    }
}

#endif
