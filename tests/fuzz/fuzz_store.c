/*
 * fuzz_store - bytes as an audit store file (a SQLite database someone handed over) ->
 * open and migrate, read a repository's ref tips, query every finding with its
 * occurrences, parts, triage history and verification, and write every report of them
 * (text, JSON, JSON Lines, CSV, HTML), image locations (schema 9: replaced only with
 * the layer that replaced it, a layer command within its bound); and the work queue of
 * a fleet (schema 8): its status and a claim. A store is read back without trust: what
 * it returns must be well-formed (fingerprints, states, tips, queue entries), whatever
 * the file holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "fuzz.h"
#include "report/report_store.h"
#include "store/store.h"

static char path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *t = getenv("TMPDIR");
    (void)argc;
    (void)argv;
    snprintf(path, sizeof(path), "%s/sesame-fuzz-store-%ld.db", t && *t ? t : "/tmp",
             (long)getpid());
    log_set_quiet(true);
    return 0;
}

static void remove_files(void)
{
    char side[300];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = { "text", "json", "jsonl", "csv", "html" };
    struct store *s = NULL;
    FILE *f;

    if (!path[0])
        LLVMFuzzerInitialize(NULL, NULL);
    remove_files();
    if (!(f = fopen(path, "wb")))
        return 0;
    if (size)
        (void)fwrite(data, 1, size, f);
    fclose(f);
    if (store_open(&s, path) == STATUS_OK) {
        struct store_repo r;
        struct store_row *rows = NULL;
        struct store_query q;
        size_t n = 0;
        bool created;

        FUZZ_CHECK(store_schema_version(s) == store_schema_latest());
        if (store_begin(s) == STATUS_OK) {
            if (store_repo_get(s, "/srv/repo", &r, true, &created) == STATUS_OK) {
                for (size_t i = 0; i < r.n_refs; i++)
                    FUZZ_CHECK(strlen(r.refs[i].commit) == 40 &&
                               strspn(r.refs[i].commit, "0123456789abcdefABCDEF") == 40);
                store_repo_release(&r);
            }
            store_rollback(s);
        }
        memset(&q, 0, sizeof(q));
        q.include_gone = true;
        if (store_findings(s, &q, &rows, &n) == STATUS_OK) {
            FILE *null = fopen("/dev/null", "w");
            for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(rows[i].fingerprint && strlen(rows[i].fingerprint) == 16);
                FUZZ_CHECK(store_state_valid(rows[i].state));
                FUZZ_CHECK(rows[i].risk_score >= 0 && rows[i].risk_score <= 100);
                for (size_t k = 0; k < rows[i].n_locs; k++) { /* schema 9 */
                    const struct store_loc *l = &rows[i].locs[k];
                    FUZZ_CHECK(!l->replaced || l->removed_in);
                    FUZZ_CHECK(!l->layer_command ||
                               strlen(l->layer_command) <= LIMIT_STORE_LAYER_CMD);
                }
            }
            for (size_t k = 0; null && k < sizeof(formats) / sizeof(formats[0]); k++)
                (void)report_store(null, formats[k], rows, n, 1700000000);
            if (null)
                fclose(null);
            store_rows_free(rows, n);
        }
        {
            struct store_queue_status qs;
            struct store_job j;
            bool got;
            if (store_queue_status(s, true, &qs) == STATUS_OK) {
                for (size_t i = 0; i < qs.n_items; i++) {
                    FUZZ_CHECK(qs.items[i].url != NULL);
                    FUZZ_CHECK(strcmp(qs.items[i].state, "running") == 0 ||
                               strcmp(qs.items[i].state, "failed") == 0);
                }
                store_queue_status_release(&qs);
            }
            if (store_queue_claim(s, "fuzz", 1000, 3, &j, &got) == STATUS_OK && got) {
                FUZZ_CHECK(j.url && *j.url && j.path && *j.path && j.attempt >= 0);
                store_job_release(&j);
            }
        }
        store_close(s);
    }
    remove_files();
    return 0;
}
