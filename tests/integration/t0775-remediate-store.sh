#!/usr/bin/env bash
# `sesame remediate FINGERPRINT --db FILE` (issue 18, item 3: "from a saved JSON report or
# the store"): a repository audited with --verify against the loopback fake of AWS gives,
# from the store, the same plan as `--report` on `sesame scan --verify --format json` of
# the same repository: same steps, same commands, the same user, region, identities,
# sending state and policies (the store keeps the whole verification as evidence, and
# the regions a finding points to). Covered: an SES sender whose sending is paused, with
# open sending policies; a key that is only in history (the history step); temporary
# credentials (the role); an SMTP user unknown to AWS (the regions it points to, kept
# by the store); a finding by key ID or prefix; SESAME_DB and ./sesame.db when
# neither --report nor --db is given; unknown and ambiguous fingerprints are one-line
# usage errors (exit 2); nothing calls AWS (the fake's log does not change).
# Keys come from a fixed seed (tests/support/fakekeys.py).
. "$(dirname "$0")/lib.sh"
setup

. "$SESAME_SRC/tests/support/fakes.sh"  # SUPPORT, PYTHONPATH, stop_fakes at exit
. "$IT_DIR/git_lib.sh"

cat >"$TRASH/scenario.py" <<'EOF'
import json, os, sys
import fakekeys

k = fakekeys.Keys("sesame-t0775")
os.makedirs("repo", exist_ok=True)
keys, labels = {}, {}
open_policy = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "ses:SendRawEmail", "Resource": "*"}]}
ses = {"eu-west-2": {"production": True, "enforcement": "SHUTDOWN", "sending_enabled": False,
                     "review": {"Status": "PENDING", "CaseId": "case-77"},
                     "stats": [{"minutes_ago": 15 * i, "attempts": 500, "bounces": 60}
                               for i in range(1, 5)],
                     "identities": [{"name": "example.com", "policies": {"anyone": open_policy}},
                                    {"name": "ops@example.com", "type": "EMAIL_ADDRESS"}]},
       "eu-west-1": {"identities": [{"name": "example.net"}]}}
# label: (key ID prefix, what the fake knows beyond secret, account and ARN)
for label, (prefix, more) in {
        "mailer": ("AKIA", {"ses": ses, "last_used": {"date": "2026-01-01T00:00:00Z",
                                                      "service": "ses-smtp",
                                                      "region": "eu-west-2"}}),
        "old": ("AKIA", {"last_used": {"date": "2025-06-01T00:00:00Z", "service": "s3",
                                       "region": "us-east-1"}}),
        "session": ("ASIA", {"session_token": k.token()})}.items():
    kid, sec = k.key_id(prefix), k.secret()
    acct = fakekeys.account_id(kid)
    arn = (f"arn:aws:sts::{acct}:assumed-role/deploy-role/ci" if prefix == "ASIA"
           else f"arn:aws:iam::{acct}:user/mail/{label}")
    tok = f"AWS_SESSION_TOKEN={more['session_token']}\n" if "session_token" in more else ""
    open(f"repo/{label}.env", "w").write(
        f"# {label}\nAWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n{tok}")
    keys[kid] = dict({"secret": sec, "account": acct, "arn": arn,
                      "user_id": "AIDA" + k.hexid(17), "last_used": None}, **more)
    labels[label] = kid
# unknown to AWS (invalid), with an SMTP password for ap-south-1 and its host name: the
# region comes from the finding itself (the store keeps the regions a finding points to)
kid = k.key_id()
sec, pw = k.smtp_pair("ap-south-1")
open("repo/relay.env", "w").write(
    f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n"
    f"SMTP_HOST=email-smtp.ap-south-1.amazonaws.com\nSMTP_USERNAME={kid}\nSMTP_PASSWORD={pw}\n")
labels["relay"] = kid
json.dump({"keys": keys}, open("aws-state.json", "w"), indent=1, sort_keys=True)
json.dump(labels, open("labels.json", "w"))
EOF
export SUPPORT
(cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
make_test_certs "$TRASH/certs" || exit 2
start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
fake_env

kid() { "$PYTHON" -c "import json, sys; print(json.load(open('labels.json'))[sys.argv[1]])" "$1"; }
fp() {  # fp LABEL: the fingerprint of that key's finding in report.json
    "$PYTHON" -c "import json, sys; print([f['fingerprint'] for f in json.load(open(
        'report.json'))['findings'] if f['access_key_id'] == sys.argv[1]][0])" "$(kid "$1")"
}
VERIFY="--verify --no-smtp-check --ses-regions eu-west-1 --verify-timeout-ms 20000"

test_expect_success 'one repository, audited and scanned with --verify' '
    (cd repo && git init -q && git add . && commit -m keys && git rm -q old.env &&
     commit -m "old key gone")
    run_cmd sesame audit --db v.db -q $VERIFY repo
    expect_rc 1
    run_cmd sesame scan $VERIFY --format json repo
    expect_rc 1
    cp out report.json
    test -n "$(fp mailer)" && test -n "$(fp old)" && test -n "$(fp session)" &&
        test -n "$(fp relay)"
    wc -l <aws.log >calls.before
'

# same LABEL: the plan from the report and from the store, compared line by line. The
# only lines allowed to differ are where the key was seen: the report names the scanned
# path (repo/mailer.env), the store the path in the repository (mailer.env), since an
# audit keeps the repository apart; they are compared with that prefix taken off.
# SESAME_FIXED_TIME: the revocation of older sessions names the time of the run.
same() {
    SESAME_FIXED_TIME=1767225600 sesame remediate "$(fp $1)" --report report.json \
        >from-report.txt &&
    SESAME_FIXED_TIME=1767225600 sesame remediate "$(fp $1)" --db v.db >from-store.txt &&
    sed "s|^      repo/|      |" from-report.txt >from-report.cmp &&
    diff -u from-report.cmp from-store.txt
}

test_expect_success 'an SES sender: the same plan from the store as from the report' '
    same mailer &&
    grep -F "aws iam create-access-key --user-name mailer" from-store.txt &&
    grep -F "email-smtp.eu-west-2.amazonaws.com" from-store.txt &&
    grep -F "aws cloudtrail lookup-events --region eu-west-2" from-store.txt &&
    grep -F "SHUTDOWN, sending PAUSED, review PENDING (case case-77)" from-store.txt &&
    grep -F "mails in 14 days, bounces" from-store.txt &&
    grep -F "delete-email-identity-policy --email-identity example.com --policy-name anyone" \
        from-store.txt &&
    grep -F "arn:aws:ses:eu-west-1:" from-store.txt &&
    grep -F "\"ops@example.com\"" from-store.txt &&
    grep -F "      mailer.env:2" from-store.txt &&
    sed "1,/fill them in\./d" from-store.txt >body.txt &&
    expect_no_grep -F REPLACE-WITH- body.txt &&
    sesame remediate "$(fp mailer)" --db v.db --policy-only >p-store.json &&
    sesame remediate "$(fp mailer)" --report report.json --policy-only >p-report.json &&
    diff -u p-report.json p-store.json
'

test_expect_success 'a key only in history, and temporary credentials: the same plans' '
    same old &&
    grep -F "stays in git history" from-store.txt &&
    grep -F "aws iam delete-access-key --user-name old" from-store.txt &&
    same session &&
    grep -F "iam put-role-policy --role-name deploy-role" from-store.txt &&
    grep -F "aws:TokenIssueTime\":\"2026-01-01T00:00:00Z" from-store.txt
'

test_expect_success 'an SMTP user unknown to AWS: the region from the finding, from the store too' '
    same relay &&
    grep -F "Remediation for $(kid relay)" from-store.txt &&
    grep -F "email-smtp.ap-south-1.amazonaws.com" from-store.txt &&
    grep -F "aws cloudtrail lookup-events --region ap-south-1" from-store.txt
'

test_expect_success 'by key ID or prefix; SESAME_DB, then ./sesame.db; one-line usage errors' '
    sesame remediate "$(fp mailer)" --db v.db >a.txt &&
    sesame remediate "$(kid mailer)" --db v.db >b.txt && diff -u a.txt b.txt &&
    sesame remediate "$(fp mailer | cut -c1-5)" --db v.db >c.txt && diff -u a.txt c.txt &&
    SESAME_DB=v.db sesame remediate "$(fp mailer)" >d.txt && diff -u a.txt d.txt &&
    cp v.db sesame.db && sesame remediate "$(fp mailer)" >e.txt && diff -u a.txt e.txt &&
    rm sesame.db &&
    run_cmd sesame remediate ffffffffffffffff --db v.db &&
    expect_rc 2 && test "$(wc -l <err)" -eq 1 && grep "no finding .* in the store" err &&
    expect_eq "$(wc -c <out)" 0 &&
    run_cmd sesame remediate "$(kid mailer)" --db v.db --report report.json &&
    expect_rc 2
'

test_expect_success 'an ambiguous prefix is a one-line usage error' '
    "$PYTHON" - "$(fp mailer)" "$(fp old)" "$(fp session)" >prefix <<-EOF &&
	import sys
	fps = sys.argv[1:]
	for n in range(4, 16):
	    for a in fps:
	        if sum(b.startswith(a[:n]) for b in fps) > 1:
	            print(a[:n]); sys.exit(0)
	EOF
    if test -s prefix; then
        run_cmd sesame remediate "$(cat prefix)" --db v.db &&
        expect_rc 2 && test "$(wc -l <err)" -eq 1 && grep "names 2 findings" err
    else
        # no two fingerprints share 4 hex digits here: make two that do, in a copy
        cp v.db amb.db &&
        "$PYTHON" - amb.db "$(fp mailer)" "$(fp old)" <<-EOF &&
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	# findings rows only: remediate lists findings; the copy is thrown away
	db.execute("UPDATE findings SET fingerprint=? WHERE fingerprint=?",
	           ("abcd" + sys.argv[3][4:], sys.argv[3]))
	db.execute("UPDATE findings SET fingerprint=? WHERE fingerprint=?",
	           ("abcd" + sys.argv[2][4:], sys.argv[2]))
	db.commit()
	EOF
        run_cmd sesame remediate abcd --db amb.db &&
        expect_rc 2 && test "$(wc -l <err)" -eq 1 && grep "names 2 findings" err
    fi
'

test_expect_success 'a key in two repositories: each place says which repository' '
    cp -r repo repo2 &&
    run_cmd sesame audit --db two.db -q repo repo2 &&
    expect_rc 1 &&
    sesame remediate "$(fp mailer)" --db two.db >two.txt &&
    grep -F "      $PWD/repo/mailer.env:2" two.txt &&
    grep -F "      $PWD/repo2/mailer.env:2" two.txt
'

test_expect_success 'a store that does not exist is an error, not an empty store' '
    run_cmd sesame remediate "$(fp mailer)" --db nowhere.db &&
    expect_rc 3 && grep "cannot open the store" err && test ! -e nowhere.db
'

test_expect_success 'remediate --db never contacts AWS' '
    wc -l <aws.log >calls.after &&
    cmp calls.before calls.after
'

test_done
