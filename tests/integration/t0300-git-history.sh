#!/usr/bin/env bash
# `sesame scan REPO` on a repository with a known history: every blob reachable from any
# ref is scanned exactly once, and every location names the commit that introduced the
# blob at that path (id, author, dates, summary), its line, and whether the credential is
# still at HEAD, at which branch tips, and which commit removed it.
#
# The history (dates fixed; key N is `creds N`, two lines: key ID, then secret):
#
#   C1 add config           config/app.ini (k1, lines 2-3), .gitignore, README.md
#   C2 add deploy creds     deploy/creds.env (k2, lines 2-3)
#   |\_ F1 feature: add client          src/feature.py (k4)        [branch feature]
#   C3 reformat config      config/app.ini: k1 moves to lines 4-5 (modified)
#   C4 rotate deploy key    deploy/creds.env: k2 replaced by k3
#   C5 move config          config/app.ini -> settings/app.ini (moved)
#   C6 remove deploy creds  deploy/creds.env deleted (k3 deleted)
#   |\_ T1 release: bundle secrets      release/bundle.txt (k5)    [tag v1.0 only]
#   C7 keep a backup        backup/app.ini.bak (a copy: k1's blob at a second path)
#   |\_ P1 topic: add service key       service/key.txt (k7)       [branch topic]
#   C8 unrelated change on main
#   M  Merge branch topic   merges P1 (k7) and adds evil.txt (k8) in the merge itself
#   (R1 wip: wip.txt (k6), a child of C1, only at refs/remotes/origin/wip)
#   (U1 oops: leak.txt (k9), committed on main then reset away, reflogs expired)
#   (a dangling blob with k10, written with hash-object and never committed)
#   working tree: untracked.txt (k11), README.md modified (k12), debug.log ignored (k13)
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

R="$TRASH/repo"

test_expect_success 'build the repository' '
    git init -q repo
    cd repo
    mkdir config
    { echo "[default]"; creds 1; } >config/app.ini
    echo "*.log" >.gitignore
    echo hello >README.md
    git add .
    commit -m "add config" -m "The body is not part of the summary."
    C1=$(git rev-parse HEAD)

    mkdir deploy
    { echo "# deploy"; creds 2; } >deploy/creds.env
    git add . && commit -m "add deploy creds"
    C2=$(git rev-parse HEAD)

    git checkout -q -b feature
    mkdir src
    { echo "import boto3"; creds 4 | sed "s/^/# /"; } >src/feature.py
    git add . && commit -m "feature: add client"
    F1=$(git rev-parse HEAD)
    git checkout -q main

    { echo "; comment"; echo "; more"; echo "[default]"; creds 1; } >config/app.ini
    git add . && commit -m "reformat config"
    C3=$(git rev-parse HEAD)

    { echo "# deploy"; creds 3; } >deploy/creds.env
    git add . && commit -m "rotate deploy key"
    C4=$(git rev-parse HEAD)

    mkdir settings
    git mv config/app.ini settings/app.ini
    commit -m "move config"
    C5=$(git rev-parse HEAD)

    git rm -q deploy/creds.env
    commit -m "remove deploy creds"
    C6=$(git rev-parse HEAD)

    git checkout -q --detach "$C6"
    mkdir release
    creds 5 >release/bundle.txt
    git add . && commit -m "release: bundle secrets"
    T1=$(git rev-parse HEAD)
    git tag -a -m "release 1.0" v1.0

    git checkout -q --detach "$C1"
    { echo wip; creds 6; } >wip.txt
    git add . && commit -m wip
    R1=$(git rev-parse HEAD)
    git update-ref refs/remotes/origin/wip "$R1"
    git checkout -q main

    mkdir backup
    cp settings/app.ini backup/app.ini.bak
    git add . && commit -m "keep a backup"
    C7=$(git rev-parse HEAD)

    git checkout -q -b topic
    mkdir service
    { echo a; echo b; creds 7; } >service/key.txt
    git add . && commit -m "topic: add service key"
    P1=$(git rev-parse HEAD)
    git checkout -q main

    echo "hello world" >README.md
    git add . && commit -m "unrelated change on main"
    C8=$(git rev-parse HEAD)

    git merge -q --no-ff --no-commit topic
    creds 8 >evil.txt
    git add evil.txt
    commit -m "Merge branch topic"
    M=$(git rev-parse HEAD)
    test "$(git rev-parse HEAD^2)" = "$P1"

    creds 9 >leak.txt
    git add leak.txt && commit -m oops
    U1=$(git rev-parse HEAD)
    git reset -q --hard HEAD~1
    git reflog expire --expire=now --all
    { echo dangling; creds 10; } >dangling.txt
    D=$(git hash-object -w dangling.txt)
    rm dangling.txt

    creds 11 >untracked.txt
    { echo "hello world"; creds 12; } >README.md
    creds 13 >debug.log

    test "$(git rev-parse HEAD)" = "$M"
    test "$(git status --porcelain --ignored | sort | tr "\n" " ")" = " M README.md !! debug.log ?? untracked.txt "
    must_fail 1 git merge-base --is-ancestor "$U1" HEAD
    test -z "$(git for-each-ref --contains "$U1")"
    for v in C1 C2 C3 C4 C5 C6 C7 C8 F1 T1 R1 P1 M U1 D; do
        eval "echo $v=\$$v"
    done >"$TRASH/ids.sh"
    cat "$TRASH/ids.sh"
'
. "$TRASH/ids.sh" 2>/dev/null

test_expect_success 'scan exits 1 and reports exactly the reachable and uncommitted keys' '
    scan_json history.json "$R"
    expect_status 1 history.json
    expect_keys history.json "1 2 3 4 5 6 7 8 11 12 13"
'

test_expect_success 'each distinct blob is scanned exactly once, plus the 3 uncommitted files' '
    blobs=$(blob_count "$R")
    echo "git: $blobs distinct reachable blobs"
    test "$blobs" -eq 12
    expect_q history.json "scan files" $((blobs + 3))
    expect_q history.json "scan errors" 0
'

test_expect_success 'added, modified, moved and copied: every path, line, commit and blob of k1' '
    b1=$(git -C "$R" rev-parse "$C1:config/app.ini")
    b1m=$(git -C "$R" rev-parse "$C3:config/app.ini")
    cat >expect <<-EOF
	backup/app.ini.bak:4:access_key_id commit=$C7 blob=$b1m
	backup/app.ini.bak:5:secret_access_key commit=$C7 blob=$b1m
	config/app.ini:2:access_key_id commit=$C1 blob=$b1
	config/app.ini:3:secret_access_key commit=$C1 blob=$b1
	config/app.ini:4:access_key_id commit=$C3 blob=$b1m
	config/app.ini:5:secret_access_key commit=$C3 blob=$b1m
	settings/app.ini:4:access_key_id commit=$C5 blob=$b1m
	settings/app.ini:5:secret_access_key commit=$C5 blob=$b1m
	EOF
    q history.json "1 loc" | sed "s/ removed_in=.*//" >actual
    test_cmp expect actual
'

test_expect_success 'k1 removed_in: each blob at each path, removed by the commit that replaced it' '
    # removed_in (schema): "the commit on HEAD first-parent line that removed this blob from
    # this path; null if it is still there". C3 replaced the first blob of config/app.ini;
    # C5 moved the second one away from config/app.ini (it lives on at settings/, backup/).
    cat >expect <<-EOF
	backup/app.ini.bak:4 $C7 -
	backup/app.ini.bak:5 $C7 -
	config/app.ini:2 $C1 $C3
	config/app.ini:3 $C1 $C3
	config/app.ini:4 $C3 $C5
	config/app.ini:5 $C3 $C5
	settings/app.ini:4 $C5 -
	settings/app.ini:5 $C5 -
	EOF
    q history.json "1 loc" |
        sed "s/^\([^:]*:[0-9]*\):[a-z_]* commit=\([0-9a-f]*\) blob=[0-9a-f]* removed_in=/\1 \2 /" >actual
    test_cmp expect actual
'

test_expect_success 'a key still at HEAD: exposure head, every branch tip that has it' '
    echo "exposure=head branches=feature,main,origin/wip,topic secret=ok" >expect
    q history.json "1 finding" >actual
    test_cmp expect actual
'

test_expect_success 'a rotated key (replaced in C4) is removed in C4 and still at the feature tip' '
    b2=$(git -C "$R" rev-parse "$C2:deploy/creds.env")
    cat >expect <<-EOF
	exposure=branch branches=feature secret=ok
	deploy/creds.env:2:access_key_id commit=$C2 blob=$b2 removed_in=$C4
	deploy/creds.env:3:secret_access_key commit=$C2 blob=$b2 removed_in=$C4
	EOF
    { q history.json "2 finding"; q history.json "2 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'a deleted key: only in history, removed in C6' '
    b3=$(git -C "$R" rev-parse "$C4:deploy/creds.env")
    cat >expect <<-EOF
	exposure=history branches= secret=ok
	deploy/creds.env:2:access_key_id commit=$C4 blob=$b3 removed_in=$C6
	deploy/creds.env:3:secret_access_key commit=$C4 blob=$b3 removed_in=$C6
	EOF
    { q history.json "3 finding"; q history.json "3 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'a key only on a side branch: exposure branch, never on HEAD so never removed' '
    b4=$(git -C "$R" rev-parse "$F1:src/feature.py")
    cat >expect <<-EOF
	exposure=branch branches=feature secret=ok
	src/feature.py:2:access_key_id commit=$F1 blob=$b4 removed_in=-
	src/feature.py:3:secret_access_key commit=$F1 blob=$b4 removed_in=-
	EOF
    { q history.json "4 finding"; q history.json "4 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'a key only in a tagged commit: history, no branch' '
    b5=$(git -C "$R" rev-parse "$T1:release/bundle.txt")
    cat >expect <<-EOF
	exposure=history branches= secret=ok
	release/bundle.txt:1:access_key_id commit=$T1 blob=$b5 removed_in=-
	release/bundle.txt:2:secret_access_key commit=$T1 blob=$b5 removed_in=-
	EOF
    { q history.json "5 finding"; q history.json "5 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'a key only on a remote-tracking branch' '
    b6=$(git -C "$R" rev-parse "$R1:wip.txt")
    cat >expect <<-EOF
	exposure=branch branches=origin/wip secret=ok
	wip.txt:2:access_key_id commit=$R1 blob=$b6 removed_in=-
	wip.txt:3:secret_access_key commit=$R1 blob=$b6 removed_in=-
	EOF
    { q history.json "6 finding"; q history.json "6 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'a key merged from a branch belongs to the branch commit, not the merge' '
    b7=$(git -C "$R" rev-parse "$P1:service/key.txt")
    cat >expect <<-EOF
	exposure=head branches=main,topic secret=ok
	service/key.txt:3:access_key_id commit=$P1 blob=$b7 removed_in=-
	service/key.txt:4:secret_access_key commit=$P1 blob=$b7 removed_in=-
	EOF
    { q history.json "7 finding"; q history.json "7 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'a key added by the merge commit itself belongs to the merge' '
    b8=$(git -C "$R" rev-parse "$M:evil.txt")
    cat >expect <<-EOF
	exposure=head branches=main secret=ok
	evil.txt:1:access_key_id commit=$M blob=$b8 removed_in=-
	evil.txt:2:secret_access_key commit=$M blob=$b8 removed_in=-
	EOF
    { q history.json "8 finding"; q history.json "8 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'uncommitted keys: untracked, modified and ignored files, exposure worktree' '
    for k in 11 12 13; do
        q history.json "$k finding"
    done >actual
    printf "exposure=worktree branches= secret=ok\n%.0s" 1 2 3 >expect
    test_cmp expect actual
    cat >expect <<-EOF
	$R/untracked.txt:1:access_key_id commit=- blob=- removed_in=-
	$R/untracked.txt:2:secret_access_key commit=- blob=- removed_in=-
	$R/README.md:2:access_key_id commit=- blob=- removed_in=-
	$R/README.md:3:secret_access_key commit=- blob=- removed_in=-
	$R/debug.log:1:access_key_id commit=- blob=- removed_in=-
	$R/debug.log:2:secret_access_key commit=- blob=- removed_in=-
	EOF
    for k in 11 12 13; do
        q history.json "$k loc"
    done >actual
    test_cmp expect actual
'

test_expect_success 'every commit of the report: id, author, author and committer time (UTC), summary' '
    fx expect-commits "$R" "$C1" "$C2" "$C3" "$C4" "$C5" "$C7" "$F1" "$T1" "$R1" "$P1" "$M" >expect
    q history.json commit >actual
    test_cmp expect actual
    # The dates are 10:00 and 11:30 at +02:00 on the first day: UTC 08:00 and 09:30.
    echo "$C1|A U Thor <author@example.com>|2021-03-01T08:00:00Z|2021-03-01T09:30:00Z|add config" >expect
    grep "^$C1|" actual >actual1
    test_cmp expect actual1
'

test_expect_success 'the text report names the commit of a history location' '
    run_cmd sesame scan "$R"
    expect_rc 1
    expect_grep -F "$(key 3)" out
    expect_grep -F "deploy/creds.env:2:" out
    expect_grep -F "${C4:0:7}" out
    expect_no_grep -F "$(secret 3)" out
'

test_expect_success '--all-objects also finds the rewritten-away commit and the dangling blob' '
    scan_json all.json --all-objects "$R"
    expect_status 1 all.json
    expect_keys all.json "1 2 3 4 5 6 7 8 9 10 11 12 13"
    blobs=$(blob_count "$R" --all-objects)
    echo "git: $blobs blobs in the object database"
    test "$blobs" -eq 14
    expect_q all.json "scan files" $((blobs + 3))
    b9=$(git -C "$R" rev-parse "$U1:leak.txt")
    cat >expect <<-EOF
	leak.txt:1:access_key_id commit=$U1 blob=$b9 removed_in=-
	leak.txt:2:secret_access_key commit=$U1 blob=$b9 removed_in=-
	(unreachable blob):2:access_key_id commit=- blob=$D removed_in=-
	(unreachable blob):3:secret_access_key commit=- blob=$D removed_in=-
	EOF
    { q all.json "9 loc"; q all.json "10 loc"; } >actual
    test_cmp expect actual
    # The other findings are the same as without --all-objects.
    for k in 1 2 3 4 5 6 7 8 11 12 13; do
        q all.json "$k finding" && q all.json "$k loc"
    done >actual
    for k in 1 2 3 4 5 6 7 8 11 12 13; do
        q history.json "$k finding" && q history.json "$k loc"
    done >expect
    test_cmp expect actual
'

test_expect_success '--all-objects: a dangling blob is exposure unreachable' '
    echo "exposure=unreachable branches= secret=ok" >expect
    q all.json "10 finding" >actual
    test_cmp expect actual
'

test_expect_success '--all-objects: a commit no ref reaches (history rewritten) is exposure unreachable' '
    echo "exposure=unreachable branches= secret=ok" >expect
    q all.json "9 finding" >actual
    test_cmp expect actual
'

test_expect_success '--all-objects with every ref deleted: the orphaned commit is still scanned' '
    git init -q norefs
    cd norefs
    creds 14 >k.txt
    git add k.txt && commit -m "the only commit"
    C=$(git rev-parse HEAD)
    git update-ref -d "$(git symbolic-ref HEAD)"
    rm -rf .git/logs k.txt
    git reset -q
    cd ..
    scan_json norefs.json norefs
    expect_status 0 norefs.json
    scan_json norefs-all.json --all-objects norefs
    expect_status 1 norefs-all.json
    expect_keys norefs-all.json "14"
    expect_q norefs-all.json "14 finding" "exposure=unreachable branches= secret=ok"
    q norefs-all.json "14 loc" | grep -q "^k.txt:1:access_key_id commit=$C "
'

test_expect_success '--no-history scans the checked-out files only, as a plain directory' '
    scan_json plain.json --no-history "$R"
    expect_status 1 plain.json
    expect_keys plain.json "1 7 8 11 12 13"
    files=$(cd "$R" && find . -path ./.git -prune -o -type f -print | wc -l)
    expect_q plain.json "scan files" "$files"
    cat >expect <<-EOF
	exposure=file branches= secret=ok
	$R/backup/app.ini.bak:4:access_key_id commit=- blob=- removed_in=-
	$R/backup/app.ini.bak:5:secret_access_key commit=- blob=- removed_in=-
	$R/settings/app.ini:4:access_key_id commit=- blob=- removed_in=-
	$R/settings/app.ini:5:secret_access_key commit=- blob=- removed_in=-
	EOF
    { q plain.json "1 finding"; q plain.json "1 loc"; } >actual
    test_cmp expect actual
'

test_expect_success 'the same repository gives the same report (threads do not matter)' '
    scan_json one.json -j 1 "$R"
    scan_json many.json -j 8 "$R"
    test_cmp one.json.txt many.json.txt
    test_cmp history.json.txt many.json.txt
'

test_expect_success 'two repositories in one run: each location has the provenance and exposure of its own' '
    # Provenance of a whole history is worked out after the scan, repository by
    # repository: working out the first must not drop the second one'"'"'s; and exposure
    # is asked of the repository the location is in.
    git init -q other
    (cd other && creds 14 >old.env && git add . && commit -m "leak in other" &&
        git rm -q old.env && echo x >x && git add x && commit -m "remove it")
    O1=$(git -C other rev-parse HEAD~1)
    O2=$(git -C other rev-parse HEAD)
    b14=$(git -C other rev-parse HEAD~1:old.env)
    scan_json two.json "$R" other
    expect_keys two.json "1 2 3 4 5 6 7 8 11 12 13 14"
    cat >expect <<-EOF
	exposure=history branches= secret=ok
	old.env:1:access_key_id commit=$O1 blob=$b14 removed_in=$O2
	old.env:2:secret_access_key commit=$O1 blob=$b14 removed_in=$O2
	EOF
    { q two.json "14 finding"; q two.json "14 loc"; } >actual
    test_cmp expect actual &&
    q two.json "1 loc" >actual &&
    q history.json "1 loc" >expect &&
    test_cmp expect actual
'

test_schema_checked
test_done
