#!/usr/bin/env python3
"""
check_image.py REPORT INFO [--dup N] [--prefix P]: what a JSON report of an image built
by image_fixture.py must say (t0980).

  key A (top layer)          one location per part, IMAGE!LAYER3!app/top.env, the layer's
                             history command, removed_in null
  keys B, C (layer 1)        IMAGE!LAYER1!app/deleted.env and !cache/old.env, removed_in
                             the digest of layer 2 (whiteout and opaque whiteout)
  key E (config Env)         found in the config file
  scan.images                the layers scanned once each; --dup: listings not scanned
"""
import json, sys

report, info = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
args = sys.argv[3:]
dup = int(args[args.index("--dup") + 1]) if "--dup" in args else 0
img = args[args.index("--prefix") + 1] if "--prefix" in args else info["path"]
L = info["layers"]
by_id = {f["access_key_id"]: f for f in report["findings"]}
keys = info["keys"]
assert set(by_id) == {keys[n]["id"] for n in "ABCE"}, sorted(by_id)


def locs(n):
    f = by_id[keys[n]["id"]]
    assert [s["sha256"] for s in f["secrets"]] == [keys[n]["secret_sha256"]], f["secrets"]
    return f["locations"]


a = locs("A")
assert len(a) == 2, a  # one key ID, one secret: the layer was scanned once
for loc in a:
    assert loc["path"] == f"{img}!{L[2]}!app/top.env", loc
    assert loc["layer_command"] == info["cmds"][2], loc
    assert loc["removed_in"] is None, loc
for n, path in (("B", "app/deleted.env"), ("C", "cache/old.env")):
    got = locs(n)
    assert len(got) == 2, got
    for loc in got:
        assert loc["path"] == f"{img}!{L[0]}!{path}", loc
        assert loc["removed_in"] == L[1], loc
        assert loc["layer_command"] == info["cmds"][0], loc
e = locs("E")
assert any(loc["path"].endswith(info["config"]) for loc in e), e
assert all(loc["path"][len(img) + 1:].count("!") == 0 for loc in e), e  # the config file
assert all("layer_command" not in loc for loc in e), e
im = report["scan"]["images"]
assert im["layers"] == 3 and im["layers_repeated"] == dup, im
print("image report ok")
