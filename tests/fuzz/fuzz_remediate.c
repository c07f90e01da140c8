/*
 * fuzz_remediate - bytes as a saved JSON report (an untrusted file): loaded back with
 * verification (finding/load.c, load_verify.c) as `sesame remediate` loads it, then the
 * plan and the policy of every finding are written. Nothing may crash; every policy
 * must be a JSON document with one statement whose senders are addresses or the
 * placeholder; the plan is written in full.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/sender.h"
#include "finding/load.h"
#include "fuzz.h"
#include "json/json.h"
#include "report/remediate.h"

static char path[] = "/tmp/sesame-fuzz-remediate-XXXXXX";
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int fd = mkstemp(path);

    (void)argc;
    (void)argv;
    FUZZ_CHECK(fd >= 0);
    close(fd);
    sink = fopen("/dev/null", "w");
    FUZZ_CHECK(sink != NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loaded_report lr;
    struct remediate_opts o = { NULL, 0, "192.0.2.0/24", false, 1800000000 };
    FILE *f = fopen(path, "wb");

    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size);
    fclose(f);
    if (findings_load_report_flags(path, LOAD_REDACTED_OK | LOAD_VERIFICATION, &lr) !=
        STATUS_OK)
        return 0;
    for (size_t i = 0; i < lr.n; i++) {
        const struct finding *found;
        char *policy = remediate_ses_policy(lr.sorted[i], &o);
        struct jv_error je;
        struct jv *doc = jv_parse(policy, strlen(policy), JV_REJECT_DUPLICATES, &je);
        const struct jv *from;
        FUZZ_CHECK(doc != NULL && jv_len(jv_get(doc, "Statement")) == 1);
        /* every sender is a plain address (a report's are checked) or the placeholder */
        from = jv_get(jv_get(jv_get(jv_at(jv_get(doc, "Statement"), 0), "Condition"),
                             "StringLike"),
                      "ses:FromAddress");
        FUZZ_CHECK(jv_len(from) >= 1);
        for (size_t k = 0; k < jv_len(from); k++) {
            const char *a = jv_string(jv_at(from, k), NULL);
            FUZZ_CHECK(a && (aws_sender_ok(a, strlen(a)) || strchr(a, '@') ||
                             strncmp(a, REMEDIATE_PLACEHOLDER, 13) == 0));
        }
        jv_free(doc);
        free(policy);
        FUZZ_CHECK(remediate_write(sink, lr.sorted[i], &o) == STATUS_OK);
        if (remediate_find(lr.sorted, lr.n, lr.sorted[i]->fingerprint, "report", &found) ==
            STATUS_OK)
            FUZZ_CHECK(found != NULL);
    }
    loaded_report_release(&lr);
    return 0;
}
