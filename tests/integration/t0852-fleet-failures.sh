#!/usr/bin/env bash
# A fleet when the store fails (issue 15 item 5), on a private PostgreSQL server (started
# here: tests/support/pg_server.sh; never skipped): a wrong password is one clear line,
# exit 6, not tried again; a server down at start is tried a bounded number of times,
# then exit 6; a server restarted mid-run and a network cut longer than --lease-timeout
# (the server stopped, then started again) cost nothing: the workers wait and try again,
# every repository is done, audited once, and the findings are those of a single-process
# SQLite audit. SESAME_TEST_STALL=TEXT:MS (test-only) keeps each repository MS
# milliseconds in its write transaction, so the run lasts long enough to cut it.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/store_lib.sh"

pg_private restart cut
N=40

pq() { pgs psql "$PGDIR" -d "$1" -Atc "$2"; }

# two workers on database $1, each repository held 150 ms in its transaction; once 5
# are done, `$2` is run (what happens to the server); then both must end with exit 0
# and everything done once, with the findings of the SQLite audit
drain_through() {
    db=$1 what=$2
    url="postgresql:///$db?host=$PGDIR&user=postgres"
    sesame audit --db "$url" --enqueue --repos-from repos/list -q || return 1
    for w in 1 2; do
        SESAME_TEST_STALL=/r0:150 "$SESAME_BIN" audit --db "$url" --worker --until-empty \
            --lease-timeout 2 --max-attempts 5 --worker-id w$w >w$w.out 2>w$w.err &
        eval "pid$w=\$!"
        WPIDS="$WPIDS $!"
    done
    for i in $(seq 1 300); do
        [ "$(pq "$db" "SELECT COUNT(*) FROM queue WHERE state=${Q}done${Q}" 2>/dev/null)" -ge 5 ] && break
        sleep 0.1
    done
    eval "$what"
    rc1=0 rc2=0
    wait $pid1 || rc1=$?
    wait $pid2 || rc2=$?
    expect_eq "$rc1 $rc2" "0 0" || { cat w1.err w2.err; return 1; }
    expect_eq "$(pq "$db" "SELECT state, COUNT(*) FROM queue GROUP BY state")" "done|$N"
    expect_eq "$(pq "$db" "SELECT COUNT(*), COUNT(DISTINCT repo) FROM scans")" "$N|$N"
    findings_of "$url" >f.pg
    diff f.one f.pg
}

test_expect_success 'generate repositories; a single-process SQLite audit of them' '
    "$PYTHON" "$SESAME_SRC/tests/support/gen_fleet.py" repos $N --seed fleet15b
    run_cmd sesame audit --db "$TRASH/one.db" --repos-from repos/list -q
    expect_rc 1
    findings_of "$TRASH/one.db" >f.one
'

test_expect_success 'wrong password: exit 6, one clear line, not tried again' '
    for cmd in "audit --worker --until-empty" "audit --enqueue repos/r001" "queue status"; do
        run_cmd sesame $cmd --db "postgresql://pwuser:wrong-horse@/pwdb?host=$PGDIR"
        expect_rc 6 || return 1
        expect_eq "$(wc -l <err)" 1 || return 1
        expect_grep "password authentication failed" err || return 1
        expect_no_grep wrong-horse err || return 1
    done
'

test_expect_success 'server down at start: bounded tries, then exit 6' '
    pgs halt "$PGDIR"
    run_cmd sesame audit --db "postgresql:///restart?host=$PGDIR&user=postgres" --worker --until-empty
    expect_rc 6
    expect_grep "cannot connect" err
    expect_grep "try 1 of 5" err
    expect_grep "gave up after 5 tries" err
    expect_eq "$(grep -c "try [0-9] of 5" err)" 4
    run_cmd sesame audit --db "postgresql:///restart?host=$PGDIR&user=postgres" --enqueue repos/r001
    expect_rc 6
    pgs resume "$PGDIR"
'

test_expect_success 'server restarted mid-run: the workers try again, nothing lost' '
    drain_through restart "pgs restart \"\$PGDIR\""
    # the restart cut their connections: they said so and carried on
    cat w1.err w2.err >both.err
    expect_grep "terminating connection\|server closed the connection\|cannot" both.err
'

test_expect_success 'a network cut longer than the lease: nothing lost, all done' '
    drain_through cut "pgs halt \"\$PGDIR\"; sleep 4; pgs resume \"\$PGDIR\""
    cat w1.err w2.err >both.err
    expect_grep "queue: .*again in" both.err
'

test_done
