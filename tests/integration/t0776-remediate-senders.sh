#!/usr/bin/env bash
# Sender addresses from the finding's context (issue 18, item 3): a tree where SES keys
# sit next to MAIL_FROM=..., a YAML `from:` with a display name, a boto3 `Source=` call,
# and addresses that are no senders (To:, reply_to, a recipient later on the line, one
# in another INI section, one more than 1 KiB away). `sesame scan --verify` reports the
# senders (JSON sender_addresses, validated by the schema; text "senders"), the audit
# store keeps them, and `sesame remediate` from the report and from the store (--db)
# puts exactly those into the ses:FromAddress condition; a key with none named gets the
# account's address identity, one with neither a marked placeholder. Every policy passes
# the IAM policy grammar check. A key of the aws-us-gov partition gets ARNs and IAM
# commands of that partition. Keys come from a fixed seed (tests/support/fakekeys.py).
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit
. "$IT_DIR/git_lib.sh"
cp "$SUPPORT/iam_grammar.py" "$TRASH/" || exit 2

cat >"$TRASH/scenario.py" <<'EOF'
import json, os
import fakekeys

k = fakekeys.Keys("sesame-t0776")
os.makedirs("repo/config", exist_ok=True)
keys, labels = {}, {}


def key(label, arn="arn:aws:iam::{a}:user/{l}", region="eu-west-2", identities=()):
    kid, sec = k.key_id(), k.secret()
    acct = fakekeys.account_id(kid)
    keys[kid] = {"secret": sec, "account": acct, "arn": arn.format(a=acct, l=label),
                 "user_id": "AIDA" + k.hexid(17),
                 "last_used": {"date": "2026-11-01T00:00:00Z", "service": "ses",
                               "region": region},
                 "ses": {region: {"production": True, "identities": list(identities)}}}
    labels[label] = kid
    return kid, sec


# mailer: seen in three files, each naming senders (and non-senders) next to it; its
# domain lets another account send, narrowed by a Deny unless the sender matches
# (issue 18 item 2: not open), and lets a third send unconditionally (open)
narrowed = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
     "Action": ["ses:SendEmail", "ses:SendRawEmail"], "Resource": "*"},
    {"Effect": "Deny", "Principal": "*", "Action": "ses:Send*", "Resource": "*",
     "Condition": {"StringNotLike": {"ses:FromAddress": "*@example.com"}}}]}
wide = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "777788889999"}, "Action": "ses:SendRawEmail",
     "Resource": "*"},
    {"Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "ses:SendRawEmail",
     "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}
kid, sec = key("mailer", identities=[{"name": "example.com",
                                      "policies": {"narrowed": narrowed, "wide": wide}},
                                     {"name": "ops@example.com", "type": "EMAIL_ADDRESS"}])
far = "#" * 1200
open("repo/.env", "w").write(
    f"MAIL_FROM=noreply@example.com\nMAIL_TO=admin@example.com\nreply_to=help@example.com\n"
    f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n{far}\nSES_FROM=far@example.com\n")
open("repo/config/mail.yaml", "w").write(
    f"mail:\n  from: \"Alerts <alerts@example.com>\"\n  to: oncall@example.com\n"
    f"aws:\n  access_key_id: {kid}\n")
open("repo/send.py", "w").write(
    f"import boto3\nses = boto3.client('ses', aws_access_key_id='{kid}')\n"
    f"ses.send_email(Source='Billing <billing@example.com>', "
    f"Destination={{'ToAddresses': ['customer@example.org']}}, Message={{}})\n")
# quiet: no sender named (one in another INI section): the address identity
kid, sec = key("quiet", identities=[{"name": "quiet@example.net", "type": "EMAIL_ADDRESS"}])
open("repo/quiet.ini", "w").write(
    f"[mail]\nsender = elsewhere@example.com\n\n[aws]\naws_access_key_id = {kid}\n"
    f"aws_secret_access_key = {sec}\n")
# bare: nothing known: the placeholder
kid, sec = key("bare")
open("repo/bare.env", "w").write(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n")
# gov: the aws-us-gov partition, with a sender
kid, sec = key("gov", arn="arn:aws-us-gov:iam::{a}:user/{l}", region="us-gov-west-1",
               identities=[{"name": "agency.example.gov"}])
open("repo/gov.env", "w").write(
    f"DEFAULT_FROM_EMAIL=notices@agency.example.gov\nAWS_ACCESS_KEY_ID={kid}\n"
    f"AWS_SECRET_ACCESS_KEY={sec}\n")
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump(labels, open("labels.json", "w"))
EOF
start_fake_aws_scenario

fp() {  # fp LABEL: the fingerprint of that key's finding in report.json
    "$PYTHON" -c "import json, sys
kid = json.load(open('labels.json'))[sys.argv[1]]
print(next(f['fingerprint'] for f in json.load(open('report.json'))['findings']
           if f['access_key_id'] == kid))" "$1"
}
from_addresses() {  # from_addresses POLICY.json: the ses:FromAddress values, one a line
    "$PYTHON" iam_grammar.py "$1" &&
    "$PYTHON" -c "import json, sys
(st,) = json.load(open(sys.argv[1]))['Statement']
print('\n'.join(st['Condition']['StringLike']['ses:FromAddress']))" "$1"
}
VERIFY="--verify --no-smtp-check --ses-regions us-gov-west-1 --verify-timeout-ms 20000"

test_expect_success 'scan --verify: the senders next to each key, in JSON and text' '
    (cd repo && git init -q && git add . && commit -m keys)
    run_cmd sesame scan $VERIFY --format json repo
    expect_rc 1
    cp out report.json
    "$PYTHON" - "$SESAME_SRC/schema/report.schema.json" <<EOF
import json, sys
labels = {v: k for k, v in json.load(open("labels.json")).items()}
doc = json.load(open("report.json"))
try:
    import jsonschema
    jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(doc)
except ImportError:
    pass
got = {labels[f["access_key_id"]]: f["sender_addresses"] for f in doc["findings"]}
want = {"mailer": ["alerts@example.com", "billing@example.com", "noreply@example.com"],
        "quiet": [], "bare": [], "gov": ["notices@agency.example.gov"]}
assert got == want, got
pols = {p["name"]: p for f in doc["findings"] if labels[f["access_key_id"]] == "mailer"
        for s in f["verification"]["ses"] for i in s["identities"] for p in i["policies"]}
assert pols["narrowed"]["open"] is False and "Deny" in pols["narrowed"]["why"], pols
assert pols["wide"]["open"] is True, pols
EOF
    run_cmd sesame scan repo
    expect_rc 1
    grep -F "senders     alerts@example.com, billing@example.com, noreply@example.com" out
    wc -l <aws.log >calls.before
'

test_expect_success 'remediate --report: exactly the senders found, in a valid policy' '
    sesame remediate "$(fp mailer)" --report report.json --policy-only >p-mailer.json &&
    from_addresses p-mailer.json >got &&
    printf "%s\n" alerts@example.com billing@example.com noreply@example.com >want &&
    test_cmp want got &&
    sesame remediate "$(fp mailer)" --report report.json >plan.txt &&
    grep -F "named next to the key where it was found: alerts@example.com billing@example.com noreply@example.com" plan.txt &&
    grep -F -- "--email-identity example.com --policy-name wide" plan.txt &&
    expect_no_grep -F -- "--policy-name narrowed" plan.txt &&
    sesame remediate "$(fp mailer)" --report report.json --policy-only \
        --from-address given@example.com >p-given.json &&
    from_addresses p-given.json >got &&
    echo given@example.com >want &&
    test_cmp want got
'

test_expect_success 'no sender named: the address identity, else a marked placeholder' '
    sesame remediate "$(fp quiet)" --report report.json --policy-only >p-quiet.json &&
    from_addresses p-quiet.json >got &&
    echo quiet@example.net >want &&
    test_cmp want got &&
    sesame remediate "$(fp bare)" --report report.json --policy-only >p-bare.json &&
    from_addresses p-bare.json >got &&
    echo REPLACE-WITH-SENDER@YOUR-VERIFIED-DOMAIN >want &&
    test_cmp want got &&
    sesame remediate "$(fp bare)" --report report.json >plan-bare.txt &&
    grep -F "none was named next to the key and the account has no address identity" plan-bare.txt &&
    sesame remediate "$(fp quiet)" --report report.json >plan-quiet.txt &&
    grep -F "none was named next to the key; the account'"'"'s address identities are used" plan-quiet.txt
'

test_expect_success 'the aws-us-gov partition: its ARNs, IAM through its region' '
    sesame remediate "$(fp gov)" --report report.json >plan-gov.txt &&
    sesame remediate "$(fp gov)" --report report.json --policy-only >p-gov.json &&
    from_addresses p-gov.json >got &&
    echo notices@agency.example.gov >want &&
    test_cmp want got &&
    grep -F "\"arn:aws-us-gov:ses:us-gov-west-1:" p-gov.json &&
    expect_no_grep -F "arn:aws:" p-gov.json &&
    grep -F "Partition aws-us-gov" plan-gov.txt &&
    grep -F "https://console.amazonaws-us-gov.com/" plan-gov.txt &&
    grep -F "aws iam create-access-key --user-name gov --region us-gov-west-1" plan-gov.txt &&
    grep -F -- "--status Inactive --region us-gov-west-1" plan-gov.txt
'

test_expect_success 'a hand-edited report: senders that are no address are dropped' '
    "$PYTHON" - <<EOF
import json
doc = json.load(open("report.json"))
labels = {v: k for k, v in json.load(open("labels.json")).items()}
for f in doc["findings"]:
    if labels[f["access_key_id"]] == "mailer":
        f["sender_addresses"] = ["ok@example.com", "x\u001b[2J@example.com",
                                 "a\"}],\"Effect\":\"Allow@example.com", 7]
json.dump(doc, open("edited.json", "w"))
EOF
    sesame remediate "$(fp mailer)" --report edited.json --policy-only >p-edited.json &&
    from_addresses p-edited.json >got &&
    echo ok@example.com >want &&
    test_cmp want got
'

test_expect_success 'the audit store keeps them: remediate --db gives the same policies' '
    run_cmd sesame audit --db v.db -q $VERIFY repo
    expect_rc 1
    wc -l <aws.log >calls.before
    for l in mailer quiet bare gov; do
        sesame remediate "$(fp $l)" --db v.db --policy-only >s-$l.json &&
        "$PYTHON" iam_grammar.py s-$l.json &&
        test_cmp p-$l.json s-$l.json || return 1
    done
'

test_expect_success 'remediate never contacts AWS' '
    wc -l <aws.log >calls.after
    test_cmp calls.before calls.after
'

test_done
