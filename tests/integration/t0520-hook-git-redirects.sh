#!/usr/bin/env bash
# Issue 11, item 1: nothing a pusher controls may change what sesame reads. A blob over
# 64 MiB is streamed through `git cat-file`, which honours replace refs: pushing
# refs/replace/<big blob> pointing at a harmless blob, then a commit with the big blob
# holding a key, got both pushes accepted and `sesame scan` of the server missed the key
# too. Also: variables inherited from a hook or CI job (GIT_OBJECT_DIRECTORY,
# GIT_REPLACE_REF_BASE, ...) must not redirect the `git` child, and info/grafts must not
# hide history (libgit2 1.5 ignores it; a later libgit2 that applies it is warned about).
#
# Keys: `creds N` (git_lib.sh, fixed seed); nothing key-shaped is in this file.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# Sanitizer builds are slow: a big budget for every hook (this file tests no budget).
BUDGET=120000
if grep -qa __asan_init "$SESAME_BIN" 2>/dev/null; then
    BUDGET=900000
fi

# big_file PATH N: a file just over 64 MiB (the in-memory limit) of filler lines, key N
# at its end.
big_file() {
    "$PYTHON" - "$1" <<'EOF'
import sys
line = b"filler line, nothing to see here ............................................\n"
with open(sys.argv[1], "wb") as f:
    for _ in range((64 * 1024 * 1024) // len(line) + 64):
        f.write(line)
EOF
    creds "$2" >>"$1"
}

# install_hook REPO: sesame's pre-receive hook, with a large budget.
install_hook() {
    sesame install-hook pre-receive --repo "$1" >/dev/null
    sed -i -e "s|hook pre-receive \"\$@\"|hook pre-receive --budget-ms $BUDGET \"\$@\"|" \
        "$1/hooks/pre-receive"
    grep -q -- "--budget-ms $BUDGET" "$1/hooks/pre-receive"
}

test_expect_success 'setup: a server with the hook, a clone, a big file holding key 40' '
    git init -q --bare srv.git
    install_hook srv.git
    git init -q --bare plain.git
    git clone -q "file://$TRASH/srv.git" wc 2>/dev/null
    echo hello >wc/README.md
    git -C wc add README.md
    (cd wc && commit -m initial)
    git -C wc push -q origin main
    git -C wc push -q "file://$TRASH/plain.git" main
    big_file big.bin 40
    test "$(wc -c <big.bin)" -gt 67108864
'

test_expect_success 'issue 11: refs/replace/<big blob> pushed first does not hide the key pushed next' '
    harmless=$(echo "nothing here" | git -C wc hash-object -w --stdin)
    bigid=$(git -C wc hash-object "$TRASH/big.bin")
    # the replace ref alone: a harmless blob, accepted
    run_cmd git -C wc push origin "$harmless:refs/replace/$bigid"
    expect_rc 0
    test "$(git -C srv.git rev-parse "refs/replace/$bigid")" = "$harmless"
    # then the commit with the big blob: rejected, naming the file and the key
    cp big.bin wc/big.bin
    git -C wc add big.bin
    (cd wc && commit -m "big data")
    test "$(git -C wc rev-parse HEAD:big.bin)" = "$bigid"
    run_cmd git -C wc push origin main
    cat err
    expect_rc 1
    expect_grep "pre-receive hook declined" err
    expect_grep -F "$(key 40)" err
    expect_grep -F "big.bin:" err
    test "$(git -C srv.git rev-parse main)" != "$(git -C wc rev-parse main)"
'

test_expect_success 'issue 11: sesame scan of a server holding both finds the key' '
    # the same two pushes into a server without the hook
    harmless=$(echo "nothing here" | git -C wc hash-object -w --stdin)
    git -C wc push -q "file://$TRASH/plain.git" "$harmless:refs/replace/$(git -C wc rev-parse HEAD:big.bin)"
    git -C wc push -q "file://$TRASH/plain.git" main
    test "$(git -C plain.git cat-file blob "$(git -C wc rev-parse HEAD:big.bin)" | wc -c)" -lt 100
    scan_json plain.json plain.git
    check expect_status 1 plain.json
    check has_key plain.json 40
    check has_loc plain.json 40 big.bin:
    # and through `git cat-file` for the loose and the packed object alike
    git -C plain.git repack -adq
    scan_json plain-packed.json plain.git
    check expect_status 1 plain-packed.json
    check has_key plain-packed.json 40
    checks_passed
'

test_expect_success 'issue 11: variables inherited from a hook or CI job do not redirect the git child' '
    # a copy without the replace ref, and another object directory
    git clone -q --bare --no-local plain.git clean.git
    bigid=$(git -C clean.git rev-parse main:big.bin)
    harmless=$(echo "nothing here" | git -C clean.git hash-object -w --stdin)
    git -C clean.git update-ref "refs/fake/$bigid" "$harmless"
    mkdir -p elsewhere/objects/info elsewhere/objects/pack
    scan_json clean.json clean.git
    check expect_status 1 clean.json
    check has_key clean.json 40
    for v in "GIT_OBJECT_DIRECTORY=$TRASH/elsewhere/objects" "GIT_REPLACE_REF_BASE=refs/fake/"; do
        name=${v%%=*}
        rc=0
        env "$v" "$SESAME_BIN" scan --format json --show-secrets clean.git >"$name.json"             2>"$name.json.err" || rc=$?
        fx dump "$name.json" >"$name.json.txt" 2>/dev/null || true
        check expect_status 1 "$name.json"
        check has_key "$name.json" 40
    done
    checks_passed
'

test_expect_success 'info/grafts does not hide history: a commit cut off by a graft is scanned' '
    git init -q gr
    creds 41 >gr/old.env
    git -C gr add old.env
    (cd gr && commit -m "old, with key 41")
    git -C gr rm -q old.env
    (cd gr && commit -m "remove it")
    echo x >gr/x.txt
    git -C gr add x.txt
    (cd gr && commit -m x)
    # graft the last commit onto nothing: git log no longer shows the first two
    git -C gr rev-parse HEAD >gr/.git/info/grafts
    test "$(git -C gr log --oneline 2>/dev/null | wc -l)" -eq 1
    scan_json gr.json gr
    # found, or (a libgit2 that applies grafts) the scan says it could not be sure
    if ! has_key gr.json 41; then
        check grep -q "info/grafts" gr.json.err
        check expect_status 3 gr.json
    fi
    checks_passed
'

test_schema_checked
test_done
