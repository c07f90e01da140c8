#!/usr/bin/env bash
# sesame audit and its store (issue 14): the store file (mode 0600, WAL, a schema
# version, no secret in clear), repositories, scans, findings and occurrences recorded;
# re-audits read only what is new (counted in the JSON summary: objects_read), a clean
# object is not read again even in another repository, an object with findings is read
# again so a new place it appears at is recorded; new rules rescan; a rewritten history
# marks what vanished as gone (kept, not deleted); --repos-from; an unreadable
# repository does not stop the others; a killed audit resumes where it stopped; -j N
# audits repositories in parallel; URLs are mirrored; --discover; baselines imported.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

audit() {
    sesame audit --db "$TRASH/a.db" -f json "$@"
}

test_expect_success 'build two repositories' '
    git init -q r1
    cd r1
    echo "hello" >README
    git add . && commit -m "readme"
    creds 1 >app.env
    git add . && commit -m "add credentials"
    for i in 1 2 3; do echo "line $i" >>README; git add . && commit -m "more $i"; done
    cd ..
    git init -q r2
    cd r2
    echo "hello" >README
    creds 2 >other.env
    git add . && commit -m "r2"
'

test_expect_success 'first audit: everything read, recorded, exit 1' '
    run_cmd audit r1 r2
    expect_rc 1
    cp out first.json
    expect_eq "$(js out "d[\"audited\"], d[\"findings\"], d[\"complete\"]")" "(2, 2, True)"
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" "full"
    expect_eq "$(js out "d[\"repositories\"][0][\"commits\"]")" 5
    test "$(js out "d[\"repositories\"][0][\"objects_read\"]")" -ge 7
    # README "hello" is in both: read in r1, skipped in r2 (same blob, same rules)
    expect_eq "$(js out "d[\"repositories\"][1][\"objects_skipped\"]")" 1
'

test_expect_success 'the store: mode 0600, WAL, schema version, no secret in clear' '
    expect_eq "$(stat -c %a a.db)" 600
    expect_eq "$(sq a.db "PRAGMA journal_mode")" wal
    expect_eq "$(sq a.db "SELECT version FROM schema_version")" 9
    expect_eq "$(sq a.db "SELECT COUNT(*) FROM repositories")" 2
    expect_eq "$(sq a.db "SELECT COUNT(*) FROM scans WHERE complete=1")" 2
    expect_eq "$(sq a.db "SELECT COUNT(*) FROM findings")" 2
    test "$(sq a.db "SELECT COUNT(*) FROM repo_refs")" -ge 2
    s1=$(secret 1) s2=$(secret 2)
    for f in a.db a.db-wal; do
        [ -f "$f" ] || continue
        expect_no_grep -F "$s1" "$f"
        expect_no_grep -F "$s2" "$f"
    done
    sq a.db "SELECT redacted, sha256 FROM parts WHERE kind=\"secret_access_key\"" >parts
    expect_grep "\[sha256:" parts
    expect_grep "$(printf %s "$s1" | sha256sum | cut -c1-64)" parts
    expect_no_grep -F "$s1" parts
'

test_expect_success 'unchanged re-audit reads nothing' '
    run_cmd audit r1 r2
    expect_rc 0
    for i in 0 1; do
        expect_eq "$(js out "d[\"repositories\"][$i][\"mode\"]")" incremental
        expect_eq "$(js out "d[\"repositories\"][$i][\"commits\"]")" 0
        expect_eq "$(js out "d[\"repositories\"][$i][\"objects_read\"]")" 0
    done
    # the findings are still there
    sesame findings --db a.db -f json >f.json
    expect_eq "$(js f.json "len(d[\"findings\"])")" 2
'

test_expect_success 'one new commit: only its objects are read' '
    cd r1
    echo "new file" >new.txt
    git add . && commit -m "new"
    cd ..
    run_cmd audit r1
    expect_rc 0
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" incremental
    expect_eq "$(js out "d[\"repositories\"][0][\"commits\"]")" 1
    # the new blob and the new commit (its message): nothing older
    expect_eq "$(js out "d[\"repositories\"][0][\"objects_read\"]")" 2
'

test_expect_success 'a clean blob seen before is not read; one with findings is, at its new place' '
    cd r1
    echo "hello" >copy-of-readme.txt
    cp app.env moved.env
    git add . && commit -m "copies"
    cd ..
    run_cmd audit r1
    expect_rc 1
    # the copy of app.env (held findings) and the commit; the README copy is skipped
    expect_eq "$(js out "d[\"repositories\"][0][\"objects_read\"]")" 2
    expect_eq "$(js out "d[\"repositories\"][0][\"objects_skipped\"]")" 1
    sesame findings --db a.db -f json >f.json
    js f.json "sorted(l[\"path\"] for f in d[\"findings\"] for l in f[\"locations\"] if l[\"part\"] == \"access_key_id\")" >paths
    expect_grep moved.env paths
    expect_grep app.env paths
'

test_expect_success 'new rules (another rules key): the next audit rescans everything once' '
    # which sesame:allow markers count is part of the key, like the rules themselves
    run_cmd audit --inline-allow ids r1
    expect_rc 1
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" full
    test "$(js out "d[\"repositories\"][0][\"objects_read\"]")" -ge 12
    run_cmd audit --inline-allow ids r1
    expect_rc 0
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" incremental
    expect_eq "$(js out "d[\"repositories\"][0][\"objects_read\"]")" 0
'

test_expect_success 'a new commit removes the key: an incremental re-audit says it left HEAD' '
    sesame findings --db a.db -f json >h0.json
    expect_eq "$(js h0.json "[f[\"at_head\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 1)\"]")" "[True]"
    cd r1
    git rm -q app.env moved.env
    commit -m "remove the keys"
    gone=$(git rev-parse HEAD)
    cd ..
    run_cmd audit --inline-allow ids r1
    expect_rc 0
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"], d[\"repositories\"][0][\"objects_read\"]")" "(${Q}incremental${Q}, 1)"
    sesame findings --db a.db -f json >h1.json
    expect_eq "$(js h1.json "[f[\"at_head\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 1)\"]")" "[False]"
    expect_eq "$(js h1.json "sorted(set(l[\"removed_in\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 1)\" for l in f[\"locations\"]))")" "[${Q}$gone${Q}]"
'

test_expect_success 'history rewritten: what vanished is gone, not deleted' '
    cd r2
    git checkout -q --orphan fresh
    git rm -q --cached other.env
    rm other.env
    commit -m "fresh start"
    git branch -D -q main
    git branch -m main
    git reflog expire --expire=now --all
    cd ..
    run_cmd audit r2
    expect_rc 0
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" rewritten
    sesame findings --db a.db -f json >f.json
    expect_no_grep "$(key 2)" f.json
    sesame findings --db a.db -f json --include-gone >g.json
    expect_grep "$(key 2)" g.json
    expect_eq "$(js g.json "[f[\"gone_since\"] is not None for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 2)\"]")" "[True]"
    expect_eq "$(sq a.db "SELECT COUNT(*) FROM occurrences WHERE gone_since IS NOT NULL")" 2
'

test_expect_success '--repos-from; an unreadable repository does not stop the others' '
    printf "# the fleet\n\n%s\n  %s  \n%s\n" "$TRASH/r1" "$TRASH/missing" "$TRASH/r2" >list
    run_cmd sesame audit --db b.db -f json --repos-from list
    expect_rc 7
    expect_eq "$(js out "d[\"audited\"], d[\"failed\"], d[\"complete\"]")" "(2, 1, False)"
    expect_grep "missing" err
    expect_eq "$(sq b.db "SELECT COUNT(*) FROM repositories")" 2
'

test_expect_success 'URLs: mirrored with git (file://), fetched again; a force push upstream is seen' '
    git init -q -b trunk up
    (cd up && creds 30 >k.env && echo x >x.txt && git add . && commit -m one &&
     echo y >y.txt && git add . && commit -m two)
    run_cmd sesame audit --db u.db --mirror-dir mirrors -f json "file://$TRASH/up" \
        "http://user:tok3n@127.0.0.1:1/nothing.git"
    expect_rc 7
    expect_eq "$(js out "[r[\"repository\"] for r in d[\"repositories\"]]")" \
        "[${Q}file://$TRASH/up${Q}, ${Q}http://127.0.0.1:1/nothing.git${Q}]"
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" full
    test -d "mirrors/$(echo "$TRASH/up" | sed "s|^/||; s|[^A-Za-z0-9.-]|_|g").git"
    m=$(ls -d mirrors/*up.git)
    expect_eq "$(git -C "$m" symbolic-ref HEAD)" refs/heads/trunk
    # the credentials of a URL are not stored, nor written into a mirror
    if grep -r tok3n u.db mirrors out; then exit 1; fi
    sesame findings --db u.db -f json >uf.json
    expect_eq "$(js uf.json "[f[\"at_head\"] for f in d[\"findings\"]]")" "[True]"
    # nothing new upstream: fetched, nothing read
    run_cmd sesame audit --db u.db --mirror-dir mirrors -f json "file://$TRASH/up"
    expect_rc 0
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"], d[\"repositories\"][0][\"objects_read\"]")" "(${Q}incremental${Q}, 0)"
    # upstream rewrites its history without the key: the mirror follows, the key is gone
    (cd up && git checkout -q --orphan clean && git rm -q --cached k.env && rm k.env &&
     commit -m clean && git branch -D -q trunk && git branch -m trunk)
    run_cmd sesame audit --db u.db --mirror-dir mirrors -f json "file://$TRASH/up"
    expect_rc 0
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"]")" rewritten
    sesame findings --db u.db -f json >uf.json
    expect_eq "$(js uf.json "len(d[\"findings\"])")" 0
'

test_expect_success '--discover: every repository under a directory, bare or not' '
    mkdir -p org/team/deep org/empty
    git init -q org/team/app
    (cd org/team/app && creds 40 >a.env && git add . && commit -m a)
    git clone -q --bare org/team/app org/team/deep/app-copy.git
    git init -q org/lonely
    run_cmd sesame audit --db d.db -f json --discover org
    expect_rc 1
    expect_eq "$(js out "sorted(r[\"repository\"][len(\"$TRASH/org/\"):] for r in d[\"repositories\"])")" \
        "[${Q}lonely${Q}, ${Q}team/app${Q}, ${Q}team/deep/app-copy.git${Q}]"
    # the clone shares every object with app: its commit is skipped as scanned clean; the
    # blob with the key is read again (to record where the copy has it)
    expect_eq "$(js out "[(r[\"objects_read\"], r[\"objects_skipped\"]) for r in d[\"repositories\"] if r[\"repository\"].endswith(\"copy.git\")]")" "[(1, 1)]"
    run_cmd sesame audit --db d.db --discover org/empty/../missing
    expect_rc 2
'

test_expect_success 'triage --import-baseline: open findings of a baseline become accepted_risk' '
    sesame baseline create r1 >bl.json
    fp=$(sesame findings --db a.db -f json | "$PYTHON" -c "import json,sys; print([f[\"fingerprint\"] for f in json.load(sys.stdin)[\"findings\"] if f[\"access_key_id\"] == \"$(key 1)\"][0])")
    run_cmd sesame triage --db a.db --import-baseline bl.json --by carol
    expect_rc 0
    expect_grep "1 findings now accepted_risk" out
    sesame findings --db a.db -f json --state accepted_risk >acc.json
    expect_eq "$(js acc.json "[(f[\"fingerprint\"], f[\"state_by\"], f[\"state_note\"]) for f in d[\"findings\"]]")" \
        "[(${Q}$fp${Q}, ${Q}carol${Q}, ${Q}imported from baseline bl.json${Q})]"
    # again: a decision made is kept
    run_cmd sesame triage --db a.db --import-baseline bl.json
    expect_grep "0 findings now accepted_risk, 1 already triaged" out
'

test_expect_success 'a plain directory is audited as files; a deleted file leaves its finding gone' '
    mkdir plain
    creds 60 >plain/one.env
    creds 61 >plain/two.env
    run_cmd sesame audit --db p.db -f json plain
    expect_rc 1
    expect_eq "$(js out "d[\"repositories\"][0][\"mode\"], d[\"findings\"]")" "(${Q}files${Q}, 2)"
    rm plain/two.env
    run_cmd sesame audit --db p.db -f json plain
    expect_rc 1
    sesame findings --db p.db -f json >pf.json
    expect_grep "$(key 60)" pf.json
    expect_no_grep "$(key 61)" pf.json
'

test_expect_success 'usage errors' '
    run_cmd sesame audit --db c.db
    expect_rc 2
    run_cmd sesame audit --db c.db -f sarif r1
    expect_rc 2
    run_cmd sesame findings --db nowhere.db
    expect_rc 3
    test ! -e nowhere.db
'

test_expect_success 'killed in the middle (kill -9): the next run resumes, same result' '
    mkdir fleet
    for i in $(seq 1 20); do
        git init -q fleet/r$i
        (cd fleet/r$i && creds $((i + 10)) >k.env && seq 1 3000 >n.txt &&
         git add . && commit -m "r$i")
        echo "$TRASH/fleet/r$i" >>fleet.list
    done
    sesame audit --db whole.db -q --repos-from fleet.list >/dev/null || test $? -eq 1
    # one line a repository, written as each is committed
    "$SESAME_BIN" audit --db cut.db -j 1 --repos-from fleet.list >progress 2>&1 &
    pid=$!
    for t in $(seq 1 3000); do
        [ "$(wc -l <progress)" -ge 3 ] && break
        sleep 0.01
    done
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    before=$(sq cut.db "SELECT COUNT(*) FROM scans")
    echo "scans before the kill: $before"
    test "$before" -ge 3
    test "$before" -lt 20
    sesame audit --db cut.db -q -f json --repos-from fleet.list >resume.json || test $? -eq 1
    # repositories already recorded were not scanned again; the others were, in full
    expect_eq "$(js resume.json "sum(1 for r in d[\"repositories\"] if r[\"mode\"] == \"incremental\" and r[\"objects_read\"] == 0)")" "$before"
    expect_eq "$(js resume.json "sum(1 for r in d[\"repositories\"] if r[\"mode\"] == \"full\")")" "$((20 - before))"
    for db in whole cut; do
        sesame findings --db $db.db -f json >$db.json
        js $db.json "sorted((f[\"fingerprint\"], len(f[\"locations\"])) for f in d[\"findings\"])" >$db.sum
    done
    test_cmp whole.sum cut.sum
    expect_eq "$(js cut.json "len(d[\"findings\"])")" 20
'

test_expect_success '-j 4: repositories audited in parallel, the same store as one at a time' '
    run_cmd sesame audit --db par.db -j 4 -f json --repos-from fleet.list
    expect_rc 1
    expect_eq "$(js out "d[\"audited\"], d[\"failed\"], d[\"findings\"]")" "(20, 0, 20)"
    # the summary keeps the order of the list, whatever order they finished in
    js out "[r[\"repository\"] for r in d[\"repositories\"]]" >order
    expect_eq "$(cat order)" "$("$PYTHON" -c "import sys; print([l.strip() for l in open(sys.argv[1])])" fleet.list)"
    sesame findings --db par.db -f json >par.json
    js par.json "sorted((f[\"fingerprint\"], len(f[\"locations\"])) for f in d[\"findings\"])" >par.sum
    test_cmp whole.sum par.sum
    expect_eq "$(sq par.db "SELECT COUNT(*) FROM scans")" 20
'

test_done
