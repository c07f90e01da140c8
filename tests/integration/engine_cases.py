"""engine_cases.py - generated cases for the matcher's windows (t0171; benches: a dense file
for A/B report comparisons).

  engine_cases.py cases          write cases/NNN-name.txt, print the expectations (JSON)
  engine_cases.py check EXP REP  compare a JSON report of `scan cases` with them
  engine_cases.py dense          write dense.txt (every case, one after the other, 2 KiB
                                 apart), print the offsets of the values that must be found

A case is one file: a value (secret, SMTP password, session token) planted after a keyword
and a separator, or near a key ID or a mail context at a given distance, or under a YAML /
JSON / HCL parent. Expected: the value's offset is (or is not) a location of its part.
Keys come from tests/support/fakekeys.py (fixed seed).
"""
import json
import os
import random
import sys

sys.path.insert(0, os.environ.get("SUPPORT", os.path.join(os.path.dirname(__file__), "..", "support")))
import fakekeys  # noqa: E402

K = fakekeys.Keys("sesame-t0171")
R = random.Random(171)
NEAR = 1024

AWS_KEYWORDS = ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY_ID", "aws secret access key",
                "SecretAccessKey", "aws-secret", "aws.secret.key", "AWSSECRETKEY",
                "aws_secret_access_key_prod_2", "secret_key", "SecretKey", "SECRET.KEY",
                "aws_access_key_id", "AccessKeyId"]
SMTP_KEYWORDS = ["smtp_password", "MAIL_PASS", "ses_secret", "email_user_password",
                 "smtp-server-pwd", "mail.auth.credentials", "SMTPPASSWD"]
TOKEN_KEYWORDS = ["aws_session_token", "AWS_SECURITY_TOKEN", "sessionToken"]
# (before the value, after it): what the keyword patterns allow between keyword and value
SEPARATORS = [(" = ", "\n"), ("=", "\n"), (": ", "\n"), (":", "\n"), (" => ", ",\n"),
              (" := ", "\n"), ("::", "\n"), (" -> ", "\n"), (",", ")\n"), (">", "<\n"),
              ("(", ")\n"), (" ", "\n"), ("\t", "\n"), ("='", "'\n"), ("=\"", "\"\n"),
              ("\": \"", "\"\n"), ("\\\"=\\\"", "\\\"\n"), ("&quot;: &quot;", "&quot;\n"),
              ("] = ", "\n"), (" value ", "\n"), ("\" value \"", "\"\n"),
              ("        =        ", "\n"), ("=    ", "\n"), ("`=`", "`\n"), (" = (", ")\n")]


def filler(n):
    """n bytes of blanks with a line break every 61 bytes."""
    return "".join("\n" if i % 61 == 60 else " " for i in range(n))


def cases():
    """(name, text, offset of the value, found?) for every case."""
    out = []
    for kw in AWS_KEYWORDS:
        for sep, end in SEPARATORS:
            v = K.secret()
            # misnamed_id_keyword (an ID keyword before a secret) takes no ::, -> or value
            found = not (kw in ("aws_access_key_id", "AccessKeyId") and ("::" in sep or "->" in sep or "value" in sep))
            out.append(("kw", kw + sep + v + end, len(kw + sep), found))
    for kw in SMTP_KEYWORDS:
        for sep, end in R.sample(SEPARATORS, 8):
            v = K.smtp_pair("us-east-1")[1]
            out.append(("smtpkw", kw + sep + v + end, len(kw + sep), True))
    for kw in TOKEN_KEYWORDS:
        for sep, end in R.sample(SEPARATORS, 6):
            v = K.token()
            out.append(("tokenkw", kw + sep + v + end, len(kw + sep), True))
    # properties continuation
    v = K.secret()
    out.append(("props", "secret.key = \\\n    " + v + "\n", len("secret.key = \\\n    "), True))
    # a secret after / before a key ID, at the proximity edge
    for d in (NEAR - 2, NEAR - 1, NEAR, NEAR + 1, NEAR + 2):
        kid, v = K.key_id(), K.secret()
        out.append(("after_id", kid + filler(d) + v + "\n", 20 + d, d <= NEAR))
        kid, v = K.key_id(), K.secret()
        g = d - 40  # the secret starts d bytes before the ID
        out.append(("before_id", v + filler(g) + kid + "\n", 0, d <= NEAR))
    # an SMTP password near a mail context, both sides
    for ctx in ("smtp", "mail_password", "email-smtp.eu-west-1.amazonaws.com"):
        for d in (NEAR - 1, NEAR, NEAR + 1):
            v = K.smtp_pair("eu-west-1")[1]
            out.append(("after_ctx", ctx + filler(d) + v + "\n", len(ctx) + d, d <= NEAR))
            v = K.smtp_pair("eu-west-1")[1]
            out.append(("before_ctx", v + filler(d - 44) + ctx + "\n", 0, d <= NEAR))
    # YAML / JSON / HCL parents (a second line between parent and key, indentation)
    for parent in ("aws:\n", "  'credentials_prod':\r\n", "S3:\n", "iam_user: \n"):
        for mid in ("", "    region: us-east-1\n", "    a: b\n    c: d\n"):
            for child in ("    secret_key: ", "  key: '", "\tsecret-access-key:\t"):
                v = K.secret()
                pre = "# config\n" + parent + mid + child
                out.append(("yaml", pre + v + "\n", len(pre), True))
    for parent in ("\"aws\": {", "{\"Amazon_prod\" : {\n  ", "\"s3\":{\"bucket\": \"b\", "):
        for key in ("\"secret\": \"", "\"key_secret\":\""):
            v = K.secret()
            pre = parent + key
            out.append(("json", pre + v + "\"}\n", len(pre), True))
    for head in ("variable \"aws_secret_key\" {\n", "secret_access_key {\n"):
        v = K.secret()
        pre = head + "  type = string\n  default = \""
        out.append(("hcl", pre + v + "\"\n}\n", len(pre), True))
    return out


def main():
    mode = sys.argv[1]
    if mode == "cases":
        os.makedirs("cases", exist_ok=True)
        exp = []
        for i, (name, text, off, found) in enumerate(cases()):
            path = "%03d-%s.txt" % (i, name)
            with open(os.path.join("cases", path), "w") as f:
                f.write(text)
            exp.append({"path": path, "offset": off, "found": found})
        json.dump(exp, sys.stdout)
    elif mode == "check":
        exp = json.load(open(sys.argv[2]))
        rep = json.load(open(sys.argv[3]))
        locs = {(os.path.basename(l["path"]), l["offset"]) for f in rep["findings"]
                for l in f["locations"] if l["part"] != "access_key_id"}
        bad = [e for e in exp if ((os.path.basename(e["path"]), e["offset"]) in locs) != e["found"]]
        for e in bad[:20]:
            print("case %s: value at %d %s" % (e["path"], e["offset"],
                                              "not found" if e["found"] else "found, but out of range"))
        assert sum(e["found"] for e in exp) > 300 and sum(not e["found"] for e in exp) >= 10
        sys.exit(1 if bad else 0)
    elif mode == "dense":
        text, want = "", []
        for name, t, off, found in cases():
            if found:
                want.append(len(text) + off)
            text += t + filler(2 * NEAR + 100)
        with open("dense.txt", "w") as f:
            f.write(text)
        print("\n".join(map(str, want)))


if __name__ == "__main__":
    main()
