#!/usr/bin/env bash
# `sesame scan` command-line behaviour: stdin, clean and unreadable inputs, bad targets
# and options, globs, symlinks, .git directories, broken rules files, `rules check`,
# -o, colour, and identical reports whatever the number of threads.
. "$(dirname "$0")/lib.sh"
setup

GEN="$IT_DIR/gen_tree.py"
ESC=$(printf '\033')

# value PATH [KIND]: the first value of KIND (default access_key_id) planted at PATH.
value() {
    "$PYTHON" - "$1" "${2:-access_key_id}" <<'EOF'
import json, sys
m = json.load(open("manifest.json"))
print(next(c["value"] for c in m["credentials"] if c["path"] == sys.argv[1] and c["kind"] == sys.argv[2]))
EOF
}

# key_ids REPORT: the access key IDs of a JSON report, one a line, sorted.
key_ids() {
    "$PYTHON" -c 'import json, sys; print("\n".join(sorted(f["access_key_id"] or "-" for f in json.load(open(sys.argv[1]))["findings"])))' "$1"
}

# json_get REPORT EXPR: evaluate a Python expression over the report `d`.
json_get() {
    "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

test_expect_success 'setup: generate a tree and small fixtures' '
    "$PYTHON" "$GEN" --no-large tree manifest.json
    mkdir clean
    printf "# nothing here\nuser=alice\n" >clean/README.md
    cp tree/negatives/git-log.txt tree/negatives/uuids.jsonl clean/
    value app/.env >id-env.txt
    value scripts/deploy.sh >id-deploy.txt
    value config/settings.ini >id-ini.txt
    test -s id-env.txt
'

test_expect_success '"-" reads stdin' '
    run_cmd sh -c "\"$SESAME_BIN\" scan --format json - <tree/app/.env"
    expect_rc 1
    expect_eq "$(key_ids out)" "$(cat id-env.txt)"
    expect_eq "$(json_get out "d[\"findings\"][0][\"locations\"][0][\"path\"]")" "-"
    expect_eq "$(json_get out "len(d[\"findings\"][0][\"secrets\"])")" 1
    run_cmd sh -c "cat tree/app/.env | \"$SESAME_BIN\" scan -"
    expect_rc 1
    expect_grep -F "$(cat id-env.txt)" out
'

test_expect_success 'a clean directory: exit 0 and "no credentials"' '
    run_cmd sesame scan clean
    expect_rc 0
    expect_grep "no credentials" out
    test ! -s err
    run_cmd sesame scan --format json clean
    expect_rc 0
    expect_eq "$(json_get out "d[\"findings\"]")" "[]"
    expect_eq "$(json_get out "d[\"scan\"][\"files\"]")" 3
    mkdir empty
    run_cmd sesame scan empty
    expect_rc 0
    expect_grep "no credentials" out
'

# An unreadable file. chmod 000 does not stop root: then a link to /proc/self/mem, whose
# reads fail with EIO, stands in for it (followed with --follow-symlinks).
unreadable_args=
if [ "$(id -u)" != 0 ]; then
    unreadable_how='chmod 000'
elif [ -r /proc/self/mem ] && ! head -c 1 /proc/self/mem >/dev/null 2>&1; then
    unreadable_how='link to /proc/self/mem (running as root: chmod 000 does not block reads)'
    unreadable_args=--follow-symlinks
else
    unreadable_how=
fi
if [ -n "$unreadable_how" ]; then
    test_expect_success "an unreadable file: warning naming it, counted, exit 3 ($unreadable_how)" '
        mkdir unread
        cp clean/README.md unread/
        if [ "$(id -u)" != 0 ]; then
            echo "secret stuff" >unread/locked.txt
            chmod 000 unread/locked.txt
        else
            ln -s /proc/self/mem unread/locked.txt
        fi
        run_cmd sesame scan $unreadable_args unread
        expect_rc 3
        expect_grep "warning: .*unread/locked.txt" err
        expect_grep "no credentials" out
        expect_grep "1 unreadable" out
        run_cmd sesame scan $unreadable_args --format json unread
        expect_rc 3
        expect_eq "$(json_get out "d[\"scan\"][\"errors\"]")" 1
        run_cmd sesame scan $unreadable_args -q unread
        expect_rc 3
        test ! -s err
        cp tree/app/.env unread/app.env
        # found AND incomplete: its own exit code, and the summary says what was not read
        run_cmd sesame scan $unreadable_args unread
        expect_rc 7
        expect_grep "1 unreadable" out
        expect_grep "^incomplete:" out
        run_cmd sesame scan $unreadable_args --exit-zero unread
        expect_rc 3
    '
else
    test_skip 'an unreadable file: warning naming it, counted, exit 3' \
        'running as root and /proc/self/mem is readable: no way to make a file unreadable'
fi

test_expect_success 'a nonexistent target: one-line error naming it, exit 3' '
    run_cmd sesame scan does-not-exist
    expect_rc 3
    expect_eq "$(wc -l <err)" 1
    expect_grep "does-not-exist" err
    ln -s nowhere dangling
    run_cmd sesame scan dangling
    expect_rc 3
    expect_eq "$(wc -l <err)" 1
    expect_grep "dangling" err
    run_cmd sesame scan clean does-not-exist
    expect_rc 3
    expect_grep "does-not-exist" err
'

test_expect_success 'usage errors exit 2' '
    run_cmd sesame scan --no-such-option clean
    expect_rc 2
    expect_grep -e "--no-such-option" err
    run_cmd sesame scan --format yaml clean
    expect_rc 2
    expect_grep "yaml" err
    run_cmd sesame scan --threads 0 clean
    expect_rc 2
    run_cmd sesame scan --color sometimes clean
    expect_rc 2
    run_cmd sesame frobnicate
    expect_rc 2
    run_cmd sesame
    expect_rc 2
'

test_expect_success '--exclude and --include globs' '
    mkdir -p globs/a globs/b/deep
    cp tree/app/.env globs/a/one.env
    cp tree/scripts/deploy.sh globs/b/two.env
    cp tree/config/settings.ini globs/b/deep/three.txt
    env=$(cat id-env.txt) deploy=$(cat id-deploy.txt) ini=$(cat id-ini.txt)
    run_cmd sesame scan --format json globs
    expect_rc 1
    expect_eq "$(key_ids out)" "$(printf "%s\n" $env $deploy $ini | sort)"
    run_cmd sesame scan --format json --exclude "*.txt" globs
    expect_eq "$(key_ids out)" "$(printf "%s\n" $env $deploy | sort)"
    run_cmd sesame scan --format json --exclude "b/" globs
    expect_eq "$(key_ids out)" "$env"
    run_cmd sesame scan --format json --exclude "b/**" globs
    expect_eq "$(key_ids out)" "$env"
    run_cmd sesame scan --format json --exclude "deep" --exclude "a" globs
    expect_eq "$(key_ids out)" "$deploy"
    run_cmd sesame scan --format json --include "*.env" globs
    expect_eq "$(key_ids out)" "$(printf "%s\n" $env $deploy | sort)"
    run_cmd sesame scan --format json --include "b/**" globs
    expect_eq "$(key_ids out)" "$(printf "%s\n" $deploy $ini | sort)"
    run_cmd sesame scan --format json --include "*.env" --exclude "a/*" globs
    expect_eq "$(key_ids out)" "$deploy"
    run_cmd sesame scan --format json --include "*.nothing" globs
    expect_rc 0
    expect_eq "$(json_get out "d[\"scan\"][\"excluded\"]")" 3
'

test_expect_success 'symlinks are not followed by default, and are with --follow-symlinks' '
    mkdir -p links/real outside/dir
    cp tree/app/.env outside/file.env
    cp tree/scripts/deploy.sh outside/dir/deploy.sh
    cp clean/README.md links/real/
    ln -s ../outside/file.env links/file-link.env
    ln -s ../outside/dir links/dir-link
    ln -s .. links/real/loop
    run_cmd sesame scan --format json links
    expect_rc 0
    expect_eq "$(json_get out "d[\"findings\"]")" "[]"
    test "$(json_get out "d[\"scan\"][\"skipped\"]")" -ge 3
    run_cmd timeout 60 "$SESAME_BIN" scan --format json --follow-symlinks links
    expect_rc 1
    expect_eq "$(key_ids out)" "$(printf "%s\n" $(cat id-env.txt) $(cat id-deploy.txt) | sort)"
    run_cmd sesame scan --format json links/file-link.env
    expect_rc 1
    expect_eq "$(key_ids out)" "$(cat id-env.txt)"
'

test_expect_success '.git directories are skipped (other dot directories are not)' '
    mkdir -p dotgit/.git dotgit/sub/.git dotgit/.github
    cp tree/app/.env dotgit/.git/config
    cp tree/scripts/deploy.sh dotgit/sub/.git/ORIG_HEAD
    cp tree/config/settings.ini dotgit/.github/settings.ini
    run_cmd sesame scan --format json dotgit
    expect_rc 1
    expect_eq "$(key_ids out)" "$(cat id-ini.txt)"
    run_cmd sesame scan --format json --no-history dotgit
    expect_rc 1
    expect_eq "$(key_ids out)" "$(cat id-ini.txt)"
'

test_expect_success '--rules with broken JSON: exit 4, one-line error naming the file' '
    printf "{\"rules\": [\n  {\"id\": \"x\",\n" >broken.json
    run_cmd sesame scan --rules broken.json clean
    expect_rc 4
    expect_eq "$(wc -l <err)" 1
    expect_grep "broken.json" err
    test ! -s out
    run_cmd sesame rules check --rules broken.json
    expect_rc 4
    expect_grep "broken.json" err
'

test_expect_success 'a rule with a bad regex: exit 4, error naming the file and the rule' '
    cat >bad-regex.json <<EOF
{"rules": [{"id": "test.bad-regex", "name": "broken pattern", "kind": "access_key_id",
            "pattern": "(?<value>AKIA[A-Z2-7]{16}", "examples": ["x"]}]}
EOF
    run_cmd sesame scan --rules bad-regex.json clean
    expect_rc 4
    expect_eq "$(wc -l <err)" 1
    expect_grep "bad-regex.json.*test.bad-regex" err
'

test_expect_success 'rules check: exit 0 and "N passed, 0 failed"' '
    run_cmd sesame rules check
    expect_rc 0
    tail -n 1 out | grep -Eq "^([0-9]+ examples checked: )?[0-9]+ passed, 0 failed$"
    line=$(tail -n 1 out)
    checked=${line%% examples*}
    passed=$(echo "$line" | sed -E "s/.* ([0-9]+) passed.*/\1/")
    expect_eq "$checked" "$passed"
    test "$passed" -gt 0
'

test_expect_success '-o FILE writes the report there, not to stdout' '
    run_cmd sesame scan --format json -o report.json tree/app
    expect_rc 1
    test ! -s out
    expect_eq "$(key_ids report.json)" "$(cat id-env.txt)"
    run_cmd sesame scan --output report.txt tree/app
    expect_rc 1
    test ! -s out
    expect_grep -F "$(cat id-env.txt)" report.txt
    run_cmd sesame scan -o no-such-dir/report.json tree/app
    expect_rc 3
    expect_grep "no-such-dir/report.json" err
'

test_expect_success 'colour: never with --color never or NO_COLOR, always with --color always' '
    run_cmd sesame scan --color always tree/app
    expect_grep -F "$ESC[" out
    run_cmd sesame scan --color never tree/app
    expect_no_grep -F "$ESC" out
    run_cmd env NO_COLOR=1 "$SESAME_BIN" scan tree/app
    expect_no_grep -F "$ESC" out
    run_cmd env NO_COLOR=1 "$SESAME_BIN" scan --color never --format json tree/app
    expect_no_grep -F "$ESC" out
    run_cmd sesame scan tree/app
    expect_no_grep -F "$ESC" out
'

if script -qec true /dev/null >/dev/null 2>&1; then
    test_expect_success 'colour on a terminal: auto colours, NO_COLOR and --color never do not' '
        q=$(printf "%q" "$SESAME_BIN")
        script -qec "$q scan --exit-zero tree/app" /dev/null >tty-auto.txt
        expect_grep -F "$ESC[" tty-auto.txt
        NO_COLOR=1 script -qec "$q scan --exit-zero tree/app" /dev/null >tty-nocolor.txt
        expect_grep -F "$(cat id-env.txt)" tty-nocolor.txt
        expect_no_grep -F "$ESC" tty-nocolor.txt
        script -qec "$q scan --exit-zero --color never tree/app" /dev/null >tty-never.txt
        expect_grep -F "$(cat id-env.txt)" tty-never.txt
        expect_no_grep -F "$ESC" tty-never.txt
    '
else
    test_skip 'colour on a terminal' 'script(1) cannot allocate a pseudo-terminal here'
fi

test_expect_success 'an inline sesame:allow suppresses that occurrence, and says so' '
    mkdir allow
    sed -e "s/\$/  # sesame:allow/" tree/config/settings.ini >allow/settings.ini
    run_cmd sesame scan --format json allow
    expect_rc 0
    expect_eq "$(key_ids out)" ""
    test "$(json_get out "d[\"scan\"][\"suppressed\"]")" -ge 1
    cp tree/config/settings.ini allow/plain.ini
    run_cmd sesame scan --format json allow
    expect_rc 1
    expect_eq "$(key_ids out)" "$(cat id-ini.txt)"
'

test_expect_success '.sesame.json excludes and a baseline: only new findings, baseline create' '
    mkdir -p cfg/a cfg/b
    cp tree/app/.env cfg/a/one.env
    cp tree/config/settings.ini cfg/a/three.ini
    cp tree/scripts/deploy.sh cfg/b/two.sh
    env=$(cat id-env.txt) deploy=$(cat id-deploy.txt) ini=$(cat id-ini.txt)
    printf "{\"\$comment\": \"test\", \"exclude\": [\"b/**\"]}\n" >cfg/.sesame.json
    run_cmd sesame scan --format json cfg
    expect_eq "$(key_ids out)" "$(printf "%s\n" $env $ini | sort)"
    run_cmd sesame scan --format json --no-config cfg
    expect_eq "$(key_ids out)" "$(printf "%s\n" $env $deploy $ini | sort)"
    # a configured baseline that does not exist yet: scans fail naming it...
    printf "{\"exclude\": [\"b/**\"], \"baseline\": \"known.json\"}\n" >cfg/.sesame.json
    run_cmd sesame scan --format json cfg
    expect_rc 3
    expect_grep "known.json" err
    # ...but creating it does not need it
    run_cmd sesame baseline create cfg
    expect_rc 0
    cp out cfg/known.json
    expect_eq "$(json_get cfg/known.json "len(d[\"findings\"])")" 2
    run_cmd sesame scan --format json cfg
    expect_rc 0
    expect_eq "$(key_ids out)" ""
    test "$(json_get out "d[\"scan\"][\"suppressed\"]")" -ge 2
    # a new credential is reported, the known ones still are not
    cp tree/scripts/deploy.sh cfg/a/new.sh
    run_cmd sesame scan --format json cfg
    expect_rc 1
    expect_eq "$(key_ids out)" "$deploy"
    # --baseline FILE on the command line takes the place of the configured one
    printf "{\"findings\": []}\n" >empty-baseline.json
    run_cmd sesame scan --format json --baseline empty-baseline.json cfg
    expect_eq "$(key_ids out)" "$(printf "%s\n" $env $deploy $ini | sort)"
    # re-creating the baseline records everything, the known ones included
    run_cmd sesame baseline create cfg
    expect_eq "$(json_get out "len(d[\"findings\"])")" 3
'

test_expect_success '--threads 1 and --threads 2 give identical reports (SESAME_FIXED_TIME)' '
    "$PYTHON" "$GEN" big big.json
    for n in 1 2 8; do
        for fmt in json jsonl text; do
            SESAME_FIXED_TIME=1700000000 "$SESAME_BIN" scan --show-secrets --format $fmt \
                --threads $n big >threads-$n.$fmt || test $? -eq 1
        done
    done
    cmp threads-1.json threads-2.json
    cmp threads-1.json threads-8.json
    cmp threads-1.jsonl threads-2.jsonl
    cmp threads-1.text threads-2.text
    expect_eq "$(json_get threads-1.json "d[\"scan\"][\"started_at\"]")" 2023-11-14T22:13:20Z
    expect_eq "$(json_get threads-1.json "d[\"scan\"][\"seconds\"] == 0")" True
    test "$(json_get threads-1.json "len(d[\"findings\"])")" -gt 40
'

test_done
