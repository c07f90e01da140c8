#!/usr/bin/env bash
# Issue 16 item 5: libgit2 (with mbedTLS, libssh2, http_parser and the Kerberos stack, 11
# of the binary's libraries) is not linked: it is loaded when a repository is first
# looked at (source/git/lazy.h). `sesame version` and scans of a directory or an archive
# never open it; a scan of a repository, of a directory inside one, a pre-receive hook
# and `sesame install-hook` do, and work as before. When it cannot be loaded, a run that
# needs it fails with one line naming it and exit 3 (unreadable input); a run that does
# not need it is not affected.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

command -v strace >/dev/null || { echo "error: strace is needed (apt-get install strace)"; exit 2; }

stand_ins libgit2.so.1.5

test_expect_success 'libgit2 is not linked' '
    command -v readelf >/dev/null || { echo "readelf missing (binutils)"; exit 1; }
    readelf -d "$SESAME_BIN" >needed.txt
    expect_grep "NEEDED" needed.txt
    expect_no_grep -E "libgit2|libmbed|libssh2|libhttp_parser|libgssapi|libkrb5" needed.txt
'

test_expect_success 'sesame version does not open libgit2' '
    traced "$SESAME_BIN" version
    expect_rc 0
    expect_grep "^sesame " out
    expect_no_grep -E "libgit2|libssh2|libmbed|libkrb5" trace.txt
'

test_expect_success 'a plain directory and an archive: no libgit2' '
    mkdir -p plain/d
    creds 1 >plain/d/a.env
    traced "$SESAME_BIN" scan plain -q
    expect_rc 1
    expect_grep "a.env" out
    expect_no_grep -E "libgit2|libssh2" trace.txt
    tar cf k.tar -C plain d
    traced "$SESAME_BIN" scan k.tar -q
    expect_rc 1
    expect_grep "k.tar!d/a.env" out
    expect_grep "libarchive" trace.txt
    expect_no_grep -E "libgit2|libssh2" trace.txt
'

test_expect_success 'a git repository: libgit2 loaded, its history scanned' '
    git init -q repo
    mkdir repo/sub
    echo hello >repo/sub/readme.txt
    creds 2 >repo/sub/k.env
    git -C repo add sub
    (cd repo && commit -m key)
    git -C repo rm -q sub/k.env
    (cd repo && commit -m "no key")
    traced "$SESAME_BIN" scan repo
    expect_rc 1
    expect_grep "sub/k.env" out
    expect_grep "libgit2.so.1.5" trace.txt
    # without looking for a .sesame.json, "is it a repository?" is the first question
    traced "$SESAME_BIN" scan --no-config repo
    expect_rc 1
    expect_grep "sub/k.env" out
    expect_grep "libgit2.so.1.5" trace.txt
'

test_expect_success 'a directory inside a repository: found through libgit2' '
    traced "$SESAME_BIN" scan repo/sub
    expect_rc 0
    expect_grep "is inside the git repository" err
    expect_grep "libgit2.so.1.5" trace.txt
'

test_expect_success 'a bare repository with --no-history: told apart through libgit2' '
    git clone -q --bare repo srv.git
    traced "$SESAME_BIN" scan --no-history srv.git
    expect_rc 2
    expect_grep "is a bare repository" err
    expect_grep "libgit2.so.1.5" trace.txt
    traced "$SESAME_BIN" scan --no-history --no-config srv.git
    expect_rc 2
    expect_grep "is a bare repository" err
'

test_expect_success 'a pre-receive hook loads libgit2 and rejects a pushed key' '
    base=$(git -C repo rev-parse HEAD)
    git -C repo checkout -q --detach
    creds 3 >repo/sub/n.env
    git -C repo add sub/n.env
    (cd repo && commit -m "new key")
    new=$(git -C repo rev-parse HEAD)
    echo "$base $new refs/heads/main" >push.in
    traced env GIT_DIR=repo/.git "$SESAME_BIN" hook pre-receive <push.in
    expect_rc 1
    expect_grep "sub/n.env" err
    expect_grep "libgit2.so.1.5" trace.txt
'

# A hook reads no remote, verifies nothing and has no store: libgit2 is loaded bound to
# the stand-ins for libssh2 and GSSAPI (scanner/source/git/nonet/), so neither they,
# OpenSSL's libcrypto (libssh2's) nor Kerberos (GSSAPI's) is opened; a scan, which may
# verify, loads libgit2 with its own libraries.
test_expect_success 'the hook: libgit2 without libssh2, OpenSSL and Kerberos' '
    expect_grep "lib/sesame/libssh2_none.so" trace.txt
    expect_grep "lib/sesame/gssapi_none.so" trace.txt
    grep -v ENOENT trace.txt >opened.txt
    expect_no_grep -E "/libssh2\.so|/libcrypto\.so|/libkrb5\.so|/libgssapi_krb5\.so" opened.txt
    run_cmd env GIT_DIR=repo/.git SESAME_TIMINGS=1 "$SESAME_BIN" hook pre-receive <push.in
    expect_rc 1
    expect_grep "libgit2 loaded without libssh2, OpenSSL and Kerberos" err
    traced "$SESAME_BIN" scan repo -q
    expect_rc 1
    grep -v ENOENT trace.txt >opened.txt
    expect_grep "/libssh2\.so\.1" opened.txt
    expect_no_grep "libssh2_none" trace.txt
'

test_expect_success 'sesame install-hook finds the hooks directory through libgit2' '
    traced "$SESAME_BIN" install-hook pre-receive --repo srv.git
    expect_rc 0
    test -x srv.git/hooks/pre-receive
    expect_grep "sesame-managed hook" srv.git/hooks/pre-receive
    expect_grep "libgit2.so.1.5" trace.txt
'

# unloadable DIR: the runs that need libgit2, with DIR's libgit2.so.1.5 found first;
# MSG is what the error line says after the library's name.
unloadable() {
    local dir=$1 msg=$2
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" scan repo
    expect_rc 3
    expect_eq "$(wc -l <err)" 1
    expect_grep "^sesame: error: .repo.: the git repository cannot be read: $msg" err
    expect_no_grep -i "sanitizer\|segv\|abort" err
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" install-hook pre-commit --repo repo
    expect_rc 3
    expect_eq "$(wc -l <err)" 1
    expect_grep "the git repository cannot be read: $msg" err
    if [ -e repo/.git/hooks/pre-commit ]; then echo "a hook was written"; exit 1; fi
    # a hook fails closed: the push is rejected, saying why
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" GIT_DIR=repo/.git "$SESAME_BIN" hook pre-receive <push.in
    expect_rc 1
    expect_grep "the git repository cannot be read: $msg" err
    expect_grep "push rejected" err
    expect_no_grep -i "sanitizer\|segv\|abort" err
    # what needs no libgit2 still works
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" version
    expect_rc 0
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" scan plain k.tar -q
    expect_rc 1
    expect_grep "k.tar!d/a.env" out
    # a bare repository with --no-history: its files scanned, with a warning
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" scan --no-history --no-config srv.git
    expect_rc 0
    expect_eq "$(wc -l <err)" 1
    expect_grep "cannot tell whether .*srv.git. is in a git repository: $msg" err
    # a directory inside a repository: scanned, with a warning that it cannot be told
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" scan repo/sub
    expect_rc 1
    expect_grep "sub/n.env" out
    expect_grep "cannot tell whether .*repo/sub. is in a git repository: $msg" err
}

test_expect_success 'libgit2 missing: one line naming it, exit 3, no crash' '
    unloadable bad "cannot load libgit2.so.1.5: "
'

if [ $have_cc = 1 ]; then
    test_expect_success 'libgit2 without its functions: one line naming one, exit 3' '
        unloadable stub "libgit2.so.1.5 has no function git_"
    '
else
    test_skip 'libgit2 without its functions' "no C compiler ($CC) for the stub library"
fi

test_done
