#!/usr/bin/env bash
# Issue 16 item 1: a whole history's packed blobs (and commits and tags: their messages)
# are read and scanned while the walk plans (source/git/prescan.c), without their paths;
# one whose scan gave nothing is not read again. That must change nothing in the report:
# not report a blob no ref reaches (one with a key, and a clean one that would change the
# counts, both packed) nor a commit message no ref reaches, not miss a blob that only
# loose objects or a second pack hold, not change where a blob was first seen (a
# truncated archive committed at two paths: its warnings name the first), nor the counts
# (files, bytes, decoded views of clean blobs). Each repository is scanned with
# SESAME_PRESCAN=0 (read after the walk, as before), by default, and with
# SESAME_PRESCAN=all (every packed object read before the plan returns, so that these
# small histories go through the overlap whatever the timing): the same report.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

test_expect_success 'a history: keys moved and copied, decoded views, an archive at two paths' '
    git init -q repo &&
    cd repo &&
    mkdir -p src docs &&
    for i in 1 2 3 4 5 6; do echo "module $i" >src/m$i.c; done &&
    echo "see https://example.com/cb?state=c2Vzc2lvbiBzdGF0ZSBmb3IgdGhl%2FdGVzdA%3D%3D" >docs/url.txt &&
    printf "{\"note\": \"caf\\\\u00e9 \\\\u0041\\\\u0042\"}\n" >docs/esc.json &&
    git add . && commit -m "start" &&
    { echo "[a]"; creds 1; } >src/first.ini && git add . && commit -m "key 1" &&
    mkdir -p t && echo member >t/m.txt && tar -cf big.tar t/m.txt &&
    head -c 700 big.tar >docs/cut.tar && rm -rf big.tar t &&
    git add . && commit -m "a truncated tar" &&
    for n in 1 2 3 4 5; do echo "change $n" >>src/m$n.c; git add . && commit -m "step $n" || return 1; done &&
    cp src/first.ini docs/copy.ini && git add . && commit -m "key 1 copied" &&
    git checkout -q -b side HEAD~3 &&
    cp docs/cut.tar side.tar && { echo "[b]"; creds 2; } >side.ini &&
    git add . && commit -m "side: key 2, the tar again" &&
    git checkout -q main &&
    git mv src/first.ini src/moved.ini && commit -m "key 1 moved" &&
    echo more >>src/m6.c && git add . && commit -m "a key in a message" -m "$(creds 3)" &&
    cd .. && git clone -q --bare --no-local repo base.git && rm -rf base.git/hooks
'

test_expect_success 'layouts: unreachable blobs packed, loose objects, a second pack' '
    cp -a base.git mixed.git &&
    old=$(ls mixed.git/objects/pack/*.pack) &&
    u7=$(creds 7 | git -C mixed.git hash-object -w --stdin) &&
    uc=$(echo "a clean blob no ref reaches" | git -C mixed.git hash-object -w --stdin) &&
    u6=$(creds 6 | git -C mixed.git commit-tree -m "unreachable" -m "$(creds 6)" main^{tree}) &&
    { git -C mixed.git rev-list --objects --all; echo $u7; echo $uc; echo $u6; } |
        git -C mixed.git pack-objects -q objects/pack/pack >/dev/null &&
    rm -f "$old" "${old%.pack}.idx" && git -C mixed.git prune-packed &&
    git -C mixed.git cat-file -e $u7 && git -C mixed.git cat-file -e $uc &&
    git -C mixed.git cat-file -e $u6 &&
    test -z "$(find mixed.git/objects -type f -path "*/objects/??/*")" &&
    cd repo &&
    { echo "[c]"; creds 8; } >src/loose.ini && git add . && commit -m "key 8, pushed loose" &&
    git push -q ../mixed.git main &&
    test -n "$(find ../mixed.git/objects -type f -path "*/objects/??/*")" &&
    git -C ../mixed.git config receive.unpackLimit 1 &&
    { echo "[d]"; creds 9; } >src/packed.ini && git add . && commit -m "key 9, pushed as a pack" &&
    git push -q ../mixed.git main &&
    test "$(ls ../mixed.git/objects/pack/*.pack | wc -l)" -eq 2 &&
    cd .. &&
    cp -a mixed.git bitmap.git && git -C bitmap.git repack -adbq &&
    git -C bitmap.git commit-graph write --reachable 2>/dev/null
'

test_expect_success 'the blobs are read while planning (SESAME_PRESCAN=all)' '
    SESAME_TIMINGS=1 SESAME_PRESCAN=all "$SESAME_BIN" scan mixed.git --format json \
        -o timings.json -q 2>timings.err || true
    n=$(sed -n "s/.*timing: \([0-9]*\) blobs and [0-9]* messages read clean.*/\1/p" timings.err) &&
    m=$(sed -n "s/.*timing: [0-9]* blobs and \([0-9]*\) messages read clean.*/\1/p" timings.err) &&
    { test "${n:-0}" -gt 10 && test "${m:-0}" -gt 10 || { cat timings.err; false; }; } &&
    SESAME_TIMINGS=1 SESAME_PRESCAN=0 "$SESAME_BIN" scan mixed.git --format json \
        -o timings0.json -q 2>timings0.err || true
    test -s timings0.json &&
    grep -q "timing: 0 blobs and 0 messages read clean while planning" timings0.err
'

test_expect_success 'the same report read after the walk, by default, and read before it ends' '
    for l in base mixed bitmap; do
        for m in 0 default all; do
            SESAME_PRESCAN=$m scan_json $l-$m.json $l.git &&
            expect_status 7 $l-$m.json && norm $l-$m.json >$l-$m.norm || return 1
        done &&
        test_cmp $l-0.norm $l-default.norm && test_cmp $l-0.norm $l-all.norm || return 1
    done &&
    for m in 0 all; do
        SESAME_PRESCAN=$m scan_json mixed-all-$m.json mixed.git --all-objects &&
        norm mixed-all-$m.json >mixed-all-$m.norm || return 1
    done &&
    test_cmp mixed-all-0.norm mixed-all-all.norm
'

test_expect_success 'what the reports say: reachable keys only, every blob once, first paths' '
    check expect_keys base-all.json "1 2 3" &&
    check expect_keys mixed-all.json "1 2 3 8 9" &&
    check expect_keys bitmap-all.json "1 2 3 8 9" &&
    check expect_q mixed-all.json "scan files" "$(blob_count mixed.git)" &&
    check expect_q bitmap-all.json "scan files" "$(blob_count mixed.git)" &&
    check has_key mixed-all-all.json 7 &&
    check has_key mixed-all-all.json 6 &&
    check expect_q mixed-all-all.json "scan files" "$(blob_count mixed.git --all-objects)" &&
    check has_loc mixed-all.json 1 "src/first.ini:2:" &&
    check has_loc mixed-all.json 1 "docs/copy.ini:2:" &&
    check has_loc mixed-all.json 8 "src/loose.ini:2:" &&
    check has_loc mixed-all.json 9 "src/packed.ini:2:" &&
    check grep -q "cut.tar\|side.tar" mixed-all.json &&
    check python3 -c "
import json, sys
s = json.load(open(\"mixed-all.json\"))[\"scan\"]
assert s[\"decoded_views\"] > 0, s[\"decoded_views\"]
assert s[\"bytes\"] > 0
" &&
    checks_passed
'

test_schema_checked
test_done
