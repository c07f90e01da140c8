#!/usr/bin/env bash
# The server-side hook under real pushes: `git push` over file:// into bare repositories
# whose pre-receive hook was written by `sesame install-hook pre-receive --repo`, by the
# hooks/pre-receive script (options from git config), and by the GitLab pre-receive.d
# script. Clean pushes pass; a key only in a middle commit is rejected naming that
# commit and path:line without printing the secret; a new branch of 1,000 commits over
# a history that already holds a key reports only what the push adds; tags; deletions;
# force pushes; several refs in one push; the audited bypass; the time budget with
# fail-closed and fail-open policies; no network.
#
# Keys come from a fixed seed (tests/support/fakekeys.py): no key-shaped literal is in
# this file.
. "$(dirname "$0")/lib.sh"
setup

export HOME="$TRASH/home"
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
mkdir -p "$HOME"
git config --global user.name "Tess Ter"
git config --global user.email tess@example.org
git config --global init.defaultBranch main
git config --global advice.detachedHead false
git config --global advice.ignoredHook false
git config --global protocol.file.allow always

ZERO=0000000000000000000000000000000000000000

# run_cmd (lib.sh), and then no sanitizer report in its output: a hook that is expected
# to reject a push could otherwise hide one behind its non-zero exit status.
eval "lib_$(declare -f run_cmd)"
run_cmd() {
    lib_run_cmd "$@"
    if grep -qE "ERROR: [A-Za-z]+Sanitizer|runtime error: |SUMMARY: [A-Za-z]+Sanitizer" out err; then
        echo "sanitizer report from: $*"
        cat err
        return 1
    fi
}

# Sanitizer builds are slow: give every hook a large budget there, so that only the
# tests that force a budget see one run out.
EXTRA_OPTS=
if grep -qa __asan_init "$SESAME_BIN" 2>/dev/null; then
    EXTRA_OPTS="--budget-ms 600000"
fi

FAKEKEYS="$SESAME_SRC/tests/support/fakekeys.py"
key_id() { "$PYTHON" "$FAKEKEYS" --seed t0500 id "$1"; }
secret() { "$PYTHON" "$FAKEKEYS" --seed t0500 secret "$1"; }
# creds N: a credentials file; the key ID on line 2, the secret on line 3.
creds() { "$PYTHON" "$FAKEKEYS" --seed t0500 creds "$1"; }

# commit_file WC PATH CONTENT-COMMAND MESSAGE: write PATH with the output of the
# command, commit it.
commit_file() {
    local wc=$1 path=$2 gen=$3 msg=$4
    mkdir -p "$(dirname "$wc/$path")"
    eval "$gen" >"$wc/$path"
    git -C "$wc" add "$path"
    git -C "$wc" commit -q -m "$msg"
}

# set_hook_opts REPO OPTIONS: the options of an installed sesame hook, edited the way an
# administrator would (the file says the options are safe to edit).
set_hook_opts() {
    sed -i -e "s|hook pre-receive .*\"\$@\"|hook pre-receive $EXTRA_OPTS $2 \"\$@\"|" \
        "$1/hooks/pre-receive"
    grep -q "hook pre-receive $EXTRA_OPTS $2 \"\\\$@\"" "$1/hooks/pre-receive"
}

# push WC ARGS...: git push from WC; output in ./out and ./err, status in $rc.
push() {
    local wc=$1
    shift
    run_cmd git -C "$wc" push "$@"
}

# ref_is REPO REF OID|none
ref_is() {
    local got
    got=$(git -C "$1" rev-parse -q --verify "$2" 2>/dev/null) || got=none
    if [ "$got" != "$3" ]; then
        echo "$1: $2 is $got, expected $3"
        return 1
    fi
}

# gen_commits WC BRANCH FROM N [LEAK_AT KEY]: N commits on a new BRANCH from FROM with
# git fast-import, each adding gen/fNNNN.txt; with LEAK_AT, commit LEAK_AT (1-based)
# also adds gen/leak.env holding key KEY on line 3, and the next commit deletes it.
gen_commits() {
    local wc=$1 branch=$2 from=$3 n=$4 leak_at=${5:-0} key=${6:-0} kid= sec=
    if [ "$leak_at" -gt 0 ]; then
        kid=$(key_id "$key")
        sec=$(secret "$key")
    fi
    "$PYTHON" - "$branch" "$(git -C "$wc" rev-parse "$from")" "$n" "$leak_at" "$kid" "$sec" <<'EOF' |
import sys
branch, base, n, leak_at, kid, sec = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
out = sys.stdout
def data(s):
    b = s.encode()
    out.write("data %d\n" % len(b))
    out.write(s)
    out.write("\n")
for i in range(1, n + 1):
    out.write("commit refs/heads/%s\nmark :%d\n" % (branch, i))
    out.write("author Gen Erator <gen@example.org> %d +0000\n" % (1700000000 + i))
    out.write("committer Gen Erator <gen@example.org> %d +0000\n" % (1700000000 + i))
    data("generated commit %d" % i)
    out.write("from %s\n" % (base if i == 1 else ":%d" % (i - 1)))
    out.write("M 100644 inline gen/f%04d.txt\n" % i)
    data("file %d\nvalue = %d\n" % (i, i * 7919 % 10007))
    if i == leak_at:
        out.write("M 100644 inline gen/leak.env\n")
        data("# deploy settings\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nREGION=eu-west-1\n" % (kid, sec))
    if leak_at and i == leak_at + 1:
        out.write("D gen/leak.env\n")
EOF
    git -C "$wc" fast-import --quiet
}

# Compile the rules once into this test's cache: the first scan is the slow one.
mkdir -p "$TRASH/empty"
sesame scan --no-history -q "$TRASH/empty" >/dev/null 2>&1

test_expect_success 'setup: a server whose history already holds a key, then the hook' '
    git init -q --bare srv.git
    git clone -q "file://$TRASH/srv.git" wc 2>/dev/null
    commit_file wc README.md "echo hello" "initial"
    commit_file wc config/legacy.ini "creds 9" "legacy settings (key 9, pushed before the hook)"
    commit_file wc src/app.txt "echo app" "app"
    git -C wc push -q origin main
    ref_is srv.git refs/heads/main "$(git -C wc rev-parse HEAD)"
    run_cmd sesame install-hook pre-receive --repo srv.git
    expect_rc 0
    expect_grep "srv.git/hooks/pre-receive" out
    test -x srv.git/hooks/pre-receive
    expect_grep "sesame-managed hook" srv.git/hooks/pre-receive
    expect_grep "hook pre-receive" srv.git/hooks/pre-receive
    if [ -n "$EXTRA_OPTS" ]; then set_hook_opts srv.git ""; fi
'

test_expect_success 'a clean push is accepted (the key already in history is not reported)' '
    commit_file wc src/app.txt "echo app v2" "app v2"
    push wc origin main
    expect_rc 0
    ref_is srv.git refs/heads/main "$(git -C wc rev-parse HEAD)"
    expect_no_grep "$(key_id 9)" err
    expect_no_grep "pre-receive hook declined" err
'

test_expect_success 'a key only in a middle commit, deleted again by the last: rejected, naming that commit' '
    before=$(git -C srv.git rev-parse main)
    commit_file wc docs/notes.md "echo notes" "notes"
    commit_file wc deploy/aws.ini "creds 1" "deploy settings"
    leak=$(git -C wc rev-parse HEAD)
    git -C wc rm -q deploy/aws.ini
    git -C wc commit -q -m "remove the deploy settings again"
    commit_file wc docs/notes.md "echo more notes" "more notes"
    push wc origin main
    expect_rc 1
    ref_is srv.git refs/heads/main "$before"
    expect_grep "pre-receive hook declined" err
    expect_grep -F "$(key_id 1)" err
    expect_grep -F "deploy/aws.ini:3 in commit $(printf %.12s "$leak")" err
    # only the commit that added it is named
    n=$(grep -c " in commit " err)
    test "$n" -eq "$(grep -c " in commit $(printf %.12s "$leak")" err)"
    # the secret is redacted, and the message says what to do
    expect_no_grep -F "$(secret 1)" err
    expect_no_grep -F "$(secret 1)" out
    expect_grep -F "$(secret 1 | cut -c1-4)…[sha256:" err
    expect_grep "git rebase -i" err
    expect_grep "rotate" err
    expect_grep "Deleting the file in a new commit is not enough" err
    # and the key pushed before the hook existed is not mentioned
    expect_no_grep -F "$(key_id 9)" err
'

test_expect_success 'the same change with the key taken out of history is accepted' '
    git -C wc reset -q --hard origin/main
    commit_file wc docs/notes.md "echo notes" "notes"
    commit_file wc docs/notes.md "echo more notes" "more notes"
    push wc origin main
    expect_rc 0
    ref_is srv.git refs/heads/main "$(git -C wc rev-parse HEAD)"
'

test_expect_success 'every line of the hook input is read: a key on any ref of a multi-ref push rejects it' '
    git -C wc checkout -q -b aa origin/main
    commit_file wc a.txt "echo a" "a"
    git -C wc checkout -q -b mm origin/main
    commit_file wc m.txt "echo m" "m"
    git -C wc checkout -q -b zz origin/main
    commit_file wc z/creds "creds 2" "z with a key"
    zz=$(git -C wc rev-parse zz)
    push wc origin aa mm zz
    expect_rc 1
    expect_grep -F "z/creds:3 in commit $(printf %.12s "$zz")" err
    ref_is srv.git refs/heads/aa none
    ref_is srv.git refs/heads/mm none
    ref_is srv.git refs/heads/zz none
    # the leaky ref first this time
    push wc origin zz:refs/heads/first aa mm
    expect_rc 1
    expect_grep -F "$(key_id 2)" err
    ref_is srv.git refs/heads/first none
    ref_is srv.git refs/heads/aa none
    # without it, the others go in
    push wc origin aa mm
    expect_rc 0
    ref_is srv.git refs/heads/aa "$(git -C wc rev-parse aa)"
    ref_is srv.git refs/heads/mm "$(git -C wc rev-parse mm)"
    git -C wc checkout -q main
'

test_expect_success 'a force push (old commit not an ancestor): a key is rejected, a clean rewrite accepted' '
    git -C wc checkout -q -b rewrite origin/mm
    git -C wc reset -q --hard origin/main
    commit_file wc m.txt "creds 3" "m, rewritten, with a key"
    bad=$(git -C wc rev-parse HEAD)
    push wc origin +rewrite:mm
    expect_rc 1
    expect_grep -F "m.txt:3 in commit $(printf %.12s "$bad")" err
    ref_is srv.git refs/heads/mm "$(git -C wc rev-parse origin/mm)"
    git -C wc reset -q --hard origin/main
    commit_file wc m.txt "echo m rewritten" "m, rewritten"
    push wc origin +rewrite:mm
    expect_rc 0
    ref_is srv.git refs/heads/mm "$(git -C wc rev-parse rewrite)"
    git -C wc checkout -q main
'

test_expect_success 'a new branch of 1,000 commits is accepted; only its objects are scanned' '
    gen_commits wc big main 1000
    test "$(git -C wc rev-list --count main..big)" -eq 1000
    start=$(date +%s%N)
    push wc origin big
    end=$(date +%s%N)
    echo "push of 1,000 commits with the hook: $(( (end - start) / 1000000 )) ms"
    expect_rc 0
    ref_is srv.git refs/heads/big "$(git -C wc rev-parse big)"
    # the tree of every pushed commit still holds the old key: a scan of anything but
    # the new objects would report it
    git -C wc cat-file -e big:config/legacy.ini
    expect_no_grep -F "$(key_id 9)" err
'

test_expect_success 'a new branch of 1,000 commits with a key in commit 600 (deleted by 601): rejected, only that key' '
    gen_commits wc big2 main 1000 600 4
    leak=$(git -C wc rev-parse big2~400)
    git -C wc cat-file -e "$leak:gen/leak.env"
    push wc origin big2
    expect_rc 1
    ref_is srv.git refs/heads/big2 none
    expect_grep -F "gen/leak.env:2 in commit $(printf %.12s "$leak")" err
    expect_grep -F "$(key_id 4)" err
    expect_no_grep -F "$(key_id 9)" err
    expect_no_grep -F "$(secret 4)" err
    test "$(grep -c "AWS credential found" err)" -eq 1
'

test_expect_success 'tags: an annotated tag bringing a commit with a key is rejected; clean tags are accepted' '
    git -C wc checkout -q --detach main
    commit_file wc release/keys.ini "creds 5" "release with a key"
    tagged=$(git -C wc rev-parse HEAD)
    git -C wc tag -a -m "release 1" v1
    git -C wc checkout -q main
    push wc origin v1
    expect_rc 1
    expect_grep -F "release/keys.ini:3 in commit $(printf %.12s "$tagged")" err
    ref_is srv.git refs/tags/v1 none
    # an annotated tag on a commit the server has (its tree holds the old key)
    git -C wc tag -a -m "release 0" v0 origin/main
    push wc origin v0
    expect_rc 0
    ref_is srv.git refs/tags/v0 "$(git -C wc rev-parse v0)"
    # a lightweight tag on a new clean commit, and an annotated tag of an annotated tag
    git -C wc checkout -q --detach main
    commit_file wc release/notes.txt "echo notes" "release notes"
    git -C wc tag v2-light
    git -C wc checkout -q main
    git -C wc tag -a -m "tag of a tag" v0-again v0
    push wc origin v2-light v0-again
    expect_rc 0
    ref_is srv.git refs/tags/v2-light "$(git -C wc rev-parse v2-light)"
    ref_is srv.git refs/tags/v0-again "$(git -C wc rev-parse v0-again)"
'

test_expect_success 'a tag of a new clean blob or tree, or of a tree the server has, is accepted' '
    blob=$(echo "just a public key file" | git -C wc hash-object -w --stdin)
    git -C wc tag -a -m "a blob" blob-tag "$blob"
    push wc origin blob-tag
    expect_rc 0
    ref_is srv.git refs/tags/blob-tag "$(git -C wc rev-parse blob-tag)"
    tree=$(printf "100644 blob %s\tpubkey.txt\n" "$blob" | git -C wc mktree)
    git -C wc tag new-tree-tag "$tree"
    push wc origin new-tree-tag
    expect_rc 0
    # main^{tree} adds no object; it holds the key pushed before the hook, which is not
    # reported again (as for the tag v0 above)
    git -C wc tag tree-tag "$(git -C wc rev-parse "origin/main^{tree}")"
    push wc origin tree-tag
    expect_rc 0
    expect_no_grep -F "$(key_id 9)" err
'

test_expect_success 'a tag of a blob or a tree holding a key is rejected, naming the key (either policy)' '
    blob=$(creds 6 | git -C wc hash-object -w --stdin)
    git -C wc tag leaky-blob "$blob"
    tree=$(printf "100644 blob %s\tcreds.ini\n" "$blob" | git -C wc mktree)
    git -C wc tag -a -m "a tree" leaky-tree "$tree"
    for policy in "" "--fail-open"; do
        set_hook_opts srv.git "$policy"
        for t in leaky-blob leaky-tree; do
            push wc origin "$t"
            expect_rc 1
            ref_is srv.git "refs/tags/$t" none
            expect_grep -F "$(key_id 6)" err
            # actionable: says which ref or object, and gives advice for a push, not for
            # staged files
            grep "^remote:" err >hook-says || :
            expect_grep -e "$t" -e "$(printf %.12s "$blob")" hook-says
            expect_no_grep "staged files" err
        done
    done
    set_hook_opts srv.git ""
'

test_expect_success 'deleting a branch or a tag is accepted, even one whose history holds a key' '
    push wc origin big
    ref_is srv.git refs/heads/big "$(git -C wc rev-parse big)"
    push wc origin :refs/heads/big
    expect_rc 0
    ref_is srv.git refs/heads/big none
    push wc origin --delete v0
    expect_rc 0
    ref_is srv.git refs/tags/v0 none
    # a deletion and a clean update in one push
    git -C wc checkout -q main
    commit_file wc src/app.txt "echo app v3" "app v3"
    push wc origin main :refs/heads/aa
    expect_rc 0
    ref_is srv.git refs/heads/aa none
    ref_is srv.git refs/heads/main "$(git -C wc rev-parse main)"
'

test_expect_success 'bypass: push options refused while the server does not advertise them' '
    git -C wc checkout -q -b byp main
    commit_file wc byp/creds "creds 7" "needs the bypass"
    push wc -o sesame.skip=testing origin byp
    test "$rc" -ne 0
    expect_grep "does not support push options" err
    ref_is srv.git refs/heads/byp none
'

test_expect_success 'bypass: advertised but not enabled in the hook: scanned and rejected' '
    git -C srv.git config receive.advertisePushOptions true
    set_hook_opts srv.git "--log $TRASH/audit.log"
    push wc -o sesame.skip=testing origin byp
    expect_rc 1
    expect_grep "sesame.skip is not enabled" err
    expect_grep -F "$(key_id 7)" err
    ref_is srv.git refs/heads/byp none
    expect_no_grep BYPASS audit.log
'

test_expect_success 'bypass: enabled (--allow-bypass): accepted with -o sesame.skip=REASON, and logged' '
    set_hook_opts srv.git "--allow-bypass --log $TRASH/audit.log"
    # not asked for: scanned as usual
    push wc origin byp
    expect_rc 1
    ref_is srv.git refs/heads/byp none
    push wc -o sesame.skip=testing origin byp
    expect_rc 0
    ref_is srv.git refs/heads/byp "$(git -C wc rev-parse byp)"
    expect_grep "BYPASS" err
    expect_grep "BYPASS: scan skipped by push option, reason: \"testing\"" audit.log
    expect_grep "pre-receive user=" audit.log
    git -C wc checkout -q main
'

# Issue 11, case 2: sesame:allow comments are written by the pusher, so on a server they
# count only where the administrator says so, and every occurrence let in is listed.
test_expect_success 'sesame:allow on a key does not get it into the server by default (--inline-allow none)' '
    set_hook_opts srv.git "--log $TRASH/allow.log"
    git -C wc checkout -q -b allow main
    creds 14 | sed -e "s/\$/  # sesame:allow/" >wc/allow.ini
    git -C wc add allow.ini
    git -C wc commit -q -m "key marked sesame:allow"
    git -C wc checkout -q main
    before=$(git -C srv.git rev-parse -q --verify refs/heads/allow || echo none)
    push wc origin allow
    expect_rc 1
    ref_is srv.git refs/heads/allow "$before"
    expect_grep "$(key_id 14)" err
    expect_grep "does not accept .sesame:allow." err
    expect_no_grep "Add a .sesame:allow. comment" err
    expect_grep "rejected: 1 credential found" allow.log
'

test_expect_success '--inline-allow all: accepted, every allowed occurrence listed in the output and the audit log' '
    set_hook_opts srv.git "--inline-allow all --log $TRASH/allow-all.log"
    push wc origin allow
    expect_rc 0
    ref_is srv.git refs/heads/allow "$(git -C wc rev-parse allow)"
    expect_grep "2 occurrences allowed by sesame:allow (policy: all)" err
    expect_grep "allowed  *allow.ini:2 (access_key_id, rule " err
    expect_grep "allowed  *allow.ini:3 (secret_access_key, rule " err
    test "$(grep -c "allowed by sesame:allow: allow.ini:[23] (.*) in commit [0-9a-f]\{12\}" allow-all.log)" = 2
'

test_expect_success '--inline-allow ids: a bare key ID may be allowed, a secret next to it may not' '
    set_hook_opts srv.git "--inline-allow ids --log $TRASH/allow-ids.log"
    git -C wc checkout -q -b allow-ids main
    { echo "docs mention $(key_id 15)  # sesame:allow"; } >wc/doc.md
    creds 16 | sed -e "s/\$/  # sesame:allow/" >wc/allow2.ini
    git -C wc add doc.md allow2.ini
    git -C wc commit -q -m "an ID and a key marked sesame:allow"
    git -C wc checkout -q main
    push wc origin allow-ids
    expect_rc 1
    expect_grep "$(key_id 16)" err
    expect_grep "allowed  *doc.md:1 (access_key_id" err
    expect_grep "allowed  *allow2.ini:2 (access_key_id" err
    expect_grep "allows bare key IDs" err
    expect_grep "allowed by sesame:allow: doc.md:1" allow-ids.log
'

test_expect_success 'budget forced to 1 ms, fail-closed (the default): rejected, saying so, logged' '
    set_hook_opts srv.git "--budget-ms 1 --log $TRASH/budget.log"
    git -C wc checkout -q main
    commit_file wc src/app.txt "echo app v4" "app v4"
    before=$(git -C srv.git rev-parse main)
    push wc origin main
    expect_rc 1
    ref_is srv.git refs/heads/main "$before"
    expect_grep "time budget exceeded" err
    expect_grep "fail-closed" err
    expect_grep "time budget exceeded.*rejected (fail-closed" budget.log
'

test_expect_success 'budget forced to 1 ms, --fail-open: accepted, saying so, logged' '
    set_hook_opts srv.git "--budget-ms 1 --fail-open --log $TRASH/budget.log"
    push wc origin main
    expect_rc 0
    ref_is srv.git refs/heads/main "$(git -C wc rev-parse main)"
    expect_grep "time budget exceeded" err
    expect_grep "fail-open" err
    expect_grep "time budget exceeded.*accepted without a complete scan (fail-open" budget.log
'

test_expect_success 'fail-open never lets a key in when the scan did complete' '
    set_hook_opts srv.git "--fail-open"
    git -C wc checkout -q -b fo main
    commit_file wc fo.ini "creds 8" "fail-open server, key"
    push wc origin fo
    expect_rc 1
    ref_is srv.git refs/heads/fo none
    git -C wc checkout -q main
'

test_expect_success 'the hook makes no network connections' '
    if ! command -v strace >/dev/null || ! strace -f -o /dev/null true 2>/dev/null; then
        echo "strace is not usable here; skipped"
        exit 0
    fi
    set_hook_opts srv.git ""
    git -C wc checkout -q -b net main
    commit_file wc net.ini "creds 11" "net, key"
    rc=0
    strace -f -qq -e trace=execve,socket,connect -o strace.log git -C wc push origin net \
        >out 2>err || rc=$?
    expect_rc 1
    expect_grep -F "$(key_id 11)" err
    # the trace did follow git into the hook
    expect_grep -E "execve\(\"[^\"]*sesame\", \[[^]]*\"hook\", \"pre-receive\"" strace.log
    expect_no_grep -E "AF_INET6?[,)]" strace.log
    git -C wc checkout -q main
'

# ---- the hooks/pre-receive script: options from the server repository's git config ----

test_expect_success 'hooks/pre-receive script: installed, clean push accepted, key rejected' '
    git clone -q --bare srv.git srv2.git
    rm -f srv2.git/hooks/*.sample
    cp "$SESAME_SRC/hooks/pre-receive" srv2.git/hooks/pre-receive
    chmod +x srv2.git/hooks/pre-receive
    if [ -n "$EXTRA_OPTS" ]; then git -C srv2.git config sesame.budgetMs 600000; fi
    git -C wc remote add two "file://$TRASH/srv2.git"
    git -C wc fetch -q two
    export SESAME_BIN
    git -C wc checkout -q main
    commit_file wc two.txt "echo two" "two"
    push wc two main
    expect_rc 0
    ref_is srv2.git refs/heads/main "$(git -C wc rev-parse main)"
    git -C wc checkout -q -b two-key main
    commit_file wc two/creds "creds 12" "two, key"
    k=$(git -C wc rev-parse HEAD)
    push wc two two-key
    expect_rc 1
    expect_grep -F "two/creds:3 in commit $(printf %.12s "$k")" err
    ref_is srv2.git refs/heads/two-key none
    git -C wc checkout -q main
'

test_expect_success 'hooks/pre-receive script: sesame found on PATH without SESAME_BIN' '
    bindir=$(cd "$(dirname "$SESAME_BIN")" && pwd)
    run_cmd env -u SESAME_BIN PATH="$bindir:$PATH" git -C wc push two two-key
    expect_rc 1
    expect_grep "two/creds:3" err
'

test_expect_success 'hooks/pre-receive script: no scanner is fail-closed (fail-open with sesame.failOpen)' '
    run_cmd env SESAME_BIN="$TRASH/nowhere/sesame" git -C wc push two two-key
    expect_rc 1
    expect_grep "not installed on this server" err
    expect_grep "fail-closed" err
    ref_is srv2.git refs/heads/two-key none
    git -C srv2.git config sesame.failOpen true
    git -C srv2.git config sesame.log "$TRASH/two.log"
    git -C wc checkout -q main
    commit_file wc two.txt "echo two v2" "two v2"
    run_cmd env SESAME_BIN="$TRASH/nowhere/sesame" git -C wc push two main
    expect_rc 0
    expect_grep "scanner not found; accepted without a scan (fail-open" two.log
    git -C srv2.git config --unset sesame.failOpen
'

test_expect_success 'hooks/pre-receive script: sesame.budgetMs=1 rejects, with sesame.failOpen accepts and logs' '
    export SESAME_BIN
    git -C srv2.git config sesame.budgetMs 1
    git -C wc checkout -q main
    commit_file wc two.txt "echo two v3" "two v3"
    push wc two main
    expect_rc 1
    expect_grep "time budget exceeded" err
    git -C srv2.git config sesame.failOpen yes
    push wc two main
    expect_rc 0
    expect_grep "time budget exceeded.*fail-open" two.log
    git -C srv2.git config --unset sesame.failOpen
    git -C srv2.git config --unset sesame.budgetMs
    if [ -n "$EXTRA_OPTS" ]; then git -C srv2.git config sesame.budgetMs 600000; fi
'

test_expect_success 'hooks/pre-receive script: sesame.allowBypass needs the log; then the bypass is logged with its refs' '
    export SESAME_BIN
    git -C srv2.git config receive.advertisePushOptions true
    git -C srv2.git config sesame.allowBypass true
    git -C srv2.git config --unset sesame.log
    push wc -o sesame.skip=no-log two two-key
    expect_rc 1
    expect_grep "sesame.log is not" err
    ref_is srv2.git refs/heads/two-key none
    git -C srv2.git config sesame.log "$TRASH/two.log"
    run_cmd env REMOTE_USER=alice git -C wc push -o "sesame.skip=INC-42 test fixture" two two-key
    expect_rc 0
    ref_is srv2.git refs/heads/two-key "$(git -C wc rev-parse two-key)"
    expect_grep "user=alice BYPASS: scan skipped by push option, reason: \"INC-42 test fixture\"" two.log
    expect_grep "user=alice BYPASS ref=refs/heads/two-key old=$ZERO new=$(git -C wc rev-parse two-key)" two.log
'

test_expect_success 'hooks/pre-receive script: sesame.allowBypass=false keeps the bypass off' '
    export SESAME_BIN
    git -C srv2.git config sesame.allowBypass false
    git -C wc checkout -q -b two-key2 main
    commit_file wc two/creds2 "creds 13" "two, key 2"
    push wc -o sesame.skip=please two two-key2
    expect_rc 1
    expect_grep "sesame.skip is not enabled" err
    ref_is srv2.git refs/heads/two-key2 none
    git -C wc checkout -q main
'

# ---- issue 11: messages are pushed content ----

test_expect_success 'issue 11: a key in a commit message (git commit --allow-empty -m) is rejected' '
    git -C wc fetch -q origin
    git -C wc checkout -q -B msg origin/main
    git -C wc commit -q --allow-empty -m "$(creds 30)"
    c=$(git -C wc rev-parse HEAD)
    push wc origin msg
    expect_rc 1
    expect_grep "pre-receive hook declined" err
    expect_grep -F "$(key_id 30)" err
    expect_grep -F "(commit $c):" err
    expect_grep -F "in commit $(printf %.12s "$c")" err
    expect_grep "mark it .reword." err
    expect_no_grep -F "$(secret 30)" err
    ref_is srv.git refs/heads/msg none
    git -C wc checkout -q main
'

test_expect_success 'issue 11: a key in an annotated tag message (git tag -a -m) is rejected' '
    git -C wc tag -a -m "$(creds 31)" v-msg origin/main
    push wc origin v-msg
    expect_rc 1
    expect_grep "pre-receive hook declined" err
    expect_grep -F "$(key_id 31)" err
    expect_grep -F "(tag v-msg):" err
    expect_grep -F "git tag -d NAME" err
    expect_no_grep -F "$(secret 31)" err
    ref_is srv.git refs/tags/v-msg none
    # the same tag without the key goes in
    git -C wc tag -d v-msg >/dev/null
    git -C wc tag -a -m "release notes" v-msg origin/main
    push wc origin v-msg
    expect_rc 0
    ref_is srv.git refs/tags/v-msg "$(git -C wc rev-parse v-msg)"
'

# ---- the GitLab server hook (custom_hooks/pre-receive.d/sesame) ----

test_expect_success 'GitLab pre-receive.d/sesame: GL-HOOK-ERR summary, GL_USERNAME in the audit log' '
    git clone -q --bare srv.git srv3.git
    mkdir -p srv3.git/custom_hooks/pre-receive.d
    cp "$SESAME_SRC/hooks/gitlab/pre-receive.d/sesame" srv3.git/custom_hooks/pre-receive.d/
    chmod +x srv3.git/custom_hooks/pre-receive.d/sesame
    # what Gitaly does: every executable of pre-receive.d, each with the same input
    cat >srv3.git/hooks/pre-receive <<EOF
#!/bin/sh
in=\$(cat)
for h in custom_hooks/pre-receive.d/*; do
    [ -x "\$h" ] || continue
    printf "%s\n" "\$in" | "\$h" || exit 1
done
EOF
    chmod +x srv3.git/hooks/pre-receive
    git -C srv3.git config receive.advertisePushOptions true
    git -C wc remote add three "file://$TRASH/srv3.git"
    budget=4000
    if [ -n "$EXTRA_OPTS" ]; then budget=600000; fi
    export SESAME_BIN SESAME_BUDGET_MS=$budget
    push wc three main
    expect_rc 0
    push wc three two-key2
    expect_rc 1
    expect_grep "GL-HOOK-ERR: sesame: push rejected: 1 AWS credential found (first: two/creds2:2 in commit" err
    expect_grep -F "$(key_id 13)" err
    ref_is srv3.git refs/heads/two-key2 none
    run_cmd env SESAME_ALLOW_BYPASS=true SESAME_LOG="$TRASH/gl.log" GL_USERNAME=bob \
        git -C wc push -o sesame.skip=hotfix three two-key2
    expect_rc 0
    expect_grep "user=bob BYPASS: scan skipped by push option, reason: \"hotfix\"" gl.log
    run_cmd env SESAME_BUDGET_MS=1 git -C wc push three two-key
    expect_rc 1
    expect_grep "GL-HOOK-ERR: sesame: push rejected: time budget exceeded" err
'

test_done
