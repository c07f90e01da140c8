#!/usr/bin/env bash
# bench_hook.sh - the latency sesame's pre-receive hook adds to a `git push`: push with
# the hook minus push without it (median of --runs), for a 1-commit and a 1,000-commit
# push, into a large repository and into a small one (the added latency of a 1-commit
# push should not depend on the size of the repository; target: under 100 ms).
#
#   benches/bench_hook.sh [--runs N] [--commits N] [--size-mb N] [--repo BARE] [--commit-graph]
#                         [--no-record] [DIR]
#
# --commit-graph: the servers get a commit-graph file (`git commit-graph write --reachable`)
# before the pushes, as `git gc` writes one on a server (gc.writeCommitGraph, git >= 2.24);
# without it they have none (a fresh `git clone --bare`).
# --repo BARE: the large repository is this existing bare repository (e.g. a copy of
# git/git's full history) instead of a generated one; it is only read (local clones).
# The large repository is gen_repo.py's (default 5000 commits, ~300 MB of distinct blob
# bytes, branches, tags and merges, fake keys in its history); the small one is
# gen_repo.py --commits 100 --size-mb 5. Both are generated once into DIR (default
# benches/out/hook, gitignored) and reused while their parameters do not change.
#
# For each repository: bare clones act as servers, one without a pre-receive hook, one
# with the hook of `sesame install-hook pre-receive` (default options: 4 s budget,
# fail-closed), and, for 1-commit pushes, one with the hooks/pre-receive script (which
# reads git config first); a client clone holds a 1-commit and a 1,000-commit series on top of
# main (a few KB of text per commit, written with git fast-import). Each timed push is
# `git push <tip>:refs/heads/main` over file:// after the server's main was reset to the
# base commit; rounds are interleaved (no hook, hook; 1 commit, 1,000 commits); one
# untimed warm-up push each first (rules cache, page cache). After each push the server
# forgets what it brought (its loose objects or its pack), so that every push brings
# new objects into the quarantine, as a real push does. "hook alone" times
# `sesame hook pre-receive` by itself on the same input (the pushed objects in a
# quarantine, main reset to the base), without git around it, in wall time and in CPU
# time (user + system): on a busy machine the CPU time is the steadier figure; for the
# same reason every push is also timed in CPU (the push and everything under it:
# receive-pack, the hook), and "added CPU ms" is the difference with and without the hook.
# The result block is printed and appended to benches/RESULTS.md (unless --no-record).
# On a shared machine, run it under `nice -n -10` (as root) to keep other jobs from
# inflating the wall times; the niceness is recorded.
#
# Environment: SESAME_BIN (default build-bench/sesame, else build-hook/sesame).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
RUNS=7
COMMITS=5000
SIZE_MB=300
RECORD=1
DIR=""
REPO=""
COMMIT_GRAPH=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --commits) COMMITS=${2:?--commits needs a value}; shift 2 ;;
    --commits=*) COMMITS=${1#*=}; shift ;;
    --size-mb) SIZE_MB=${2:?--size-mb needs a value}; shift 2 ;;
    --size-mb=*) SIZE_MB=${1#*=}; shift ;;
    --repo) REPO=${2:?--repo needs a value}; shift 2 ;;
    --repo=*) REPO=${1#*=}; shift ;;
    --commit-graph) COMMIT_GRAPH=1; shift ;;
    --no-record) RECORD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench_hook.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [ -z "$DIR" ] || { echo "bench_hook.sh: one DIR only" >&2; exit 2; }; DIR=$1; shift ;;
    esac
done
for v in "$RUNS" "$COMMITS" "$SIZE_MB"; do
    case $v in ''|*[!0-9]*|0) echo "bench_hook.sh: --runs, --commits and --size-mb take numbers >= 1" >&2; exit 2 ;; esac
done

OUT=$(mkdir -p "${DIR:-$HERE/out/hook}" && cd "${DIR:-$HERE/out/hook}" && pwd)
RESULTS=$HERE/RESULTS.md
if [ -z "${SESAME_BIN:-}" ]; then
    SESAME_BIN=$ROOT/build-bench/sesame
    [ -x "$SESAME_BIN" ] || SESAME_BIN=$ROOT/build-hook/sesame
fi
if [ ! -x "$SESAME_BIN" ]; then
    echo "bench_hook.sh: no sesame binary at $SESAME_BIN; build it with" >&2
    echo "  cmake -S $ROOT -B $ROOT/build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build-bench -j2 --target sesame" >&2
    echo "or point SESAME_BIN at one." >&2
    exit 2
fi
SESAME_BIN=$(cd "$(dirname "$SESAME_BIN")" && pwd)/$(basename "$SESAME_BIN")
command -v python3 >/dev/null || { echo "bench_hook.sh: python3 not found" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench_hook.sh: GNU time (/usr/bin/time) not found (Debian: apt-get install time)" >&2; exit 2; }

# Nothing from the caller's git configuration, no hooks of the client.
export GIT_CONFIG_NOSYSTEM=1 HOME="$OUT/home"
mkdir -p "$HOME"
git config --global user.name "Bench Mark"
git config --global user.email bench@example.org
git config --global protocol.file.allow always
export SESAME_CACHE_DIR="$OUT/cache"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

# --- repositories ---------------------------------------------------------------------------
SMALL=$OUT/small-c100-m5
if [ -n "$REPO" ]; then
    REPO=$(cd "$REPO" && pwd)
    git -C "$REPO" rev-parse --verify -q main >/dev/null ||
        git -C "$REPO" rev-parse --verify -q master >/dev/null ||
        { echo "bench_hook.sh: $REPO has no main or master branch" >&2; exit 2; }
    # a repository of its own size pays for its refs too (git/git: 1,016, most of them
    # annotated tags): clones keep them all
    # the layout setup() and describe() expect: LARGE/repo.git
    LARGE=$OUT/given-$(basename "$REPO" .git)
    mkdir -p "$LARGE"
    ln -sfn "$REPO" "$LARGE/repo.git"
else
    LARGE=$OUT/large-c$COMMITS-m$SIZE_MB
    python3 "$HERE/gen_repo.py" "$LARGE" --commits "$COMMITS" --size-mb "$SIZE_MB" >&2
fi
python3 "$HERE/gen_repo.py" "$SMALL" --commits 100 --size-mb 5 >&2

# timed OUT CMD...: run CMD; write "WALL_MS CPU_MS" to OUT, CPU being user + system of
# CMD and every process under it, to the microsecond (GNU time rounds to 10 ms).
timed() {
    python3 -c '
import os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
p = subprocess.Popen(cmd)
_, status, ru = os.wait4(p.pid, 0)
wall = (time.perf_counter() - t0) * 1000
with open(out, "w") as f:
    f.write("%d %d\n" % (round(wall), round((ru.ru_utime + ru.ru_stime) * 1000)))
sys.exit(os.waitstatus_to_exitcode(status))
' "$@"
}

# series CLIENT BRANCH N: N commits on BRANCH from main, each rewriting one of 20
# rolling files and adding a new one (2-4 KB of text each).
series() {
    python3 - "$2" "$3" "$(git -C "$1" rev-parse main)" <<'EOF' | git -C "$1" fast-import --quiet --force
import random, sys
branch, n, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = random.Random("bench-hook:%s" % branch)
words = ("config value handler request user session cache token region bucket queue "
         "retry timeout deploy build service worker metric trace log").split()
def text(k):
    lines = []
    while sum(len(l) + 1 for l in lines) < k:
        lines.append(" ".join(r.choice(words) for _ in range(r.randint(4, 12))))
    return "\n".join(lines) + "\n"
w = sys.stdout.write
def data(s):
    b = s.encode()
    w("data %d\n" % len(b)); w(s); w("\n")
for i in range(1, n + 1):
    w("commit refs/heads/%s\nmark :%d\n" % (branch, i))
    w("committer Bench Mark <bench@example.org> %d +0000\n" % (1800000000 + i))
    data("bench change %d of %d" % (i, n))
    w("from %s\n" % (base if i == 1 else ":%d" % (i - 1)))
    w("M 100644 inline bench/rolling-%02d.txt\n" % (i % 20)); data(text(r.randint(2000, 4000)))
    w("M 100644 inline bench/%s/new-%05d.txt\n" % (branch, i)); data(text(r.randint(2000, 4000)))
EOF
}

# setup NAME REPO: servers NAME/srv-nohook.git and NAME/srv-hook.git, client NAME/client.git
# with branches push1 and push1000.
setup() {
    local d=$OUT/run/$1 repo=$2/repo.git
    rm -rf "$d"
    mkdir -p "$d"
    git clone -q --bare "$repo" "$d/client.git"
    # a given repository may call its default branch master: main is pushed to
    git -C "$d/client.git" rev-parse --verify -q main >/dev/null ||
        git -C "$d/client.git" update-ref refs/heads/main refs/heads/master
    for v in nohook hook script; do
        git clone -q --bare "$repo" "$d/srv-$v.git"
        git -C "$d/srv-$v.git" rev-parse --verify -q main >/dev/null ||
            git -C "$d/srv-$v.git" update-ref refs/heads/main refs/heads/master
        rm -f "$d/srv-$v.git"/hooks/*
        git -C "$d/srv-$v.git" config receive.autogc false
        git -C "$d/srv-$v.git" config gc.auto 0
        [ "$COMMIT_GRAPH" = 0 ] || git -C "$d/srv-$v.git" commit-graph write --reachable 2>/dev/null
    done
    "$SESAME_BIN" install-hook pre-receive --repo "$d/srv-hook.git" >/dev/null
    install -m 755 "$ROOT/hooks/pre-receive" "$d/srv-script.git/hooks/pre-receive"
    series "$d/client.git" push1 1
    series "$d/client.git" push1000 1000
    # what each push brings (forget_push removes it again), and the same as a push's
    # quarantine for hook_alone: a pack of it in q1/ and q1000/
    for n in 1 1000; do
        git -C "$d/client.git" rev-list --objects "push$n" --not main | cut -d' ' -f1 \
            >"$d/objects.$n"
        mkdir -p "$d/q$n/pack"
        printf 'push%s\n^main\n' "$n" |
            git -C "$d/client.git" pack-objects -q --revs "$d/q$n/pack/pack" >/dev/null
    done
    for v in nohook hook script; do
        (cd "$d/srv-$v.git/objects/pack" && ls) >"$d/srv-$v.packs"
    done
}

# forget_push NAME VARIANT N: remove what the push of N commits brought into the server
# (its loose objects, or the pack it arrived in), so that every push brings new objects
# into its quarantine, as a real one does: a server that kept them would have git skip
# writing them there, and the hook would see a push of objects it already has.
forget_push() {
    local d=$OUT/run/$1 srv=$OUT/run/$1/srv-$2.git p
    sed 's|^\(..\)|\1/|' "$d/objects.$3" | (cd "$srv/objects" && xargs rm -f)
    for p in "$srv"/objects/pack/*; do
        grep -qxF "$(basename "$p")" "$d/srv-$2.packs" || rm -f "$p"
    done
}

# push_once NAME VARIANT N: reset the server's main, push; prints "WALL_MS CPU_MS", CPU
# being user + system of the push and every process under it (receive-pack, the hook),
# which a busy machine inflates far less than wall time.
push_once() {
    local d=$OUT/run/$1 srv=$OUT/run/$1/srv-$2.git base tip
    base=$(git -C "$d/client.git" rev-parse main)
    tip=$(git -C "$d/client.git" rev-parse "push$3")
    git -C "$srv" update-ref refs/heads/main "$base"
    if ! timed "$OUT/push.time" \
        git -C "$d/client.git" push -q --no-verify "file://$srv" "$tip:refs/heads/main" \
        >"$OUT/push.out" 2>&1; then
        echo "bench_hook.sh: the push of $3 commit(s) into $1/$2 failed:" >&2
        cat "$OUT/push.out" >&2
        exit 1
    fi
    forget_push "$1" "$2" "$3"
    cat "$OUT/push.time"
}

# hook_alone NAME N: the hook by itself on the input of the push, the pushed objects in
# a quarantine as git gives them to a pre-receive hook (the server does not have them);
# prints "WALL_MS CPU_MS" (CPU: user + system of the sesame process).
hook_alone() {
    local d=$OUT/run/$1 srv=$OUT/run/$1/srv-hook.git base tip
    base=$(git -C "$d/client.git" rev-parse main)
    tip=$(git -C "$d/client.git" rev-parse "push$2")
    git -C "$srv" update-ref refs/heads/main "$base"
    printf '%s %s refs/heads/main\n' "$base" "$tip" |
        (cd "$srv" && GIT_DIR=. GIT_QUARANTINE_PATH="$d/q$2" GIT_OBJECT_DIRECTORY="$d/q$2" \
            GIT_ALTERNATE_OBJECT_DIRECTORIES="$srv/objects" timed "$OUT/hook.time" \
            "$SESAME_BIN" hook pre-receive 2>"$OUT/hook.err") || {
        echo "bench_hook.sh: the hook rejected $2 commit(s) in $1:" >&2
        cat "$OUT/hook.err" >&2
        exit 1
    }
    cat "$OUT/hook.time"
}

median() {
    tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{v[NR] = $1} END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A T ADDED
export SESAME_BIN   # for the hooks/pre-receive script
# variants N: the servers a push of N commits is timed into.
variants() { if [ "$1" = 1 ]; then echo nohook hook script; else echo nohook hook; fi; }
echo "setting up clients and servers" >&2
setup large "$LARGE"
setup small "$SMALL"
for name in large small; do
    for n in 1 1000; do
        for v in $(variants "$n"); do
            push_once "$name" "$v" "$n" >/dev/null   # warm-up
        done
        hook_alone "$name" "$n" >/dev/null
    done
done
for r in $(seq 1 "$RUNS"); do
    echo "round $r/$RUNS" >&2
    for name in large small; do
        for n in 1 1000; do
            for v in $(variants "$n"); do
                read -r w c < <(push_once "$name" "$v" "$n")
                T[$name,$v,$n]="${T[$name,$v,$n]:-} $w"
                T[$name,${v}cpu,$n]="${T[$name,${v}cpu,$n]:-} $c"
            done
            read -r w c < <(hook_alone "$name" "$n")
            T[$name,alone,$n]="${T[$name,alone,$n]:-} $w"
            T[$name,cpu,$n]="${T[$name,cpu,$n]:-} $c"
        done
    done
done
# The fixed cost of starting sesame at all, for reference.
startup=
for _ in $(seq 1 "$RUNS"); do
    "$TIME" -f "%e %U %S" -o "$OUT/version.time" "$SESAME_BIN" version >/dev/null
    startup="$startup $(awk '{printf "%d", ($2 + $3) * 1000 + 0.5}' "$OUT/version.time")"
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- result -----------------------------------------------------------------------------------
describe() {
    local repo=$1/repo.git c refs objs kb
    c=$(git -C "$repo" rev-list --count --all)
    refs=$(git -C "$repo" for-each-ref | wc -l)
    objs=$(git -C "$repo" count-objects -v | awk '/^in-pack:/ {print $2}')
    kb=$(git -C "$repo" count-objects -v | awk '/^size-pack:/ {print $2}')
    blob=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["blob_bytes"] / 1e6))' "$1/stamp.json" 2>/dev/null || echo "?")
    echo "$c commits, $refs refs, $objs objects, ${blob} MB of distinct blobs, $((kb / 1024)) MiB packed"
}
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%d GiB", $2 / 1048576}' /proc/meminfo)
sha=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
ver=$("$SESAME_BIN" version 2>/dev/null | awk '{print $2}')
{
    echo "## Hook latency: $(date -u '+%Y-%m-%d %H:%M') UTC - sesame $ver (git $sha)"
    echo
    echo "- machine: $(nproc) CPUs ($cpu), $mem; load average $LOAD_START at start, $LOAD_END at end; bench niceness $(nice)"
    if [ -n "$REPO" ]; then
        echo "- large repository: $(describe "$LARGE") (the given $REPO)"
    else
        echo "- large repository: $(describe "$LARGE") (gen_repo.py --commits $COMMITS --size-mb $SIZE_MB)"
    fi
    echo "- small repository: $(describe "$SMALL") (gen_repo.py --commits 100 --size-mb 5)"
    if [ "$COMMIT_GRAPH" = 1 ]; then
        echo "- servers with a commit-graph file (--commit-graph: git commit-graph write --reachable)"
    else
        echo "- servers without a commit-graph file (a fresh git clone --bare)"
    fi
    echo "- $(git --version); sesame at $SESAME_BIN, hook from \`sesame install-hook pre-receive\` (4 s budget, fail-closed); push over file://, each pushed commit adds 2 files of 2-4 KB; median of $RUNS interleaved runs after one warm-up push each"
    echo
    echo "| repository | push | without hook ms | with hook ms | added ms | added CPU ms | hook alone ms | hook alone CPU ms |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    for name in large small; do
        for n in 1 1000; do
            a=$(echo "${T[$name,nohook,$n]}" | median)
            b=$(echo "${T[$name,hook,$n]}" | median)
            h=$(echo "${T[$name,alone,$n]}" | median)
            c=$(echo "${T[$name,cpu,$n]}" | median)
            ca=$(echo "${T[$name,nohookcpu,$n]}" | median)
            cb=$(echo "${T[$name,hookcpu,$n]}" | median)
            printf '| %s | %s commit%s | %d | %d | %d | %d | %d | %d |\n' "$name" "$n" "$([ "$n" = 1 ] || echo s)" "$a" "$b" $((b - a)) $((cb - ca)) "$h" "$c"
            ADDED[$name,$n]=$((b - a))
            ADDED[$name,cpu,$n]=$((cb - ca))
            if [ "$n" = 1 ]; then
                b=$(echo "${T[$name,script,$n]}" | median)
                cb=$(echo "${T[$name,scriptcpu,$n]}" | median)
                printf '| %s | 1 commit, hooks/pre-receive script | %d | %d | %d | %d | | |\n' "$name" "$a" "$b" $((b - a)) $((cb - ca))
            fi
        done
    done
    echo
    t1=${ADDED[large,1]}
    t2=${ADDED[small,1]}
    verdict="met"
    [ "$t1" -lt 100 ] && [ "$t2" -lt 100 ] || verdict="NOT met"
    echo "- added latency of a 1-commit push: $t1 ms into the large repository, $t2 ms into the small one (target < 100 ms, independent of repository size: $verdict); added CPU time (user + system of the push and everything under it, steadier on a busy machine): ${ADDED[large,cpu,1]} ms and ${ADDED[small,cpu,1]} ms"
    echo "- process start alone (\`sesame version\`): $(echo "$startup" | median) ms CPU, part of every hook run"
    echo "- all runs (ms): $(for k in "${!T[@]}"; do printf '%s:%s; ' "$k" "$(echo ${T[$k]} | tr ' ' ',')"; done | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')"
    echo "- bench wall time: $(( $(date +%s) - T_START )) s"
    echo
} >"$OUT/result.md"
cat "$OUT/result.md"
if [ "$RECORD" = 1 ]; then
    if [ ! -s "$RESULTS" ]; then
        printf '# sesame benchmark results\n\nAppended by the scripts in benches/ (see benches/README.md). Newest last.\n\n' >"$RESULTS"
    fi
    cat "$OUT/result.md" >>"$RESULTS"
    echo "appended to $RESULTS" >&2
fi
