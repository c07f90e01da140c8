#!/usr/bin/env bash
# `sesame remediate FINGERPRINT --report REPORT.json` (issue 18, items 3 and 4):
#   - the ordered steps with the exact AWS CLI commands: create the replacement,
#     SMTP credentials, deploy, deactivate, watch, delete; the SES sending state and
#     how a pause is lifted; open sending policies; AWS's notification mails;
#   - user name from the ARN, region from the last use, identities from the account;
#   - the least-privilege policy is valid IAM policy JSON (checked against the IAM policy
#     grammar below: Version, Statement, Effect, Action, Resource, Condition operators),
#     ses:SendEmail/SendRawEmail only, on the identity ARNs seen, with ses:FromAddress
#     (--from-address, else the address identities, else a marked placeholder) and
#     optionally aws:SourceIp;
#   - temporary credentials: revoke the role's older sessions; unknown facts are
#     REPLACE-WITH-... placeholders; report values are shell-quoted;
#   - remediate never contacts AWS: the fake's log does not change.
# Keys come from a fixed seed (tests/support/fakekeys.py).
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0770")
keys, labels = {}, {}
os.makedirs("tree", exist_ok=True)


def key(label, prefix="AKIA", arn=None, **kw):
    kid, sec = k.key_id(prefix), k.secret()
    acct = fakekeys.account_id(kid)
    extra = ""
    if prefix == "ASIA":
        tok = k.token()
        kw["session_token"] = tok
        extra = f"AWS_SESSION_TOKEN={tok}\n"
    with open(f"tree/{label}.env", "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n{extra}")
    keys[kid] = dict({"secret": sec, "account": acct,
                      "arn": (arn or "arn:aws:iam::{a}:user/mail/{l}").format(a=acct, l=label),
                      "user_id": "AIDA" + k.hexid(17), "last_used": None}, **kw)
    labels[kid] = label


open_policy = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "ses:SendRawEmail", "Resource": "*"}]}
key("mailer", last_used={"date": "2026-01-01T00:00:00Z", "service": "ses-smtp",
                         "region": "eu-west-2"},
    ses={"eu-west-2": {"production": True, "enforcement": "SHUTDOWN", "sending_enabled": False,
                       "review": {"Status": "PENDING", "CaseId": "case-77"},
                       "stats": [{"minutes_ago": 15 * i, "attempts": 500, "bounces": 60}
                                 for i in range(1, 5)],
                       "identities": [{"name": "example.com",
                                       "policies": {"anyone": open_policy}},
                                      {"name": "o'brien@example.com", "type": "EMAIL_ADDRESS",
                                       "policies": {"shared": open_policy}}]},
         "eu-west-1": {"identities": [{"name": "example.net"}]}})
key("idle")                                        # not an SES sender
key("session", prefix="ASIA", arn="arn:aws:sts::{a}:assumed-role/deploy-role/ci")
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump(labels, open("labels.json", "w"))
EOF

# the IAM policy grammar check (shared with t0776)
cp "$SUPPORT/iam_grammar.py" "$TRASH/" || exit 2


export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
fake_env

fp() {  # fp LABEL: the fingerprint of that key's finding in report.json
    "$PYTHON" -c "
import json, sys
labels = json.load(open('labels.json'))
for f in json.load(open('report.json'))['findings']:
    if labels.get(f['access_key_id']) == sys.argv[1]:
        print(f['fingerprint'])
" "$1"
}

test_expect_success 'a verified, redacted report to work from' '
    run_cmd sesame scan tree --verify --no-smtp-check --format json --ses-regions eu-west-1 \
        --verify-timeout-ms 20000
    expect_rc 1
    cp out report.json
    wc -l <aws.log >calls.before
'

test_expect_success 'the plan: ordered steps, exact commands, user from the ARN, region from last use' '
    run_cmd sesame remediate "$(fp mailer)" --report report.json
    expect_rc 0
    cp out plan.txt
    "$PYTHON" - <<EOF
import re
t = open("plan.txt").read()
print(t)
order = ["aws iam create-access-key --user-name mailer",
         "aws iam put-user-policy --user-name mailer --policy-name sesame-ses-sender",
         "Regenerate the SMTP credentials", "email-smtp.eu-west-2.amazonaws.com",
         "Deploy the replacement", "tree/mailer.env:2",
         "aws iam update-access-key --user-name mailer --access-key-id ",
         "aws iam get-access-key-last-used", "aws cloudtrail lookup-events --region eu-west-2",
         "aws ses get-send-statistics --region eu-west-2",
         "aws iam delete-access-key --user-name mailer --access-key-id ",
         "aws sesv2 get-account --region eu-west-2",
         "SHUTDOWN, sending PAUSED, review PENDING (case case-77)",
         "Sending is under review or paused",
         "aws sesv2 delete-email-identity-policy --email-identity example.com --policy-name anyone --region eu-west-2",
         "IAM exposed credentials", "AWS_RISK_CREDENTIALS_EXPOSED",
         "Least-privilege IAM policy"]
pos = [t.find(s) for s in order]
missing = [s for s, p in zip(order, pos) if p < 0]
assert not missing, missing
assert pos == sorted(pos), [s for s, p in zip(order, pos)]
body = t.split("fill them in.")[1]
assert "--status Inactive" in t and "REPLACE-WITH-" not in body, "a placeholder where all is known"
EOF
'

test_expect_success 'the policy is valid IAM JSON: SES sending only, identities seen, senders' '
    run_cmd sesame remediate "$(fp mailer)" --report report.json --policy-only
    expect_rc 0
    cp out policy.json
    "$PYTHON" iam_grammar.py policy.json
    "$PYTHON" - <<EOF
import json
labels = json.load(open("labels.json"))
acct = [f for f in json.load(open("report.json"))["findings"]
        if labels[f["access_key_id"]] == "mailer"][0]["verification"]["account"]
p = json.load(open("policy.json"))
(st,) = p["Statement"]
assert st["Effect"] == "Allow" and sorted(st["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
assert sorted(st["Resource"]) == sorted([
    f"arn:aws:ses:eu-west-2:{acct}:identity/example.com",
    f"arn:aws:ses:eu-west-2:{acct}:identity/o\x27brien@example.com",
    f"arn:aws:ses:eu-west-1:{acct}:identity/example.net"]), st["Resource"]
assert st["Condition"] == {"StringLike": {"ses:FromAddress": ["o\x27brien@example.com"]}}, st
EOF
'

test_expect_success '--from-address and --source-ip shape the condition; the policy stays valid' '
    run_cmd sesame remediate "$(fp mailer)" --report report.json --policy-only \
        --from-address noreply@example.com --from-address alerts@example.com \
        --source-ip 203.0.113.0/24 -o policy2.json
    expect_rc 0
    "$PYTHON" iam_grammar.py policy2.json
    "$PYTHON" - <<EOF
import json
c = json.load(open("policy2.json"))["Statement"][0]["Condition"]
assert c == {"StringLike": {"ses:FromAddress": ["noreply@example.com", "alerts@example.com"]},
             "IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}, c
EOF
    run_cmd sesame remediate "$(fp mailer)" --report report.json --policy-only \
        --source-ip "1.2.3.4; rm -rf /"
    expect_rc 2
    run_cmd sesame remediate "$(fp mailer)" --report report.json --from-address "x\"@y"
    expect_rc 2
'

test_expect_success 'the grammar check itself refuses what IAM refuses' '
    printf "%s" "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ses:SendEmail\",\"Resource\":\"*\",\"Condition\":{\"StringLikes\":{\"ses:FromAddress\":\"a@b\"}}}]}" >bad1.json
    printf "%s" "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ses:SendEmail\",\"Resource\":\"*\"}]}" >bad2.json
    printf "%s" "{\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"SendEmail\",\"Resource\":\"example.com\"}]}" >bad3.json
    for f in bad1 bad2 bad3; do
        must_fail "$PYTHON" iam_grammar.py $f.json
    done
'

test_expect_success 'report values are shell-quoted in the commands' '
    grep -F -- "--email-identity '"'"'o'"'"'\\'"'"''"'"'brien@example.com'"'"' --policy-name shared" plan.txt
    "$PYTHON" - <<EOF
import shlex
cmds = [shlex.split(l.strip()[2:]) for l in open("plan.txt") if l.strip().startswith("\$ aws")]
assert all(c[0] == "aws" for c in cmds), cmds
ids = [c[c.index("--email-identity") + 1] for c in cmds if "--email-identity" in c]
assert "o\x27brien@example.com" in ids and "example.com" in ids, ids
EOF
'

test_expect_success 'a key that is not an SES sender: no policy guessed' '
    run_cmd sesame remediate "$(fp idle)" --report report.json
    expect_rc 0
    grep "aws iam create-access-key --user-name idle" out
    grep "sesame does not know what else this key was for" out
    expect_no_grep "Least-privilege IAM policy" out
    expect_no_grep "SMTP" out
    run_cmd sesame remediate "$(fp idle)" --report report.json --policy-only
    expect_rc 2
    grep "not an SES sender" err
'

test_expect_success 'temporary credentials: revoke the role'"'"'s older sessions' '
    run_cmd sesame remediate "$(fp session)" --report report.json
    expect_rc 0
    grep "aws iam put-role-policy --role-name deploy-role --policy-name AWSRevokeOlderSessions" out
    grep "aws:TokenIssueTime" out
    expect_no_grep "update-access-key" out
'

test_expect_success 'finding by key ID or unique prefix; unknown and ambiguous ones are usage errors' '
    kid=$("$PYTHON" -c "import json; print([k for k, v in json.load(open(\"labels.json\")).items() if v == \"idle\"][0])")
    run_cmd sesame remediate "$kid" --report report.json
    expect_rc 0
    grep "create-access-key --user-name idle" out
    fpx=$(fp idle)
    run_cmd sesame remediate "$(printf %s "$fpx" | cut -c1-6)" --report report.json
    expect_rc 0
    run_cmd sesame remediate ffffffffffffffff --report report.json
    expect_rc 2
    grep "no finding" err
    # without --report: the store (./sesame.db here), which does not exist
    run_cmd sesame remediate "$(fp idle)"
    expect_rc 3
    grep "cannot open the store" err
    test ! -e sesame.db
    run_cmd sesame remediate "$(fp idle)" --report report.json --db x.db
    expect_rc 2
'

test_expect_success 'without verification: placeholders, clearly marked' '
    run_cmd sesame scan tree --format json
    expect_rc 1
    cp out unverified.json
    run_cmd sesame remediate "$(fp idle)" --report unverified.json
    expect_rc 0
    grep -- "--user-name REPLACE-WITH-USER-NAME" out
'

test_expect_success 'remediate never contacts AWS' '
    wc -l <aws.log >calls.after
    cmp calls.before calls.after
'

test_done
