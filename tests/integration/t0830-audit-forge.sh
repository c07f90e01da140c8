#!/usr/bin/env bash
# sesame audit --github-org / --gitlab-group against a loopback fake of the forges' list
# endpoints (tests/support/fake_forge.py) and file:// remotes, never the internet:
# pagination (GitHub's Link header, GitLab's X-Next-Page), a rate limit honoured (the
# first answer is a 403 with X-RateLimit-Remaining 0: sesame waits for the reset and asks
# again), the token sent to the API only, archived repositories and forks left out unless
# asked for, a next page on another host refused, the token never stored.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

FORGE_PID=
trap '[ -n "$FORGE_PID" ] && kill "$FORGE_PID" 2>/dev/null; wait 2>/dev/null; cleanup' EXIT

# the repositories behind the fake forge (file:// remotes)
for r in gh1:50 gh2: gh3:54 gh-archived:51 gh-fork:52 gl1:53; do
    name=${r%%:*} k=${r#*:}
    git init -q "$TRASH/$name"
    (cd "$TRASH/$name" && echo "$name" >README && { [ -z "$k" ] || creds "$k" >k.env; } &&
     git add . && commit -m "$name") || exit 2
done
"$PYTHON" - "$TRASH" <<'EOF' || exit 2
import json, sys
t = sys.argv[1]
gh = lambda n, **kw: dict({"full_name": "acme/" + n, "clone_url": f"file://{t}/{n}",
                           "archived": False, "fork": False}, **kw)
json.dump({"github_token": "gh-t0ken", "gitlab_token": "gl-t0ken", "page_size": 2,
           "rate_limit_first": True, "evil_next": ["evil"],
           "orgs": {"acme": [gh("gh1"), gh("gh2"), gh("gh-archived", archived=True),
                             gh("gh-fork", fork=True), gh("gh3")],
                    "evil": [gh("gh1"), gh("gh2"), gh("gh3")]},
           "groups": {"grp/sub": [{"path_with_namespace": "grp/sub/gl1",
                                   "http_url_to_repo": f"file://{t}/gl1", "archived": False},
                                  {"path_with_namespace": "grp/sub/gh1",
                                   "http_url_to_repo": f"file://{t}/gh1", "archived": True},
                                  {"path_with_namespace": "grp/sub/fork",
                                   "http_url_to_repo": f"file://{t}/gh-fork", "archived": False,
                                   "forked_from_project": {"id": 1}}]}},
          open(t + "/forge.json", "w"))
EOF
"$PYTHON" "$SESAME_SRC/tests/support/fake_forge.py" --state "$TRASH/forge.json" \
    --port-file "$TRASH/forge.port" --log "$TRASH/forge.log" 2>"$TRASH/forge.err" &
FORGE_PID=$!
for i in $(seq 1 200); do [ -s "$TRASH/forge.port" ] && break; sleep 0.05; done
API="http://127.0.0.1:$(cat "$TRASH/forge.port")"

test_expect_success 'GitHub organisation: pages, rate limit waited for, archived and forks left out' '
    run_cmd env GITHUB_TOKEN=gh-t0ken "$SESAME_BIN" audit --db g.db --mirror-dir m -f json \
        --github-org acme --api-url "$API"
    expect_rc 1
    expect_eq "$(js out "sorted(r[\"repository\"][len(\"file://$TRASH/\"):] for r in d[\"repositories\"])")" \
        "[${Q}gh1${Q}, ${Q}gh2${Q}, ${Q}gh3${Q}]"
    expect_grep "rate limit" err
    # the rate-limited first request, then pages 1 to 3, every one with the token
    expect_eq "$(wc -l <forge.log)" 4
    expect_eq "$("$PYTHON" -c "import json; print(sorted(set(json.loads(l)[\"authorization\"] for l in open(\"forge.log\"))))")" \
        "[${Q}Bearer gh-t0ken${Q}]"
    sesame findings --db g.db -f json >f.json
    expect_grep "$(key 50)" f.json
    expect_grep "$(key 54)" f.json
    expect_no_grep "$(key 51)" f.json
    expect_no_grep "$(key 52)" f.json
    if grep -r "t0ken" g.db m; then exit 1; fi
'

test_expect_success '--include-archived --include-forks; no token: refused' '
    : >forge.log
    run_cmd env GITHUB_TOKEN=gh-t0ken "$SESAME_BIN" audit --db g2.db --mirror-dir m -f json \
        --github-org acme --api-url "$API" --include-archived --include-forks
    expect_rc 1
    expect_eq "$(js out "d[\"audited\"]")" 5
    run_cmd env -u GITHUB_TOKEN "$SESAME_BIN" audit --db g3.db --mirror-dir m \
        --github-org acme --api-url "$API"
    expect_rc 3
    expect_grep "token was refused" err
'

test_expect_success 'GitLab group with subgroups: X-Next-Page, PRIVATE-TOKEN' '
    : >forge.log
    run_cmd env GITLAB_TOKEN=gl-t0ken "$SESAME_BIN" audit --db l.db --mirror-dir m -f json \
        --gitlab-group grp/sub --api-url "$API/"
    expect_rc 1
    expect_eq "$(js out "[r[\"repository\"][len(\"file://$TRASH/\"):] for r in d[\"repositories\"]]")" \
        "[${Q}gl1${Q}]"
    expect_grep "/groups/grp%2Fsub/projects" forge.log
    expect_eq "$(wc -l <forge.log)" 2
    expect_grep "\"private_token\": \"gl-t0ken\"" forge.log
'

test_expect_success 'a next page on another host is not followed (the token stays home)' '
    : >forge.log
    run_cmd env GITHUB_TOKEN=gh-t0ken "$SESAME_BIN" audit --db e.db --mirror-dir m \
        --github-org evil --api-url "$API"
    expect_rc 4
    expect_grep "elsewhere" err
    expect_eq "$(wc -l <forge.log)" 1
'

test_done
