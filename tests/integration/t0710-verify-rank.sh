#!/usr/bin/env bash
# Golden test of a ranked report (`sesame scan --verify`, SESAME_FIXED_TIME pinned):
# a live key that sends mail through SES (last used by ses-smtp yesterday; SES
# production access, 40,000 mails sent in the last 24 h) outranks a live idle key
# (never used), which outranks an invalid key, which outranks AWS's documentation
# example key (--include-examples). The sequence of key IDs in the report is compared
# with the golden order exactly, and so is the order of the scores and tiers.
# The fakes are tests/support/fake_aws.py and fake_smtp.py; keys come from a fixed seed.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

FIXED=1767225600   # 2026-01-01T00:00:00Z

cat >"$TRASH/scenario.py" <<'EOF'
import datetime, json, os, sys
import fakekeys

fixed = datetime.datetime.fromtimestamp(int(os.environ["FIXED"]), datetime.timezone.utc)
k = fakekeys.Keys("sesame-t0710")
keys, order = {}, {}
os.makedirs("tree/app", exist_ok=True)


def plant(label, kid, sec):
    with open(f"tree/app/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    order[label] = kid


def state(label, kid, sec, **kw):
    acct = fakekeys.account_id(kid)
    keys[kid] = dict({"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/{label}",
                      "user_id": "AIDA" + k.hexid(17), "iam_access": "allow"}, **kw)


# Written in the reverse of the expected order, so that file order cannot explain it.
plant("example", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
kid, sec = k.key_id(), k.secret()
plant("invalid", kid, sec)                      # not known to the fake
kid, sec = k.key_id(), k.secret()
plant("idle", kid, sec)
state("idle", kid, sec, last_used=None)         # never used; sandbox SES by default
kid, sec = k.key_id(), k.secret()
plant("ses_sender", kid, sec)
yesterday = fixed - datetime.timedelta(hours=20)
state("ses_sender", kid, sec,
      last_used={"date": yesterday.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": "ses-smtp",
                 "region": "eu-west-1"},
      ses={"eu-west-1": {"production": True, "sending_enabled": True,
                         "enforcement": "HEALTHY", "max_24h": 50000, "max_rate": 14,
                         "sent_24h": 40000}})
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

test_expect_success 'ranked report with SESAME_FIXED_TIME (JSON, --include-examples)' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree --verify --include-examples \
        --format json --verify-timeout-ms 3000
    expect_rc 1
    cp out report.json
'

test_expect_success 'golden order: SES-sending live > idle live > invalid > example' '
    "$PYTHON" - <<EOF
import json
order = json.load(open("order.json"))
label = {v: k for k, v in order.items()}
d = json.load(open("report.json"))
got = [(label.get(f["access_key_id"], f["access_key_id"]), f["risk"]["score"],
        f["risk"]["tier"], (f["verification"] or {}).get("status")) for f in d["findings"]]
for g in got:
    print("%-12s score %3d  %-8s  %s" % g)
golden = ["ses_sender", "idle", "invalid", "example"]
assert [g[0] for g in got] == golden, "order %s, expected %s" % ([g[0] for g in got], golden)
assert [g[3] for g in got] == ["live", "live", "invalid", "skipped"], got
scores = [g[1] for g in got]
assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4, \
    "scores not strictly decreasing: %s" % scores
assert got[0][2] == "critical", got[0]
assert got[3][1] == 0 and got[3][2] == "info", got[3]
f = d["findings"][0]
names = {x["name"] for x in f["risk"]["factors"]}
for n in ("verified_live", "used_recently", "ses_sending", "ses_production", "ses_volume"):
    assert n in names, "ses_sender lacks factor %s: %s" % (n, sorted(names))
v = f["verification"]
assert v["last_used"]["service"] == "ses-smtp" and v["last_used"]["region"] == "eu-west-1", v
assert [s["region"] for s in v["ses"]] == ["eu-west-1"], v["ses"]
assert v["ses"][0]["sent_last_24_hours"] == 40000.0 and v["ses"][0]["sandbox"] is False, v["ses"]
EOF
'

test_expect_success 'the same order twice (deterministic), and in the text report' '
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree --verify --include-examples \
        --format json --verify-timeout-ms 3000
    expect_rc 1
    "$PYTHON" -c "
import json
a = [f[\"access_key_id\"] for f in json.load(open(\"report.json\"))[\"findings\"]]
b = [f[\"access_key_id\"] for f in json.load(open(\"out\"))[\"findings\"]]
assert a == b, (a, b)
"
    SESAME_FIXED_TIME=$FIXED run_cmd sesame scan tree --verify --include-examples \
        --verify-timeout-ms 3000 --color never
    expect_rc 1
    cp out report.txt
    "$PYTHON" - <<EOF
import json
order = json.load(open("order.json"))
text = open("report.txt", encoding="utf-8").read()
pos = [text.find(order[l]) for l in ("ses_sender", "idle", "invalid", "example")]
assert all(p >= 0 for p in pos), pos
assert pos == sorted(pos), "text report order differs: %s" % pos
EOF
'

test_expect_success 'the example key is never contacted; nothing but read-only calls' '
    test -s aws.log
    expect_no_grep -F AKIAIOSFODNN7EXAMPLE aws.log
    expect_no_grep FORBIDDEN aws.log
'

test_done
