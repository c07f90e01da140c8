# tests/integration/lib.sh - helpers for the integration tests, in the style of git's t/.
#
#   . "$(dirname "$0")/lib.sh"
#   setup
#   test_expect_success 'title' '
#       a command
#       another command
#   '
#   test_done
#
# Environment (ctest sets it): SESAME_BIN (the binary), SESAME_SRC (repository root),
# SESAME_BUILD (build directory). SESAME_TEST_VERBOSE=1 shows the output of passing tests
# too. Each test body runs in a subshell with `set -e`, in the scratch directory $TRASH,
# with SESAME_CACHE_DIR set to a directory inside it (so nothing is written to ~/.cache).
#
# `set -e` ignores the status of `! cmd` and of every command of an && or || list but the
# last: `! grep -q x file` in the middle of a body passes whatever grep finds. Say that a
# command must fail with must_fail, that a pattern must be absent with expect_no_grep,
# or write `if cmd; then echo ...; exit 1; fi`. t0002 (lint_tests.py) checks for `!`.

set -u

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SESAME_SRC=${SESAME_SRC:-$(cd "$IT_DIR/../.." && pwd)}
SESAME_BUILD=${SESAME_BUILD:-}
if [ -z "${SESAME_BIN:-}" ] || [ ! -x "${SESAME_BIN}" ]; then
    echo "error: SESAME_BIN must name the built sesame binary (run through ctest)" >&2
    exit 2
fi
export SESAME_SRC SESAME_BIN SESAME_BUILD

# The Python interpreter itself, resolved once: a version-manager shim (pyenv) can take
# a second per start, and the tests start Python often.
PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)}
PYTHON=${PYTHON:-python3}
export PYTHON

test_count=0
test_failed=0
test_skipped=0
failed_titles=

# A fresh scratch directory under ${TMPDIR:-/tmp}, removed on exit; cd into it.
setup() {
    TRASH=$(mktemp -d "${TMPDIR:-/tmp}/sesame-it.XXXXXX") || exit 2
    trap 'cleanup' EXIT
    export TRASH
    export SESAME_CACHE_DIR="$TRASH/.cache"
    export XDG_CACHE_HOME="$TRASH/.xdg-cache"
    mkdir -p "$SESAME_CACHE_DIR"
    # Reports must not depend on the caller's terminal settings.
    unset NO_COLOR SESAME_FIXED_TIME
    cd "$TRASH" || exit 2
}

cleanup() {
    cd / 2>/dev/null
    if [ -n "${TRASH:-}" ] && [ -d "$TRASH" ]; then
        chmod -R u+rwx "$TRASH" 2>/dev/null
        rm -rf "$TRASH"
    fi
}

say_indented() {
    sed -e 's/^/    /'
}

# test_expect_success 'title' 'commands': run commands in a subshell with `set -e`; ok
# if they exit 0. Output is shown for failures (and with SESAME_TEST_VERBOSE=1).
test_expect_success() {
    local title=$1 body=$2 out rc
    test_count=$((test_count + 1))
    out="$TRASH/.test-output"
    (
        set -e
        eval "$body"
    ) >"$out" 2>&1 </dev/null
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok $test_count - $title"
        [ "${SESAME_TEST_VERBOSE:-0}" = 1 ] && say_indented <"$out"
    else
        echo "not ok $test_count - $title"
        say_indented <"$out"
        echo "    (exit status $rc)"
        test_failed=$((test_failed + 1))
        failed_titles="$failed_titles
  $test_count - $title"
    fi
    return 0
}

# test_skip 'title' 'reason'
test_skip() {
    test_count=$((test_count + 1))
    test_skipped=$((test_skipped + 1))
    echo "ok $test_count # skip $1 ($2)"
}

# must_fail [CODE] CMD...: CMD must exit non-zero (exactly CODE when given) and must not
# die of a signal.
must_fail() {
    local want= rc=0
    case "${1:-}" in
    [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) want=$1; shift ;;
    esac
    "$@" || rc=$?
    if [ $rc -eq 0 ]; then
        echo "must_fail: '$*' succeeded"
        return 1
    elif [ $rc -gt 128 ] && [ $rc -le 192 ]; then
        echo "must_fail: '$*' died of signal $((rc - 128))"
        return 1
    elif [ -n "$want" ] && [ $rc -ne "$want" ]; then
        echo "must_fail: '$*' exited $rc, expected $want"
        return 1
    fi
    return 0
}

# run_cmd CMD...: run CMD with stdout in ./out and stderr in ./err; its exit status in
# $rc. Never fails by itself (pair it with expect_rc).
run_cmd() {
    rc=0
    "$@" >out 2>err || rc=$?
    return 0
}

# traced CMD...: run_cmd CMD under strace (needs strace), the files it opens listed in
# ./trace.txt; LeakSanitizer cannot run under ptrace, so leak checks are off for CMD.
traced() {
    local opts=detect_leaks=0
    command -v strace >/dev/null || { echo "strace missing (apt-get install strace)"; return 1; }
    [ -z "${ASAN_OPTIONS:-}" ] || opts="$ASAN_OPTIONS:detect_leaks=0"
    run_cmd env ASAN_OPTIONS="$opts" strace -f -e trace=openat,open -o trace.txt "$@"
}

# stand_ins SONAME: libraries that stand in for SONAME through LD_LIBRARY_PATH (the
# loader's own search, no switch in sesame), for tests of a library sesame loads on first
# use: bad/SONAME is not a shared object at all (as if missing), stub/SONAME an empty one,
# made when a C compiler is there ($CC, default cc; have_cc=1 then).
stand_ins() {
    mkdir -p bad stub
    echo "not a library" >"bad/$1"
    CC=${CC:-cc}
    have_cc=0
    if command -v "$CC" >/dev/null && echo >stub.c && "$CC" -shared -fPIC -o "stub/$1" stub.c; then
        have_cc=1
    fi
}

# expect_rc N: the last run_cmd exited N; shows its output otherwise.
expect_rc() {
    if [ "$rc" -ne "$1" ]; then
        echo "expected exit status $1, got $rc"
        echo "--- stdout:"
        head -c 3000 out
        echo "--- stderr:"
        head -c 3000 err
        return 1
    fi
}

# expect_eq ACTUAL EXPECTED: string equality, showing both on failure.
expect_eq() {
    if [ "$1" != "$2" ]; then
        echo "expected: $2" | head -20
        echo "got:      $1" | head -20
        return 1
    fi
}

# sesame ARGS...: the binary under test.
sesame() {
    "$SESAME_BIN" "$@"
}

# expect_grep [GREP-OPTIONS] PATTERN FILE: like grep -q, but shows the file on failure.
expect_grep() {
    if ! grep -q "$@"; then
        local file
        for file; do :; done
        echo "expected to find '${*:$#-1:1}' in $file:"
        head -c 3000 "$file"
        return 1
    fi
}

# expect_no_grep [GREP-OPTIONS] PATTERN FILE: the opposite; shows the matching lines.
expect_no_grep() {
    if grep "$@" >/dev/null; then
        local file
        for file; do :; done
        echo "did not expect '${*:$#-1:1}' in $file:"
        grep -n "$@" | head -20
        return 1
    fi
}

# test_done: a summary line "N passed, M failed"; exit status 1 if any test failed.
test_done() {
    local passed=$((test_count - test_failed - test_skipped))
    if [ $test_failed -gt 0 ]; then
        echo "failed tests:$failed_titles"
    fi
    [ $test_skipped -gt 0 ] && echo "$test_skipped skipped"
    echo "$passed passed, $test_failed failed"
    [ $test_failed -eq 0 ]
    exit $?
}
