#!/usr/bin/env bash
# bench_tree.sh - sesame's throughput on a ~1 GB source-like tree, next to the I/O floor
# (cat of the same files) and ripgrep with equivalent patterns, in one run.
#
#   benches/bench_tree.sh [--size-mb N] [--runs N] [--no-record] [DIR]
#
# DIR (default benches/out, gitignored) holds the generated tree (DIR/tree), the list of
# planted fake credentials and the last run's outputs. The tree is generated once by
# gen_tree.py and reused while its parameters do not change. Each command runs --runs
# times (default 3), rounds interleaved; the table shows the median wall time. The result
# block is printed and appended to benches/RESULTS.md (unless --no-record).
#
# Environment: SESAME_BIN (default build-bench/sesame), RG (default rg).
# See benches/README.md for what is measured and why.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SIZE_MB=1000
RUNS=3
RECORD=1
DIR=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --size-mb) SIZE_MB=${2:?--size-mb needs a value}; shift 2 ;;
    --size-mb=*) SIZE_MB=${1#*=}; shift ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --no-record) RECORD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench_tree.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [ -z "$DIR" ] || { echo "bench_tree.sh: one DIR only" >&2; exit 2; }; DIR=$1; shift ;;
    esac
done
case $SIZE_MB in ''|*[!0-9]*) echo "bench_tree.sh: --size-mb takes a number" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0) echo "bench_tree.sh: --runs takes a number >= 1" >&2; exit 2 ;; esac

OUT=$(mkdir -p "${DIR:-$HERE/out}" && cd "${DIR:-$HERE/out}" && pwd)
TREE=$OUT/tree
# A symlinked tree (benches/out/tree -> another checkout's) is measured where it is:
# find does not descend into a symlink given as its start.
[ -L "$TREE" ] && TREE=$(readlink -f "$TREE")
SESAME_BIN=${SESAME_BIN:-$ROOT/build-bench/sesame}
RG=${RG:-rg}
NPROC=$(nproc)
RESULTS=$HERE/RESULTS.md

command -v "$RG" >/dev/null || { echo "bench_tree.sh: ripgrep ('$RG') not found (Debian: apt-get install ripgrep)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench_tree.sh: python3 not found" >&2; exit 2; }
if [ ! -x "$SESAME_BIN" ]; then
    echo "bench_tree.sh: no sesame binary at $SESAME_BIN; build it with" >&2
    echo "  cmake -S $ROOT -B $ROOT/build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build-bench -j2 --target sesame" >&2
    echo "or point SESAME_BIN at one." >&2
    exit 2
fi

# --- the tree ------------------------------------------------------------------------------
python3 "$HERE/gen_tree.py" "$OUT" --size-mb "$SIZE_MB"
read -r FILES BYTES < <(find "$TREE" -type f -printf '%s\n' | awk '{n++; s+=$1} END {print n, s}')
MBYTES=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b / 1e6}')
STAMP_BYTES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$OUT/stamp.json")
if [ "$STAMP_BYTES" != "$BYTES" ]; then
    echo "bench_tree.sh: warning: $TREE holds $BYTES bytes, not the $STAMP_BYTES it was generated with;" \
        "something changed it (regenerate: gen_tree.py $OUT --size-mb $SIZE_MB --force)"
fi

# --- ripgrep patterns equivalent to patterns/aws.json ----------------------------------------
# PCRE -> Rust regex: named groups dropped; the trailing negative lookahead
# (?![A-Za-z0-9/+=]) becomes (?:[^A-Za-z0-9/+=]|$) (rg -c counts lines, so consuming one
# more byte changes nothing); leading lookbehinds (?<![A-Za-z0-9]) become
# (?:^|[^A-Za-z0-9]). rg runs with --no-unicode: sesame compiles its PCRE2 patterns
# without PCRE2_UTF/UCP, so \s, [^...] and (?i) are ASCII/byte-wise there too.
# The session-token value [A-Za-z0-9/+]{100,3000} is written {100,}: the 3000-wide
# counted repetition makes a much larger automaton for rg's lazy DFA, and the open bound
# only differs on runs over 3000 chars. The "literal {100,3000}" row shows the cost (it
# was 2-3x on an earlier version of the tree, within noise on the recorded one).
SEP='[A-Za-z0-9_.\-]{0,24}(?:\\?["'"'"'`]|\]|&quot;){0,2}(?:\s+value)?\s{0,8}(?:=>|:=|::|->|[:=,>(]|\s)\s{0,8}(?:\\?["'"'"'`]|&quot;|\()?\s{0,4}'
NB64='(?:[^A-Za-z0-9/+=]|$)'
KW_AWS_SECRET='(?i:(?:aws[_.\-\s]?)?secret[_.\-\s]?access[_.\-\s]?key(?:[_.\-]?id)?|aws[_.\-]?secret(?:[_.\-]?key)?)'
KW_SECRET_KEY='(?i:secret[_.\-]?key)'
KW_SMTP='(?i:(?:smtp|mail|ses|email)(?:[_.\-]?(?:host|server|user|auth))?[_.\-]?(?:pass(?:word|wd)?|pwd|secret|credentials?))'
KW_TOKEN='(?i:(?:aws[_.\-]?)?(?:session|security)[_.\-]?token)'
P_KEY_ID='(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}'                              # aws.access_key_id
P_AWS_SECRET="${KW_AWS_SECRET}${SEP}[A-Za-z0-9/+]{40}${NB64}"                       # aws.secret_access_key.aws_keyword
P_SECRET_KEY="${KW_SECRET_KEY}${SEP}[A-Za-z0-9/+]{40}${NB64}"                       # aws.secret_access_key.generic_keyword
P_SMTP="${KW_SMTP}${SEP}(?:B[A-P]|A[g-v])[A-Za-z0-9+/]{42}${NB64}"                  # aws.ses.smtp_password.keyword
P_TOKEN="${KW_TOKEN}${SEP}[A-Za-z0-9/+]{100,}={0,2}${NB64}"                          # aws.session_token.keyword
P_TOKEN_3000="${KW_TOKEN}${SEP}[A-Za-z0-9/+]{100,3000}={0,2}${NB64}"
# The other rules that are a single regex (the two "near" rules need proximity, not a regex).
P_DOC_EXAMPLE='(?:^|[^A-Za-z0-9])(?:AKIAI44QH8DHBEXAMPLE|AKIDEXAMPLE)(?:[^A-Za-z0-9]|$)'
P_SES_ENDPOINT='email-smtp(?:-fips)?\.[a-z]{2}(?:-gov)?-[a-z]+-[0-9]\.amazonaws\.com'
P_SMTP_CONTEXT='(?i:smtp|mail[_.\-]?pass(?:word)?)'
P_TOKEN_MARKER='(?:^|[^A-Za-z0-9/+])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|AQoDYXdz)[A-Za-z0-9/+]{80,}={0,2}(?:[^A-Za-z0-9/+=]|$)'
RG_PATS=(-e "$P_KEY_ID" -e "$P_AWS_SECRET" -e "$P_SECRET_KEY" -e "$P_SMTP" -e "$P_TOKEN")
RG_PATS_3000=(-e "$P_KEY_ID" -e "$P_AWS_SECRET" -e "$P_SECRET_KEY" -e "$P_SMTP" -e "$P_TOKEN_3000")
RG_PATS_ALL=("${RG_PATS[@]}" -e "$P_DOC_EXAMPLE" -e "$P_SES_ENDPOINT" -e "$P_SMTP_CONTEXT" -e "$P_TOKEN_MARKER")
printf '%s\n' "$P_KEY_ID" "$P_AWS_SECRET" "$P_SECRET_KEY" "$P_SMTP" "$P_TOKEN" > "$OUT/rg-patterns.txt"

# --- the commands ----------------------------------------------------------------------------
# GNU cat mallocs a 128 KiB buffer per file, which glibc serves with mmap and returns with
# munmap; on some VMs that costs more than the reading (see README). The "malloc-tuned"
# variants keep the buffer on the heap; the I/O is the same syscalls.
TUNED=(env MALLOC_MMAP_THRESHOLD_=4194304 MALLOC_TRIM_THRESHOLD_=1073741824)
cmd_cat()          { find "$TREE" -type f -print0 | xargs -0 cat > /dev/null; }
cmd_cat_p2()       { find "$TREE" -type f -print0 | xargs -0 -P2 -n 256 cat > /dev/null; }
cmd_cat_tuned()    { find "$TREE" -type f -print0 | "${TUNED[@]}" xargs -0 cat > /dev/null; }
cmd_cat_p2_tuned() { find "$TREE" -type f -print0 | "${TUNED[@]}" xargs -0 -P2 -n 256 cat > /dev/null; }
# rg's output goes to a file, not /dev/null: GNU grep (since 2.27) treats a /dev/null
# stdout like -q and stops at the first match; a file rules out any such shortcut
# (ripgrep 13 showed no difference either way).
RG_FLAGS=(-c --no-ignore --hidden -a --no-unicode -j "$NPROC")
cmd_rg()      { "$RG" "${RG_FLAGS[@]}" "${RG_PATS[@]}" "$TREE" > "$OUT/rg.count" || [ $? -eq 1 ]; }
cmd_rg_all()  { "$RG" "${RG_FLAGS[@]}" "${RG_PATS_ALL[@]}" "$TREE" > "$OUT/rg-all.count" || [ $? -eq 1 ]; }
cmd_rg_3000() { "$RG" "${RG_FLAGS[@]}" "${RG_PATS_3000[@]}" "$TREE" > "$OUT/rg-3000.count" || [ $? -eq 1 ]; }
cmd_sesame()  { "$SESAME_BIN" scan "$TREE" --format json -o /dev/null --exit-zero -q; }

TOOLS=(cat cat_p2 cat_tuned cat_p2_tuned rg rg_all rg_3000 sesame)
declare -A LABEL=(
    [cat]="cat (find -print0, xargs -0 cat)"
    [cat_p2]="cat, 2 processes (xargs -P2 -n 256)"
    [cat_tuned]="cat, malloc-tuned"
    [cat_p2_tuned]="cat, 2 processes, malloc-tuned"
    [rg]="ripgrep, 5 keyword/key-ID rules"
    [rg_all]="ripgrep, all 9 single-regex rules"
    [rg_3000]="ripgrep, literal {100,3000}"
    [sesame]="sesame scan"
)

warm() { find "$TREE" -type f -print0 | "${TUNED[@]}" xargs -0 cat > /dev/null; }
residency() {
    if command -v fincore >/dev/null; then
        find "$TREE" -type f -print0 | xargs -0 fincore -b -n -o RES,SIZE 2>/dev/null |
            awk '{r += $1; s += $2} END {if (s) printf "%.0f%%", 100 * (r > s ? s : r) / s; else print "?"}'
    else
        echo "? (no fincore)"
    fi
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- correctness first (untimed; also fills sesame's compiled-rules cache) -------------------
echo "bench_tree.sh: $FILES files, $MBYTES MB in $TREE"
warm
"$SESAME_BIN" scan "$TREE" --format json -o "$OUT/sesame-report.json" --exit-zero -q
CHECK=$(python3 "$HERE/check_planted.py" "$OUT/sesame-report.json" "$OUT/planted.json") && CHECK_OK=1 || CHECK_OK=0
echo "sesame: $CHECK"

# --- timing ---------------------------------------------------------------------------------------
LOAD_START=$(loadavg)
RES_START=$(residency)
echo "load average $LOAD_START; tree resident in page cache: $RES_START"
case ${LOAD_START%% *} in 0.*) ;; *) echo "bench_tree.sh: warning: the machine is busy (load $LOAD_START); figures will be noisy" ;; esac
declare -A WALL CPU
TF=$(mktemp)
trap 'rm -f "$TF"' EXIT
: > "$OUT/bench.stderr"
TIMEFORMAT='%3R %3U %3S'
for ((run = 1; run <= RUNS; run++)); do
    for t in "${TOOLS[@]}"; do
        { time "cmd_$t" 2>>"$OUT/bench.stderr"; } 2> "$TF"
        read -r real user sys < "$TF"
        WALL[$t]+="$real "
        CPU[$t]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.3f", u + s}') "
        printf '  run %d/%d  %-36s %7.2f s wall, %6.2f s CPU\n' "$run" "$RUNS" "${LABEL[$t]}" "$real" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"
    done
done
LOAD_END=$(loadavg)
RES_END=$(residency)

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
declare -A MED MEDCPU
for t in "${TOOLS[@]}"; do
    MED[$t]=$(median <<< "${WALL[$t]}")
    MEDCPU[$t]=$(median <<< "${CPU[$t]}")
done
FLOOR="cat"
for t in cat_p2 cat_tuned cat_p2_tuned; do
    if awk -v a="${MED[$t]}" -v b="${MED[$FLOOR]}" 'BEGIN {exit !(a < b)}'; then FLOOR=$t; fi
done
PLAIN_FLOOR="cat"
awk -v a="${MED[cat_p2]}" -v b="${MED[cat]}" 'BEGIN {exit !(a < b)}' && PLAIN_FLOOR="cat_p2"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
RG_MATCH_LINES=$(awk -F: '{s += $NF} END {print s + 0}' "$OUT/rg.count")

# --- report -----------------------------------------------------------------------------------------
CPU_MODEL=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
SESAME_VERSION=$("$SESAME_BIN" version 2>/dev/null || echo "sesame ?")
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
RG_VERSION=$("$RG" --version 2>/dev/null | sed -n 1p)
SESAME_SPEED=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["scan"]; print("%.2f s, %.0f MB/s" % (s["seconds"], s["mb_per_s"]))' "$OUT/sesame-report.json" 2>/dev/null || echo "?")
SES_VS_RG=$(ratio "${MED[sesame]}" "${MED[rg]}")
SES_VS_RG_ALL=$(ratio "${MED[sesame]}" "${MED[rg_all]}")
SES_VS_FLOOR=$(ratio "${MED[sesame]}" "${MED[$FLOOR]}")
SES_VS_PLAIN=$(ratio "${MED[sesame]}" "${MED[$PLAIN_FLOOR]}")
verdict() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b) ? "met" : "NOT met"}'; }

{
    echo "## Tree scan: $(date -u '+%Y-%m-%d %H:%M UTC') - $SESAME_VERSION (git $GIT_REV)"
    echo
    echo "- machine: $NPROC CPUs ($CPU_MODEL), $MEM RAM, Linux $(uname -r)"
    echo "- load average: $LOAD_START at start, $LOAD_END at end; tree resident in page cache: $RES_START at start, $RES_END at end"
    echo "- tree: $FILES files, $BYTES bytes ($MBYTES MB; gen_tree.py --size-mb $SIZE_MB, $(python3 -c 'import json,sys; print("seed %(seed)s, %(keys)s planted keys" % json.load(open(sys.argv[1])))' "$OUT/stamp.json"))"
    echo "- $RG_VERSION; sesame at $SESAME_BIN; wall time is the median of $RUNS runs, CPU is user+sys (median)"
    echo
    echo "| tool | seconds | CPU s | MB/s | x floor | x ripgrep |"
    echo "|---|---:|---:|---:|---:|---:|"
    for t in "${TOOLS[@]}"; do
        label=${LABEL[$t]}
        [ "$t" = "$FLOOR" ] && label="$label **(floor)**"
        printf '| %s | %.2f | %.2f | %.0f | %s | %s |\n' "$label" "${MED[$t]}" "${MEDCPU[$t]}" \
            "$(awk -v b="$BYTES" -v s="${MED[$t]}" 'BEGIN {print b / 1e6 / s}')" \
            "$(ratio "${MED[$t]}" "${MED[$FLOOR]}")" "$(ratio "${MED[$t]}" "${MED[rg]}")"
    done
    echo
    echo "- floor: ${LABEL[$FLOOR]} (fastest of the four cat variants); plain cat floor: ${LABEL[$PLAIN_FLOOR]}"
    echo "- sesame vs ripgrep, 5 rules (reference): ${SES_VS_RG}x (issue 16 target: at least 2x ripgrep's speed, <= 0.5: $(verdict "$SES_VS_RG" 0.5)); vs ripgrep, all 9 rules: ${SES_VS_RG_ALL}x ($(verdict "$SES_VS_RG_ALL" 0.5))"
    echo "- sesame vs floor: ${SES_VS_FLOOR}x (target <= 1.5: $(verdict "$SES_VS_FLOOR" 1.5)); vs plain-cat floor: ${SES_VS_PLAIN}x ($(verdict "$SES_VS_PLAIN" 1.5))"
    echo "- ripgrep matched $RG_MATCH_LINES lines (mostly AWS documentation example keys in docs)"
    printf -- '- all runs, wall s:'
    for t in "${TOOLS[@]}"; do printf ' %s %s;' "$t" "$(echo "${WALL[$t]}" | xargs | tr ' ' ',')"; done
    echo
    echo "- sesame (untimed check run, its own clock: $SESAME_SPEED): $CHECK"
    echo
} > "$OUT/result.md"

echo
cat "$OUT/result.md"
if [ "$RECORD" = 1 ]; then
    if [ ! -s "$RESULTS" ]; then
        printf '# sesame benchmark results\n\nAppended by the scripts in benches/ (see benches/README.md). Newest last.\n\n' > "$RESULTS"
    fi
    cat "$OUT/result.md" >> "$RESULTS"
    echo "appended to $RESULTS"
fi
[ "$CHECK_OK" = 1 ] || { echo "bench_tree.sh: sesame missed planted credentials (see above)" >&2; exit 1; }
