#!/usr/bin/env bash
# sesame audit --verify against the loopback fake of AWS (tests/support/fake_aws.py): each
# distinct credential is verified once across the repositories of an audit, the result is
# stored with its time, and a later audit reuses a verification younger than
# --verify-max-age instead of asking AWS again (0: always ask). Counted in the fake's
# request log. Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0820")
os.makedirs("r1", exist_ok=True)
os.makedirs("r2", exist_ok=True)
live_id, live_sec = k.key_id(), k.secret()
dead_id, dead_sec = k.key_id(), k.secret()
acct = fakekeys.account_id(live_id)
state = {"keys": {live_id: {"secret": live_sec, "account": acct,
                            "arn": f"arn:aws:iam::{acct}:user/deploy",
                            "user_id": "AIDA" + k.hexid(17),
                            "last_used": {"date": "2025-12-30T10:00:00Z", "service": "s3",
                                          "region": "us-east-1"}}}}
for d, kid, sec in (("r1", live_id, live_sec), ("r1", dead_id, dead_sec), ("r2", live_id, live_sec)):
    with open(f"{d}/{kid}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
json.dump(state, open("aws-state.json", "w"), indent=1)
open("ids", "w").write(f"{live_id}\n{dead_id}\n")
EOF
export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
fake_env
LIVE=$(sed -n 1p "$TRASH/ids")
DEAD=$(sed -n 2p "$TRASH/ids")

# sts_calls KEY: GetCallerIdentity requests the fake saw signed with KEY.
sts_calls() {
    "$PYTHON" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    n += e.get("action") == "GetCallerIdentity" and e.get("key_id") == sys.argv[2]
print(n)' "$TRASH/aws.log" "$1"
}

audit() {
    sesame audit --db "$TRASH/v.db" -f json --verify --verify-timeout-ms 3000 "$@"
}

test_expect_success 'two repositories, one shared live key: verified once' '
    for r in r1 r2; do (cd $r && git init -q && git add . && commit -m "$r"); done
    run_cmd audit r1 r2
    expect_rc 1
    expect_eq "$(js out "d[\"verified\"], d[\"verifications_reused\"]")" "(2, 1)"
    expect_eq "$(sts_calls "$LIVE")" 1
    expect_eq "$(sts_calls "$DEAD")" 1
    sesame findings --db v.db -f json >f.json
    expect_eq "$(js f.json "\" \".join(sorted(f[\"access_key_id\"][:0] + (\"shared:\" if f[\"access_key_id\"] == \"$LIVE\" else \"other:\") + f[\"verification\"][\"status\"] for f in d[\"findings\"]))")" \
        "other:invalid shared:live"
    # what the verification found is kept (and shown by sesame report --html)
    js f.json "[f[\"verification\"][\"detail\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$LIVE\"][0]" >detail
    expect_grep -F "last used 2025-12-30 (s3 us-east-1)" detail
    expect_grep -F "SES eu-west-1: sandbox, sending enabled" detail
    sesame report --db v.db --html v.html
    expect_grep "last used 2025-12-30 (s3 us-east-1)" v.html
'

test_expect_success 'a later audit reuses a young verification; --verify-max-age 0 asks again' '
    (cd r1 && cp "$LIVE.env" copy.env && git add . && commit -m copy)
    run_cmd audit r1
    expect_rc 1
    expect_eq "$(js out "d[\"verified\"], d[\"verifications_reused\"]")" "(0, 1)"
    expect_eq "$(sts_calls "$LIVE")" 1
    (cd r1 && cp "$LIVE.env" copy2.env && git add . && commit -m copy2)
    run_cmd audit --verify-max-age 0 r1
    expect_rc 1
    expect_eq "$(js out "d[\"verified\"], d[\"verifications_reused\"]")" "(1, 0)"
    expect_eq "$(sts_calls "$LIVE")" 2
    test "$(python3 -c "import sqlite3; print(sqlite3.connect(\"v.db\").execute(\"SELECT COUNT(*) FROM verifications\").fetchone()[0])")" -eq 3
    run_cmd sesame audit --db v.db --verify --verify-max-age 3x r1
    expect_rc 2
'

test_expect_success 'SESAME_STORE_KEY: secret values sealed; sesame verify --db without the repositories' '
    key=$(printf "%064d" 7 | tr 0 a)
    SESAME_STORE_KEY=$key sesame audit --db k.db -q r1 r2 >/dev/null || test $? -eq 1
    python3 -c "import sqlite3; db = sqlite3.connect(\"k.db\"); print(db.execute(\"SELECT COUNT(*) FROM parts WHERE sealed IS NOT NULL\").fetchone()[0])" >sealed
    expect_eq "$(cat sealed)" 2
    for f in k.db k.db-wal; do
        [ -f "$f" ] || continue
        while read -r s; do expect_no_grep -F "$s" "$f"; done <<-EOF
	$(sed -n "s/^AWS_SECRET_ACCESS_KEY=//p" r1/*.env | sort -u)
	EOF
    done
    mkdir gone && mv r1 r2 gone/
    before=$(sts_calls "$LIVE")
    run_cmd env SESAME_STORE_KEY=$key "$SESAME_BIN" verify --db k.db --verify-timeout-ms 3000
    expect_rc 0
    expect_grep "$LIVE live" out
    expect_grep "$DEAD invalid" out
    expect_eq "$(sts_calls "$LIVE")" $((before + 1))
    # the same key in base64 works; another key does not open anything
    b64=$("$PYTHON" -c "import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())" "$key")
    run_cmd env SESAME_STORE_KEY=$b64 "$SESAME_BIN" verify --db k.db --verify-timeout-ms 3000
    expect_rc 0
    run_cmd env SESAME_STORE_KEY=$(printf "%064d" 0) "$SESAME_BIN" verify --db k.db
    expect_rc 2
    expect_grep "does not open" err
    run_cmd env -u SESAME_STORE_KEY "$SESAME_BIN" verify --db k.db
    expect_rc 2
    run_cmd env SESAME_STORE_KEY=short "$SESAME_BIN" audit --db k.db gone/r1
    expect_rc 2
    mv gone/r1 gone/r2 .
'

test_done
