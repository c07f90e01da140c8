#!/usr/bin/env bash
# bench_verify.sh - throughput of `sesame scan --verify`: N distinct fake credentials
# verified against the loopback fake AWS endpoint (tests/support/fake_aws.py, HTTPS,
# real SigV4 checks) with a fixed added latency per call. Target (from the issue): the
# wall time is close to calls x latency / concurrency.
#
#   benches/bench_verify.sh [--keys N] [--delay-ms N] [--concurrency "50 10"] [--runs N]
#                           [--no-record] [DIR]
#
# The tree has N files, each with one key ID + secret pair (seeded, distinct); half of
# the keys exist in the fake (live: STS, then IAM GetAccessKeyLastUsed, SES v1
# GetSendQuota and GetSendStatistics, SESv2 GetAccount and ListEmailIdentities in the
# client region = 6 calls; 4 before issue 18), half do not
# (invalid: 1 STS call). For each concurrency C, a fresh fake with --delay-ms answers
# `sesame scan DIR/tree --verify --verify-concurrency C`; "calls" is counted from the
# fake's request log, "ideal" = calls x delay / C, "ratio" = wall / ideal. The scan
# alone (no --verify) is timed too, and a run with no added latency shows the floor of
# the machine (fake + sesame CPU). Best of --runs (default 1) per row.
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

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --keys) KEYS=${2:?--keys needs a value}; shift 2 ;;
    --delay-ms) DELAY=${2:?--delay-ms needs a value}; shift 2 ;;
    --concurrency) CONCURRENCY=${2:?--concurrency needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench_verify.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [ -z "$DIR" ] || { echo "bench_verify.sh: one DIR only" >&2; exit 2; }; DIR=$1; shift ;;
    esac
done
for v in "$KEYS" "$DELAY" "$RUNS" $CONCURRENCY; do
    case $v in ''|*[!0-9]*) echo "bench_verify.sh: numbers expected" >&2; exit 2 ;; esac
done

# the interpreter itself: a version-manager shim (pyenv) can take a second per start
PYTHON=${PYTHON:-$(python3 -c "import sys; print(sys.executable)" 2>/dev/null || echo python3)}
OUT=$(mkdir -p "${DIR:-$HERE/out/verify}" && cd "${DIR:-$HERE/out/verify}" && pwd)
RESULTS=$HERE/RESULTS.md
if [ -z "${SESAME_BIN:-}" ]; then
    # build-bench when it is recent enough to have --verify
    SESAME_BIN=$ROOT/build-bench/sesame
    if ! [ -x "$SESAME_BIN" ] || ! "$SESAME_BIN" --help 2>/dev/null | grep -q -- --verify-concurrency; then
        SESAME_BIN=$ROOT/build-verify/sesame
    fi
fi
[ -x "$SESAME_BIN" ] || { echo "bench_verify.sh: no sesame binary ($SESAME_BIN)" >&2; exit 2; }
"$SESAME_BIN" --help 2>/dev/null | grep -q -- --verify-concurrency ||
    { echo "bench_verify.sh: $SESAME_BIN has no --verify-concurrency" >&2; exit 2; }

TRASH=$OUT
export TRASH PYTHON
. "$SUPPORT/fakes.sh"
trap 'stop_fakes' EXIT

rm -rf "$OUT/tree" "$OUT/certs" "$OUT"/*.log "$OUT"/fake-aws.* "$OUT"/report-*.json
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

# one_run C DELAY TAG: sets WALL_MS, CALLS, MAXIN, OKS (verdicts as expected), STS_RATE
# (STS calls per second while STS calls were being made, from the fake's log)
one_run() {
    local c=$1 delay=$2 tag=$3 t0 t1
    start_fake_aws "$OUT/state.json" "$OUT/$tag.log" --delay-ms "$delay"
    fake_env
    unset SESAME_SMTP_ENDPOINT
    t0=$(ms)
    # The default pace (--verify-rate 100 requests/s per service) protects real AWS
    # accounts; against the loopback fake it is lifted so concurrency is what is measured.
    "$SESAME_BIN" scan "$OUT/tree" --verify --verify-concurrency "$c" \
        --verify-rate "${VERIFY_RATE:-100000}" --format json -q \
        >"$OUT/report-$tag.json" || [ $? -eq 1 ]
    t1=$(ms)
    stop_fakes
    WALL_MS=$((t1 - t0))
    read -r CALLS MAXIN OKS STS_RATE < <("$PYTHON" - "$OUT/$tag.log" "$OUT/report-$tag.json" \
        "$OUT/expect.json" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
exp = json.load(open(sys.argv[3]))
ok = sum(1 for f in rep["findings"]
         if f["verification"] and exp.get(f["access_key_id"]) == f["verification"]["status"])
sts = sorted(e["t"] for e in log if e["service"] == "sts")
rate = (len(sts) - 1) / (sts[-1] - sts[0]) if len(sts) > 1 and sts[-1] > sts[0] else 0
print(len(log), max((e["inflight"] for e in log), default=0), ok, "%.1f" % rate)
EOF
)
}

export SESAME_CACHE_DIR=$OUT/.cache
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(ms)
"$SESAME_BIN" scan "$OUT/tree" --format json -q >/dev/null || [ $? -eq 1 ]  # warms the rules cache
t0=$(ms)
"$SESAME_BIN" scan "$OUT/tree" --format json -q >/dev/null || [ $? -eq 1 ]
SCAN_MS=$(( $(ms) - t0 ))

rows=""
rates=""
for c in $CONCURRENCY 0; do
    if [ "$c" = 0 ]; then  # the floor: no added latency, the highest concurrency
        delay=0
        c=$(echo $CONCURRENCY | tr ' ' '\n' | sort -n | tail -1)
    else
        delay=$DELAY
    fi
    best=""
    for r in $(seq 1 "$RUNS"); do
        one_run "$c" "$delay" "c$c-d$delay-r$r"
        if [ -z "$best" ] || [ "$WALL_MS" -lt "${best%% *}" ]; then
            best="$WALL_MS $CALLS $MAXIN $OKS $STS_RATE"
        fi
    done
    set -- $best
    wall=$1 calls=$2 maxin=$3 oks=$4 sts_rate=$5
    ideal=$(( calls * delay / c ))
    if [ "$ideal" -gt 0 ]; then
        ratio=$("$PYTHON" -c "print('%.2f' % ($wall / $ideal))")
        per=$("$PYTHON" -c "print('%.1f' % ($calls / ($wall / 1000)))")
    else
        ratio="-"
        per=$("$PYTHON" -c "print('%.1f' % ($calls / ($wall / 1000)))")
    fi
    rates="$rates $sts_rate"
    rows="$rows| $c | $delay | $calls | $maxin | $oks/$KEYS | $ideal | $wall | $ratio | $per | $sts_rate |
"
    echo "concurrency $c, delay $delay ms: $calls calls, max in flight $maxin, verdicts ok $oks/$KEYS, ideal $ideal ms, wall $wall ms, ratio $ratio, STS $sts_rate/s" >&2
done

GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
block="## verify: $(date -u '+%Y-%m-%d %H:%M') UTC (git $GIT)

- machine: $(nproc) CPUs; load $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end
- \`benches/bench_verify.sh --keys $KEYS --delay-ms $DELAY\`, binary \`$(basename "$(dirname "$SESAME_BIN")")/sesame\`: $KEYS distinct fake
  credentials, one ID + secret pair per file; half live in the fake (STS + IAM + SES v1 x 2 +
  SESv2 x 2 = 6 calls each), half invalid (1 STS call); fake_aws.py adds $DELAY ms to every answer
- ideal = calls (counted in the fake's log) x delay / concurrency; wall = the whole
  \`sesame scan --verify\` run (the scan alone, without --verify: $SCAN_MS ms); max in flight
  = most requests the fake was handling at once

| concurrency | delay ms | calls | max in flight (fake) | verdicts as expected | ideal ms | wall ms | wall / ideal | calls/s | STS calls/s |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$rows"
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
