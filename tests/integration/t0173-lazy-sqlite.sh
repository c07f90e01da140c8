#!/usr/bin/env bash
# Issue 16 item 5: libsqlite3 is not linked: it is loaded when a SQLite store is first
# opened (store/sqlite/sqlite.c). `sesame version`, a scan and a pre-receive hook never
# open it; an audit, `findings` and `triage` do, and work as before. When it cannot be
# loaded, a command that needs a store fails with one line naming it and exit 3, and
# writes no store file; a scan is not affected.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

command -v strace >/dev/null || { echo "error: strace is needed (apt-get install strace)"; exit 2; }

stand_ins libsqlite3.so.0

mkdir -p plain
creds 1 >plain/a.env

test_expect_success 'libsqlite3 is not linked' '
    command -v readelf >/dev/null || { echo "readelf missing (binutils)"; exit 1; }
    readelf -d "$SESAME_BIN" >needed.txt
    expect_grep "NEEDED" needed.txt
    expect_no_grep "libsqlite3" needed.txt
'

test_expect_success 'version, a scan and a hook do not open it' '
    traced "$SESAME_BIN" version
    expect_rc 0
    expect_no_grep "libsqlite3" trace.txt
    traced "$SESAME_BIN" scan plain -q
    expect_rc 1
    expect_grep "a.env" out
    expect_no_grep "libsqlite3" trace.txt
    git init -q repo
    echo hello >repo/readme.txt
    git -C repo add readme.txt
    (cd repo && commit -m base)
    base=$(git -C repo rev-parse HEAD)
    git -C repo checkout -q --detach
    creds 2 >repo/k.env
    git -C repo add k.env
    (cd repo && commit -m key)
    echo "$base $(git -C repo rev-parse HEAD) refs/heads/main" >push.in
    traced env GIT_DIR=repo/.git "$SESAME_BIN" hook pre-receive <push.in
    expect_rc 1
    expect_grep "push rejected" err
    expect_no_grep "libsqlite3" trace.txt
'

test_expect_success 'an audit loads it; findings are read back from the store' '
    traced "$SESAME_BIN" audit --db a.db plain
    expect_rc 1
    expect_grep "libsqlite3.so.0" trace.txt
    test -s a.db
    run_cmd sesame findings --db a.db --format json
    expect_rc 0
    expect_grep "\"access_key_id\"" out
'

# unloadable DIR MSG: store commands with DIR's libsqlite3.so.0 found first; MSG is what
# the error line says after the store's name.
unloadable() {
    local dir=$1 msg=$2
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" audit --db "$dir.db" plain
    expect_rc 3
    expect_eq "$(wc -l <err)" 1
    expect_grep "^sesame: error: store .$dir.db.: cannot use SQLite: $msg" err
    expect_no_grep -i "sanitizer\|segv\|abort" err
    if [ -e "$dir.db" ]; then echo "a store file was written"; exit 1; fi
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" findings --db a.db
    expect_rc 3
    expect_eq "$(wc -l <err)" 1
    expect_grep "cannot use SQLite: $msg" err
    # a scan needs no store
    run_cmd env LD_LIBRARY_PATH="$TRASH/$dir" "$SESAME_BIN" scan plain -q
    expect_rc 1
    expect_grep "a.env" out
}

test_expect_success 'libsqlite3 missing: one line naming it, exit 3, no store file' '
    unloadable bad "cannot load libsqlite3.so.0: "
'

if [ $have_cc = 1 ]; then
    test_expect_success 'libsqlite3 without its functions: one line naming one, exit 3' '
        unloadable stub "libsqlite3.so.0 has no function sqlite3_"
    '
else
    test_skip 'libsqlite3 without its functions' "no C compiler ($CC) for the stub library"
fi

test_done
