# tests/integration/store_lib.sh - shared by the audit store tests (t08*): queries of
# JSON output and of the store file, and a private PostgreSQL server (pg_private).
#
#   js FILE EXPR   a Python expression over the JSON document `d` in FILE, printed
#   sq DB SQL      one query through Python's sqlite3 (read only), rows tab-separated
#   js_docs FILES... -- STMT   Python statements over `docs`, every JSON document of the
#                  FILES one after another (the summaries of several workers)
#   findings_of DB [ARGS...]   `sesame findings --db DB -f json ARGS` without its time
#                  fields (what two stores of the same audits must share)
#   pg_private DB...   a private PostgreSQL server for this test (tests/support/pg_server.sh,
#                  in $PGDIR) with these databases; at exit the workers in $WPIDS are
#                  killed and the server stopped; `pgs` runs pg_server.sh
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

js_docs() {
    local files=()
    while [ "$1" != -- ]; do files+=("$1"); shift; done
    cat "${files[@]}" | "$PYTHON" -c '
import json, sys
docs, dec, text, i = [], json.JSONDecoder(), sys.stdin.read(), 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    d, i = dec.raw_decode(text, i)
    docs.append(d)
exec(sys.argv[1])' "$2"
}

findings_of() {
    sesame findings --db "$1" -f json "${@:2}" | "$PYTHON" -c '
import json, sys
TIMES = {"first_seen", "last_seen", "gone_since", "at", "state_at", "verified_at",
         "generated", "generated_at", "time"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in TIMES}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
json.dump(strip(json.load(sys.stdin)), sys.stdout, indent=1, sort_keys=True)'
}

# pgs ARGS...: tests/support/pg_server.sh (start, stop, halt, resume, psql) on a directory.
# pg_private [DB...]: a private PostgreSQL server for this test (a Unix socket in $PGDIR,
# never skipped) with those databases, stopped when the test ends, and the workers listed
# in $WPIDS killed.
pgs() { sh "$SESAME_SRC/tests/support/pg_server.sh" "$@"; }

pg_private() {
    PGDIR=$(mktemp -d /tmp/sesame-pg.XXXXXX) || exit 2
    WPIDS=
    trap 'for p in $WPIDS; do kill -9 $p 2>/dev/null; done; pgs stop "$PGDIR"; cleanup' EXIT
    pgs start "$PGDIR" || { echo "cannot start PostgreSQL"; exit 1; }
    for db in "$@"; do
        pgs psql "$PGDIR" -d postgres -c "CREATE DATABASE $db" || exit 1
    done
}

