#!/usr/bin/env bash
# Issue 17 item 6: container images. Images built by hand (image_fixture.py: tar + JSON,
# no Docker) in the docker save form, as an OCI layout directory and as a tar of one
# (gzip layers): files are reported as IMAGE!LAYER-DIGEST!path with the layer's history
# command, a file a later layer's whiteout (plain or opaque) removed is still reported
# with the layer that removed it, a layer blob listed twice is scanned once, the config's
# Env is scanned, and a malformed manifest is a one-line warning naming it (the tar is
# then scanned as a plain tar: nothing lost; exit 7 with findings, 3 without).
. "$(dirname "$0")/lib.sh"
setup

FIX="$SESAME_SRC/tests/integration/image_fixture.py"
CHECK="$SESAME_SRC/tests/integration/check_image.py"
VALIDATE="$SESAME_SRC/tests/integration/git_fixture.py"

test_expect_success 'docker save: layers, whiteouts, Env, two images sharing layers' '
    "$PYTHON" "$FIX" docker img.tar &&
    run_cmd sesame scan img.tar -f json
    expect_rc 1 &&
    "$PYTHON" "$VALIDATE" validate out &&
    "$PYTHON" "$CHECK" out img.tar.info.json --dup 2 &&
    expect_no_grep "warning" err
'

test_expect_success 'a large docker save tarball (mapped, not read whole): the same' '
    mkdir -p big && "$PYTHON" "$FIX" docker-big big/img.tar &&
    test "$(stat -c %s big/img.tar)" -gt 300000 &&
    rc=0 && (cd big && sesame scan img.tar -f json >../out 2>../err) || rc=$?
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out big/img.tar.info.json --dup 2 --prefix img.tar
'

test_expect_success 'text report: layer command and the removing layer' '
    run_cmd sesame scan img.tar
    expect_rc 1 &&
    expect_grep "img.tar!sha256:[0-9a-f]*!app/deleted.env:1:19 .* removed in layer sha256:[0-9a-f]\{12\} · layer: /bin/sh -c #(nop) ADD file:base in /" out &&
    expect_grep "!app/top.env:1:19 (access_key_id, rule aws.access_key_id) · layer: COPY top.env /app/top.env # buildkit$" out
'

test_expect_success 'SARIF: the layer command and the removing layer per location' '
    run_cmd sesame scan img.tar -f sarif
    expect_rc 1 &&
    "$PYTHON" - <<PY
import json
info = json.load(open("img.tar.info.json"))
locs = [l for r in json.load(open("out"))["runs"][0]["results"] for l in r["locations"]]
rm = [l for l in locs if "removedInLayer" in l["properties"]]
assert len(rm) == 4 and all(l["properties"]["removedInLayer"] == info["layers"][1] for l in rm), rm
assert all(l["properties"]["layerCommand"] == info["cmds"][0] for l in rm), rm
assert all("removed from the image by layer" in l["message"]["text"] for l in rm), rm
top = [l for l in locs if l["properties"].get("layerCommand") == info["cmds"][2]]
assert len(top) == 2, locs
PY
'

test_expect_success 'OCI layout directory: gzip layers, a manifest listed twice' '
    "$PYTHON" "$FIX" oci layout &&
    run_cmd sesame scan layout -f json
    expect_rc 1 &&
    "$PYTHON" "$VALIDATE" validate out &&
    "$PYTHON" "$CHECK" out layout.info.json --dup 3
'

test_expect_success 'the same layout as a tar' '
    "$PYTHON" "$FIX" oci-tar layout.tar &&
    run_cmd sesame scan layout.tar -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out layout.tar.info.json --dup 3
'

test_expect_success 'an image inside a directory scan is read by layers too' '
    mkdir -p tree && cp img.tar tree/ &&
    run_cmd sesame scan tree -f json
    expect_rc 1 &&
    "$PYTHON" "$CHECK" out img.tar.info.json --dup 2 --prefix tree/img.tar
'

test_expect_success 'malformed manifest: one line naming it, scanned as a plain tar, exit 7' '
    "$PYTHON" "$FIX" bad bad.tar &&
    run_cmd sesame scan bad.tar -f json
    expect_rc 7 &&
    expect_eq "$(grep -c "bad.tar!manifest.json.: not a valid image manifest" err)" 1 &&
    "$PYTHON" - <<PY
import json
d = json.load(open("out"))
paths = {l["path"] for f in d["findings"] for l in f["locations"]}
assert any(p.endswith("/layer.tar!app/top.env") for p in paths), paths
assert any(p.endswith("/layer.tar!app/deleted.env") for p in paths), paths
assert d["scan"]["complete"] is False, d["scan"]
diags = [x["message"] for x in d["scan"]["diagnostics"] if x["kind"] == "unreadable"]
assert len(diags) == 1 and "manifest.json" in diags[0], diags
assert "images" not in d["scan"], d["scan"]
PY
'

test_expect_success 'a malformed layout directory: its files are still scanned, exit 7' '
    "$PYTHON" "$FIX" oci badlayout &&
    printf "{\"manifests\": [" >badlayout/index.json &&
    run_cmd sesame scan badlayout -f json
    expect_rc 7 &&
    expect_grep "badlayout/index.json.: not a valid image manifest" err &&
    expect_grep "badlayout/blobs/sha256/" out
'

test_expect_success '--no-archives: an image is a file like any other' '
    run_cmd sesame scan img.tar --no-archives -f json
    expect_rc 1 &&
    expect_no_grep "layer_command" out
'

test_done
