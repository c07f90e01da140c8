#!/usr/bin/env bash
# Issue 17 item 5, output habits: -o FILE keeps the summary line on stderr (not with -q);
# -o infers the format from the file name; TERM=dumb has no colour; a non-UTF-8 locale
# gets ASCII; git blobs are counted as blobs; one spelling of a path ("k.env", never
# "./k.env"); --progress / --no-progress (history planning and reading).
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/plant.py" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ["SESAME_SRC"], "tests", "support"))
import fakekeys
k = fakekeys.Keys("sesame-t0780")
kid, sec = k.key_id(), k.secret()
open("repo/app.env", "w").write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
open("repo/k.env", "w").write(f"aws_access_key_id = {k.key_id()}\n")
EOF

test_expect_success 'setup: a repository with 70 commits, a key in history and one uncommitted' '
    mkdir repo && git -C repo init -q -b main &&
    git -C repo config user.email t@example.com && git -C repo config user.name T &&
    "$PYTHON" plant.py && git -C repo add app.env && git -C repo commit -q -m key &&
    for i in $(seq 1 69); do echo $i >>repo/n.txt; git -C repo add n.txt;
        git -C repo commit -q -m "c$i"; done
'

test_expect_success '-o FILE: the report in the file, the summary line on stderr' '
    run_cmd sesame scan repo -o report.txt --color never
    expect_rc 1
    test ! -s out
    expect_grep "^sesame: 2 findings" err
    expect_grep "report written to report.txt (text)" err
    expect_grep "^2 findings" report.txt
    run_cmd sesame scan repo -o report.txt -q
    expect_rc 1
    test ! -s err
'

test_expect_success '-o without -f: the format follows the file name; -f wins' '
    run_cmd sesame scan repo -o r.sarif
    expect_grep "\"version\": \"2.1.0\"" r.sarif
    expect_grep "(sarif)" err
    run_cmd sesame scan repo -o r.json
    "$PYTHON" -c "import json; assert json.load(open(\"r.json\"))[\"version\"]"
    run_cmd sesame scan repo -o r.jsonl
    expect_eq "$(wc -l <r.jsonl)" 2
    run_cmd sesame scan repo -o gl-secret-detection-report.json
    expect_grep "\"type\": \"secret_detection\"" gl-secret-detection-report.json
    run_cmd sesame scan repo -o r.sarif -f json
    expect_grep "(json)" err
    "$PYTHON" -c "import json; assert json.load(open(\"r.sarif\"))[\"version\"] == \"1.4\""
    run_cmd sesame scan repo -o report.out
    expect_grep "^2 findings" report.out
'

test_expect_success 'TERM=dumb: no colour on a terminal; another TERM has colour' '
    TERM=xterm script -qefc "$SESAME_BIN scan repo" /dev/null >tty.txt 2>&1 || true
    expect_grep "$(printf "\033")\\[" tty.txt
    TERM=dumb script -qefc "$SESAME_BIN scan repo" /dev/null >dumb.txt 2>&1 || true
    expect_grep "2 findings" dumb.txt
    expect_no_grep "$(printf "\033")\\[" dumb.txt
'

test_expect_success 'LC_ALL=C (or no locale): ASCII; a UTF-8 locale: the middle dot and ellipsis' '
    LC_ALL=C run_cmd sesame scan repo --color never
    expect_rc 1
    expect_grep "access key ID - account" out
    expect_grep "\\.\\.\\.\\[sha256:" out
    if LC_ALL=C grep -q "[^ -~]" out; then echo "non-ASCII bytes:"; LC_ALL=C grep -n "[^ -~]" out; exit 1; fi
    env -u LC_ALL -u LC_CTYPE -u LANG "$SESAME_BIN" scan repo --color never >none.txt || true
    expect_no_grep "·" none.txt
    LC_ALL=C.UTF-8 run_cmd sesame scan repo --color never
    expect_grep "access key ID · account" out
    expect_grep "…\\[sha256:" out
'

test_expect_success 'git blobs are counted as blobs, not files (text and JSON)' '
    LC_ALL=C.UTF-8 run_cmd sesame scan repo --color never
    expect_grep "in 1 file and 70 git blobs" out
    run_cmd sesame scan repo -f json
    "$PYTHON" -c "
import json
s = json.load(open(\"out\"))[\"scan\"]
assert s[\"blobs\"] == 70 and s[\"files\"] == 71, s
"
    run_cmd sesame scan repo --no-history --color never
    expect_grep "in 3 files," out
'

test_expect_success 'one spelling of a path: k.env, never ./k.env' '
    (cd repo && "$SESAME_BIN" scan . -f json >../dot.json) || true
    "$PYTHON" -c "
import json
paths = {l[\"path\"] for f in json.load(open(\"dot.json\"))[\"findings\"] for l in f[\"locations\"]}
assert paths == {\"app.env\", \"k.env\"}, paths
"
    (cd repo && "$SESAME_BIN" scan ./k.env --color never >../one.txt) || true
    expect_grep "seen at     k.env:1:" one.txt
    (cd repo && "$SESAME_BIN" scan --no-history . --color never >../nh.txt) || true
    expect_grep "seen at     app.env:1:" nh.txt
    expect_no_grep "\\./" nh.txt
    run_cmd sesame scan ./repo/ -f json
    "$PYTHON" -c "
import json
paths = {l[\"path\"] for f in json.load(open(\"out\"))[\"findings\"] for l in f[\"locations\"]}
assert paths == {\"app.env\", \"repo/k.env\"}, paths
"
'

test_expect_success '--progress: planning (commits of total) and reading; --no-progress: none' '
    run_cmd sesame scan repo --progress -o r.json
    expect_grep "^sesame: planning .repo.: 64 of 70 commits (91%)" err
    expect_grep "^sesame: planning .repo.: 70 of 70 commits (100%)" err
    expect_grep "^sesame: scanned 141 of 141 inputs (100%)" err
    run_cmd sesame scan repo --no-progress -o r.json
    expect_no_grep "planning\|scanned" err
    run_cmd sesame scan repo -o r.json
    expect_no_grep "planning\|scanned" err
'

test_done
