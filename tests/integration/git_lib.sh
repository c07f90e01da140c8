# tests/integration/git_lib.sh - shared by the git history tests (t03*): a private git
# configuration, fixed identities and dates, fake keys, and report queries.
#
#   . "$(dirname "$0")/lib.sh"
#   setup
#   . "$IT_DIR/git_lib.sh"
#
# Keys never appear in the tests: `creds N` prints key N's two lines (fixed seed, see
# git_fixture.py), `key N` its key ID. Dates: every `commit` advances a day, with the
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

# fx ARGS...: git_fixture.py (keys, report queries). Python starts slowly on a busy
# machine, so the keys are generated once and scan reports are dumped once.
fx() {
    python3 "$FIXTURE" "$@"
}

fx table 100 >"$TRASH/keys.txt" || exit 2

# key N, secret N: key N's ID and secret; creds N: its two lines, "aws_access_key_id = ..."
# then "aws_secret_access_key = ...".
key() {
    awk -v n="$1" '$1 == n { print $2 }' "$TRASH/keys.txt"
}
secret() {
    awk -v n="$1" '$1 == n { print $3 }' "$TRASH/keys.txt"
}
creds() {
    awk -v n="$1" '$1 == n { print "aws_access_key_id = " $2; print "aws_secret_access_key = " $3 }' \
        "$TRASH/keys.txt"
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
# REPORT, stderr in REPORT.err, the exit status in $rc, and the report digested by
# `git_fixture.py dump` in REPORT.txt (read it with q). Fails on a crash (a signal or
# exit status 70), a hang (SESAME_TEST_TIMEOUT seconds, default 60) or when stdout is not
# a JSON report. A report that does not match the schema is noted in $TRASH/schema.log,
# which test_schema_checked reports (so that schema drift fails one test, not all).
scan_json() {
    local report=$1
    shift
    rc=0
    timeout -k 5 "${SESAME_TEST_TIMEOUT:-60}" \
        "$SESAME_BIN" scan --format json --show-secrets "$@" >"$report" 2>"$report.err" || rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "sesame scan $* hung: killed after ${SESAME_TEST_TIMEOUT:-60} s"
        head -c 3000 "$report.err"
        return 1
    fi
    if [ $rc -ge 128 ] || [ $rc -eq 70 ]; then
        echo "sesame scan $* crashed (exit status $rc):"
        head -c 3000 "$report.err"
        return 1
    fi
    fx dump "$report" >"$report.txt" 2>"$report.dump-err" || true
    if ! grep -q "^keys" "$report.txt"; then
        echo "sesame scan $* (exit status $rc) did not write a JSON report:"
        head -c 2000 "$report.txt" "$report.dump-err"
        head -c 2000 "$report"
        head -c 2000 "$report.err"
        return 1
    fi
    if [ "$(head -n 1 "$report.txt")" != "schema ok" ]; then
        { echo "== sesame scan $*"; grep "^schema" "$report.txt"; } >>"$TRASH/schema.log"
    fi
    return 0
}

# test_schema_checked: one test saying whether every report of this script matched
# schema/report.schema.json.
test_schema_checked() {
    test_expect_success "every JSON report above matches schema/report.schema.json" '
        if [ -s "$TRASH/schema.log" ]; then
            head -40 "$TRASH/schema.log"
            false
        fi
    '
}

# q REPORT WHAT: lines of REPORT's digest that start with WHAT, without it:
#   q r.json keys            the key numbers found ("1 2 5"; "?ID" for a stranger)
#   q r.json "scan files"    scan.files (also errors, skipped)
#   q r.json "3 finding"     exposure=E branches=A,B secret=ok
#   q r.json "3 loc"         PATH:LINE:PART commit=ID blob=ID removed_in=ID, sorted
#   q r.json commit          ID|AUTHOR|AUTHOR_TIME|COMMIT_TIME|SUMMARY of every commit
q() {
    local what=$2
    awk -v w="$what " 'index($0, w) == 1 { print substr($0, length(w) + 1) }' "$1.txt"
}

# expect_status N REPORT: the last scan_json exited N; shows its stderr otherwise.
expect_status() {
    if [ "$rc" -ne "$1" ]; then
        echo "expected exit status $1, got $rc; stderr:"
        head -c 3000 "$2.err"
        return 1
    fi
}

# norm REPORT (t0340, t0341): the JSON report without what differs between runs (times, the
# target path), findings and diagnostics sorted.
norm() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r.get("scan", {})
for k in ("started_at", "seconds", "mb_per_s", "targets"):
    s.pop(k, None)
r.pop("generated_at", None)
def canon(x):
    return json.dumps(x, sort_keys=True)
r["findings"] = sorted(r.get("findings", []), key=canon)
if isinstance(s.get("diagnostics"), list):
    s["diagnostics"] = sorted(s["diagnostics"], key=canon)
print(json.dumps(r, sort_keys=True, indent=1).replace(sys.argv[1], "REPORT"))
PY
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

# expect_keys REPORT "N N ...": REPORT's findings are exactly keys N... (in this order,
# which is numeric); "" for none.
expect_keys() {
    expect_q "$1" keys "$2"
}

# expect_q REPORT WHAT EXPECTED: `q REPORT WHAT` prints exactly EXPECTED.
expect_q() {
    local got
    got=$(q "$1" "$2")
    if [ "$got" != "$3" ]; then
        echo "$1: $2: expected '$3', got '$got'"
        return 1
    fi
}

# check CMD...: run CMD; on failure say so and remember it, but go on, so that one test
# shows every way it fails. End the test with checks_passed.
check() {
    if ! "$@"; then
        echo "FAILED: $*"
        checks_failed=1
    fi
    return 0
}
checks_passed() {
    test -z "${checks_failed:-}"
}

# has_key REPORT N: key N is among REPORT's findings.
has_key() {
    q "$1" keys | tr ' ' '\n' | grep -qx "$2"
}

# has_loc REPORT N PREFIX: one of key N's location lines (see q) starts with PREFIX.
has_loc() {
    q "$1" "$2 loc" | awk -v p="$3" 'index($0, p) == 1 { found = 1 } END { exit !found }'
}

# status_fits REPORT: the last scan_json was incomplete: it exited 7 (found, incomplete)
# if REPORT has findings, else 3 (incomplete, nothing found), and the report says
# "complete": false.
status_fits() {
    local want=3
    [ -n "$(q "$1" keys)" ] && want=7
    if [ "$rc" -ne "$want" ]; then
        echo "$1: exit status $rc, expected $want"
        return 1
    fi
    if [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scan"]["complete"])' "$1")" != False ]; then
        echo "$1: the report does not say the scan was incomplete"
        return 1
    fi
}
