#!/usr/bin/env bash
# bench_verify.sh - throughput of `sesame scan --verify`: N distinct fake credentials
# verified against a loopback fake AWS endpoint (HTTPS, real SigV4 checks) with a fixed
# added latency per call. Target (issue 16 item 4): the wall time within 1.2x of
# calls x latency / concurrency.
#
#   benches/bench_verify.sh [--keys N] [--delay-ms N] [--concurrency "50 10"] [--runs N]
#                           [--fake fast|threaded] [--rate N|default] [--before BIN]
#                           [--no-floor] [--no-record] [DIR]
#
# The tree has N files, each with one key ID + secret pair (seeded, distinct); half of
# the keys exist in the fake (live: STS, then IAM GetAccessKeyLastUsed, SES v1
# GetSendQuota and GetSendStatistics, SESv2 GetAccount and ListEmailIdentities in the
# client region = 6 calls; 4 before issue 18), half do not
# (invalid: 1 STS call). For each concurrency C, a fresh fake with --delay-ms answers
# `sesame scan DIR/tree --verify --verify-concurrency C`; "calls" is counted from the
# fake's request log, "ideal" = calls x delay / C, "ratio" = wall / ideal. The scan
# alone (no --verify) is timed too, and a run with no added latency shows the floor of
# the machine (fake + sesame CPU; --no-floor skips it). Every run is one row.
#
# --fake: fast (default) is tests/support/fake_aws_fast.py (one event loop, little CPU
# per call); threaded is fake_aws.py (a thread per connection). Same answers.
# --rate: default (the default) runs sesame with its own pace (no --verify-rate: what
# a user gets, safe for AWS); N passes --verify-rate N.
# --before BIN: every run is a pair, BIN first then SESAME_BIN, with the ratios of the
# pair's wall times and of sesame's CPU times.
# Columns also give sesame's CPU (user+sys, /usr/bin/time), the fake's CPU (/proc),
# and the TLS connections the fake accepted (one handshake each).
# The result block is printed and appended to benches/RESULTS.md (unless --no-record).
#
# Environment: SESAME_BIN (default build-bench/sesame if it has --verify, else
# build-verify/sesame),
# PYTHON (default python3). Needs openssl (the throwaway CA) and python3.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SUPPORT=$ROOT/tests/support
KEYS=1000
DELAY=50
CONCURRENCY="50 10"
RUNS=1
RECORD=1
DIR=""
FAKE=fast
RATE=default
BEFORE=""
FLOOR=1

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --keys) KEYS=${2:?--keys needs a value}; shift 2 ;;
    --delay-ms) DELAY=${2:?--delay-ms needs a value}; shift 2 ;;
    --concurrency) CONCURRENCY=${2:?--concurrency needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --fake) FAKE=${2:?--fake needs a value}; shift 2 ;;
    --rate) RATE=${2:?--rate needs a value}; shift 2 ;;
    --before) BEFORE=${2:?--before needs a binary}; shift 2 ;;
    --no-floor) FLOOR=0; shift ;;
    --no-record) RECORD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench_verify.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [ -z "$DIR" ] || { echo "bench_verify.sh: one DIR only" >&2; exit 2; }; DIR=$1; shift ;;
    esac
done
case $FAKE in
fast) FAKE_AWS_SCRIPT=fake_aws_fast.py ;;
threaded) FAKE_AWS_SCRIPT=fake_aws.py ;;
*) echo "bench_verify.sh: --fake fast or threaded" >&2; exit 2 ;;
esac
export FAKE_AWS_SCRIPT
for v in "$KEYS" "$DELAY" "$RUNS" $CONCURRENCY $([ "$RATE" = default ] || echo "$RATE"); do
    case $v in ''|*[!0-9]*) echo "bench_verify.sh: numbers expected" >&2; exit 2 ;; esac
done

# the interpreter itself: a version-manager shim (pyenv) can take a second per start
PYTHON=${PYTHON:-$(python3 -c "import sys; print(sys.executable)" 2>/dev/null || echo python3)}
OUT=$(mkdir -p "${DIR:-$HERE/out/verify}" && cd "${DIR:-$HERE/out/verify}" && pwd)
RESULTS=$HERE/RESULTS.md
if [ -z "${SESAME_BIN:-}" ]; then
    # build-bench when it is recent enough to have --verify
    SESAME_BIN=$ROOT/build-bench/sesame
    if ! [ -x "$SESAME_BIN" ] || ! "$SESAME_BIN" help scan 2>/dev/null | grep -q -- --verify-concurrency; then
        SESAME_BIN=$ROOT/build-verify/sesame
    fi
fi
for b in "$SESAME_BIN" ${BEFORE:+"$BEFORE"}; do
    [ -x "$b" ] || { echo "bench_verify.sh: no sesame binary ($b)" >&2; exit 2; }
    "$b" help scan 2>/dev/null | grep -q -- --verify-concurrency ||
        { echo "bench_verify.sh: $b has no --verify-concurrency" >&2; exit 2; }
done

TRASH=$OUT
export TRASH PYTHON
. "$SUPPORT/fakes.sh"
trap 'stop_fakes' EXIT

rm -rf "$OUT/tree" "$OUT/certs" "$OUT"/*.log "$OUT"/fake-aws.* "$OUT"/report-*.json "$OUT"/time-*
make_test_certs "$OUT/certs"

# ---- the credentials --------------------------------------------------------------
SUPPORT=$SUPPORT KEYS=$KEYS "$PYTHON" - "$OUT" <<'EOF'
import json, os, sys
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys
out = sys.argv[1]
n = int(os.environ["KEYS"])
k = fakekeys.Keys("sesame-bench-verify")
keys, expect = {}, {}
for i in range(n):
    kid, sec = k.key_id(), k.secret()
    d = os.path.join(out, "tree", "svc%02d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "app%04d.env" % i), "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    if i % 2 == 0:
        acct = fakekeys.account_id(kid)
        keys[kid] = {"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/app{i}",
                     "user_id": "AIDA" + k.hexid(17), "last_used": None}
        expect[kid] = "live"
    else:
        expect[kid] = "invalid"
json.dump({"keys": keys}, open(os.path.join(out, "state.json"), "w"))
json.dump(expect, open(os.path.join(out, "expect.json"), "w"))
EOF

ms() { echo $(( $(date +%s%N) / 1000000 )); }

# one_run BIN C DELAY TAG: sets WALL_MS, CPU_MS (sesame user+sys), FAKE_CPU_MS, and from
# the fake's log CALLS, MAXIN, OKS (verdicts as expected), STS_RATE (STS calls per second
# while STS calls were being made), CONNS (TLS connections the fake accepted)
one_run() {
    local bin=$1 c=$2 delay=$3 tag=$4 t0 t1 u s
    local rate_opt=()
    [ "$RATE" = default ] || rate_opt=(--verify-rate "$RATE")
    start_fake_aws "$OUT/state.json" "$OUT/$tag.log" --delay-ms "$delay"
    fake_env
    unset SESAME_SMTP_ENDPOINT
    t0=$(ms)
    /usr/bin/time -f '%U %S' -o "$OUT/time-$tag" \
        "$bin" scan "$OUT/tree" --verify --verify-concurrency "$c" "${rate_opt[@]}" \
        --format json -q >"$OUT/report-$tag.json" || [ $? -eq 1 ]
    t1=$(ms)
    read -r u s < <(awk '{print $14, $15}' "/proc/$FAKE_AWS_PID/stat")
    FAKE_CPU_MS=$(( (u + s) * 1000 / $(getconf CLK_TCK) ))
    stop_fakes
    WALL_MS=$((t1 - t0))
    CPU_MS=$(awk 'END {printf "%d", ($1 + $2) * 1000}' "$OUT/time-$tag")
    read -r CALLS MAXIN OKS STS_RATE CONNS < <("$PYTHON" - "$OUT/$tag.log" \
        "$OUT/report-$tag.json" "$OUT/expect.json" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
exp = json.load(open(sys.argv[3]))
ok = sum(1 for f in rep["findings"]
         if f["verification"] and exp.get(f["access_key_id"]) == f["verification"]["status"])
sts = sorted(e["t"] for e in log if e["service"] == "sts")
rate = (len(sts) - 1) / (sts[-1] - sts[0]) if len(sts) > 1 and sts[-1] > sts[0] else 0
conns = len({e.get("conn") for e in log})
print(len(log), max((e["inflight"] for e in log), default=0), ok, "%.1f" % rate, conns)
EOF
)
}

ratio() {
    "$PYTHON" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b) if b > 0 else '-')" "$1" "$2"
}

export SESAME_CACHE_DIR=$OUT/.cache
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
"$SESAME_BIN" scan "$OUT/tree" --format json -q >/dev/null || [ $? -eq 1 ]  # warms the rules cache
t0=$(ms)
"$SESAME_BIN" scan "$OUT/tree" --format json -q >/dev/null || [ $? -eq 1 ]
SCAN_MS=$(( $(ms) - t0 ))

rows=""
rates=""
pairs=""
floor_c=$(echo $CONCURRENCY | tr ' ' '\n' | sort -n | tail -1)
list=$CONCURRENCY
[ "$FLOOR" = 0 ] || list="$list 0"
for c in $list; do
    if [ "$c" = 0 ]; then  # the floor: no added latency, the highest concurrency
        delay=0
        c=$floor_c
    else
        delay=$DELAY
    fi
    for r in $(seq 1 "$RUNS"); do
        prev_wall="" prev_cpu=""
        for who in ${BEFORE:+before} after; do
            if [ "$who" = before ]; then bin=$BEFORE; else bin=$SESAME_BIN; fi
            one_run "$bin" "$c" "$delay" "c$c-d$delay-r$r-$who"
            ideal=$(( CALLS * delay / c ))
            r_ideal="-"
            [ "$ideal" -le 0 ] || r_ideal=$(ratio "$WALL_MS" "$ideal")
            per=$("$PYTHON" -c "print('%.1f' % ($CALLS / ($WALL_MS / 1000)))")
            rates="$rates $STS_RATE"
            label=""
            [ -z "$BEFORE" ] || label="$who "
            rows="$rows| $label$c | $delay | $r | $CALLS | $MAXIN | $CONNS | $OKS/$KEYS | $ideal | $WALL_MS | $r_ideal | $CPU_MS | $FAKE_CPU_MS | $per | $STS_RATE |
"
            echo "$who: concurrency $c, delay $delay ms, run $r: $CALLS calls, max in flight $MAXIN, $CONNS connections, verdicts ok $OKS/$KEYS, ideal $ideal ms, wall $WALL_MS ms, ratio $r_ideal, sesame CPU $CPU_MS ms, fake CPU $FAKE_CPU_MS ms, STS $STS_RATE/s, load $(cut -d' ' -f1 /proc/loadavg)" >&2
            if [ "$who" = before ]; then
                prev_wall=$WALL_MS prev_cpu=$CPU_MS
            elif [ -n "$prev_wall" ]; then
                pairs="$pairs| $c | $delay | $r | $(ratio "$prev_wall" "$WALL_MS") | $(ratio "$prev_cpu" "$CPU_MS") |
"
            fi
        done
    done
done

GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
pace="sesame's default (no --verify-rate)"
[ "$RATE" = default ] || pace="--verify-rate $RATE"
block="## verify: $(date -u '+%Y-%m-%d %H:%M') UTC (git $GIT)

- machine: $(nproc) CPUs; load $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end
- \`benches/bench_verify.sh --keys $KEYS --delay-ms $DELAY --concurrency \"$CONCURRENCY\" --runs $RUNS --fake $FAKE --rate $RATE${BEFORE:+ --before $BEFORE}\`:
  binary \`$SESAME_BIN\`${BEFORE:+ (after; \`$BEFORE\` before, each pair run before then after)};
  $KEYS distinct fake credentials, one ID + secret pair per file; half live in the fake (STS +
  IAM + SES v1 x 2 + SESv2 x 2 = 6 calls each), half invalid (1 STS call);
  $FAKE_AWS_SCRIPT adds $DELAY ms to every answer; pace: $pace
- ideal = calls (counted in the fake's log) x delay / concurrency; wall = the whole
  \`sesame scan --verify\` run (the scan alone, without --verify: $SCAN_MS ms); max in flight
  = most requests the fake was handling at once; conns = TLS connections (one handshake
  each) the fake accepted; CPU = user + sys of sesame, and of the fake

| concurrency | delay ms | run | calls | max in flight (fake) | conns | verdicts as expected | ideal ms | wall ms | wall / ideal | sesame CPU ms | fake CPU ms | calls/s | STS calls/s |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$rows"
[ -z "$pairs" ] || block="$block
Per pair, before / after:

| concurrency | delay ms | run | wall before/after | sesame CPU before/after |
|---:|---:|---:|---:|---:|
$pairs"
# When the STS pace is the same in every row, the wall time is set by pacing, not by
# concurrency or latency: say so under the table.
note=$("$PYTHON" - $rates <<'EOF'
import sys
r = [float(x) for x in sys.argv[1:] if float(x) > 0]
if len(r) > 1 and max(r) / min(r) < 1.15:
    print("Note: STS calls arrived at %.1f/s in every row, whatever the concurrency and "
          "the latency: the verifier paces its requests, and that pace, not calls x "
          "latency / concurrency, sets the wall time." % (sum(r) / len(r)))
EOF
)
[ -z "$note" ] || block="$block
$note
"
printf '%s\n' "$block" >"$OUT/result.md"
printf '%s\n' "$block"
if [ "$RECORD" = 1 ]; then
    printf '\n%s\n' "$block" >>"$RESULTS"
    echo "appended to $RESULTS" >&2
fi
