#!/usr/bin/env bash
# Issue 15 item 6: the least-privilege database roles of docs/fleet.md work as written.
# A private PostgreSQL server (tests/support/pg_server.sh: initdb + pg_ctl on a Unix
# socket in a temporary directory, as `nobody` when run as root; never skipped) runs
# deploy/sql/roles.sql as it is committed; then:
#   - a worker (sesame_worker: rows only, no DDL) cannot make the schema: the owner must
#     migrate first, as the docs say, and the worker's refusal names the cause;
#   - the owner (sesame_owner) makes it with `sesame findings`;
#   - the worker audits (first and incremental) with exactly the committed grants, and
#     cannot drop, alter or create a table;
#   - the reader (sesame_reader) lists findings and writes the HTML report, and cannot
#     triage (a write);
#   - the worker role also enqueues and works the queue, and the reader reads `sesame queue status`.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

pg_private
as() { echo "postgresql:///sesame?host=$PGDIR&user=sesame_$1"; }
psql_as() { # psql_as ROLE SQL: one statement as that role in the fleet's database
    pgs psql "$PGDIR" -d sesame -U "sesame_$1" -v ON_ERROR_STOP=1 -Atc "$2"
}

test_expect_success 'deploy/sql/roles.sql runs as committed' '
    pgs psql "$PGDIR" -d postgres -v ON_ERROR_STOP=1 -f "$SESAME_SRC/deploy/sql/roles.sql" >roles.log 2>&1 ||
        { cat roles.log; exit 1; }
    pgs psql "$PGDIR" -d postgres -Atc "SELECT rolname FROM pg_roles ORDER BY 1" >roles
    expect_eq "$(grep "^sesame_" roles | tr "\n" " ")" "sesame_owner sesame_reader sesame_worker "
'

test_expect_success 'repositories with credentials' '
    for r in 1 2; do
        git init -q r$r
        (cd r$r && creds $r >app.env && git add . && commit -m creds) || return 1
    done
'

test_expect_success 'a worker cannot make the schema: the owner migrates first' '
    run_cmd sesame audit --db "$(as worker)" r1
    expect_rc 3
    expect_grep "permission denied for schema sesame" err
    expect_no_grep -i "right-horse\|password" err
'

test_expect_success 'the owner makes the schema with any command that opens the store' '
    run_cmd sesame findings --db "$(as owner)"
    expect_rc 0
    expect_eq "$(psql_as owner "SELECT version FROM schema_version")" 9
    expect_eq "$(psql_as owner "SELECT DISTINCT tableowner || $Q/$Q || schemaname FROM pg_tables WHERE tablename = $Q"findings"$Q")" \
        "sesame_owner/sesame"
'

test_expect_success 'the worker audits with exactly the grants of roles.sql' '
    run_cmd sesame audit --db "$(as worker)" -f json r1 r2
    expect_rc 1
    cp out first.json
    expect_eq "$(js first.json "d[\"findings\"], [r[\"mode\"] for r in d[\"repositories\"]]")" \
        "(2, [${Q}full${Q}, ${Q}full${Q}])"
    (cd r1 && creds 5 >more.env && git add . && commit -m more)
    run_cmd sesame audit --db "$(as worker)" -f json r1 r2
    expect_rc 1
    expect_eq "$(js out "[r[\"mode\"] for r in d[\"repositories\"]]")" \
        "[${Q}incremental${Q}, ${Q}incremental${Q}]"
    expect_eq "$(psql_as owner "SELECT COUNT(*) FROM findings")" 3
'

test_expect_success 'the worker cannot drop, alter or create a table' '
    must_fail psql_as worker "DROP TABLE findings" 2>drop.err
    expect_grep "must be owner" drop.err
    must_fail psql_as worker "ALTER TABLE findings ADD COLUMN x int" 2>alter.err
    expect_grep "must be owner" alter.err
    must_fail psql_as worker "CREATE TABLE x(a int)" 2>create.err
    expect_grep "permission denied for schema sesame" create.err
    must_fail psql_as worker "CREATE TABLE public.x(a int)" 2>public.err
    expect_grep "permission denied for schema public" public.err
'

test_expect_success 'the reader lists findings and writes the report, and cannot triage' '
    run_cmd sesame findings --db "$(as reader)" -f json
    expect_rc 0
    cp out reader.json
    expect_eq "$(js reader.json "len(d[\"findings\"])")" 3
    run_cmd sesame report --db "$(as reader)" --html report.html
    expect_rc 0
    test -s report.html
    fp=$(js reader.json "d[\"findings\"][0][\"fingerprint\"]")
    run_cmd sesame triage --db "$(as reader)" "$fp" --state revoked --note rotated
    test "$rc" -ne 0
    expect_grep "permission denied for table" err
    must_fail psql_as reader "DELETE FROM findings"
'

test_expect_success 'the queue with the worker role; its status with the reader role' '
    (cd r2 && creds 6 >late.env && git add . && commit -m late)
    run_cmd sesame audit --db "$(as worker)" --enqueue "$TRASH/r1" "$TRASH/r2"
    expect_rc 0
    run_cmd sesame audit --db "$(as worker)" --worker --until-empty --worker-id t0871 --exit-zero
    cat err
    expect_rc 0
    run_cmd sesame queue status --db "$(as reader)" --format json
    expect_rc 0
    expect_eq "$(psql_as owner "SELECT COUNT(*) FROM findings")" 4
'

test_done
