#!/usr/bin/env bash
# A fleet (issue 15 items 2 and 5): `sesame audit --enqueue` fills the work queue of a
# PostgreSQL store (a private server started here: tests/support/pg_server.sh; never
# skipped) with 120 generated repositories (fixed seed), 4 `sesame audit --worker
# --until-empty` processes drain it, one of them killed with SIGKILL mid-repository (in
# its write transaction, held there by the test-only SESAME_TEST_STALL): its repository
# is claimed again after --lease-timeout, every repository is audited exactly once (one
# scan each), and `sesame findings --format json` is the same as a single-process SQLite
# audit of the same repositories (time fields aside). Enqueuing is idempotent; a re-audit
# of the whole set reads nothing new; `sesame queue status` shows counts, running and
# failed repositories; a repository that cannot be read is parked after --max-attempts.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/store_lib.sh"

pg_private fleet other
PG="postgresql:///fleet?host=$PGDIR&user=postgres"
N=120

pq() { pgs psql "$PGDIR" -d fleet -Atc "$1"; }

test_expect_success 'generate 120 repositories; a single-process SQLite audit of them' '
    "$PYTHON" "$SESAME_SRC/tests/support/gen_fleet.py" repos $N
    expect_eq "$(wc -l <repos/list)" $N
    run_cmd sesame audit --db "$TRASH/one.db" --repos-from repos/list -q -f json
    expect_rc 1
    expect_eq "$(js out "d[\"audited\"], d[\"failed\"]")" "($N, 0)"
    findings_of "$TRASH/one.db" >f.one
    test "$(js f.one "len(d[\"findings\"])")" -ge 10
'

test_expect_success '--enqueue: the repositories queued; again: nothing duplicated' '
    run_cmd sesame audit --db "$PG" --enqueue --repos-from repos/list
    expect_rc 0
    expect_grep "^$N repositories enqueued, 0 queued again" out
    run_cmd sesame audit --db "$PG" --enqueue -f json --discover repos
    expect_rc 0
    expect_eq "$(js out "d[\"enqueued\"], d[\"queued_again\"], d[\"already_queued\"]")" "(0, 0, $N)"
    expect_eq "$(pq "SELECT COUNT(*), COUNT(DISTINCT url) FROM queue")" "$N|$N"
    expect_eq "$(pq "SELECT version FROM schema_version")" 9
    run_cmd sesame queue status --db "$PG" -f json
    expect_rc 0
    expect_eq "$(js out "d[\"pending\"], d[\"running\"], d[\"done\"], d[\"failed\"]")" "($N, 0, 0, 0)"
'

test_expect_success '4 workers, one killed with SIGKILL mid-repository: all audited once' '
    for w in 1 2 3 4; do
        SESAME_TEST_STALL=/r037 "$SESAME_BIN" audit --db "$PG" --worker --until-empty \
            --lease-timeout 3 --worker-id w$w -f json >w$w.json 2>w$w.err &
        eval "pid$w=\$!"
        WPIDS="$WPIDS $!"
    done
    # the worker that claims r037 stops in its transaction and says so
    for i in $(seq 1 300); do
        grep -h "stalls in" w?.err >stall 2>/dev/null && break
        sleep 0.1
    done
    expect_grep "stalls in $TRASH/repos/r037" stall
    victim=$(sed -n "s/.*worker \(w[0-9]\) (pid \([0-9]*\)).*/\1 \2/p" stall)
    vpid=${victim#* }
    kill -9 "$vpid"
    # while its lease runs, r037 shows as running, claimed by the killed worker
    sesame queue status --db "$PG" >status.txt
    expect_grep "running  $TRASH/repos/r037  worker ${victim% *}" status.txt
    rcs=
    for w in 1 2 3 4; do
        eval "p=\$pid$w"
        rc=0; wait $p || rc=$?
        [ "$p" = "$vpid" ] || rcs="$rcs $rc"
    done
    expect_eq "$rcs" " 0 0 0"
    # every repository done once; r037 twice claimed, done by another worker
    expect_eq "$(pq "SELECT state, COUNT(*) FROM queue GROUP BY state")" "done|$N"
    expect_eq "$(pq "SELECT attempts, worker <> ${Q}${victim% *}${Q} FROM queue WHERE url LIKE ${Q}%/r037${Q}")" "2|t"
    expect_eq "$(pq "SELECT COUNT(*), COUNT(DISTINCT repo) FROM scans")" "$N|$N"
    test "$(pq "SELECT COUNT(DISTINCT worker) FROM queue")" -ge 3
    # what the survivors said they audited: each repository once, none the victim did
    done_by_victim=$(pq "SELECT COUNT(*) FROM queue WHERE worker=${Q}${victim% *}${Q}")
    js_docs $(ls w?.json | grep -v "${victim% *}") -- "
urls = [r[\"repository\"] for d in docs for r in d[\"repositories\"] if r[\"status\"] == \"ok\"]
assert len(urls) == len(set(urls)) == $N - $done_by_victim, (len(urls), len(set(urls)))
"
    findings_of "$PG" >f.pg
    diff f.one f.pg
'

test_expect_success 're-audit of the whole set: queued again, nothing new read' '
    run_cmd sesame audit --db "$PG" --enqueue -f json --repos-from repos/list
    expect_eq "$(js out "d[\"enqueued\"], d[\"queued_again\"], d[\"already_queued\"]")" "(0, $N, 0)"
    sesame audit --db "$PG" --worker --until-empty -f json >a.json 2>a.err &
    p1=$!
    run_cmd sesame audit --db "$PG" --worker --until-empty -f json
    expect_rc 0
    wait $p1
    js_docs out a.json -- "
rows = [r for d in docs for r in d[\"repositories\"]]
assert len(rows) == $N, len(rows)
assert {(r[\"mode\"], r[\"objects_read\"]) for r in rows} == {(\"incremental\", 0)}, rows[:3]
"
    findings_of "$PG" >f.pg2
    diff f.one f.pg2
'

test_expect_success 'a repository that cannot be read is parked after --max-attempts' '
    run_cmd sesame audit --db "$PG" --enqueue "$TRASH/repos/r001" "$TRASH/nowhere"
    expect_grep "1 repositories enqueued, 1 queued again" out
    run_cmd sesame audit --db "$PG" --worker --until-empty --max-attempts 2 -q
    expect_rc 3
    expect_grep "1 of $((N + 1)) repositories parked as failed" err
    expect_grep "failed: $TRASH/nowhere: cannot read" err
    run_cmd sesame queue status --db "$PG"
    expect_rc 0
    expect_grep "^pending 0, running 0, done $N, failed 1$" out
    expect_grep "^failed   $TRASH/nowhere  after 2 attempts (last worker [^)]*): cannot read" out
    run_cmd sesame queue status --db "$PG" --format json
    expect_eq "$(js out "[(f[\"repository\"], f[\"attempts\"]) for f in d[\"failed_repositories\"]]")" \
        "[(${Q}$TRASH/nowhere${Q}, 2)]"
'

test_expect_success 'usage: --worker with paths, --enqueue with --worker, worker options alone' '
    run_cmd sesame audit --db "$PG" --worker r001
    expect_rc 2
    expect_grep "name repositories with --enqueue" err
    run_cmd sesame audit --db "$PG" --worker --enqueue
    expect_rc 2
    run_cmd sesame audit --db "$PG" --until-empty repos/r001
    expect_rc 2
    run_cmd sesame audit --db "$PG" --worker --lease-timeout 0
    expect_rc 2
    run_cmd sesame queue
    expect_rc 2
    run_cmd sesame queue status --db "$PG" -f csv
    expect_rc 2
'

test_expect_success 'the queue on a SQLite file: workers on one machine' '
    run_cmd sesame audit --db "$TRASH/q.db" --enqueue repos/r00[0-9]
    expect_rc 0
    sesame audit --db "$TRASH/q.db" --worker --until-empty -q 2>q1.err &
    p1=$!
    run_cmd sesame audit --db "$TRASH/q.db" --worker --until-empty -q
    expect_rc 0
    wait $p1
    expect_eq "$(sq "$TRASH/q.db" "SELECT state, COUNT(*) FROM queue GROUP BY state")" "done	10"
    expect_eq "$(sq "$TRASH/q.db" "SELECT COUNT(*), COUNT(DISTINCT repo) FROM scans")" "10	10"
'

test_done
