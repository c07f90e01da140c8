#!/usr/bin/env bash
# Client-side hooks: `sesame install-hook pre-commit|pre-push` (and the hooks/pre-commit
# and hooks/pre-push scripts) under real `git commit` and `git push`: a staged key stops
# the commit, `git commit -a` and `git commit PATH` (temporary indexes) are covered, a
# clean commit passes; install-hook keeps a foreign hook unless --force (then backs it
# up) and honours core.hooksPath; pre-push stops a push of a commit with a key.
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
git config --global advice.ignoredHook false
git config --global protocol.file.allow always

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

# Sanitizer builds are slow: a large budget for every hook there.
SLOW=false
if grep -qa __asan_init "$SESAME_BIN" 2>/dev/null; then
    SLOW=true
    git config --global sesame.budgetMs 600000   # read by the hooks/ scripts
fi

FAKEKEYS="$SESAME_SRC/tests/support/fakekeys.py"
key_id() { "$PYTHON" "$FAKEKEYS" --seed t0510 id "$1"; }
secret() { "$PYTHON" "$FAKEKEYS" --seed t0510 secret "$1"; }
# creds N: the key ID on line 2, the secret on line 3.
creds() { "$PYTHON" "$FAKEKEYS" --seed t0510 creds "$1"; }

# slow_opts HOOKFILE: on sanitizer builds, a large budget for an installed sesame hook.
slow_opts() {
    if [ "$SLOW" = true ]; then
        sed -i -e 's|\(hook pre-[a-z]*\) "\$@"|\1 --budget-ms 600000 "$@"|' "$1"
    fi
}

# commit_in REPO ARGS...: git commit in REPO, output in ./out and ./err, status in $rc.
commit_in() {
    local repo=$1
    shift
    run_cmd git -C "$repo" commit "$@"
}

head_of() {
    git -C "$1" rev-parse -q --verify HEAD 2>/dev/null || echo none
}

mkdir -p "$TRASH/empty"
sesame scan --no-history -q "$TRASH/empty" >/dev/null 2>&1

# ---- pre-commit ----

test_expect_success 'install-hook pre-commit (default: the repository in the current directory)' '
    git init -q c
    echo hello >c/README.md
    echo "x = 1" >c/app.conf
    git -C c add . && git -C c commit -q -m initial
    (cd c && sesame install-hook pre-commit) >out 2>err
    expect_grep "installed pre-commit hook: .*c/.git/hooks/pre-commit" out
    test -x c/.git/hooks/pre-commit
    expect_grep "sesame-managed hook" c/.git/hooks/pre-commit
    slow_opts c/.git/hooks/pre-commit
'

test_expect_success 'a staged key stops the commit; the message names path:line, not the secret' '
    before=$(head_of c)
    creds 1 >c/aws.ini
    git -C c add aws.ini
    commit_in c -m "add aws settings"
    expect_rc 1
    test "$(head_of c)" = "$before"
    expect_grep -F "$(key_id 1)" err
    expect_grep "aws.ini:2" err
    expect_grep "aws.ini:3" err
    expect_grep "commit stopped" err
    expect_grep "git restore --staged" err
    expect_no_grep -F "$(secret 1)" err
    expect_no_grep -F "$(secret 1)" out
'

test_expect_success 'a clean commit passes, with a key in unstaged and untracked files' '
    git -C c reset -q aws.ini
    creds 2 >>c/app.conf
    echo "more" >>c/README.md
    git -C c add README.md
    commit_in c -m "readme"
    expect_rc 0
    test "$(git -C c log -1 --format=%s)" = readme
    git -C c checkout -q app.conf
'

test_expect_success 'git commit -a (a temporary index) with a key in a tracked file is stopped' '
    before=$(head_of c)
    creds 3 >>c/app.conf
    commit_in c -a -m "commit -a"
    expect_rc 1
    expect_grep -F "$(key_id 3)" err
    expect_grep "app.conf:3" err
    test "$(head_of c)" = "$before"
'

test_expect_success 'git commit PATH (a partial commit, another temporary index) is checked too' '
    before=$(head_of c)
    commit_in c -m "only app.conf" app.conf
    expect_rc 1
    expect_grep -F "$(key_id 3)" err
    test "$(head_of c)" = "$before"
    git -C c checkout -q app.conf
'

test_expect_success 'git commit PATH of a clean file passes while another staged file holds a key' '
    git -C c add aws.ini
    echo "even more" >>c/README.md
    commit_in c -m "readme only" README.md
    expect_rc 0
    test "$(git -C c log -1 --format=%s)" = "readme only"
    must_fail git -C c cat-file -e HEAD:aws.ini 2>/dev/null
    git -C c diff --cached --name-only | grep -qx aws.ini
    git -C c reset -q aws.ini
'

test_expect_success 'the first commit of a new repository is checked' '
    git init -q fresh
    (cd fresh && sesame install-hook pre-commit >/dev/null)
    slow_opts fresh/.git/hooks/pre-commit
    creds 4 >fresh/settings.ini
    git -C fresh add settings.ini
    commit_in fresh -m first
    expect_rc 1
    expect_grep -F "$(key_id 4)" err
    test "$(head_of fresh)" = none
'

test_expect_success 'git commit --no-verify skips the client hook (documented)' '
    commit_in fresh --no-verify -m "first, unchecked"
    expect_rc 0
'

# ---- install-hook: foreign hooks, --force, core.hooksPath ----

test_expect_success 'install-hook keeps a foreign hook, names --force, leaves it untouched' '
    printf "#!/bin/sh\necho lint\nexit 0\n" >c/.git/hooks/pre-push
    chmod +x c/.git/hooks/pre-push
    cp c/.git/hooks/pre-push foreign.orig
    run_cmd sesame install-hook pre-push --repo c
    expect_rc 1
    expect_grep -e "--force" err
    expect_grep "not a sesame hook" err
    cmp foreign.orig c/.git/hooks/pre-push
    test ! -e c/.git/hooks/pre-push.sesame-backup
'

test_expect_success 'install-hook --force moves the foreign hook to a backup and installs' '
    run_cmd sesame install-hook pre-push --repo c --force
    expect_rc 0
    cmp foreign.orig c/.git/hooks/pre-push.sesame-backup
    expect_grep "pre-push.sesame-backup" err
    expect_grep "sesame-managed hook" c/.git/hooks/pre-push
    test -x c/.git/hooks/pre-push
'

test_expect_success 'install-hook over its own hook needs no --force and keeps the backup' '
    run_cmd sesame install-hook pre-push --repo c
    expect_rc 0
    cmp foreign.orig c/.git/hooks/pre-push.sesame-backup
    slow_opts c/.git/hooks/pre-push
'

test_expect_success 'install-hook honours a relative core.hooksPath (work tree), and git runs it' '
    git init -q hp
    git -C hp config core.hooksPath .githooks
    echo hi >hp/a && git -C hp add a && git -C hp commit -q -m a
    (cd "$TRASH" && sesame install-hook pre-commit --repo hp) >out 2>err
    test -x hp/.githooks/pre-commit
    test ! -e hp/.git/hooks/pre-commit
    slow_opts hp/.githooks/pre-commit
    creds 5 >hp/k.ini
    git -C hp add k.ini
    commit_in hp -m key
    expect_rc 1
    expect_grep -F "$(key_id 5)" err
'

test_expect_success 'install-hook honours an absolute core.hooksPath' '
    mkdir -p shared-hooks
    git -C hp config core.hooksPath "$TRASH/shared-hooks"
    run_cmd sesame install-hook pre-commit --repo hp
    expect_rc 0
    test -x shared-hooks/pre-commit
    slow_opts shared-hooks/pre-commit
    commit_in hp -m key
    expect_rc 1
    expect_grep -F "$(key_id 5)" err
    git -C hp reset -q k.ini
'

test_expect_success 'install-hook pre-receive honours a relative core.hooksPath of a bare repository' '
    git init -q --bare hpsrv.git
    git -C hpsrv.git config core.hooksPath server-hooks
    mkdir elsewhere
    rc=0
    (cd elsewhere && sesame install-hook pre-receive --repo ../hpsrv.git) >out 2>err || rc=$?
    cat out err
    expect_rc 0
    # git runs hooks from a relative core.hooksPath of a bare repository inside it
    test -x hpsrv.git/server-hooks/pre-receive
    test ! -e elsewhere/server-hooks/pre-receive
'

# ---- pre-push ----

test_expect_success 'pre-push: a push of a commit with a key is stopped before it leaves' '
    git init -q --bare remote.git
    git -C c remote add origin "file://$TRASH/remote.git"
    run_cmd git -C c push origin main
    expect_rc 0
    git -C c add aws.ini
    git -C c commit -q --no-verify -m "aws settings (committed with --no-verify)"
    leak=$(git -C c rev-parse HEAD)
    git -C c rm -q aws.ini
    git -C c commit -q -m "remove aws settings"
    run_cmd git -C c push origin main
    expect_rc 1
    expect_grep "push stopped before it left this machine" err
    expect_grep -F "aws.ini:3 in commit $(printf %.12s "$leak")" err
    expect_no_grep -F "$(secret 1)" err
    test "$(git -C remote.git rev-parse main)" = "$(git -C c rev-parse origin/main)"
'

test_expect_success 'pre-push: clean commits pass; what the remote already has is not reported' '
    git -C c reset -q --hard origin/main
    echo clean >c/clean.txt
    git -C c add clean.txt
    git -C c commit -q -m clean
    run_cmd git -C c push origin main
    expect_rc 0
    test "$(git -C remote.git rev-parse main)" = "$(git -C c rev-parse main)"
    # a key that is on the remote already (pushed with --no-verify) is not the concern
    # of the next push
    creds 6 >c/old.ini
    git -C c add old.ini
    git -C c commit -q --no-verify -m "old key"
    git -C c push -q --no-verify origin main
    echo more >>c/clean.txt
    git -C c commit -q -am "more"
    run_cmd git -C c push origin main
    expect_rc 0
    expect_no_grep -F "$(key_id 6)" err
    # nor when the same commits go to a new branch
    run_cmd git -C c push origin main:refs/heads/copy
    expect_rc 0
'

test_expect_success 'pre-push: commits another remote has are still checked when pushed to this one' '
    git init -q --bare public.git
    git -C c remote add public "file://$TRASH/public.git"
    run_cmd git -C c push public main
    expect_rc 1
    expect_grep -F "$(key_id 6)" err
    must_fail git -C public.git rev-parse -q --verify refs/heads/main
'

test_expect_success 'issue 11: pre-push stops a commit whose message holds a key, and such a tag' '
    git -C c fetch -q origin
    git -C c checkout -q -B msg origin/main
    git -C c commit -q --no-verify --allow-empty -m "$(creds 9)"
    c=$(git -C c rev-parse HEAD)
    run_cmd git -C c push origin msg
    expect_rc 1
    expect_grep "push stopped before it left this machine" err
    expect_grep -F "$(key_id 9)" err
    expect_grep -F "(commit $c):" err
    expect_no_grep -F "$(secret 9)" err
    must_fail git -C remote.git rev-parse -q --verify refs/heads/msg
    git -C c tag -a -m "$(creds 10)" v-msg origin/main
    run_cmd git -C c push origin v-msg
    expect_rc 1
    expect_grep -F "(tag v-msg):" err
    expect_no_grep -F "$(secret 10)" err
    must_fail git -C remote.git rev-parse -q --verify refs/tags/v-msg
    git -C c checkout -q main
'

# ---- the hooks/ scripts ----

test_expect_success 'hooks/pre-commit and hooks/pre-push from a shared core.hooksPath' '
    mkdir -p scripts-hooks
    cp "$SESAME_SRC/hooks/pre-commit" "$SESAME_SRC/hooks/pre-push" scripts-hooks/
    chmod +x scripts-hooks/*
    git clone -q "file://$TRASH/remote.git" s 2>/dev/null
    git -C s config core.hooksPath "$TRASH/scripts-hooks"
    creds 7 >s/k.ini
    git -C s add k.ini
    commit_in s -m key
    expect_rc 1
    expect_grep -F "$(key_id 7)" err
    git -C s commit -q --no-verify -m key
    run_cmd git -C s push origin HEAD:refs/heads/from-s
    expect_rc 1
    expect_grep "push stopped" err
    run_cmd env -u SESAME_BIN PATH="/usr/bin:/bin" git -C s push origin HEAD:refs/heads/from-s
    expect_rc 1
    expect_grep "not installed" err
    must_fail git -C remote.git rev-parse -q --verify refs/heads/from-s
    git -C s reset -q --hard HEAD~1
'

test_expect_success 'hooks/pre-commit: sesame.budgetMs=1 stops the commit; sesame.failOpen lets it through' '
    echo fine >s/fine.txt
    git -C s add fine.txt
    git -C s config sesame.budgetMs 1
    commit_in s -m fine
    expect_rc 1
    expect_grep "time budget exceeded" err
    git -C s config sesame.failOpen true
    git -C s config sesame.log "$TRASH/client.log"
    commit_in s -m fine
    expect_rc 0
    expect_grep "pre-commit .*fail-open" client.log
    git -C s config --unset sesame.failOpen
    git -C s config --unset sesame.budgetMs
'

test_expect_success 'hooks/pre-push as the pre-commit framework runs it (PRE_COMMIT_* variables, no stdin)' '
    git -C s checkout -q -b fw
    creds 8 >s/fw.ini
    git -C s add fw.ini
    git -C s commit -q --no-verify -m "fw key"
    leak=$(git -C s rev-parse HEAD)
    echo x >s/x.txt && git -C s add x.txt && git -C s commit -q --no-verify -m x
    base=$(git -C s rev-parse origin/main)
    to=$(git -C s rev-parse HEAD)
    run_cmd env -C s PRE_COMMIT=1 PRE_COMMIT_FROM_REF="$base" PRE_COMMIT_TO_REF="$to" \
        PRE_COMMIT_LOCAL_BRANCH=refs/heads/fw PRE_COMMIT_REMOTE_BRANCH=refs/heads/fw \
        PRE_COMMIT_REMOTE_NAME=origin "$SESAME_SRC/hooks/pre-push"
    expect_rc 1
    expect_grep -F "fw.ini:3 in commit $(printf %.12s "$leak")" err
    # from the key on: clean
    run_cmd env -C s PRE_COMMIT=1 PRE_COMMIT_FROM_REF="$leak" PRE_COMMIT_TO_REF="$to" \
        PRE_COMMIT_LOCAL_BRANCH=refs/heads/fw PRE_COMMIT_REMOTE_BRANCH=refs/heads/fw \
        "$SESAME_SRC/hooks/pre-push"
    expect_rc 0
    # a push including the root commit: no FROM_REF/TO_REF, only the branch names
    run_cmd env -C s PRE_COMMIT=1 PRE_COMMIT_LOCAL_BRANCH=refs/heads/fw \
        PRE_COMMIT_REMOTE_BRANCH=refs/heads/fw "$SESAME_SRC/hooks/pre-push"
    expect_rc 1
    expect_grep -F "$(key_id 8)" err
'

test_done
