#!/usr/bin/env bash
# The event-loop fake (tests/support/fake_aws_fast.py, the verification benchmark's
# endpoint) answers as fake_aws.py does, and the verifier's connection reuse and pacing
# (issue 16 item 4):
#   - the same `sesame scan --verify` against both fakes gives the same verdicts and
#     the same requests with the same answers (faults included: throttling, 5xx,
#     malformed XML, a captive portal, a cut body, an expired token, a wrong secret);
#   - the fast fake checks every signature: a request signed with the wrong secret, one
#     without a signature, and one whose date is an hour off are refused; ones signed
#     right is answered, on the same kept-alive connection; a client that does not trust
#     its CA gets no answer at all;
#   - sesame keeps its connections: the fake sees no more TLS connections (handshakes)
#     than --verify-concurrency, for many more requests;
#   - sesame paces per AWS account: GetSendQuota and GetSendStatistics of one account
#     come at most once per second (AWS's documented limit) while keys of other accounts
#     are not held back by them.
# Keys come from a fixed seed (tests/support/fakekeys.py); nothing leaves 127.0.0.1.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os
import fakekeys

k = fakekeys.Keys("sesame-t0780")
keys, cases = {}, {}
os.makedirs("tree", exist_ok=True)
SHARED = "111122223333"  # one AWS account holding several keys


def pair(label, in_state=True, account=None, **kw):
    kid, sec = k.key_id(), k.secret()
    with open(f"tree/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    if in_state:
        acct = account or fakekeys.account_id(kid)
        keys[kid] = dict({"secret": sec, "account": acct,
                          "arn": f"arn:aws:iam::{acct}:user/{label}",
                          "user_id": "AIDA" + k.hexid(17), "last_used": None}, **kw)
    cases[label] = kid
    return kid, sec


pair("live", ses={"eu-west-1": {"production": True, "sending_enabled": True,
                                "enforcement": "HEALTHY", "max_24h": 50000,
                                "max_rate": 14, "sent_24h": 40000}})
pair("invalid", in_state=False)
kid, _ = pair("wrong_secret")
keys[kid]["secret"] = k.secret()
pair("throttle_once", behaviour=["throttle_once@sts"])
pair("err500_iam", behaviour=["error_500_always@iam"])
pair("malformed", behaviour=["malformed_xml@sts"])
pair("portal", behaviour=["captive_portal"])
pair("cut", behaviour=["truncated_body@GetSendQuota"])
pair("denied", iam_access="deny", ses={"*": "deny"})
for i in range(3):
    pair(f"shared{i}", account=SHARED)
for i in range(12):
    pair(f"other{i}")
for i in range(10):
    pair(f"gone{i}", in_state=False)
# temporary credentials, expired
kid, sec, tok = k.key_id("ASIA"), k.secret(), k.token()
with open("tree/expired.env", "w") as f:
    f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\nAWS_SESSION_TOKEN={tok}\n")
acct = fakekeys.account_id(kid)
keys[kid] = {"secret": sec, "session_token": tok, "expired": True, "account": acct,
             "arn": f"arn:aws:sts::{acct}:assumed-role/r/s", "user_id": "AROA" + k.hexid(17)}
cases["expired"] = kid
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump({"cases": cases, "shared": SHARED}, open("cases.json", "w"))
EOF

cat >"$TRASH/check.py" <<'EOF'
import collections, json, sys

def verdicts(path):
    """Each finding's verification, without the time it was made."""
    out = {}
    for f in json.load(open(path))["findings"]:
        v = dict(f["verification"] or {})
        v.pop("checked_at", None)
        out[f["access_key_id"]] = json.dumps(v, sort_keys=True)
    return out

def requests(path):
    """What was asked and answered, as a multiset (order and timing aside)."""
    return collections.Counter(
        (e["key_id"], e["service"], e["action"], e["status"], e["code"], e["sig"],
         e["behaviour"]) for e in map(json.loads, open(path)))

cmd = sys.argv[1]
if cmd == "same":
    a, b = verdicts(sys.argv[2]), verdicts(sys.argv[3])
    cases = json.load(open("cases.json"))["cases"]
    assert len(a) == len(cases), (len(a), len(cases))
    for label, kid in sorted(cases.items()):
        assert a[kid] == b[kid], f"{label}:\n threaded {a[kid]}\n fast     {b[kid]}"
    ra, rb = requests(sys.argv[4]), requests(sys.argv[5])
    assert ra == rb, f"threaded only: {ra - rb}\nfast only: {rb - ra}"
    statuses = collections.Counter(json.loads(a[kid])["status"] for kid in cases.values())
    print("same verdicts for", len(a), "credentials:", dict(statuses), "and the same",
          sum(ra.values()), "requests")
    # the faults did happen (a fake that answered everything alike would pass the above)
    codes = collections.Counter(k[4] for k in rb.elements())
    for c in ("OK", "InvalidClientTokenId", "SignatureDoesNotMatch", "Throttling",
              "InternalFailure", "malformed_xml", "captive_portal", "ExpiredToken"):
        assert codes[c] > 0, (c, codes)
    assert any(k[6] == "truncated_body" for k in rb), "the cut body was sent"
    for label, want in (("live", "live"), ("invalid", "invalid"), ("wrong_secret", "wrong_secret"),
                        ("expired", "expired"), ("malformed", "unknown"), ("portal", "unknown"),
                        ("throttle_once", "live")):
        got = json.loads(b[cases[label]])["status"]
        assert got == want, (label, got, want)
elif cmd == "conns":
    log, conc = [json.loads(l) for l in open(sys.argv[2])], int(sys.argv[3])
    conns = {e["conn"] for e in log}
    print(len(log), "requests on", len(conns), "TLS connections, concurrency", conc)
    assert None not in conns and len(log) >= 5 * conc
    assert len(conns) <= conc, conns
elif cmd == "pace":
    log = [json.loads(l) for l in open(sys.argv[2])]
    info = json.load(open("cases.json"))
    state = json.load(open("aws-state.json"))["keys"]
    shared = {k for k, v in state.items() if v["account"] == info["shared"]}
    for action in ("GetSendQuota", "GetSendStatistics"):
        t = sorted(e["t"] for e in log if e["action"] == action and e["key_id"] in shared)
        gaps = [round(b - a, 3) for a, b in zip(t, t[1:])]
        print(action, "of the shared account at", [round(x - t[0], 3) for x in t])
        assert len(t) == 3 and min(gaps) >= 0.9, gaps
        # other accounts are not held to one per second: several of theirs in one second
        others = sorted(e["t"] for e in log if e["action"] == action and e["key_id"] not in shared)
        most = max(sum(1 for y in others if x <= y < x + 1) for x in others)
        print(action, "of", len(others), "other accounts: at most", most, "in a second")
        assert len(others) >= 10 and most >= 4, (len(others), most)
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2

# run_fake SCRIPT NAME: one `scan --verify` against a fresh fake (fresh *_once faults)
run_fake() {
    FAKE_AWS_SCRIPT=$1 start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws-$2.log" || exit 2
    fake_env
    unset SESAME_SMTP_ENDPOINT
    (cd "$TRASH" && "$SESAME_BIN" scan tree --verify --verify-concurrency 4 --format json \
        --verify-timeout-ms 3000 >"report-$2.json" 2>"report-$2.err")
    echo $? >"$TRASH/rc-$2"
    stop_fakes
}
run_fake fake_aws.py threaded
run_fake fake_aws_fast.py fast

test_expect_success 'both fakes: the same verdicts, the same requests and answers' '
    test "$(cat rc-threaded)" = 1 && test "$(cat rc-fast)" = 1
    "$PYTHON" check.py same report-threaded.json report-fast.json aws-threaded.log aws-fast.log
'

test_expect_success 'connections are kept: no more TLS handshakes than --verify-concurrency' '
    "$PYTHON" check.py conns aws-fast.log 4
    "$PYTHON" check.py conns aws-threaded.log 4
'

test_expect_success 'GetSendQuota / GetSendStatistics: once per second per account, others not held back' '
    "$PYTHON" check.py pace aws-fast.log
'

FAKE_AWS_SCRIPT=fake_aws_fast.py start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws-direct.log" || exit 2
cat >"$TRASH/direct.py" <<'EOF'
import http.client, json, ssl, sys, time
import fake_aws

port, ca, other_ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
state = json.load(open("aws-state.json"))["keys"]
cases = json.load(open("cases.json"))["cases"]
kid = cases["live"]
secret = state[kid]["secret"]
body = b"Action=GetCallerIdentity&Version=2011-06-15"
ct = "application/x-www-form-urlencoded; charset=utf-8"

def call(conn, secret, skew=0, sign=True):
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + skew))
    host = f"127.0.0.1:{port}"
    h = {"Content-Type": ct, "Host": host, "X-Amz-Date": date}
    if sign:
        signed = ["content-type", "host", "x-amz-date"]
        sig = fake_aws.expected_signature(
            "POST", "/", "", {"content-type": [ct], "host": [host], "x-amz-date": [date]},
            signed, body, secret, date, "eu-west-1", "sts")
        h["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={kid}/{date[:8]}/eu-west-1/sts/"
                              f"aws4_request, SignedHeaders={';'.join(signed)}, Signature={sig}")
    conn.request("POST", "/", body=body, headers=h)
    r = conn.getresponse()
    text = r.read().decode()
    code = text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in text else "OK"
    return r.status, code

conn = http.client.HTTPSConnection("127.0.0.1", port,
                                   context=ssl.create_default_context(cafile=ca))
got = [call(conn, secret), call(conn, secret[::-1]), call(conn, secret, sign=False),
       call(conn, secret, skew=3600), call(conn, secret)]
print(got)
# unsigned: no credential scope, so no service to route to (fake_aws.py answers the same)
assert got == [(200, "OK"), (403, "SignatureDoesNotMatch"), (400, "InvalidAction"),
               (403, "SignatureDoesNotMatch"), (200, "OK")], got
log = [json.loads(l) for l in open("aws-direct.log")]
# the hour-off request is signed right (for its date) and refused for the date alone
assert [e["sig"] for e in log] == ["ok", "bad", "none", "ok", "ok"], [e["sig"] for e in log]
assert len({e["conn"] for e in log}) == 1, "five requests, one kept-alive connection"
try:
    c2 = http.client.HTTPSConnection("127.0.0.1", port,
                                     context=ssl.create_default_context(cafile=other_ca))
    c2.request("GET", "/")
    sys.exit("a client trusting another CA got an answer")
except ssl.SSLError as e:
    print("other CA refused:", e.reason)
EOF

test_expect_success 'the fast fake checks every signature and date, over verified TLS' '
    "$PYTHON" direct.py "$FAKE_AWS_PORT" certs/ca.pem certs/other-ca.pem
'
stop_fakes

test_done
