#!/usr/bin/env bash
# sesame audit on a PostgreSQL store (issue 15): a private server (initdb + pg_ctl on a
# Unix socket in a temporary directory, as `nobody` when run as root; started here,
# stopped at the end; never skipped) takes the same audit as a SQLite file, and
# `sesame findings -f json` of both is the same (time fields aside; the server's
# database sorts text by an English locale, SQLite by bytes) - first audit,
# incremental re-audit, a removed key, triage; -j 2 writers; a file name that is not
# UTF-8; a repository whose write the server refuses mid-transaction leaves nothing (one
# transaction per repository) and the others are kept; a session cut mid-repository
# loses that repository only and the next one reconnects; PG* variables; a service file; a wrong password and a server that is down exit 6 with one line
# that does not show the password.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

pg_private   # store_lib.sh: a private server in $PGDIR, stopped at exit
# "one" sorts text as English does (ICU), where "app.env" < "B.env": the store must still
# list in the byte order SQLite uses
pgs psql "$PGDIR" -d postgres -c "CREATE DATABASE one LOCALE_PROVIDER icu ICU_LOCALE ${Q}en-US${Q} TEMPLATE template0" \
    -c "CREATE DATABASE two" || exit 1
PG="postgresql:///one?host=$PGDIR&user=postgres"
PG2="postgres://postgres@/two?host=$PGDIR"

both() {
    sqrc=0 pgrc=0
    sesame audit --db "$TRASH/a.db" -f json "$@" >sq.json 2>sq.err || sqrc=$?
    sesame audit --db "$PG" -f json "$@" >pg.json 2>pg.err || pgrc=$?
    [ "$sqrc" = "$pgrc" ] || { echo "exit $sqrc (SQLite) but $pgrc (PostgreSQL)"; cat pg.err; return 1; }
}

same_findings() {
    findings_of "$TRASH/a.db" "$@" >f.sq && findings_of "$PG" "$@" >f.pg &&
        test_cmp f.sq f.pg
}

test_expect_success 'build repositories (one file name not UTF-8)' '
    for r in 1 2 3 4; do
        git init -q r$r
        (cd r$r && echo "hello $r" >README && git add . && commit -m readme &&
         creds $r >app.env && creds $((r + 10)) >"$(printf "caf\351-$r.env")" &&
         git add . && commit -m creds && echo more >>README && git add . && commit -m more) ||
            return 1
    done
    cp -r r1 r5 && (cd r5 && creds 30 >extra.env && git add . && commit -m extra) &&
    (cd r1 && creds 1 >B.env && git add . && commit -m "B before a in bytes")
'

test_expect_success 'first audit: same exit, same summary, same findings as SQLite' '
    both r1 r2 r3 r4 r5
    expect_eq "$pgrc" 1
    expect_eq "$(js pg.json "d[\"audited\"], d[\"findings\"], d[\"complete\"]")" \
        "$(js sq.json "d[\"audited\"], d[\"findings\"], d[\"complete\"]")"
    expect_eq "$(js pg.json "[(r[\"mode\"], r[\"commits\"], r[\"objects_read\"], r[\"objects_skipped\"]) for r in d[\"repositories\"]]")" \
        "$(js sq.json "[(r[\"mode\"], r[\"commits\"], r[\"objects_read\"], r[\"objects_skipped\"]) for r in d[\"repositories\"]]")"
    same_findings
    test "$(js f.pg "len(d[\"findings\"])")" -ge 9
    # the file name that is not UTF-8 came back as it went in
    expect_grep "caf" f.pg
    expect_eq "$(pgs psql "$PGDIR" -d one -Atc "SELECT version FROM schema_version")" 9
    expect_eq "$(pgs psql "$PGDIR" -d one -Atc "SELECT COUNT(*) FROM repositories")" 5
'

test_expect_success 'no secret in clear in the server' '
    pgs psql "$PGDIR" -d one -Atc "SELECT * FROM parts" >parts
    pgs psql "$PGDIR" -d one -Atc "SELECT * FROM occurrences" >>parts
    test -s parts
    for n in 1 2 3 4 11 30; do expect_no_grep -F "$(secret $n)" parts || return 1; done
'

test_expect_success 'unchanged re-audit reads nothing, on both' '
    both r1 r2 r3 r4 r5
    expect_eq "$pgrc" 0
    expect_eq "$(js pg.json "sorted(set((r[\"mode\"], r[\"objects_read\"]) for r in d[\"repositories\"]))")" \
        "[(${Q}incremental${Q}, 0)]"
    same_findings
'

test_expect_success '-j 2 (two writers) on a fresh database: the same findings' '
    run_cmd sesame audit --db "$PG2" -j 2 -f json r1 r2 r3 r4 r5
    expect_rc 1
    findings_of "$PG2" >f.two
    findings_of "$PG" >f.one
    test_cmp f.one f.two
'

test_expect_success 'a key removed, triage: the same on both' '
    (cd r2 && git rm -q app.env && commit -m "remove the key")
    both r2
    expect_eq "$pgrc" 0
    fp=$(js f.pg "[f[\"fingerprint\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 30)\"][0]")
    sesame triage --db "$TRASH/a.db" "$fp" --state revoked --note rotated >/dev/null
    sesame triage --db "$PG" "$fp" --state revoked --note rotated >/dev/null
    same_findings
    same_findings --state revoked
    expect_eq "$(js f.pg "len(d[\"findings\"])")" 1
    expect_eq "$(js f.pg "d[\"findings\"][0][\"state\"]")" revoked
    findings_of "$PG" --state open >open.json
    expect_eq "$(js open.json "[f[\"at_head\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 2)\"]")" "[False]"
'

test_expect_success 'a repository whose write fails leaves nothing; the others are kept' '
    # a trigger makes the server refuse one occurrence, mid-transaction
    git init -q r6
    (cd r6 && creds 40 >a.env && creds 41 >poison.env && git add . && commit -m two) || return 1
    pgs psql "$PGDIR" -d two -v ON_ERROR_STOP=1 -c "
        CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
        \$\$ BEGIN IF NEW.path = ${Q}poison.env${Q} THEN RAISE EXCEPTION ${Q}refused${Q};
        END IF; RETURN NEW; END \$\$;
        CREATE TRIGGER refuse BEFORE INSERT ON occurrences FOR EACH ROW EXECUTE FUNCTION refuse();"
    run_cmd sesame audit --db "$PG2" -f json r6 r1
    expect_rc 3  # incomplete; r1 has nothing new
    expect_eq "$(js out "d[\"audited\"], d[\"failed\"], d[\"complete\"]")" "(1, 1, False)"
    expect_grep "refused" err
    expect_eq "$(pgs psql "$PGDIR" -d two -Atc "SELECT COUNT(*) FROM repositories WHERE url LIKE ${Q}%/r6${Q}")" 0
    expect_eq "$(pgs psql "$PGDIR" -d two -Atc "SELECT COUNT(*) FROM findings WHERE key_id=${Q}$(key 40)${Q}")" 0
    pgs psql "$PGDIR" -d two -c "DROP TRIGGER refuse ON occurrences"
    run_cmd sesame audit --db "$PG2" -f json r6
    expect_rc 1
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" full
    expect_eq "$(pgs psql "$PGDIR" -d two -Atc "SELECT COUNT(*) FROM findings WHERE key_id IN (${Q}$(key 40)${Q}, ${Q}$(key 41)${Q})")" 2
'

test_expect_success 'the connection cut mid-repository: that one is unread, the next reconnect' '
    # a trigger ends the session (as a server restart or a network cut would) while
    # r7 is written; r8, audited next by the same process, connects again
    for r in 7 8; do
        git init -q r$r
        (cd r$r && creds $((r + 40)) >a.env && git add . && commit -m creds) || return 1
    done
    pgs psql "$PGDIR" -d two -v ON_ERROR_STOP=1 -c "
        CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql AS
        \$\$ BEGIN IF NEW.url LIKE ${Q}%/r7${Q} THEN PERFORM pg_terminate_backend(pg_backend_pid());
        END IF; RETURN NEW; END \$\$;
        CREATE TRIGGER cut BEFORE INSERT ON repositories FOR EACH ROW EXECUTE FUNCTION cut();"
    run_cmd sesame audit --db "$PG2" -f json r7 r8
    expect_rc 7
    expect_eq "$(js out "d[\"audited\"], d[\"failed\"], d[\"complete\"]")" "(1, 1, False)"
    expect_eq "$(grep -c "terminating connection" err)" 1
    expect_eq "$(pgs psql "$PGDIR" -d two -Atc "SELECT COUNT(*) FROM repositories WHERE url LIKE ${Q}%/r7${Q} OR url LIKE ${Q}%/r8${Q}")" 1
    pgs psql "$PGDIR" -d two -c "DROP TRIGGER cut ON repositories"
    run_cmd sesame audit --db "$PG2" -f json r7 r8
    expect_rc 1
    expect_eq "$(js out "[r[\"mode\"] for r in d[\"repositories\"]]")" "[${Q}full${Q}, ${Q}incremental${Q}]"
    expect_eq "$(pgs psql "$PGDIR" -d two -Atc "SELECT COUNT(*) FROM findings WHERE key_id IN (${Q}$(key 47)${Q}, ${Q}$(key 48)${Q})")" 2
'

test_expect_success 'PG* variables from the environment (and SESAME_DB)' '
    run_cmd env PGHOST="$PGDIR" PGUSER=pwuser PGPASSWORD=right-horse PGDATABASE=pwdb \
        SESAME_DB=postgresql:// "$SESAME_BIN" audit -f json r1
    expect_rc 1
    expect_eq "$(pgs psql "$PGDIR" -d pwdb -Atc "SELECT url FROM repositories")" "$TRASH/r1"
'

test_expect_success 'a libpq service file (PGSERVICEFILE, ?service=)' '
    printf "[fleet]\nhost=%s\nuser=pwuser\npassword=right-horse\ndbname=pwdb\n" "$PGDIR" >svc.conf
    run_cmd env PGSERVICEFILE="$TRASH/svc.conf" "$SESAME_BIN" findings -f json --db "postgresql://?service=fleet"
    expect_rc 0
    expect_eq "$(js out "len(d[\"findings\"])")" 2
    run_cmd env PGSERVICEFILE="$TRASH/svc.conf" PGSERVICE=fleet "$SESAME_BIN" findings -f json --db postgresql://
    expect_rc 0
    run_cmd env PGSERVICEFILE="$TRASH/svc.conf" "$SESAME_BIN" findings --db "postgresql://?service=nosuch"
    expect_rc 6
    expect_grep "nosuch" err
'

test_expect_success 'wrong password: exit 6, one line, the password not shown' '
    run_cmd sesame audit --db "postgresql://pwuser:wrong-horse@/pwdb?host=$PGDIR" r1
    expect_rc 6
    expect_eq "$(wc -l <err)" 1
    expect_grep "password authentication failed" err
    expect_grep "pwuser:\*\*\*@" err
    expect_no_grep wrong-horse err
    run_cmd sesame findings --db "postgresql://pwuser:wrong-horse@/pwdb?host=$PGDIR"
    expect_rc 6
'

test_expect_success 'server down: exit 6, one line' '
    pgs stop "$PGDIR"
    run_cmd sesame audit --db "$PG" r1
    expect_rc 6
    expect_eq "$(wc -l <err)" 1
    expect_grep "cannot connect" err
    run_cmd sesame findings --db "$PG"
    expect_rc 6
'

test_done
