#!/usr/bin/env bash
# Issue 16: how a repository's objects are stored must not change what a whole-history
# scan reports. One history (many versions of the same directories: entries changed,
# added, removed, directories appearing and going away; keys introduced, moved, removed,
# kept at a tip, on side branches and in a merge) scanned as loose objects, packed with
# deep deltas, repacked with reachability bitmaps and a commit-graph (`git repack -adb`,
# `git commit-graph write --reachable`, what servers have), with those two files damaged,
# and split over several packs: the same findings, provenance (commit, path, line) and
# exposure (HEAD, branch tips, removing commit) every time, with path filters too.
# The tree graph's compact edge lists (source/git/edges.c) are what attribution walks
# here: dozens of versions of each directory, each stored as a difference.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# commit ARGS...: git_lib.sh's commit() counts days of one month; this history is longer
commit() {
    test_tick=$((test_tick + 1))
    GIT_AUTHOR_DATE="@$((1600000000 + test_tick * 86400)) +0200" \
        GIT_COMMITTER_DATE="@$((1600005400 + test_tick * 86400)) +0200" git commit -q "$@"
}

test_expect_success 'build a history with many versions of each directory' '
    git init -q repo
    cd repo
    mkdir -p app/conf app/lib docs
    for i in 1 2 3 4 5 6 7 8; do echo "lib $i" >app/lib/m$i.py; done
    echo start >docs/README
    git add . && commit -m "start"
    for n in $(seq 1 40); do
        echo "change $n" >>app/lib/m$((n % 8 + 1)).py
        case $((n % 5)) in
        0) echo "doc $n" >docs/d$n.txt ;;
        1) git rm -q --ignore-unmatch docs/d$((n - 6)).txt ;;
        2) mkdir -p app/tmp$n && echo x$n >app/tmp$n/f ;;
        3) git rm -rq --ignore-unmatch app/tmp$((n - 1)) ;;
        4) echo "conf $n" >app/conf/c.ini ;;
        esac
        case $n in
        5) { echo "[deploy]"; creds 1; } >app/conf/deploy.ini ;;
        12) { echo "# moved"; creds 1; } >app/lib/creds.py ;;
        14) git rm -q app/conf/deploy.ini ;;
        20) { echo "[p]"; creds 2; } >docs/keys.txt ;;
        27) git rm -q docs/keys.txt ;;
        33) { echo "x=1"; creds 3; } >app/conf/live.ini ;;
        esac
        git add -A && commit -m "step $n"
        if [ $n = 18 ]; then
            git checkout -q -b side
            mkdir -p side && { echo side; creds 4; } >side/s.txt
            git add . && commit -m "side key"
            git checkout -q main
        fi
        if [ $n = 30 ]; then
            git checkout -q -b topic HEAD~3
            { echo t; creds 5; } >app/lib/topic.py
            git add . && commit -m "topic key"
            git checkout -q main
            test_tick=$((test_tick + 1))
            GIT_COMMITTER_DATE="@$((1600005400 + test_tick * 86400)) +0200" \
                git merge -q --no-ff -m "merge topic" topic
        fi
    done
    git tag -a -m "release" v1 HEAD~4
    cd .. && git clone -q --bare --no-local repo base.git && rm -rf base.git/hooks &&
    git clone -q --bare --no-local repo loose.git && rm -rf loose.git/hooks &&
    mv loose.git/objects/pack/*.pack "$TRASH/all.pack" && rm -f loose.git/objects/pack/* &&
    git -C loose.git unpack-objects -q <"$TRASH/all.pack" &&
    { test -z "$(ls loose.git/objects/pack)" || { echo "loose.git has packs"; false; }; } &&
    n=$(git -C loose.git count-objects | cut -d" " -f1) &&
    { test "$n" -gt 200 || { echo "only $n loose objects"; false; }; }
'

test_expect_success 'the layouts: deep deltas, bitmaps and commit-graph, damaged, several packs' '
    cp -a base.git deep.git && git -C deep.git repack -adfq --depth=50 --window=100 &&
    cp -a base.git bitmap.git && git -C bitmap.git repack -adbq &&
    git -C bitmap.git commit-graph write --reachable 2>/dev/null &&
    test -n "$(ls bitmap.git/objects/pack/*.bitmap)" &&
    test -f bitmap.git/objects/info/commit-graph &&
    cp -a bitmap.git damaged.git && chmod -R u+w damaged.git &&
    for f in damaged.git/objects/pack/*.bitmap damaged.git/objects/info/commit-graph; do
        size=$(stat -c %s "$f")
        dd if=/dev/urandom of="$f" bs=1 seek=$((size / 3)) count=64 conv=notrunc 2>/dev/null
    done &&
    cp -a loose.git split.git &&
    git -C split.git rev-list --objects main~20 | git -C split.git pack-objects -q objects/pack/pack >/dev/null &&
    git -C split.git rev-list --objects --all | git -C split.git pack-objects -q objects/pack/pack >/dev/null &&
    test "$(ls split.git/objects/pack/*.pack | wc -l)" -eq 2
'

test_expect_success 'every layout reports the same findings, provenance and exposure' '
    scan_json loose.json loose.git && expect_status 1 loose.json &&
    expect_keys loose.json "1 2 3 4 5" &&
    norm loose.json >loose.norm &&
    for l in base deep bitmap damaged split; do
        scan_json $l.json $l.git && expect_status 1 $l.json &&
        norm $l.json >$l.norm && test_cmp loose.norm $l.norm || return 1
    done
'

test_expect_success 'the provenance is right: the commit and path that introduced each key' '
    step() { git -C repo log --format=%H -1 --grep="^$1\$" --all; }
    check has_loc bitmap.json 1 "app/conf/deploy.ini:2:" &&
    check has_loc bitmap.json 1 "app/lib/creds.py:2:" &&
    check test "$(q bitmap.json "1 loc" | grep "^app/conf/deploy.ini:2:" | sed "s/.*commit=\([^ ]*\).*/\1/" | sort -u)" = "$(step "step 5")" &&
    check test "$(q bitmap.json "1 loc" | grep "^app/conf/deploy.ini:2:" | sed "s/.*removed_in=\([^ ]*\).*/\1/" | sort -u)" = "$(step "step 14")" &&
    check test "$(q bitmap.json "2 loc" | grep "^docs/keys.txt:2:" | sed "s/.*commit=\([^ ]*\).*/\1/" | sort -u)" = "$(step "step 20")" &&
    check has_loc bitmap.json 4 "side/s.txt:2:" &&
    check has_loc bitmap.json 5 "app/lib/topic.py:2:" &&
    checks_passed
'

test_expect_success 'path filters: the same on every layout' '
    for l in loose bitmap deep; do
        scan_json $l-x.json $l.git --exclude "docs/**" --exclude "side/**" &&
        norm $l-x.json >$l-x.norm || return 1
    done &&
    expect_keys loose-x.json "1 3 5" &&
    test_cmp loose-x.norm bitmap-x.norm && test_cmp loose-x.norm deep-x.norm
'

test_expect_success 'every blob git reaches is scanned, once, on every layout' '
    want=$(blob_count base.git) &&
    for l in loose deep bitmap damaged split; do
        expect_q $l.json "scan files" "$want" || return 1
    done
'

test_schema_checked
test_done
