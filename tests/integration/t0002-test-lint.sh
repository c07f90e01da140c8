#!/usr/bin/env bash
# The tests' own hygiene (lint_tests.py): no `! cmd` whose status set -e would ignore,
# no checks without checks_passed, and every fake key made by tests/support/fakekeys.py.
. "$(dirname "$0")/lib.sh"
setup

test_expect_success 'the test scripts, their helpers and the benches pass lint_tests.py' '
    cd "$SESAME_SRC"
    "$PYTHON" tests/integration/lint_tests.py tests/integration/*.sh tests/integration/*.py \
        tests/support/*.sh tests/support/*.py tests/fuzz/*.sh tests/fuzz/*.py tests/run.sh \
        benches/*.sh benches/*.py
'

test_expect_success 'lint_tests.py finds each problem it looks for' '
    cat >t9999-bad.sh <<-\BAD
	test_expect_success "ignored" "
	    ! grep -q x y
	    true
	"
	test_expect_success '\''unchecked'\'' '\''
	    check expect_rc 0
	    true
	'\''
	BAD
    printf "B32=%s%s\n" ABCDEFGHIJKLMNOPQRSTUVWXYZ 234567 >>t9999-bad.sh
    run_cmd "$PYTHON" "$SESAME_SRC/tests/integration/lint_tests.py" t9999-bad.sh
    expect_rc 1
    expect_grep "t9999-bad.sh:2: .!. at the start of a line" out
    expect_grep "t9999-bad.sh:5: a test body uses check but does not end with checks_passed" out
    expect_grep "t9999-bad.sh: makes key IDs itself" out
'

test_done
