#!/usr/bin/env bash
# Tree scans at their edges (issue 16 item 2): the confirmation windows bound where a
# PCRE2 match may start, files are opened without a stat first, the walk trusts the
# directory entry's type for regular files. Nothing found before may be lost:
# - a 17 MiB file on one line (no newline at all) and one of 200-byte lines, with
#   credentials plain and in every decoded encoding (URL, JSON escapes, HTML references,
#   base64, UTF-16LE strings) placed across and around the chunk cuts (8 MiB chunks
#   overlapping by 16 KiB; the owner of a match changes in the middle of the overlap);
# - a secret exactly the proximity distance (1,024 bytes) from its key ID, and one byte
#   further, on both sides;
# - the walk: a symlink and a FIFO are skipped and counted, files under names with
#   blanks and in nested directories are read.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/gen.py" <<'EOF'
import base64, json, os, random, sys, urllib.parse
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

MIB = 1024 * 1024
STEP = 8 * MIB - 16 * 1024          # one chunk's start to the next one's
k, r = fakekeys.Keys("sesame-t0191"), random.Random(191)
os.makedirs("tree/a b/deep/er", exist_ok=True)
os.makedirs("near", exist_ok=True)


def secret_with_slash():
    while True:
        s = k.secret()
        if "/" in s and s[0] != "/" and s[-1] != "/":
            return s


def _pool():
    out, m = [], 0
    while m < 2 * MIB:
        w = "".join(r.choice("abcdefghij") for _ in range(r.randrange(2, 8))) + r.choice(" ,;")
        out.append(w)
        m += len(w)
    return "".join(out)


POOL = _pool()


def filler(n):
    """Words without anything key-shaped, and no newline: one line."""
    out = []
    while n > 0:
        at = r.randrange(0, MIB)
        take = min(n, MIB)
        out.append(POOL[at:at + take])
        n -= take
    return "".join(out)


def snippet(kind):
    kid, sec = k.key_id(), secret_with_slash()
    if kind == "plain":
        s = " aws_access_key_id=%s aws_secret_access_key=%s " % (kid, sec)
    elif kind == "url":
        s = " GET /cb?aws_access_key_id=%s&aws_secret_access_key=%s " % (
            kid, urllib.parse.quote(sec, safe=""))
    elif kind == "json":
        s = ' {"aws_access_key_id": "%s", "aws_secret_access_key": "%s"} ' % (
            kid, sec.replace("/", "\\/"))
    elif kind == "html":
        enc = "".join("&#x%X;" % ord(c) if i % 5 == 0 else c for i, c in enumerate(kid))
        s, sec = " <p>key: <code>%s</code></p> " % enc, None
    elif kind == "base64":
        raw = "aws_access_key_id=%s\naws_secret_access_key=%s\n" % (kid, sec)
        s = " creds: %s " % base64.b64encode(raw.encode()).decode()
    elif kind == "utf16":
        s = " " + (" aws_access_key_id=%s " % kid).encode("utf-16-le").decode("latin-1") + " "
        sec = None
    return s, kid, sec


# Where the snippets go: around each chunk's start, the middle of the overlap (where the
# owner changes) and the overlap's end, a few bytes either side.
places = []
for c in (1, 2):
    start = c * STEP
    for at in (start, start + 8 * 1024, start + 16 * 1024):
        for d in (-90, -40, -1, 0, 1, 30):
            places.append(at + d)
# huge.txt is one line: a window of escapes widens to the whole line (the whole chunk),
# so it holds the escape of one decoder only (with all of them, views of views of whole
# chunks pass the decode budget, a limit said as such); lines.txt holds every kind on
# lines of 200 bytes.
size = 17 * MIB
expect = []
for name, kinds, line in (("huge.txt", ["plain", "url", "base64", "utf16"], 0),
                          ("lines.txt", ["plain", "url", "json", "html", "base64", "utf16"], 200)):
    parts, pos = [], 0
    for i, at in enumerate(sorted(places)):
        kind = kinds[i % len(kinds)]
        s, kid, sec = snippet(kind)
        # the snippet's middle lands on `at`
        begin = max(pos, at - len(s) // 2)
        parts.append(filler(begin - pos))
        parts.append(s)
        expect.append({"id": kid, "secret": sec, "kind": kind, "file": name,
                       "offset": begin + s.index(kid) if kind in ("plain", "url") else None})
        pos = begin + len(s)
    parts.append(filler(size - pos))
    data = "".join(parts)
    if line:
        # a newline every `line` bytes where it cuts no snippet (offsets do not move)
        b = bytearray(data.encode("latin-1"))
        for at in range(line, len(b), line):
            if b[at] == 0x20 and b[at - 1] not in (0x20, 0) and b[at + 1] != 0:
                b[at] = 0x0a
        data = b.decode("latin-1")
    with open("tree/" + name, "wb") as f:
        f.write(data.encode("latin-1"))

# Proximity: the secret `gap` bytes after (or before) its key ID, blanks between.
near = []
# After the ID the window ends 1,024 bytes past the ID's end (the secret may start
# there); before it, it starts 1,024 bytes before the ID's start (the secret's 40
# characters must fit).
pad = lambda n: "".join("\n" if i % 80 == 79 else " " for i in range(n))
for gap in (1023, 1024, 1025):
    kid, sec = k.key_id(), k.secret()
    with open("near/after-%d.txt" % gap, "w") as f:
        f.write("%s%s%s\n" % (kid, pad(gap), sec))
    near.append({"id": kid, "secret": sec, "paired": gap <= 1024, "file": "after-%d" % gap})
    kid, sec = k.key_id(), k.secret()
    with open("near/before-%d.txt" % gap, "w") as f:
        f.write("%s%s%s\n" % (sec, pad(gap - 40), kid))
    near.append({"id": kid, "secret": sec, "paired": gap <= 1024, "file": "before-%d" % gap})

# The walk
walk = []
for p in ("tree/a b/one key.env", "tree/a b/deep/er/two.ini", "tree/z.txt"):
    kid = k.key_id()
    with open(p, "w") as f:
        f.write("aws_access_key_id = %s\n" % kid)
    walk.append(kid)
kid = k.key_id()
with open("linked.txt", "w") as f:
    f.write("aws_access_key_id = %s\n" % kid)
os.symlink(os.path.abspath("linked.txt"), "tree/link.txt")
os.mkfifo("tree/fifo")
json.dump({"huge": expect, "near": near, "walk": walk, "linked": kid}, open("expect.json", "w"))
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
expect = json.load(open("expect.json"))
rep = json.load(open(sys.argv[1]))
what = sys.argv[2]
by_id = {f["access_key_id"]: f for f in rep["findings"]}
bad = []
if what == "tree":
    for e in expect["huge"]:
        f = by_id.get(e["id"])
        if not f:
            bad.append("missing %s key (%s)" % (e["kind"], e["id"]))
            continue
        locs = [l for l in f["locations"] if l["path"].endswith(e["file"])]
        huge = [l for l in locs if l["part"] == "access_key_id"]
        if len(huge) != 1:
            bad.append("%s key: %d locations in %s" % (e["kind"], len(huge), e["file"]))
        secrets = [s["value"] for s in f["secrets"]]
        if e["secret"] and secrets != [e["secret"]]:
            bad.append("%s key: secrets %s" % (e["kind"], secrets))
        if e["offset"] is not None and huge and (huge[0]["offset"] != e["offset"] or
                                                 (e["file"] == "huge.txt" and
                                                  (huge[0]["line"] != 1 or
                                                   huge[0]["column"] != e["offset"] + 1))):
            bad.append("%s key: at %s, not offset %d" % (e["kind"], huge[0], e["offset"]))
        # the decoder that revealed it: the key ID's, or (URL, JSON) its secret's
        want = {"url": "url", "json": "json-escape", "html": "html", "base64": "base64",
                "utf16": "utf-16le"}.get(e["kind"])
        part = "secret_access_key" if e["kind"] in ("url", "json") else "access_key_id"
        encs = [l.get("encoding") or "" for l in locs if l["part"] == part]
        if want and not any(want in x for x in encs):
            bad.append("%s key: encodings %r" % (e["kind"], encs))
    for kid in expect["walk"]:
        if kid not in by_id:
            bad.append("walk: missing %s" % kid)
    if expect["linked"] in by_id:
        bad.append("the symlink was followed")
    n = len(expect["huge"]) + len(expect["walk"])
    if len(rep["findings"]) != n:
        bad.append("%d findings, not %d" % (len(rep["findings"]), n))
else:
    for e in expect["near"]:
        f = by_id.get(e["id"])
        secrets = [s["value"] for s in f["secrets"]] if f else None
        if secrets != ([e["secret"]] if e["paired"] else []):
            bad.append("%s: secrets %s" % (e["file"], secrets))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF

(cd "$TRASH" && SUPPORT="$SESAME_SRC/tests/support" "$PYTHON" gen.py) || exit 2

test_expect_success '17 MiB files: every key across the chunk cuts, plain and decoded, once' '
    run_cmd sesame scan --no-config tree --format json --show-secrets
    expect_rc 1
    cp out tree.json
    "$PYTHON" check.py tree.json tree
'

test_expect_success 'the walk: 5 files read, the symlink and the FIFO skipped, complete' '
    "$PYTHON" -c "
import json
s = json.load(open(\"tree.json\"))[\"scan\"]
assert s[\"files\"] == 5 and s[\"skipped\"] == 2 and s[\"errors\"] == 0, s
assert s[\"complete\"] is True, s
"
'

test_expect_success 'a secret 1,024 bytes from its key ID pairs, 1,025 not, both sides' '
    run_cmd sesame scan --no-config near --format json --show-secrets
    expect_rc 1
    cp out near.json
    "$PYTHON" check.py near.json near
'

test_done
