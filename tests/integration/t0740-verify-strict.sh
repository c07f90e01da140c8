#!/usr/bin/env bash
# Broken answers are never answers (issue 11, case 14). The loopback fake AWS
# (tests/support/fake_aws.py) authenticates each request for real, then damages its
# 200 answer on the way: an STS answer cut after "<Account>1234" (the issue, exactly), a
# Content-Length shorter or longer than the body, an empty 200, an HTML page with 200,
# a value twice with different values, a second element after the answer, an answer
# past the client's 1 MiB cap. Each STS case is `unknown` with a reason, and IAM and SES
# are never called for it (the fake's log of the calls it received says so); the same
# damage on IAM, SES v1 and SESv2 (JSON) leaves the key live and records the error.
# SMTP: a "235" that does not answer an AUTH (a server that advertises no AUTH, so none
# is sent, and answers EHLO with 235) is no login.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0740")
keys, cases = {}, {}
os.makedirs("tree", exist_ok=True)


def key(label, behaviour, **expect):
    kid, sec = k.key_id(), k.secret()
    with open(f"tree/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    acct = fakekeys.account_id(kid)
    keys[kid] = {"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/{label}",
                 "user_id": "AIDA" + k.hexid(17), "behaviour": behaviour,
                 "last_used": {"date": "2025-12-30T10:00:00Z", "service": "ses",
                               "region": "eu-west-1"},
                 "ses": {"*": {"production": True, "sent_24h": 10}}}
    cases[label] = dict(expect, key_id=kid)


# STS answers damaged on the way: unknown, with a reason; IAM and SES never called
key("sts_truncated", ["truncated_body@sts"], status="unknown", reason="<Account> not closed")
key("sts_short_length", ["short_content_length@sts"], status="unknown", reason="not closed")
key("sts_long_length", ["long_content_length@sts"], status="unknown", reason="network")
key("sts_empty", ["empty_200@sts"], status="unknown", reason="empty body")
key("sts_html", ["captive_portal_200@sts"], status="unknown", reason="DOCTYPE")
key("sts_duplicate", ["duplicate_field@sts"], status="unknown", reason="twice")
key("sts_trailing", ["trailing_garbage@sts"], status="unknown", reason="after the root")
key("sts_oversized", ["oversized_body@sts"], status="unknown", reason="cut at the")
# damaged IAM / SES answers: the key is live, the enrichment records what went wrong
key("iam_truncated", ["truncated_body@iam"], status="live", iam_error="not closed")
key("iam_duplicate", ["duplicate_field@iam"], status="live", iam_error="twice")
key("iam_empty", ["empty_200@iam"], status="live", iam_error="empty body")
key("ses_truncated", ["truncated_body@ses"], status="live", ses_error="GetSendQuota")
key("ses_duplicate", ["duplicate_field@ses"], status="live", ses_error="twice")
key("sesv2_truncated", ["truncated_body@sesv2"], status="live", ses_error="JSON")
key("sesv2_duplicate", ["duplicate_field@sesv2"], status="live", ses_error="duplicate")
key("sesv2_empty", ["empty_200@sesv2"], status="live", ses_error="empty body")
key("sesv2_html", ["captive_portal_200@sesv2"], status="live", ses_error="GetAccount")
key("sesv2_trailing", ["trailing_garbage@sesv2"], status="live", ses_error="JSON")
key("sesv2_oversized", ["oversized_body@sesv2"], status="live", ses_error="cut at the")
# the control: nothing damaged
key("control", [], status="live")

json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
# an SMTP password alone, for the bogus SMTP server
kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
os.makedirs("smtp", exist_ok=True)
with open("smtp/mail.yml", "w") as f:
    f.write(f"mailer:\n  host: email-smtp.eu-west-1.amazonaws.com\n  username: {kid}\n"
            f"  password: {pw}\n")
json.dump({"users": {kid: pw}}, open("smtp-state.json", "w"))
json.dump(cases, open("cases.json", "w"), indent=1, sort_keys=True)
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
cases = json.load(open("cases.json"))
report = json.load(open(sys.argv[1]))
log = [json.loads(l) for l in open(sys.argv[2])]
by_id = {f["access_key_id"]: f for f in report["findings"]}
bad = []
for label, c in sorted(cases.items()):
    f = by_id.get(c["key_id"])
    if not f or not f.get("verification"):
        bad.append(f"{label}: no verified finding")
        continue
    v = f["verification"]
    calls = [e for e in log if e["key_id"] == c["key_id"]]
    services = sorted({e["service"] for e in calls})
    if v["status"] != c["status"]:
        bad.append(f"{label}: status {v['status']!r}, expected {c['status']!r} "
                   f"(reason {v['reason']!r})")
    if "reason" in c and c["reason"].lower() not in (v["reason"] or "").lower():
        bad.append(f"{label}: reason {v['reason']!r} does not say {c['reason']!r}")
    if c["status"] != "live":
        # the calls the fake received: STS only, never IAM or SES
        if services != ["sts"]:
            bad.append(f"{label}: calls to {services} after a broken STS answer: {calls}")
        if v["last_used"] or v["ses"]:
            bad.append(f"{label}: IAM/SES results after a broken STS answer: {v}")
        continue
    if "iam_error" in c:
        if v["last_used"] is not None or c["iam_error"] not in (v["last_used_error"] or ""):
            bad.append(f"{label}: last_used {v['last_used']}, error {v['last_used_error']!r}")
    elif not v["last_used"] or v["last_used_error"]:
        bad.append(f"{label}: last_used {v['last_used']}, error {v['last_used_error']!r}")
    errs = [s["error"] or "" for s in v["ses"]]
    if "ses_error" in c:
        if not errs or not all(c["ses_error"] in e for e in errs):
            bad.append(f"{label}: ses {v['ses']}")
    elif any(errs) or not v["ses"]:
        bad.append(f"{label}: ses {v['ses']}")
    if "iam" not in services or "ses" not in services:
        bad.append(f"{label}: live but calls only to {services}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp.log" || exit 2
fake_env

test_expect_success 'scan --verify over damaged answers' '
    run_cmd sesame scan tree --verify --format json --verify-timeout-ms 3000
    expect_rc 1
    cp out report.json
'

test_expect_success 'a damaged STS answer is unknown with a reason, and neither IAM nor SES is called; damaged IAM/SES answers are recorded errors' '
    "$PYTHON" check.py report.json aws.log
'

test_expect_success 'the fake was asked only the read-only calls, never a forbidden one' '
    expect_no_grep FORBIDDEN aws.log
    test -s aws.log
'

test_expect_success 'sesame verify on a crafted report: a key ID or token that would add parameters or headers is not sent' '
    run_cmd sesame scan tree/control.env --format json --show-secrets
    expect_rc 1
    "$PYTHON" -c "
import copy, json
d = json.load(open(\"out\"))
f = d[\"findings\"][0]
a, b = copy.deepcopy(f), copy.deepcopy(f)
a[\"access_key_id\"] += \"&Action=DeleteAccessKey\"
a[\"fingerprint\"] = \"0123456789abcdef\"
b[\"session_tokens\"] = [{\"value\": \"IQoJb3JpZ2luX2Vj\\r\\nX-Amz-Target: x\"}]
b[\"fingerprint\"] = \"fedcba9876543210\"
d[\"findings\"] = [a, b]
json.dump(d, open(\"crafted.json\", \"w\"))
"
    : >aws.log
    run_cmd sesame verify crafted.json --format json --verify-timeout-ms 3000
    if test -s aws.log; then echo "requests made:"; cat aws.log; false; fi
    "$PYTHON" -c "
import json
for f in json.load(open(\"out\"))[\"findings\"]:
    v = f[\"verification\"]
    assert v[\"status\"] == \"not_checked\" and \"never uses\" in v[\"reason\"], v
"
'

stop_fakes
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp-bogus.log" --bogus-ehlo-235 || exit 2
fake_env

test_expect_success 'SMTP: a 235 that answers no AUTH (none was sent) is not a login' '
    run_cmd sesame scan smtp --verify --format json --verify-timeout-ms 3000
    expect_rc 1
    expect_grep "\"reply\": 235" smtp-bogus.log
    expect_no_grep "\"cmd\": \"AUTH\"" smtp-bogus.log
    "$PYTHON" -c "
import json
v = json.load(open(\"out\"))[\"findings\"][0][\"verification\"]
assert v[\"status\"] == \"unknown\" and [s[\"status\"] for s in v[\"smtp\"]] == [\"unknown\"], v
assert \"without AUTH success\" in v[\"smtp\"][0][\"reason\"], v
"
'

stop_fakes
test_done
