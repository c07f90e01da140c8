#!/usr/bin/env bash
# Issue 16 item 3: a tar member that libarchive hands out in one block is scanned from
# there without a copy (source/archive/members.c direct()), and the pipe hands blobs to
# idle workers by bytes waiting (scanner/scan_pipe.c). Neither may change a report: on
# generated tars (tar_fixture.py: members of every size around the read block, keys in
# their first and last bytes, big members with keys across chunk and block edges, pax
# and GNU long names, sparse members, archives inside, the same as tar.gz and tar.zst,
# tars cut in a member's data, in its padding, in a header, a garbage block) every key
# is at its place, and the report, the warnings (in order) and the exit status are the
# same with -j 1, -j 2 and -j 4 and with SESAME_ARCHIVE_COPY=1 (every member copied, the
# path before issue 16). SESAME_TIMINGS=1 says how many bytes went through the pipe.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipe_lib.sh"
setup

FIX="$SESAME_SRC/tests/integration/tar_fixture.py"
CHECK="$SESAME_SRC/tests/integration/pipe_fixture.py"
ARCHIVES="all.tar all.tar.gz all.tar.zst gnu.tar sparse-gnu.tar sparse-pax.tar cut-padding.tar
cut-data.tar cut-header.tar garbage.tar cut-padding.tar.gz cut-padding.zip"

test_expect_success 'fixture' '
    mkdir arch && "$PYTHON" "$FIX" gen arch && test -s arch/all.tar.zst &&
    test -s arch/sparse-pax.tar
'

# arch/$1 scanned with SESAME_ARCHIVE_COPY=1 -j 1: $1.copy.{json,err,rc,warn}.
scan_copy() {
    set +e
    (cd arch && SESAME_ARCHIVE_COPY=1 "$SESAME_BIN" scan "$1" -f json -o "../$1.copy.json" \
        -j 1 2>"../$1.copy.err")
    echo $? >"$1.copy.rc"
    set -e
    grep "^sesame: warning:" "$1.copy.err" >"$1.copy.warn" || true
}

for a in $ARCHIVES; do
    test_expect_success "$a: every key at its place; -j 1, -j 2, -j 4 and the copying path the same" '
        scan_j '"$a"' 1 && scan_j '"$a"' 2 && scan_j '"$a"' 4 && scan_copy '"$a"' &&
        "$PYTHON" "$CHECK" check arch/manifest.json '"$a"' '"$a"'.1.json '"$a"'.1.warn &&
        norm '"$a"'.copy.json >copy && test -s copy &&
        for j in 1 2 4; do
            norm '"$a"'.$j.json >run && diff -u copy run &&
            diff -u '"$a"'.copy.warn '"$a"'.$j.warn && diff -u '"$a"'.copy.rc '"$a"'.$j.rc ||
            return 1
        done
    '
done

test_expect_success 'tars cut in a member say so in their exit status' '
    for a in cut-padding.tar cut-data.tar cut-padding.tar.gz; do
        test "$(cat $a.1.rc)" = 7 || return 1
    done &&
    test "$(cat all.tar.1.rc)" = 1
'

# Bytes copied into the pipe, from SESAME_TIMINGS's handover line.
copied() {
    sed -n 's/.*timing: handover \([0-9.]*\) MB copied.*/\1/p' "$1"
}

test_expect_success 'the helpers had work: bytes went through the pipe at -j 2, none at -j 1' '
    test "$(copied all.tar.1.err)" = 0.0 &&
    test "$(copied all.tar.2.err)" != 0.0 && test -n "$(copied all.tar.2.err)"
'

test_done
