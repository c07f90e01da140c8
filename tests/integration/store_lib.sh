# tests/integration/store_lib.sh - shared by the audit store tests (t08*): queries of
# JSON output and of the store file.
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
