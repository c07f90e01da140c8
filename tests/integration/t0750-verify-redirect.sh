#!/usr/bin/env bash
# Credentials go only where the user chose (issue 11, case 17). With AWS_ENDPOINT_URL set
# (a proxy, a test endpoint) and no SESAME_SMTP_ENDPOINT, the SMTP check must not connect
# to SES's real SMTP host with the found password: it is `unknown`, saying why. The same
# for the per-service variables, and for an AWS service left without an endpoint when the
# others are redirected (AWS_ENDPOINT_URL_SES alone: STS is not asked at sts.*.amazonaws.com).
# A 307 from the endpoint is not followed with the signed request. A region taken from a
# report given to `sesame verify` never becomes another SMTP host ("x@evil.example:25/").
#
# Nothing here can touch the internet: every client runs with
# ALL_PROXY=socks5h://127.0.0.1:PORT, a SOCKS5 recorder (tests/support/socks_recorder.py)
# that logs where each connection wanted to go and refuses it; the "h" makes the proxy
# resolve names, so there is no DNS lookup either. The fakes are reached directly
# (NO_PROXY=127.0.0.1). A control run proves the recorder sees such attempts (with
# AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true sesame does go for the real hosts).
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0750")
keys, users, ids = {}, {}, {}
os.makedirs("tree", exist_ok=True)
os.makedirs("redirect", exist_ok=True)

# a mailer: key, secret and SES SMTP password, next to the eu-west-1 SMTP host
kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
with open("tree/mailer.env", "w") as f:
    f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n"
            f"SMTP_HOST=email-smtp.eu-west-1.amazonaws.com\nSMTP_USERNAME={kid}\n"
            f"SMTP_PASSWORD={pw}\n")
acct = fakekeys.account_id(kid)
keys[kid] = {"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/mailer",
             "user_id": "AIDA" + k.hexid(17)}
users[kid] = pw
ids["mailer"] = kid

# an SMTP password alone (no secret: only the SMTP check can say anything)
kid = k.key_id()
sec, pw = k.smtp_pair("eu-west-1")
with open("tree/smtp-only.yml", "w") as f:
    f.write(f"mailer:\n  host: email-smtp.eu-west-1.amazonaws.com\n  username: {kid}\n"
            f"  password: {pw}\n")
users[kid] = pw
ids["smtp_only"] = kid

# a key whose STS endpoint answers 307 to another host
kid, sec = k.key_id(), k.secret()
with open("redirect/app.env", "w") as f:
    f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
acct = fakekeys.account_id(kid)
keys[kid] = {"secret": sec, "account": acct, "arn": f"arn:aws:iam::{acct}:user/app",
             "user_id": "AIDA" + k.hexid(17), "behaviour": ["redirect@sts"]}
ids["redirect"] = kid

json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump({"users": users}, open("smtp-state.json", "w"), indent=1, sort_keys=True)
json.dump(ids, open("ids.json", "w"))
EOF

# verdicts REPORT: "label status smtp-statuses reason | smtp reasons" per finding
cat >"$TRASH/verdicts.py" <<'EOF'
import json, sys
ids = {v: k for k, v in json.load(open("ids.json")).items()}
for f in json.load(open(sys.argv[1]))["findings"]:
    v = f["verification"]
    print(ids.get(f["access_key_id"], "?"), v["status"],
          ",".join(s["status"] for s in v["smtp"]) or "-", v["reason"], "|",
          " / ".join(s["reason"] or "" for s in v["smtp"]))
EOF

export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
start_fake_smtp "$TRASH/smtp-state.json" "$TRASH/smtp.log" || exit 2

dir=$(mktemp -d "$TRASH/socks.XXXXXX")
"$PYTHON" "$SUPPORT/socks_recorder.py" --port-file "$dir/port" --log "$TRASH/socks.log" \
    2>>"$dir/stderr" &
SOCKS_PID=$!
FAKE_PIDS="$FAKE_PIDS $SOCKS_PID"
SOCKS_PORT=$(_wait_port "$dir/port" "$SOCKS_PID") || { cat "$dir/stderr"; exit 2; }
: >"$TRASH/socks.log"

fake_env
# Every connection to anything but the fakes goes to the recorder, names unresolved.
export ALL_PROXY="socks5h://127.0.0.1:$SOCKS_PORT" all_proxy="socks5h://127.0.0.1:$SOCKS_PORT"
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
FAKE="https://127.0.0.1:$FAKE_AWS_PORT"
SMTP_FAKE=$SESAME_SMTP_ENDPOINT
unset SESAME_SMTP_ENDPOINT AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_IAM AWS_ENDPOINT_URL_SES \
    AWS_ENDPOINT_URL_SESV2

# verify ENV...: scan tree --verify with these extra variables; logs emptied first
verify() {
    : >aws.log
    : >smtp.log
    : >socks.log
    run_cmd env "$@" "$SESAME_BIN" scan "${TARGET:-tree}" --verify --format json \
        --verify-timeout-ms 3000
    expect_rc 1
    "$PYTHON" verdicts.py out >verdicts.txt
    cat verdicts.txt
}

test_expect_success 'issue 11 (17): AWS_ENDPOINT_URL set, no SMTP endpoint: SMTP is unknown, and nothing tried to reach the real SMTP host' '
    verify AWS_ENDPOINT_URL="$FAKE"
    expect_no_grep email-smtp socks.log     # no attempt to reach (or resolve) the real host
    test ! -s socks.log
    test ! -s smtp.log
    expect_grep "^mailer live unknown GetCallerIdentity succeeded | not checked: AWS_ENDPOINT_URL redirects AWS calls and SESAME_SMTP_ENDPOINT is not set; the password is not sent to email-smtp.eu-west-1.amazonaws.com$" verdicts.txt
    expect_grep "^smtp_only unknown unknown SMTP AUTH: not checked: AWS_ENDPOINT_URL redirects" verdicts.txt
    expect_grep "\"action\": \"GetCallerIdentity\"" aws.log
'

test_expect_success 'the per-service variables (AWS_ENDPOINT_URL_STS, _IAM, _SES, _SESV2) count as a redirect too' '
    verify AWS_ENDPOINT_URL_STS="$FAKE" AWS_ENDPOINT_URL_IAM="$FAKE" AWS_ENDPOINT_URL_SES="$FAKE" \
        AWS_ENDPOINT_URL_SESV2="$FAKE"
    expect_grep "^mailer live unknown .*| not checked: AWS_ENDPOINT_URL_STS redirects" verdicts.txt
    test ! -s socks.log
    test ! -s smtp.log
'

test_expect_success 'AWS_ENDPOINT_URL_SES alone: STS, IAM and SMTP are not asked at the real hosts' '
    verify AWS_ENDPOINT_URL_SES="$FAKE"
    expect_grep "^mailer unknown unknown not checked: AWS_ENDPOINT_URL_SES redirects AWS calls but nothing redirects STS (AWS_ENDPOINT_URL_STS); the key is not sent to sts.amazonaws.com" verdicts.txt
    test ! -s socks.log
    test ! -s smtp.log
    test ! -s aws.log
'

test_expect_success 'AWS_ENDPOINT_URL_STS alone: the key is live, IAM and SES are not asked at the real hosts' '
    TARGET=tree/mailer.env verify AWS_ENDPOINT_URL_STS="$FAKE"
    expect_grep "^mailer live unknown" verdicts.txt
    "$PYTHON" -c "
import json
v = json.load(open(\"out\"))[\"findings\"][0][\"verification\"]
assert \"nothing redirects IAM\" in v[\"last_used_error\"], v
assert v[\"ses\"] and all(\"nothing redirects SES\" in s[\"error\"] for s in v[\"ses\"]), v[\"ses\"]
"
    test ! -s socks.log
    expect_no_grep "\"service\": \"iam\"" aws.log
'

test_expect_success 'with SESAME_SMTP_ENDPOINT set, the SMTP check goes there (and only there)' '
    verify AWS_ENDPOINT_URL="$FAKE" SESAME_SMTP_ENDPOINT="$SMTP_FAKE"
    expect_grep "^mailer live live " verdicts.txt
    expect_grep "^smtp_only live live " verdicts.txt
    test ! -s socks.log
    expect_grep "\"reply\": 235" smtp.log
'

test_expect_success 'a 307 from the endpoint is not followed with the signed request' '
    TARGET=redirect verify AWS_ENDPOINT_URL="$FAKE"
    expect_grep "^redirect unknown - HTTP 307 without an AWS error" verdicts.txt
    test ! -s socks.log
'

test_expect_success 'a region from a report never becomes another SMTP host' '
    run_cmd "$SESAME_BIN" scan tree/smtp-only.yml --format json --show-secrets
    expect_rc 1
    "$PYTHON" -c "
import json
d = json.load(open(\"out\"))
f = d[\"findings\"][0]
for p in f[\"smtp_passwords\"]:
    p[\"region\"] = \"x@evil.example:25/\"
f[\"regions\"] = [\"x@evil.example:25/\"]
json.dump(d, open(\"crafted.json\", \"w\"))
"
    : >socks.log
    run_cmd "$SESAME_BIN" verify crafted.json --format json --verify-timeout-ms 3000
    expect_no_grep evil socks.log
    expect_grep "\"host\": \"email-smtp\.[a-z0-9-]*\.amazonaws\.com\"" socks.log
    test ! -s smtp.log
'

test_expect_success 'control: with the overrides ignored, sesame does go for the real hosts - and the recorder catches it, offline' '
    verify AWS_ENDPOINT_URL="$FAKE" AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
    expect_grep "\"host\": \"sts.eu-west-1.amazonaws.com\", \"port\": 443" socks.log
    expect_grep "\"host\": \"email-smtp.eu-west-1.amazonaws.com\", \"port\": 587" socks.log
    test ! -s aws.log
    test ! -s smtp.log
    expect_grep "^mailer unknown " verdicts.txt
'

stop_fakes
test_done
