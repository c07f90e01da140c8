#!/usr/bin/env bash
# SES sending evidence (issue 18, items 1 and 2) against the loopback fake of AWS
# (tests/support/fake_aws.py + fake_aws_ses.py, signatures checked for real):
#   - GetSendStatistics summed up: mails in 24 h and 14 days, bounce and complaint rates
#     against AWS's thresholds (review / pause risk), the first interval with unusual
#     volume; GetAccount's review details and suppression attributes shown with it;
#   - a key sending spam now ranks above every other live key, even one with a higher
#     score (alert "sending_spam_now"), in JSON and in the text report;
#   - who else may send: identities (paged, NextToken with '+' and '=' encoded and
#     signed), their sending-authorization policies, an open one flagged, a restricted
#     one not; more identities than the cap are reported as not looked at;
#   - AccessDenied is "not visible"; malformed, cut, doubled and trailing answers and
#     throttling that outlives the retries end as unknown with a reason, never as a
#     guess (no statistics, no alert);
#   - only read-only calls, every one correctly signed; nothing else is ever sent.
# Keys come from a fixed seed (tests/support/fakekeys.py).
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0760")
keys, labels = {}, {}
os.makedirs("tree", exist_ok=True)


def key(label, **kw):
    kid, sec = k.key_id(), k.secret()
    acct = fakekeys.account_id(kid)
    with open(f"tree/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    keys[kid] = dict({"secret": sec, "account": acct,
                      "arn": f"arn:aws:iam::{acct}:user/{label}", "user_id": "AIDA" + k.hexid(17),
                      "last_used": None}, **kw)
    labels[kid] = label
    return acct


open_policy = {"Version": "2012-10-17", "Statement": [{
    "Sid": "anyone", "Effect": "Allow", "Principal": "*",
    "Action": ["ses:SendEmail", "ses:SendRawEmail"], "Resource": "*"}]}
restricted = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "ses:Send*", "Resource": "*",
    "Condition": {"StringLike": {"ses:FromAddress": "noreply@example.com"}}}]}
wildcard = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Principal": {"AWS": ["444455556666"]}, "Action": "ses:*",
    "Resource": "*", "Condition": {"StringEquals": {"ses:ApiVersion": "2"}}}}

# Sending spam now: 2 weeks of a few mails an hour, then a burst with 12 % bounces.
normal = [{"minutes_ago": 60 * h, "attempts": 4} for h in range(30, 300, 3)]
burst = [{"minutes_ago": 15 * i, "attempts": 900, "bounces": 110, "complaints": 2}
         for i in range(1, 9)]
key("spammer", ses={"eu-west-1": {
    "production": True, "enforcement": "PROBATION", "sent_24h": 7200,
    "stats": normal + burst,
    "review": {"Status": "PENDING", "CaseId": "case-0042"},
    "identities": [{"name": "example.com", "policies": {"open": open_policy,
                                                        "partner": restricted}},
                   {"name": "alerts@example.org", "type": "EMAIL_ADDRESS",
                    "policies": {"wild": wildcard, "broken": "{not json"}}]}})
# A quiet, healthy sender with a larger base score (more mails in 24 h, production).
key("healthy", last_used={"date": "2099-01-01T00:00:00Z", "service": "ses",
                          "region": "eu-west-1"},
    ses={"eu-west-1": {"production": True, "sent_24h": 40000, "max_24h": 50000,
                       "stats": [{"minutes_ago": 60 * h, "attempts": 400, "bounces": 2}
                                 for h in range(1, 14 * 24)],
                       "identities": [{"name": "good.example", "policies": {"partner": restricted}}]}})
# Least privilege: every evidence call denied -> "not visible".
key("denied", ses={"eu-west-1": {"stats": "deny", "identities": "deny"}})
key("policies_denied", ses={"eu-west-1": {"identities": [{"name": "x.example"}],
                                          "policies": "deny"}})
# Paging (60 identities: two pages) and the cap (101: two pages, then not looked at).
key("paged", ses={"eu-west-1": {"identities": [{"name": f"d{i}.example"} for i in range(60)]}})
key("capped", ses={"eu-west-1": {"identities": [{"name": f"c{i}.example"} for i in range(101)]}})
key("endless", ses={"eu-west-1": {"identities": "endless"}})  # empty pages, NextToken forever
# Broken answers: each must end as unknown with a reason, never as a guess.
for fault in ("malformed_xml", "truncated_body", "duplicate_field", "trailing_garbage",
              "empty_200", "throttle_always"):
    key("bad_" + fault, behaviour=[f"{fault}@GetSendStatistics",
                                   f"{fault}@ListEmailIdentities"],
        ses={"eu-west-1": {"stats": burst, "identities": [{"name": "y.example",
                                                           "policies": {"open": open_policy}}]}})
for fault in ("truncated_body", "duplicate_field", "trailing_garbage"):
    key("badpol_" + fault, behaviour=[f"{fault}@GetEmailIdentityPolicies"],
        ses={"eu-west-1": {"identities": [{"name": "z.example",
                                           "policies": {"open": open_policy}}]}})
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump(labels, open("labels.json", "w"))
EOF

cat >"$TRASH/lib.py" <<'EOF'
import json
labels = json.load(open("labels.json"))
def report(path):
    d = json.load(open(path))
    return {labels[f["access_key_id"]]: f for f in d["findings"]}, d
def ses(f):
    (s,) = f["verification"]["ses"]
    return s
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
fake_env

test_expect_success 'scan --verify gathers the SES evidence (JSON, valid against the schema)' '
    run_cmd sesame scan tree --verify --no-smtp-check --format json --verify-timeout-ms 20000 \
        --verify-rate 1000
    expect_rc 1
    cp out report.json
    if "$PYTHON" -c "import jsonschema" 2>/dev/null; then
        "$PYTHON" - "$SESAME_SRC/schema/report.schema.json" report.json <<EOF
import json, sys
from jsonschema import Draft202012Validator
errs = list(Draft202012Validator(json.load(open(sys.argv[1]))).iter_errors(
    json.load(open(sys.argv[2]))))
for e in errs[:5]:
    print(list(e.absolute_path), e.message)
assert not errs
EOF
    fi
'

test_expect_success 'statistics: volumes, rates against the thresholds, the spike, review' '
    "$PYTHON" - <<EOF
from lib import *
r, d = report("report.json")
s = ses(r["spammer"])
st = s["sending_statistics"]
print(st)
assert st["sent_last_24_hours"] == 8 * 900, st
assert st["sent_last_14_days"] == 8 * 900 + 4 * len(range(30, 300, 3)), st
assert st["bounces"] == 8 * 110 and st["complaints"] == 16, st
assert abs(st["bounce_rate"] - 880 / st["sent_last_14_days"]) < 1e-6, st
assert st["bounce_level"] == "pause_risk" and st["complaint_level"] == "review", st
sp = st["unusual_volume"]
assert sp and sp["delivery_attempts"] == 900 and sp["usual_per_interval"] == 4, sp
assert s["review_status"] == "PENDING" and s["review_case_id"] == "case-0042", s
assert s["suppressed_reasons"] == ["BOUNCE", "COMPLAINT"], s
assert s["enforcement_status"] == "PROBATION", s
h = ses(r["healthy"])["sending_statistics"]
assert h["bounce_level"] == "below_review" and h["complaint_level"] == "below_review", h
assert h["unusual_volume"] is None, h
assert r["healthy"]["risk"]["alert"] is None
EOF
'

test_expect_success 'a key sending spam now ranks above every other live key' '
    "$PYTHON" - <<EOF
from lib import *
r, d = report("report.json")
order = [labels[f["access_key_id"]] for f in d["findings"]]
print(order[:3], r["spammer"]["risk"]["score"], r["healthy"]["risk"]["score"])
assert order[0] == "spammer", order
assert r["spammer"]["risk"]["alert"] == "sending_spam_now"
assert "ses_spam" in {x["name"] for x in r["spammer"]["risk"]["factors"]}
assert sum(1 for f in d["findings"] if f["risk"]["alert"]) == 1, "only the spammer"
steps = " ".join(r["spammer"]["risk"]["remediation"])
assert "root address" in steps and "AWS_RISK_CREDENTIALS_EXPOSED" in steps, steps
assert "case-0042" in steps, steps
EOF
'

test_expect_success 'the text report says so too' '
    run_cmd sesame scan tree --verify --no-smtp-check --verify-timeout-ms 20000 \
        --verify-rate 1000 --color never
    expect_rc 1
    grep "SENDING SPAM NOW" out
    grep "bounces 11\.64% (pause_risk), complaints 0\.212% (review)" out
    grep "review: PENDING, case case-0042" out
    grep "example.com policy open: OPEN to \*" out
    grep "alerts@example.org policy broken: not a readable IAM policy" out
    grep "who may send: unknown (not visible (AccessDeniedException))" out
'

test_expect_success 'who else may send: identities, open and restricted policies' '
    "$PYTHON" - <<EOF
from lib import *
r, d = report("report.json")
s = ses(r["spammer"])
assert s["identities_listed"] and not s["identities_truncated"], s
ids = {i["name"]: i for i in s["identities"]}
assert set(ids) == {"example.com", "alerts@example.org"}, ids
pol = {p["name"]: p for p in ids["example.com"]["policies"]}
assert pol["open"]["open"] is True and pol["open"]["principals"] == ["*"], pol
assert pol["partner"]["open"] is False, pol["partner"]
assert pol["partner"]["conditions"] == ["ses:FromAddress"], pol["partner"]
pol = {p["name"]: p for p in ids["alerts@example.org"]["policies"]}
assert pol["wild"]["open"] is True, pol["wild"]        # ses:ApiVersion restricts nothing
assert pol["wild"]["principals"] == ["444455556666"], pol["wild"]
assert pol["broken"]["open"] is None and "not a readable" in pol["broken"]["why"], pol
assert ids["alerts@example.org"]["type"] == "EMAIL_ADDRESS"
p = ses(r["paged"])
assert len(p["identities"]) == 60 and not p["identities_truncated"], len(p["identities"])
c = ses(r["capped"])
assert len(c["identities"]) == 100 and c["identities_truncated"], len(c["identities"])
e = ses(r["endless"])
assert e["identities"] == [] and e["identities_truncated"] and e["identities_listed"], e
calls = [json.loads(l) for l in open("aws.log")]
kid = [k for k, v in labels.items() if v == "endless"][0]
n = sum(1 for x in calls if x["key_id"] == kid and x["action"] == "ListEmailIdentities")
assert n == 2 * 4, n   # LIMIT_SES_IDENTITY_PAGES in each of the two scans so far
EOF
'

test_expect_success 'AccessDenied is "not visible", not an error' '
    "$PYTHON" - <<EOF
from lib import *
r, d = report("report.json")
s = ses(r["denied"])
assert s["sending_statistics"] is None and s["statistics_error"] == "not visible (AccessDenied)", s
assert not s["identities_listed"] and s["identities_error"].startswith("not visible"), s
assert r["denied"]["verification"]["status"] == "live"
s = ses(r["policies_denied"])
(i,) = s["identities"]
assert i["policies"] == [] and i["policies_error"].startswith("not visible"), i
EOF
'

test_expect_success 'broken answers end as unknown with a reason, never as a guess' '
    "$PYTHON" - <<EOF
from lib import *
r, d = report("report.json")
for label, f in sorted(r.items()):
    if not label.startswith("bad"):
        continue
    s = ses(f)
    print(label, s["statistics_error"], s["identities_error"],
          [i["policies_error"] for i in s["identities"]])
    assert f["risk"]["alert"] is None, label
    if label.startswith("bad_"):
        assert s["sending_statistics"] is None and s["statistics_error"], label
        assert not s["identities_listed"] and s["identities"] == [] and s["identities_error"], label
        assert "not visible" not in s["statistics_error"], label
    else:
        (i,) = s["identities"]
        assert i["policies"] == [] and i["policies_error"], label
EOF
'

test_expect_success 'only read-only calls, every one signed correctly; nothing else sent' '
    "$PYTHON" - <<EOF
import json
allowed = {("sts", "POST", "GetCallerIdentity"), ("iam", "POST", "GetAccessKeyLastUsed"),
           ("ses", "POST", "GetSendQuota"), ("ses", "GET", "GetAccount"),
           ("ses", "POST", "GetSendStatistics"), ("ses", "GET", "ListEmailIdentities"),
           ("ses", "GET", "GetEmailIdentityPolicies")}
es = [json.loads(l) for l in open("aws.log")]
bad = [e for e in es if (e["service"], e["method"], e["action"]) not in allowed
       or e["code"] == "FORBIDDEN" or e["sig"] != "ok"]
assert not bad, bad[:3]
tok = [e for e in es if e["action"] == "ListEmailIdentities" and "NextToken" in e["query"]]
assert any("%2B" in e["query"] and "%2F" in e["query"] and "%3D" in e["query"]
           for e in tok), tok[:2]
assert all("+" not in e["query"] and "/" not in e["query"] for e in tok), tok[:2]
pol = [e for e in es if e["action"] == "GetEmailIdentityPolicies"]
assert any("alerts%40example.org" in e["path"] for e in pol), [e["path"] for e in pol][:5]
print(len(es), "requests, all read-only and signed")
EOF
'

test_done
