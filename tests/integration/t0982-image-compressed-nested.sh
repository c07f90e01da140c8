#!/usr/bin/env bash
# Issue 17 item 6: an image tar compressed as a whole (docker save img | gzip, zstd, xz)
# and an image tar inside another archive (a tar, a zip) are read as images (layers,
# digests, history, the same file scanned once, overwritten files), not as plain nested
# tars; a compressed tar that is no image is still scanned as one.
. "$(dirname "$0")/lib.sh"
setup

FIX="$SESAME_SRC/tests/integration/image_fixture.py"
CHECK="$SESAME_SRC/tests/integration/check_image_dups.py"
VALIDATE="$SESAME_SRC/tests/integration/git_fixture.py"

test_expect_success 'docker save | gzip: an image, paths under the .tar.gz' '
    "$PYTHON" "$FIX" dups img.tar &&
    gzip -9 -n -c img.tar >img.tar.gz &&
    run_cmd sesame scan img.tar.gz -f json
    expect_rc 1 &&
    "$PYTHON" "$VALIDATE" validate out &&
    "$PYTHON" "$CHECK" out img.tar.info.json --prefix img.tar.gz
'

test_expect_success 'zstd and xz: the same' '
    "$PYTHON" - <<PY &&
import lzma, sys
sys.path.insert(0, "$SESAME_SRC/tests/integration")
import archive_loss
raw = open("img.tar", "rb").read()
open("img.tar.zst", "wb").write(archive_loss.zstd_frame(raw))
open("img.tar.xz", "wb").write(lzma.compress(raw))
PY
    run_cmd sesame scan img.tar.zst -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out img.tar.info.json --prefix img.tar.zst &&
    run_cmd sesame scan img.tar.xz -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out img.tar.info.json --prefix img.tar.xz
'

test_expect_success 'an OCI layout tar with gzip layers, gzipped as a whole' '
    "$PYTHON" "$FIX" dups-oci oci.tar &&
    gzip -n -c oci.tar >oci.tgz &&
    run_cmd sesame scan oci.tgz -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out oci.tar.info.json --prefix oci.tgz
'

test_expect_success 'an image tar inside a tar, and a gzipped one inside a zip' '
    mkdir -p in/dir && cp img.tar in/dir/ && tar -C in -cf outer.tar dir &&
    run_cmd sesame scan outer.tar -f json
    expect_rc 1 &&
    "$PYTHON" "$VALIDATE" validate out &&
    "$PYTHON" "$CHECK" out img.tar.info.json --prefix outer.tar!dir/img.tar &&
    (cd in && zip -q ../outer.zip ../img.tar.gz -j) &&
    run_cmd sesame scan outer.zip -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out img.tar.info.json --prefix outer.zip!img.tar.gz &&
    expect_no_grep "warning" err
'

test_expect_success 'an image inside a directory scan, gzipped: by layers too' '
    mkdir -p tree && cp img.tar.gz tree/ &&
    run_cmd sesame scan tree -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out img.tar.info.json --prefix tree/img.tar.gz
'

test_expect_success 'a .tar.gz that is no image is scanned as a plain tar' '
    mkdir -p src/app && "$PYTHON" -c "
import sys; sys.path.insert(0, \"$SESAME_SRC/tests/support\"); import fakekeys
k = fakekeys.Keys(\"t0982\"); print(\"AWS_ACCESS_KEY_ID=\" + k.key_id())" >src/app/a.env &&
    tar -C src -czf plain.tar.gz app &&
    run_cmd sesame scan plain.tar.gz -f json
    expect_rc 1 &&
    expect_grep "\"path\": \"plain.tar.gz!app/a.env\"" out &&
    expect_no_grep "\"images\"" out
'

test_done
