#!/usr/bin/env bash
# Issue 11, "nothing lost": runs that lost a credential or said "complete" when they were
# not. Each test reproduces one case as the issue words it: archive limits (6), a missing
# second target (7), one target's .sesame.json hiding another's files (8), a baselined
# key ID hiding its new secret (9), incomplete runs in SARIF and skipped inputs in the
# summary (11), names printed without loss (16).
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# report_get REPORT EXPR: a Python expression over the JSON report `d`.
report_get() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# ids REPORT: the key IDs of a JSON report, sorted, one a line.
ids() {
    report_get "$1" '"\n".join(sorted(f["access_key_id"] or "-" for f in d["findings"]))'
}

test_expect_success 'case 6: an archive limit makes the run incomplete: exit 5, said in the summary, also with -q' '
    mkdir lim
    python3 - lim/many.zip <<EOF
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for i in range(5):
        z.writestr("m%d.txt" % i, "nothing here %d\n" % i)
EOF
    run_cmd sesame scan --max-archive-members 2 lim
    expect_rc 5
    expect_grep "no credentials found" out
    expect_grep "1 cut short by a limit" out
    expect_grep "^incomplete:" out
    expect_grep "raise the limit the warning names .* or --exclude the path" out
    expect_grep "warning: .*many.zip.*more than 2" err
    run_cmd sesame scan -q --max-archive-members 2 lim
    expect_rc 5
    test ! -s err
    run_cmd sesame scan --format json --max-archive-members 2 lim
    expect_rc 5
    expect_eq "$(report_get out "d[\"scan\"][\"complete\"]")" False
    expect_eq "$(report_get out "d[\"scan\"][\"limits\"]")" 1
    expect_eq "$(report_get out "[x[\"kind\"] for x in d[\"scan\"][\"diagnostics\"]].count(\"limit\") >= 1")" True
    # accepted: a higher limit, or an exclude
    run_cmd sesame scan --max-archive-members 10 lim
    expect_rc 0
    run_cmd sesame scan --max-archive-members 2 --exclude "*.zip" lim
    expect_rc 0
    expect_grep "1 excluded" out
'

test_expect_success 'case 6: a key beyond an archive limit: the keys before it are found, exit 7' '
    mkdir lim2
    creds 1 >k1.txt
    creds 2 >k2.txt
    python3 - lim2/two.zip <<EOF
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write("k1.txt", "a/k1.txt")
    for i in range(3):
        z.writestr("pad%d.txt" % i, "x\n")
    z.write("k2.txt", "z/k2.txt")
EOF
    run_cmd sesame scan --format json --max-archive-members 2 lim2
    expect_rc 7
    expect_eq "$(ids out)" "$(key 1)"
'

test_expect_success 'case 7: `sesame scan a b` with b missing reports what a holds and warns about b' '
    mkdir a
    creds 3 >a/creds.ini
    run_cmd sesame scan a b
    expect_rc 7
    expect_grep "$(key 3)" out
    expect_grep "1 unreadable" out
    expect_grep "warning: cannot read .b.: No such file or directory" err
    run_cmd sesame scan --format json a b
    expect_rc 7
    expect_eq "$(ids out)" "$(key 3)"
    expect_eq "$(report_get out "d[\"scan\"][\"complete\"]")" False
    run_cmd sesame scan b
    expect_rc 3
    expect_grep "no credentials found" out
    run_cmd sesame scan --format sarif a b
    expect_rc 7
    expect_eq "$(report_get out "d[\"runs\"][0][\"invocations\"][0][\"executionSuccessful\"]")" False
'

test_expect_success 'case 8: the .sesame.json of one target applies to that target only' '
    mkdir -p A B
    printf "{\"exclude\": [\"*.txt\"]}\n" >A/.sesame.json
    creds 4 >A/hidden.txt
    creds 5 >B/creds.txt
    run_cmd sesame scan --format json A B
    expect_rc 1
    expect_eq "$(ids out)" "$(key 5)"
    expect_eq "$(report_get out "d[\"scan\"][\"excluded\"]")" 1
    run_cmd sesame scan --format json B A
    expect_eq "$(ids out)" "$(key 5)"
    run_cmd sesame scan A B
    expect_grep "1 excluded" out
    # rules.disable too: disabled for A only
    mkdir -p C D
    printf "{\"rules\": {\"disable\": [\"aws.access_key_id\"]}}\n" >C/.sesame.json
    key 6 >C/id.txt
    key 7 >D/id.txt
    run_cmd sesame scan --format json C D
    expect_rc 1
    expect_eq "$(ids out)" "$(key 7)"
    # a baseline named by A covers A only: the same key in B is still reported
    mkdir -p E F
    creds 8 >E/k.ini
    (cd E && "$SESAME_BIN" baseline create . >.sesame-baseline.json)
    printf "{\"baseline\": \".sesame-baseline.json\"}\n" >E/.sesame.json
    cp E/k.ini F/k.ini
    run_cmd sesame scan --format json E
    expect_rc 0
    run_cmd sesame scan --format json E F
    expect_rc 1
    expect_eq "$(ids out)" "$(key 8)"
'

test_expect_success 'case 9: a baselined bare key ID does not hide its newly leaked secret' '
    git init -q bl
    echo "Our deploy key is $(key 9), ask ops for the secret." >bl/doc.md
    git -C bl add doc.md
    (cd bl && commit -m "doc")
    (cd bl && "$SESAME_BIN" baseline create . >.sesame-baseline.json)
    printf "{\"baseline\": \".sesame-baseline.json\"}\n" >bl/.sesame.json
    git -C bl add .sesame.json .sesame-baseline.json
    (cd bl && commit -m "baseline")
    run_cmd sesame scan bl
    expect_rc 0
    expect_grep "1 suppressed" out
    creds 9 >bl/creds.ini
    git -C bl add creds.ini
    (cd bl && commit -m "the secret")
    run_cmd sesame scan --format json bl
    expect_rc 1
    expect_eq "$(ids out)" "$(key 9)"
    expect_eq "$(report_get out "len(d[\"findings\"][0][\"secrets\"])")" 1
    # recreated, the baseline records the secret and covers it again
    (cd bl && "$SESAME_BIN" baseline create . >.sesame-baseline.json)
    grep -q "\"secret_access_key:[0-9a-f]\{16\}\"" bl/.sesame-baseline.json
    expect_no_grep -F "$(secret 9)" bl/.sesame-baseline.json
    run_cmd sesame scan bl
    expect_rc 0
    # a version 1 baseline (fingerprints only) cannot say which secrets it saw
    python3 - bl/.sesame-baseline.json <<EOF
import json, sys
d = json.load(open(sys.argv[1]))
d["version"] = 1
for f in d["findings"]:
    del f["parts"]
json.dump(d, open(sys.argv[1], "w"))
EOF
    run_cmd sesame scan bl
    expect_rc 1
    expect_grep "version 1 baseline records no secrets" err
'

test_expect_success 'case 11: SARIF of a run that could not read an input: executionSuccessful false, notifications' '
    mkdir s11
    creds 10 >s11/k.ini
    mkfifo s11/fifo
    ln -s /nonexistent s11/dangling
    run_cmd sesame scan --format sarif s11 missing-dir
    expect_rc 7
    expect_eq "$(report_get out "d[\"runs\"][0][\"invocations\"][0][\"executionSuccessful\"]")" False
    expect_eq "$(report_get out "\" \".join(n[\"level\"] for n in d[\"runs\"][0][\"invocations\"][0][\"toolExecutionNotifications\"])")" "error error"
    expect_grep "missing-dir" out
    run_cmd sesame scan s11
    expect_rc 1
    expect_grep "2 skipped" out
    run_cmd sesame scan --format sarif s11
    expect_rc 1
    expect_eq "$(report_get out "d[\"runs\"][0][\"invocations\"][0][\"executionSuccessful\"]")" True
'

test_expect_success 'case 10: a shallow clone says its history is truncated (text, JSON, SARIF), exit 3' '
    git init -q deep
    creds 11 >deep/old.ini
    git -C deep add old.ini
    (cd deep && commit -m "old key")
    git -C deep rm -q old.ini
    (cd deep && commit -m "removed")
    echo clean >deep/README
    git -C deep add README
    (cd deep && commit -m "readme")
    git clone -q --depth 1 "file://$TRASH/deep" shallow
    test -f shallow/.git/shallow
    run_cmd sesame scan shallow
    expect_rc 3
    expect_grep "no credentials found" out
    expect_grep "history truncated" out
    expect_grep "git fetch --unshallow" out
    expect_grep "warning: .*shallow repository: the history is truncated at 1 boundary commit" err
    run_cmd sesame scan --format json shallow
    expect_rc 3
    expect_eq "$(report_get out "d[\"scan\"][\"history_truncated\"], d[\"scan\"][\"complete\"]")" "(True, False)"
    run_cmd sesame scan --format sarif shallow
    expect_rc 3
    expect_eq "$(report_get out "d[\"runs\"][0][\"invocations\"][0][\"executionSuccessful\"]")" False
    run_cmd sesame scan --allow-shallow shallow
    expect_rc 0
    expect_grep "shallow repository: history before 1 boundary commit is not scanned" err
    # the whole history: nothing to say
    run_cmd sesame scan deep
    expect_rc 1
'

test_expect_success 'case 10: a shallow file in a full repository: truncated; --all-objects reads what lies beyond' '
    git clone -q "file://$TRASH/deep" full
    git -C full rev-parse HEAD >full/.git/shallow
    run_cmd sesame scan --format json full
    expect_rc 3
    expect_eq "$(ids out)" ""
    run_cmd sesame scan --format json --all-objects full
    expect_rc 7
    expect_eq "$(ids out)" "$(key 11)"
    run_cmd sesame scan --format json --all-objects --allow-shallow full
    expect_rc 1
'

test_expect_success 'case 16: names print without loss: a "!" of a name escaped, stray bytes as \xNN, no escape reaches the terminal' '
    mkdir n16
    creds 30 >k30.txt
    creds 31 >k31.txt
    creds 32 >k32.txt
    creds 33 >k33.txt
    creds 34 >k34.txt
    python3 - n16 <<EOF
import os, sys, zipfile
d = os.fsencode(sys.argv[1])
open(os.path.join(d, b"x!y.env"), "wb").write(open("k30.txt", "rb").read())
with zipfile.ZipFile(os.fsdecode(os.path.join(d, b"a.zip")), "w") as z:
    z.writestr("a!b.env", open("k31.txt").read())
    z.writestr("ctl\x1b[2Jname.env", open("k32.txt").read())
open(os.path.join(d, b"bad\xff.env"), "wb").write(open("k33.txt", "rb").read())
open(os.path.join(d, b"bad\xfe.env"), "wb").write(open("k34.txt", "rb").read())
open(os.path.join(d, b"evil\x1b[2J.zip"), "wb").write(b"PK\x03\x04" + b"\xff" * 40)
EOF
    run_cmd sesame scan --format json n16
    expect_rc 1
    report_get out "\"\\n\".join(sorted(set(l[\"path\"] for f in d[\"findings\"] for l in f[\"locations\"])))" >paths
    printf "%s\n" "n16/a.zip!a\\!b.env" "n16/a.zip!ctl\\x1b[2Jname.env" "n16/bad\\xfe.env" \
        "n16/bad\\xff.env" "n16/x\\!y.env" >want
    expect_eq "$(cat paths)" "$(cat want)"
    run_cmd sesame scan n16
    expect_rc 1
    expect_grep "n16/x\\\\!y.env:1" out
    expect_grep "n16/a.zip!a\\\\!b.env:1" out
    expect_grep "n16/bad\\\\xff.env" out
    expect_grep "n16/bad\\\\xfe.env" out
    expect_grep "evil\\\\x1b\\[2J.zip" err
    expect_no_grep "$(printf "\033")" out
    expect_no_grep "$(printf "\033")" err
    run_cmd sesame scan --format sarif n16
    expect_grep "\"uri\": \"n16/x%21y.env\"" out
    expect_grep "\"uri\": \"n16/a.zip!a%5C!b.env\"" out
'

test_done
