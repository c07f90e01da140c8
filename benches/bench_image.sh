#!/usr/bin/env bash
# bench_image.sh - container images read by layers (source/src_image.h) against the same
# bytes read as a plain tar of tars: what the image logic (the tar's table, the whiteout
# listing of each layer, the manifests) costs or saves.
#
#   benches/bench_image.sh [--files N] [--runs N] [DIR]
#   benches/bench_image.sh --before OLD_BIN [--same LAYERS [--mb MB] [--file F] | --split LAYERS]
#                          [--gzip] [--runs N] [DIR]
#
# DIR (default benches/out/image, gitignored) gets image.tar (a docker save tarball: one
# layer of N text files, default 2000 x ~20 KB, a config and manifest.json) and plain.tar
# (the same members, manifest.json renamed: scanned as nested tars). Each is scanned with
# `sesame scan -q FILE`, alternately A/B, --runs times (default 7); the medians and their
# ratio are printed. SESAME_BIN (default build/sesame).
#
# --before OLD_BIN: the same image scanned by OLD_BIN and SESAME_BIN in alternating pairs
# (old, new, old, new, ...; --runs pairs), whole-process wall and CPU (user+sys) times,
# the new/old ratio of each pair and their median. With --same LAYERS the image is
# same.tar instead: LAYERS layers each holding the same text file of MB MB (default 20;
# a base image's file added again by every later layer, e.g. after a chmod) and one small
# file of its own: what scanning a content once saves. --file F: the repeated file is F's
# first MB MB instead (a binary, say) of generated text. --split LAYERS: split.tar, the
# files of image.tar spread over LAYERS layers (nothing repeated, many sizes shared across
# layers): what looking for repeated files costs when there are none. --gzip: the layers
# of same.tar or split.tar are gzip-compressed (level 6), as registries and OCI layouts
# hold them.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
FILES=2000
RUNS=7
DIR=""
BEFORE=""
SAME=0
MB=20
FILE=""
SPLIT=0
GZ=0
while [ $# -gt 0 ]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --before) BEFORE=$2; shift 2 ;;
    --same) SAME=$2; shift 2 ;;
    --mb) MB=$2; shift 2 ;;
    --file) FILE=$2; shift 2 ;;
    --split) SPLIT=$2; shift 2 ;;
    --gzip) GZ=1; shift ;;
    *) DIR=$1; shift ;;
  esac
done
DIR=${DIR:-$ROOT/benches/out/image}
BIN=${SESAME_BIN:-$ROOT/build/sesame}
mkdir -p "$DIR"
python3 - "$DIR" "$FILES" "$SAME" "$MB" "$FILE" "$SPLIT" "$GZ" <<'PY'
import gzip, hashlib, io, json, random, sys, tarfile
d, n, same, mb, src, split = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
gz = sys.argv[7] == "1"
r = random.Random(1)
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 9)))
         for _ in range(2000)]
def tar_bytes(files):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w") as t:
        for name, data in files:
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()
def image(layers, cmds, names, manifest="manifest.json"):
    diff = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
    cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff},
                      "history": [{"created_by": c} for c in cmds]}).encode()
    man = json.dumps([{"Config": "c.json", "Layers": names}]).encode()
    if gz and len(layers) > 1:
        layers = [gzip.compress(l, 6, mtime=0) for l in layers]
    return tar_bytes(list(zip(names, layers)) + [("c.json", cfg), (manifest, man)])
docs = [(f"usr/share/doc/f{i}.txt", "\n".join(" ".join(r.choice(words)
         for _ in range(12)) for _ in range(250)).encode()) for i in range(n)]
layer = tar_bytes(docs)
if split:
    ls = [tar_bytes(docs[k::split]) for k in range(split)]
    open(f"{d}/split.tar", "wb").write(image(ls, [f"ADD part {k}" for k in range(split)],
                                             [f"l{k}/layer.tar" for k in range(split)]))
open(f"{d}/image.tar", "wb").write(image([layer], ["ADD docs"], ["l/layer.tar"]))
open(f"{d}/plain.tar", "wb").write(image([layer], ["ADD docs"], ["l/layer.tar"], "man.json"))
if same:
    chunk = "".join(" ".join(r.choice(words) for _ in range(12)) + "\n" for _ in range(20000)).encode()
    big = (chunk * (mb * 1024 * 1024 // len(chunk) + 1))[:mb * 1024 * 1024]
    if src:
        big = open(src, "rb").read(mb * 1024 * 1024)
    ls = [tar_bytes([("usr/share/big.txt", big), (f"etc/layer-{k}", f"layer {k}\n".encode())])
          for k in range(same)]
    open(f"{d}/same.tar", "wb").write(image(ls, [f"RUN step {k}" for k in range(same)],
                                            [f"l{k}/layer.tar" for k in range(same)]))
PY
if [ -n "$BEFORE" ]; then
  IMG=$DIR/image.tar
  [ "$SAME" -gt 0 ] && IMG=$DIR/same.tar
  [ "$SPLIT" -gt 0 ] && IMG=$DIR/split.tar
  one() { /usr/bin/time -f "%e %U %S" "$1" scan -q --no-config --exit-zero "$IMG" 2>&1 >/dev/null | tail -1; }
  one "$BEFORE" >/dev/null; one "$BIN" >/dev/null # warm the page cache and the rules caches
  echo "image: $IMG ($(stat -c %s "$IMG") bytes), $RUNS alternating pairs (old, new)"
  for i in $(seq "$RUNS"); do echo "old $(one "$BEFORE")"; echo "new $(one "$BIN")"; done |
  python3 -c '
import statistics, sys
o, n = [], []
for l in sys.stdin:
    w, wall, u, s = l.split(); (o if w == "old" else n).append((float(wall), float(u) + float(s)))
for k, what in ((0, "wall"), (1, "cpu")):
    r = [b[k] / a[k] for a, b in zip(o, n) if a[k] > 0]
    print("%-4s old median %.2f s, new median %.2f s; new/old per pair %s; median ratio %.3f [%.3f-%.3f]" % (
        what, statistics.median(a[k] for a in o), statistics.median(b[k] for b in n),
        " ".join("%.2f" % x for x in r), statistics.median(r), min(r), max(r)))'
  exit 0
fi
ms() { local s e; s=$(date +%s%N); "$BIN" scan -q "$1" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
a=(); b=()
for _ in $(seq "$RUNS"); do a+=("$(ms "$DIR/image.tar")"); b+=("$(ms "$DIR/plain.tar")"); done
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(med "${a[@]}"); mb=$(med "${b[@]}")
echo "size: $(stat -c %s "$DIR/image.tar") bytes; runs image.tar: ${a[*]} ms; plain.tar: ${b[*]} ms"
echo "median image.tar ${ma} ms, plain.tar ${mb} ms, ratio $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')"
