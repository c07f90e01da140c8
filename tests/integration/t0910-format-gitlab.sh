#!/usr/bin/env bash
# Issue 17 item 3: --format gitlab writes GitLab's Secret Detection report
# (gl-secret-detection-report.json). Every report is validated against the subset of the
# published schema kept in tests/data/gitlab-secret-detection-subset.schema.json, and
# compared with the JSON report of the same scan: one vulnerability per place, the same
# file, line and commit, severity from the risk tier, stable ids, no secret in clear.
. "$(dirname "$0")/lib.sh"
setup

SCHEMA="$SESAME_SRC/tests/data/gitlab-secret-detection-subset.schema.json"
export SCHEMA

cat >"$TRASH/plant.py" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ["SESAME_SRC"], "tests", "support"))
import fakekeys
k = fakekeys.Keys("sesame-t0770")
kid, sec = k.key_id(), k.secret()
open("repo/app.env", "w").write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
open("secret.txt", "w").write(sec)
open("repo/later.env", "w").write(f"aws_access_key_id = {k.key_id()}\n")
EOF

# check_gitlab GL JSON: GL validates against the schema subset and matches the JSON
# report JSON of the same scan.
check_gitlab() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import json, os, sys
import jsonschema
gl = json.load(open(sys.argv[1]))
js = json.load(open(sys.argv[2]))
schema = json.load(open(os.environ["SCHEMA"]))
errors = list(jsonschema.Draft7Validator(schema).iter_errors(gl))
for e in errors[:10]:
    print("schema:", "/".join(map(str, e.absolute_path)), e.message[:200])
assert not errors, "%d schema errors" % len(errors)
assert gl["version"] == "15.0.7", gl["version"]
assert gl["scan"]["type"] == "secret_detection" and gl["scan"]["status"] == "success"
assert gl["scan"]["scanner"]["id"] == "sesame"
vul = gl["vulnerabilities"]
places = [(f, l) for f in js["findings"] for l in f["locations"]]
assert len(vul) == len(places), (len(vul), len(places))
assert len({v["id"] for v in vul}) == len(vul), "ids not unique"
tier = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"}
for v, (f, l) in zip(vul, places):
    loc = v["location"]
    assert loc["file"] == l["path"], (loc, l)
    assert loc["start_line"] == l["line"] == loc["end_line"], (loc, l)
    want = (l.get("commit") or {}).get("id") or "0000000"
    assert loc["commit"]["sha"] == want, (loc["commit"], l.get("commit"))
    assert v["severity"] == tier[f["risk"]["tier"]], (v["severity"], f["risk"])
    assert v["identifiers"][0]["value"] == l["rule"], (v["identifiers"], l)
    assert f["fingerprint"] in [i["value"] for i in v["identifiers"]]
    if f.get("access_key_id"):
        assert f["access_key_id"] in v["description"], v["description"]
print("ok", len(vul))
EOF
}

test_expect_success 'setup: a repository with a key in history and one in a work-tree file' '
    mkdir repo && git -C repo init -q -b main &&
    git -C repo config user.email t@example.com && git -C repo config user.name T &&
    "$PYTHON" plant.py &&
    git -C repo add app.env && git -C repo commit -q -m "add app.env"
'

test_expect_success 'gitlab report of a repository: schema, places, commits, severity' '
    run_cmd sesame scan repo -f gitlab
    expect_rc 1
    cp out gl.json
    run_cmd sesame scan repo -f json
    expect_rc 1
    cp out r.json
    check_gitlab gl.json r.json >check.txt
    expect_grep "^ok [1-9]" check.txt
    expect_grep "\"sha\": \"0000000\"" gl.json
    expect_grep "\"message\": \"add app.env\"" gl.json
'

test_expect_success 'no secret in clear, and the same ids from one run to the next' '
    expect_no_grep -F "$(cat secret.txt)" gl.json
    run_cmd sesame scan repo -f gitlab -o again.json
    expect_rc 1
    "$PYTHON" -c "
import json
a = [v[\"id\"] for v in json.load(open(\"gl.json\"))[\"vulnerabilities\"]]
b = [v[\"id\"] for v in json.load(open(\"again.json\"))[\"vulnerabilities\"]]
assert a == b, (a, b)
"
'

test_expect_success 'nothing found: a valid report with no vulnerabilities, exit 0' '
    mkdir clean && echo hello >clean/a.txt
    run_cmd sesame scan clean -f gitlab
    expect_rc 0
    cp out empty.json
    "$PYTHON" -c "
import json, os, jsonschema
d = json.load(open(\"empty.json\"))
jsonschema.Draft7Validator(json.load(open(os.environ[\"SCHEMA\"]))).validate(d)
assert d[\"vulnerabilities\"] == [], d
"
'

test_expect_success 'an incomplete scan is said in scan.messages' '
    mkdir part && cp repo/app.env part/ && echo x >part/locked.txt && chmod 000 part/locked.txt
    if [ "$(id -u)" = 0 ]; then rm part/locked.txt; mkdir part/x; ln -s /nonexistent part/x/y; fi
    run_cmd sesame scan part part/missing -f gitlab
    expect_rc 7
    "$PYTHON" -c "
import json
d = json.load(open(\"out\"))
m = [x[\"value\"] for x in d[\"scan\"][\"messages\"] if x[\"level\"] == \"warning\"]
assert any(\"incomplete scan\" in x for x in m), m
"
'

test_expect_success 'the schema check can fail: a report missing a required field is refused' '
    "$PYTHON" -c "
import json, os, jsonschema
d = json.load(open(\"gl.json\"))
del d[\"vulnerabilities\"][0][\"location\"][\"commit\"]
try:
    jsonschema.Draft7Validator(json.load(open(os.environ[\"SCHEMA\"]))).validate(d)
except jsonschema.ValidationError:
    raise SystemExit(0)
raise SystemExit(\"not refused\")
"
'

test_done
