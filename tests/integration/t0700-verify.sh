#!/usr/bin/env bash
# `sesame scan --verify` against loopback fakes of AWS (HTTPS, certificate made here,
# SigV4 checked for real by tests/support/fake_aws.py) and of the SES SMTP interface
# (STARTTLS + AUTH, tests/support/fake_smtp.py):
#   - every verdict: live, invalid (InvalidClientTokenId), wrong_secret
#     (SignatureDoesNotMatch), expired (ExpiredToken), and unknown for 5xx, throttling
#     that outlives the retries, a timeout, malformed XML, a connection reset, a captive
#     portal's 403 and 200 pages, clock skew either way ("Signature expired", "Signature
#     not yet current");
#   - throttling then success and a 500 then success end live;
#   - IAM last-used fields, SES state, SMTP live / invalid / temporary failure;
#   - examples and canary-token accounts are never contacted;
#   - only the four read-only calls are made, every one correctly signed; SMTP never
#     goes past AUTH/NOOP (no MAIL FROM, RCPT, DATA);
#   - no secret, token or SMTP password in any output at default settings;
#   - `sesame verify REPORT.json` on a --show-secrets report gives the same verdicts.
# Keys come from a fixed seed (tests/support/fakekeys.py): no key-shaped literal
# is in this file; the only literal key is AWS's documentation example.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

TIMEOUT_MS=1500

# ---- the scenario: tree, fake AWS state, fake SMTP state, expectations -------------
cat >"$TRASH/scenario.py" <<'EOF'
import datetime, json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0700")
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")

keys, smtp_users, cases, values = {}, {}, {}, []
os.makedirs("tree/svc", exist_ok=True)
os.makedirs("tree/docs", exist_ok=True)


def user(label, kid, **kw):
    acct = fakekeys.account_id(kid)
    d = {"account": acct, "arn": f"arn:aws:iam::{acct}:user/{label}",
         "user_id": "AIDA" + k.hexid(17), "iam_access": "allow",
         "last_used": {"date": iso(now - datetime.timedelta(days=2)), "service": "s3",
                       "region": "us-east-1"}}
    d.update(kw)
    return d


def env_file(label, kid, sec, extra=""):
    with open(f"tree/svc/{label}.env", "w") as f:
        f.write(f"# {label}\nAWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n{extra}")


def pair(label, expect, in_state=True, **kw):
    kid, sec = k.key_id(), k.secret()
    env_file(label, kid, sec)
    if in_state:
        keys[kid] = user(label, kid, secret=sec, **kw)
    cases[label] = {"key_id": kid, "status": expect}
    values.append(sec)
    return kid, sec


# live, with IAM last use and SES production state in the client region
pair("live", "live", ses={"eu-west-1": {"production": True, "sending_enabled": True,
                                        "enforcement": "HEALTHY", "max_24h": 50000,
                                        "max_rate": 14, "sent_24h": 40000}})
pair("invalid", "invalid", in_state=False)
kid, sec = pair("wrong_secret", "wrong_secret")
keys[kid]["secret"] = k.secret()           # AWS knows the key with another secret
pair("err500", "unknown", behaviour=["error_500_always"])
pair("throttled", "unknown", behaviour=["throttle_always"])
pair("slow", "unknown", behaviour=["slow"], slow_seconds=4)
pair("malformed", "unknown", behaviour=["malformed_xml@sts"])
pair("reset", "unknown", behaviour=["reset"])
pair("portal", "unknown", behaviour=["captive_portal"])
pair("portal200", "unknown", behaviour=["captive_portal_200"])
pair("skew", "unknown", behaviour=["skew"])
pair("skew_future", "unknown", behaviour=["skew_future"])
pair("throttle_once", "live", behaviour=["throttle_once@sts"])
pair("err500_once", "live", behaviour=["error_500_once@sts"])
pair("denied", "live", iam_access="deny", ses={"*": "deny"})
pair("flaky_enrich", "live", behaviour=["error_500_always@iam", "malformed_xml@sesv2"])
pair("enrich_throttle_once", "live", behaviour=["throttle_once@iam", "throttle_once@ses",
                                                "throttle_once@sesv2"],
     ses={"*": {"production": True, "sent_24h": 10}})

# one key ID with two candidate secrets nearby (a rotated one commented out): the right
# one is found whichever is tried first
kid = k.key_id()
old, new = sorted([k.secret(), k.secret()])  # sesame holds secrets sorted: old is tried first
with open("tree/svc/two_secrets.env", "w") as f:
    f.write(f"AWS_ACCESS_KEY_ID={kid}\n# AWS_SECRET_ACCESS_KEY={old}\n"
            f"AWS_SECRET_ACCESS_KEY={new}\n")
keys[kid] = user("two_secrets", kid, secret=new)
cases["two_secrets"] = {"key_id": kid, "status": "live"}
values += [old, new]

# temporary credentials: a live session and an expired one
for label, expired in (("session", False), ("expired", True)):
    kid, sec, tok = k.key_id("ASIA"), k.secret(), k.token()
    acct = fakekeys.account_id(kid)
    with open(f"tree/svc/{label}.ini", "w") as f:
        f.write(f"[{label}]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n"
                f"aws_session_token = {tok}\n")
    keys[kid] = user(label, kid, secret=sec, session_token=tok, expired=expired,
                     arn=f"arn:aws:sts::{acct}:assumed-role/deploy/{label}",
                     user_id="AROA" + k.hexid(17) + ":" + label)
    cases[label] = {"key_id": kid, "status": "expired" if expired else "live"}
    values += [sec, tok]

# SES SMTP: passwords next to their AKIA user name and the eu-west-1 SMTP host, without
# the secret (the verdict is SMTP's), and one with the secret too.
def smtp_file(label, kid, pw, extra=""):
    with open(f"tree/svc/{label}.yml", "w") as f:
        f.write(f"mailer:\n  transport: smtp\n  host: email-smtp.eu-west-1.amazonaws.com\n"
                f"  port: 587\n  encryption: tls\n  username: {kid}\n  password: {pw}\n{extra}")

kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
smtp_file("smtp_live", kid, pw)
smtp_users[kid] = pw
cases["smtp_live"] = {"key_id": kid, "status": "live", "smtp": ["live"]}
values += [sec, pw]

kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
smtp_file("smtp_invalid", kid, pw)
smtp_users[kid] = fakekeys.smtp_password(k.secret(), "eu-west-1")  # SES has another password
cases["smtp_invalid"] = {"key_id": kid, "status": "invalid", "smtp": ["invalid"]}
values += [sec, pw]

kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
smtp_file("smtp_tempfail", kid, pw)
smtp_users[kid] = {"password": pw, "reply": "454 Temporary authentication failure"}
cases["smtp_tempfail"] = {"key_id": kid, "status": "unknown", "smtp": ["unknown"]}
values += [sec, pw]

kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
with open("tree/svc/mailer.env", "w") as f:
    f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n"
            f"SMTP_HOST=email-smtp.eu-west-1.amazonaws.com\nSMTP_USERNAME={kid}\n"
            f"SMTP_PASSWORD={pw}\n")
keys[kid] = user("mailer", kid, secret=sec,
                 last_used={"date": iso(now - datetime.timedelta(hours=3)),
                            "service": "ses", "region": "eu-west-1"})
smtp_users[kid] = pw
cases["mailer"] = {"key_id": kid, "status": "live", "smtp": ["live"]}
values += [sec, pw]

# a canary-token account (AWS-NOTES 1.6, 2): decoded offline, never contacted
kid, sec = k.key_id(account="171436882533"), k.secret()
env_file("canary", kid, sec)
keys[kid] = user("canary", kid, secret=sec)     # it would answer, if ever asked
cases["canary"] = {"key_id": kid, "status": "skipped", "never_contacted": True}
values.append(sec)

# AWS's documentation example (public; hidden by default, skipped with --include-examples)
with open("tree/docs/getting-started.md", "w") as f:
    f.write("Configure the CLI:\n\n    $ aws configure\n"
            "    AWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\n"
            "    AWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
cases["example"] = {"key_id": "AKIAIOSFODNN7EXAMPLE", "status": "skipped", "example": True,
                    "never_contacted": True}

json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump({"users": smtp_users}, open("smtp-state.json", "w"), indent=1, sort_keys=True)
json.dump(cases, open("cases.json", "w"), indent=1, sort_keys=True)
with open("secret-values.txt", "w") as f:
    f.write("".join(v + "\n" for v in values))
EOF

# ---- the checks, on a report and the fakes' logs -----------------------------------
cat >"$TRASH/check.py" <<'EOF'
import json, sys
cases = json.load(open("cases.json"))
by_id = {c["key_id"]: (label, c) for label, c in cases.items()}
bad = []


def check(cond, msg):
    if not cond:
        bad.append(msg)


def findings(path):
    d = json.load(open(path))
    out = {}
    for f in d["findings"]:
        if f["access_key_id"] in by_id:
            out[by_id[f["access_key_id"]][0]] = f
    return out


def verdicts(path, include_examples=False, expect=True, only=None):
    """{label: status}; with expect, each case's verdict must be the expected one
    (only: the labels to check)."""
    got = findings(path)
    res = {}
    for label, c in sorted(cases.items()):
        if only and not only(label):
            continue
        if c.get("example") and not include_examples:
            check(label not in got, f"{label}: an example is reported without "
                                    f"--include-examples")
            continue
        f = got.get(label)
        if f is None:
            bad.append(f"{label}: no finding for {c['key_id']}")
            continue
        v = f["verification"]
        if v is None:
            bad.append(f"{label}: no verification")
            continue
        res[label] = v["status"]
        if not expect:
            continue
        check(v["status"] == c["status"], f"{label}: status {v['status']!r}, expected "
                                         f"{c['status']!r} (reason {v['reason']!r})")
        if "smtp" in c:
            check([s["status"] for s in v["smtp"]] == c["smtp"],
                  f"{label}: smtp {v['smtp']}, expected {c['smtp']}")
    return got, res


def reason_has(got, label, *words):
    r = (got[label]["verification"] or {}).get("reason") or ""
    check(any(w.lower() in r.lower() for w in words),
          f"{label}: reason {r!r} mentions none of {words}")


what = sys.argv[1]
if what == "statuses":
    got, _ = verdicts(sys.argv[2], only=lambda l: not l.startswith("smtp_")
                      and l != "skew_future")
    # reasons of the unknown verdicts say why
    reason_has(got, "err500", "500", "InternalFailure")
    reason_has(got, "throttled", "throttl")
    reason_has(got, "slow", "timeout", "timed out")
    reason_has(got, "skew", "skew", "Signature expired")
    reason_has(got, "portal", "proxy", "portal", "403")
    reason_has(got, "canary", "canary")
    for label in ("portal", "portal200", "malformed", "reset"):
        check(got[label]["verification"]["status"] not in ("invalid", "live"),
              f"{label}: {got[label]['verification']['status']}")
elif what == "skew_future":
    got, _ = verdicts(sys.argv[2], only=lambda l: l == "skew_future")
    reason_has(got, "skew_future", "skew", "not yet current")
elif what == "smtp":
    got, _ = verdicts(sys.argv[2], only=lambda l: l.startswith("smtp_") or l == "mailer")
    # a 454 is a temporary failure: retried, then unknown (never invalid)
    auths = [json.loads(l) for l in open(sys.argv[3])]
    tries = [e for e in auths if e["cmd"] == "AUTH" and e.get("user") == cases["smtp_tempfail"]["key_id"]]
    check(len(tries) >= 2, f"smtp_tempfail: {len(tries)} AUTH attempt(s), expected retries")
    r = (got["smtp_tempfail"]["verification"]["smtp"] or [{}])[0].get("reason") or ""
    check("535" not in r, f"smtp_tempfail: reason {r!r} names a 535 the server never sent")
elif what == "enrichment":
    got, _ = verdicts(sys.argv[2], expect=False)
    live = got["live"]["verification"]
    state = json.load(open("aws-state.json"))["keys"][cases["live"]["key_id"]]
    check(live["account"] == state["account"], f"live: account {live['account']}")
    check(live["arn"] == state["arn"], f"live: arn {live['arn']}")
    check(live["user_id"] == state["user_id"], f"live: user_id {live['user_id']}")
    lu = live["last_used"] or {}
    check(lu.get("date") == state["last_used"]["date"], f"live: last_used {lu}")
    check(lu.get("service") == "s3" and lu.get("region") == "us-east-1",
          f"live: last_used {lu}")
    check(lu.get("via") == "key", f"live: last_used via {lu.get('via')}")
    check(live["last_used_error"] is None, f"live: last_used_error {live['last_used_error']}")
    ses = {s["region"]: s for s in live["ses"]}
    check(set(ses) == {"eu-west-1"}, f"live: SES regions {sorted(ses)}")
    s = ses.get("eu-west-1", {})
    want = {"sandbox": False, "sending_enabled": True, "enforcement_status": "HEALTHY",
            "max_24_hour_send": 50000.0, "max_send_rate": 14.0,
            "sent_last_24_hours": 40000.0, "error": None}
    for k, v in want.items():
        check(s.get(k) == v, f"live: ses[eu-west-1].{k} = {s.get(k)!r}, expected {v!r}")
    check(got["live"]["risk"]["tier"] in ("critical", "high"),
          f"live: tier {got['live']['risk']['tier']}")
    # a live key that may not read IAM or SES: still live, with the errors recorded
    d = got["denied"]["verification"]
    check(d["last_used"] is None, f"denied: last_used {d['last_used']}")
    check(d["last_used_error"] == "AccessDenied", f"denied: last_used_error "
                                                  f"{d['last_used_error']!r}")
    check(d["ses"] and all(x["error"] and "AccessDenied" in x["error"] for x in d["ses"]),
          f"denied: ses {d['ses']}")
    # IAM 500 and a broken SESv2 body do not change the verdict, they are recorded
    fe = got["flaky_enrich"]["verification"]
    check(fe["last_used"] is None and fe["last_used_error"],
          f"flaky_enrich: last_used {fe['last_used']} error {fe['last_used_error']}")
    # throttled once on IAM, SES v1 and SESv2: retried, complete
    et = got["enrich_throttle_once"]["verification"]
    check(et["last_used"] and et["last_used"]["service"] == "s3" and not et["last_used_error"],
          f"enrich_throttle_once: last_used {et['last_used']} error {et['last_used_error']}")
    check(et["ses"] and all(x["error"] is None and x["sandbox"] is False
                            and x["sent_last_24_hours"] == 10.0 for x in et["ses"]),
          f"enrich_throttle_once: ses {et['ses']}")
    # never used -> date null, service N/A; sandbox defaults
    sess = got["session"]["verification"]
    check(sess["arn"].endswith(":assumed-role/deploy/session"), f"session: arn {sess['arn']}")
    check(sess["smtp"] == [], f"session: ASIA keys never go to SMTP: {sess['smtp']}")
    # the SES sender: last use ses in eu-west-1, SES state read there, SMTP live there
    m = got["mailer"]["verification"]
    check((m["last_used"] or {}).get("service") == "ses", f"mailer: {m['last_used']}")
    check("eu-west-1" in [x["region"] for x in m["ses"]], f"mailer: ses {m['ses']}")
    check(m["smtp"] and m["smtp"][0]["region"] == "eu-west-1", f"mailer: smtp {m['smtp']}")
    sl = got["smtp_live"]["verification"]
    check(sl["smtp"] and sl["smtp"][0]["region"] == "eu-west-1", f"smtp_live: {sl['smtp']}")
    check(got["smtp_live"]["risk"]["score"] > got["smtp_invalid"]["risk"]["score"],
          "smtp_live does not outrank smtp_invalid")
elif what == "same":
    _, a = verdicts(sys.argv[2], expect=False)
    _, b = verdicts(sys.argv[3], expect=False)
    check(a == b, "verdicts differ:\n  " + "\n  ".join(
        f"{l}: {a.get(l)} vs {b.get(l)}" for l in sorted(set(a) | set(b))
        if a.get(l) != b.get(l)))
elif what == "examples":
    got, _ = verdicts(sys.argv[2], include_examples=True)
    e = got["example"]
    check(e["example"] is True, "example: not flagged as an example")
    check(e["risk"]["score"] == 0, f"example: score {e['risk']['score']}")
elif what == "aws-log":
    # only the read-only calls, each signed right, only for the keys that warrant them
    state = json.load(open("aws-state.json"))["keys"]
    allowed = {("sts", "POST", "GetCallerIdentity"), ("iam", "POST", "GetAccessKeyLastUsed"),
               ("ses", "POST", "GetSendQuota"), ("ses", "GET", "GetAccount"),
               ("ses", "POST", "GetSendStatistics"), ("ses", "GET", "ListEmailIdentities"),
               ("ses", "GET", "GetEmailIdentityPolicies")}
    entries = [json.loads(l) for l in open(sys.argv[2])]
    check(entries, "the fake AWS log is empty")
    per_key = {}
    for e in entries:
        label = by_id.get(e["key_id"], ("?", None))[0]
        per_key.setdefault(label, []).append(e)
        check(e["code"] != "FORBIDDEN", f"FORBIDDEN request: {e}")
        check((e["service"], e["method"], e["action"]) in allowed, f"not allowed: {e}")
        check((e["host"] or "").startswith("127.0.0.1:") and "sesame" in (e["ua"] or ""), f"host or user agent: {e}")
        if e["key_id"] in state and label not in ("wrong_secret", "two_secrets"):
            check(e["sig"] == "ok", f"{label}: bad SigV4 signature on {e['action']}")
        if e["action"] == "GetAccessKeyLastUsed":
            check(e["target"] == e["key_id"], f"{label}: IAM asked about {e['target']}")
        if e["key_id"].startswith("ASIA"):
            check(e["token"], f"{label}: no X-Amz-Security-Token")
        if e["service"] in ("sts", "iam"):
            check(e["region"] == "eu-west-1", f"{label}: scope region {e['region']}")
    for label, c in cases.items():
        if c.get("never_contacted"):
            check(label not in per_key, f"{label}: contacted: {per_key.get(label)}")
    for label, es in per_key.items():
        c = cases.get(label, {})
        sts = [e for e in es if e["service"] == "sts"]
        other = [e for e in es if e["service"] != "sts"]
        if c.get("status") != "live":
            check(not other, f"{label} ({c.get('status')}): IAM/SES called: {other}")
        if label in ("live", "invalid", "session", "expired", "denied", "mailer"):
            check(len(sts) == 1, f"{label}: {len(sts)} STS calls")
        if label == "two_secrets":
            check([e["sig"] for e in sts] in (["ok"], ["bad", "ok"]),
                  f"{label}: STS signatures {[e['sig'] for e in sts]}")
            check(len(sts) == 2, f"{label}: the wrong secret was not tried first "
                                 f"(the fallback to the next secret is not exercised)")
        if label == "enrich_throttle_once":
            # IAM, GetSendQuota, GetSendStatistics, GetAccount, ListEmailIdentities, and
            # one retry each for iam, ses and sesv2 (throttle_once per service)
            check(len(other) == 8, f"{label}: {len(other)} IAM/SES calls (5 + 3 retries)")
        if label in ("throttle_once", "err500_once"):
            check(len(sts) == 2, f"{label}: {len(sts)} STS calls (expected a retry)")
        if label in ("err500", "throttled", "slow"):
            check(2 <= len(sts) <= 8, f"{label}: {len(sts)} STS calls (expected retries)")
        if label == "reset":
            # libcurl itself re-sends a request whose reused connection died, once per
            # pooled connection it tries: more than sesame's attempts, but bounded
            check(2 <= len(sts) <= 40, f"{label}: {len(sts)} STS calls")
    ses_regions = {e["region"] for e in per_key.get("live", []) if e["service"] == "ses"}
    check(ses_regions == {"eu-west-1"}, f"live: SES asked in {ses_regions}")
elif what == "smtp-log":
    entries = [json.loads(l) for l in open(sys.argv[2])]
    check(entries, "the fake SMTP log is empty")
    for e in entries:
        check(not e.get("forbidden"), f"forbidden SMTP command: {e}")
        check(e["cmd"] in ("CONNECT", "EHLO", "STARTTLS", "AUTH", "NOOP", "QUIT"),
              f"unexpected SMTP command: {e}")
        if e["cmd"] in ("AUTH", "NOOP"):
            check(e["tls"], f"{e['cmd']} before STARTTLS: {e}")
    users = [e.get("user") for e in entries if e["cmd"] == "AUTH"]
    for label in ("smtp_live", "smtp_invalid", "smtp_tempfail", "mailer"):
        check(cases[label]["key_id"] in users, f"{label}: no SMTP AUTH")
    for label in ("session", "expired", "canary", "live"):
        check(cases[label]["key_id"] not in users, f"{label}: SMTP AUTH attempted")
    auth_ok = [e for e in entries if e["cmd"] == "AUTH" and e["reply"] == 235]
    check(auth_ok, "no successful AUTH")
else:
    sys.exit(f"unknown check {what}")

for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2

start_phase() {   # start_phase NAME: fresh fakes (fresh *_once faults) and logs
    stop_fakes
    start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws-$1.log" || exit 2
    start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp-$1.log" || exit 2
    fake_env
}

test_expect_success 'the fake signer reproduces AWS published SigV4 vectors' '
    "$PYTHON" "$SUPPORT/fake_aws.py" --self-test
'

start_phase scan
test_expect_success 'scan --verify (default settings) exits 1 and writes a JSON report' '
    start=$(date +%s%N)
    run_cmd sesame scan tree --verify --format json --verify-timeout-ms '$TIMEOUT_MS'
    end=$(date +%s%N)
    echo "verified in $(( (end - start) / 1000000 )) ms"
    expect_rc 1
    cp out report.json
    cp err report.err
    "$PYTHON" -c "import json; assert json.load(open(\"report.json\"))[\"findings\"]"
'
stop_fakes

test_expect_success 'every verdict: live, invalid, wrong_secret, expired, unknown (5xx, throttling, timeout, malformed XML, reset, captive portal, clock skew), skipped canary' '
    "$PYTHON" check.py statuses report.json
'

test_expect_success 'clock ahead ("Signature not yet current") is unknown, not wrong_secret' '
    "$PYTHON" check.py skew_future report.json
'

test_expect_success 'IAM last use, SES state, SMTP regions; access denied, 5xx, throttling' '
    "$PYTHON" check.py enrichment report.json
'

test_expect_success 'SMTP AUTH: 235 live, 535 invalid, 454 temporary failure retried then unknown' '
    "$PYTHON" check.py smtp report.json smtp-scan.log
'

test_expect_success 'only read-only AWS calls, all correctly signed; canary and example never contacted' '
    "$PYTHON" check.py aws-log aws-scan.log
'

test_expect_success 'SMTP: STARTTLS before AUTH, never MAIL FROM / RCPT / DATA' '
    "$PYTHON" check.py smtp-log smtp-scan.log
    expect_no_grep -E "\"cmd\": \"(MAIL|RCPT|DATA)\"" smtp-scan.log
    expect_no_grep FORBIDDEN aws-scan.log
'

test_expect_success 'no secret, token or SMTP password in the report, stderr or cache' '
    test -s secret-values.txt
    expect_no_grep -F -f secret-values.txt report.json
    expect_no_grep -F -f secret-values.txt report.err
    if [ -d "$SESAME_CACHE_DIR" ]; then
        expect_no_grep -r -F -f secret-values.txt "$SESAME_CACHE_DIR"
    fi
'

start_phase text
test_expect_success 'the text report with --verify --explain shows no secret either' '
    run_cmd sesame scan tree --verify --explain --verify-timeout-ms '$TIMEOUT_MS'
    expect_rc 1
    expect_no_grep -F -f secret-values.txt out
    expect_no_grep -F -f secret-values.txt err
    expect_grep -F live out
'
stop_fakes

test_expect_success 'scan --show-secrets (no --verify) writes a report with the values' '
    run_cmd sesame scan tree --format json --show-secrets
    expect_rc 1
    cp out report-secrets.json
    expect_grep -F "$(head -1 secret-values.txt)" report-secrets.json
'

start_phase verify
test_expect_success 'sesame verify REPORT.json gives the same verdicts, and shows no secret' '
    run_cmd sesame verify report-secrets.json --format json --verify-timeout-ms '$TIMEOUT_MS'
    expect_rc 1
    cp out report-verify.json
    "$PYTHON" check.py same report.json report-verify.json
    expect_no_grep -F -f secret-values.txt out
    expect_no_grep -F -f secret-values.txt err
    "$PYTHON" check.py aws-log aws-verify.log
    "$PYTHON" check.py smtp-log smtp-verify.log
'

test_expect_success 'sesame verify re-checks a report that already holds verdicts' '
    : >aws-verify.log
    run_cmd sesame scan tree/svc/live.env --verify --show-secrets --format json \
        --verify-timeout-ms '$TIMEOUT_MS'
    expect_rc 1
    cp out live-verified.json
    : >aws-verify.log
    run_cmd sesame verify live-verified.json --format json --verify-timeout-ms '$TIMEOUT_MS'
    expect_rc 1
    "$PYTHON" -c "
import json
cases = json.load(open(\"cases.json\"))
log = [json.loads(l) for l in open(\"aws-verify.log\")]
assert [e[\"action\"] for e in log if e[\"service\"] == \"sts\"] == [\"GetCallerIdentity\"], log
f = json.load(open(\"out\"))[\"findings\"][0]
assert f[\"verification\"][\"status\"] == \"live\", f[\"verification\"]
"
'

test_expect_success 'sesame verify on a redacted report: usage error, nothing contacted' '
    : >aws-verify.log
    run_cmd sesame verify report.json --format json
    expect_rc 2
    expect_grep -F -- "--show-secrets" err
    test ! -s aws-verify.log
'
stop_fakes

start_phase examples
test_expect_success '--include-examples: the example key is reported, skipped, scored 0' '
    run_cmd sesame scan tree/docs tree/svc/canary.env --verify --include-examples --format json --verify-timeout-ms '$TIMEOUT_MS'
    expect_rc 1
    cp out report-examples.json
    "$PYTHON" -c "
import json
d = json.load(open(\"report-examples.json\"))
ids = {f[\"access_key_id\"]: f for f in d[\"findings\"]}
cases = json.load(open(\"cases.json\"))
for label in (\"example\", \"canary\"):
    f = ids[cases[label][\"key_id\"]]
    assert f[\"verification\"][\"status\"] == \"skipped\", (label, f[\"verification\"])
assert ids[\"AKIAIOSFODNN7EXAMPLE\"][\"risk\"][\"score\"] == 0
"
    test ! -s aws-examples.log
    test ! -s smtp-examples.log
'
stop_fakes

test_done
