# tests/integration/store_lib.sh - shared by the audit store tests (t08*): queries of
# JSON output and of the store file, and a private PostgreSQL server (pg_start).
#
#   js FILE EXPR   a Python expression over the JSON document `d` in FILE, printed
#   sq DB SQL      one query through Python's sqlite3 (read only), rows tab-separated
#   $Q             a single quote, for expected Python reprs

Q="'"

js() {
    "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$1" "$2"
}

sq() {
    "$PYTHON" -c '
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for row in db.execute(sys.argv[2]):
    print("\t".join("" if v is None else str(v) for v in row))' "$1" "$2"
}

# pg_start: a private PostgreSQL server for this test (tests/support/pg_server.sh: a Unix
# socket in $PGDIR, never skipped), stopped when the test ends; pgs ARGS... runs
# pg_server.sh (start, stop, restart, psql) on a directory.
pgs() { sh "$SESAME_SRC/tests/support/pg_server.sh" "$@"; }
pg_start() {
    PGDIR=$(mktemp -d /tmp/sesame-pg.XXXXXX) || exit 2
    trap 'pgs stop "$PGDIR"; cleanup' EXIT
    pgs start "$PGDIR" || { echo "cannot start PostgreSQL"; exit 1; }
}
