#!/usr/bin/env bash
# Wrapped base64 (issue 11, case 13): a credentials file encoded by `base64` (76 columns),
# `base64 -w 64`, MIME (CRLF, 76), a PEM-like block (64), a YAML block scalar and a
# Kubernetes Secret (indented), a shell variable spread over lines - with the key ID or
# the secret straddling a line break - is found whole, and each value is reported on the
# line where its encoded form starts (column: that line's first base64 character).
# Prose, word lists, hash lists and binary blobs next to such blocks give nothing.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

SUPPORT="$SESAME_SRC/tests/support"
export SUPPORT

cat >"$TRASH/gen.py" <<'EOF'
import base64, hashlib, json, os, sys
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k = fakekeys.Keys("sesame-t0120")
os.makedirs("tree", exist_ok=True)
os.makedirs("neg", exist_ok=True)
expect = []   # {path, part, value, line, column}


def b64(data):
    return base64.b64encode(data).decode()


def creds_file(kid, sec, pad):
    """An AWS credentials file, `pad` bytes of comment first (moves the values)."""
    return (f"# {'x' * pad}\n[default]\naws_access_key_id = {kid}\n"
            f"aws_secret_access_key = {sec}\nregion = eu-central-1\n").encode()


def straddles(plain, value, width):
    """Does the base64 of `value` inside `plain` cross a line break at `width`?"""
    o = plain.index(value.encode())
    first, last = 4 * (o // 3), 4 * ((o + len(value) - 1) // 3) + 3
    return first // width != last // width


def pick(width, straddling, make=creds_file):
    """A key pair and a padding such that each value in `straddling` ('id', 'secret')
    crosses a line break of the wrapped base64."""
    kid, sec = k.key_id(), k.secret()
    for pad in range(1, 400):
        plain = make(kid, sec, pad)
        vals = {"id": kid, "secret": sec}
        if all(straddles(plain, vals[s], width) for s in straddling):
            return kid, sec, plain
    raise SystemExit("gen: no padding makes %s straddle" % straddling)


def wrap(text, width):
    return [text[i:i + width] for i in range(0, len(text), width)]


def place(path, before, lines, after, plain, kid, sec, indent="", first_prefix="",
          newline="\n", width=76, last_suffix=""):
    """Write `before` lines, the wrapped base64 lines (the first one after first_prefix,
    the others after indent), `after` lines; record where each value is expected."""
    out = list(before)
    first_line = len(before) + 1
    for i, l in enumerate(lines):
        pre = first_prefix if i == 0 else indent
        out.append(pre + l + (last_suffix if i == len(lines) - 1 else ""))
    out += after
    with open(path, "w", newline="") as f:
        f.write(newline.join(out) + newline)
    for part, v in (("access_key_id", kid), ("secret_access_key", sec)):
        o = plain.index(v.encode())
        idx = (4 * (o // 3)) // width
        pre = first_prefix if idx == 0 else indent
        expect.append({"path": path, "part": part, "value": v, "line": first_line + idx,
                       "column": len(pre) + 1})


# 1. `base64` (76 columns) of a credentials file: the key ID straddles a break
kid, sec, plain = pick(76, ["id"])
place("tree/b64-76-id.txt", [], wrap(b64(plain), 76), [], plain, kid, sec)

# 2. the same, the secret straddles a break
kid, sec, plain = pick(76, ["secret"])
place("tree/b64-76-secret.txt", [], wrap(b64(plain), 76), [], plain, kid, sec)

# 3. `base64 -w 64`: both straddle
kid, sec, plain = pick(64, ["id", "secret"])
place("tree/b64-64.txt", [], wrap(b64(plain), 64), [], plain, kid, sec, width=64)

# 4. MIME (CRLF, 76 columns): the IAM console's CSV as an attachment
def csv_file(kid, sec, pad):
    return (f"User name,Password,Access key ID,Secret access key,Console login link\n"
            f"deploy-{'x' * pad},,{kid},{sec},https://123456789012.signin.aws.amazon.com/console\n"
            ).encode()
kid, sec, plain = pick(76, ["id", "secret"], csv_file)
place("tree/mail.eml", [
    "From: ops@example.com", "To: dev@example.com", "Subject: new keys",
    "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b1"', "", "--b1",
    "Content-Type: text/plain", "", "Keys attached.", "", "--b1",
    'Content-Type: text/csv; name="credentials.csv"', "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="credentials.csv"', ""],
    wrap(b64(plain), 76), ["", "--b1--"], plain, kid, sec, newline="\r\n")

# 5. a PEM-like block, 64 columns
kid, sec, plain = pick(64, ["secret"])
place("tree/creds.pem", ["-----BEGIN AWS CREDENTIALS-----"], wrap(b64(plain), 64),
      ["-----END AWS CREDENTIALS-----"], plain, kid, sec, width=64)

# 6. a YAML block scalar, indented
kid, sec, plain = pick(76, ["id"])
place("tree/values.yaml", ["backup:", "  enabled: true", "  awsCredentials: |"],
      wrap(b64(plain), 76), ["  schedule: \"0 3 * * *\""], plain, kid, sec,
      indent="    ", first_prefix="    ")

# 7. a Kubernetes Secret whose value is a block scalar (kubectl accepts line breaks)
kid, sec, plain = pick(76, ["id", "secret"])
place("tree/k8s-secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:",
                               "  name: aws-credentials", "type: Opaque", "data:",
                               "  credentials: |-"],
      wrap(b64(plain), 76), [], plain, kid, sec, indent="    ", first_prefix="    ")

# 8. a shell variable: the first line after a prefix, the last one closed by a quote
kid, sec, plain = pick(76, ["secret"])
place("tree/deploy.sh", ["#!/bin/sh"], wrap(b64(plain), 76),
      ["echo \"$CREDS\" | base64 -d > ~/.aws/credentials"], plain, kid, sec,
      first_prefix='CREDS="', last_suffix='"')

# ---- negatives: no credential in any of these --------------------------------------
prose = """Deployment notes
================

The pipeline builds every service from its Dockerfile and pushes the images
ThisIsAnExtraordinarilyLongIdentifierWithoutSpacesX
Then
ConfigurationManagementDatabaseSynchronisationStep
Rollback
happens automatically when the health checks fail for longer than five minutes.
"""
lines = [prose]
# a list of SHA-1s and of random 40-character base64 values, one a line: lines of one
# width that join, and decode to nothing textual
lines += [hashlib.sha1(bytes([i])).hexdigest() for i in range(30)]
lines += [k.base64(40) for _ in range(30)]
# a wrapped binary blob (a certificate-like body), and base64 of prose wrapped at 76
lines += ["-----BEGIN CERTIFICATE-----"] + wrap(b64(k.r.randbytes(900)), 64) + \
         ["-----END CERTIFICATE-----"]
lines += wrap(b64((prose * 3).encode()), 76)
with open("neg/notes.md", "w") as f:
    f.write("\n".join(lines) + "\n")

json.dump(expect, open("expect.json", "w"), indent=1)
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
expect = json.load(open("expect.json"))
d = json.load(open(sys.argv[1]))
bad = []
got = {}
for f in d["findings"]:
    for loc in f["locations"]:
        if loc["part"] == "access_key_id":
            val = f["access_key_id"]
        elif loc["part"] == "secret_access_key" and len(f["secrets"]) == 1:
            val = f["secrets"][0]["value"]
        else:
            val = None
        got.setdefault((loc["path"], loc["part"]), []).append((val, loc["line"], loc["column"],
                                                               loc["encoding"]))
for e in expect:
    path = e["path"]
    want = (e["value"], e["line"], e["column"], "base64")
    have = got.pop((path, e["part"]), [])
    if have != [want]:
        bad.append(f"{path} {e['part']}: got {have}, expected [{want}]")
for (path, part), v in got.items():
    bad.append(f"unexpected: {path} {part}: {v}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF

(cd "$TRASH" && "$PYTHON" gen.py) || exit 2

test_expect_success 'wrapped base64 (76, 64, MIME CRLF, PEM, YAML, Kubernetes, shell): every key ID and secret, on the line where its encoding starts' '
    run_cmd sesame scan tree --format json --show-secrets
    expect_rc 1
    cp out report.json
    "$PYTHON" check.py report.json
'

test_expect_success 'each key ID is paired with its secret (one finding per file)' '
    "$PYTHON" -c "
import json
d = json.load(open(\"report.json\"))
for f in d[\"findings\"]:
    assert len(f[\"secrets\"]) == 1, (f[\"access_key_id\"], f[\"secrets\"])
    assert len({l[\"path\"] for l in f[\"locations\"]}) == 1, f[\"locations\"]
assert len(d[\"findings\"]) == 8, len(d[\"findings\"])
"
'

test_expect_success 'prose, word lists, hash lists and binary blobs around wrapped base64: nothing' '
    run_cmd sesame scan neg --format json
    expect_rc 0
    expect_eq "$("$PYTHON" -c "import json; print(json.load(open(\"out\"))[\"findings\"])")" "[]"
'

test_expect_success 'the rules still check out (examples and negative examples)' '
    run_cmd sesame rules check
    expect_rc 0
'

test_done
