#!/usr/bin/env bash
# Issue 17 item 2: which value a location holds. A key ID seen with two different secrets
# (one right, one wrong) and one seen with two wrong ones: every location of a value says
# which (JSON value_sha256, SARIF valueSha256, text [sha256:...], GitLab description),
# and --verify says per secret what STS made of it (live / wrong_secret / not_checked),
# not one status for the whole credential. Reports validate against the schema.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys
k = fakekeys.Keys("sesame-t0810")
os.makedirs("tree", exist_ok=True)
keys, info = {}, {}
kid, right, wrong = k.key_id(), k.secret(), k.secret()
acct = fakekeys.account_id(kid)
keys[kid] = {"secret": right, "account": acct, "arn": f"arn:aws:iam::{acct}:user/u",
             "user_id": "AIDA" + k.hexid(17), "iam_access": "allow", "last_used": None}
open("tree/a.env", "w").write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={wrong}\n")
open("tree/b.env", "w").write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={right}\n")
kid2, w1, w2 = k.key_id(), k.secret(), k.secret()
acct2 = fakekeys.account_id(kid2)
keys[kid2] = {"secret": k.secret(), "account": acct2, "arn": f"arn:aws:iam::{acct2}:user/v",
              "user_id": "AIDA" + k.hexid(17), "iam_access": "allow", "last_used": None}
open("tree/c.env", "w").write(f"AWS_ACCESS_KEY_ID={kid2}\nAWS_SECRET_ACCESS_KEY={w1}\n")
open("tree/d.env", "w").write(f"AWS_ACCESS_KEY_ID={kid2}\nAWS_SECRET_ACCESS_KEY={w2}\n")
import hashlib
h = lambda s: hashlib.sha256(s.encode()).hexdigest()
info = {"kid": kid, "right": h(right), "wrong": h(wrong), "kid2": kid2, "w": [h(w1), h(w2)],
        "files": {"a.env": h(wrong), "b.env": h(right), "c.env": h(w1), "d.env": h(w2)}}
json.dump({"keys": keys}, open("aws-state.json", "w"))
json.dump({"users": {}}, open("smtp-state.json", "w"))
json.dump(info, open("info.json", "w"))
EOF
export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp.log" || exit 2
fake_env

test_expect_success 'without --verify: every secret location names its value (JSON, schema)' '
    run_cmd sesame scan tree -f json
    expect_rc 1
    "$PYTHON" "$SESAME_SRC/tests/integration/git_fixture.py" validate out
    "$PYTHON" - <<EOF
import json
info = json.load(open("info.json"))
d = json.load(open("out"))
for f in d["findings"]:
    shas = [s["sha256"] for s in f["secrets"]]
    assert len(shas) == 2, f
    for l in f["locations"]:
        if l["part"] == "secret_access_key":
            want = info["files"][l["path"].split("/")[-1]]
            assert l["value_sha256"] == want[:16], (l, want)
            assert any(s.startswith(l["value_sha256"]) for s in shas)
        else:
            assert "value_sha256" not in l, l
    assert all("verification" not in s for s in f["secrets"]), f["secrets"]
EOF
'

test_expect_success '--verify: per-secret verdicts; the right secret is live, the others not' '
    run_cmd sesame scan tree -f json --verify --verify-timeout-ms 3000
    expect_rc 1
    cp out v.json
    "$PYTHON" "$SESAME_SRC/tests/integration/git_fixture.py" validate v.json
    "$PYTHON" - <<EOF
import json
info = json.load(open("info.json"))
d = json.load(open("v.json"))
by = {f["access_key_id"]: f for f in d["findings"]}
f = by[info["kid"]]
st = {s["sha256"]: s["verification"] for s in f["secrets"]}
assert f["verification"]["status"] == "live", f["verification"]
assert st[info["right"]] == "live", st
assert st[info["wrong"]] in ("wrong_secret", "not_checked"), st
g = by[info["kid2"]]
assert g["verification"]["status"] == "wrong_secret", g["verification"]
assert sorted(s["verification"] for s in g["secrets"]) == ["wrong_secret", "wrong_secret"], g
EOF
'

test_expect_success 'SARIF and text say which value each place holds, and its verdict' '
    run_cmd sesame scan tree -f sarif --verify --verify-timeout-ms 3000
    expect_rc 1
    "$PYTHON" - <<EOF
import json
info = json.load(open("info.json"))
d = json.load(open("out"))
seen = {}
for r in d["runs"][0]["results"]:
    for loc in r["locations"]:
        p = loc["properties"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"].split("/")[-1]
        if "valueSha256" in p:
            seen[uri] = (p["valueSha256"], p.get("verification"))
assert seen["b.env"] == (info["right"][:16], "live"), seen
assert seen["a.env"][0] == info["wrong"][:16] and seen["a.env"][1] in ("wrong_secret", "not_checked"), seen
assert seen["c.env"][1] == seen["d.env"][1] == "wrong_secret", seen
EOF
    LC_ALL=C.UTF-8 run_cmd sesame scan tree --verify --verify-timeout-ms 3000 --color never
    expect_rc 1
    right=$("$PYTHON" -c "import json; print(json.load(open(\"info.json\"))[\"right\"][:12])")
    expect_grep "\\[sha256:$right\\] (live)" out
    expect_grep "tree/b.env:2:23 (secret_access_key \\[sha256:$right\\], rule" out
'

test_expect_success 'gitlab: each vulnerability names the value at its place' '
    run_cmd sesame scan tree -f gitlab --verify --verify-timeout-ms 3000
    expect_rc 1
    right=$("$PYTHON" -c "import json; print(json.load(open(\"info.json\"))[\"right\"][:12])")
    "$PYTHON" - "$right" <<EOF
import json, sys
d = json.load(open("out"))
v = [x for x in d["vulnerabilities"] if x["location"]["file"].endswith("b.env") and x["name"].startswith("AWS secret")]
assert v and "[sha256:%s]" % sys.argv[1] in v[0]["description"], v
assert "(live)" in v[0]["description"], v[0]["description"]
EOF
'

test_done
