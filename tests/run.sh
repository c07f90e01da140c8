#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, build with -Werror, run
# every test (unit, integration, rules check, fuzz-corpus replays), then build again
# with AddressSanitizer + UndefinedBehaviorSanitizer and run the suite once more.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
jobs=$(nproc 2>/dev/null || echo 2)

echo "== release build (-Werror) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESAME_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests =="
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${SESAME_SKIP_ASAN:-0}" != 1 ]; then
  echo "== ASan+UBSan build =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSESAME_WERROR=ON -DSESAME_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  echo "== tests under ASan+UBSan =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp":print_suppressions=0 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi
echo "all test suites passed"
