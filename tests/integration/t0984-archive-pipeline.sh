#!/usr/bin/env bash
# Issue 16 item 3: the blobs of an archive are scanned by idle workers while the reader
# reads on (scanner/scan_pipe.c). The report (findings, diagnostics and their order, the
# exit status) must be the one a scan on one thread gives: many small members with
# warnings from the reader between them, a member of three chunks, a truncated
# compressed tar, archives nested in a compressed tar. -j 1 has no helper (every blob is
# scanned at once); -j 4 has three, and SESAME_TIMINGS says how many blobs they scanned.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipe_lib.sh"
setup

FIX="$SESAME_SRC/tests/integration/pipe_fixture.py"

# How many blobs helpers scanned in the run whose stderr is $1.
handed() {
    sed -n 's/.*timing: pipe .* \([0-9][0-9]*\) scanned by helpers.*/\1/p' "$1"
}

test_expect_success 'fixture' '
    mkdir arch && "$PYTHON" "$FIX" gen arch &&
    test -s arch/many.tar && test -s arch/big.tar.gz && test -s arch/trunc.tar.gz &&
    test -s arch/nested.tar.zst
'

for a in many.tar big.tar.gz trunc.tar.gz nested.tar.zst; do
    test_expect_success "$a: every key at its place, warnings in order, -j 1 and -j 4 the same" '
        same_j1_j4 '"$a"' "$FIX" handed
    '
done

test_expect_success 'the helpers did scan (members of many.tar or big.tar.gz)' '
    test $(($(handed many.tar.4.err) + $(handed big.tar.gz.4.err))) -gt 0
'

test_expect_success 'exit status: found (and incomplete where a warning says so)' '
    test "$(cat many.tar.1.rc)" = 7 &&
    test "$(cat big.tar.gz.1.rc)" = 1 &&
    test "$(cat trunc.tar.gz.1.rc)" = 7 &&
    test "$(cat nested.tar.zst.1.rc)" = 1
'

test_expect_success 'several archives at once: the same findings as one by one' '
    rm arch/manifest.json && scan_j . 4 &&
    "$PYTHON" - <<PY
import json
def kids(p):
    return sorted((f["access_key_id"], l["path"].removeprefix("./")) for f in json.load(open(p))["findings"]
                  if f["kind"] == "access_key_id" for l in f["locations"]
                  if l["part"] == "access_key_id")
together = kids("..4.json")
apart = []
for a in ("many.tar", "big.tar.gz", "trunc.tar.gz", "nested.tar.zst"):
    apart += kids(a + ".1.json")
assert together == sorted(apart), (len(together), len(apart))
PY
'

test_done
