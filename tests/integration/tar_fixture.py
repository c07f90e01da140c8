#!/usr/bin/env python3
"""
tar_fixture.py - tars for t0986 (a tar member scanned from libarchive's block without a
copy, source/archive/members.c direct(); the pipe's hand-over by bytes, scan_pipe.c):
many small members of every size around libarchive's 256 KiB read block (some lie in
one block, some across two, some are larger than a read step), keys in their first and
last bytes, a few big members with keys across the 8 MiB chunk edges and the read
blocks, pax and GNU long names, GNU and pax sparse members (GNU tar), archives in the
tar (a zip, a tar.gz, a tar: opened, not scanned as bytes), the same as tar.gz and
tar.zst, and damaged ones: cut in a member's data, in the padding after the last
member's data, in a header; a garbage block between members.

    tar_fixture.py gen OUTDIR      write the archives and OUTDIR/manifest.json (the
                                   checker is pipe_fixture.py's: same manifest form)

Keys and secrets come from tests/support/fakekeys.py (seed "t0986"), fixed seed.
"""
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from archive_loss import tar_of, zip_of, zstd_frame  # noqa: E402
from pipe_fixture import Planter, filler  # noqa: E402

MB = 1024 * 1024
BLOCK = 256 * 1024


def small_members(rng, p, prefix, keys):
    """Members of many sizes, keys at their first byte, last byte, or in between."""
    members = []
    sizes = [0, 1, 511, 512, 513, 4000, 20000, BLOCK - 700, BLOCK - 1, BLOCK, BLOCK + 1,
             BLOCK + 5000, 3 * BLOCK]
    sizes += [rng.randrange(100, 40000) for _ in range(330)]
    for i, size in enumerate(sizes):
        kid, text = p.creds()
        where = i % 3
        first, second = text.rstrip(b"\n").split(b"\n")
        if where == 0:   # the key ID is the member's first byte
            body = first[first.index(kid.encode()):] + b"\n" + second + b"\n" + filler(rng, size)
        elif where == 1:  # the key ID ends the member, no line break after it
            body = filler(rng, size) + second + b"\n" + first
        else:
            half = size // 2
            body = filler(rng, half) + text + filler(rng, size - half)
        if i % 23 == 5:
            name = "%s/pax-%s-%03d.env" % (prefix, "p" * 150, i)  # pax long name
        else:
            name = "%s/f%03d.env" % (prefix, i)
        members.append((name, body))
        keys.append([kid, name])
    return members


def big_member(rng, p, name, keys):
    """12 MiB: keys across the first chunk edge (8 MiB, 16 KiB overlap) and across
    read blocks (256 KiB)."""
    big = bytearray(filler(rng, 12 * MB))
    for at in (8 * MB - 60, 8 * MB - 8200, 8 * MB - 16 * 1024 - 30, 3 * BLOCK - 25, 100,
               12 * MB - 120):
        kid, text = p.creds()
        big[at:at + len(text)] = text
        keys.append([kid, name])
    return (name, bytes(big))


def gnu_tar(members, fmt):
    """A tar written by GNU tar (long names in its own way, sparse members)."""
    with tempfile.TemporaryDirectory() as d:
        names = []
        for name, data, holes in members:
            path = os.path.join(d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                for skip, chunk in holes:
                    f.seek(skip, 1)
                    f.write(chunk)
                f.write(data)
                f.truncate()
            names.append(name)
        out = subprocess.run(["tar", "--sparse", "--format=" + fmt, "--mtime=@1700000000",
                              "--owner=0", "--group=0", "-C", d, "-cf", "-"] + names,
                             check=True, stdout=subprocess.PIPE).stdout
    return out


def gen(outdir):
    rng = random.Random(986)
    p = Planter(seed="t0986")
    cases = {}

    def case(name, data, keys, warns=(), partial=False):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        cases[name] = {"keys": [[k, name + "!" + path] for k, path in keys],
                       "warns": list(warns), "rc": 1, "partial": partial}

    # Small members around the block size, two big ones, archives inside.
    keys = []
    members = small_members(rng, p, "s", keys)
    members.insert(40, big_member(rng, p, "big/one.log", keys))
    members.append(big_member(rng, p, "big/two.log", keys))
    inner = {"in/a.zip": [], "in/b.tgz": [], "in/c.tar": []}
    for i in range(18):
        outer = sorted(inner)[i % 3]
        kid, text = p.creds()
        name = "%s%d.env" % ("zgt"[i % 3], i)
        inner[outer].append((name, text if i % 3 < 2 else filler(rng, 90000) + text))
        keys.append([kid, outer + "!" + name])
    inner_zip, inner_tgz, inner_tar = (inner[k] for k in sorted(inner))
    members.insert(100, ("in/a.zip", zip_of(inner_zip)))
    members.insert(200, ("in/b.tgz", gzip.compress(tar_of(inner_tgz), mtime=0)))
    members.insert(300, ("in/c.tar", tar_of(inner_tar)))
    plain = tar_of(members)
    case("all.tar", plain, keys)
    case("all.tar.gz", gzip.compress(plain, mtime=0), keys)
    case("all.tar.zst", zstd_frame(plain), keys)
    gnu_keys = []
    gnu = tar_of(small_members(rng, p, "g" * 120, gnu_keys), fmt=tarfile.GNU_FORMAT)
    case("gnu.tar", gnu, gnu_keys)

    # Sparse members (GNU tar): data after holes, keys after them and at the end.
    sp_keys, sp = [], []
    for i in range(4):
        kid1, t1 = p.creds()
        kid2, t2 = p.creds()
        holes = [(300000 * (i + 1), t1 + filler(rng, 7000)), (BLOCK * 2, t2)]
        sp.append(("sp/s%d.env" % i, b"", holes))
        sp_keys += [[kid1, "sp/s%d.env" % i], [kid2, "sp/s%d.env" % i]]
    for i in range(20):
        kid, text = p.creds()
        sp.append(("sp/n%02d.env" % i, filler(rng, 3000) + text, []))
        sp_keys.append([kid, "sp/n%02d.env" % i])
    case("sparse-gnu.tar", gnu_tar(sp, "gnu"), sp_keys)
    case("sparse-pax.tar", gnu_tar(sp, "pax"), sp_keys)

    # Damaged tars: members before the damage are all found, a warning says so.
    dkeys = []
    dm = []
    for i in range(60):
        kid, text = p.creds()
        dm.append(("d/m%02d.env" % i, filler(rng, rng.randrange(10, 3000)) + text))
        dkeys.append([kid, "d/m%02d.env" % i])
    whole = tar_of(dm)
    ends, at = [], 0
    for name, data in dm:  # where each member's data ends (one 512-byte header each)
        at += 512 + len(data)
        ends.append(at)
        at = (at + 511) // 512 * 512
    # Cut in the padding after member 40's data: its bytes are all there.
    cut = ends[40] + 3 if ends[40] % 512 else ends[40]
    case("cut-padding.tar", whole[:cut], dkeys[:41], ["[Tt]runcated"],
         partial=True)
    case("cut-data.tar", whole[:ends[30] - 40], dkeys[:30],
         ["[Tt]runcated"], partial=True)
    hdr = (ends[20] + 511) // 512 * 512
    case("cut-header.tar", whole[:hdr + 200], dkeys[:21], ["[Tt]runcated"],
         partial=True)
    garbage = whole[:hdr] + bytes(rng.randrange(1, 256) for _ in range(512)) + whole[hdr:]
    case("garbage.tar", garbage, dkeys, ["corrupt or truncated archive"])
    case("cut-padding.tar.gz", gzip.compress(whole[:cut], mtime=0), dkeys[:41],
         ["[Tt]runcated"], partial=True)
    # The same tar in a zip: read into memory (the image check walks it there).
    case("cut-padding.zip", zip_of([("t/cut.tar", whole[:cut])]),
         [[k, "t/cut.tar!" + path] for k, path in dkeys[:41]], ["[Tt]runcated"], partial=True)

    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "gen":
        sys.exit(__doc__)
    gen(sys.argv[2])
