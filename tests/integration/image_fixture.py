#!/usr/bin/env python3
"""
image_fixture.py - small container images built by hand (tar + JSON), no Docker.

    image_fixture.py docker OUT.tar     a `docker save` tarball (manifest.json, config,
                                        DIR/layer.tar), two images sharing layers
    image_fixture.py oci OUTDIR         an OCI image layout directory (oci-layout,
                                        index.json, blobs/sha256/...), gzip layers
    image_fixture.py oci-tar OUT.tar    the same layout as a tar
    image_fixture.py docker-big OUT.tar the docker save tarball with a 400 KB file in the
                                        base layer: larger than a file read whole, so
                                        the image is mapped from its file
    image_fixture.py bad OUT.tar        a docker save tarball whose manifest.json is
                                        malformed
    image_fixture.py dups OUT.tar       docker save: the same files in several layers,
                                        files a later layer overwrites (t0981)
    image_fixture.py dups-oci OUT.tar   the same as an OCI layout tar, gzip layers
    image_fixture.py dups-mixed OUT.tar docker save, layers 2 and 4 gzip-compressed
    image_fixture.py seeds DIR          small images for the fuzz corpus

Layers (same in every form):
  1 base:  etc/os-release; app/deleted.env holds key B; cache/old.env holds key C
  2 rm:    app/.wh.deleted.env (removes B), cache/.wh..wh..opq (removes C)
  3 top:   app/top.env holds key A
The config's Env holds key E; its history names each layer's command. The keys and what
each location must say are written to OUT.info.json (or OUTDIR.info.json).

Layers of `dups` (DUP_CMDS):
  1 base:  etc/creds.env holds key D; app/config.env key G; lib/keys.zip holds k.env, key H
  2 copy:  etc/creds.env again (same bytes), opt/copy.env (same bytes, another path)
  3 again: etc/creds.env again, lib/keys.zip again; app/config.env without a key (G replaced)
  4 new:   etc/creds.env holds key F (D replaced at that path)
"""
import gzip, hashlib, io, json, os, sys, tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import fakekeys  # noqa: E402

K = fakekeys.Keys("sesame-t0980")
KEYS = {n: (K.key_id(), K.secret()) for n in "ABCEDFGH"}
CMDS = ["/bin/sh -c #(nop) ADD file:base in /", "RUN /bin/sh -c rm -rf /app/deleted.env /cache",
        "COPY top.env /app/top.env # buildkit"]


NOKEYS = False  # seeds: nothing key-shaped is committed


def env(n):
    if NOKEYS:
        return f"NAME={n}\nVALUE=not-a-key-{n}\n".encode()
    kid, sec = KEYS[n]
    return f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n".encode()


def tar_bytes(files):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            if data is None:
                ti = tarfile.TarInfo(name)
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
                continue
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


PAD = 0  # bytes of filler text in the base layer


def layers():
    pad = [("usr/share/pad.txt", b"filler line of text\n" * (PAD // 20))] if PAD else []
    return [
        tar_bytes(pad + [("etc/", None), ("etc/os-release", b"ID=fixture\n"), ("app/", None),
                   ("app/deleted.env", env("B")), ("cache/", None), ("cache/old.env", env("C"))]),
        tar_bytes([("app/", None), ("app/.wh.deleted.env", b""), ("cache/", None),
                   ("cache/.wh..wh..opq", b"")]),
        tar_bytes([("app/", None), ("app/top.env", env("A"))]),
    ]


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def config(diff_ids):
    kid, sec = ("AKIA-not-a-key", "not-a-secret") if NOKEYS else KEYS["E"]
    hist = [{"created_by": CMDS[0]},
            {"created_by": "/bin/sh -c #(nop)  ENV AWS_ACCESS_KEY_ID=...", "empty_layer": True},
            {"created_by": CMDS[1]}, {"created_by": CMDS[2]}]
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "config": {"Env": ["PATH=/usr/bin", f"AWS_ACCESS_KEY_ID={kid}",
                                          f"AWS_SECRET_ACCESS_KEY={sec}"]},
                       "rootfs": {"type": "layers", "diff_ids": diff_ids},
                       "history": hist}, indent=1).encode()


def info(path, digests):
    return {"keys": {n: {"id": KEYS[n][0], "secret_sha256": hashlib.sha256(KEYS[n][1].encode()).hexdigest()}
                     for n in KEYS},
            "layers": digests, "cmds": CMDS, "path": path}


def docker(out, bad=False):
    ls = layers()
    diff = [sha(b) for b in ls]
    cfg = config(diff)
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    cfg2 = config(diff[:1] + diff[2:])  # a second image: base and top, no rm layer
    cfg2_name = hashlib.sha256(cfg2).hexdigest() + ".json"
    names = [f"{hashlib.sha256(b).hexdigest()[:12]}/layer.tar" for b in ls]
    manifest = [{"Config": cfg_name, "RepoTags": ["fixture:1"], "Layers": names},
                {"Config": cfg2_name, "RepoTags": ["fixture:2"], "Layers": [names[0], names[2]]}]
    mtext = json.dumps(manifest).encode()
    if bad:
        mtext = mtext[:-7] + b"]]"  # cut short: not JSON
    files = [(n, b) for n, b in zip(names, ls)]
    files += [(cfg_name, cfg), (cfg2_name, cfg2), ("manifest.json", mtext),
              ("repositories", b'{"fixture":{"1":"x"}}')]
    open(out, "wb").write(tar_bytes(files))
    json.dump(info(out, diff) | {"config": cfg_name}, open(out + ".info.json", "w"))


def oci_files():
    ls = layers()
    gz = [gzip.compress(b, mtime=0) for b in ls]
    diff = [sha(b) for b in ls]
    cfg = config(diff)
    files = {}
    for b in gz + [cfg]:
        files["blobs/sha256/" + hashlib.sha256(b).hexdigest()] = b
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": sha(cfg), "size": len(cfg)},
                      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                  "digest": sha(b), "size": len(b)} for b in gz]}).encode()
    files["blobs/sha256/" + hashlib.sha256(man).hexdigest()] = man
    # the manifest listed twice (two tags): its layers are scanned once
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(man),
            "size": len(man)}
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [
        desc | {"annotations": {"org.opencontainers.image.ref.name": "1"}},
        desc | {"annotations": {"org.opencontainers.image.ref.name": "2"}}]}).encode()
    files["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    return files, [sha(b) for b in gz], "blobs/sha256/" + hashlib.sha256(cfg).hexdigest()


def oci(out, as_tar):
    files, digests, cfg = oci_files()
    if as_tar:
        open(out, "wb").write(tar_bytes(sorted(files.items())))
    else:
        for name, data in files.items():
            os.makedirs(os.path.join(out, os.path.dirname(name)), exist_ok=True)
            open(os.path.join(out, name), "wb").write(data)
    json.dump(info(out, digests) | {"config": cfg}, open(out.rstrip("/") + ".info.json", "w"))


DUP_CMDS = ["/bin/sh -c #(nop) ADD file:base in /", "COPY creds.env /etc/ /opt/copy.env",
            "RUN chmod 600 /etc/creds.env && cp keys.zip /lib/", "COPY new.env /etc/creds.env"]


def zip_of(name, data):
    import zipfile
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return bio.getvalue()


def dup_layers():
    keys_zip = zip_of("k.env", env("H"))
    return [
        tar_bytes([("etc/", None), ("etc/creds.env", env("D")), ("app/", None),
                   ("app/config.env", env("G")), ("lib/", None), ("lib/keys.zip", keys_zip)]),
        tar_bytes([("etc/creds.env", env("D")), ("opt/", None), ("opt/copy.env", env("D"))]),
        tar_bytes([("./etc/creds.env", env("D")), ("lib/keys.zip", keys_zip),
                   ("app/config.env", b"# moved to the secret store\n")]),
        tar_bytes([("etc/creds.env", env("F"))]),
    ]


def dup_config(diff_ids):
    kid, sec = ("AKIA-not-a-key", "not-a-secret") if NOKEYS else KEYS["E"]
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "config": {"Env": [f"AWS_ACCESS_KEY_ID={kid}", f"AWS_SECRET_ACCESS_KEY={sec}"]},
                       "rootfs": {"type": "layers", "diff_ids": diff_ids},
                       "history": [{"created_by": c} for c in DUP_CMDS]}).encode()


def dups(out, oci_form, mixed=False):
    ls = dup_layers()
    diff = [sha(b) for b in ls]
    cfg = dup_config(diff)
    if oci_form:
        gz = [gzip.compress(b, mtime=0) for b in ls]
        man = json.dumps({"schemaVersion": 2, "config": {"digest": sha(cfg), "size": len(cfg)},
                          "layers": [{"digest": sha(b), "size": len(b)} for b in gz]}).encode()
        files = {"blobs/sha256/" + hashlib.sha256(b).hexdigest(): b for b in gz + [cfg, man]}
        files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [
            {"digest": sha(man), "size": len(man)}]}).encode()
        files["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
        digests = [sha(b) for b in gz]
        open(out, "wb").write(tar_bytes(sorted(files.items())))
    else:
        names = [f"{hashlib.sha256(b).hexdigest()}/layer.tar" for b in ls]
        cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
        manifest = [{"Config": cfg_name, "RepoTags": ["dups:1"], "Layers": names}]
        digests = diff
        if mixed:  # layers 2 and 4 gzip-compressed: a content in both kinds of layer
            ls = [gzip.compress(b, mtime=0) if k % 2 else b for k, b in enumerate(ls)]
        open(out, "wb").write(tar_bytes(list(zip(names, ls)) + [
            (cfg_name, cfg), ("manifest.json", json.dumps(manifest).encode())]))
    json.dump(info(out, digests) | {"cmds": DUP_CMDS}, open(out + ".info.json", "w"))


def seeds(d):
    global NOKEYS
    NOKEYS = True
    os.makedirs(d, exist_ok=True)
    # an index naming a digest that tries to be a path, and a nested index
    idx = json.dumps({"manifests": [{"digest": "sha256:../../etc/passwd"}]}).encode()
    open(os.path.join(d, "oci-path-digest.tar"), "wb").write(tar_bytes(
        [("oci-layout", b"{}"), ("index.json", idx)]))
    inner = json.dumps({"manifests": [{"digest": "sha256:" + "0" * 64}]}).encode()
    outer = json.dumps({"manifests": [{"digest": sha(inner)}]}).encode()
    open(os.path.join(d, "oci-nested.tar"), "wb").write(tar_bytes(
        [("oci-layout", b"{}"), ("index.json", outer),
         ("blobs/sha256/" + hashlib.sha256(inner).hexdigest(), inner)]))
    docker(os.path.join(d, "docker.tar"))
    docker(os.path.join(d, "bad.tar"), bad=True)
    oci(os.path.join(d, "oci.tar"), True)
    # the same content in several layers, a file overwritten; compressed; nested
    dups(os.path.join(d, "dups.tar"), False)
    dups(os.path.join(d, "dups-oci.tar"), True)
    dups(os.path.join(d, "dups-mixed.tar"), False, True)
    raw = open(os.path.join(d, "dups.tar"), "rb").read()
    open(os.path.join(d, "dups.tar.gz"), "wb").write(gzip.compress(raw, mtime=0))
    open(os.path.join(d, "nested.tar"), "wb").write(tar_bytes([("dir/img.tar", raw)]))
    for n in os.listdir(d):
        if n.endswith(".info.json"):
            os.remove(os.path.join(d, n))


if __name__ == "__main__":
    what, out = sys.argv[1], sys.argv[2]
    if what == "docker-big":
        PAD, what = 400 * 1024, "docker"
    {"docker": lambda: docker(out), "bad": lambda: docker(out, bad=True),
     "oci": lambda: oci(out, False), "oci-tar": lambda: oci(out, True),
     "dups": lambda: dups(out, False), "dups-oci": lambda: dups(out, True),
     "dups-mixed": lambda: dups(out, False, True),
     "seeds": lambda: seeds(out)}[what]()
