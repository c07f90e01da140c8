#!/usr/bin/env bash
# bench_fleet.sh - a fleet of queue workers (issue 15) against the single-process SQLite
# audit of the same repositories, on this machine.
#
#   benches/bench_fleet.sh [--repos N] [--kb K] [--rounds R] [--overhead-only] [--no-record]
#
# Measured, R alternating rounds (whole-process wall times; ratios per round):
#   throughput  N generated repositories (tests/support/gen_fleet.py: 5 commits, 8 files
#               of about K KB in all each): `sesame audit --db FILE --repos-from LIST` into
#               a fresh SQLite file, then --enqueue into a fresh PostgreSQL database and 1, 2
#               and 4 `--worker --until-empty` processes started together (timed from the
#               first start to the last exit: enqueue not included, measured apart);
#               repositories/min and MB/s (bytes read, from the JSON summaries)
#   overhead    the queue's cost per repository: N repositories of one tiny commit each,
#               one `--worker --until-empty` against one plain `sesame audit --db URL` of
#               the same list into a fresh database of the same server; (worker - plain)/N
#               is claim + lease + done (goal < 20 ms); also the CPU time (user + system)
#               of the two processes, which a loaded machine disturbs less than wall time
#               (the server's CPU not counted); --overhead-only: this part alone
#   re-audit    the whole set enqueued again (nothing new) and drained by 4 workers,
#               against a SQLite re-audit of the same set
# The PostgreSQL server is a private one (tests/support/pg_server.sh: Unix socket, fsync
# off). The block is printed and appended to benches/RESULTS.md (unless --no-record).
# Environment: SESAME_BIN (default build-release/sesame, else build/sesame).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
REPOS=200
KB=64
ROUNDS=3
RECORD=1
ONLY_OVH=0
while [ $# -gt 0 ]; do
    case $1 in
    --repos) REPOS=$2; shift 2 ;;
    --kb) KB=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    --overhead-only) ONLY_OVH=1; shift ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
BIN=${SESAME_BIN:-$ROOT/build-release/sesame}
[ -x "$BIN" ] || BIN=$ROOT/build/sesame
WORK=$(mktemp -d /tmp/sesame-bench-fleet.XXXXXX)
PGDIR=$(mktemp -d /tmp/sesame-pg.XXXXXX)
pgs() { sh "$ROOT/tests/support/pg_server.sh" "$@"; }
trap 'pgs stop "$PGDIR"; rm -rf "$WORK"' EXIT
pgs start "$PGDIR"
python3 "$ROOT/tests/support/gen_fleet.py" "$WORK/set" "$REPOS" --kb "$KB" --files 8 --commits 5
python3 "$ROOT/tests/support/gen_fleet.py" "$WORK/tiny" "$REPOS" --kb 1 --files 1 --commits 1 \
    --seed tiny
MB=$(du -sk --apparent-size "$WORK"/set/r*/ | awk '{ s += $1 } END { printf "%.1f", s / 1024 }')

now() { date +%s.%N; }
dbn=0
fresh_pg() { # a new empty database: its URL in $url
    dbn=$((dbn + 1))
    pgs psql "$PGDIR" -d postgres -c "CREATE DATABASE f$dbn" >/dev/null
    url="postgresql:///f$dbn?host=$PGDIR&user=postgres"
}
# sum of "bytes" of the JSON summaries in the files named
bytes_of() {
    cat "$@" | python3 -c '
import json, sys
dec, text, i, b = json.JSONDecoder(), sys.stdin.read(), 0, 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    d, i = dec.raw_decode(text, i)
    b += sum(r["bytes"] for r in d["repositories"])
print(b)'
}
# workers N URL: N workers until empty; wall seconds printed
workers() {
    local n=$1 url=$2 s e pids=
    s=$(now)
    for w in $(seq 1 "$n"); do
        "$BIN" audit -q -f json --db "$url" --worker --until-empty --worker-id "w$w" \
            >"$WORK/w$w.json" 2>>"$WORK/err" &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p"; done
    e=$(now)
    echo "$e - $s" | bc
}
sqlite_audit() { # LIST DB: wall seconds
    local s e
    s=$(now)
    "$BIN" audit -q -f json --db "$2" --repos-from "$1" >"$WORK/sq.json" 2>>"$WORK/err" || [ $? -le 1 ]
    e=$(now)
    echo "$e - $s" | bc
}

declare -A T
ratios=
BYTES=0
for r in $(seq 1 "$ROUNDS"); do
    for n in 1 2 4; do
        [ "$ONLY_OVH" = 0 ] || continue
        rm -f "$WORK"/sq.db*
        sq=$(sqlite_audit "$WORK/set/list" "$WORK/sq.db")
        fresh_pg
        s=$(now)
        "$BIN" audit -q --db "$url" --enqueue --repos-from "$WORK/set/list"
        enq=$(echo "$(now) - $s" | bc)
        pg=$(workers "$n" "$url")
        [ "$n" != 4 ] || last4=$url
        T[sq,$n]="${T[sq,$n]:-} $sq"
        T[pg,$n]="${T[pg,$n]:-} $pg"
        T[enq]="${T[enq]:-} $enq"
        BYTES=$(bytes_of "$WORK"/w*.json)
        rm -f "$WORK"/w*.json
        ratios="$ratios $n:$(echo "scale=3; $pg / $sq" | bc)"
    done
    # the queue's overhead: one worker against a plain audit into the same server
    fresh_pg
    "$BIN" audit -q --db "$url" --enqueue --repos-from "$WORK/tiny/list"
    s=$(now)
    /usr/bin/time -o "$WORK/cpu" -f "%U %S" "$BIN" audit -q --db "$url" --worker --until-empty \
        2>>"$WORK/err"
    wk=$(echo "$(now) - $s" | bc)
    wkcpu=$(awk 'END { print $1 + $2 }' "$WORK/cpu")
    fresh_pg
    s=$(now)
    /usr/bin/time -o "$WORK/cpu" -f "%U %S" "$BIN" audit -q --db "$url" \
        --repos-from "$WORK/tiny/list" >/dev/null 2>&1 || [ $? -le 1 ]
    plain=$(echo "$(now) - $s" | bc)
    plaincpu=$(awk 'END { print $1 + $2 }' "$WORK/cpu")
    T[ovhcpu]="${T[ovhcpu]:-} $(echo "scale=2; ($wkcpu - $plaincpu) * 1000 / $REPOS" | bc)"
    T[ovh]="${T[ovh]:-} $(echo "scale=2; ($wk - $plain) * 1000 / $REPOS" | bc)"
    T[wk]="${T[wk]:-} $wk"
    T[plain]="${T[plain]:-} $plain"
done
# re-audit with nothing new: the last 4-worker database, enqueued again; SQLite again
url=${last4:-}
for r in $(seq 1 "$ROUNDS"); do
    [ "$ONLY_OVH" = 0 ] || continue
    sq=$(sqlite_audit "$WORK/set/list" "$WORK/sq.db")
    "$BIN" audit -q --db "$url" --enqueue --repos-from "$WORK/set/list"
    pg=$(workers 4 "$url")
    T[resq]="${T[resq]:-} $sq"
    T[repg]="${T[repg]:-} $pg"
done

med() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }
row() { # label seconds-list bytes-read
    local m
    if [ -z "${2// /}" ]; then
        printf '| %s | - | - | - |\n' "$1"
        return
    fi
    m=$(echo "$2" | med)
    printf '| %s | %s | %.0f | %s |\n' "$1" "$2" "$(echo "$REPOS * 60 / $m" | bc -l)" \
        "$(printf '%.1f' "$(echo "$3 / 1000000 / $m" | bc -l)")"
}
block=$(cat <<EOB

## A fleet of queue workers against one SQLite audit (bench_fleet.sh, $(date -u +%Y-%m-%d))

- machine: $(nproc) CPUs shared with other jobs, load average $(cut -d' ' -f1-3 /proc/loadavg) at end
- $REPOS generated repositories (tests/support/gen_fleet.py, 5 commits, 8 files, $MB MB of
  work trees and .git in all; $BYTES bytes read per full audit), $ROUNDS alternating rounds
  (SQLite, then PostgreSQL with 1, 2, 4 workers); whole-process wall times, median per row
- command: \`SESAME_BIN=$BIN benches/bench_fleet.sh --repos $REPOS --kb $KB --rounds $ROUNDS\`;
  PostgreSQL: private server on a Unix socket (tests/support/pg_server.sh, fsync off)

| run | wall s (rounds) | repositories/min | MB/s read |
|---|---|---:|---:|
$(row "SQLite, one process" "$(echo ${T[sq,1]:-} ${T[sq,2]:-} ${T[sq,4]:-})" "$BYTES")
$(row "queue, 1 worker" "${T[pg,1]:-}" "$BYTES")
$(row "queue, 2 workers" "${T[pg,2]:-}" "$BYTES")
$(row "queue, 4 workers" "${T[pg,4]:-}" "$BYTES")
$(row "re-audit, SQLite, nothing new" "${T[resq]:-}" 0)
$(row "re-audit, queue, 4 workers, nothing new" "${T[repg]:-}" 0)

- ratio queue/SQLite per pair (workers:ratio):$ratios
- --enqueue of the $REPOS repositories: ${T[enq]:-} s
- queue overhead per repository (claim + lease + done: one worker minus a plain audit into
  the same server, $REPOS repositories of one tiny commit): ${T[ovh]:-} ms (worker${T[wk]:-} s,
  plain${T[plain]:-} s); in CPU time of the two processes: ${T[ovhcpu]:-} ms
EOB
)
echo "$block"
[ "$RECORD" = 0 ] || echo "$block" >>"$ROOT/benches/RESULTS.md"
