# tests/integration/pipe_lib.sh - what t0984 and t0985 (archives read with idle workers,
# scanner/scan_pipe.c, source/archive/prefetch.c) share: one archive of arch/ scanned
# with -j N, and its report without what differs between two runs.
#
#   . "$(dirname "$0")/pipe_lib.sh"    (after lib.sh)

# The JSON report without what differs between two runs (times, speeds).
norm() {
    "$PYTHON" - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("seconds", "mb_per_s", "started_at"):
    d["scan"].pop(k, None)
print(json.dumps(d, indent=1, sort_keys=True))
PY
}

# Scan arch/$1 with -j $2: report in $1.$2.json, stderr in $1.$2.err, exit status in
# $1.$2.rc, its warnings in $1.$2.warn.
scan_j() {
    set +e
    (cd arch && SESAME_TIMINGS=1 "$SESAME_BIN" scan "$1" -f json -o "../$1.$2.json" -j "$2" \
        2>"../$1.$2.err")
    echo $? >"$1.$2.rc"
    set -e
    grep "^sesame: warning:" "$1.$2.err" >"$1.$2.warn" || true
}

# Scan arch/$1 with -j 1 and -j 4: each report holds every key of the manifest at its
# place ($2: pipe_fixture.py, the checker), the two reports, warnings (in order) and
# exit statuses are the same, and the -j 1 run handed nothing to another worker ($3: a
# function printing the count from a run's stderr).
same_j1_j4() {
    scan_j "$1" 1 && scan_j "$1" 4 &&
    "$PYTHON" "$2" check arch/manifest.json "$1" "$1.1.json" "$1.1.warn" &&
    "$PYTHON" "$2" check arch/manifest.json "$1" "$1.4.json" "$1.4.warn" &&
    norm "$1.1.json" >one && norm "$1.4.json" >four &&
    diff -u one four &&
    diff -u "$1.1.warn" "$1.4.warn" &&
    diff -u "$1.1.rc" "$1.4.rc" &&
    test "$("$3" "$1.1.err")" = 0
}
