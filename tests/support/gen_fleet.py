#!/usr/bin/env python3
"""
gen_fleet.py - many small git repositories for the fleet tests and benchmarks (issue 15).

    gen_fleet.py DIR N [--seed S] [--kb K] [--files F] [--commits C]

Writes DIR/r000 ... DIR/r{N-1} (work trees, each made with one `git fast-import`) and
DIR/list (their absolute paths, one a line, for --repos-from). Everything is a function
of the seed: the same arguments give the same commit IDs (fixed authors and dates).

Each repository has C commits (default 3) editing F files (default 4) of about K KB of
text each (default 2) in total; about one in three holds fake AWS credentials (from
tests/support/fakekeys.py, never real), some shared with other repositories (a key
pasted in several places: one finding seen in many repositories), some removed again in
a later commit (a finding that is no longer at HEAD).
"""

import argparse
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakekeys  # noqa: E402

WORDS = ("alpha beta gamma delta config server client region bucket deploy build test "
         "value token cache queue worker lease commit branch review merge release").split()


def text(r, size):
    out, n = [], 0
    while n < size:
        line = " ".join(r.choice(WORDS) for _ in range(r.randint(4, 12)))
        out.append(line)
        n += len(line) + 1
    return "\n".join(out) + "\n"


def stream(r, idx, args, seed):
    """The fast-import stream of repository idx."""
    out = []
    files = {f"src/file{k}.txt": text(r, args.kb * 1024 // args.files) for k in range(args.files)}
    creds = None
    roll = r.random()
    if roll < 0.34:
        # a key of a pool of 40: some appear in several repositories
        n = r.randrange(40)
        creds = (f"config/prod{idx % 3}.env",
                 f"aws_access_key_id = {fakekeys.key_id(n, seed=seed)}\n"
                 f"aws_secret_access_key = {fakekeys.secret(n, seed=seed)}\n")
    removed = creds is not None and r.random() < 0.3
    when = 1700000000 + idx * 1000
    for c in range(args.commits):
        if c > 0:
            k = r.randrange(args.files)
            files[f"src/file{k}.txt"] += text(r, 200)
        if creds and c == min(1, args.commits - 1):
            files[creds[0]] = creds[1]
        if removed and c == args.commits - 1 and c > 1:
            files.pop(creds[0], None)
        msg = f"commit {c} of repository {idx}\n"
        out.append("commit refs/heads/main\n")
        out.append(f"author A U Thor <author@example.com> {when + c * 60} +0000\n")
        out.append(f"committer C O Mitter <committer@example.com> {when + c * 60} +0000\n")
        out.append(f"data {len(msg.encode())}\n{msg}")
        out.append("deleteall\n")
        for path, body in sorted(files.items()):
            b = body.encode()
            out.append(f"M 100644 inline {path}\ndata {len(b)}\n")
            out.append(body)
        out.append("\n")
    return "".join(out).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", default="fleet15")
    ap.add_argument("--kb", type=int, default=2)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--commits", type=int, default=3)
    args = ap.parse_args()
    r = random.Random(args.seed)
    os.makedirs(args.dir, exist_ok=True)
    paths = []
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
    for i in range(args.n):
        path = os.path.abspath(os.path.join(args.dir, f"r{i:03d}"))
        subprocess.run(["git", "init", "-q", "-b", "main", path], check=True, env=env)
        subprocess.run(["git", "-C", path, "fast-import", "--quiet"], input=stream(r, i, args,
                       args.seed), check=True, env=env)
        subprocess.run(["git", "-C", path, "checkout", "-q", "-f", "main"], check=True, env=env)
        paths.append(path)
    with open(os.path.join(args.dir, "list"), "w") as f:
        f.write("".join(p + "\n" for p in paths))


if __name__ == "__main__":
    main()
