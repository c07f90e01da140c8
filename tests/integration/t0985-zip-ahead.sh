#!/usr/bin/env bash
# Issue 16 item 3: a zip's members are inflated ahead by idle workers, each through a
# libarchive reader of its own, while the walk is on an earlier member
# (scanner/source/archive/prefetch.c); the walk takes those bytes only if they are
# exactly what its own reader would give. -j 1 has no idle worker (every member is
# inflated by the walk, as before); -j 4 has three. The reports (findings, diagnostics
# and their order, exit status) must be the same: many members stored and deflated,
# keys at their edges, duplicate names, a member too large to be inflated ahead, a zip
# in the zip, a bad CRC, an encrypted member, an overlong name, data that cannot be
# inflated; zip64 members; a zip in a zstd-compressed tar; a zip cut short, a damaged
# central directory, a damaged local header, members all longer than their headers say
# (the workers give up on that zip). SESAME_TIMINGS says how many members were
# inflated ahead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipe_lib.sh"
setup

FIX="$SESAME_SRC/tests/integration/zip_fixture.py"
CHECK="$SESAME_SRC/tests/integration/pipe_fixture.py"

# How many members were inflated ahead in the run whose stderr is $1.
ahead() {
    sed -n 's/.*timing: pipe .* \([0-9][0-9]*\) zip members inflated ahead.*/\1/p' "$1"
}

test_expect_success 'fixture' '
    mkdir arch && "$PYTHON" "$FIX" gen arch &&
    for a in many.zip zip64.zip app.tar.zst lies.zip cut.zip cd.zip hdr.zip; do test -s arch/$a || exit 1; done
'

for a in many.zip zip64.zip app.tar.zst lies.zip cut.zip cd.zip hdr.zip; do
    test_expect_success "$a: every key at its place, warnings in order, -j 1 and -j 4 the same" '
        same_j1_j4 '"$a"' "$CHECK" ahead
    '
done

test_expect_success 'members were inflated ahead (many.zip, zip64.zip, app.tar.zst at -j 4)' '
    test $(($(ahead many.zip.4.err) + $(ahead zip64.zip.4.err) + $(ahead app.tar.zst.4.err))) -gt 0
'

test_expect_success 'a damaged zip still says so' '
    test "$(cat many.zip.1.rc)" = 7 &&
    grep -q "bad CRC" many.zip.4.warn &&
    grep -q "encrypted member skipped" many.zip.4.warn &&
    grep -q "cannot read member" many.zip.4.warn &&
    test "$(cat zip64.zip.1.rc)" = 1 &&
    test "$(cat app.tar.zst.1.rc)" = 1 &&
    test -s cd.zip.4.warn && test -s hdr.zip.4.warn
'

test_expect_success 'found at least what a zip cut short still holds before the cut' '
    test $("$PYTHON" -c "import json,sys; print(len(json.load(open(sys.argv[1]))[\"findings\"]))" \
        cut.zip.4.json) -gt 100
'

test_done
