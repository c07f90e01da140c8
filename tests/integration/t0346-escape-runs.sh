#!/usr/bin/env bash
# URL and JSON escape triggers open a view only next to a value (issue 16): a trigger is
# kept when its escape lies in a run of 20 value characters (escapes counted by what
# they decode to) or a few blanks, quotes or ':' from one. So
#   found, each with its encoding label (and its pair): a key ID between encoded quotes
#     (%22...%22: no raw match, '2' touches it), a secret in URL-encoded JSON, its own
#     '/' and '+' not encoded (only %22 and %3A around it), a secret after an encoded '=' with
#     blanks around it, one whose '/' is encoded, one whose '=' keyword separator is
#     encoded, a JSON secret between \u0022 quotes, and each of these in the middle of
#     the no-view files below;
#   2 MB of "a%3A" lines (a trigger every 4 bytes, no value): the check stops at its
#     budget and the rest is decoded as before (SESAME_TIMINGS: over 500 KB decoded);
#   no view at all (scan.decoded_views 0): access logs with encoded redirects
#     (https%3A%2F%2Fhost%2Fpath), encoded JSON state without a value, JSON exports with
#     PHP's https:\/\/host\/path URLs and ARNs with user\/name, links with ?next=%2Fhome.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/gen.py" <<'EOF'
import json, os, sys, urllib.parse
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k = fakekeys.Keys("sesame-t0346")
r = k.r
expect = {"cases": [], "cases_pairs": [], "mixed": [], "mixed_pairs": []}


def q(s):
    return urllib.parse.quote(s, safe="")


def snippets():
    """(line, [(part, value, encoding)], pair or None) for each case."""
    out = []
    kid = k.key_id()
    out.append(("GET /x?cfg=%s HTTP/1.1" % q('{"id":"%s"}' % kid),
                [("access_key_id", kid, "url")], None))
    # the secret's own '/' and '+' left as they are (some clients do not encode them)
    kid, sec = k.key_id(), k.secret()
    out.append(("GET /cb?aws_access_key_id=%s&creds=%s%s%s HTTP/1.1"
                % (kid, q('{"aws_secret_access_key":"'), sec, q('"}')),
                [("access_key_id", kid, None), ("secret_access_key", sec, "url")], (kid, sec)))
    sec = k.secret()
    out.append(("note: aws_secret_access_key %%3D %s (rotated)" % sec,
                [("secret_access_key", sec, "url")], None))
    kid, sec = k.key_id(), k.secret(need="/", middle=True)
    out.append(("GET /cb?aws_access_key_id=%s&aws_secret_access_key=%s HTTP/1.1" % (kid, q(sec)),
                [("access_key_id", kid, None), ("secret_access_key", sec, "url")], (kid, sec)))
    sec = k.secret()
    out.append(("POST /cfg body=aws_secret_access_key%%3D%s" % sec,
                [("secret_access_key", sec, "url")], None))
    sec = k.secret()
    out.append(('{"aws_secret_access_key": \\u0022%s\\u0022}' % sec,
                [("secret_access_key", sec, "json-escape")], None))
    return out


def noview_lines(n):
    words = ["cart", "home", "login", "dashboard", "extension", "settings", "profile"]
    lines = []
    for i in range(n):
        w = words[i % len(words)]
        lines.append('10.0.%d.%d - - "GET /login?redirect=https%%3A%%2F%%2Fshop.example.com%%2F%s'
                     '&session=%032x HTTP/1.1" 302 0' % (i % 200, i % 250, w, r.getrandbits(128)))
        lines.append("GET /app?state=%s&page=%d" % (q('{"page":"%s","tab":"%s"}' % (w, words[i % 3])), i))
        lines.append(('{"id": %d, "arn": "arn:aws:iam::%012d:user\\/%s", "url": "https:\\/\\/'
                      'hook.example.com\\/%s\\/%08x", "checksum": "%064x"}')
                     % (i, r.getrandbits(36), w, w, r.getrandbits(32), r.getrandbits(256)))
        lines.append('<a href="/docs/%s?next=%%2Fhome%%2F%s">%s</a>' % (w, w, w))
    return lines


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))


for i, (text, items, pair) in enumerate(snippets()):
    path = "cases/case%d.txt" % i
    write(path, ["# case %d" % i, text, "end"])
    expect["cases"] += [[path, p, v, 2, e] for p, v, e in items]
    if pair:
        expect["cases_pairs"].append(list(pair))
write("noview/logs.txt", noview_lines(300))
# the same with every case in the middle of it (windows around the kept triggers only)
for i, (text, items, pair) in enumerate(snippets()):
    lines = noview_lines(300)
    at = 500 + 37 * i
    lines.insert(at, text)
    path = "mixed/logs%d.txt" % i
    write(path, lines)
    expect["mixed"] += [[path, p, v, at + 1, e] for p, v, e in items]
    if pair:
        expect["mixed_pairs"].append(list(pair))
# 2 MB made of triggers next to no value, in lines of 64: the check stops at its budget
# (16 looks per byte), the rest is kept and decoded as before (without the budget, only
# the window around the secret at the end would be)
os.makedirs("dense", exist_ok=True)
sec = k.secret()
with open("dense/dense.txt", "w") as f:
    f.write(("a%3A" * 64 + "\n") * 8192 + "q=1&aws_secret_access_key%%3D%%22%s%%22&r=2\n" % q(sec))
expect["dense"] = [["dense/dense.txt", "secret_access_key", sec, 8193, "url"]]
expect["dense_pairs"] = []
json.dump(expect, open("expect.json", "w"), indent=1)
EOF

(cd "$TRASH" && SUPPORT="$SESAME_SRC/tests/support" "$PYTHON" gen.py) || exit 2

test_expect_success 'values next to URL and JSON escapes: found, with their labels and pairs' '
    for what in cases mixed; do
        run_cmd sesame scan --no-config $what --format json --show-secrets
        expect_rc 1
        cp out $what.json
        "$PYTHON" "$IT_DIR/check_located.py" expect.json $what.json $what \
            --pairs missing --need-views || exit 1
    done
'

test_expect_success 'a file made of triggers: checked up to the budget, then decoded as before' '
    SESAME_TIMINGS=1 run_cmd sesame scan --no-config dense --format json --show-secrets
    expect_rc 1
    cp out dense.json
    "$PYTHON" "$IT_DIR/check_located.py" expect.json dense.json dense --need-views
    "$PYTHON" -c "
import re, sys
m = re.search(r\"decoded views [0-9]+, ([0-9]+) bytes scanned again\", open(\"err\").read())
assert m and int(m.group(1)) > 500000, m and m.group(0)  # the tail past the budget
"
'

test_expect_success 'encoded redirects, encoded state, escaped URLs and ARNs open no view' '
    run_cmd sesame scan --no-config noview --format json
    expect_rc 0
    "$PYTHON" "$IT_DIR/check_located.py" --no-view out 1
'

test_done
