#!/usr/bin/env bash
# TLS verification is never disabled: the fakes' certificate comes from a throwaway CA
# made here (tests/support/certs.sh). Without AWS_CA_BUNDLE (the system store, which
# does not know that CA), or with a bundle of another CA, every verdict is unknown with
# a TLS reason - never live, never invalid - and no HTTP request or SMTP AUTH reaches
# the fakes. With the right bundle the same keys are live / invalid (control). A proxy
# that refuses CONNECT with a 403 page gives unknown too; an SMTP server that strips
# STARTTLS never sees AUTH.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0720")
keys, cases = {}, {}
os.makedirs("tree", exist_ok=True)
for label in ("live", "invalid"):
    kid, sec = k.key_id(), k.secret()
    with open(f"tree/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
    if label == "live":
        acct = fakekeys.account_id(kid)
        keys[kid] = {"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/tls",
                     "user_id": "AIDA" + k.hexid(17), "last_used": None}
    cases[label] = kid
kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
with open("tree/mail.yml", "w") as f:
    f.write(f"smtp:\n  host: email-smtp.eu-west-1.amazonaws.com\n  username: {kid}\n"
            f"  password: {pw}\n")
cases["smtp"] = kid
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1)
json.dump({"users": {kid: pw}}, open("smtp-state.json", "w"), indent=1)
json.dump(cases, open("cases.json", "w"), indent=1)
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
cases = json.load(open("cases.json"))
label = {v: k for k, v in cases.items()}
d = json.load(open(sys.argv[1]))
mode = sys.argv[2]
bad = []
seen = set()
for f in d["findings"]:
    l = label.get(f["access_key_id"])
    if not l:
        continue
    seen.add(l)
    v = f["verification"]
    st, why = v["status"], v["reason"] or ""
    if mode == "untrusted":
        if st != "unknown":
            bad.append(f"{l}: {st} ({why}), expected unknown")
        if not any(w in why.lower() for w in ("ssl", "tls", "certificate")):
            bad.append(f"{l}: reason {why!r} does not name TLS")
        for s in v["smtp"]:
            if s["status"] != "unknown":
                bad.append(f"{l}: smtp {s}")
    else:
        want = {"live": "live", "invalid": "invalid", "smtp": "live"}[l]
        if st != want:
            bad.append(f"{l}: {st} ({why}), expected {want}")
if seen != set(cases):
    bad.append(f"findings for {sorted(seen)}, expected {sorted(cases)}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp.log" || exit 2
fake_env

test_expect_success 'control: with AWS_CA_BUNDLE = the test CA, live / invalid / SMTP live' '
    run_cmd sesame scan tree --verify --format json --verify-timeout-ms 15000
    expect_rc 1
    "$PYTHON" check.py out trusted
    test -s aws.log
    grep -q "\"reply\": 235" smtp.log
'

test_expect_success 'AWS_CA_BUNDLE unset: every verdict unknown with a TLS reason, never live' '
    : >aws.log
    : >smtp.log
    (
        unset AWS_CA_BUNDLE
        run_cmd sesame scan tree --verify --format json --verify-timeout-ms 15000
        expect_rc 1
        cp out untrusted.json
    )
    "$PYTHON" check.py untrusted.json untrusted
    "$PYTHON" -c "import json; print(sorted({f[\"verification\"][\"reason\"] for f in json.load(open(\"untrusted.json\"))[\"findings\"]}))"
    # the handshake failed: no request was read, no AUTH was seen
    test ! -s aws.log
    expect_no_grep "\"cmd\": \"AUTH\"" smtp.log
'

test_expect_success 'AWS_CA_BUNDLE of another CA: the same' '
    : >aws.log
    : >smtp.log
    AWS_CA_BUNDLE="$FAKE_CERTS/other-ca.pem" run_cmd sesame scan tree --verify --format json \
        --verify-timeout-ms 15000
    expect_rc 1
    "$PYTHON" check.py out untrusted
    test ! -s aws.log
    expect_no_grep "\"cmd\": \"AUTH\"" smtp.log
'

# A forward proxy that refuses every CONNECT with an HTML 403 page (a corporate proxy).
cat >"$TRASH/deny_proxy.py" <<'EOF'
import os, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        with open(sys.argv[2], "a") as f:
            f.write(line.decode("latin-1"))
        body = b"<html><body><h1>403 Forbidden</h1>Blocked by policy.</body></html>"
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
class S(socketserver.ThreadingTCPServer):
    daemon_threads = allow_reuse_address = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOF
"$PYTHON" "$TRASH/deny_proxy.py" "$TRASH/proxy.port" "$TRASH/proxy.log" &
FAKE_PIDS="$FAKE_PIDS $!"
PROXY_PORT=$(_wait_port "$TRASH/proxy.port" $!) || exit 2

test_expect_success 'a proxy that answers CONNECT with a 403 page: unknown, never invalid' '
    : >aws.log
    (
        unset NO_PROXY no_proxy
        export HTTPS_PROXY=http://127.0.0.1:$PROXY_PORT https_proxy=http://127.0.0.1:$PROXY_PORT
        run_cmd sesame scan tree/live.env tree/invalid.env --verify --format json \
            --verify-timeout-ms 15000
        expect_rc 1
        cp out proxied.json
    )
    grep -q "^CONNECT 127.0.0.1:$FAKE_AWS_PORT" proxy.log
    test ! -s aws.log
    "$PYTHON" -c "
import json
for f in json.load(open(\"proxied.json\"))[\"findings\"]:
    v = f[\"verification\"]
    assert v[\"status\"] == \"unknown\", v
    print(v[\"reason\"])
"
'

stop_fake "$FAKE_SMTP_PID"
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp-plain.log" --no-starttls || exit 2
fake_env

test_expect_success 'an SMTP server that strips STARTTLS never sees AUTH (STARTTLS required)' '
    run_cmd sesame scan tree/mail.yml --verify --format json --verify-timeout-ms 15000
    expect_rc 1
    test -s smtp-plain.log
    expect_no_grep "\"cmd\": \"AUTH\"" smtp-plain.log
    "$PYTHON" -c "
import json
f = json.load(open(\"out\"))[\"findings\"][0]
v = f[\"verification\"]
assert v[\"status\"] == \"unknown\", v
assert [s[\"status\"] for s in v[\"smtp\"]] == [\"unknown\"], v[\"smtp\"]
"
'

test_done
