#!/usr/bin/env bash
# A tree scanned while it is walked (issue 16 item 2, scanner/scan_feed.h): with more
# than one worker the walk publishes each file as it finds it; with one (-j1) it walks
# first, as before. The report must not depend on it: -j1, -j2 and -j4 give the same
# JSON (time fields aside, warnings compared as a set) on a tree with
# - 1,200 small files in 30 directories, every 23rd holding a key pair, and a directory
#   nested 24 deep, an empty one, names with blanks;
# - files at the edges of a small file's read (256 KiB, read whole in one call and no
#   read of its end once its size is in): 0, 1, 256 Ki - 1, 256 Ki, 256 Ki + 1 and
#   512 Ki bytes, each with a key ID as its very first and very last bytes;
# - symlinks (to a file, to a directory, dangling, a loop to an ancestor), skipped, and
#   followed with --follow-symlinks;
# - SMTP passwords next to the secret they derive from (linking them hashes each secret
#   for every region, with crypto/'s own HMAC), and one alone;
# - several targets at once, one of them missing (a warning, the rest reported);
# - a file of three 8 MiB chunks (17 MiB) among small ones: idle workers scan some of its chunks
#   (scan_pipe.h), with keys across both chunk cuts.
# Each case also checks that every planted key is found once. SESAME_TIMINGS=1 says
# whether the walk ran with the workers: the multi-thread runs here must use the feed.
# Keys come from a fixed seed; no key-shaped literal is in this file.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/gen.py" <<'EOF'
import json, os, random, sys
sys.path.insert(0, os.environ["SUPPORT"])
import fakekeys

k, r = fakekeys.Keys("sesame-t0192"), random.Random(192)
W = 256 * 1024
planted = {}          # key ID -> relative path under tree/ (None: only via a symlink)


def _pool():
    out, m = [], 0
    while m < 1024 * 1024:
        w = "".join(r.choice("abcdefghij") for _ in range(r.randrange(2, 8)))
        w += "\n" if r.random() < 0.1 else " "
        out.append(w)
        m += len(w)
    return "".join(out)


POOL = _pool()


def words(n):
    """n bytes of words and newlines, nothing key-shaped: slices of one pool."""
    out = []
    while n > 0:
        at = r.randrange(0, len(POOL) // 2)
        take = min(n, len(POOL) // 2)
        out.append(POOL[at:at + take])
        n -= take
    return "".join(out)


def put(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(data)


n = 0
for d in range(30):
    for f in range(40):
        path = "tree/many/d%02d/f %03d.txt" % (d, f)
        body = words(r.randrange(10, 3000))
        if n % 23 == 0:
            kid, sec = k.key_id(), k.secret()
            at = r.randrange(0, len(body))
            body = body[:at] + "\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (
                kid, sec) + body[at:]
            planted[kid] = path
        put(path, body)
        n += 1
deep = "tree/deep/" + "/".join("l%02d" % i for i in range(24))
kid = k.key_id()
put(deep + "/bottom.cfg", "aws_access_key_id=%s\n" % kid)
planted[kid] = deep + "/bottom.cfg"
os.makedirs("tree/empty-dir", exist_ok=True)

# A small file's edges: a key ID first and last (no newline after it).
for size in (0, 1, W - 1, W, W + 1, 2 * W):
    path = "tree/edges/size-%d.txt" % size
    if size < 60:
        put(path, "x" * size)
        continue
    a, b = k.key_id(), k.key_id()
    put(path, a + "\n" + words(size - 42) + "\n" + b)
    assert os.path.getsize(path) == size
    planted[a] = planted[b] = path

# SMTP: the password beside its key ID and secret (linked through the secret), and one
# alone.
for region in ("eu-west-2", "v2"):
    kid = k.key_id()
    sec, pw = k.smtp_pair(region)
    put("tree/smtp/%s.env" % region, "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n"
        "SMTP_PASSWORD=%s\n" % (kid, sec, pw))
    planted[kid] = "tree/smtp/%s.env" % region
_, lone = k.smtp_pair("us-east-1")
put("tree/smtp/lone.env", "smtp_password = %s\n" % lone)

# Symlinks: only seen with --follow-symlinks (the loop is walked once).
link_kid = kid = k.key_id()
put("outside/t.txt", "aws_access_key_id: %s\n" % kid)
os.symlink(os.path.abspath("outside/t.txt"), "tree/link-file.txt")
os.symlink(os.path.abspath("outside"), "tree/link-dir")
os.symlink("no-such-file", "tree/dangling.txt")
os.symlink("..", "tree/many/up")
# Three chunks (8 MiB overlapping by 16 KiB): keys around each cut and the middle of
# each overlap, on lines of about 100 bytes; small files beside it.
STEP = 8 * 1024 * 1024 - 16 * 1024
big, pos, parts = {}, 0, []
nl = 0
for at in sorted(c * STEP + d for c in (1, 2) for d in (-100, 0, 100, 8 * 1024, 16 * 1024 - 5)):
    kid = k.key_id()
    line = "aws_access_key_id = %s\n" % kid
    body = words(max(0, at - len(line) // 2 - pos - 1)) + "\n"
    big[kid] = {"offset": pos + len(body) + line.index(kid), "line": nl + body.count("\n") + 1}
    parts += [body, line]
    pos += len(body) + len(line)
    nl += body.count("\n") + 1
parts.append(words(17 * 1024 * 1024 - pos))
put("bigt/z-big.log", "".join(parts))
for i in range(3):
    kid = k.key_id()
    put("bigt/small-%d.txt" % i, "aws_access_key_id: %s\n" % kid)
    big[kid] = {"offset": 19, "line": 1}
json.dump({"planted": planted, "linked": link_kid, "lone": lone, "big": big},
          open("expect.json", "w"))
EOF

cat >"$TRASH/norm.py" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["scan"]
for key in ("seconds", "started_at", "mb_per_s"):
    s.pop(key, None)
s["diagnostics"] = sorted(json.dumps(d, sort_keys=True) for d in s.get("diagnostics", []))
print(json.dumps(r, sort_keys=True, indent=1))
EOF

cat >"$TRASH/check.py" <<'EOF'
import json, sys
e = json.load(open("expect.json"))
rep = json.load(open(sys.argv[1]))
follow = len(sys.argv) > 2 and sys.argv[2] == "follow"
by_id = {f["access_key_id"]: f for f in rep["findings"] if f.get("access_key_id")}
bad = []
if len(sys.argv) > 2 and sys.argv[2] == "big":
    for kid, want in e["big"].items():
        locs = by_id[kid]["locations"] if kid in by_id else []
        got = [(l["offset"], l["line"]) for l in locs]
        if got != [(want["offset"], want["line"])]:
            bad.append("%s: %s, not %s" % (kid, got, want))
    if len(by_id) != len(e["big"]):
        bad.append("%d findings, not %d" % (len(by_id), len(e["big"])))
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)
for kid, path in e["planted"].items():
    f = by_id.get(kid)
    locs = [l for l in f["locations"] if l["part"] == "access_key_id"] if f else []
    if len(locs) != 1 or not locs[0]["path"].endswith(path[len("tree/"):]):
        bad.append("%s (%s): %s" % (kid, path, [l["path"] for l in locs]))
for region in ("eu-west-2", "v2"):
    f = [f for f in rep["findings"] if f["locations"][0]["path"].endswith("smtp/%s.env" % region)]
    pw = f[0]["smtp_passwords"] if f else []
    # linked to the secret it derives from: the HMAC chain of that region
    if (len(pw) != 1 or len(f[0]["secrets"]) != 1 or pw[0]["region"] != region or
            pw[0]["derived_from_secret"] != f[0]["secrets"][0]["sha256"]):
        bad.append("smtp %s: %s" % (region, f))
if not any(p.get("value") == e["lone"] for f in rep["findings"] for p in f["smtp_passwords"]):
    bad.append("the lone SMTP password is missing")
if (e["linked"] in by_id) != follow:
    bad.append("the symlinked file: found %s, follow %s" % (e["linked"] in by_id, follow))
if follow and by_id.get(e["linked"]) and len(by_id[e["linked"]]["locations"]) != 2:
    bad.append("followed: %s" % by_id[e["linked"]]["locations"])
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF

(cd "$TRASH" && SUPPORT="$SESAME_SRC/tests/support" "$PYTHON" gen.py) || exit 2

# scan_j NAME J ARGS...: the JSON report of `sesame scan ARGS -j J` in NAME.json, its
# normal form in NAME.norm, stderr in NAME.err; the exit status in $rc.
scan_j() {
    local name=$1 j=$2
    shift 2
    rc=0
    SESAME_TIMINGS=1 "$SESAME_BIN" scan --no-config --format json --show-secrets -j "$j" \
        "$@" >"$name.json" 2>"$name.err" || rc=$?
    "$PYTHON" norm.py "$name.json" >"$name.norm"
}

test_expect_success 'a tree: -j1 (walk, then read) and -j2, -j4 (read while walking) agree' '
    scan_j one 1 tree
    test $rc = 1
    expect_no_grep "timing: walk" one.err
    "$PYTHON" check.py one.json
    for j in 2 4; do
        scan_j j$j $j tree
        test $rc = 1
        expect_grep "timing: walk" j$j.err
        diff one.norm j$j.norm
    done
'

test_expect_success 'the tree counts: every file read once, symlinks skipped, complete' '
    "$PYTHON" -c "
import json
s = json.load(open(\"j4.json\"))[\"scan\"]
assert s[\"files\"] == 1200 + 1 + 6 + 3, s
assert s[\"skipped\"] == 4 and s[\"errors\"] == 0 and s[\"complete\"] is True, s
"
'

test_expect_success 'symlinks followed: the same with and without the feed, the loop walked once' '
    scan_j fone 1 tree --follow-symlinks
    test $rc = 1
    "$PYTHON" check.py fone.json follow
    scan_j ftwo 2 tree --follow-symlinks
    diff fone.norm ftwo.norm
'

test_expect_success 'several targets, one missing: warned, the rest the same either way' '
    scan_j mone 1 tree/many tree/edges missing-dir tree/smtp/lone.env
    test $rc = 7
    expect_grep "missing-dir" mone.err
    scan_j mtwo 2 tree/many tree/edges missing-dir tree/smtp/lone.env
    test $rc = 7
    diff mone.norm mtwo.norm
'

test_expect_success 'a file of three chunks: the same keys, offsets and lines with -j1 and -j4' '
    scan_j bone 1 bigt
    test $rc = 1
    "$PYTHON" check.py bone.json big
    for j in 4; do
        scan_j b$j $j bigt
        test $rc = 1
        "$PYTHON" check.py b$j.json big
        diff bone.norm b$j.norm
    done
'

# An unreadable file and directory. chmod 000 does not stop root: then sesame runs as
# nobody (setpriv), on a copy everyone else may read.
if [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null; then
    test_expect_success 'unreadable file and directory: the same warnings, counts and findings' '
        cp -r tree/many locked
        mkdir locked/closed
        cp tree/smtp/eu-west-2.env locked/closed/
        as=
        if [ "$(id -u)" = 0 ]; then
            chmod -R a+rwX locked
            chmod a+x "$TRASH"
            as="setpriv --reuid=65534 --regid=65534 --clear-groups"
        fi
        chmod 000 locked/closed "locked/d03/f 005.txt"
        for j in 1 2; do
            rc=0
            HOME=/nonexistent XDG_CACHE_HOME=/nonexistent $as "$SESAME_BIN" scan --no-config \
                --format json -j $j locked >u$j.json 2>u$j.err || rc=$?
            test $rc = 7
            "$PYTHON" norm.py u$j.json >u$j.norm
        done
        chmod 755 locked/closed
        chmod 644 "locked/d03/f 005.txt"
        diff u1.norm u2.norm
        expect_grep "cannot read directory" u2.err
        expect_grep "f 005.txt" u2.err
    '
else
    test_skip 'unreadable file and directory: the same warnings, counts and findings' \
        'running as root without setpriv: no way to make a file unreadable'
fi

test_done
