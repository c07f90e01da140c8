#!/usr/bin/env bash
# bench_archive.sh - archive scanning throughput (MB/s of uncompressed member bytes) next to
# the decompression floor, `bsdtar -xOf ARCHIVE >/dev/null`, on the same archives.
#
#   benches/bench_archive.sh [--size-mb N] [--runs N] [--no-record] [DIR]
#
# DIR (default benches/out/archives, gitignored) holds a source-like tree made by
# gen_tree.py (DIR/tree, default 300 MB) and, made from it once with bsdtar and reused,
# tree.tar, tree.tar.gz, tree.tar.zst, tree.tar.xz and tree.zip. Each archive is read by
# bsdtar (every member decompressed to /dev/null: the floor) and scanned by sesame; each
# command runs --runs times (default 3), the table shows the median wall time. Both are
# single-threaded on one archive. The block is printed and appended to benches/RESULTS.md
# (unless --no-record).
#
# What scans: `sesame scan A --format json -o /dev/null --exit-zero -q` when the sesame
# binary descends into archives (probed with a zip holding one planted fake key).
# Otherwise a small C driver written here (DIR/archive_driver.c), linked with the build's
# libsesame_core.a, runs src_archive_scan_fd() into a scanbuf with the default limits:
# the code path the file scanner uses for an archive, without the CLI around it.
#
# Environment: SESAME_BUILD (default build-bench; a Release build directory holding
# sesame and libsesame_core.a), BSDTAR (default bsdtar; Debian: libarchive-tools).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SIZE_MB=300
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
    -*) echo "bench_archive.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [ -z "$DIR" ] || { echo "bench_archive.sh: one DIR only" >&2; exit 2; }; DIR=$1; shift ;;
    esac
done
case $SIZE_MB in ''|*[!0-9]*) echo "bench_archive.sh: --size-mb takes a number" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0) echo "bench_archive.sh: --runs takes a number >= 1" >&2; exit 2 ;; esac

OUT=$(mkdir -p "${DIR:-$HERE/out/archives}" && cd "${DIR:-$HERE/out/archives}" && pwd)
BUILD=${SESAME_BUILD:-$ROOT/build-bench}
SESAME_BIN=$BUILD/sesame
BSDTAR=${BSDTAR:-bsdtar}
RESULTS=$HERE/RESULTS.md

command -v "$BSDTAR" >/dev/null || { echo "bench_archive.sh: bsdtar not found (Debian: apt-get install libarchive-tools)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench_archive.sh: python3 not found" >&2; exit 2; }
if [ ! -x "$SESAME_BIN" ] || [ ! -f "$BUILD/libsesame_core.a" ]; then
    echo "bench_archive.sh: no sesame build at $BUILD; make one with" >&2
    echo "  cmake -S $ROOT -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j2" >&2
    echo "or point SESAME_BUILD at one." >&2
    exit 2
fi

# --- the tree and the archives ---------------------------------------------------------------
python3 "$HERE/gen_tree.py" "$OUT" --size-mb "$SIZE_MB"
read -r FILES BYTES < <(find "$OUT/tree" -type f -printf '%s\n' | awk '{n++; s+=$1} END {print n, s}')
KINDS=(tar tar.gz tar.zst tar.xz zip)
declare -A MAKE=(
    [tar]="-cf"
    [tar.gz]="-czf"
    [tar.zst]="--zstd -cf"
    [tar.xz]="-cJf"
    [zip]="--format zip -cf"
)
for k in "${KINDS[@]}"; do
    a=$OUT/tree.$k
    if [ ! -s "$a" ] || [ "$a" -ot "$OUT/stamp.json" ]; then
        echo "bench_archive.sh: making $a"
        # shellcheck disable=SC2086 # MAKE holds several words on purpose
        (cd "$OUT" && "$BSDTAR" ${MAKE[$k]} "$a.tmp" tree) && mv "$a.tmp" "$a"
    fi
done

# --- what scans --------------------------------------------------------------------------------
PROBE=$OUT/probe
rm -rf "$PROBE" && mkdir -p "$PROBE"
PLANTED_PATH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["planted"][0]["path"])' "$OUT/planted.json")
(cd "$OUT" && "$BSDTAR" --format zip -cf "$PROBE/probe.zip" "$PLANTED_PATH")
"$SESAME_BIN" scan "$PROBE/probe.zip" --format json -o "$PROBE/report.json" --exit-zero -q 2>/dev/null || true
if grep -q "probe.zip!" "$PROBE/report.json" 2>/dev/null; then
    SCANNER="sesame scan (archives wired into the file scanner)"
    scan_cmd() { "$SESAME_BIN" scan "$1" --format json -o /dev/null --exit-zero -q; }
else
    SCANNER="C driver: src_archive_scan_fd + scanbuf, default limits, 1 thread (sesame scan does not open archives yet)"
    cat > "$OUT/archive_driver.c" <<'EOF'
/* archive_driver.c - written by benches/bench_archive.sh: scan archives as sesame's
 * file scanner will (src_archive_scan_fd into a scanbuf, default limits, one thread),
 * then print the uncompressed bytes scanned and the access key IDs found. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "finding/findings.h"
#include "match/engine.h"
#include "rules/rule.h"
#include "scanbuf.h"
#include "source/src_archive.h"

static enum status feed(const struct blob *b, void *payload)
{
    return scanbuf_scan(payload, b);
}

int main(int argc, char **argv)
{
    struct ruleset rs = RULESET_INIT;
    char *cache = engine_default_cache_dir();
    struct engine_opts eo = { cache };
    struct engine *e = NULL;
    struct findings *f = NULL;
    struct scanbuf *sb = NULL;
    struct archive_limits lim;
    struct archive_stats stats = { 0 };
    unsigned char *buf = NULL;
    struct finding **out;
    size_t n;
    uint64_t hidden;
    FILE *ids = argc > 2 ? fopen(argv[2], "w") : NULL;

    if (argc < 2 || ruleset_load(&rs, false, NULL, 0) || engine_new(&e, &rs, &eo))
        return fprintf(stderr, "driver: %s\n", argc < 2 ? "usage: driver ARCHIVE [IDS]" : status_message()), 2;
    findings_new(&f);
    if (scanbuf_new(&sb, e, &rs, f))
        return 2;
    src_archive_default_limits(&lim);
    {
        struct blob tmpl = { .path = argv[1] };
        int fd = open(argv[1], O_RDONLY);
        if (fd < 0 || src_archive_scan_fd(fd, &tmpl, &lim, &buf, feed, sb, &stats))
            return fprintf(stderr, "driver: %s\n", status_message()), 3;
        close(fd);
    }
    {
        struct findings_opts fo = { (const char *const *)rs.smtp_regions, rs.n_smtp_regions, false };
        findings_build(f, &fo, &out, &n, &hidden);
    }
    for (size_t i = 0; ids && i < n; i++)
        if (out[i]->access_key_id)
            fprintf(ids, "%s\n", out[i]->access_key_id);
    printf("%" PRIu64 " %" PRIu64 " %zu %" PRIu64 " %" PRIu64 "\n", stats.bytes, stats.members, n,
           stats.limits_hit, stats.errors);
    if (ids)
        fclose(ids);
    scanbuf_free(sb);
    findings_free(f);
    engine_free(e);
    ruleset_release(&rs);
    free(buf);
    free(cache);
    return 0;
}
EOF
    # shellcheck disable=SC2046 # pkg-config prints several flags
    cc -O2 -D_GNU_SOURCE -I"$ROOT/scanner" -o "$OUT/archive_driver" "$OUT/archive_driver.c" \
        "$BUILD/libsesame_core.a" $(pkg-config --libs libhs libgit2 jansson libpcre2-8 libcurl openssl libarchive) \
        -lstdc++ -lpthread -lm
    scan_cmd() { "$OUT/archive_driver" "$1" > /dev/null; }
fi
floor_cmd() { "$BSDTAR" -xOf "$1" > /dev/null; }
# Reference: the same bytes as plain files, one thread: what scanning alone costs.
files_cmd() { "$SESAME_BIN" scan "$OUT/tree" -j 1 --format json -o /dev/null --exit-zero -q; }

# --- an untimed check run: every planted key found in every archive ----------------------------
CHECK=""
CHECK_OK=1
for k in "${KINDS[@]}"; do
    if [ -x "$OUT/archive_driver" ] && [ "${SCANNER#C driver}" != "$SCANNER" ]; then
        read -r SBYTES SMEMBERS _ SLIMITS SERRORS < <("$OUT/archive_driver" "$OUT/tree.$k" "$OUT/ids.$k")
        FOUND=$(python3 -c 'import json,sys; p={x["key_id"] for x in json.load(open(sys.argv[1]))["planted"]}; f=set(open(sys.argv[2]).read().split()); print(len(p & f), len(p))' "$OUT/planted.json" "$OUT/ids.$k")
        CHECK+="$k: ${FOUND% *}/${FOUND#* } planted key IDs, $SMEMBERS members, $SBYTES bytes, $SLIMITS limits hit, $SERRORS errors; "
        [ "${FOUND% *}" = "${FOUND#* }" ] && [ "$SBYTES" = "$BYTES" ] || CHECK_OK=0
    else
        "$SESAME_BIN" scan "$OUT/tree.$k" --format json -o "$OUT/report.$k.json" --exit-zero -q
        FOUND=$(python3 "$HERE/check_planted.py" "$OUT/report.$k.json" "$OUT/planted.json" | head -n 1) || CHECK_OK=0
        CHECK+="$k: $FOUND; "
    fi
done
echo "check: $CHECK"

# --- timed runs -----------------------------------------------------------------------------------
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_START=$(loadavg)
declare -A WALL CPU
TF=$(mktemp)
trap 'rm -f "$TF"' EXIT
TIMEFORMAT='%3R %3U %3S'
for k in "${KINDS[@]}"; do cat "$OUT/tree.$k" > /dev/null; done # warm the page cache
for ((run = 1; run <= RUNS; run++)); do
    { time files_cmd 2>>"$OUT/bench.stderr"; } 2> "$TF"
    read -r real user sys < "$TF"
    WALL[files]+="$real "
    CPU[files]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.3f", u + s}') "
    printf '  run %d/%d  %-15s %7.2f s\n' "$run" "$RUNS" "tree as files" "$real"
    for k in "${KINDS[@]}"; do
        for tool in floor scan; do
            { time "${tool}_cmd" "$OUT/tree.$k" 2>>"$OUT/bench.stderr"; } 2> "$TF"
            read -r real user sys < "$TF"
            WALL[$k.$tool]+="$real "
            CPU[$k.$tool]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.3f", u + s}') "
            printf '  run %d/%d  %-8s %-6s %7.2f s\n' "$run" "$RUNS" "$k" "$tool" "$real"
        done
    done
done
LOAD_END=$(loadavg)

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
{
    echo "## archives: $(date -u '+%Y-%m-%d %H:%M UTC') (git $GIT_REV)"
    echo
    echo "- machine: $(nproc) CPUs ($CPU_MODEL), $MEM RAM, Linux $(uname -r); load $LOAD_START at start, $LOAD_END at end"
    echo "- tree: $FILES files, $BYTES bytes uncompressed (gen_tree.py --size-mb $SIZE_MB), archived by $("$BSDTAR" --version | cut -d' ' -f1-2)"
    echo "- scanner: $SCANNER; floor: \`bsdtar -xOf ARCHIVE >/dev/null\`; median wall time of $RUNS runs, warm cache"
    echo "- MB/s are of uncompressed member bytes (10^6 bytes) per second of wall time, for both; CPU s is user + sys"
    echo
    echo "| archive | size MB | floor s | floor CPU s | floor MB/s | sesame s | sesame CPU s | sesame MB/s | sesame / floor (wall) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for k in "${KINDS[@]}"; do
        F=$(median <<< "${WALL[$k.floor]}")
        FC=$(median <<< "${CPU[$k.floor]}")
        S=$(median <<< "${WALL[$k.scan]}")
        SC=$(median <<< "${CPU[$k.scan]}")
        SIZE=$(stat -c %s "$OUT/tree.$k")
        awk -v k="$k" -v z="$SIZE" -v b="$BYTES" -v f="$F" -v fc="$FC" -v s="$S" -v sc="$SC" 'BEGIN {
            printf "| %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f | %.2fx |\n", k, z / 1e6, f, fc, b / 1e6 / f, s, sc, b / 1e6 / s, s / f }'
    done
    FS=$(median <<< "${WALL[files]}")
    FSC=$(median <<< "${CPU[files]}")
    awk -v b="$BYTES" -v s="$FS" -v sc="$FSC" 'BEGIN {
        printf "| (the tree as plain files, sesame scan -j 1) | | | | | %.2f | %.2f | %.0f | |\n", s, sc, b / 1e6 / s }'
    echo
    echo "- check (untimed): $CHECK"
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
[ "$CHECK_OK" = 1 ] || { echo "bench_archive.sh: sesame missed planted credentials or bytes (see check above)" >&2; exit 1; }
