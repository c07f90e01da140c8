#!/usr/bin/env bash
# Git scans other than "the whole history of a work tree": --rev-range (main..feature
# reports exactly what feature introduced, even after merging main into feature),
# --since-commit, --staged, and repository shapes: bare, a .git directory, a linked
# worktree, a shallow clone, a submodule, a stash, a note, an empty repository, a tag that
# points at a blob, packed refs and objects, alternates, a repository owned by someone else.
#
# The range repository (key N is `creds N`):
#
#   main:    M1 a.txt (k20) -- M2 b.txt (k22) -- M3 c.txt (k24)
#   feature:   \-- F1 f.txt (k21) -- FM (merge of M2, clean) -- F2 g.txt (k23)
#                                    -- FM2 (merge of M3, adds evil.txt (k25) itself)
#   working tree (on main): untracked.txt (k26)
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

R="$TRASH/rr"

test_expect_success 'build the range repository' '
    git init -q rr
    cd rr
    creds 20 >a.txt
    git add . && commit -m "main: a"
    M1=$(git rev-parse HEAD)
    git checkout -q -b feature
    { echo f; creds 21; } >f.txt
    git add . && commit -m "feature: f"
    F1=$(git rev-parse HEAD)
    git checkout -q main
    creds 22 >b.txt
    git add . && commit -m "main: b"
    M2=$(git rev-parse HEAD)
    git checkout -q feature
    test_tick=$((test_tick + 1))
    GIT_AUTHOR_DATE="2021-03-${test_tick}T10:00:00+02:00" \
        GIT_COMMITTER_DATE="2021-03-${test_tick}T11:30:00+02:00" \
        git merge -q --no-ff -m "merge main into feature" main
    FM=$(git rev-parse HEAD)
    { echo g; echo g; creds 23; } >g.txt
    git add . && commit -m "feature: g"
    F2=$(git rev-parse HEAD)
    git checkout -q main
    creds 24 >c.txt
    git add . && commit -m "main: c"
    M3=$(git rev-parse HEAD)
    git checkout -q feature
    git merge -q --no-ff --no-commit main
    creds 25 >evil.txt
    git add evil.txt
    commit -m "merge main into feature again"
    FM2=$(git rev-parse HEAD)
    git checkout -q main
    creds 26 >untracked.txt
    test "$(git rev-parse "$FM2^2")" = "$M3"
    for v in M1 M2 M3 F1 FM F2 FM2; do
        eval "echo $v=\$$v"
    done >"$TRASH/ids.sh"
    cat "$TRASH/ids.sh"
'
. "$TRASH/ids.sh" 2>/dev/null

test_expect_success 'the whole history: every key, including the untracked file' '
    scan_json rr.json "$R"
    expect_status 1 rr.json
    echo "20 21 22 23 24 25 26" >expect
    q rr.json keys >actual
    test_cmp expect actual
'

test_expect_success '--rev-range main..feature: exactly the keys feature introduced, merges of main excluded' '
    scan_json range.json --rev-range main..feature "$R"
    expect_status 1 range.json
    echo "21 23 25" >expect
    q range.json keys >actual
    test_cmp expect actual
    cat >expect <<-EOF
	f.txt:2:access_key_id commit=$F1 blob=$(git -C "$R" rev-parse "$F1:f.txt")
	f.txt:3:secret_access_key commit=$F1 blob=$(git -C "$R" rev-parse "$F1:f.txt")
	g.txt:3:access_key_id commit=$F2 blob=$(git -C "$R" rev-parse "$F2:g.txt")
	g.txt:4:secret_access_key commit=$F2 blob=$(git -C "$R" rev-parse "$F2:g.txt")
	evil.txt:1:access_key_id commit=$FM2 blob=$(git -C "$R" rev-parse "$FM2:evil.txt")
	evil.txt:2:secret_access_key commit=$FM2 blob=$(git -C "$R" rev-parse "$FM2:evil.txt")
	EOF
    for k in 21 23 25; do
        q range.json "$k loc" | sed "s/ removed_in=.*//"
    done >actual
    test_cmp expect actual
    # Only the three blobs feature introduced were read: not main, not the working tree.
    expect_q range.json "scan files" 3
'

test_expect_success '--rev-range feature..main: main has nothing feature lacks, exit 0' '
    # FM2 merged M3, so feature..main is empty.
    test -z "$(git -C "$R" rev-list feature..main)"
    scan_json range2.json --rev-range feature..main "$R"
    expect_status 0 range2.json
    expect_keys range2.json ""
    expect_q range2.json "scan files" 0
'

test_expect_success '--rev-range M1..M2 and full ids work; a range with nothing new exits 0' '
    scan_json r3.json --rev-range "$M1..$M2" "$R"
    expect_status 1 r3.json
    expect_keys r3.json 22
    scan_json r4.json --rev-range "$M3..main" "$R"
    expect_status 0 r4.json
    expect_keys r4.json ""
    expect_q r4.json "scan files" 0
'

test_expect_success '--since-commit M1 (= M1..HEAD, HEAD is main): keys of M2 and M3' '
    scan_json since.json --since-commit "$M1" "$R"
    expect_status 1 since.json
    expect_keys since.json "22 24"
    q since.json "24 loc" | grep -q "^c.txt:1:access_key_id commit=$M3 "
    scan_json since2.json --since-commit HEAD "$R"
    expect_status 0 since2.json
    expect_keys since2.json ""
'

test_expect_success 'a bad revision is a usage error (exit 2) naming it' '
    run_cmd sesame scan --rev-range main..nosuchbranch "$R"
    expect_rc 2
    expect_grep -F nosuchbranch err
    run_cmd sesame scan --since-commit nosuchcommit "$R"
    expect_rc 2
    expect_grep -F nosuchcommit err
'

test_expect_success '--rev-range, --since-commit and --staged on a plain directory: usage error' '
    mkdir -p plain
    creds 27 >plain/x.txt
    run_cmd sesame scan --rev-range a..b plain
    expect_rc 2
    run_cmd sesame scan --staged plain
    expect_rc 2
'

test_expect_success '--staged: the staged key only, not the committed, unstaged or untracked ones' '
    git init -q st
    cd st
    creds 30 >committed.txt
    echo harmless >tracked.txt
    git add . && commit -m base
    { echo staged; creds 31; } >staged.txt
    git add staged.txt
    { echo harmless; creds 32; } >tracked.txt
    creds 33 >untracked.txt
    # The work tree copy of staged.txt then changes: the index is what gets committed.
    { echo staged; creds 34; } >staged.txt
    cd ..
    scan_json staged.json --staged st
    expect_status 1 staged.json
    expect_keys staged.json 31
    blob=$(git -C st rev-parse :staged.txt)
    cat >expect <<-EOF
	staged.txt:2:access_key_id commit=- blob=$blob removed_in=-
	staged.txt:3:secret_access_key commit=- blob=$blob removed_in=-
	EOF
    q staged.json "31 loc" >actual
    test_cmp expect actual
    expect_q staged.json "scan files" 1
    git -C st reset -q
    scan_json staged2.json --staged st
    expect_status 0 staged2.json
    expect_q staged2.json "scan files" 0
'

test_expect_success 'issue 11: --staged content is uncommitted, not "only in unreachable objects"' '
    git init -q stx
    echo harmless >stx/a.txt
    git -C stx add a.txt
    (cd stx && commit -m base)
    creds 36 >stx/s.env
    git -C stx add s.env
    scan_json stx.json --staged stx
    check expect_status 1 stx.json
    check expect_keys stx.json 36
    check expect_q stx.json "36 finding" "exposure=worktree branches= secret=ok"
    run_cmd sesame scan --staged stx
    check expect_rc 1
    check expect_grep "uncommitted" out
    check expect_no_grep "unreachable" out
    check expect_no_grep "stays in git history" out
    checks_passed
'

test_expect_success 'issue 11: a whole scan reads staged content the work tree no longer has' '
    # staged with key 37, then the file edited (or deleted): the next commit takes key 37
    git init -q sty
    echo harmless >sty/a.txt
    git -C sty add a.txt
    (cd sty && commit -m base)
    creds 37 >sty/s.env
    { echo b; creds 38; } >sty/b.env
    git -C sty add s.env b.env
    echo "edited since" >sty/s.env
    rm sty/b.env
    scan_json sty.json sty
    check expect_status 1 sty.json
    check expect_keys sty.json "37 38"
    check expect_q sty.json "37 finding" "exposure=worktree branches= secret=ok"
    check expect_q sty.json "38 finding" "exposure=worktree branches= secret=ok"
    check has_loc sty.json 37 "s.env:1:access_key_id commit=- blob=$(git -C sty rev-parse :s.env)"
    # --all-objects finds the same blobs: still staged, not "unreachable"; and a staged
    # file the work tree still has is at its path, not "(unreachable blob)"
    creds 39 >sty/c.env
    git -C sty add c.env
    scan_json sty-all.json --all-objects sty
    check expect_q sty-all.json "37 finding" "exposure=worktree branches= secret=ok"
    check expect_q sty-all.json "39 finding" "exposure=worktree branches= secret=ok"
    q sty-all.json "39 loc"
    check has_loc sty-all.json 39 "c.env:1:access_key_id commit=- blob=$(git -C sty rev-parse :c.env)"
    check test -z "$(q sty-all.json "39 loc" | grep unreachable)"
    checks_passed
'

test_expect_success '--staged in a repository without commits: every staged file' '
    git init -q st0
    creds 35 >st0/first.txt
    git -C st0 add first.txt
    scan_json st0.json --staged st0
    expect_status 1 st0.json
    expect_keys st0.json 35
'

test_expect_success 'a bare clone: the same history, no working tree' '
    git clone -q --bare "$R" rr.git
    scan_json bare.json rr.git
    expect_status 1 bare.json
    expect_keys bare.json "20 21 22 23 24 25"
    for k in 20 21 22 23 24 25; do
        q rr.json "$k loc" | sed "s/ removed_in=.*//"
    done >expect
    for k in 20 21 22 23 24 25; do
        q bare.json "$k loc" | sed "s/ removed_in=.*//"
    done >actual
    test_cmp expect actual
    expect_q bare.json "scan files" "$(blob_count rr.git)"
'

# A whole history is planned tree by tree and attributed after the scan; a range commit by
# commit before it. Over the same commits both must give the same places and commits.
test_expect_success 'the whole history of one branch = --rev-range of that branch (two planners agree)' '
    git clone -q --bare --single-branch --branch feature "$R" fonly.git
    scan_json fwhole.json fonly.git
    expect_status 1 fwhole.json
    scan_json frange.json fonly.git --rev-range feature
    expect_status 1 frange.json
    expect_keys fwhole.json "20 21 22 23 24 25"
    expect_keys frange.json "20 21 22 23 24 25"
    for k in 20 21 22 23 24 25; do q fwhole.json "$k loc"; q fwhole.json "$k finding"; done >expect
    for k in 20 21 22 23 24 25; do q frange.json "$k loc"; q frange.json "$k finding"; done >actual
    test_cmp expect actual
    q fwhole.json commit >expect
    q frange.json commit >actual
    test_cmp expect actual
'

test_expect_success 'REPO/.git as the path: the same report as REPO' '
    scan_json dotgit.json "$R/.git"
    expect_status 1 dotgit.json
    test_cmp rr.json.txt dotgit.json.txt
'

test_expect_success 'a shallow clone (--depth 1): the tip tree, introduced by the tip commit, truncation said' '
    git clone -q --depth 1 "file://$R" shallow
    test -f shallow/.git/shallow
    tip=$(git -C shallow rev-parse HEAD)
    test "$tip" = "$M3"
    scan_json shallow.json shallow
    check expect_keys shallow.json "20 22 24"
    check expect_status 7 shallow.json
    check expect_q shallow.json "scan errors" 0
    check grep -q "shallow repository: the history is truncated at 1 boundary commit" shallow.json.err
    for k in 20 22 24; do
        q shallow.json "$k loc" | sed "s/:[a-z_]* commit=\([0-9a-f]*\) .*/ \1/"
    done >actual
    printf "%s $tip\n" a.txt:1 a.txt:2 b.txt:1 b.txt:2 c.txt:1 c.txt:2 >expect
    check test_cmp expect actual
    check expect_no_grep -i "error\|cannot\|missing\|stopped" shallow.json.err
    scan_json shallow-ok.json --allow-shallow shallow
    check expect_status 1 shallow-ok.json
    check expect_keys shallow-ok.json "20 22 24"
    checks_passed
'

test_expect_success 'a shallow clone (--depth 2): the boundary commits introduce their whole trees' '
    git clone -q --depth 2 --branch feature "file://$R" shallow2
    scan_json shallow2.json shallow2
    check expect_keys shallow2.json "20 21 22 23 24 25"
    check expect_status 7 shallow2.json
    check expect_q shallow2.json "scan errors" 0
    check has_loc shallow2.json 25 "evil.txt:1:access_key_id commit=$FM2 "
    checks_passed
'

test_expect_success 'a submodule is skipped with a warning, the superproject is scanned' '
    git init -q sub
    creds 51 >sub/sub.txt
    git -C sub add . && (cd sub && commit -m "sub: key")
    git init -q super
    cd super
    creds 50 >super.txt
    git add . && commit -m "super: key"
    git -c protocol.file.allow=always submodule -q add "file://$TRASH/sub" sub
    commit -m "add submodule"
    cd ..
    test -f super/sub/sub.txt
    scan_json super.json super
    expect_status 1 super.json
    expect_keys super.json 50
    expect_grep -i submodule super.json.err
    test "$(grep -ci submodule super.json.err)" -eq 1
'

test_expect_success 'the latest stash (with its untracked files) is scanned' '
    git init -q stash
    cd stash
    echo harmless >app.ini
    git add . && commit -m base
    { echo harmless; creds 60; } >app.ini
    git stash -q
    creds 61 >new.txt
    git stash -q -u
    test -z "$(git status --porcelain)"
    S0=$(git rev-parse stash@{0})
    S1=$(git rev-parse stash@{1})
    echo "S0=$S0 S1=$S1" >"$TRASH/stash-ids.sh"
    cd ..
    scan_json stash.json stash
    expect_status 1 stash.json
    q stash.json "61 loc" >actual
    u=$(git -C stash rev-parse "$S0^3")
    cat >expect <<-EOF
	new.txt:1:access_key_id commit=$u blob=$(git -C stash rev-parse "$u:new.txt") removed_in=-
	new.txt:2:secret_access_key commit=$u blob=$(git -C stash rev-parse "$u:new.txt") removed_in=-
	EOF
    test_cmp expect actual
'

# README: "every blob reachable from any ref (branches, tags, remotes, stash, notes)".
# refs/stash names only the latest entry; the older ones live in its reflog, which
# `git stash list` shows and `git fsck` counts as reachable. A user who stashed a key
# expects it found whichever entry it is in.
test_expect_success 'older stash entries (stash@{1}, only in the stash reflog) are scanned too' '
    . "$TRASH/stash-ids.sh"
    test "$(git -C stash stash list | wc -l)" -eq 2
    expect_keys stash.json "60 61"
    q stash.json "60 loc" | grep -q "^app.ini:2:access_key_id commit=$S1 "
'

test_expect_success 'a key in a git note: path is the annotated commit, commit is the notes commit' '
    git init -q notes
    cd notes
    echo hello >readme
    git add . && commit -m base
    test_tick=$((test_tick + 1))
    GIT_AUTHOR_DATE="2021-03-${test_tick}T10:00:00+02:00" \
        GIT_COMMITTER_DATE="2021-03-${test_tick}T11:30:00+02:00" \
        git notes add -m "$(creds 70)" HEAD
    head=$(git rev-parse HEAD)
    nc=$(git rev-parse refs/notes/commits)
    blob=$(git rev-parse "refs/notes/commits:$head")
    cd ..
    scan_json notes.json notes
    expect_status 1 notes.json
    expect_keys notes.json 70
    cat >expect <<-EOF
	$head:1:access_key_id commit=$nc blob=$blob removed_in=-
	$head:2:secret_access_key commit=$nc blob=$blob removed_in=-
	EOF
    q notes.json "70 loc" >actual
    test_cmp expect actual
'

test_expect_success 'an empty repository: exit 0, nothing read, no warning' '
    git init -q empty
    scan_json empty.json empty
    expect_status 0 empty.json
    expect_keys empty.json ""
    expect_q empty.json "scan files" 0
    expect_q empty.json "scan errors" 0
    test ! -s empty.json.err
    git init -q --bare empty.git
    scan_json emptybare.json empty.git
    expect_status 0 emptybare.json
    test ! -s emptybare.json.err
    run_cmd sesame scan --rev-range main..main empty
    test "$rc" -eq 0 || test "$rc" -eq 2
'

test_expect_success 'an empty repository with an untracked key: exposure worktree' '
    git init -q empty2
    creds 71 >empty2/first.txt
    scan_json empty2.json empty2
    expect_status 1 empty2.json
    expect_q empty2.json "71 finding" "exposure=worktree branches= secret=ok"
'

test_expect_success 'a tag that points straight at a blob: the blob is scanned' '
    git init -q blobtag
    cd blobtag
    echo hello >readme
    git add . && commit -m base
    creds 72 >k.txt
    blob=$(git hash-object -w k.txt)
    rm k.txt
    git tag keyblob "$blob"
    cd ..
    scan_json blobtag.json blobtag
    check expect_keys blobtag.json 72
    check expect_status 1 blobtag.json
    check expect_q blobtag.json "scan files" "$(blob_count blobtag)"
    check grep -q "^72 loc .* blob=$blob " blobtag.json.txt
    # a ref reaches it: in history, not "only in unreachable objects" (issue 11)
    check expect_q blobtag.json "72 finding" "exposure=history branches= secret=ok"
    checks_passed
'

test_expect_success 'packed refs and packed objects (gc): the same findings' '
    git clone -q --no-local "$R" packed
    git -C packed checkout -q -b feature origin/feature
    git -C packed checkout -q main
    git -C packed gc -q --aggressive
    git -C packed pack-refs --all --prune
    test -s packed/.git/packed-refs
    test -z "$(find packed/.git/refs/heads -type f)"
    test -z "$(find packed/.git/objects -path "*/objects/[0-9a-f][0-9a-f]/*" -type f)"
    scan_json packed.json packed
    expect_status 1 packed.json
    expect_keys packed.json "20 21 22 23 24 25"
    for k in 20 21 22 23 24 25; do
        q rr.json "$k loc" | sed "s/ removed_in=.*//"
    done >expect
    for k in 20 21 22 23 24 25; do
        q packed.json "$k loc" | sed "s/ removed_in=.*//"
    done >actual
    test_cmp expect actual
'

test_expect_success 'objects borrowed through alternates (clone --shared)' '
    git clone -q --shared "$R" alt
    test -s alt/.git/objects/info/alternates
    test -z "$(find alt/.git/objects -path "*/objects/[0-9a-f][0-9a-f]/*" -type f)"
    scan_json alt.json alt
    expect_status 1 alt.json
    expect_keys alt.json "20 21 22 23 24 25"
    expect_q alt.json "scan errors" 0
    for k in 20 21 22 23 24 25; do
        q rr.json "$k loc" | sed "s/ removed_in=.*//"
    done >expect
    for k in 20 21 22 23 24 25; do
        q alt.json "$k loc" | sed "s/ removed_in=.*//"
    done >actual
    test_cmp expect actual
'

if [ "$(id -u)" = 0 ]; then
    test_expect_success 'a repository owned by another user (safe.directory) is scanned' '
        git clone -q --no-local "$R" owned
        chown -R 65534:65534 owned
        if git -C owned status >/dev/null 2>git.err; then
            echo "git status worked in a repository owned by another user"
            exit 1
        fi
        grep -q "dubious ownership" git.err
        scan_json owned.json owned
        check expect_status 1 owned.json
        # k21, k23 and k25 are only in history (origin/feature): a plain-directory scan
        # of the checkout would miss them.
        check expect_keys owned.json "20 21 22 23 24 25"
        check has_loc owned.json 21 "f.txt:2:access_key_id commit=$F1 "
        check expect_q owned.json "scan errors" 0
        checks_passed
    '
else
    test_skip 'a repository owned by another user (safe.directory) is scanned' 'needs root to chown'
fi

# Last: the worktree adds a branch (wtbranch) to the range repository.
test_expect_success 'a linked worktree: shared history, its own HEAD and its own uncommitted files' '
    git -C "$R" worktree add -q "$TRASH/wt" -b wtbranch main
    cd wt
    creds 40 >wt.txt
    git add wt.txt && commit -m "worktree: wt"
    W1=$(git rev-parse HEAD)
    creds 41 >wt-untracked.txt
    cd ..
    scan_json wt.json "$TRASH/wt"
    expect_status 1 wt.json
    expect_keys wt.json "20 21 22 23 24 25 40 41"
    cat >expect <<-EOF
	exposure=head branches=wtbranch secret=ok
	wt.txt:1:access_key_id commit=$W1 blob=$(git -C wt rev-parse HEAD:wt.txt) removed_in=-
	wt.txt:2:secret_access_key commit=$W1 blob=$(git -C wt rev-parse HEAD:wt.txt) removed_in=-
	exposure=worktree branches= secret=ok
	$TRASH/wt/wt-untracked.txt:1:access_key_id commit=- blob=- removed_in=-
	$TRASH/wt/wt-untracked.txt:2:secret_access_key commit=- blob=- removed_in=-
	EOF
    { q wt.json "40 finding"; q wt.json "40 loc"; q wt.json "41 finding"; q wt.json "41 loc"; } >actual
    test_cmp expect actual
    # From the main work tree: k40 is on a branch only, k41 is not ours.
    scan_json rr-wt.json "$R"
    expect_status 1 rr-wt.json
    expect_keys rr-wt.json "20 21 22 23 24 25 26 40"
    expect_q rr-wt.json "40 finding" "exposure=branch branches=wtbranch secret=ok"
'

# An archive blob is opened (its members reported as archive!member) and a blob over the
# in-memory limit (64 MiB) is streamed in chunks; both still carry their commit.
test_expect_success 'an archive and a 65 MiB blob in history: members and late lines attributed' '
    git init -q arch
    cd arch
    mkdir lib
    creds 60 >inner.txt
    python3 -c "import zipfile; z = zipfile.ZipFile(\"lib/x.zip\", \"w\", zipfile.ZIP_DEFLATED); z.write(\"inner.txt\"); z.close()"
    rm inner.txt
    git add . && commit -m "an archive"
    A1=$(git rev-parse HEAD)
    python3 -c "import sys; sys.stdout.write(\"filler line of text\\n\" * (65 * 1024 * 1024 // 20 + 1))" >big.txt
    creds 61 >>big.txt
    git add . && commit -m "a big file"
    A2=$(git rev-parse HEAD)
    git rm -q big.txt && commit -m "drop the big file"
    A3=$(git rev-parse HEAD)
    cd ..
    test "$(git -C arch cat-file -s "$A2:big.txt")" -gt $((64 * 1024 * 1024))
    Z=$(git -C arch rev-parse "$A1:lib/x.zip")
    BB=$(git -C arch rev-parse "$A2:big.txt")
    N=$((65 * 1024 * 1024 / 20 + 2))
    SESAME_TEST_TIMEOUT=180 scan_json arch.json arch
    expect_status 1 arch.json
    expect_keys arch.json "60 61"
    cat >expect <<-EOF
	lib/x.zip!inner.txt:1:access_key_id commit=$A1 blob=$Z removed_in=-
	lib/x.zip!inner.txt:2:secret_access_key commit=$A1 blob=$Z removed_in=-
	big.txt:$N:access_key_id commit=$A2 blob=$BB removed_in=$A3
	big.txt:$((N + 1)):secret_access_key commit=$A2 blob=$BB removed_in=$A3
	EOF
    { q arch.json "60 loc"; q arch.json "61 loc"; } >actual
    test_cmp expect actual
'

# The same directory (one tree object) at two paths, where a path filter excludes a file in
# one of them only: each distinct tree is read once, but a filter must be applied per path.
test_expect_success '--exclude over history: a tree shared by two paths is filtered per path' '
    git init -q ff
    cd ff
    mkdir -p a b vendor
    creds 50 >a/secret.txt
    echo readme >a/readme.txt
    cp a/secret.txt a/readme.txt b/
    creds 51 >vendor/lib.txt
    git add . && commit -m "two copies of one directory, and vendor"
    C1=$(git rev-parse HEAD)
    test "$(git rev-parse HEAD:a)" = "$(git rev-parse HEAD:b)"
    git rm -q vendor/lib.txt && commit -m "drop vendor"
    C2=$(git rev-parse HEAD)
    cd ..
    B=$(git -C ff rev-parse "$C1:a/secret.txt")
    scan_json ff.json ff --exclude a/secret.txt --exclude "vendor/**"
    expect_status 1 ff.json
    expect_keys ff.json "50"
    cat >expect <<-EOF
	b/secret.txt:1:access_key_id commit=$C1 blob=$B removed_in=-
	b/secret.txt:2:secret_access_key commit=$C1 blob=$B removed_in=-
	EOF
    q ff.json "50 loc" >actual
    test_cmp expect actual
    # The other way round (the first path seen is the one kept).
    scan_json ff2.json ff --exclude b/secret.txt
    expect_status 1 ff2.json
    expect_keys ff2.json "50 51"
    q ff2.json "50 loc" | cut -d: -f1 | sort -u >actual
    echo a/secret.txt >expect.a
    test_cmp expect.a actual
    expect_q ff2.json "51 loc" "vendor/lib.txt:1:access_key_id commit=$C1 blob=$(git -C ff rev-parse "$C1:vendor/lib.txt") removed_in=$C2
vendor/lib.txt:2:secret_access_key commit=$C1 blob=$(git -C ff rev-parse "$C1:vendor/lib.txt") removed_in=$C2"
    # A range (every commit up to C2: planned commit by commit, not tree by tree)
    # applies the same filters.
    scan_json ffr.json ff --rev-range "$C2" --exclude a/secret.txt --exclude "vendor/**"
    expect_status 1 ffr.json
    expect_keys ffr.json "50"
    q ffr.json "50 loc" | sed "s/ removed_in=.*//" >actual
    sed "s/ removed_in=.*//" expect >expect.range
    test_cmp expect.range actual
'

test_expect_success 'two packs, loose objects and deep delta chains: the same findings' '
    git init -q dp
    cd dp
    seq 1 300 | sed "s/^/config line /" >big.txt
    for i in $(seq 1 24); do
        sed -i "${i}s/\$/ v$i/" big.txt
        case $i in
            5) creds 30 >k && sed -i "150r k" big.txt && rm k ;;
            8) sed -i "/aws_/d" big.txt ;;
            10) creds 31 >k && sed -i "200r k" big.txt && rm k ;;
        esac
        git add big.txt
        commit -m "big $i"
        # commits 1-4 in one pack, 5-9 in another, the rest loose
        if [ $i = 4 ] || [ $i = 9 ]; then git repack -q; fi
    done
    C8=$(git rev-parse HEAD~16)
    cd ..
    test "$(ls dp/.git/objects/pack/*.idx | wc -l)" = 2
    test -n "$(find dp/.git/objects -path "*/objects/[0-9a-f][0-9a-f]/*" -type f)"
    scan_json dp.json dp
    expect_status 1 dp.json
    expect_keys dp.json "30 31"
    expect_q dp.json "scan errors" 0
    # the same history as one pack whose blobs are deltas 8 deep and more
    git clone -q --no-local --bare dp dp1.git
    git -C dp1.git repack -adfq --depth=50 --window=50
    depth=$(git verify-pack -v dp1.git/objects/pack/*.idx |
        awk "\$2 == \"blob\" && NF >= 7 && \$6 > m { m = \$6 } END { print m + 0 }")
    test "$depth" -ge 8
    scan_json dp1.json dp1.git
    expect_q dp1.json "scan errors" 0
    for k in 30 31; do q dp.json "$k loc"; q dp.json "$k finding"; done >expect
    for k in 30 31; do q dp1.json "$k loc"; q dp1.json "$k finding"; done >actual
    test_cmp expect actual
    # key 30: in the blobs of "big 5" to "big 7" (each replaced by the next commit), and
    # the last of them removed by "big 8"
    test "$(q dp1.json "30 loc" | grep -c ":access_key_id ")" = 3
    test "$(q dp1.json "30 loc" | grep -c "removed_in=$C8")" = 2
'

test_expect_success 'ignored directories are walked (excluded ones are not), untracked repos too' '
    git init -q ig
    cd ig
    printf "out/\n*.log\n" >.gitignore
    echo hello >README.md
    git add . && commit -m "ignores"
    mkdir -p out/deep/er out/skip nested
    creds 40 >out/deep/er/a.txt
    creds 41 >out/skip/b.txt
    creds 42 >x.log
    ln -s ../../README.md out/deep/link.txt
    git -C nested init -q
    creds 43 >nested/n.txt
    cd ..
    scan_json ig.json ig
    expect_status 1 ig.json
    expect_keys ig.json "40 41 42 43"
    expect_q ig.json "scan errors" 0
    expect_q ig.json "40 loc" "ig/out/deep/er/a.txt:1:access_key_id commit=- blob=- removed_in=-
ig/out/deep/er/a.txt:2:secret_access_key commit=- blob=- removed_in=-"
    expect_q ig.json "43 finding" "exposure=worktree branches= secret=ok"
    scan_json ig2.json ig --exclude "out/skip/**" --exclude nested
    expect_keys ig2.json "40 42"
    scan_json ig3.json ig --exclude "out"
    expect_keys ig3.json "42 43"
'

# An unreadable ignored directory. chmod 000 does not stop root: then sesame runs as
# nobody (setpriv), on a copy everyone else may read.
if [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null; then
    test_expect_success 'an unreadable ignored directory: warning naming it, counted, the rest scanned' '
        cp -r ig igl
        mkdir igl/out/locked
        creds 44 >igl/out/locked/c.txt
        as=
        if [ "$(id -u)" = 0 ]; then
            chmod -R a+rwX igl
            chmod a+x "$TRASH"
            as="setpriv --reuid=65534 --regid=65534 --clear-groups"
        fi
        chmod 000 igl/out/locked
        rc=0
        HOME=/nonexistent XDG_CACHE_HOME=/nonexistent $as "$SESAME_BIN" scan --format json \
            --show-secrets igl >igl.json 2>igl.err || rc=$?
        chmod 755 igl/out/locked
        test $rc = 7 # credentials found, and the scan was incomplete
        grep "warning: .*igl/out/locked.*cannot read directory" igl.err
        fx dump igl.json >igl.json.txt
        expect_keys igl.json "40 41 42 43"
        expect_q igl.json "scan errors" 1
    '
else
    test_skip 'an unreadable ignored directory: warning naming it, counted, the rest scanned' \
        'running as root without setpriv: no way to make a directory unreadable'
fi

test_schema_checked
test_done
