#!/usr/bin/env python3
"""
check_image_dups.py REPORT INFO [--prefix P]: what a JSON report of the `dups` image of
image_fixture.py must say (t0981, t0982).

  key D   one content in four places (layers 1, 2 twice, 3): every place reported, each
          with its own layer's command; etc/creds.env replaced in layer 4, opt/copy.env not
  key F   layer 4's etc/creds.env, still in the image
  key G   layer 1's app/config.env, replaced in layer 3 (no whiteout)
  key H   lib/keys.zip!k.env in layers 1 and 3 (a nested archive: its member path kept)
  key E   the config's Env
  scan.images.files_repeated   4: each content matched once
"""
import json, sys

report, info = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
args = sys.argv[3:]
img = args[args.index("--prefix") + 1] if "--prefix" in args else info["path"]
L, cmds, keys = info["layers"], info["cmds"], info["keys"]
by_id = {f["access_key_id"]: f for f in report["findings"]}
assert set(by_id) == {keys[n]["id"] for n in "DFGHE"}, sorted(by_id)


def places(n):
    f = by_id[keys[n]["id"]]
    assert [s["sha256"] for s in f["secrets"]] == [keys[n]["secret_sha256"]], f["secrets"]
    got = {}
    for loc in f["locations"]:
        key = loc["path"]
        got.setdefault(key, []).append(loc)
    for p, ls in got.items():  # one key ID and one secret per place: never twice
        assert sorted(l["part"] for l in ls) == ["access_key_id", "secret_access_key"], (p, ls)
    return got


def expect(n, want):
    got = places(n)
    full = {f"{img}!{L[k]}!{path}": (k, rm, rep) for k, path, rm, rep in want}
    assert set(got) == set(full), (n, sorted(got), sorted(full))
    for p, (k, rm, rep) in full.items():
        for loc in got[p]:
            assert loc["layer_command"] == cmds[k], loc
            assert loc["removed_in"] == (L[rm] if rm is not None else None), loc
            assert loc.get("replaced", False) is rep, loc


expect("D", [(0, "etc/creds.env", 3, True), (1, "etc/creds.env", 3, True),
             (1, "opt/copy.env", None, False), (2, "./etc/creds.env", 3, True)])
expect("F", [(3, "etc/creds.env", None, False)])
expect("G", [(0, "app/config.env", 2, True)])
expect("H", [(0, "lib/keys.zip!k.env", None, False), (2, "lib/keys.zip!k.env", None, False)])
e = by_id[keys["E"]["id"]]["locations"]
assert all("layer_command" not in l and l["path"].endswith(".json") or "blobs/" in l["path"]
           for l in e), e
im = report["scan"]["images"]
assert im == {"images": 1, "layers": 4, "layers_repeated": 0, "files_repeated": 4}, im
print("image dups report ok")
