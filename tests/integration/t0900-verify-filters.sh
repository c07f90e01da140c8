#!/usr/bin/env bash
# Issue 17 item 1: --results, --only-verified, --min-risk and --fail-on, against the fake
# AWS: a live key, an invalid key, a key whose checks keep failing with HTTP 500 (unknown)
# and a lone key ID (nothing to verify: unverified). Each filter shows exactly the
# expected keys, counts the others as not shown, and --fail-on decides the exit code.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

FIXED=1767225600   # 2026-01-01T00:00:00Z

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0760")
keys, order = {}, {}
os.makedirs("tree", exist_ok=True)


def plant(label, kid, sec):
    with open(f"tree/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\n" + (f"AWS_SECRET_ACCESS_KEY={sec}\n" if sec else ""))
    order[label] = kid


def state(kid, sec, **kw):
    acct = fakekeys.account_id(kid)
    keys[kid] = dict({"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/u",
                      "user_id": "AIDA" + k.hexid(17), "iam_access": "allow",
                      "last_used": None}, **kw)


kid, sec = k.key_id(), k.secret()
plant("live", kid, sec)
state(kid, sec)
kid, sec = k.key_id(), k.secret()
plant("invalid", kid, sec)                      # not known to the fake
kid, sec = k.key_id(), k.secret()
plant("unknown", kid, sec)
state(kid, sec, behaviour=["error_500"])
plant("lone", k.key_id(), None)                 # an ID alone: nothing to verify
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump({"users": {}}, open("smtp-state.json", "w"))
json.dump(order, open("order.json", "w"), indent=1)
EOF

export SUPPORT FIXED
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp.log" || exit 2
fake_env

# labels FILE: the labels of the keys in a JSON report, in report order, space-separated;
# then the report's scan.filtered count.
labels() {
    "$PYTHON" - "$1" <<'EOF'
import json, sys
order = json.load(open("order.json"))
label = {v: k for k, v in order.items()}
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(label[f["access_key_id"]] for f in d["findings"])), d["scan"]["filtered"])
EOF
}

V="--verify --verify-timeout-ms 3000 --format json"

test_expect_success 'without a filter: four findings, each in its class' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V
    expect_rc 1
    cp out all.json
    expect_eq "$(labels all.json)" "invalid live lone unknown 0"
    "$PYTHON" "$SESAME_SRC/tests/integration/git_fixture.py" validate all.json
'

test_expect_success '--results selects verification classes; the rest is counted' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --results live,unknown
    expect_rc 1
    expect_eq "$(labels out)" "live unknown 2"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --results invalid
    expect_rc 1
    expect_eq "$(labels out)" "invalid 3"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --results unverified
    expect_rc 1
    expect_eq "$(labels out)" "lone 3"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --results wrong_secret,not_checked,all
    expect_eq "$(labels out)" "invalid live lone unknown 0"
'

test_expect_success '--only-verified implies --verify and shows live keys only' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree --only-verified --format json \
        --verify-timeout-ms 3000
    expect_rc 1
    expect_eq "$(labels out)" "live 3"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree --only-verified --color never \
        --verify-timeout-ms 3000
    expect_rc 1
    expect_grep "1 finding" out
    expect_grep "3 not shown (--results, --min-risk)" out
'

test_expect_success '--min-risk keeps findings scoring at least N' '
    "$PYTHON" -c "
import json
d = json.load(open(\"all.json\"))
s = sorted(f[\"risk\"][\"score\"] for f in d[\"findings\"])
print(s[2])
" >cut
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --min-risk "$(cat cut)"
    expect_rc 1
    "$PYTHON" -c "
import json
cut = int(open(\"cut\").read())
d = json.load(open(\"out\"))
scores = [f[\"risk\"][\"score\"] for f in d[\"findings\"]]
assert scores and min(scores) >= cut, (scores, cut)
assert len(scores) + d[\"scan\"][\"filtered\"] == 4, d[\"scan\"]
assert d[\"scan\"][\"filtered\"] >= 1, d[\"scan\"]
"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --min-risk 100
    expect_rc 0
    expect_eq "$(labels out)" " 4"
'

test_expect_success '--fail-on live: exit 1 only when a live key is among those shown' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --fail-on live
    expect_rc 1
    expect_eq "$(labels out)" "invalid live lone unknown 0"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --fail-on live --results invalid,unknown,unverified
    expect_rc 0
    expect_eq "$(labels out)" "invalid lone unknown 1"
'

test_expect_success '--fail-on risk:N and tiers compare the score' '
    top=$("$PYTHON" -c "
import json
print(max(f[\"risk\"][\"score\"] for f in json.load(open(\"all.json\"))[\"findings\"]))")
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --fail-on "risk:$top"
    expect_rc 1
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --fail-on "risk>=$((top + 1))"
    expect_rc 0
    expect_eq "$(labels out)" "invalid live lone unknown 0"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree $V --fail-on critical
    if [ "$top" -ge 85 ]; then expect_rc 1; else expect_rc 0; fi
'

test_expect_success 'sesame verify REPORT.json takes the same filters' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree --format json --show-secrets
    expect_rc 1
    cp out plain.json
    SESAME_FIXED_TIME=$FIXED run_cmd sesame verify plain.json --format json \
        --verify-timeout-ms 3000 --results live --fail-on live
    expect_rc 1
    expect_eq "$(labels out)" "live 3"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame verify plain.json --format json \
        --verify-timeout-ms 3000 --results invalid --fail-on live
    expect_rc 0
'

test_expect_success 'usage errors say what to do' '
    run_cmd sesame scan tree --results live
    expect_rc 2
    expect_grep "add --verify" err
    run_cmd sesame scan tree --fail-on live
    expect_rc 2
    expect_grep "needs --verify" err
    run_cmd sesame scan tree --results livee
    expect_rc 2
    expect_grep "not .livee." err
    run_cmd sesame scan tree --fail-on risk:101
    expect_rc 2
    run_cmd sesame scan tree --min-risk x
    expect_rc 2
    expect_grep "0 to 100" err
    run_cmd sesame scan tree --results unverified --fail-on critical --min-risk 0
    expect_rc 0
'

test_done
