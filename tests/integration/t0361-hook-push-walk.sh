#!/usr/bin/env bash
# Issue 16 item 5: the commits a pre-receive hook scans are walked by sesame itself
# (source/git/pushwalk.c, each commit read once from the packs) instead of libgit2's
# revwalk. Differential test: real `git push`es of many shapes (new branches from old
# tags, fast-forwards, merges of new and of existing branches, an octopus, force pushes,
# deletions, annotated and lightweight tags, several refs at once, commits dated before
# their parents, a repacked server with loose and packed objects, a server with a
# commit-graph file (its refs' commits then known from it, not from their pack entries),
# and with a damaged one) into a bare repository
# whose pre-receive hook runs `git rev-list NEW... --not --all` and `sesame hook
# pre-receive` on the same input, in the same quarantine. Every commit message holds its
# own fake key, so the commits sesame scanned are the "(commit ID)" findings of its
# report: that set must equal rev-list's, and the exit status must say whether it is
# empty. Pushes of new commits on top of the refs' are found without a walk
# (pushnew.c); SESAME_TIMINGS says which way each push went, and the cases below check
# it for the shapes that take each way.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

BUDGET=600000
LOGS="$TRASH/logs"
mkdir -p "$LOGS"

# The server's hook: record the input, git's answer and sesame's, accept the push.
write_hook() {
    cat >"$1/hooks/pre-receive" <<EOF
#!/usr/bin/env bash
n=\$(( \$(cat "$LOGS/count" 2>/dev/null || echo 0) + 1 ))
echo \$n >"$LOGS/count"
d="$LOGS/\$n"
mkdir -p "\$d"
cat >"\$d/in"
news=\$(awk '\$2 !~ /^0+\$/ { print \$2 }' "\$d/in")
if [ -n "\$news" ]; then
    git rev-list \$news --not --all >"\$d/expect" 2>"\$d/rev-list.err"
    echo \$? >"\$d/rev-list.rc"
else
    : >"\$d/expect"
    echo 0 >"\$d/rev-list.rc"
fi
rc=0
SESAME_TIMINGS=1 "$SESAME_BIN" hook pre-receive --budget-ms $BUDGET <"\$d/in" \
    >"\$d/out" 2>&1 || rc=\$?
echo \$rc >"\$d/rc"
exit 0
EOF
    chmod +x "$1/hooks/pre-receive"
}

# mk WC: a commit in WC whose message holds the next fake key, dated a day after the
# last one (or before it, with SKEW=1).
mk() {
    local n d
    n=$(( $(cat "$TRASH/keyno" 2>/dev/null || echo 0) + 1 ))
    echo $n >"$TRASH/keyno"
    d=$(( $(cat "$TRASH/day" 2>/dev/null || echo 0) + 1 ))
    echo $d >"$TRASH/day"
    [ "${SKEW:-0}" = 1 ] && d=$((d - 40))
    echo "$n" >"$1/file-$n"
    git -C "$1" add -A
    GIT_AUTHOR_DATE="@$((1600000000 + d * 86400)) +0000" \
        GIT_COMMITTER_DATE="@$((1600000000 + d * 86400 + 3600)) +0000" \
        git -C "$1" commit -q -m "change $n" -m "$(creds $(( (n - 1) % 100 + 1 )))"
}

# merge WC ARGS...: a merge commit whose message holds the next key.
merge() {
    local wc=$1 n d
    shift
    n=$(( $(cat "$TRASH/keyno") + 1 ))
    echo $n >"$TRASH/keyno"
    d=$(( $(cat "$TRASH/day") + 1 ))
    echo $d >"$TRASH/day"
    GIT_AUTHOR_DATE="@$((1600000000 + d * 86400)) +0000" \
        GIT_COMMITTER_DATE="@$((1600000000 + d * 86400 + 3600)) +0000" \
        git -C "$wc" merge -q --no-ff "$@" -m "merge $n" -m "$(creds $(( (n - 1) % 100 + 1 )))"
}

# octopus FROM B1 B2 B3: three new branches from FROM, one commit each, merged into main
# at once (the merge's message holds the next key).
octopus() {
    local from=$1 n b
    shift
    for b in "$@"; do
        git -C wc checkout -q -b "$b" "$from" && mk wc || return 1
    done
    git -C wc checkout -q main &&
    n=$(( $(cat "$TRASH/keyno") + 1 )) && echo $n >"$TRASH/keyno" &&
    git -C wc merge -q --no-ff "$@" -m "octopus $n" -m "$(creds $(( (n - 1) % 100 + 1 )))"
}

# check_last: the last push's hook saw the same new commits as git rev-list.
check_last() {
    local d
    d="$LOGS/$(cat "$LOGS/count")"
    if [ "$(cat "$d/rev-list.rc")" != 0 ]; then
        echo "git rev-list failed:"; cat "$d/rev-list.err"; return 1
    fi
    sort "$d/expect" >"$d/expect.sorted"
    grep -o '(commit [0-9a-f]\{40\})' "$d/out" | sed 's/(commit \(.*\))/\1/' | sort -u \
        >"$d/got.sorted" || true
    test_cmp "$d/expect.sorted" "$d/got.sorted" || { cat "$d/in"; head -40 "$d/out"; return 1; }
    # sesame's own walk ran (SESAME_TIMINGS says how many commits it read), or it found
    # the push's new commits on top of the refs' without a walk (pushnew.c), not the
    # libgit2 fallback
    if awk '$2 !~ /^0+$/' "$d/in" | grep -q .; then
        expect_grep "push walk read [1-9]\|push adds [1-9][0-9]* new commits on top" "$d/out"
    fi
    if [ -s "$d/expect" ]; then
        expect_eq "$(cat "$d/rc")" 1
    else
        expect_eq "$(cat "$d/rc")" 0
    fi
    echo "$(cat "$d/in" | wc -l) ref(s), $(wc -l <"$d/expect") new commit(s)" >>"$LOGS/summary"
}

# push ARGS...: git push from wc into srv.git, then check_last.
push() {
    git -C wc push -q "$@" 2>"$TRASH/push.err" || { cat "$TRASH/push.err"; return 1; }
    check_last
}

# how_last: how the last push's commits were found: "chain" (new commits on top of the
# refs', no walk: pushnew.c) or "walk" (push_walk read the refs' commits).
how_last() {
    local d
    d="$LOGS/$(cat "$LOGS/count")"
    if grep -q "push adds [0-9]* new commits on top" "$d/out"; then
        echo chain
    elif grep -q "push walk read [0-9]" "$d/out"; then
        echo walk
    else
        echo none
    fi
}

test_expect_success 'a server with a history: branches, merges, tags (annotated and not)' '
    git init -q --bare srv.git &&
    git init -q wc &&
    for i in 1 2 3 4 5 6; do mk wc; done &&
    git -C wc tag -a v1 -m "release 1" &&
    git -C wc checkout -q -b side &&
    mk wc && mk wc &&
    git -C wc checkout -q main &&
    mk wc && merge wc side &&
    git -C wc tag light &&
    for i in 1 2 3; do mk wc; done &&
    git -C wc tag -a v2 -m "release 2" &&
    git -C wc remote add origin ../srv.git &&
    git -C wc push -q origin main side v1 v2 light &&
    git -C srv.git repack -q -ad &&
    write_hook srv.git
'

test_expect_success 'a fast-forward of main by one and by three commits: no walk' '
    mk wc && push origin main &&
    expect_eq "$(how_last)" chain &&
    mk wc && mk wc && mk wc && push origin main &&
    expect_eq "$(how_last)" chain &&
    expect_grep "push adds 3 new commits" "$LOGS/$(cat "$LOGS/count")/out"
'

test_expect_success 'a new branch from an old annotated tag' '
    git -C wc checkout -q -b from-v1 v1 &&
    mk wc && mk wc && push origin from-v1 &&
    git -C wc checkout -q main
'

test_expect_success 'a branch at a commit the server has: nothing new' '
    git -C wc branch at-v1 v1 && push origin at-v1 &&
    git -C wc branch at-side side~1 && push origin at-side &&
    expect_eq "$(how_last)" walk
'

test_expect_success 'a merge of a new branch (walked), and of a branch the server has (not)' '
    git -C wc checkout -q -b feat main~2 && mk wc && mk wc &&
    git -C wc checkout -q main && merge wc feat && push origin main &&
    expect_eq "$(how_last)" walk &&
    merge wc origin/from-v1 && push origin main &&
    expect_eq "$(how_last)" chain
'

test_expect_success 'an octopus merge of three new branches: walked' '
    octopus main o1 o2 o3 && push origin main &&
    expect_eq "$(how_last)" walk
'

test_expect_success 'a force push over rewritten history, and onto an older commit' '
    git -C wc checkout -q -b rewrite main &&
    push origin rewrite &&
    git -C wc reset -q --hard main~3 && mk wc && mk wc && push -f origin rewrite &&
    git -C wc reset -q --hard v1 && push -f origin rewrite &&
    git -C wc checkout -q main
'

test_expect_success 'tags: an annotated tag on a new commit, a lightweight tag on an old one' '
    git -C wc checkout -q -b tagged main && mk wc &&
    git -C wc tag -a v3 -m "release 3" && git -C wc checkout -q main &&
    push origin v3 &&
    git -C wc tag old-light v1~2 && push origin old-light
'

test_expect_success 'a branch and an annotated tag on its new commit, pushed at once: no walk' '
    mk wc && git -C wc tag -a v4 -m "release 4" &&
    push origin main v4 &&
    expect_eq "$(how_last)" chain
'

test_expect_success 'deletions, alone and with an update' '
    push origin :at-v1 &&
    mk wc && push origin main :at-side
'

test_expect_success 'several refs at once sharing new commits' '
    git -C wc checkout -q -b multi1 main && mk wc && mk wc &&
    git -C wc checkout -q -b multi2 && mk wc &&
    git -C wc checkout -q -b multi3 side && mk wc &&
    git -C wc checkout -q main &&
    push origin multi1 multi2 multi3
'

test_expect_success 'commits dated before their parents (clock skew)' '
    git -C wc checkout -q -b skew main && mk wc &&
    SKEW=1 mk wc && SKEW=1 mk wc && mk wc && push origin skew &&
    git -C wc checkout -q main && SKEW=1 mk wc && mk wc && push origin main
'

test_expect_success 'a repacked server (objects in a pack) and a long new branch from an old tag' '
    git -C srv.git repack -q -adb &&
    git -C wc checkout -q -b long v1 &&
    for i in $(seq 1 25); do mk wc || exit 1; done &&
    merge wc side && mk wc &&
    push origin long &&
    git -C wc checkout -q main && mk wc && push origin main
'

test_expect_success 'more than the unpack limit: the push arrives as a pack in the quarantine' '
    git -C srv.git config receive.unpackLimit 1 &&
    git -C wc checkout -q -b packed main~1 &&
    for i in 1 2 3 4; do mk wc || exit 1; done &&
    push origin packed &&
    expect_eq "$(how_last)" walk &&
    git -C wc checkout -q main && mk wc && mk wc && push origin main &&
    expect_eq "$(how_last)" chain
'

# A stale clone pushes a commit the server has (its main moved on past it) to a new
# branch. The clone does not know that: the commit arrives again, in the quarantine
# pack, and its parent is the commit of a ref. Nothing is new: the commit is in the
# repository's own objects too, so it is not taken for a new chain.
test_expect_success 'a stale clone pushes a commit the server has again: nothing new' '
    push origin main:refs/heads/base &&
    mk wc && push origin main &&
    git clone -q srv.git wc2 &&
    mk wc && push origin main &&
    git -C wc2 push -q origin main:refs/heads/stale 2>"$TRASH/push.err" ||
        { cat "$TRASH/push.err"; exit 1; } &&
    check_last &&
    d="$LOGS/$(cat "$LOGS/count")" &&
    expect_eq "$(wc -l <"$d/expect")" 0 &&
    expect_eq "$(how_last)" walk
'

test_expect_success 'a server with a commit-graph file: dates and parents read from it' '
    git -C srv.git commit-graph write --reachable &&
    test -f srv.git/objects/info/commit-graph &&
    # refs to a tree and a blob: not commits, whatever the graph says of other refs
    git -C srv.git update-ref refs/tags/a-tree "$(git -C srv.git rev-parse "main^{tree}")" &&
    git -C srv.git update-ref refs/tags/a-blob "$(git -C srv.git rev-parse main:file-1)" &&
    git -C srv.git pack-refs --all &&
    # from a commit no ref names, so that the refs'"'"' commits are walked
    git -C wc checkout -q -b cg1 v2~1 && mk wc && mk wc && push origin cg1 &&
    expect_eq "$(how_last)" walk &&
    d="$LOGS/$(cat "$LOGS/count")" &&
    expect_grep "push walk read [0-9]* commits, [1-9][0-9]* from the commit-graph; [1-9][0-9]* ref tips found in it" "$d/out" &&
    git -C wc checkout -q main && mk wc && merge wc origin/side && push origin main &&
    expect_eq "$(how_last)" chain &&
    octopus v1 q1 q2 q3 && push origin main &&
    git -C srv.git commit-graph write --reachable &&
    git -C wc checkout -q -b cg2 "main^3" && mk wc && push origin cg2 &&
    git -C wc checkout -q main
'

test_expect_success 'a damaged commit-graph file: the commits are read instead, same answer' '
    chmod u+w srv.git/objects/info/commit-graph &&
    printf "XXXX" | dd of=srv.git/objects/info/commit-graph bs=1 seek=0 conv=notrunc 2>/dev/null &&
    git -C wc checkout -q -b cg3 v2~1 && mk wc && push origin cg3 &&
    d="$LOGS/$(cat "$LOGS/count")" &&
    expect_grep "push walk read [0-9]* commits, 0 from the commit-graph; 0 ref tips found in it" "$d/out" &&
    git -C wc checkout -q main
'

test_expect_success 'every push above was checked' '
    expect_eq "$(cat "$LOGS/count")" "$(wc -l <"$LOGS/summary")" &&
    [ "$(cat "$LOGS/count")" -ge 20 ] &&
    [ "$(awk "\$4 > 0" "$LOGS/summary" | wc -l)" -ge 12 ]
'

test_done
