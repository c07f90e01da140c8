#!/usr/bin/env bash
# Issue 16: after a whole-history scan, the commits that introduced the blobs with
# findings are found again (src_git_attribute: hot commits diffed against their parents).
# Attribution reads a walked commit's header and its parents' trees as pass 1 read them
# (diff.c quick_commit, pushwalk.c) and trees through a pack reader per thread, and falls
# back to libgit2 for any commit pass 1 did not read its own way (two author lines, none).
# Differential test: the (key, path, commit) triples of a whole-history scan must be those
# of a range scan (--since-commit: every commit read by libgit2, as attribution did
# before), on commits with odd headers, merges, an octopus, deltified trees and commits,
# subdirectories, a key moved and copied, loose and packed objects.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# commit_object REPO TREE HEADER...: a commit written as given (parents among HEADER).
commit_object() {
    local repo=$1 tree=$2
    shift 2
    {
        echo "tree $tree"
        for h in "$@"; do printf "%s\n" "$h"; done
        echo
        echo "odd header"
    } | git -C "$repo" hash-object -t commit --literally -w --stdin
}

# tree_with WC: the tree of WC's work tree as it is now.
tree_with() {
    git -C "$1" add -A && git -C "$1" write-tree
}

# triples REPORT: "key path commit" per location, sorted.
triples() {
    python3 - "$1" "$TRASH/keys.txt" <<'PY'
import json, sys
keys = {}
for line in open(sys.argv[2]):
    n, kid, _ = line.split()[:3]
    keys[kid] = n
out = set()
for f in json.load(open(sys.argv[1]))["findings"]:
    for l in f["locations"]:
        c = (l.get("commit") or {}).get("id")
        out.add("%s %s %s" % (keys.get(f["access_key_id"], "?"), l["path"], c))
print("\n".join(sorted(out)))
PY
}

test_expect_success 'attribution agrees with the range path' '
    git init -q -b main wc &&
    for i in 1 2 3 4 5 6; do echo "file $i" >wc/f$i.txt; done &&
    mkdir -p wc/d/e && echo deep >wc/d/e/deep.txt &&
    git -C wc add -A && git -C wc commit -q -m base &&
    base=$(git -C wc rev-parse HEAD) &&
    sig="A U Thor <author@example.com> 1700000000 +0000" &&
    creds 1 >wc/k1.ini && t=$(tree_with wc) &&
    c1=$(commit_object wc $t "parent $base" "author $sig" "author Second <s@example.com> 1700000001 +0000" "committer $sig") &&
    creds 2 >wc/d/k2.ini && t=$(tree_with wc) &&
    c2=$(commit_object wc $t "parent $c1" "committer $sig") &&
    creds 3 >wc/d/e/k3.ini && t=$(tree_with wc) &&
    c3=$(commit_object wc $t "parent $c2" "author $sig" "committer $sig" "encoding ISO-8859-1") &&
    creds 4 >wc/k4.ini && t=$(tree_with wc) &&
    c4=$(commit_object wc $t "parent $c3" "author $sig" "committer $sig") &&
    git -C wc reset -q --hard $c4 &&
    git -C wc checkout -q -b side $c2 &&
    creds 5 >wc/side5.ini && cp wc/k1.ini wc/copy1.ini && git -C wc add -A &&
    git -C wc commit -q -m side &&
    git -C wc checkout -q -b side2 $c1 &&
    creds 6 >wc/side6.ini && git -C wc mv k1.ini moved1.ini && git -C wc add -A &&
    git -C wc commit -q -m side2 &&
    git -C wc checkout -q main &&
    git -C wc merge -q --no-edit side &&
    git -C wc merge -q --no-edit -s ours side2 -m "ours merge" &&
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "change $i" >>wc/f$((i % 6 + 1)).txt; git -C wc add -A; git -C wc commit -q -m "change $i"; done &&
    creds 7 >wc/d/e/k7.ini && git -C wc add -A && git -C wc commit -q -m seven &&
    git -C wc checkout -q -b o1 main~3 && creds 8 >wc/o1.ini && git -C wc add -A && git -C wc commit -q -m o1 &&
    git -C wc checkout -q -b o2 main~3 && creds 9 >wc/o2.ini && git -C wc add -A && git -C wc commit -q -m o2 &&
    git -C wc checkout -q main && git -C wc merge -q --no-edit o1 o2 &&
    git clone -q --bare wc loose.git &&
    git clone -q --bare wc packed.git && git -C packed.git repack -q -adf --window=250 --depth=50 &&
    for r in loose packed; do
        scan_json $r-full.json $r.git &&
        scan_json $r-range.json $r.git --since-commit $base &&
        triples $r-full.json >$r-full.t && triples $r-range.json >$r-range.t &&
        echo "== $r" && cat $r-full.t &&
        test_cmp $r-range.t $r-full.t &&
        test $(cut -d" " -f1 $r-full.t | sort -u | wc -l) -ge 8 || return 1
    done
'

test_done
