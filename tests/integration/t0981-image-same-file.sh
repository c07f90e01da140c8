#!/usr/bin/env bash
# Issue 17 item 6: the same file in many layers of an image is scanned once, and every
# place is still reported (IMAGE!LAYER!path, each with its layer's history command), as
# git reports a blob seen at several paths; a file a later layer overwrote (same path,
# other content, no whiteout) is still reported, saying which layer replaced it. Images
# built by hand (image_fixture.py dups: 4 layers, docker save and OCI with gzip layers).
. "$(dirname "$0")/lib.sh"
setup

IT="$SESAME_SRC/tests/integration"

test_expect_success 'docker save: one content in 4 places matched once, reported at each' '
    "$PYTHON" "$IT/image_fixture.py" dups img.tar && run_cmd sesame scan img.tar -f json
    expect_rc 1 && expect_no_grep "warning" err &&
    "$PYTHON" "$IT/git_fixture.py" validate out && "$PYTHON" "$IT/check_image_dups.py" out img.tar.info.json
'

test_expect_success 'OCI layout tar, gzip layers: the same' '
    "$PYTHON" "$IT/image_fixture.py" dups-oci oci.tar && run_cmd sesame scan oci.tar -f json
    expect_rc 1 &&
    "$PYTHON" "$IT/git_fixture.py" validate out && "$PYTHON" "$IT/check_image_dups.py" out oci.tar.info.json
'

test_expect_success 'docker save with some layers compressed: a content in both kinds' '
    "$PYTHON" "$IT/image_fixture.py" dups-mixed mixed.tar && run_cmd sesame scan mixed.tar -f json
    expect_rc 1 && "$PYTHON" "$IT/check_image_dups.py" out mixed.tar.info.json
'

test_expect_success 'text report: replaced in layer, and each place its own command' '
    run_cmd sesame scan img.tar
    expect_rc 1 &&
    expect_grep "!app/config.env:1:19 (access_key_id, rule aws.access_key_id) · replaced in layer sha256:[0-9a-f]\{12\} · layer: /bin/sh -c #(nop) ADD file:base in /$" out &&
    expect_grep "!opt/copy.env:1:19 (access_key_id, rule aws.access_key_id) · layer: COPY creds.env /etc/ /opt/copy.env$" out &&
    expect_eq "$(grep -c "creds.env:1:19 .* replaced in layer" out)" 3
'

test_expect_success 'SARIF: replaced and the replacing layer per location' '
    run_cmd sesame scan img.tar -f sarif
    expect_rc 1 && "$PYTHON" - <<PY
import json
runs, info = json.load(open("out"))["runs"], json.load(open("img.tar.info.json"))
locs = [l for r in runs[0]["results"] for l in r["locations"]]
rep = [l for l in locs if l["properties"].get("replaced")]
assert len(rep) == 8, rep  # key D at 3 places, key G at 1: two parts each
assert all(l["properties"]["removedInLayer"] in (info["layers"][2], info["layers"][3]) for l in rep), rep
assert all("replaced (another file at this path) from the image by layer" in l["message"]["text"] for l in rep), rep
PY
'

test_done
