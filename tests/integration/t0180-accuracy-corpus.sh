#!/usr/bin/env bash
# Recall and precision per class of issue 13, on a generated labelled corpus: values split
# across literals in six languages with random split points, structural keywords,
# HTML/markup/ES2015/JWT encodings, Bedrock keys; and hard negatives of the same shapes
# (lists that are not joined, joins with a separator, markup without keys, hashes in mail
# context). Every planted value must be found (recall 1.0 per class) and nothing else
# reported (precision 1.0); the numbers are printed. Keys from a fixed seed.
. "$(dirname "$0")/lib.sh"
setup

SUPPORT="$SESAME_SRC/tests/support"
export SUPPORT

"$PYTHON" - <<'EOF'
import base64, json, os, random, sys
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k = fakekeys.Keys("sesame-t0180")
r = random.Random(180)
os.makedirs("corpus", exist_ok=True)
planted = []  # (class, kind, value)
n = 0


def put(cls, text, values, ext="txt"):
    global n
    n += 1
    with open("corpus/%s-%03d.%s" % (cls, n, ext), "w") as f:
        f.write(text)
    planted.extend((cls, kind, v) for kind, v in values)


def cut(v, parts):
    points = sorted(r.sample(range(4, len(v) - 4), parts - 1))
    return [v[a:b] for a, b in zip([0] + points, points + [len(v)])]


for i in range(30):
    kid, sec = k.key_id(), k.secret()
    a, b = cut(kid, 2), cut(sec, r.choice([2, 3]))
    q = r.choice(['"', "'"])
    lang = i % 6
    if lang == 0:
        body = ("creds = dict(\n    aws_access_key_id=(%s),\n    aws_secret_access_key=(\n%s\n    ),\n)\n"
                % (" ".join(q + x + q for x in a), "\n".join("        " + q + x + q for x in b)))
    elif lang == 1:
        body = ("const accessKeyId = %s;\nconst secretAccessKey = [%s].join('');\n"
                % (" + ".join(q + x + q for x in a), ", ".join(q + x + q for x in b)))
    elif lang == 2:
        body = ('String ACCESS_KEY = %s;\nString SECRET_KEY = %s;\n'
                % (' +\n    '.join('"' + x + '"' for x in a), ' +\n    '.join('"' + x + '"' for x in b)))
    elif lang == 3:
        body = ('awsKeyID := %s\nawsSecret := %s\n'
                % (' + '.join('"' + x + '"' for x in a), ' + '.join('"' + x + '"' for x in b)))
    elif lang == 4:
        body = ('const char *aws_key_id = %s;\nconst char *aws_secret_access_key = %s;\n'
                % (' '.join('"' + x + '"' for x in a), '\n    '.join('"' + x + '"' for x in b)))
    else:
        body = ("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n"
                % ("".join("'" + x + "'" for x in a), "".join("'" + x + "'" for x in b)))
    put("concat", body, [("access_key_id", kid), ("secret_access_key", sec)])

for i in range(8):
    kid, sec = k.key_id(), k.secret()
    shape = i % 4
    if shape == 0:
        body = ('variable "aws_access_key" {\n  default = "%s"\n}\n\nvariable "aws_secret_key" {\n'
                '  description = "x"\n  default     = "%s"\n}\n' % (kid, sec))
        put("structure", body, [("access_key_id", kid), ("secret_access_key", sec)], "tf")
    elif shape == 1:
        put("structure", "aws:\n  region: us-east-1\n  secret: %s\n" % sec,
            [("secret_access_key", sec)], "yml")
    elif shape == 2:
        put("structure", json.dumps({"s3": {"bucket": "b", "key": sec}}, indent=2),
            [("secret_access_key", sec)], "json")
    else:
        put("structure", "aws.secret.key=\\\n    %s\n" % sec, [("secret_access_key", sec)],
            "properties")

for i in range(8):
    kid, sec = k.key_id(), k.secret()
    shape = i % 4
    if shape == 0:
        body = "<td>%s<span>%s</span>%s</td>\n<td>aws_secret_access_key=&#%d;%s</td>\n" % (
            kid[:4], kid[4:12], kid[12:], ord(sec[0]), sec[1:])
    elif shape == 1:
        body = "<p>aws_access_key_id = %s<br>aws_secret_access_key = %s<wbr>%s</p>\n" % (
            kid, sec[:20], sec[20:])
    elif shape == 2:
        body = 'const c = {accessKeyId: "%s", secretAccessKey: "\\u{%x}%s"};\n' % (
            kid, ord(sec[0]), sec[1:])
    else:
        ini = "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (kid, sec)
        claims = json.dumps({"sub": "ci", "cfg": base64.b64encode(ini.encode()).decode()})
        p = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
        body = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.%s.c2ln\n" % p
    put("encoding", body, [("access_key_id", kid), ("secret_access_key", sec)], "html")

for i in range(6):
    if i % 2 == 0:
        lt = k.bedrock_long_term()
        put("bedrock", "AWS_BEARER_TOKEN_BEDROCK=%s\n" % lt, [("bedrock_api_key", lt)])
    else:
        kid = k.key_id("ASIA")
        st = k.bedrock_short_term(kid, None, "us-west-2")
        put("bedrock", "token = \"%s\"\n" % st, [("bedrock_api_key", st), ("access_key_id", kid)])

neg = []
for i in range(12):
    kid, sec = k.key_id(), k.secret()
    shape = i % 4
    if shape == 0:
        body = "parts = ['%s', '%s']\nsecret_parts = ['%s', '%s']\n" % (
            kid[:10], kid[10:], sec[:20], sec[20:])
    elif shape == 1:
        body = "secret_key = '-'.join(['%s', '%s'])\nkey = '%s' + suffix + '%s'\n" % (
            sec[:20], sec[20:], kid[:10], kid[10:])
    elif shape == 2:
        body = "<p>see <b>docs</b> &amp; <i>notes</i> &#169; 2026</p><td>%s</td><td>%s</td>\n" % (
            sec[:20], sec[20:])
    else:
        pw = fakekeys.smtp_password(sec, "us-east-1")
        body = "MAIL_HOST=email-smtp.us-east-1.amazonaws.com\nMAIL_PASSWORD_SHA256=%s\n" % pw
        neg.append(pw)
    neg += [kid, sec]
    with open("corpus/negative-%03d.txt" % i, "w") as f:
        f.write(body)
json.dump({"planted": planted, "negatives": neg}, open("labels.json", "w"))
EOF

test_expect_success 'recall and precision per class are 1.0 on the generated corpus' '
    run_cmd sesame scan --no-config --format json --show-secrets corpus
    expect_rc 1
    "$PYTHON" - <<EOF
import json
d = json.load(open("out"))
lab = json.load(open("labels.json"))
found = set()
for f in d["findings"]:
    if f["access_key_id"]:
        found.add(("access_key_id", f["access_key_id"]))
    for kind, arr in (("secret_access_key", "secrets"), ("session_token", "session_tokens"),
                      ("smtp_password", "smtp_passwords"), ("bedrock_api_key", "bedrock_api_keys")):
        found.update((kind, v["value"]) for v in f[arr])
planted = {(kind, v) for _, kind, v in lab["planted"]}
ok = True
for cls in sorted({c for c, _, _ in lab["planted"]}):
    want = {(kind, v) for c, kind, v in lab["planted"] if c == cls}
    hit = len(want & found)
    print("%-10s recall %d/%d = %.3f" % (cls, hit, len(want), hit / len(want)))
    ok &= hit == len(want)
extra = found - planted
print("precision %d/%d = %.3f (reported values not planted: %d)" % (
    len(found & planted), len(found), len(found & planted) / len(found), len(extra)))
for kind, v in sorted(extra):
    print("  UNEXPECTED", kind, v[:12] + "...", "(a hard negative)" if v in lab["negatives"] else "")
assert ok and not extra
EOF
'

test_done
