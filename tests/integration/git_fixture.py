#!/usr/bin/env python3
"""
git_fixture.py - fake AWS keys and report queries for the git integration tests (t03*).

Keys come from tests/support/fakekeys.py with a fixed seed (SESAME_TEST_SEED, default
303), so nothing key-shaped is committed: key N is always the same pair (a new-generation
AKIA key ID with a decodable account, and its secret).

    git_fixture.py table N               keys 0..N-1, one a line: N KEY_ID SECRET (git_lib.sh
                                         reads it once: python starts slowly on a busy machine)
    git_fixture.py dump REPORT           everything below at once (one python start per report):
                                         "schema ok" (or the schema errors), "keys ...",
                                         "scan files N", "scan errors N", "N finding ...",
                                         "N loc ...", "commit ..."
    git_fixture.py key N                 the key ID of key N
    git_fixture.py secret N              its secret
    git_fixture.py creds N [PROFILE]     two lines: aws_access_key_id = ..., aws_secret_access_key = ...
    git_fixture.py keys REPORT           the key numbers of the report's findings, one a line,
                                         sorted ("?<id or kind>" for a finding that is not one of ours)
    git_fixture.py locs REPORT N         the locations of key N's finding, sorted, one a line:
                                         PATH:LINE:PART commit=ID|- blob=ID|- removed_in=ID|-
    git_fixture.py finding REPORT N      exposure=E branches=A,B secret=ok|<what is wrong>
    git_fixture.py commits REPORT        every distinct commit object of the report, sorted:
                                         ID|AUTHOR|AUTHOR_TIME|COMMIT_TIME|SUMMARY
    git_fixture.py expect-commits REPO REV...
                                         the same lines, computed by git for REV...
    git_fixture.py scan REPORT FIELD     report["scan"][FIELD]
    git_fixture.py validate REPORT       check REPORT against schema/report.schema.json
                                         (skipped, with a note, when jsonschema is missing)

As a module, write_pack(DIR, PACK, ENTRIES) finishes a pack written byte by byte (t0320)
and writes it with its version-2 index into DIR.

REPORT is a file written by `sesame scan --format json --show-secrets` ('-' for stdin).
Every query exits 2 with a message when the report is not a JSON document.
"""

import datetime
import functools
import hashlib
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import fakekeys  # noqa: E402

def write_pack(directory, pack, ents):
    """Append the trailer to PACK (entries (oid, offset, crc32)), write DIR/pack-*.pack and
    its version-2 .idx; returns the pack's name."""
    pack += hashlib.sha1(pack).digest()
    ents = sorted(ents)
    fanout = [sum(1 for e in ents if e[0][0] <= i) for i in range(256)]
    idx = b"\xfftOc" + struct.pack(">I", 2) + struct.pack(">256I", *fanout)
    idx += b"".join(e[0] for e in ents) + b"".join(struct.pack(">I", e[2]) for e in ents)
    idx += b"".join(struct.pack(">I", e[1]) for e in ents) + pack[-20:]
    idx += hashlib.sha1(idx).digest()
    name = os.path.join(directory, "pack-" + pack[-20:].hex())
    with open(name + ".pack", "wb") as f:
        f.write(pack)
    with open(name + ".idx", "wb") as f:
        f.write(idx)
    return name


MAX_KEYS = 200
SEED = "t03-" + os.environ.get("SESAME_TEST_SEED", "303")


@functools.lru_cache(maxsize=None)
def key_id(n):
    return fakekeys.key_id(n, SEED)


def secret(n):
    return fakekeys.secret(n, SEED)


@functools.lru_cache(maxsize=None)
def key_numbers():
    return {key_id(n): n for n in range(MAX_KEYS)}


def key_number(kid):
    return key_numbers().get(kid)


def load(path):
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("git_fixture.py: %s: not a JSON report: %s" % (path, e))


def finding_of(report, n):
    """Key n's finding; None (and a line saying so on stdout) unless there is exactly one."""
    kid = key_id(n)
    hits = [f for f in report.get("findings", []) if f.get("access_key_id") == kid]
    if len(hits) != 1:
        print("key %d (%s): %d findings, expected 1" % (n, kid, len(hits)))
        return None
    return hits[0]


def oid(v):
    return v if v else "-"


def iso(epoch):
    t = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def commit_line(c):
    return "|".join(str(c.get(k)) if c.get(k) is not None else "-"
                    for k in ("id", "author", "author_time", "commit_time", "summary"))


def cmd_keys(report):
    ours, other = [], []
    for f in report.get("findings", []):
        kid = f.get("access_key_id")
        n = key_number(kid) if kid else None
        if n is None:
            other.append("?" + str(kid or f.get("kind")))
        else:
            ours.append(n)
    for line in [str(n) for n in sorted(ours)] + sorted(other):
        print(line)


def cmd_locs(report, n):
    f = finding_of(report, n)
    if f is None:
        return 1
    lines = []
    for loc in f.get("locations", []):
        c = loc.get("commit") or {}
        lines.append("%s:%s:%s commit=%s blob=%s removed_in=%s" % (
            loc.get("path"), loc.get("line"), loc.get("part"), oid(c.get("id")),
            oid(loc.get("blob")), oid(loc.get("removed_in", "(absent)"))))
    for line in sorted(lines):
        print(line)
    return 0


def cmd_finding(report, n):
    f = finding_of(report, n)
    if f is None:
        return 1
    got = [s.get("value") for s in f.get("secrets", [])]
    if got == [secret(n)]:
        sec = "ok"
    elif any(v is None for v in got):
        sec = "not-shown"
    else:
        sec = "%d-secrets%s" % (len(got), "" if secret(n) in got else "-without-ours")
    print("exposure=%s branches=%s secret=%s" % (
        f.get("exposure", "(absent)"), ",".join(f.get("branches", ["(absent)"])), sec))
    return 0


def cmd_commits(report):
    seen = {}
    for f in report.get("findings", []):
        for loc in f.get("locations", []):
            c = loc.get("commit")
            if c:
                seen[c.get("id")] = commit_line(c)
    for k in sorted(seen):
        print(seen[k])


def cmd_expect_commits(repo, revs):
    seen = {}
    for rev in revs:
        out = subprocess.run(
            ["git", "-C", repo, "log", "-1", "--format=%H%x00%an <%ae>%x00%at%x00%ct%x00%s", rev],
            check=True, capture_output=True, text=True).stdout.rstrip("\n")
        h, author, at, ct, subject = out.split("\0")
        seen[h] = "|".join([h, author, iso(at), iso(ct), subject])
    for k in sorted(seen):
        print(seen[k])


def cmd_dump(path):
    report = load(path)
    rc = cmd_validate(path, report)
    if rc == 0:
        print("schema ok")
    ours = []
    for f in report.get("findings", []):
        n = key_number(f.get("access_key_id")) if f.get("access_key_id") else None
        if n is not None:
            ours.append(n)
    print("keys", end="")
    sys.stdout.flush()
    import io, contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cmd_keys(report)
    print("".join(" " + line for line in buf.getvalue().splitlines()))
    for field in ("files", "errors", "skipped"):
        print("scan %s %s" % (field, report.get("scan", {}).get(field)))
    for n in sorted(set(ours)):
        for what, fn in (("finding", cmd_finding), ("loc", cmd_locs)):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                fn(report, n)
            for line in buf.getvalue().splitlines():
                print("%d %s %s" % (n, what, line))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cmd_commits(report)
    for line in buf.getvalue().splitlines():
        print("commit " + line)
    return 0


def cmd_validate(path, report=None):
    try:
        import jsonschema
    except ImportError:
        print("note: python3-jsonschema not installed; schema not checked", file=sys.stderr)
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.environ.get("SESAME_SRC", os.path.join(here, "..", ".."))
    with open(os.path.join(src, "schema", "report.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    if report is None:
        report = load(path)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report),
                    key=lambda e: list(e.absolute_path))
    for e in errors[:10]:
        print("schema: %s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:300]),
              file=sys.stderr)
    return 1 if errors else 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "key" and len(args) == 1:
        print(key_id(int(args[0])))
    elif cmd == "table" and len(args) == 1:
        for n in range(int(args[0])):
            print(n, key_id(n), secret(n))
    elif cmd == "dump" and len(args) == 1:
        return cmd_dump(args[0])
    elif cmd == "secret" and len(args) == 1:
        print(secret(int(args[0])))
    elif cmd == "creds" and len(args) in (1, 2):
        n = int(args[0])
        print("aws_access_key_id = %s\naws_secret_access_key = %s" % (key_id(n), secret(n)))
    elif cmd == "keys" and len(args) == 1:
        cmd_keys(load(args[0]))
    elif cmd == "locs" and len(args) == 2:
        return cmd_locs(load(args[0]), int(args[1]))
    elif cmd == "finding" and len(args) == 2:
        return cmd_finding(load(args[0]), int(args[1]))
    elif cmd == "commits" and len(args) == 1:
        cmd_commits(load(args[0]))
    elif cmd == "expect-commits" and len(args) >= 2:
        cmd_expect_commits(args[0], args[1:])
    elif cmd == "scan" and len(args) == 2:
        print(load(args[0]).get("scan", {}).get(args[1]))
    elif cmd == "validate" and len(args) == 1:
        return cmd_validate(args[0])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
