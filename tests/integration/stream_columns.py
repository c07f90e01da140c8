#!/usr/bin/env python3
"""
stream_columns.py - the same bytes, with keys far along a long first line, as a plain
file, inside archives and as a git blob streamed from `git cat-file`: every copy must
report each key at the same line, column and offset (issue 12, one chunk streamer; the
archive copy of the chunk loop once dropped the column base of a line that began in an
earlier chunk: column 16506 instead of 8388730).

    stream_columns.py gen OUTDIR            big.txt and its archives, huge.txt (> 64 MiB)
    stream_columns.py check-json PLAIN.json OTHER.json PATH
                        the access key IDs and secrets of OTHER.json reported under PATH
                        are at the places PLAIN.json has (each of its locations once)
    stream_columns.py check-sarif PLAIN.sarif OTHER.sarif
                        the same (line, UTF-16 column) regions in both SARIF reports

Keys come from gen_tree.Keys with a fixed seed. The filler is random lowercase letters
(no newline, nothing key-shaped, and it compresses less than the archive ratio limit);
huge.txt's is 'x' (a git blob of 70 MiB that zlib squeezes to almost nothing).
"""
import gzip
import io
import json
import os
import random
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_tree import Keys  # noqa: E402

SEED = 1200
CHUNK = 8 * 1024 * 1024         # LIMIT_CHUNK_BYTES
OVERLAP = 16 * 1024             # LIMIT_CHUNK_OVERLAP
LOWER = bytes(ord("a") + i % 26 for i in range(256))


def filler(rng, n):
    return rng.randbytes(n).translate(LOWER)


def creds_line(keys):
    """A key ID and its secret with a keyword, on one line (no newline)."""
    return (b" " + keys.key_id().encode() + b" aws_secret_access_key = " +
            keys.secret().encode() + b" ")


def big_txt(rng, keys):
    """Line 1: keys at byte 8,388,729 (the issue's), across the end of the second chunk
    (owned by the third) and in the third chunk; then a second line with a key, then a
    short third line."""
    first = 8388729 - 1
    data = filler(rng, first) + creds_line(keys)
    step = CHUNK - OVERLAP
    data += filler(rng, step + CHUNK - 10 - 1 - len(data)) + creds_line(keys)
    data += filler(rng, 20 * 1024 * 1024 - len(data)) + creds_line(keys)
    return data + b"\n" + filler(rng, 5000) + creds_line(keys) + b"\nend\n"


def tar_of(name, data):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 1700000000
        t.addfile(info, io.BytesIO(data))
    return bio.getvalue()


def gen(out):
    rng = random.Random(SEED)
    keys = Keys(random.Random(SEED))
    os.makedirs(out, exist_ok=True)
    data = big_txt(rng, keys)
    assert data.count(b"AKIA") == 4
    tar = tar_of("big.txt", data)
    files = {
        "big.txt": data,
        "big.tar": tar,
        "big.txt.gz": gzip.compress(data, compresslevel=1, mtime=0),
        "big.tar.gz": gzip.compress(tar, compresslevel=1, mtime=0),
    }
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        info = zipfile.ZipInfo("big.txt", date_time=(2024, 1, 2, 3, 4, 6))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    files["big.zip"] = bio.getvalue()
    for name, b in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b)
    # More than LIMIT_GIT_INMEM_BLOB_BYTES (64 MiB): read through `git cat-file`, in 9 chunks.
    with open(os.path.join(out, "huge.txt"), "wb") as f:
        f.write(b"x" * (70 * 1024 * 1024) + creds_line(keys) + b"\n" + b"y" * 1000 +
                creds_line(keys) + b"\n")
    return 0


def places(report, path=None):
    d = json.load(open(report))
    got = []
    for f in d.get("findings", []):
        for loc in f.get("locations", []):
            if loc.get("part") in ("access_key_id", "secret_access_key") and \
                    (path is None or loc["path"] == path):
                got.append((loc["part"], loc["line"], loc["column"], loc["offset"]))
    return sorted(got)


def check_json(plain, other, path):
    want, got = places(plain), places(other, path)
    if not want or want != got:
        print(f"{other} ({path}): places differ from {plain}:\n  want {want}\n  got  {got}")
        return 1
    return 0


def regions(report):
    d = json.load(open(report))
    got = []
    for run in d.get("runs", []):
        for r in run.get("results", []):
            for loc in r.get("locations", []):
                reg = loc.get("physicalLocation", {}).get("region", {})
                got.append((reg.get("startLine"), reg.get("startColumn"), reg.get("endColumn")))
    return sorted(got)


def check_sarif(plain, other):
    want, got = regions(plain), regions(other)
    if not want or want != got:
        print(f"{other}: SARIF regions differ from {plain}:\n  want {want}\n  got  {got}")
        return 1
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "gen":
        return gen(argv[2])
    if len(argv) == 5 and argv[1] == "check-json":
        return check_json(*argv[2:])
    if len(argv) == 4 and argv[1] == "check-sarif":
        return check_sarif(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
