/*
 * store/migrations.c - the store's schema, as the list of its migrations.
 *
 * Migrations are data: store_migrations[k] takes a store from version k to k + 1, in the
 * SQL both SQLite and PostgreSQL speak ("%PK%" becomes the adapter's auto-numbered key
 * type, "%NOROWID%" its clause for a table without row ids); store.c's store_open runs
 * them. A migration, once released, never changes: a new column is a new migration.
 */
#include "store/store_int.h"

const char *const store_migrations[] = {
    /* 0 -> 1: repositories, scans, objects scanned, findings and where they were seen */
    "CREATE TABLE repositories(id %PK%, url TEXT NOT NULL UNIQUE, rules TEXT,"
    " last_scan INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE repo_refs(repo INTEGER NOT NULL REFERENCES repositories(id),"
    " name TEXT NOT NULL, commit_id TEXT NOT NULL, PRIMARY KEY(repo, name));"
    "CREATE TABLE scans(id %PK%, repo INTEGER NOT NULL REFERENCES repositories(id),"
    " started INTEGER NOT NULL, ended INTEGER NOT NULL, version TEXT NOT NULL,"
    " rules TEXT NOT NULL, mode TEXT NOT NULL, commits INTEGER NOT NULL,"
    " objects_read INTEGER NOT NULL, objects_skipped INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " findings INTEGER NOT NULL, complete INTEGER NOT NULL);"
    "CREATE TABLE objects(id TEXT NOT NULL, rules TEXT NOT NULL, has_findings INTEGER NOT NULL,"
    " scanned INTEGER NOT NULL, PRIMARY KEY(id, rules));"
    "CREATE TABLE findings(fingerprint TEXT PRIMARY KEY, kind TEXT NOT NULL, key_id TEXT,"
    " key_type TEXT, account_id TEXT, confidence TEXT, rules TEXT,"
    " risk_score INTEGER NOT NULL DEFAULT 0, risk_tier TEXT, risk_factors TEXT,"
    " remediation TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " gone_since INTEGER, state TEXT NOT NULL DEFAULT 'open', state_note TEXT,"
    " state_by TEXT, state_at INTEGER);"
    "CREATE TABLE parts(fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),"
    " kind TEXT NOT NULL, sha256 TEXT NOT NULL, redacted TEXT NOT NULL,"
    " PRIMARY KEY(fingerprint, kind, sha256));"
    "CREATE TABLE occurrences(id %PK%,"
    " fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),"
    " repo INTEGER NOT NULL REFERENCES repositories(id), commit_id TEXT NOT NULL,"
    " path TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL, blob TEXT NOT NULL,"
    " part TEXT NOT NULL, rule TEXT, commit_time INTEGER, author TEXT, removed_in TEXT,"
    " at_head INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, last_scan INTEGER NOT NULL, gone_since INTEGER,"
    " UNIQUE(fingerprint, repo, commit_id, path, line, col, part, blob));"
    "CREATE INDEX occurrences_repo ON occurrences(repo, last_scan);"
    "CREATE TABLE triage(id %PK%, fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),"
    " state TEXT NOT NULL, note TEXT, by_whom TEXT, at INTEGER NOT NULL);",
    /* 1 -> 2: verification results with their time; history look-ups by fingerprint */
    "CREATE TABLE verifications(id %PK%,"
    " fingerprint TEXT NOT NULL REFERENCES findings(fingerprint), status TEXT NOT NULL,"
    " account TEXT, arn TEXT, detail TEXT, at INTEGER NOT NULL);"
    "CREATE INDEX verifications_fp ON verifications(fingerprint, at);"
    "CREATE INDEX triage_fp ON triage(fingerprint, at);",
    /* 2 -> 3: secret values sealed with SESAME_STORE_KEY (hex of nonce, ciphertext, tag) */
    "ALTER TABLE parts ADD COLUMN sealed TEXT;",
    /* 3 -> 4: objects scanned, smaller (they are most rows): the rules key once in its own
     * table, objects keyed by (id, rules number) with no separate row id */
    "CREATE TABLE rules_keys(id %PK%, key TEXT NOT NULL UNIQUE);"
    "CREATE TABLE objects4(id TEXT NOT NULL, rules INTEGER NOT NULL,"
    " has_findings INTEGER NOT NULL, scanned INTEGER NOT NULL, PRIMARY KEY(id, rules))"
    " %NOROWID%;"
    "INSERT INTO rules_keys(key) SELECT DISTINCT rules FROM objects;"
    "INSERT INTO objects4(id, rules, has_findings, scanned) SELECT o.id, k.id, o.has_findings,"
    " o.scanned FROM objects o JOIN rules_keys k ON k.key=o.rules;"
    "DROP TABLE objects;"
    "ALTER TABLE objects4 RENAME TO objects;",
    /* 4 -> 5: how many bytes at the end of an occurrence's path (archive members) are
     * escaped for display already (struct location's shown_tail) */
    "ALTER TABLE occurrences ADD COLUMN shown_tail INTEGER NOT NULL DEFAULT 0;",
    /* 5 -> 6: what `sesame remediate --db` needs: a verification's whole evidence (the
     * JSON report's "verification" object) and the regions a finding points to */
    "ALTER TABLE verifications ADD COLUMN evidence TEXT;"
    "ALTER TABLE findings ADD COLUMN regions TEXT;",
    /* 6 -> 7: the sender addresses named next to a finding (`sesame remediate --db` puts
     * them in the ses:FromAddress condition of the replacement's policy) */
    "ALTER TABLE findings ADD COLUMN senders TEXT;",
    /* 7 -> 8: the work queue of a fleet of workers (store/queue.c): one row a repository,
     * its state, who holds it until when (milliseconds, the database's clock), how many
     * times it was claimed and its last error; and the claims on verifying a credential,
     * so that it is verified once for the whole fleet */
    "CREATE TABLE queue(id %PK%, url TEXT NOT NULL UNIQUE, path TEXT NOT NULL,"
    " remote INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending',"
    " attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, claimed INTEGER, lease_until INTEGER,"
    " enqueued INTEGER NOT NULL, finished INTEGER, error TEXT);"
    "CREATE INDEX queue_state ON queue(state, id);"
    "CREATE TABLE verify_claims(fingerprint TEXT PRIMARY KEY, worker TEXT NOT NULL,"
    " lease_until INTEGER NOT NULL);",
    /* 8 -> 9: two facts of a container-image location the scan reports carry: the file
     * was replaced (removed_in is the later layer that wrote another file at its path, not
     * a whiteout) and the layer's history command (created_by) */
    "ALTER TABLE occurrences ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE occurrences ADD COLUMN layer_command TEXT;",
};

const int store_n_migrations = (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
