#!/usr/bin/env bash
# bench_pg.sh - the PostgreSQL store (issue 15) against the SQLite file: the same audit of
# N small generated repositories into each.
#
#   benches/bench_pg.sh [--repos N] [--no-record]
#
# Measured (wall time, one run each, alternately SQLite then PostgreSQL):
#   first    sesame audit --repos-from LIST into an empty store (-j 1, then -j 2 into a
#            second empty store)
#   again    the same audit again (nothing new: every repository incremental)
# The PostgreSQL server is a private one (tests/support/pg_server.sh: a Unix socket,
# fsync off), so the numbers are the adapter's and the protocol's cost, not a disk's.
# The result block is printed and appended to benches/RESULTS.md (unless --no-record).
# Environment: SESAME_BIN (default build/sesame).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
REPOS=100
RECORD=1
while [ $# -gt 0 ]; do
    case $1 in
    --repos) REPOS=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
BIN=${SESAME_BIN:-$ROOT/build/sesame}
WORK=$(mktemp -d /tmp/sesame-bench-pg.XXXXXX)
PGDIR=$(mktemp -d /tmp/sesame-pg.XXXXXX)  # its own: the server (nobody) must reach it
pgs() { sh "$ROOT/tests/support/pg_server.sh" "$@"; }
trap 'pgs stop "$PGDIR"; rm -rf "$WORK"' EXIT
pgs start "$PGDIR"
pgs psql "$PGDIR" -d postgres -c "CREATE DATABASE b1" -c "CREATE DATABASE b2" >/dev/null

for i in $(seq 1 "$REPOS"); do
    r=$WORK/fleet/r$i
    git init -q "$r"
    for c in 1 2 3; do
        printf 'service %d\nrevision %d\n' "$i" "$c" >"$r/config-$c.txt"
        git -C "$r" add . && git -C "$r" -c user.name=b -c user.email=b@b commit -qm "c$c"
    done
    echo "$r" >>"$WORK/list"
done

t() { # NAME CMD...: wall seconds into the variable NAME
    local s e
    s=$(date +%s.%N)
    "${@:2}" >/dev/null 2>&1 || [ $? -le 1 ]
    e=$(date +%s.%N)
    printf -v "$1" '%.3f' "$(echo "$e - $s" | bc)"
}
PG1="postgresql:///b1?host=$PGDIR&user=postgres"
PG2="postgresql:///b2?host=$PGDIR&user=postgres"
t sq1 "$BIN" audit -q --db "$WORK/a.db" --repos-from "$WORK/list"
t pg1 "$BIN" audit -q --db "$PG1" --repos-from "$WORK/list"
t sq2 "$BIN" audit -q --db "$WORK/a.db" --repos-from "$WORK/list"
t pg2 "$BIN" audit -q --db "$PG1" --repos-from "$WORK/list"
t sqj "$BIN" audit -q -j 2 --db "$WORK/b.db" --repos-from "$WORK/list"
t pgj "$BIN" audit -q -j 2 --db "$PG2" --repos-from "$WORK/list"

block=$(cat <<EOB

## PostgreSQL store against SQLite (bench_pg.sh, $(date -u +%Y-%m-%d))

- machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at end
- $REPOS small repositories (3 commits each), one run each, SQLite then PostgreSQL
- command: \`sesame audit -q [-j 2] --db STORE --repos-from LIST\`; PostgreSQL: private
  server on a Unix socket (tests/support/pg_server.sh, fsync off)

| audit | SQLite s | PostgreSQL s |
|---|---:|---:|
| first, -j 1 | $sq1 | $pg1 |
| again (nothing new), -j 1 | $sq2 | $pg2 |
| first, -j 2 (fresh store) | $sqj | $pgj |
EOB
)
echo "$block"
[ "$RECORD" = 0 ] || echo "$block" >>"$ROOT/benches/RESULTS.md"
