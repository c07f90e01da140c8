#!/usr/bin/env bash
# Issue 11, item 3: commit messages and annotated-tag messages are scanned, in whole
# histories, ranges (--rev-range, --since-commit) and pushes (t0500, t0510). What is
# scanned is the raw object as `git cat-file -p ID` prints it (headers, signatures,
# message); a location is "(commit ID)" with that commit's provenance, or "(tag NAME)",
# at its line in that text. Exposure: the branches whose history holds the commit; a
# tag's, in history; unreachable ones with --all-objects. The summary of a commit whose
# message holds a key is not shown without --show-secrets.
#
#   main:  C1 a.txt -- C2 (empty, message: key 50) -- C3 b.txt        tag v1 (message: key 51)
#   side:          \-- S1 (empty, message: key 52)
#   detached, tag "only-tag" (lightweight): D1 (empty, message: key 53)
#   reset away: U1 (empty, message: key 54); an annotated tag "gone" (key 55), deleted
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# line_of ID TEXT: the line of `git cat-file -p ID` in repo m that contains TEXT.
line_of() {
    git -C m cat-file -p "$1" | grep -n -F "$2" | head -n 1 | cut -d: -f1
}

test_expect_success 'build the repository' '
    git init -q m
    cd m
    echo a >a.txt
    git add . && commit -m "C1: a"
    git checkout -q -b side
    commit --allow-empty -m "S1: settings" -m "$(creds 52)"
    git checkout -q main
    commit --allow-empty -m "$(creds 50)"
    echo b >b.txt
    git add . && commit -m "C3: b"
    GIT_COMMITTER_DATE="2021-04-01T10:00:00+00:00" git tag -a -m "release notes" -m "$(creds 51)" v1
    git checkout -q --detach HEAD~1
    commit --allow-empty -m "D1: detached" -m "$(creds 53)"
    git tag only-tag
    git checkout -q main
    commit --allow-empty -m "U1: oops" -m "$(creds 54)"
    git reset -q --hard HEAD~1
    GIT_COMMITTER_DATE="2021-04-02T10:00:00+00:00" git tag -a -m "$(creds 55)" gone
    git tag -d gone >/dev/null
    git reflog expire --expire=now --all
    for v in C2:main~1 C3:main S1:side D1:only-tag; do
        echo "${v%%:*}=$(git rev-parse "${v#*:}")"
    done >"$TRASH/ids.sh"
    cat "$TRASH/ids.sh"
'
. "$TRASH/ids.sh" 2>/dev/null || true

test_expect_success 'issue 11: git commit --allow-empty -m "<key>": found in a whole-history scan' '
    scan_json all.json m
    check expect_status 1 all.json
    check expect_keys all.json "50 51 52 53"
    l=$(line_of "$C2" "$(key 50)")
    check test "$l" -ge 5
    cat >expect <<-EOF
	(commit $C2):$l:access_key_id commit=$C2 blob=$C2 removed_in=-
	(commit $C2):$((l + 1)):secret_access_key commit=$C2 blob=$C2 removed_in=-
	EOF
    q all.json "50 loc" >actual
    check test_cmp expect actual
    # the commit named, with its author and dates (scan_json shows secrets: the summary too)
    fx expect-commits m "$C2" | cut -d"|" -f1-4 >expect
    q all.json commit | grep "^$C2|" | cut -d"|" -f1-4 >actual
    check test_cmp expect actual
    check expect_q all.json "50 finding" "exposure=branch branches=main secret=ok"
    # messages are no files: the count is that of the blobs and uncommitted files
    check expect_q all.json "scan files" "$(blob_count m)"
    checks_passed
'

test_expect_success 'issue 11: git tag -a -m "<key>": found, at "(tag v1)"' '
    tag=$(git -C m rev-parse v1)
    l=$(line_of "$tag" "$(key 51)")
    cat >expect <<-EOF
	(tag v1):$l:access_key_id commit=- blob=$tag removed_in=-
	(tag v1):$((l + 1)):secret_access_key commit=- blob=$tag removed_in=-
	EOF
    q all.json "51 loc" >actual
    check test_cmp expect actual
    check expect_q all.json "51 finding" "exposure=history branches= secret=ok"
    checks_passed
'

test_expect_success 'issue 11: exposure of a message: its branches, history, unreachable' '
    check expect_q all.json "52 finding" "exposure=branch branches=side secret=ok"
    check has_loc all.json 52 "(commit $S1):"
    # only a lightweight tag reaches D1
    check expect_q all.json "53 finding" "exposure=history branches= secret=ok"
    scan_json every.json --all-objects m
    check expect_keys every.json "50 51 52 53 54 55"
    check expect_q every.json "54 finding" "exposure=unreachable branches= secret=ok"
    check expect_q every.json "55 finding" "exposure=unreachable branches= secret=ok"
    check has_loc every.json 55 "(tag gone):"
    check expect_q every.json "50 finding" "exposure=branch branches=main secret=ok"
    checks_passed
'

test_expect_success 'issue 11: text and JSON name the commit and show no secret, nor the summary' '
    run_cmd sesame scan m
    check expect_rc 1
    check expect_grep -F "(commit $C2):" out
    check expect_grep -F "in commit ${C2:0:7}" out
    check expect_grep -F "(tag v1):" out
    rc=0
    sesame scan --format json m >plain.json || rc=$?
    check expect_eq "$rc" 1
    for k in 50 51 52 53; do
        check expect_no_grep -F "$(secret "$k")" out
        check expect_no_grep -F "$(secret "$k")" err
        check expect_no_grep -F "$(secret "$k")" plain.json
    done
    "$PYTHON" - plain.json "$C2" <<-\EOF
	import json, sys
	for f in json.load(open(sys.argv[1]))["findings"]:
	    for l in f["locations"]:
	        if l["commit"] and l["commit"]["id"] == sys.argv[2]:
	            assert l["commit"]["summary"] is None, l
	EOF
    checks_passed
'

test_expect_success 'issue 11: --show-secrets shows the summary of such a commit' '
    check grep -q "^commit $C2|.*|aws_access_key_id = $(key 50) aws_secret_access_key = $(secret 50)\$" all.json.txt
    checks_passed
'

test_expect_success 'issue 11: SARIF: each commit message is its own place' '
    git init -q twice
    (cd twice && commit --allow-empty -m "$(creds 56)" && commit --allow-empty -m "$(creds 56)")
    run_cmd sesame scan --format sarif twice
    check expect_rc 1
    "$PYTHON" - out "$(git -C twice rev-parse HEAD)" "$(git -C twice rev-parse HEAD~1)" <<-\EOF
	import json, sys
	doc = json.load(open(sys.argv[1]))
	res = doc["runs"][0]["results"]
	assert len(res) == 1, len(res)
	locs = res[0]["locations"] + res[0].get("relatedLocations", [])
	uris = sorted(set(l["physicalLocation"]["artifactLocation"]["uri"] for l in locs))
	want = sorted("(commit%20" + c + ")" for c in sys.argv[2:])
	assert uris == want, (uris, want)
	for l in locs:
	    assert l["properties"]["commit"] in sys.argv[2:]
	    assert "summary" not in l["properties"], l["properties"]
	EOF
    checks_passed
'

test_expect_success 'issue 11: --rev-range and --since-commit scan the messages of the range only' '
    scan_json range.json --rev-range "$C2..main" m
    check expect_status 0 range.json
    check expect_keys range.json ""
    scan_json range2.json --rev-range "main~2..main" m
    check expect_status 1 range2.json
    check expect_keys range2.json 50
    check has_loc range2.json 50 "(commit $C2):"
    scan_json since.json --since-commit "main~2" m
    check expect_keys since.json 50
    scan_json side.json --rev-range "main..side" m
    check expect_keys side.json 52
    checks_passed
'

test_expect_success 'issue 11: signatures and other headers are scanned (the raw commit)' '
    git init -q hdr
    cd hdr
    commit --allow-empty -m base
    {
        echo "tree $(git rev-parse HEAD^{tree})"
        echo "parent $(git rev-parse HEAD)"
        echo "author A U Thor <author@example.com> 1616666666 +0000"
        echo "committer A U Thor <author@example.com> 1616666666 +0000"
        echo "gpgsig -----BEGIN PGP SIGNATURE-----"
        creds 57 | sed "s/^/ /"
        echo " -----END PGP SIGNATURE-----"
        echo
        echo "signed"
    } >raw
    c=$(git hash-object -t commit -w raw)
    git update-ref refs/heads/main "$c"
    cd ..
    scan_json hdr.json hdr
    check expect_keys hdr.json 57
    check has_loc hdr.json 57 "(commit $c):6:access_key_id commit=$c"
    checks_passed
'

test_expect_success 'issue 11: a message over 64 MiB is streamed, its last line still found' '
    git init -q huge
    cd huge
    commit --allow-empty -m base
    {
        echo "tree $(git rev-parse HEAD^{tree})"
        echo "parent $(git rev-parse HEAD)"
        echo "author A U Thor <author@example.com> 1616666666 +0000"
        echo "committer A U Thor <author@example.com> 1616666666 +0000"
        echo
        echo "a long message"
        "$PYTHON" -c "import sys; sys.stdout.write((\"x\" * 99 + \"\\n\") * (66 * 1024 * 1024 // 100))"
        creds 58
    } >raw
    c=$(git hash-object -t commit -w raw)
    git update-ref refs/heads/main "$c"
    n=$(wc -l <raw)
    rm raw
    cd ..
    scan_json huge.json huge
    q huge.json "58 loc"
    check expect_keys huge.json 58
    check has_loc huge.json 58 "(commit $c):$((n - 1)):access_key_id commit=$c"
    checks_passed
'

test_schema_checked
test_done
