#!/usr/bin/env python3
"""gen_escape_tree.py - a tree dense in escapes, to check that escape windows change nothing.

    benches/gen_escape_tree.py DIR [FILES] [SEED]

Writes FILES (default 120) files under DIR from SEED (default 16): minified one-line JSON
(secrets with \\/, key IDs with \\u0041-style escapes, \\" around values), URL-encoded
query strings on long and short lines, HTML entities and inline tags inside keys, base64
nested in escapes (a base64 config whose '/' is written \\/) and escapes nested in base64,
on lines of 3 to ~2,000 words or one long line, with credentials placed at
LIMIT_DECODE_WINDOW (16384) +-2 bytes, and 511 to 513 more, from other escapes, so that
window edges and joins fall on every side of them. Used to compare the JSON reports of two builds (benches/RESULTS.md, issue 16); fake
keys come from tests/support/fakekeys.py.
"""
import base64
import os
import random
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
import fakekeys  # noqa: E402

MARGIN, REACH = 16384, 512  # LIMIT_DECODE_WINDOW; a distance beyond it


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        # an option is not an output directory
        print(__doc__, file=sys.stdout if sys.argv[1:2] in (["-h"], ["--help"]) else sys.stderr)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    k = fakekeys.Keys("gen-escape-tree-%d" % seed)
    r = random.Random(seed)
    words = "alpha beta gamma delta path value item node data".split()

    def filler(n, newline_every):
        s = []
        while sum(map(len, s)) < n:
            w = r.choice(words)
            s.append(w + ("\n" if newline_every and r.randrange(newline_every) == 0 else " "))
        return "".join(s)[:n]

    def secret():
        return k.secret()

    def snippet(kind):
        kid, sec = k.key_id(), secret()
        if kind == "json":
            return '{"AccessKeyId":"%s","SecretAccessKey":"%s"}' % (kid, sec.replace("/", "\\/"))
        if kind == "jsonu":
            enc = "".join("\\u%04x" % ord(c) if i % 6 == 0 else c for i, c in enumerate(kid))
            return '"aws_access_key_id": "%s", "aws_secret_access_key": "%s"' % (
                enc, sec.replace("/", "\\/"))
        if kind == "url":
            return "?aws_access_key_id=%s&aws_secret_access_key=%s" % (
                kid, urllib.parse.quote(sec, safe=""))
        if kind == "html":
            return "<code>%s<span>%s</span></code> secret=&quot;%s&quot;" % (kid[:9], kid[9:], sec)
        if kind == "b64json":  # base64 of a config, its '/' escaped once more
            b = base64.b64encode(("aws_access_key_id=%s\naws_secret_access_key=%s\n"
                                  % (kid, sec)).encode()).decode()
            return '{"config": "%s"}' % b.replace("/", "\\/")
        if kind == "urlb64":  # escapes inside base64
            b = base64.b64encode(('{"key": "%s", "secret": "%s"}' % (
                kid, sec.replace("/", "\\/"))).encode()).decode()
            return "data=" + urllib.parse.quote(b, safe="")
        return "plain %s %s" % (kid, sec)

    kinds = ["json", "jsonu", "url", "html", "b64json", "urlb64", "plain"]
    os.makedirs(out, exist_ok=True)
    for f in range(files):
        newline_every = r.choice([0, 0, 3, 40, 400])  # 0: one long line (minified)
        parts = []
        for _ in range(r.randrange(2, 7)):
            esc = r.choice(["%2F", "\\/", "&amp;", "%3A", "\\u00e9"])
            d = r.choice([MARGIN - 2, MARGIN - 1, MARGIN, MARGIN + 1, MARGIN + 2,
                          MARGIN + REACH - 1, MARGIN + REACH, MARGIN + REACH + 1,
                          r.randrange(10, 3 * MARGIN)])
            parts.append(filler(r.randrange(0, 3000), newline_every))
            parts.append(esc)
            parts.append(filler(d, newline_every))
            parts.append(snippet(r.choice(kinds)))
        parts.append(filler(r.randrange(0, 3 * MARGIN), newline_every))
        with open(os.path.join(out, "f%04d.%s" % (f, r.choice(["json", "log", "txt", "html"]))),
                  "w") as fh:
            fh.write("".join(parts))


if __name__ == "__main__":
    main()
