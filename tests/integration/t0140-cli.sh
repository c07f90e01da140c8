#!/usr/bin/env bash
# The front door: one option table makes the parser, `sesame help CMD`, `CMD --help`,
# the man page and the shell completions; `cmake --install` installs all of it.
. "$(dirname "$0")/lib.sh"
setup

CMDS="scan baseline verify rules hook install-hook audit queue version help"

test_expect_success 'help and --help agree for every command, and list the exit codes' '
    for c in $CMDS; do
        run_cmd sesame help $c
        expect_rc 0
        cp out help-$c.txt
        expect_grep "^usage: sesame $c" help-$c.txt
        run_cmd sesame $c --help
        expect_rc 0
        cmp out help-$c.txt
    done
    for code in 0 1 2 3 4 5 6 7 70; do
        grep -q "^  $code  *[a-z]" help-scan.txt || { echo "exit code $code missing"; exit 1; }
    done
    run_cmd sesame help
    expect_rc 0
    for c in $CMDS; do expect_grep "^  $c " out; done
    run_cmd sesame
    expect_rc 2
    expect_grep "^usage: sesame COMMAND" err
'

test_expect_success 'options are per command: a known option of another command is refused by name' '
    run_cmd sesame rules check --threads 2
    expect_rc 2
    expect_grep "sesame rules. does not take .--threads." err
    run_cmd sesame scan --budget-ms 5 .
    expect_rc 2
    expect_grep "does not take .--budget-ms." err
    run_cmd sesame scan --no-such-option .
    expect_rc 2
    expect_grep "unknown option .--no-such-option." err
    run_cmd sesame scan -o
    expect_rc 2
    expect_grep "option .-o. needs an argument" err
    run_cmd sesame frobnicate
    expect_rc 2
    expect_grep "unknown command .frobnicate." err
'

test_expect_success 'every option of the help is in the man page and the completions' '
    test -s "$SESAME_BUILD/sesame.1"
    for c in $CMDS; do
        sed -n "s/^ *\(-., \)\{0,1\}--\([a-z0-9-]*\).*/\2/p" help-$c.txt
    done | sort -u >opts.txt
    test "$(wc -l <opts.txt)" -gt 40
    while read -r o; do
        r=$(printf "%s" "$o" | sed "s/-/\\\\-/g")
        [ "$o" = help ] || grep -qF -- "\\fB\\-\\-$r\\fR" "$SESAME_BUILD/sesame.1" ||
            { echo "--$o not in sesame.1"; exit 1; }
        grep -q -- "--$o" "$SESAME_BUILD/completions/sesame.bash" || { echo "--$o not in bash"; exit 1; }
        grep -q -- "-l $o" "$SESAME_BUILD/completions/sesame.fish" || { echo "--$o not in fish"; exit 1; }
        grep -q -- "--$o\[" "$SESAME_BUILD/completions/_sesame" || { echo "--$o not in zsh"; exit 1; }
    done <opts.txt
    bash -n "$SESAME_BUILD/completions/sesame.bash"
'

if command -v groff >/dev/null; then
    test_expect_success 'the man page renders without a warning' '
        groff -man -Tutf8 -ww -z "$SESAME_BUILD/sesame.1" 2>groff.err
        test ! -s groff.err || { cat groff.err; exit 1; }
        groff -man -Tutf8 "$SESAME_BUILD/sesame.1" 2>/dev/null | col -b >man.txt
        grep -q "EXIT STATUS" man.txt
        grep -q "inline-allow" man.txt
    '
else
    test_skip 'the man page renders without a warning' 'groff is not installed'
fi

test_expect_success 'cmake --install puts the binary, the man page, completions, hooks and schema in place' '
    DESTDIR="$TRASH/root" cmake --install "$SESAME_BUILD" --prefix /usr >install.log
    test -x root/usr/bin/sesame
    gzip -t root/usr/share/man/man1/sesame.1.gz  # gzipped, as Debian installs man pages
    test -s root/usr/share/bash-completion/completions/sesame
    test -s root/usr/share/zsh/vendor-completions/_sesame
    test -s root/usr/share/fish/vendor_completions.d/sesame.fish
    test -x root/usr/share/sesame/hooks/pre-receive
    test -s root/usr/share/sesame/schema/report.schema.json
    root/usr/bin/sesame version | grep -q "^sesame "
'

test_done
