#!/usr/bin/env bash
# Verification options against the loopback fakes (tests/support/fake_aws.py,
# fake_smtp.py): --audit-profile (IAM last use read with the operator's own key for
# keys of the operator's account, falling back to the key itself on AccessDenied; the
# operator's secret never printed), --skip-accounts (never contacted), --ses-regions,
# --verify-concurrency (requests in flight, seen by the fake), --no-smtp-check.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0730")
keys, cases, secrets = {}, {}, []
os.makedirs("tree", exist_ok=True)
os.makedirs("many", exist_ok=True)

# the operator (auditor) key: not in the tree; its account is the "own" account
op_id, op_sec = k.key_id(), k.secret()
own = fakekeys.account_id(op_id)
keys[op_id] = {"secret": op_sec, "account": own, "arn": f"arn:aws:iam::{own}:user/auditor",
               "user_id": "AIDA" + k.hexid(17)}
secrets.append(op_sec)
with open("aws-credentials", "w") as f:
    f.write(f"[default]\naws_access_key_id = {k.key_id()}\naws_secret_access_key = "
            f"{k.secret()}\n\n[auditor]\naws_access_key_id = {op_id}\n"
            f"aws_secret_access_key = {op_sec}\n")
cases["operator"] = op_id


def key(label, account=None, directory="tree", **kw):
    kid, sec = k.key_id(), k.secret()
    with open(f"{directory}/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    acct = account or fakekeys.account_id(kid)
    keys[kid] = dict({"secret": sec, "account": acct,
                      "arn": f"arn:aws:iam::{acct}:user/{label}", "user_id": "AIDA" + k.hexid(17),
                      "last_used": {"date": "2025-12-30T10:00:00Z", "service": "s3",
                                    "region": "us-east-1"}}, **kw)
    cases[label] = kid
    secrets.append(sec)
    return kid

key("own", account=own)                    # same account as the operator: IAM via operator
key("foreign")                             # another account: IAM via the key itself
guarded = key("own_guarded", account=own)  # the operator may not read this one
keys[op_id]["iam_deny_targets"] = [guarded]
skip = key("skipme")
cases["skip_account"] = keys[skip]["account"]
for i in range(8):
    key(f"many{i}", directory="many")
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump(cases, open("cases.json", "w"), indent=1)
open("secret-values.txt", "w").write("".join(s + "\n" for s in secrets))

# an SMTP password (for --no-smtp-check)
kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
with open("tree/mail.yml", "w") as f:
    f.write(f"smtp:\n  host: email-smtp.eu-west-1.amazonaws.com\n  username: {kid}\n"
            f"  password: {pw}\n")
json.dump({"users": {kid: pw}}, open("smtp-state.json", "w"), indent=1)
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp.log" || exit 2
fake_env
export AWS_SHARED_CREDENTIALS_FILE="$TRASH/aws-credentials"

cat >"$TRASH/lib.py" <<'EOF'
import json
cases = json.load(open("cases.json"))
label = {v: k for k, v in cases.items()}
def report(path):
    return {label.get(f["access_key_id"]): f for f in json.load(open(path))["findings"]}
def log(path):
    return [json.loads(l) for l in open(path)]
EOF

test_expect_success '--audit-profile: IAM via the operator for its own account, else via the key' '
    : >aws.log
    run_cmd sesame scan tree --verify --audit-profile auditor --no-smtp-check \
        --format json --verify-timeout-ms 3000
    expect_rc 1
    cp out audit.json
    cp err audit.err
    "$PYTHON" - <<EOF
from lib import *
r = report("audit.json")
for l, via in (("own", "operator"), ("foreign", "key"), ("own_guarded", "key")):
    v = r[l]["verification"]
    assert v["status"] == "live", (l, v)
    assert v["last_used"] and v["last_used"]["via"] == via, (l, v["last_used"], v["last_used_error"])
    assert v["last_used"]["service"] == "s3", (l, v["last_used"])
iam = [e for e in log("aws.log") if e["service"] == "iam"]
calls = sorted((label.get(e["key_id"]), label.get(e["target"]), e["code"]) for e in iam)
print(calls)
want = sorted([("operator", "own", "OK"), ("foreign", "foreign", "OK"), ("skipme", "skipme", "OK"),
               ("operator", "own_guarded", "AccessDenied"), ("own_guarded", "own_guarded", "OK")])
assert calls == want, calls
sts = [label.get(e["key_id"]) for e in log("aws.log") if e["service"] == "sts"]
assert sts.count("operator") == 1, sts
assert all(e["sig"] == "ok" for e in log("aws.log")), "a bad signature"
EOF
'

test_expect_success '--audit-profile: the operator secret is never printed' '
    expect_no_grep -F -f secret-values.txt audit.json
    expect_no_grep -F -f secret-values.txt audit.err
'

test_expect_success '--skip-accounts: a key of a listed account is skipped and never contacted' '
    : >aws.log
    acct=$("$PYTHON" -c "import json; print(json.load(open(\"cases.json\"))[\"skip_account\"])")
    run_cmd sesame scan tree --verify --skip-accounts "111111111111,$acct" --no-smtp-check \
        --format json --verify-timeout-ms 3000
    expect_rc 1
    cp out skip.json
    "$PYTHON" - <<EOF
from lib import *
v = report("skip.json")["skipme"]["verification"]
assert v["status"] == "skipped" and "skip-accounts" in v["reason"], v
assert cases["skipme"] not in {e["key_id"] for e in log("aws.log")}, "contacted"
assert report("skip.json")["own"]["verification"]["status"] == "live"
EOF
'

test_expect_success '--ses-regions: the SES state is read in the listed regions too' '
    : >aws.log
    run_cmd sesame scan tree/own.env --verify --ses-regions us-east-1,eu-central-1 \
        --format json --verify-timeout-ms 3000
    expect_rc 1
    cp out ses.json
    "$PYTHON" - <<EOF
from lib import *
v = report("ses.json")["own"]["verification"]
regions = sorted(s["region"] for s in v["ses"])
assert {"us-east-1", "eu-central-1"} <= set(regions), regions
asked = sorted({(e["action"], e["region"]) for e in log("aws.log") if e["service"] == "ses"})
print(asked)
for r in ("us-east-1", "eu-central-1"):
    assert ("GetSendQuota", r) in asked and ("GetAccount", r) in asked, asked
for s in v["ses"]:
    assert s["sandbox"] is True and s["max_24_hour_send"] == 200.0, s
EOF
'

stop_fake "$FAKE_AWS_PID"
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws-slow.log" --delay-ms 150 || exit 2
fake_env
export AWS_SHARED_CREDENTIALS_FILE="$TRASH/aws-credentials"

test_expect_success '--verify-concurrency 2: never more than 2 requests in flight' '
    run_cmd sesame scan many --verify --verify-concurrency 2 --format json \
        --verify-timeout-ms 5000
    expect_rc 1
    "$PYTHON" - <<EOF
from lib import *
es = log("aws-slow.log")
print(len(es), "requests, max in flight", max(e["inflight"] for e in es))
many = [e for e in es if (label.get(e["key_id"]) or "").startswith("many")]
# STS, IAM, GetSendQuota, GetSendStatistics, GetAccount, ListEmailIdentities
assert len(many) == 8 * 6, len(many)
assert max(e["inflight"] for e in es) <= 2, max(e["inflight"] for e in es)
r = report("out")
assert all(r["many%d" % i]["verification"]["status"] == "live" for i in range(8))
EOF
'

test_expect_success '--no-smtp-check: no SMTP session at all' '
    : >smtp.log
    run_cmd sesame scan tree/mail.yml --verify --no-smtp-check --format json \
        --verify-timeout-ms 3000
    expect_rc 1
    test ! -s smtp.log
    run_cmd sesame scan tree/mail.yml --verify --format json --verify-timeout-ms 3000
    expect_rc 1
    test -s smtp.log
'

test_done
