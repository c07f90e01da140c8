#!/usr/bin/env python3
"""
pipe_fixture.py - archives for t0984 (the archive pipeline, scanner/scan_pipe.c): many
small members, a member of several chunks, warnings between members, a truncated
compressed tar, archives nested in a compressed tar. Each planted key ID is listed with
the path it must be reported at, and each warning the walker gives with the order it
must come in.

    pipe_fixture.py gen OUTDIR           write the archives and OUTDIR/manifest.json
    pipe_fixture.py check MANIFEST NAME REPORT.json STDERR
                                         check one scan (-j N) of archive NAME

Keys and secrets come from tests/support/fakekeys.py (seed "t0984").
"""
import gzip
import json
import os
import random
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import fakekeys  # noqa: E402
from archive_loss import tar_of, zip_of, zstd_frame  # noqa: E402

SEED = "t0984"
MB = 1024 * 1024


class Planter:
    """Fake credentials, one pair after another; `end` follows the secret."""
    def __init__(self, seed=SEED, end="\n"):
        self.n = 0
        self.seed = seed
        self.end = end

    def creds(self):
        kid = fakekeys.key_id(self.n, seed=self.seed)
        sec = fakekeys.secret(self.n, seed=self.seed)
        self.n += 1
        return kid, ("aws_access_key_id = %s\naws_secret_access_key = %s%s" %
                     (kid, sec, self.end)).encode()


def filler(rng, n):
    words = [b"alpha", b"beta", b"gamma", b"delta", b"config", b"value", b"=", b"#", b"{", b"}"]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:n])


def gen(outdir):
    rng = random.Random(984)
    p = Planter()
    cases = {}

    # Many small members, an overlong name (a warning from the walker) every 40.
    members, keys, warns = [], [], []
    for i in range(480):
        if i % 40 == 17:
            name = "dir/" + "n" * 5000 + "%03d.txt" % i
            members.append((name, b"nothing\n"))
            warns.append("member name longer than 4096 bytes")
            continue
        kid, text = p.creds()
        name = "dir/f%04d.env" % i
        members.append((name, filler(rng, rng.randrange(0, 3000)) + text))
        keys.append([kid, "many.tar!" + name])
    with open(os.path.join(outdir, "many.tar"), "wb") as f:
        f.write(tar_of(members))
    cases["many.tar"] = {"keys": keys, "warns": warns, "rc": 1}

    # A member of three chunks (keys across the chunk edges), then small ones and a zip.
    big = bytearray(filler(rng, 20 * MB))
    keys = []
    for at in (8 * MB - 60, 16 * MB - 8300, 100, 20 * MB - 200, 12 * MB):
        kid, text = p.creds()
        big[at:at + len(text)] = text
        keys.append([kid, "big.tar.gz!big/data.log"])
    members = [("big/data.log", bytes(big))]
    inner = []
    for i in range(30):
        kid, text = p.creds()
        members.append(("big/s%02d.ini" % i, text))
        keys.append([kid, "big.tar.gz!big/s%02d.ini" % i])
        kid, text = p.creds()
        inner.append(("z%02d.env" % i, text))
        keys.append([kid, "big.tar.gz!big/inner.zip!z%02d.env" % i])
    members.append(("big/inner.zip", zip_of(inner)))
    with open(os.path.join(outdir, "big.tar.gz"), "wb") as f:
        f.write(gzip.compress(tar_of(members), mtime=0))
    cases["big.tar.gz"] = {"keys": keys, "warns": [], "rc": 1}

    # A compressed tar cut short: the members before the cut are found, a warning says so.
    members, keys = [], []
    for i in range(120):
        kid, text = p.creds()
        members.append(("t/m%03d.env" % i, filler(rng, 2000) + text))
        keys.append([kid, "trunc.tar.gz!t/m%03d.env" % i])
    whole = gzip.compress(tar_of(members), mtime=0)
    raw = tar_of(members)
    cut = len(whole) * 6 // 10
    with open(os.path.join(outdir, "trunc.tar.gz"), "wb") as f:
        f.write(whole[:cut])
    # The members entirely inside the bytes that can be decoded from the cut stream.
    d = zlib_prefix(whole[:cut])
    keep = []
    for kid, path in keys:
        name = path.split("!", 1)[1].encode()
        at = raw.find(name)
        if at >= 0 and at + 512 + 2100 <= len(d):
            keep.append([kid, path])
    cases["trunc.tar.gz"] = {"keys": keep, "warns": ["truncated|unexpected end|corrupt"], "rc": 7,
                             "partial": True}

    # Archives nested in a zstd-compressed tar: a zip holding a gzipped tar.
    members, keys = [], []
    deep = []
    for i in range(20):
        kid, text = p.creds()
        deep.append(("deep/d%02d.env" % i, text))
        keys.append([kid, "nested.tar.zst!n/mid.zip!inner.tgz!deep/d%02d.env" % i])
    mid = [("inner.tgz", gzip.compress(tar_of(deep), mtime=0))]
    for i in range(20):
        kid, text = p.creds()
        mid.append(("m%02d.env" % i, text))
        keys.append([kid, "nested.tar.zst!n/mid.zip!m%02d.env" % i])
    members.append(("n/mid.zip", zip_of(mid)))
    for i in range(40):
        kid, text = p.creds()
        members.append(("n/o%02d.env" % i, filler(rng, 5000) + text))
        keys.append([kid, "nested.tar.zst!n/o%02d.env" % i])
    with open(os.path.join(outdir, "nested.tar.zst"), "wb") as f:
        f.write(zstd_frame(tar_of(members)))
    cases["nested.tar.zst"] = {"keys": keys, "warns": [], "rc": 1}

    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)


def zlib_prefix(data):
    """What can be decoded of a gzip stream cut short."""
    z = zlib.decompressobj(31)
    try:
        return z.decompress(data)
    except zlib.error:
        return b""


def check(manifest, name, report, stderr):
    case = json.load(open(manifest))[name]
    rep = json.load(open(report))
    err = open(stderr, encoding="utf-8", errors="replace").read()
    found = {}
    for f in rep["findings"]:
        if f["kind"] != "access_key_id":
            continue
        for loc in f["locations"]:
            if loc["part"] == "access_key_id":
                found.setdefault(f["access_key_id"], []).append(loc["path"])
    bad = []
    for kid, path in case["keys"]:
        if found.get(kid) != [path]:
            bad.append("%s: want [%s], got %s" % (kid, path, found.get(kid)))
    planted = {k for k, _ in case["keys"]}
    if not case.get("partial"):
        extra = set(found) - planted
        if extra:
            bad.append("unexpected keys: %s" % sorted(extra))
    # The walker's warnings, in order, each once.
    lines = [ln for ln in err.splitlines() if ln.startswith("sesame: warning:")]
    at = 0
    for w in case["warns"]:
        while at < len(lines) and not re.search(w, lines[at]):
            at += 1
        if at == len(lines):
            bad.append("warning /%s/ missing or out of order" % w)
            break
        at += 1
    diags = rep["scan"]["diagnostics"]
    if [d["message"] for d in diags] != [ln.split("warning: ", 1)[1] for ln in lines]:
        bad.append("JSON diagnostics differ from stderr's warnings")
    if bad:
        print("%s: %d problems\n  %s" % (name, len(bad), "\n  ".join(bad[:20])))
        return 1
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "gen":
        gen(argv[2])
        return 0
    if len(argv) == 6 and argv[1] == "check":
        return check(argv[2], argv[3], argv[4], argv[5])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
