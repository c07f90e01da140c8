#!/usr/bin/env bash
# Escape decoders by windows (issue 16 item 2): URL, JSON-escape and HTML views are
# decoded around their escapes (16 KiB of context to whole lines), not as copies of whole
# 8 MiB chunks. A 1.5 MiB file with credentials hidden by each kind of escape at places far
# apart (some sharing a window of dense escapes, some alone in plain text), with plain
# keys between the windows, gives exactly what each snippet gives scanned alone (where
# a view is the whole file): the same values, pairs, decoders (the last step of the
# encoding label), and lines shifted by the snippet's place.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/gen.py" <<'EOF'
import json, os, random, sys, urllib.parse
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k = fakekeys.Keys("sesame-t0190")
r = random.Random(190)
os.makedirs("alone", exist_ok=True)


def secret_with_slash():
    while True:
        s = k.secret()
        if "/" in s and s[0] != "/":
            return s


def url_snippet():
    kid, sec = k.key_id(), secret_with_slash()
    return ("GET /cb?aws_access_key_id=%s&aws_secret_access_key=%s HTTP/1.1\n"
            % (kid, urllib.parse.quote(sec, safe="")))


def json_snippet():
    kid, sec = k.key_id(), secret_with_slash()
    return ('{"aws_access_key_id": "%s", "aws_secret_access_key": "%s"}\n'
            % (kid, sec.replace("/", "\\/")))


def html_snippet():
    kid = k.key_id()
    # every fifth character a reference: four key characters next to one fire the trigger
    enc = "".join("&#x%X;" % ord(c) if i % 5 == 0 else c for i, c in enumerate(kid))
    return "<p>key: <code>%s</code></p>\n" % enc


def markup_snippet():
    kid = k.key_id()
    return "<td>%s<span class=\"hl\">%s</span></td>\n" % (kid[:8], kid[8:])


def plain_snippet():
    return "plain_key = %s\n" % k.key_id()


def filler(nbytes):
    """Log-like lines with escapes of no interest (%20, \\n, &amp;), about nbytes long."""
    out, n = [], 0
    while n < nbytes:
        line = "%06d INFO request path=/a%%20b msg=\"line\\none\" q=a&amp;b %s\n" % (
            r.randrange(10 ** 6), "".join(r.choice("abcdefghij ") for _ in range(40)))
        out.append(line)
        n += len(line)
    return "".join(out)


def plain_filler(nbytes):
    return "".join("%06d no escapes on this line at all, only words %s\n"
                   % (i, "x" * 20) for i in range(nbytes // 60))


makers = [url_snippet, json_snippet, html_snippet, markup_snippet, plain_snippet]
parts, snippets = [], []
for i in range(24):
    # Dense escapes (one window), or plain text long enough to cut windows apart
    parts.append(filler(r.randrange(2000, 40000)) if i % 2 else plain_filler(r.randrange(20000, 200000)))
    s = makers[i % len(makers)]()
    parts.append(s)
    snippets.append(s)
parts.append(plain_filler(100000))
big = "".join(parts)
with open("big.txt", "w") as f:
    f.write(big)
lines_before, at = [], 0
for i, s in enumerate(snippets):
    with open("alone/%02d.txt" % i, "w") as f:
        f.write(s)
    at = big.index(s, at)
    lines_before.append(big.count("\n", 0, at))
json.dump({"lines_before": lines_before, "bytes": len(big)}, open("expect.json", "w"))
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
expect = json.load(open("expect.json"))
big = json.load(open(sys.argv[1]))
alone = json.load(open(sys.argv[2]))


def places(d, shift):
    out = set()
    for f in d["findings"]:
        for loc in f["locations"]:
            line = loc["line"] + shift.get(loc["path"], 0)
            # The decoder that revealed the value: in the large file a URL window may hold
            # a JSON snippet too, and then url>json-escape is found first (as it was with
            # whole-buffer views)
            enc = (loc.get("encoding") or "").split(">")[-1] or None
            out.add((f["access_key_id"], tuple(s["value"] for s in f["secrets"]), loc["part"],
                     line, loc["column"], enc))
    return out


shift = {"alone/%02d.txt" % i: n for i, n in enumerate(expect["lines_before"])}
a, b = places(big, {}), places(alone, shift)
for x in sorted(a - b):
    print("only in the big file:", x)
for x in sorted(b - a):
    print("only in the snippets:", x)
encodings = {x[5] for x in b}
assert {"url", "json-escape", "html", None} <= encodings, encodings
assert len(alone["findings"]) == 24, len(alone["findings"])
sys.exit(1 if a != b else 0)
EOF

(cd "$TRASH" && SUPPORT="$SESAME_SRC/tests/support" "$PYTHON" gen.py) || exit 2

test_expect_success 'a 1.5 MiB file gives what its 24 snippets give alone (values, pairs, lines, columns, encodings)' '
    run_cmd sesame scan --no-config big.txt --format json --show-secrets
    expect_rc 1
    cp out big.json
    run_cmd sesame scan --no-config alone --format json --show-secrets
    expect_rc 1
    cp out alone.json
    "$PYTHON" check.py big.json alone.json
'

test_expect_success 'the scan is complete (no decode limit reached)' '
    "$PYTHON" -c "
import json
d = json.load(open(\"big.json\"))
assert d[\"scan\"][\"complete\"] and d[\"scan\"][\"limits\"] == 0, d[\"scan\"]
assert len(d[\"findings\"]) == 24, len(d[\"findings\"])
"
'

test_done
