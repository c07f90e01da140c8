#!/usr/bin/env bash
# --known-keys and --accounts (issue 13, class 8): the organisation's key inventory in
# each accepted format (aws iam list-access-keys JSON, one document per user
# concatenated, CSV, plain list), also from .sesame.json; a bare key ID of the inventory
# is a high-confidence finding naming its user and status, ranked above an unknown one;
# --accounts classifies every other decoded key ID as own or foreign; a malformed
# inventory is an error (exit 4) naming the line. Nothing contacts AWS. Keys come from a
# fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

SUPPORT="$SESAME_SRC/tests/support"
export SUPPORT

"$PYTHON" - <<'EOF'
import json, os, sys
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k = fakekeys.Keys("sesame-t0170")
own_active, own_inactive, foreign = k.key_id(), k.key_id(), k.key_id()
other_own = k.key_id(account=fakekeys.account_id(own_active))
os.makedirs("tree", exist_ok=True)
with open("tree/app.env", "w") as f:
    f.write(f"DEPLOY_KEY_ID={own_active}\n")
with open("tree/legacy.yml", "w") as f:
    f.write(f"old_key: {own_inactive}\n")
with open("tree/vendor.txt", "w") as f:
    f.write(f"their key {foreign}\n")
with open("tree/other.txt", "w") as f:
    f.write(f"another key of ours: {other_own}\n")
docs = [{"AccessKeyMetadata": [{"UserName": "alice", "AccessKeyId": own_active,
                                "Status": "Active", "CreateDate": "2024-01-02T03:04:05+00:00"}]},
        {"AccessKeyMetadata": [{"UserName": "ci-old", "AccessKeyId": own_inactive,
                                "Status": "Inactive", "CreateDate": "2019-05-06T07:08:09+00:00"}]}]
with open("keys.json", "w") as f:
    for d in docs:   # what `for u in ...; do aws iam list-access-keys --user-name $u; done` prints
        f.write(json.dumps(d, indent=4) + "\n")
with open("keys-array.json", "w") as f:
    json.dump(docs, f)
with open("keys.csv", "w") as f:
    f.write(f"user,access_key_id,status\nalice,{own_active},Active\nci-old,{own_inactive},Inactive\n")
with open("keys.txt", "w") as f:
    f.write(f"# our keys\n{own_active}\n{own_inactive}\n")
with open("accounts.txt", "w") as f:
    f.write(fakekeys.account_id(own_active) + "\n")
with open("bad.csv", "w") as f:
    f.write(f"user,access_key_id\nalice,{own_active}\nbob,not-a-key\n")
json.dump({"own_active": own_active, "own_inactive": own_inactive, "foreign": foreign,
           "other_own": other_own}, open("ids.json", "w"))
EOF

id_of() { "$PYTHON" -c "import json; print(json.load(open('ids.json'))['$1'])"; }
ACTIVE=$(id_of own_active)
INACTIVE=$(id_of own_inactive)

check_json() { # report, with or without users/statuses
    "$PYTHON" - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
named = sys.argv[2] == "named"
ids = json.load(open("ids.json"))
by = {f["access_key_id"]: f for f in d["findings"]}
a, i = by[ids["own_active"]], by[ids["own_inactive"]]
assert a["known_key"] is not None and i["known_key"] is not None, (a, i)
assert a["confidence"] == "high" and a["account_owner"] == "own", a
assert by[ids["foreign"]]["known_key"] is None, by[ids["foreign"]]
if named:
    assert a["known_key"] == {"user": "alice", "status": "Active"}, a["known_key"]
    assert i["known_key"] == {"user": "ci-old", "status": "Inactive"}, i["known_key"]
    order = [f["access_key_id"] for f in d["findings"]]
    # an active key of ours outranks an unknown one, and its inactive sibling
    assert a["risk"]["score"] > by[ids["foreign"]]["risk"]["score"], (a["risk"], by[ids["foreign"]]["risk"])
    assert a["risk"]["score"] > i["risk"]["score"]
    assert any(x["name"] == "own_key" for x in a["risk"]["factors"]), a["risk"]
EOF
}

for inv in keys.json keys-array.json keys.csv; do
    test_expect_success "--known-keys $inv: own keys named with user and status, ranked first" "
        run_cmd sesame scan --no-cache --format json --known-keys $inv tree
        expect_rc 1
        check_json out named
    "
done

test_expect_success '--known-keys with a plain list of key IDs' '
    run_cmd sesame scan --format json --known-keys keys.txt tree
    expect_rc 1
    check_json out plain
'

test_expect_success 'text report says whose the key is' '
    run_cmd sesame scan --known-keys keys.json tree
    expect_rc 1
    expect_grep -F "$ACTIVE  access key ID" out
    expect_grep -F "yours: user alice, Active" out
    expect_grep -F "yours: user ci-old, Inactive" out
'

test_expect_success '--accounts classifies every other decoded key ID as own or foreign' '
    run_cmd sesame scan --format json --accounts accounts.txt tree
    expect_rc 1
    "$PYTHON" - <<EOF
import json
d = json.load(open("out"))
ids = json.load(open("ids.json"))
by = {f["access_key_id"]: f for f in d["findings"]}
assert by[ids["other_own"]]["account_owner"] == "own", by[ids["other_own"]]
assert by[ids["foreign"]]["account_owner"] == "foreign", by[ids["foreign"]]
assert by[ids["other_own"]]["known_key"] is None
EOF
    run_cmd sesame scan --accounts accounts.txt tree
    expect_grep "own account" out
    expect_grep "foreign account" out
'

test_expect_success 'without an inventory nothing says own or foreign' '
    run_cmd sesame scan --format json tree
    expect_rc 1
    "$PYTHON" -c "
import json
for f in json.load(open(\"out\"))[\"findings\"]:
    assert f[\"account_owner\"] is None and f[\"known_key\"] is None, f
"
'

test_expect_success '"known_keys" and "accounts" in .sesame.json, relative to it' '
    mkdir -p tree/.inv && cp keys.json tree/.inv/keys.json && cp accounts.txt tree/.inv/
    printf "{\"known_keys\": \".inv/keys.json\", \"accounts\": \".inv/accounts.txt\", \"exclude\": [\".inv\"]}\n" >tree/.sesame.json
    run_cmd sesame scan --format json tree
    expect_rc 1
    check_json out named
    rm -rf tree/.inv tree/.sesame.json
'

test_expect_success 'a malformed inventory is an error naming the line (exit 4)' '
    run_cmd sesame scan --known-keys bad.csv tree
    expect_rc 4
    expect_grep "bad.csv.*line 3" err
    run_cmd sesame scan --known-keys missing.json tree
    expect_rc 3
'

test_done
