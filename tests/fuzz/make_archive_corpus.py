#!/usr/bin/env python3
"""Regenerate the seed corpus of the fuzz_archive target.

    tests/fuzz/make_archive_corpus.py           rewrite corpus/fuzz_archive/
    tests/fuzz/make_archive_corpus.py --check   regenerate in memory and fail if the committed
                                                files differ or hold anything key-shaped

Seeds are small (a few KB at most) and deterministic (fixed times, no randomness): every
format src_archive reads (zip and its variants, tar in three dialects, tar.gz/bz2/xz,
single-file gzip/bzip2/xz/zstd/lz4/lzip, 7z), nesting, odd member names, entries that
are not regular files, a member flagged as encrypted, small bombs (a few MB of zeros in a
few KB, to reach the ratio limit), truncated copies, and (issue 11) what lies around an
archive: data after its end, empty archives, self-running zips, concatenations, damage.
Built with the standard library only: zstd, lz4, lzip and 7z containers are written by
hand here in their simplest form (raw blocks, copy coder). Member texts are one character short of a key, like the
seeds of make_corpus.py, whose key-shape checker is applied to every member text. The
containers themselves are checked for key IDs and for secret-shaped runs (40+ base64
characters mixing upper case, lower case and digits, as random as a secret); the
low-entropy runs of header fields are expected there (tar's octal fields read as one run
once the NULs between them are dropped).
"""
import bz2
import gzip
import io
import lzma
import math
import os
import struct
import sys
import tarfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_corpus import B64_RUN, KEY_ID, _views, check_key_shapes  # noqa: E402

TARGET = "fuzz_archive"
CORPUS = os.path.join(HERE, "corpus", TARGET)
MTIME = 1700000000
DATE = (2023, 11, 14, 22, 13, 20)

# Fake, one short of a match (see make_corpus.py): mutations make real matches.
ENV = (b"# service settings\n"
       b"aws_access_key_id = AKIAFAKEID234567XYZ\n"
       b"aws_secret_access_key = FakeSecretNotReal/0123456789+abcdefghij\n"
       b"region = eu-west-1\n")
PROPS = b"db.user=app\ndb.password=not-a-secret\naws.accessKeyId=ASIAFAKEID234567XYZ\n"


# ---------------------------------------------------------------- containers

def zip_bytes(members, compression=zipfile.ZIP_DEFLATED, comment=b"", zip64=False):
    """members: [(name, data)]; a name ending in '/' is a directory."""
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = compression if not name.endswith("/") else zipfile.ZIP_STORED
            info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            with z.open(info, "w", force_zip64=zip64) as fp:
                fp.write(data)
        z.comment = comment
    return bio.getvalue()


def tar_bytes(members, fmt=tarfile.PAX_FORMAT, mode="w"):
    """members: [(name, data)] or [(name, data, type, linkname)]."""
    bio = io.BytesIO()
    end = 0
    with tarfile.open(fileobj=bio, mode=mode, format=fmt) as t:
        for m in members:
            name, data = m[0], m[1]
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            info.uname = info.gname = "build"
            if len(m) > 2:
                info.type = m[2]
                info.linkname = m[3]
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        end = t.offset
    # Keep the two end-of-archive blocks, not tarfile's padding to 10 KB records.
    return bio.getvalue()[:end] + b"\0" * 1024


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zstd_raw(data):
    """A zstd frame of one raw (stored) block, single segment, 1-byte content size."""
    assert len(data) < 256
    block = 1 | (0 << 1) | (len(data) << 3)  # last block, raw
    return (b"\x28\xb5\x2f\xfd" + bytes([0x20, len(data)]) +
            struct.pack("<I", block)[:3] + data)


def zstd_frame(data):
    """A zstd frame of raw (stored) blocks of up to 64 KiB, 128 KiB window."""
    out = b"\x28\xb5\x2f\xfd" + bytes([0x00, 0x38])
    blocks = [data[i:i + 65536] for i in range(0, len(data), 65536)] or [b""]
    for k, b in enumerate(blocks):
        out += struct.pack("<I", (1 if k == len(blocks) - 1 else 0) | (len(b) << 3))[:3] + b
    return out


def gz_fcomment(data, comment):
    """A gzip member with a comment in its header (FCOMMENT)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return (b"\x1f\x8b\x08\x10\0\0\0\0\x00\xff" + comment + b"\0" + body +
            struct.pack("<II", zlib.crc32(data), len(data)))


def zip_shift(z, by):
    """Every offset a zip records moved by `by` (zip -A after a prepended stub)."""
    b = bytearray(z)
    eocd = b.rfind(b"PK\5\6")
    cd = struct.unpack_from("<I", b, eocd + 16)[0]
    struct.pack_into("<I", b, eocd + 16, cd + by)
    i = b.find(b"PK\1\2", cd)
    while 0 <= i < eocd:
        struct.pack_into("<I", b, i + 42, struct.unpack_from("<I", b, i + 42)[0] + by)
        n, m, k = struct.unpack_from("<HHH", b, i + 28)
        i += 46 + n + m + k
    return bytes(b)


def xxh32(data, seed=0):
    p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    m = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m

    i, n = 0, len(data)
    if n >= 16:
        v = [(seed + p1 + p2) & m, (seed + p2) & m, seed & m, (seed - p1) & m]
        while i + 16 <= n:
            for k in range(4):
                lane = struct.unpack_from("<I", data, i + 4 * k)[0]
                v[k] = (rotl((v[k] + lane * p2) & m, 13) * p1) & m
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & m
    else:
        h = (seed + p5) & m
    h = (h + n) & m
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * p3) & m, 17) * p4) & m
        i += 4
    while i < n:
        h = (rotl((h + data[i] * p5) & m, 11) * p1) & m
        i += 1
    h ^= h >> 15
    h = (h * p2) & m
    h ^= h >> 13
    h = (h * p3) & m
    h ^= h >> 16
    return h


def lz4_frame(data):
    """An LZ4 frame of one uncompressed block."""
    desc = bytes([0x60, 0x40])  # version 1, independent blocks; 64 KB blocks
    hc = (xxh32(desc) >> 8) & 0xFF
    return (b"\x04\x22\x4d\x18" + desc + bytes([hc]) +
            struct.pack("<I", 0x80000000 | len(data)) + data + b"\0\0\0\0")


def lzip(data):
    """An lzip member: LZMA1 (lc=3 lp=0 pb=2) with an end marker, CRC, sizes."""
    body = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[
        {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}])
    member = b"LZIP\x01" + bytes([16]) + body  # dict size 2^16
    trailer = struct.pack("<IQQ", zlib.crc32(data), len(data), len(member) + 20)
    return member + trailer


def _7z_number(n):
    """7z's variable-length number."""
    if n < 0x80:
        return bytes([n])
    for extra in range(1, 9):
        if n < (1 << (7 * (extra + 1))) or extra == 8:
            break
    first_bits = n >> (8 * extra)
    mask = (0xFF << (8 - extra)) & 0xFF
    if extra < 8:
        assert first_bits < (1 << (7 - extra))
        first = mask | first_bits
    else:
        first = 0xFF
    return bytes([first]) + (n & ((1 << (8 * extra)) - 1)).to_bytes(extra, "little")


def sevenz(name, data):
    """A 7z archive of one file, copy coder, plain header."""
    num = _7z_number
    header = (b"\x01"                       # kHeader
              b"\x04"                       # kMainStreamsInfo
              b"\x06" + num(0) + num(1) +   # kPackInfo: pos 0, 1 stream
              b"\x09" + num(len(data)) + b"\x00"
              b"\x07\x0b" + num(1) + b"\x00" +  # kUnPackInfo, kFolder, 1 folder, inline
              num(1) + b"\x01\x00" +        # 1 coder: id size 1, id 00 (copy)
              b"\x0c" + num(len(data)) + b"\x00"  # kCodersUnPackSize, kEnd
              b"\x08\x00"                   # kSubStreamsInfo: one stream per folder
              b"\x00"                       # kEnd (streams info)
              b"\x05" + num(1))             # kFilesInfo, 1 file
    fname = name.encode("utf-16-le") + b"\0\0"
    header += b"\x11" + num(len(fname) + 1) + b"\x00" + fname + b"\x00\x00"  # kName, kEnd, kEnd
    start = struct.pack("<QQI", len(data), len(header), zlib.crc32(header))
    return (b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start +
            data + header)


def mark_zip_encrypted(z):
    """Set the 'encrypted' flag on every local and central header (data stays plain)."""
    b = bytearray(z)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = b.find(sig)
        while i >= 0:
            b[i + off] |= 1
            i = b.find(sig, i + 4)
    return bytes(b)


# ---------------------------------------------------------------- seeds

def seeds():
    s = {}
    app = [("conf/", b""), ("conf/app.env", ENV), ("WEB-INF/classes/application.properties", PROPS)]
    s["zip-deflate"] = zip_bytes(app)
    s["zip-stored"] = zip_bytes(app, zipfile.ZIP_STORED)
    s["zip-bzip2"] = zip_bytes(app[1:2], zipfile.ZIP_BZIP2)
    s["zip-lzma"] = zip_bytes(app[1:2], zipfile.ZIP_LZMA)
    s["zip-zip64"] = zip_bytes(app[1:2], zip64=True)
    s["zip-comment"] = zip_bytes(app[1:2], comment=b"built by make_archive_corpus.py")
    s["zip-empty"] = zip_bytes([])
    s["zip-encrypted-flag"] = mark_zip_encrypted(zip_bytes(app[1:2], zipfile.ZIP_STORED))
    s["zip-jar"] = zip_bytes([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                              ("com/example/App.class", b"\xca\xfe\xba\xbe\0\0\0\x34" + PROPS)])
    s["zip-docx"] = zip_bytes([("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types/>"),
                               ("word/document.xml", b"<w:t>" + ENV + b"</w:t>")])
    s["zip-odd-names"] = zip_bytes([("/etc/abs.env", ENV), ("../../up.env", PROPS),
                                    ("a/./b/../c\x1b[0m.env", ENV), ("x." * 150, b"long")],
                                   zipfile.ZIP_STORED)
    s["zip-many"] = zip_bytes([(f"d/{i:03d}", b"") for i in range(40)], zipfile.ZIP_STORED)
    s["zip-bomb-zeros"] = zip_bytes([("zeros.bin", bytes(3 << 20))], zipfile.ZIP_DEFLATED)

    tar_m = [("conf/", b"", tarfile.DIRTYPE, ""), ("conf/app.env", ENV),
             ("conf/link", b"", tarfile.SYMTYPE, "app.env"),
             ("conf/hard", b"", tarfile.LNKTYPE, "conf/app.env"),
             ("conf/fifo", b"", tarfile.FIFOTYPE, "")]
    s["tar-pax"] = tar_bytes(tar_m)
    s["tar-ustar"] = tar_bytes(tar_m, tarfile.USTAR_FORMAT)
    s["tar-gnu"] = tar_bytes(tar_m, tarfile.GNU_FORMAT)
    s["tar-gnu-longname"] = tar_bytes([("n/" * 80 + "deep.env", ENV)], tarfile.GNU_FORMAT)
    s["tar-pax-longname"] = tar_bytes([("p/" * 80 + "deep.env", ENV)])
    s["tar-gz"] = gz(tar_bytes(tar_m[:2]))
    s["tar-bz2"] = bz2.compress(tar_bytes(tar_m[:2]), 9)
    s["tar-xz"] = lzma.compress(tar_bytes(tar_m[:2]), preset=0)
    s["tar-gz-bomb-zeros"] = gz(tar_bytes([("zeros.bin", bytes(3 << 20))]))

    s["gz-single"] = gz(ENV)
    s["gz-two-members"] = gz(ENV) + gz(PROPS)
    s["bz2-single"] = bz2.compress(ENV, 9)
    s["xz-single"] = lzma.compress(ENV, preset=0)
    s["zst-single"] = zstd_raw(ENV)
    s["lz4-single"] = lz4_frame(ENV)
    s["lz-single"] = lzip(ENV)
    s["7z-copy"] = sevenz("conf/app.env", ENV)

    # Nesting: zip in tar in zip, a .gz inside a zip, and a chain deeper than the limit.
    inner = zip_bytes([("c.env", ENV)])
    s["nest-zip-tar-zip"] = zip_bytes([("b.tar", tar_bytes([("inner.zip", inner), ("p", PROPS)]))])
    s["nest-gz-in-zip"] = zip_bytes([("logs/app.log.gz", gz(PROPS))], zipfile.ZIP_STORED)
    chain = ENV
    for level in range(6):
        chain = zip_bytes([(f"l{level}.zip" if level else "k.env", chain)], zipfile.ZIP_STORED)
    s["nest-chain-6"] = chain
    s["nest-tgz-in-tgz"] = gz(tar_bytes([("inner.tgz", s["tar-gz"])]))

    # Regression: a cpio header whose name size says 4 GB (libarchive allocated it; cpio is
    # no longer enabled, so this must read as one plain member of a gzip stream).
    fields = [1, 0o100644, 0, 0, 1, MTIME, len(ENV), 0, 0, 0, 0, 0xEEEEEEEE, 0]
    s["regress-cpio-namesize-gz"] = gz(b"070701" + b"".join(b"%08X" % f for f in fields) + ENV)

    # Issue 11: whatever lies around an archive or compressed stream is scanned too:
    # data after the end, empty archives, zips found by their end record, damage.
    zeros = b"\0" * 512 + ENV
    s["gz-zeros512"] = gz(zeros)
    s["xz-zeros512"] = lzma.compress(zeros, preset=0)
    s["bz2-zeros512"] = bz2.compress(zeros, 9)
    s["zst-zeros512"] = zstd_frame(zeros)
    s["lz4-zeros512"] = lz4_frame(zeros)
    s["zip-eocd-then-text"] = b"PK\5\6" + b"\0" * 18 + ENV
    s["tar-then-text"] = tar_bytes(tar_m[:2]) + PROPS
    s["tar-then-tar"] = tar_bytes(tar_m[:2]) + tar_bytes([("second.env", ENV)])
    s["tgz-then-text"] = gz(tar_bytes(tar_m[:2]) + PROPS)
    s["tgz-tar-then-tar"] = gz(tar_bytes(tar_m[:2]) + tar_bytes([("second.env", ENV)]))
    s["tar-then-zip"] = tar_bytes(tar_m[:2]) + zip_bytes(app[1:2])
    s["zip-then-text"] = zip_bytes(app[1:2]) + PROPS
    s["zip-then-zip"] = zip_bytes(app[1:2]) + zip_bytes([("second.env", PROPS)])
    s["gz-then-text"] = gz(PROPS) + ENV
    s["xz-then-text"] = lzma.compress(PROPS, preset=0) + ENV
    s["bz2-then-text"] = bz2.compress(PROPS, 9) + ENV
    s["zst-then-text"] = zstd_frame(PROPS) + ENV
    s["lz4-then-text"] = lz4_frame(PROPS) + ENV
    s["7z-then-text"] = sevenz("conf/app.env", PROPS) + ENV
    stub = b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n"
    s["zip-sfx"] = stub + zip_bytes(app[1:2])
    s["zip-sfx-adjusted"] = stub + zip_shift(zip_bytes(app[1:2]), len(stub))
    bad = bytearray(zip_bytes(app[1:2]))
    bad[14] ^= 0x5A
    bad[bad.find(b"PK\1\2") + 16] ^= 0x5A
    s["zip-bad-crc"] = bytes(bad)
    s["gz-fcomment"] = gz_fcomment(PROPS, ENV)
    damaged = tar_bytes([("a.env", ENV)])
    s["tar-damaged-block"] = (damaged[:1024] + ENV.ljust(512, b"#") +
                              tar_bytes([("b.env", PROPS)]))
    s["tar-in-gz-bad-first"] = gz(b"x" * 512 + tar_bytes([("c.env", ENV)]))
    s["nest-sfx-in-tar"] = tar_bytes([("bin/app.jar", s["zip-sfx"])])
    s["nest-gz-zeros-in-zip"] = zip_bytes([("logs/a.gz", s["gz-zeros512"])], zipfile.ZIP_STORED)

    # Truncated copies: half of each of a few.
    for name in ("zip-deflate", "tar-gz", "tar-xz", "7z-copy", "nest-zip-tar-zip",
                 "gz-single", "zip-sfx", "zst-then-text"):
        s[f"{name}-truncated"] = s[name][: len(s[name]) // 2]
    return s


def _entropy(run):
    counts = {c: run.count(c) for c in set(run)}
    return -sum(k / len(run) * math.log2(k / len(run)) for k in counts.values())


def check_container(name, data):
    """Exit if a seed or one of its decodings holds a key ID or a secret-shaped run."""
    for view in _views(data):
        m = KEY_ID.search(view)
        if m:
            raise SystemExit(f"make_archive_corpus: {name}: an access key ID: {m.group(0)!r}")
        for m in B64_RUN.finditer(view):
            run = m.group(0)
            if (any(c in run for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ") and
                    any(c in run for c in b"abcdefghijklmnopqrstuvwxyz") and
                    any(c in run for c in b"0123456789") and _entropy(run) >= 4.0):
                raise SystemExit(f"make_archive_corpus: {name}: a secret-shaped run: {run[:60]!r}")


def outputs():
    out = {}
    for text in (ENV, PROPS):
        check_key_shapes("member text", text)
    for name, data in seeds().items():
        check_container(f"{TARGET}/{name}", data)
        out[name] = data
    return out


def main(argv):
    files = outputs()
    if argv[1:] == ["--check"]:
        have = set(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else set()
        bad = [f"{n}: not generated" for n in sorted(have - set(files))]
        for n, data in sorted(files.items()):
            path = os.path.join(CORPUS, n)
            if not os.path.exists(path) or open(path, "rb").read() != data:
                bad.append(f"{n}: differs from make_archive_corpus.py output")
        for b in bad:
            print(f"make_archive_corpus: corpus/{TARGET}/{b}", file=sys.stderr)
        return 1 if bad else 0
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(CORPUS, exist_ok=True)
    for n in os.listdir(CORPUS):
        os.unlink(os.path.join(CORPUS, n))
    for n, data in sorted(files.items()):
        with open(os.path.join(CORPUS, n), "wb") as fp:
            fp.write(data)
    print(f"make_archive_corpus: wrote {len(files)} files, {sum(map(len, files.values()))} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
