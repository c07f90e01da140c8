#!/usr/bin/env bash
# Issue 16 goal 1: a whole history's commits are walked by sesame itself
# (source/git/pushwalk.c full_walk: libgit2 1.5's revwalk without hidden commits, each
# commit's header read once from the packs, its tree handed to pass 1) instead of
# libgit2's revwalk followed by git_commit_lookup for every commit. The order of the
# walk decides where a blob is first seen, so it must be libgit2's exactly. Differential
# test: each repository is scanned with SESAME_WALK=libgit2 (as before) and by default;
# the order of the walked commits (a hash of it, printed by SESAME_TIMINGS) and the JSON
# reports must be the same, and the default run must have taken the new walk. Shapes:
# branches from old commits, merges, an octopus, commits dated before their parents and
# at the same second, several refs and annotated tags on one commit, keys copied to
# other paths on other branches (the first path is the walk's), commits whose header
# libgit2 reads its own way (two author lines, none, an encoding and a signature header),
# loose and packed commits, deltified commits, a commit-graph file.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# mkc WC MSG [SKEW]: a commit of everything in WC, dated a day after the last one, or
# SKEW days earlier than that (a commit older than its parent), or at the last date
# again with SKEW=same.
mkc() {
    local d
    d=$(( $(cat "$TRASH/day" 2>/dev/null || echo 0) + 1 ))
    echo $d >"$TRASH/day"
    case "${3:-}" in
    same) d=$((d - 1)); echo $d >"$TRASH/day" ;;
    "") ;;
    *) d=$((d - $3)) ;;
    esac
    git -C "$1" add -A &&
    GIT_AUTHOR_DATE="@$((1600000000 + d * 86400)) +0000" \
        GIT_COMMITTER_DATE="@$((1600000000 + d * 86400 + 60)) +0000" \
        git -C "$1" commit -q -m "$2"
}

# walked REPORT: the walk-order line of REPORT's stderr (SESAME_TIMINGS=1)
walked() {
    grep "timing: walk order" "$1.err"
}

# same_walk NAME REPO ARGS...: the two walks give the same order and the same report.
same_walk() {
    local name=$1 repo=$2
    shift 2
    SESAME_TIMINGS=1 SESAME_WALK=libgit2 scan_json "$name-lg2.json" "$repo" "$@" &&
        norm "$name-lg2.json" >"$name-lg2.norm" &&
        SESAME_TIMINGS=1 scan_json "$name-own.json" "$repo" "$@" &&
        norm "$name-own.json" >"$name-own.norm" &&
        walked "$name-lg2.json" >"$name-lg2.walk" && walked "$name-own.json" >"$name-own.walk" &&
        test_cmp "$name-lg2.walk" "$name-own.walk" &&
        test_cmp "$name-lg2.norm" "$name-own.norm" &&
        expect_grep "timing: history walk read [1-9]" "$name-own.json.err" &&
        expect_no_grep "timing: history walk read" "$name-lg2.json.err"
}

test_expect_success 'a history of many shapes' '
    git init -q -b main wc &&
    for i in 1 2 3 4 5 6 7 8; do echo "file $i" >wc/f$i.txt; done &&
    mkdir -p wc/a/b && echo deep >wc/a/b/deep.txt &&
    mkc wc "start" &&
    { echo "[k]"; creds 1; } >wc/key1.ini && mkc wc "key 1" &&
    for n in 1 2 3 4 5 6; do echo "main $n" >>wc/f$n.txt; mkc wc "main $n" || return 1; done &&
    git -C wc branch old HEAD~5 && git -C wc branch older HEAD~6 &&
    git -C wc checkout -q old &&
    cp wc/key1.ini wc/a/copy-on-old.ini && echo "old 1" >>wc/f7.txt && mkc wc "old: key 1 copied" 3 &&
    { echo "[k]"; creds 2; } >wc/a/b/key2.ini && mkc wc "old: key 2" same &&
    echo "old 3" >>wc/f8.txt && mkc wc "old 3" 9 &&
    git -C wc checkout -q older &&
    cp wc/key1.ini wc/copy-on-older.ini && mkc wc "older: key 1 copied" 2 &&
    { echo "[k]"; creds 2; } >wc/key2-older.ini && mkc wc "older: key 2 elsewhere" &&
    git -C wc checkout -q -b third main~2 && echo third >>wc/f1.txt && mkc wc "third" same &&
    git -C wc checkout -q main &&
    GIT_AUTHOR_DATE="@1600950000 +0000" GIT_COMMITTER_DATE="@1600950000 +0000" \
        git -C wc merge -q --no-edit old >/dev/null &&
    echo "after merge" >>wc/f4.txt && mkc wc "after merge" &&
    GIT_AUTHOR_DATE="@1600960000 +0000" GIT_COMMITTER_DATE="@1600960000 +0000" \
        git -C wc merge -q --no-edit -s ours older third >/dev/null &&
    echo "late" >>wc/f2.txt && mkc wc "late" 20 &&
    git -C wc tag -a -m "release" v1 HEAD~2 && git -C wc tag -a -m "again" v1b HEAD~2 &&
    git -C wc tag light old~1 &&
    git -C wc branch -q same-as-main main &&
    git clone -q --bare --no-local wc base.git && rm -rf base.git/hooks &&
    git -C wc log --all --oneline | wc -l >"$TRASH/ncommits" &&
    test "$(cat "$TRASH/ncommits")" -ge 18
'

test_expect_success 'the same walk and report: packed, loose, deltified, with a commit-graph' '
    cp -a base.git loose.git && git -C loose.git repack -q -ad &&
    git -C wc checkout -q main && echo "loose" >>wc/f3.txt && mkc wc "loose 1" &&
    { echo "[k]"; creds 3; } >wc/key3.ini && mkc wc "loose 2" &&
    git -C wc push -q ../loose.git main &&
    test -n "$(find loose.git/objects -type f -path "*/objects/??/*")" &&
    cp -a loose.git delta.git && git -C delta.git repack -q -adf --window=50 --depth=50 &&
    cp -a loose.git graph.git && git -C graph.git repack -q -adb &&
    git -C graph.git commit-graph write --reachable 2>/dev/null &&
    test -f graph.git/objects/info/commit-graph &&
    for r in base loose delta graph; do
        same_walk $r $r.git || return 1
    done &&
    check expect_keys base-own.json "1 2" &&
    check expect_keys loose-own.json "1 2 3" &&
    check has_loc base-own.json 1 "key1.ini:2:" &&
    checks_passed
'

# commit_object REPO TREE PARENT HEADER...: a commit written as given (git hash-object
# --literally): HEADER lines after the tree and parent, then a blank line and a message.
commit_object() {
    local repo=$1 tree=$2 parent=$3
    shift 3
    {
        echo "tree $tree"
        echo "parent $parent"
        for h in "$@"; do printf "%s\n" "$h"; done
        echo
        echo "odd header"
    } | git -C "$repo" hash-object -t commit --literally -w --stdin
}

test_expect_success 'commits whose headers libgit2 reads its own way' '
    cp -a base.git odd.git &&
    tip=$(git -C odd.git rev-parse main) &&
    tree=$(git -C odd.git rev-parse "main^{tree}") &&
    sig="A U Thor <author@example.com> 1700000000 +0000" &&
    c1=$(commit_object odd.git $tree $tip "author $sig" "author Second <s@example.com> 1700000001 +0000" "committer $sig") &&
    c2=$(commit_object odd.git $tree $c1 "committer $sig") &&
    c3=$(commit_object odd.git $tree $c2 "author $sig" "committer $sig" "encoding ISO-8859-1" \
        "gpgsig -----BEGIN PGP SIGNATURE-----" " abc" " -----END PGP SIGNATURE-----") &&
    c4=$(commit_object odd.git $tree $c3 "author Nobody <> 0 +0000" "committer $sig") &&
    git -C odd.git update-ref refs/heads/odd $c4 &&
    same_walk odd odd.git &&
    cp -a odd.git oddpack.git && git -C oddpack.git repack -q -ad &&
    same_walk oddpack oddpack.git
'

# Commit heads are read from the packs whole when small (libdeflate, up to 4 KiB), else
# their first 512 bytes (zlib), else the whole object when its header is longer: commits
# of sizes on both sides of 512 and 4096 bytes, with headers longer than either (a long
# author name), whole and deltified, take every way and must walk as libgit2 does.
test_expect_success 'commits of every size around the head reads' '
    cp -a base.git sizes.git &&
    parent=$(git -C sizes.git rev-parse main) &&
    tree=$(git -C sizes.git rev-parse "main^{tree}") &&
    sig="A U Thor <author@example.com> 1700000000 +0000" &&
    tree2=$(git -C sizes.git rev-parse "old^{tree}") &&
    for len in 1 250 270 290 300 320 3790 3820 3850 3870 3900 9000 100; do
        msg=$(head -c $len /dev/zero | tr "\0" m) &&
        parent=$(commit_object sizes.git $tree $parent "author $sig" "committer $sig" \
            "x-note $msg") &&
        t=$tree && tree=$tree2 && tree2=$t || return 1
    done &&
    for len in 700 5000; do
        name=$(head -c $len /dev/zero | tr "\0" n) &&
        parent=$(commit_object sizes.git $tree $parent "author $name <a@example.com> 1700000000 +0000" \
            "committer $sig") || return 1
    done &&
    git -C sizes.git update-ref refs/heads/sizes $parent &&
    git -C sizes.git repack -q -adf --window=0 &&
    (cd sizes.git && git verify-pack -v objects/pack/pack-*.idx) |
        awk "\$2 == \"commit\" && NF == 5 { s = \$3; a += s <= 512; b += s > 512 && s <= 4096;
             c += s > 4096 } END { exit !(a && b >= 4 && c >= 3) }" &&
    same_walk sizes sizes.git &&
    cp -a sizes.git sizesd.git && git -C sizesd.git repack -q -adf --window=50 --depth=50 &&
    same_walk sizesd sizesd.git
'

test_expect_success 'a shallow clone and --all-objects keep their own walks' '
    git clone -q --bare --no-local --depth 3 "file://$TRASH/base.git" shallow.git 2>/dev/null &&
    SESAME_TIMINGS=1 scan_json shallow.json shallow.git --allow-shallow &&
    expect_no_grep "timing: history walk read" shallow.json.err &&
    same_walk allobj loose.git --all-objects
'

test_schema_checked
test_done
