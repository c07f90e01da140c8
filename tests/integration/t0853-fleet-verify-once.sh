#!/usr/bin/env bash
# A fleet verifies each credential once (issue 15 item 3): 4 `sesame audit --worker
# --verify` processes on one PostgreSQL store (a private server, tests/support/pg_server.sh)
# audit 8 repositories that all hold the same two keys (and some a key of their own)
# against the loopback fake of AWS, which answers slowly (--delay-ms), so that workers
# meet on the same credential while one of them is verifying it: the fake sees each key
# verified once (GetCallerIdentity counted in its request log); the others waited for the
# stored result. The verification takes longer than --lease-timeout: the heartbeat renews
# the claim, so nobody takes it over. Keys come from a fixed seed.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

cat >"$TRASH/scenario.py" <<'EOF'
import json, os
import fakekeys

k = fakekeys.Keys("sesame-t0853")
live_id, live_sec = k.key_id(), k.secret()
dead_id, dead_sec = k.key_id(), k.secret()
acct = fakekeys.account_id(live_id)
state = {"keys": {live_id: {"secret": live_sec, "account": acct,
                            "arn": f"arn:aws:iam::{acct}:user/deploy",
                            "user_id": "AIDA" + k.hexid(17)}}}
ids = [live_id, dead_id]
for r in range(1, 9):
    os.makedirs(f"r{r}", exist_ok=True)
    pairs = [(live_id, live_sec), (dead_id, dead_sec)]
    if r % 2:
        pairs.append((k.key_id(), k.secret()))
        ids.append(pairs[-1][0])
    for kid, sec in pairs:
        with open(f"r{r}/{kid}.env", "w") as f:
            f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
json.dump(state, open("aws-state.json", "w"), indent=1)
open("ids", "w").write("".join(i + "\n" for i in ids))
EOF
export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" --delay-ms 400 || exit 2
fake_env

PGDIR=$(mktemp -d /tmp/sesame-pg.XXXXXX) || exit 2
trap 'pgs stop "$PGDIR"; stop_fakes; cleanup' EXIT
pgs start "$PGDIR" || { echo "cannot start PostgreSQL"; exit 1; }
PG="postgresql:///postgres?host=$PGDIR&user=postgres"

# GetCallerIdentity requests per key the fake saw, "KEY N" lines sorted
sts_calls() {
    "$PYTHON" -c '
import collections, json, sys
n = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("action") == "GetCallerIdentity":
        n[e.get("key_id")] += 1
for k in sorted(n):
    print(k, n[k])' "$TRASH/aws.log"
}

test_expect_success '4 workers, 8 repositories sharing keys: each key verified once' '
    for r in 1 2 3 4 5 6 7 8; do (cd r$r && git init -q && git add . && commit -m "r$r") || return 1; done
    sesame audit --db "$PG" --enqueue r1 r2 r3 r4 r5 r6 r7 r8 -q
    for w in 1 2 3 4; do
        "$SESAME_BIN" audit --db "$PG" --worker --until-empty --verify --verify-timeout-ms 20000 \
            --lease-timeout 2 --worker-id w$w -f json >w$w.json 2>w$w.err &
        eval "pid$w=\$!"
    done
    rcs=
    for w in 1 2 3 4; do
        eval "p=\$pid$w"
        rc=0; wait $p || rc=$?
        rcs="$rcs $rc"
    done
    expect_eq "$rcs" " 0 0 0 0" || { cat w?.err; return 1; }
    sort ids | sed "s/\$/ 1/" >expected
    sts_calls >actual
    diff expected actual
    # several workers met on the shared keys: some waited and reused
    js_docs w?.json -- "
assert sum(d[\"verified\"] for d in docs) == $(wc -l <ids), docs
assert sum(d[\"verifications_reused\"] for d in docs) >= 8, docs
assert sum(d[\"audited\"] > 0 for d in docs) >= 2, docs
"
    sesame findings --db "$PG" -f json >f.json
    expect_eq "$(js f.json "sorted(set(f[\"verification\"][\"status\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(sed -n 1p ids)\"))")" "[${Q}live${Q}]"
    expect_eq "$(pgs psql "$PGDIR" -d postgres -Atc "SELECT COUNT(*) FROM verify_claims")" 0
'

test_done
