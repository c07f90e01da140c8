#!/usr/bin/env bash
# bench_audit.sh - the audit store (issue 14): first audit against re-audits.
#
#   benches/bench_audit.sh [--runs N] [--commits N] [--size-mb N] [--repos N] [--no-record]
#
# Measured (median wall time of --runs runs, default 3, each from a fresh copy of the
# store where it matters):
#   first       sesame audit of the generated repository (gen_repo.py, default 5000
#               commits; a bare repository) into an empty store
#   unchanged   the same audit again (nothing new): the goal is <= 0.5 s and <= 10 % of
#               the first
#   +1 commit   after one new commit (2 new files) pushed into it
#   fleet       --repos N small generated repositories (default 200; 5 commits each, a
#               README shared by all), first run and second run
#   store size  bytes of the store file per 100,000 objects recorded (from the first
#               audit's store: file size / objects rows)
# The result block is printed and appended to benches/RESULTS.md (unless --no-record).
# Environment: SESAME_BIN (default build/sesame).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
RUNS=3
RECORD=1
COMMITS=5000
SIZE_MB=20
REPOS=200

while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --commits) COMMITS=$2; shift 2 ;;
    --size-mb) SIZE_MB=$2; shift 2 ;;
    --repos) REPOS=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done

BIN=${SESAME_BIN:-$ROOT/build/sesame}
OUT=$HERE/out/audit
GEN=$OUT/gen-c$COMMITS-m$SIZE_MB
mkdir -p "$OUT"
python3 "$HERE/gen_repo.py" "$GEN" --commits "$COMMITS" --size-mb "$SIZE_MB" >&2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sesame-bench-audit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home GIT_CONFIG_NOSYSTEM=1 SESAME_CACHE_DIR=$WORK/cache
mkdir -p "$HOME"
git config --global user.name bench && git config --global user.email bench@example.com
git config --global init.defaultBranch main

now() { date +%s.%N; }
# timed OUTVAR CMD...: wall seconds of CMD (its exit status 0 or 1 is fine)
timed() {
    local var=$1 t0 t1 rc=0
    shift
    t0=$(now)
    "$@" >/dev/null 2>&1 || rc=$?
    t1=$(now)
    [ $rc -le 1 ] || { echo "bench: '$*' exited $rc" >&2; exit 1; }
    printf -v "$var" '%.3f' "$(python3 -c "print($t1 - $t0)")"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

firsts="" unchanged="" plus1=""
for r in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/repo.git" "$WORK/a.db"*
    git clone -q --bare "$GEN/repo.git" "$WORK/repo.git"
    timed t "$BIN" audit -q --db "$WORK/a.db" "$WORK/repo.git"
    firsts="$firsts $t"
    timed t "$BIN" audit -q --db "$WORK/a.db" "$WORK/repo.git"
    unchanged="$unchanged $t"
    rm -rf "$WORK/wt"
    git clone -q "$WORK/repo.git" "$WORK/wt"
    (cd "$WORK/wt" && echo "bench $r" >bench-new.txt && seq 1 200 >bench-num.txt &&
     git add . && git commit -qm "one more" && git push -q origin HEAD)
    timed t "$BIN" audit -q --db "$WORK/a.db" "$WORK/repo.git"
    plus1="$plus1 $t"
done
objects=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM objects").fetchone()[0])' "$WORK/a.db")
dbsize=$(stat -c %s "$WORK/a.db")

# the fleet: N small repositories, built with fast-import
mkdir -p "$WORK/fleet"
for i in $(seq 1 "$REPOS"); do
    git init -q --bare "$WORK/fleet/r$i.git"
    python3 - "$i" <<'EOF' | git -C "$WORK/fleet/r$i.git" fast-import --quiet
import sys
i = int(sys.argv[1])
for c in range(5):
    body = "shared readme\n" if c == 0 else "repo %d commit %d\n%s" % (i, c, "x" * 2000)
    print("commit refs/heads/main")
    print("committer bench <bench@example.com> %d +0000" % (1600000000 + c))
    msg = "c%d" % c
    print("data %d" % len(msg))
    print(msg)
    path = "README" if c == 0 else "f%d.txt" % c
    print("M 644 inline %s" % path)
    data = body.encode()
    print("data %d" % len(data))
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    print()
EOF
    echo "$WORK/fleet/r$i.git" >>"$WORK/fleet.list"
done
timed fleet1 "$BIN" audit -q --db "$WORK/f.db" --repos-from "$WORK/fleet.list"
timed fleet2 "$BIN" audit -q --db "$WORK/f.db" --repos-from "$WORK/fleet.list"

first=$(echo "$firsts" | median)
un=$(echo "$unchanged" | median)
p1=$(echo "$plus1" | median)
pct=$(python3 -c "print(100 * $un / $first)")
per100k=$(python3 -c "print($dbsize * 100000 // $objects)")
blobs=$(git -C "$GEN/repo.git" count-objects -v | awk '/^in-pack/ { print $2 }')
block=$(cat <<EOF

## audit store: $(date -u '+%Y-%m-%d %H:%M') UTC - sesame $("$BIN" version | cut -d' ' -f2) (git $(git -C "$ROOT" rev-parse --short HEAD))

- machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at end
- repository: gen_repo.py --commits $COMMITS --size-mb $SIZE_MB (bare clone; $blobs objects in its pack)
- command: \`sesame audit -q --db A.db REPO.git\` ; median of $RUNS runs
  (runs: first$firsts; unchanged$unchanged; +1 commit$plus1)

| audit | wall s |
|---|---:|
| first (empty store) | $first |
| re-audit, unchanged | $un ($(printf '%.1f' "$pct") % of the first) |
| re-audit after 1 new commit | $p1 |
| $REPOS small repositories, first run | $fleet1 |
| $REPOS small repositories, second run | $fleet2 |

- store after the first audit: $dbsize bytes for $objects objects recorded, i.e. $per100k bytes per 100,000 scanned objects (findings and occurrences included)
- goal: re-audit of an unchanged repository <= 0.5 s and <= 10 % of the first: $(
    awk -v u="$un" -v p="$pct" 'BEGIN { print (u <= 0.5 && p <= 10) ? "met" : "NOT met" }')
EOF
)
echo "$block"
[ "$RECORD" = 1 ] && echo "$block" >>"$HERE/RESULTS.md"
exit 0
