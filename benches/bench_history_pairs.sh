#!/usr/bin/env bash
# bench_history_pairs.sh - two sesame builds on one repository's whole history, and the
# cat-file floor, in alternating rounds (A B floor, A B floor, ...), ratios per round.
#
#   benches/bench_history_pairs.sh [--rounds N] SESAME_A SESAME_B REPO
#
# Each round runs, one after the other, with /usr/bin/time:
#   A      SESAME_A scan REPO --format json -o /dev/null --exit-zero -q
#   B      SESAME_B scan REPO (the same options)
#   floor  git -C REPO cat-file --batch-all-objects --batch --unordered >/dev/null
# and prints wall s, CPU s (user+sys) and peak RSS (MiB) of each, with B/A and B/floor
# (wall) and B/A CPU for that round; then the medians of the ratios and the largest peak RSS. On a
# shared machine the ratios of one round (seconds apart) mean more than the times.
# Issue 16's goal: B/floor <= 0.4, B's peak RSS <= 400 MiB on git/git.
set -euo pipefail
ROUNDS=5
if [ "${1:-}" = --rounds ]; then ROUNDS=$2; shift 2; fi
[ $# -eq 3 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
A=$1 B=$2 REPO=$3
TF=$(mktemp)
trap 'rm -f "$TF"' EXIT

# run NAME CMD...: sets W (wall s), C (CPU s), M (peak RSS MiB)
run() {
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$TF" "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    W=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
    read -r M C < <(tail -1 "$TF" | awk '{printf "%.0f %.2f\n", $1 / 1024, $2 + $3}')
}

echo "repository: $REPO; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s | %-22s | %-22s | %-22s | %6s | %7s | %7s\n' round "A wall/CPU/RSS" "B wall/CPU/RSS" \
    "floor wall/CPU/RSS" "B/A" "B/floor" "B/A CPU"
RBA="" RBF="" RCPU="" MA=0 MB=0
for ((i = 1; i <= ROUNDS; i++)); do
    run "$A" scan "$REPO" --format json -o /dev/null --exit-zero -q
    WA=$W CA=$C MMA=$M
    run "$B" scan "$REPO" --format json -o /dev/null --exit-zero -q
    WB=$W CB=$C MMB=$M
    run git -C "$REPO" cat-file --batch-all-objects --batch --unordered
    WF=$W CF=$C MF=$M
    ba=$(awk -v a="$WA" -v b="$WB" 'BEGIN {printf "%.2f", b / a}')
    bf=$(awk -v f="$WF" -v b="$WB" 'BEGIN {printf "%.2f", b / f}')
    bc=$(awk -v a="$CA" -v b="$CB" 'BEGIN {printf "%.2f", b / a}')
    RBA+="$ba " RBF+="$bf " RCPU+="$bc "
    [ "$MMA" -gt "$MA" ] && MA=$MMA
    [ "$MMB" -gt "$MB" ] && MB=$MMB
    printf '%-5s | %6s %6s %6s MiB | %6s %6s %6s MiB | %6s %6s %6s MiB | %6s | %7s | %7s\n' "$i" \
        "$WA" "$CA" "$MMA" "$WB" "$CB" "$MMB" "$WF" "$CF" "$MF" "$ba" "$bf" "$bc"
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "median B/A $(median <<< "$RBA"), median B/floor $(median <<< "$RBF"), median B/A CPU $(median <<< "$RCPU"); peak RSS A $MA MiB, B $MB MiB; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
