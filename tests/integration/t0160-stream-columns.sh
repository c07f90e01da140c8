#!/usr/bin/env bash
# Issue 12, one chunk streamer: keys far along a long first line (byte 8,388,729 and
# beyond, no newline before them) are reported at the same line, column and offset in a
# plain file, in a tar, a zip, a gzip stream and a tar.gz of it, and in a git blob over
# 64 MiB streamed from `git cat-file`; in JSON and in SARIF (UTF-16 columns). The bytes
# come from stream_columns.py (fixed seed, fake keys).
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

GEN="$IT_DIR/stream_columns.py"

test_expect_success 'generate the inputs (fixed seed)' '
    "$PYTHON" "$GEN" gen in
    test -s in/big.zip && test -s in/huge.txt
'

test_expect_success 'the plain file: keys at their byte column on line 1' '
    run_cmd sesame scan --format json -o plain.json in/big.txt
    expect_rc 1
    expect_grep "\"column\": 8388730" plain.json
    run_cmd sesame scan --format sarif -o plain.sarif in/big.txt
    expect_rc 1
'

for a in big.tar big.zip big.txt.gz big.tar.gz; do
    test_expect_success "$a: the same places as the plain file" "
        run_cmd sesame scan --format json -o $a.json in/$a
        expect_rc 1
        expect_no_grep warning err  # -o: only the summary line (issue 17)
        \"\$PYTHON\" \"\$GEN\" check-json plain.json $a.json in/$a!big.txt
        run_cmd sesame scan --format sarif -o $a.sarif in/$a
        expect_rc 1
        \"\$PYTHON\" \"\$GEN\" check-sarif plain.sarif $a.sarif
    "
done

test_expect_success 'a git blob over 64 MiB (streamed): the same places as the file' '
    git init -q repo
    mv in/huge.txt repo/
    git -C repo add huge.txt
    git -C repo commit -qm huge
    run_cmd sesame scan --format json -o huge-plain.json repo/huge.txt
    expect_rc 1
    run_cmd sesame scan --format json -o huge-git.json repo
    expect_rc 1
    expect_no_grep warning err
    "$PYTHON" "$GEN" check-json huge-plain.json huge-git.json huge.txt
    expect_grep "\"column\": 73400322" huge-git.json
    run_cmd sesame scan --format sarif -o huge-plain.sarif repo/huge.txt
    run_cmd sesame scan --format sarif -o huge-git.sarif repo
    "$PYTHON" "$GEN" check-sarif huge-plain.sarif huge-git.sarif
'

test_done
