#!/usr/bin/env python3
"""
zip_fixture.py - zips for t0985 (a zip's members inflated ahead by idle workers,
scanner/source/archive/prefetch.c): many members, stored and deflated, keys at their
edges, duplicate names, directories, an empty member, one too large to be inflated ahead,
a zip inside the zip, damaged deflate data, a bad CRC, an
encrypted member, an overlong name; zip64 members; a zip inside a zstd-compressed tar; a
zip cut short, one whose central directory is damaged, one with a damaged local header; one whose members are all longer than their headers say. Each planted key ID is listed
with the path it must be reported at, each warning with the order it must come in
(pipe_fixture.py check reads the manifest).

    zip_fixture.py gen OUTDIR        write the archives and OUTDIR/manifest.json

Keys and secrets come from tests/support/fakekeys.py (seed "t0985").
"""
import io
import json
import os
import random
import struct
import sys
import warnings
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from archive_loss import tar_of, zstd_frame  # noqa: E402
from pipe_fixture import Planter, filler  # noqa: E402

SEED = "t0985"
MB = 1024 * 1024
DATE = (2024, 5, 1, 12, 0, 0)


def zip_members(members, zip64=False):
    """members: (name, data, compress_type); a name ending in '/' is a directory."""
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        for name, data, ct in members:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = ct
            info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            if zip64:
                with z.open(info, "w", force_zip64=True) as f:
                    f.write(data)
            else:
                z.writestr(info, data)
    return bytearray(bio.getvalue())


def headers(b, name):
    """Offsets of the local header and central directory entry of member `name`."""
    n = name.encode()
    eocd = b.rfind(b"PK\5\6")
    cd = struct.unpack_from("<I", b, eocd + 16)[0]
    i = b.find(b"PK\1\2", cd)
    while 0 <= i < eocd:
        ln, lm, lk = struct.unpack_from("<HHH", b, i + 28)
        if b[i + 46:i + 46 + ln] == n:
            return struct.unpack_from("<I", b, i + 42)[0], i
        i += 46 + ln + lm + lk
    raise KeyError(name)


def gen_many(p, rng):
    members, keys, warns = [], [], []
    S, D = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED

    def planted(name, data_of, ct=None):
        kid, text = p.creds()
        members.append((name, data_of(text), ct if ct is not None else rng.choice((S, D))))
        keys.append([kid, "many.zip!" + name])

    for i in range(420):
        if i % 50 == 7:
            members.append(("d%03d/" % i, b"", S))
        if i % 3 == 0:   # the key at the very start, no newline before it
            planted("m/f%04d.env" % i, lambda t: t + b"\n" + filler(rng, rng.randrange(0, 4000)))
        elif i % 3 == 1:  # at the very end, no newline after it
            planted("m/f%04d.env" % i, lambda t: filler(rng, rng.randrange(0, 4000)) + t)
        else:            # alone
            planted("m/f%04d.env" % i, lambda t: t)
        if i == 100:     # the same name twice, another key each time
            planted("dup/same.env", lambda t: t)
            planted("dup/same.env", lambda t: filler(rng, 100) + t)
        if i == 150:
            members.append(("m/empty.txt", b"", D))
        if i == 200:     # too large to be inflated ahead: read by the walk
            planted("big/data.log", lambda t: filler(rng, 5 * MB) + t, D)
        if i == 250:     # a zip in the zip
            inner = []
            for k in range(30):
                kid, text = p.creds()
                inner.append(("z%02d.env" % k, text, rng.choice((S, D))))
                keys.append([kid, "many.zip!m/inner.zip!z%02d.env" % k])
            members.append(("m/inner.zip", bytes(zip_members(inner)), D))
        if i == 300:
            planted("bad/crc.env", lambda t: filler(rng, 2000) + t, D)
            members.append(("bad/encrypted.env", filler(rng, 3000), D))
            members.append(("n/" + "n" * 5000 + ".txt", b"nothing\n", S))
    # Last: libarchive gives up on the zip after data it cannot inflate.
    members.append(("bad/data.env", filler(rng, 30000), D))
    b = zip_members(members)
    # Deflate data that cannot be inflated: the first block of an invalid type.
    lho, _ = headers(b, "bad/data.env")
    ln, lm = struct.unpack_from("<HH", b, lho + 26)
    data = lho + 30 + ln + lm
    b[data] = 0x07
    # A CRC that does not match its bytes (local header and central directory).
    lho, cde = headers(b, "bad/crc.env")
    for at in (lho + 14, cde + 16):
        struct.pack_into("<I", b, at, struct.unpack_from("<I", b, at)[0] ^ 0x5A5A5A5A)
    # An encrypted member (its flag bit, in both headers).
    lho, cde = headers(b, "bad/encrypted.env")
    for at in (lho + 6, cde + 8):
        struct.pack_into("<H", b, at, struct.unpack_from("<H", b, at)[0] | 1)
    warns = ["bad/crc.env", "bad/encrypted.env", "member name longer than 4096 bytes",
             "bad/data.env"]
    return bytes(b), keys, warns


def gen(outdir):
    warnings.simplefilter("ignore")  # zipfile: "Duplicate name", on purpose
    rng = random.Random(985)
    p = Planter(SEED, end="")
    cases = {}

    many, keys, warns = gen_many(p, rng)
    with open(os.path.join(outdir, "many.zip"), "wb") as f:
        f.write(many)
    cases["many.zip"] = {"keys": keys, "warns": warns, "rc": 7}

    # zip64 local headers and extra fields, stored and deflated.
    members, keys = [], []
    for i in range(150):
        kid, text = p.creds()
        name = "z64/f%03d.env" % i
        members.append((name, filler(rng, rng.randrange(0, 3000)) + text,
                        zipfile.ZIP_STORED if i % 2 else zipfile.ZIP_DEFLATED))
        keys.append([kid, "zip64.zip!" + name])
    with open(os.path.join(outdir, "zip64.zip"), "wb") as f:
        f.write(zip_members(members, zip64=True))
    cases["zip64.zip"] = {"keys": keys, "warns": [], "rc": 1}

    # A zip inside a zstd-compressed tar (read into memory, then its members ahead).
    inner, keys = [], []
    for i in range(200):
        kid, text = p.creds()
        name = "a/c%03d.env" % i
        inner.append((name, filler(rng, rng.randrange(0, 6000)) + text, zipfile.ZIP_DEFLATED))
        keys.append([kid, "app.tar.zst!app/app.zip!" + name])
    tar_members = [("app/app.zip", bytes(zip_members(inner)))]
    for i in range(10):
        kid, text = p.creds()
        tar_members.append(("app/t%02d.env" % i, text))
        keys.append([kid, "app.tar.zst!app/t%02d.env" % i])
    with open(os.path.join(outdir, "app.tar.zst"), "wb") as f:
        f.write(zstd_frame(tar_of(tar_members)))
    cases["app.tar.zst"] = {"keys": keys, "warns": [], "rc": 1}

    # Every member longer than its headers say: each is inflated by the walk (with a
    # warning) once the workers gave up on a zip whose readers keep failing.
    members, keys = [], []
    for i in range(300):
        kid, text = p.creds()
        members.append(("l/f%03d.env" % i, filler(rng, 500) + text, zipfile.ZIP_DEFLATED))
        keys.append([kid, "lies.zip!l/f%03d.env" % i])
    b = zip_members(members)
    for name, _, _ in members:
        lho, cde = headers(b, name)
        for at in (lho + 22, cde + 24):
            struct.pack_into("<I", b, at, struct.unpack_from("<I", b, at)[0] - 10)
    with open(os.path.join(outdir, "lies.zip"), "wb") as f:
        f.write(bytes(b))
    cases["lies.zip"] = {"keys": keys, "warns": ["l/f000.env': ZIP uncompressed data is wrong size",
                                                 "more warnings about this archive"], "rc": 1}

    # Cut short (no central directory: read front to back), a damaged central directory,
    # a local header whose signature is gone (the central directory still lists it):
    # whatever is found, -j 1 and -j 4 find the same.
    cd_bad, hdr_bad = bytearray(many), bytearray(many)
    _, cde = headers(cd_bad, "m/f0200.env")
    cd_bad[cde:cde + 4] = b"PK\0\0"
    lho, _ = headers(hdr_bad, "m/f0300.env")
    hdr_bad[lho:lho + 4] = b"XX\3\4"
    for name, data in (("cut.zip", many[:len(many) * 7 // 10]), ("cd.zip", cd_bad),
                       ("hdr.zip", hdr_bad)):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(bytes(data))
        cases[name] = {"keys": [], "warns": [], "partial": True}

    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)


def main(argv):
    if len(argv) == 3 and argv[1] == "gen":
        gen(argv[2])
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
