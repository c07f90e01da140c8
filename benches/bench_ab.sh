#!/usr/bin/env bash
# bench_ab.sh - two sesame binaries on one tree, alternately, same machine: the median
# wall time of each and their ratio (before/after a change, when the 1 GB bench_tree.sh
# is too long for a shared machine).
#
#   benches/bench_ab.sh A_BIN B_BIN TREE [ROUNDS]
#
# Each binary gets its own compiled-rules cache, warmed by one untimed run; then ROUNDS
# (default 6) rounds of A, B with -j 2, no configuration, JSON to /dev/null.
set -euo pipefail

A=${1:?A_BIN}; B=${2:?B_BIN}; T=${3:?TREE}; ROUNDS=${4:-6}
CACHE=$(mktemp -d); trap 'rm -rf "$CACHE"' EXIT
run() { SESAME_CACHE_DIR="$CACHE/$1" "$2" scan -q --no-config --exit-zero -j 2 -f json "$T" >/dev/null; }
run a "$A"; run b "$B"
for _ in $(seq "$ROUNDS"); do
    for w in a b; do
        bin=$A; [ $w = b ] && bin=$B
        s=$(date +%s.%N); run $w "$bin"; e=$(date +%s.%N)
        echo "$w $(echo "$e - $s" | bc)"
    done
done | python3 -c '
import statistics, sys
d = {}
for line in sys.stdin:
    w, t = line.split(); d.setdefault(w, []).append(float(t))
a, b = statistics.median(d["a"]), statistics.median(d["b"])
print("A median %.3f s (%s)" % (a, " ".join("%.2f" % x for x in d["a"])))
print("B median %.3f s (%s)" % (b, " ".join("%.2f" % x for x in d["b"])))
print("B/A %.3f" % (b / a))'
