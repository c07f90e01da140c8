# tests/integration/git_lib.sh - shared by the git history tests (t03*): a private git
# configuration, fixed identities and dates, fake keys, and report queries.
#
#   . "$(dirname "$0")/lib.sh"
#   setup
#   . "$IT_DIR/git_lib.sh"
#
# Keys never appear in the tests: `fx creds N` prints key N's two lines (fixed seed, see
# git_fixture.py), `fx key N` its key ID. Dates: every `commit` advances a day, with the
# author at 10:00 and the committer at 11:30, both at +02:00.

command -v git >/dev/null || { echo "error: git is needed" >&2; exit 2; }

# Nothing from the caller's git configuration or identity may leak in.
export HOME="$TRASH/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL="$HOME/.gitconfig"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
    GIT_CEILING_DIRECTORIES GIT_NAMESPACE
export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
export GIT_TERMINAL_PROMPT=0 GIT_MERGE_AUTOEDIT=no
git config --global init.defaultBranch main
git config --global user.name 'A U Thor'
git config --global user.email author@example.com
git config --global advice.detachedHead false
git config --global protocol.file.allow always
git config --global gc.auto 0
git config --global core.autocrlf false

FIXTURE="$IT_DIR/git_fixture.py"

# fx ARGS...: git_fixture.py (keys, report queries).
fx() {
    python3 "$FIXTURE" "$@"
}

# The day of the next commit (1-based); each test body is a subshell, so a repository
# built within one body gets increasing dates.
test_tick=0

# commit ARGS...: git commit -q ARGS at the next fixed date.
commit() {
    test_tick=$((test_tick + 1))
    local day
    day=$(printf '%02d' "$test_tick")
    GIT_AUTHOR_DATE="2021-03-${day}T10:00:00+02:00" \
        GIT_COMMITTER_DATE="2021-03-${day}T11:30:00+02:00" git commit -q "$@"
}

# test_cmp EXPECT ACTUAL: identical, or show a diff.
test_cmp() {
    if ! cmp -s "$1" "$2"; then
        echo "--- $1 (expected) vs $2 (actual):"
        diff -u "$1" "$2" | head -80
        return 1
    fi
}

# scan_json REPORT ARGS...: sesame scan --format json --show-secrets ARGS; the report in
# REPORT, stderr in REPORT.err, the exit status in $rc. Fails on a crash (signal, 70) or
# when stdout is not a JSON report matching the schema.
scan_json() {
    local report=$1
    shift
    rc=0
    "$SESAME_BIN" scan --format json --show-secrets "$@" >"$report" 2>"$report.err" || rc=$?
    if [ $rc -ge 128 ] || [ $rc -eq 70 ]; then
        echo "sesame scan $* crashed (exit status $rc):"
        head -c 3000 "$report.err"
        return 1
    fi
    if ! fx validate "$report"; then
        echo "sesame scan $* (exit status $rc) did not write a valid report:"
        head -c 2000 "$report"
        head -c 2000 "$report.err"
        return 1
    fi
    return 0
}

# expect_status N REPORT: the last scan_json exited N; shows its stderr otherwise.
expect_status() {
    if [ "$rc" -ne "$1" ]; then
        echo "expected exit status $1, got $rc; stderr:"
        head -c 3000 "$2.err"
        return 1
    fi
}

# blob_count REPO [--all-objects]: distinct blobs reachable from any ref (git's view), or
# every blob in the object database.
blob_count() {
    if [ "${2:-}" = --all-objects ]; then
        git -C "$1" cat-file --batch-all-objects --batch-check='%(objecttype)' | grep -c '^blob$'
    else
        git -C "$1" rev-list --objects --all | cut -d' ' -f1 |
            git -C "$1" cat-file --batch-check='%(objecttype)' | grep -c '^blob$'
    fi
}
