#!/usr/bin/env bash
# Escape windows on long lines (issue 16 goal 2): a window is widened to whole lines, and
# lines longer than its margin (minified JSON, binaries) join escapes far apart.
# Snippets with credentials revealed by JSON escapes (a pair in a JSON object, a secret
# next to a key ID across an escaped separator, SMTP settings, yaml_parent and
# properties_continuation under escaped lines) follow long filler lines whose one escape
# sits LIMIT_DECODE_WINDOW - 2 .. + 2 bytes (and 511 to 513 more) from the snippet, so
# that window edges and joins fall on every side of them. The file gives exactly
# what each snippet gives alone: values, pairs, lines, columns, decoders.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/gen.py" <<'EOF'
import json, os, random, sys
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

MARGIN, REACH = 16384, 512  # LIMIT_DECODE_WINDOW, and a line's length beyond it
k = fakekeys.Keys("sesame-t0193")
r = random.Random(193)
os.makedirs("alone", exist_ok=True)


def slashed():
    """A secret with a '/' within (no 40 plain characters around it), JSON-escaped."""
    return k.secret(need="/", middle=True).replace("/", "\\/")


def snippets():
    kid, sid = k.key_id(), k.key_id()
    smtp_id, smtp_pw = k.smtp_pair("eu-west-1")
    return [
        '{"aws_access_key_id": "%s", "aws_secret_access_key": "%s"}\n' % (kid, slashed()),
        "creds %s\\u002C %s\n" % (sid, slashed()),
        "MAIL_HOST=email-smtp.eu-west-1.amazonaws.com\\u000A\nMAIL_USERNAME=%s\n"
        "MAIL_PASSWORD=%s\n" % (smtp_id, smtp_pw.replace("/", "\\/")),
        "aws:\n  region: eu\\u002Dwest-1\n  secret: %s\n" % slashed(),
        "aws.secret.key=\\\n    %s\n" % slashed(),
    ]


def long_line(length, esc_from_end):
    """One line of words, `length` bytes with its '\\n', an escape esc_from_end before it."""
    words = "".join(r.choice("abcdefgh ") for _ in range(length))
    at = length - 1 - esc_from_end
    return words[:at] + "a\\/b" + words[at + 4:length - 1] + "\n"


parts, alone = [], []
deltas = [-2, -1, 0, 1, 2, REACH - 1, REACH, REACH + 1, -REACH]
i = 0
for d in deltas:
    for s in snippets():
        parts.append(long_line(r.randrange(MARGIN + 2 * REACH + 10, 3 * MARGIN), MARGIN + d))
        parts.append(s)
        alone.append(s)
        i += 1
parts.append(long_line(2 * MARGIN, MARGIN // 2))
big = "".join(parts)
open("big.txt", "w").write(big)
lines_before, at = [], 0
for i, s in enumerate(alone):
    open("alone/%02d.txt" % i, "w").write(s)
    at = big.index(s, at)
    lines_before.append(big.count("\n", 0, at))
json.dump({"lines_before": lines_before}, open("expect.json", "w"))
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
shift = {"alone/%02d.txt" % i: n for i, n in enumerate(json.load(open("expect.json"))["lines_before"])}


def places(path):
    out = []
    for f in json.load(open(path))["findings"]:
        for loc in f["locations"]:
            out.append((f["access_key_id"], tuple(s["value"] for s in f["secrets"]), loc["part"],
                        loc["line"] + shift.get(loc["path"], 0), loc["column"],
                        (loc.get("encoding") or "").split(">")[-1] or None))
    return sorted(out, key=repr)


a, b = places(sys.argv[1]), places(sys.argv[2])
for x in sorted(set(a) ^ set(b), key=repr):
    print("only in the big file:" if x in a else "only in the snippets:", x)
assert len(a) == len(set(a)), "duplicates in the big file"
assert "json-escape" in {x[5] for x in b}, b
scan = json.load(open(sys.argv[1]))["scan"]
assert scan["complete"] and scan["limits"] == 0, scan
assert len({p for p in shift}) == 45 and len({x[3] for x in b}) >= 45, "every snippet found"

sys.exit(1 if a != b else 0)
EOF

(cd "$TRASH" && SUPPORT="$SESAME_SRC/tests/support" "$PYTHON" gen.py) || exit 2

test_expect_success 'long lines around escapes: the file gives what its snippets give alone, complete' '
    for t in big alone; do
        run_cmd sesame scan --no-config "$(ls -d $t*)" --format json --show-secrets
        expect_rc 1
        cp out $t.json
    done
    "$PYTHON" check.py big.json alone.json
'

test_expect_success 'SESAME_TIMINGS counts the decoded views and their bytes' '
    SESAME_TIMINGS=1 run_cmd sesame scan --no-config big.txt --format json -o /dev/null
    expect_rc 1
    expect_grep "timing: decoded views [1-9][0-9]*, [1-9][0-9]* bytes scanned again" err
    SESAME_TIMINGS=1 run_cmd sesame scan --no-config alone/00.txt --format json -o /dev/null
    expect_grep "timing: decoded views 1, [1-9][0-9]* bytes scanned again" err
    printf "no escapes here\\n" >plain.txt
    SESAME_TIMINGS=1 run_cmd sesame scan --no-config plain.txt --format json -o /dev/null
    expect_rc 0
    expect_grep "timing: decoded views 0, 0 bytes scanned again" err
'

test_done
