#!/usr/bin/env bash
# Time-boxed libFuzzer sessions for every tests/fuzz/fuzz_*.c (STYLE.md §3.10).
#
#   tests/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]
#
# Builds the targets with clang, ASan and UBSan in build-fuzz-clang/ (override with
# SESAME_FUZZ_BUILD), then runs each one for SECONDS (default 60) with
# -rss_limit_mb=2048 -timeout=10, so unbounded memory and hangs count as crashes. Each
# target starts from a temporary copy of corpus/<name>/ (the committed corpus is never
# modified) and uses <name>.dict when there is one. Crashing inputs are written to
# <build>/fuzz-artifacts/<name>/; copy the ones worth keeping to tests/fuzz/crashes/.
# Exits non-zero if any target crashed, leaked, timed out or ran out of memory.
#
# To fuzz past a known finding until it is fixed (crashes/README.md), make that check
# recoverable and suppress it, e.g.
#   SESAME_FUZZ_EXTRA_FLAGS=-fsanitize-recover=pointer-overflow \
#   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/fuzz/crashes/known.supp \
#   tests/fuzz/run_fuzzers.sh 120 fuzz_scan_blob
# (halt_on_error=1 keeps every other report fatal). Reconfigure without them afterwards.
set -euo pipefail

secs=${1:-60}
if [ $# -gt 0 ]; then shift; fi
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${SESAME_FUZZ_BUILD:-$src/build-fuzz-clang}
jobs=$(nproc 2>/dev/null || echo 2)

if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
    >/dev/null 2>&1; then
  echo "run_fuzzers: installing clang and libclang-rt-14-dev" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$here"/fuzz_*.c; do
    targets+=("$(basename "$f" .c)")
  done
fi

CC=clang cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DSESAME_FUZZ=ON \
  -DSESAME_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSESAME_FUZZ_EXTRA_FLAGS="${SESAME_FUZZ_EXTRA_FLAGS:-}" >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/sesame-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for name in "${targets[@]}"; do
  corpus=$work/$name
  artifacts=$build/fuzz-artifacts/$name
  log=$build/fuzz-artifacts/$name.log
  mkdir -p "$corpus" "$artifacts"
  touch "$work/$name.start"
  if [ -d "$here/corpus/$name" ]; then
    cp -R "$here/corpus/$name/." "$corpus/"
  fi
  args=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [ -f "$here/$name.dict" ] && args+=(-dict="$here/$name.dict")
  echo "== $name: ${secs}s, corpus $(find "$corpus" -type f | wc -l) files, log $log"
  rc=0
  # SESAME_SRC: targets that read files of the source tree find them as under ctest.
  SESAME_SRC=$src "$build/tests/fuzz/$name" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs_run=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  crashes=$(find "$artifacts" -type f -newer "$work/$name.start" | wc -l)
  line="$name: rc=$rc execs=${execs:-?} seconds=${secs_run:-?} ${cov:-} new_corpus=$(find "$corpus" -type f | wc -l) artifacts=$crashes"
  summary+=("$line")
  if [ "$rc" -ne 0 ]; then
    failed+=("$name")
    echo "!! $name failed (rc=$rc); the end of its log:" >&2
    tail -n 40 "$log" >&2
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzers: crashes in: ${failed[*]} (inputs in $build/fuzz-artifacts/)" >&2
  exit 1
fi
echo "run_fuzzers: no crashes"
