#!/usr/bin/env bash
# Regenerate the seeds of fuzz_gitpack: small packs written by git itself, in the
# target's layout [2-byte big-endian index length][.idx][.pack].
#   ofs-deltas: a few versions of two files, deltas by offset (what git repack writes)
#   ref-deltas: the same objects, deltas by base id (git pack-objects without
#               --delta-base-offset, as in packs sent over the wire)
#   whole:      objects stored whole (--depth=0), no delta at all
#   cycle:      a blob and two REF_DELTAs based on each other (git cannot write it:
#               built byte by byte, as test_gitpack.c's mini_cycle)
#   cycle-unlisted: a blob, and an OFS_DELTA on an entry the index does not list, a
#               REF_DELTA on it (issue 11, test_gitpack.c's cycle_behind_an_unlisted_entry)
# Not regenerated here: issue11-ofs-base-unlisted, the input libFuzzer found (an
# OFS_DELTA based on an unlisted whole object).
# Nothing in them is key-shaped. Usage: tests/fuzz/make_gitpack_corpus.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus/fuzz_gitpack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git init -q "$tmp/r"
{
  for i in 1 2 3 4 5; do
    printf 'commit refs/heads/main\ncommitter t <t@t> %d +0000\ndata 2\nc%d\n' $((1577836800 + i)) "$i"
    a=$(seq 1 30 | sed "s/^/line /; ${i}s/\$/ v$i/")
    printf 'M 100644 inline a.txt\ndata %d\n%s\n' $((${#a} + 1)) "$a"
    printf 'M 100644 inline b.txt\ndata 12\nversion %03d\n' "$i"
  done
} | git -C "$tmp/r" fast-import --quiet
seed() { # name, pack-objects flags...
  local name=$1; shift
  git -C "$tmp/r" rev-list --objects --all | cut -d' ' -f1 |
    git -C "$tmp/r" pack-objects -q "$@" "$tmp/$name" >/dev/null
  local idx=("$tmp/$name"-*.idx) pack=("$tmp/$name"-*.pack)
  local n; n=$(stat -c %s "${idx[0]}")
  { printf "\\x$(printf %02x $((n >> 8)))\\x$(printf %02x $((n & 255)))"; cat "${idx[0]}" "${pack[0]}"; } >"$out/$name"
}
seed ofs-deltas --delta-base-offset --window=10 --depth=10
seed ref-deltas --window=10 --depth=10
seed whole --depth=0
python3 - "$out/cycle" <<'EOF'
import struct, sys, zlib
ids = [bytes([0x11 * (i + 1)]) * 20 for i in range(3)]
pack = b"PACK" + struct.pack(">II", 2, 3)
offs = [len(pack)]
pack += bytes([0x35]) + zlib.compress(b"hello")
for k in (1, 2):
    offs.append(len(pack))
    pack += bytes([0x75]) + ids[2 if k == 1 else 1] + zlib.compress(bytes([5, 5, 0x91, 0, 5]))
pack += b"\xab" * 20
fanout = [sum(1 for i in ids if i[0] <= b) for b in range(256)]
idx = b"\xfftOc" + struct.pack(">I", 2) + struct.pack(">256I", *fanout) + b"".join(ids)
idx += b"\0" * 12 + b"".join(struct.pack(">I", o) for o in offs) + b"\xab" * 40
open(sys.argv[1], "wb").write(struct.pack(">H", len(idx)) + idx + pack)
EOF
python3 - "$out/cycle-unlisted" <<'EOF'
import struct, sys, zlib
ids = [bytes([0x10]) + struct.pack(">I", i + 1) + bytes(15) for i in range(2)]
pack = b"PACK" + struct.pack(">II", 2, 2)
offs = [len(pack)]
pack += bytes([0x35]) + zlib.compress(b"hello")
delta = zlib.compress(bytes([5, 5, 0x91, 0, 5]))
u = len(pack)
pack += bytes([0x75]) + ids[1] + delta          # U: REF_DELTA on B, not in the index
offs.append(len(pack))
rel = offs[1] - u
assert rel < 128
pack += bytes([0x65, rel]) + delta               # B: OFS_DELTA on U
pack += b"\xab" * 20
fanout = [sum(1 for i in ids if i[0] <= b) for b in range(256)]
idx = b"\xfftOc" + struct.pack(">I", 2) + struct.pack(">256I", *fanout) + b"".join(ids)
idx += b"\0" * 8 + b"".join(struct.pack(">I", o) for o in offs) + b"\xab" * 40
open(sys.argv[1], "wb").write(struct.pack(">H", len(idx)) + idx + pack)
EOF
ls -l "$out"
