#!/usr/bin/env bash
# bench_pairs.sh - two sesame binaries timed as whole processes in alternating pairs
# (after, before, after, before, ...), each pair's ratio after/before of CPU (user+sys),
# user and wall time: median [min-max] over the pairs. A ratio per pair holds while the
# load of a shared machine drifts, which a median of each side does not.
#
#   benches/bench_pairs.sh AFTER_BIN BEFORE_BIN [PAIRS] [-- SCAN ARGS...]
#
# PAIRS defaults to 9; the scan arguments to `benches/out/tree --format json -o /dev/null
# --exit-zero -q` (the tree of bench_tree.sh). Each binary runs twice untimed first (page
# cache, compiled-rules cache). Prints one line per pair, then the summary.
set -euo pipefail

AFTER=${1:?AFTER_BIN}; BEFORE=${2:?BEFORE_BIN}; shift 2
PAIRS=9
if [ $# -gt 0 ] && [ "$1" != "--" ]; then PAIRS=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -eq 0 ]; then
    set -- "$HERE/out/tree" --format json -o /dev/null --exit-zero -q
fi
case $PAIRS in ''|*[!0-9]*|0) echo "bench_pairs.sh: PAIRS must be a number >= 1" >&2; exit 2 ;; esac
TF=$(mktemp); trap 'rm -f "$TF"' EXIT

one() { # BIN -> "wall user sys"
    /usr/bin/time -f '%e %U %S' -o "$TF" "$1" scan "${@:2}" > /dev/null
    cat "$TF"
}
for _ in 1 2; do one "$AFTER" "$@" > /dev/null; one "$BEFORE" "$@" > /dev/null; done
for ((i = 1; i <= PAIRS; i++)); do
    echo "$(one "$AFTER" "$@") $(one "$BEFORE" "$@")"
done | python3 -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
def ratio(a, b): return a / b if b > 0 else float("nan")
cpu, user, wall = [], [], []
for i, (wa, ua, sa, wb, ub, sb) in enumerate(rows, 1):
    cpu.append(ratio(ua + sa, ub + sb)); user.append(ratio(ua, ub)); wall.append(ratio(wa, wb))
    print("pair %d: after %.2f s wall %.2f s CPU, before %.2f s wall %.2f s CPU: CPU %.3f, wall %.3f"
          % (i, wa, ua + sa, wb, ub + sb, cpu[-1], wall[-1]))
def s(v): return "%.3f [%.3f-%.3f]" % (statistics.median(v), min(v), max(v))
print("pairs %d; after/before median [min-max]: CPU %s; user %s; wall %s"
      % (len(rows), s(cpu), s(user), s(wall)))
print("median CPU s: after %.3f, before %.3f; median wall s: after %.3f, before %.3f"
      % (statistics.median([r[1] + r[2] for r in rows]), statistics.median([r[4] + r[5] for r in rows]),
         statistics.median([r[0] for r in rows]), statistics.median([r[3] for r in rows])))'
