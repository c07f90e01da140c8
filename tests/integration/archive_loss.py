#!/usr/bin/env python3
"""
archive_loss.py - files where an archive or a compressed stream ends early, is followed
by more bytes, has none of its own, or is misread, each with a fake key that `sesame
scan FILE` must report at its exact place (issue 11 "Nothing lost", items 4 and 5, and
their siblings). Keys come from gen_tree.Keys with a fixed seed; containers that the
standard library cannot write (zstd, lz4, 7z) from tests/fuzz/make_archive_corpus.py.

    archive_loss.py gen OUTDIR MANIFEST      write one file per case, and the manifest
    archive_loss.py check MANIFEST NAME RC REPORT.json STDERR
                                             check one scan of case NAME

Manifest: {"cases": [{name, why, rc, keys: [{id, path, line, column, offset}], warn,
secrets}]}. `warn` is a regular expression stderr must match, or null when sesame must
say nothing; `rc` the exit status; every key ID must be reported at each place listed
(other places are allowed only where listed as well: the list is exact).

Where plain bytes are reported: bytes of the file itself under the file's own path, at
their offset and line in the file; bytes of a decompressed stream under
"FILE!<name without its suffix>" (or "FILE!data"), at their offset and line in the
decompressed bytes; a member's bytes under "FILE!member".
"""
import bz2
import gzip
import io
import json
import lzma
import os
import random
import re
import struct
import sys
import tarfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
from gen_tree import Keys  # noqa: E402
from make_archive_corpus import lz4_frame, sevenz  # noqa: E402

SEED = 1120
DATE = (2024, 1, 2, 3, 4, 6)


# ---------------------------------------------------------------- containers

def tar_of(members, fmt=tarfile.PAX_FORMAT):
    """A tar as tar(1) writes it: padded with zeros to 10 KiB records."""
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return bio.getvalue()


def tar_members_only(members):
    """The header and data blocks of a tar, without its end blocks and padding."""
    bio = io.BytesIO()
    t = tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT)
    for name, data in members:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 1700000000
        t.addfile(info, io.BytesIO(data))
    end = t.offset
    return bio.getvalue()[:end]


def zip_of(members, compression=zipfile.ZIP_DEFLATED, comment=b"", member_comment=b""):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = compression
            info.external_attr = 0o100644 << 16
            info.comment = member_comment
            z.writestr(info, data)
        z.comment = comment
    return bio.getvalue()


def zip_shift_offsets(z, by):
    """The zip with every offset it records moved by `by` (zip -A after a prepended stub)."""
    b = bytearray(z)
    eocd = b.rfind(b"PK\5\6")
    cd = struct.unpack_from("<I", b, eocd + 16)[0]
    struct.pack_into("<I", b, eocd + 16, cd + by)
    i = b.find(b"PK\1\2", cd)
    while 0 <= i < eocd:
        lho = struct.unpack_from("<I", b, i + 42)[0]
        struct.pack_into("<I", b, i + 42, lho + by)
        n, m, k = struct.unpack_from("<HHH", b, i + 28)
        i += 46 + n + m + k
    return bytes(b)


def zip_bad_crc(z):
    b = bytearray(z)
    b[14] ^= 0x5A                      # local header
    i = b.find(b"PK\1\2")
    b[i + 16] ^= 0x5A                  # central directory
    return bytes(b)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def gz_with_comment(data, comment):
    """A gzip member whose header carries FCOMMENT."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return (b"\x1f\x8b\x08\x10" + b"\0\0\0\0" + b"\x00\xff" + comment + b"\0" + body +
            struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF))


def zstd_frame(data):
    """A zstd frame of raw (stored) blocks, 128 KiB window, no checksum."""
    out = b"\x28\xb5\x2f\xfd" + bytes([0x00, 0x38])
    blocks = [data[i:i + 65536] for i in range(0, len(data), 65536)] or [b""]
    for k, b in enumerate(blocks):
        last = 1 if k == len(blocks) - 1 else 0
        out += struct.pack("<I", last | (len(b) << 3))[:3] + b
    return out


# ---------------------------------------------------------------- texts

class Texts:
    def __init__(self, seed):
        self.keys = Keys(random.Random(seed))
        self.secrets = []

    def creds(self, lead=b""):
        kid = self.keys.key_id()
        sec = self.keys.secret()
        self.secrets.append(sec)
        text = (lead + b"[default]\n" + b"aws_access_key_id = " + kid.encode() + b"\n" +
                b"aws_secret_access_key = " + sec.encode() + b"\n")
        return kid, text


def place(data, kid, path):
    """Where key ID `kid` is in `data` (the bytes reported under `path`)."""
    off = data.find(kid.encode())
    assert off >= 0, (path, kid)
    assert data.find(kid.encode(), off + 1) < 0, (path, kid)
    nl = data.rfind(b"\n", 0, off)
    return {"id": kid, "path": path, "offset": off, "line": data.count(b"\n", 0, off) + 1,
            "column": off - nl}


NOISE = b"".join(b"log line %06d of a service that is fine\n" % i for i in range(8000))
CLEAN = b"# nothing secret here\nregion = eu-west-1\n"


def cases():
    t = Texts(SEED)
    out = []

    def case(name, data, keys, why, rc=1, warn=None):
        out.append({"name": name, "data": data, "keys": keys, "why": why, "rc": rc,
                    "warn": warn})

    # Item 4: a compressed stream whose data begins with 512 zero bytes (an "empty tar").
    for ext, comp in (("gz", gz), ("xz", lzma.compress), ("bz2", bz2.compress),
                      ("zst", zstd_frame), ("lz4", lz4_frame)):
        kid, text = t.creds()
        inner = b"\0" * 512 + text
        name = f"zeros512.{ext}"
        case(name, comp(inner), [place(inner, kid, name + "!zeros512")],
             f"{ext} stream whose data begins with 512 zero bytes")
    kid, text = t.creds()
    inner = b"\0" * 511 + text
    case("zeros511.gz", gz(inner), [place(inner, kid, "zeros511.gz!zeros511")],
         "control: 511 zero bytes (found before the fix too)")

    # Item 4, siblings.
    kid, text = t.creds()
    data = b"PK\5\6" + b"\0" * 18 + text
    case("empty-then-key.zip", data, [place(data, kid, "empty-then-key.zip")],
         "a 22-byte empty-zip record followed by the key")

    kid, text = t.creds()
    data = tar_of([("readme.txt", CLEAN)]) + text
    case("clean-then-creds.tar", data, [place(data, kid, "clean-then-creds.tar")],
         "cat clean.tar creds.txt")

    kid, text = t.creds()
    data = tar_of([("readme.txt", CLEAN)]) + tar_of([("creds.txt", text)])
    case("two.tar", data, [place(text, kid, "two.tar!creds.txt")], "two tars concatenated")

    kid, text = t.creds()
    data = gz(tar_of([("readme.txt", CLEAN)]) + tar_of([("creds.txt", text)]))
    case("two.tar.gz", data, [place(text, kid, "two.tar.gz!creds.txt")],
         "two tars concatenated, gzipped")

    kid, text = t.creds()
    data = zip_of([("readme.txt", CLEAN)]) + text
    case("clean-then-creds.zip", data, [place(data, kid, "clean-then-creds.zip")],
         "cat clean.zip creds.txt")

    kid, text = t.creds()
    data = gz(CLEAN) + text
    case("clean-then-creds.gz", data, [place(data, kid, "clean-then-creds.gz")],
         "a clean gzip member followed by the key")

    kid, text = t.creds()
    stub = b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n"
    data = stub + zip_of([("creds.txt", text)])
    case("selfrun.jar", data, [place(text, kid, "selfrun.jar!creds.txt")],
         "a zip with a shebang line in front (cat stub app.zip)")

    kid, text = t.creds()
    kid2, text2 = t.creds()
    stub = b"#!/bin/sh\n# " + text2.replace(b"\n", b"\n# ") + b"\nexec java -jar \"$0\"\n"
    data = stub + zip_shift_offsets(zip_of([("creds.txt", text)]), len(stub))
    case("selfrun-adjusted.jar", data,
         [place(text, kid, "selfrun-adjusted.jar!creds.txt"),
          place(data, kid2, "selfrun-adjusted.jar")],
         "a self-running zip whose offsets count the stub (zip -A), a key in the stub")

    # Item 5: a zip member with a bad CRC, inflated all the same.
    kid, text = t.creds()
    data = zip_bad_crc(zip_of([("creds.txt", text)]))
    case("bad-crc.zip", data, [place(text, kid, "bad-crc.zip!creds.txt")],
         "a zip member whose CRC does not match", warn=r"bad-crc\.zip!creds\.txt.*CRC")

    # Siblings: what follows other compressed streams and archives.
    for ext, comp in (("xz", lzma.compress), ("bz2", bz2.compress), ("zst", zstd_frame),
                      ("lz4", lz4_frame)):
        kid, text = t.creds()
        data = comp(CLEAN) + text
        name = f"clean-then-creds.{ext}"
        case(name, data, [place(data, kid, name)], f"a clean {ext} stream followed by the key")

    kid, text = t.creds()
    inner = tar_of([("readme.txt", CLEAN)]) + text
    data = gz(inner)
    case("tar-then-creds.tgz", data, [place(inner, kid, "tar-then-creds.tgz!tar-then-creds.tar")],
         "trailing data after a tar inside gzip")

    kid, text = t.creds()
    data = sevenz("readme.txt", CLEAN) + text
    case("clean-then-creds.7z", data, [place(data, kid, "clean-then-creds.7z")],
         "a 7z archive followed by the key")

    kid, text = t.creds()
    data = tar_of([("readme.txt", CLEAN)]) + zip_of([("creds.txt", text)])
    case("tar-then-zip.tar", data, [place(text, kid, "tar-then-zip.tar!creds.txt")],
         "a zip (deflated) after a tar")

    kid, text = t.creds()
    data = zip_of([("creds.txt", text)]) + zip_of([("readme.txt", CLEAN)])
    case("zip-then-zip.zip", data, [place(text, kid, "zip-then-zip.zip!creds.txt")],
         "two zips concatenated, the key in the first (deflated)")

    zips, keys = b"", []
    for i in range(8):
        kid, text = t.creds()
        zips += zip_of([("k%d.env" % i, text)])
        keys.append(place(text, kid, "eight.zip!k%d.env" % i))
    case("eight.zip", zips, keys, "eight zips concatenated, a key (deflated) in each")

    kid, text = t.creds()
    kid2, text2 = t.creds()
    data = zip_of([("readme.txt", CLEAN)], comment=text, member_comment=text2)
    case("comments.zip", data,
         [place(data, kid, "comments.zip"), place(data, kid2, "comments.zip")],
         "keys in a zip's archive comment and in a member's comment")

    kid, text = t.creds()
    data = gz_with_comment(CLEAN, text)
    case("comment.gz", data, [place(data, kid, "comment.gz")], "a key in a gzip header comment")

    kid, text = t.creds()
    garbage = text + b"#" * (512 - len(text))
    data = (tar_members_only([("a.txt", CLEAN)]) + garbage +
            tar_of([("b.txt", CLEAN)]))
    case("damaged-block.tar", data, [place(data, kid, "damaged-block.tar")],
         "a tar block that is no header, between two members", warn=r"corrupt")

    kid, text = t.creds()
    blocks = [b"%-511s\n" % (b"damaged block %d" % i) for i in range(24)]
    blocks[20] = text + b"#" * (512 - len(text))
    data = tar_members_only([("a.txt", CLEAN)]) + b"".join(blocks) + tar_of([("b.txt", CLEAN)])
    case("long-damage.tar", data, [place(data, kid, "long-damage.tar")],
         "more damaged tar blocks than are retried, the key after them", warn=r"corrupt")

    kid, text = t.creds()
    inner = b"x" * 512 + tar_of([("creds.txt", text)])
    data = gz(inner)
    case("bad-first-header.tar.gz", data,
         [place(inner, kid, "bad-first-header.tar.gz!bad-first-header.tar")],
         "a tar in gzip whose first header is garbage")

    kid, text = t.creds()
    inner = text + NOISE
    full = gz(inner)
    data = full[: len(full) * 3 // 4]
    case("truncated.gz", data, [place(inner, kid, "truncated.gz!truncated")],
         "a gzip stream cut short: what it decodes to is scanned", rc=7, warn=r"truncated")

    kid, text = t.creds()
    inner = text + b"short\n"
    full = gz(inner)
    data = full[: len(full) - 12]
    case("truncated-small.gz", data, [place(inner, kid, "truncated-small.gz!truncated-small")],
         "a small gzip stream cut short (smaller than libarchive's output block)",
         rc=7, warn=r"truncated")

    kid, text = t.creds()
    full = gz(tar_of([("creds.env", text), ("noise.log", NOISE)]))
    data = full[: len(full) * 3 // 4]
    case("truncated.tar.gz", data, [place(text, kid, "truncated.tar.gz!creds.env")],
         "a tar.gz cut short in its second member", rc=7, warn=r"truncated")

    kid, text = t.creds()
    inner = text + NOISE
    full = lzma.compress(inner)
    data = full[: len(full) * 3 // 4]
    case("truncated.xz", data, [place(inner, kid, "truncated.xz!truncated")],
         "an xz stream cut short", rc=7, warn=r"truncated|[Nn]o progress|[Cc]orrupt")

    kid, text = t.creds()
    inner = b"\0" * 512 + text
    data = zip_of([("logs/inner.gz", gz(inner))], zipfile.ZIP_STORED)
    case("gz-in-zip.zip", data, [place(inner, kid, "gz-in-zip.zip!logs/inner.gz!inner")],
         "a zip member that is a gzip of 512 zeros and the key")

    kid, text = t.creds()
    jar = b"#!/bin/sh\nexec java -jar \"$0\"\n" + zip_of([("creds.txt", text)])
    data = tar_of([("bin/app.jar", jar)])
    case("jar-in-tar.tar", data, [place(text, kid, "jar-in-tar.tar!bin/app.jar!creds.txt")],
         "a self-running jar inside a tar")

    kid, text = t.creds()
    data = b"PK\3\4" + b"\xff" * 40 + b"\n" + text
    case("not-a-zip.zip", data, [place(data, kid, "not-a-zip.zip")],
         "starts like a zip, libarchive cannot open it: scanned as plain bytes",
         warn=r"not a readable archive")

    # Clean archives stay quiet: no warning, exit 0.
    case("clean.tar", tar_of([("readme.txt", CLEAN)]), [], "a clean tar", rc=0)
    case("clean.tgz", gz(tar_of([("readme.txt", CLEAN)])), [], "a clean tar.gz", rc=0)
    case("clean.zip", zip_of([("readme.txt", CLEAN)]), [], "a clean zip", rc=0)
    case("clean.tar.xz", lzma.compress(tar_of([("readme.txt", CLEAN)])), [],
         "a clean tar.xz", rc=0)
    case("clean.7z", sevenz("readme.txt", CLEAN), [], "a clean 7z", rc=0)
    return out, t.secrets


def gen(outdir, manifest):
    os.makedirs(outdir, exist_ok=True)
    all_cases, secrets = cases()
    for c in all_cases:
        with open(os.path.join(outdir, c["name"]), "wb") as f:
            f.write(c.pop("data"))
    with open(manifest, "w") as f:
        json.dump({"cases": all_cases, "secrets": secrets}, f, indent=1)
    return 0


def check(manifest, name, rc, report, stderr):
    m = json.load(open(manifest))
    c = next(c for c in m["cases"] if c["name"] == name)
    errs = []
    err = open(stderr, encoding="utf-8", errors="replace").read()
    if int(rc) != c["rc"]:
        errs.append(f"exit status {rc}, expected {c['rc']}")
    if c["warn"] is None and err.strip():
        errs.append(f"unexpected stderr: {err.strip()[:300]}")
    if c["warn"] is not None and not re.search(c["warn"], err):
        errs.append(f"stderr does not match /{c['warn']}/: {err.strip()[:300]}")
    for s in m["secrets"]:
        if s in err or s in open(report, encoding="utf-8", errors="replace").read():
            errs.append("a secret is shown in full")
    d = json.load(open(report))
    seen = []
    for f in d.get("findings", []):
        for loc in f.get("locations", []):
            if loc.get("part") == "access_key_id":
                seen.append({"id": f.get("access_key_id"), "path": loc["path"],
                             "line": loc["line"], "column": loc["column"],
                             "offset": loc["offset"]})
    want = sorted(json.dumps(k, sort_keys=True) for k in c["keys"])
    got = sorted(json.dumps(k, sort_keys=True) for k in seen)
    if want != got:
        errs.append("key ID locations differ:\n  want " + "\n       ".join(want) +
                    "\n  got  " + "\n       ".join(got))
    if errs:
        print(f"{name} ({c['why']}):")
        for e in errs:
            print("  " + e)
        return 1
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        return gen(argv[2], argv[3])
    if len(argv) == 7 and argv[1] == "check":
        return check(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
