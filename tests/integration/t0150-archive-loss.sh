#!/usr/bin/env bash
# Issue 11 "Nothing lost", items 4 and 5 and their siblings: archives and compressed
# streams that end early, are followed by more bytes, hold no members, are misread or
# damaged. Each generated file (archive_loss.py, fixed seed, fake keys) is scanned on
# its own; every key must be reported at its exact path, line, column and offset, with
# the exit status and warnings the case calls for (clean archives: exit 0, silent).
. "$(dirname "$0")/lib.sh"
setup

GEN="$IT_DIR/archive_loss.py"

test_expect_success 'generate the cases (fixed seed)' '
    "$PYTHON" "$GEN" gen cases manifest.json
    test -s cases/zeros512.gz
'

names=$("$PYTHON" -c 'import json; print(" ".join(c["name"] for c in json.load(open("manifest.json"))["cases"]))')
for name in $names; do
    why=$("$PYTHON" -c 'import json, sys; print(next(c["why"] for c in json.load(open("manifest.json"))["cases"] if c["name"] == sys.argv[1]))' "$name")
    test_expect_success "$name: $why" "
        cd cases
        run_cmd sesame scan --format json $name
        \"\$PYTHON\" \"\$GEN\" check ../manifest.json $name \$rc out err
    "
done

test_expect_success 'text output names the place of a key found after the end of a tar' '
    cd cases
    run_cmd sesame scan clean-then-creds.tar
    expect_rc 1
    expect_grep "seen at     clean-then-creds.tar:[0-9]*:21 " out
'

test_done
