#!/usr/bin/env bash
# bench_image.sh - container images read by layers (source/src_image.h) against the same
# bytes read as a plain tar of tars: what the image logic (the tar's table, the whiteout
# listing of each layer, the manifests) costs or saves.
#
#   benches/bench_image.sh [--files N] [--runs N] [DIR]
#
# DIR (default benches/out/image, gitignored) gets image.tar (a docker save tarball: one
# layer of N text files, default 2000 x ~20 KB, a config and manifest.json) and plain.tar
# (the same members, manifest.json renamed: scanned as nested tars). Each is scanned with
# `sesame scan -q FILE`, alternately A/B, --runs times (default 7); the medians and their
# ratio are printed. SESAME_BIN (default build/sesame).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
FILES=2000
RUNS=7
DIR=""
while [ $# -gt 0 ]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) DIR=$1; shift ;;
  esac
done
DIR=${DIR:-$ROOT/benches/out/image}
BIN=${SESAME_BIN:-$ROOT/build/sesame}
mkdir -p "$DIR"
python3 - "$DIR" "$FILES" <<'PY'
import hashlib, io, json, random, sys, tarfile
d, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 9)))
         for _ in range(2000)]
def tar_bytes(files):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w") as t:
        for name, data in files:
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()
layer = tar_bytes([(f"usr/share/doc/f{i}.txt", "\n".join(" ".join(r.choice(words)
                   for _ in range(12)) for _ in range(250)).encode()) for i in range(n)])
cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
                  "history": [{"created_by": "ADD docs"}]}).encode()
man = json.dumps([{"Config": "c.json", "Layers": ["l/layer.tar"]}]).encode()
open(f"{d}/image.tar", "wb").write(tar_bytes([("l/layer.tar", layer), ("c.json", cfg), ("manifest.json", man)]))
open(f"{d}/plain.tar", "wb").write(tar_bytes([("l/layer.tar", layer), ("c.json", cfg), ("man.json", man)]))
PY
ms() { local s e; s=$(date +%s%N); "$BIN" scan -q "$1" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
a=(); b=()
for _ in $(seq "$RUNS"); do a+=("$(ms "$DIR/image.tar")"); b+=("$(ms "$DIR/plain.tar")"); done
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(med "${a[@]}"); mb=$(med "${b[@]}")
echo "size: $(stat -c %s "$DIR/image.tar") bytes; runs image.tar: ${a[*]} ms; plain.tar: ${b[*]} ms"
echo "median image.tar ${ma} ms, plain.tar ${mb} ms, ratio $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')"
