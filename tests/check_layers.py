#!/usr/bin/env python3
"""tests/check_layers.py - the architecture, checked on every test run.

1. Each third-party library is included by its adapter folder only (STYLE.md: one
   library per adapter), so a change of library touches one folder.
2. A lower layer never includes a higher one, and folders of one rank do not include
   each other: the layers below are the README's Layout diagram, bottom up.
3. Nothing calls getenv(): main.c captures the environment once (base/env.h).

Usage: check_layers.py SCANNER_DIR  (exit 1 and one line per violation)
"""
import os
import re
import sys

# Bottom up. A folder may include its own files and folders of a lower rank only.
RANKS = {
    "base": 0,
    "crypto": 1, "model": 1,
    "json": 2,
    "aws": 2, "decode": 2,
    "source": 3, "rules": 3,
    "match": 4, "finding": 4,
    "verify": 5, "rank": 5,
    "store": 6,
    "report": 7, "cli": 7,
    ".": 8,          # scanbuf.c, config.c, scan.c, hook.c: the driver and its helpers
    "main.c": 9,
}

# Third-party headers and the one folder (path prefix under scanner/) that may include them.
ADAPTERS = [
    (r"hs(/hs)?\.h|hs/", "match/", "Hyperscan"),
    (r"pcre2\.h", "match/", "PCRE2"),
    (r"git2(\.h|/)", "source/git/", "libgit2"),
    (r"zlib\.h", "source/", "zlib"),            # the git pack reader and the gzip reader
    (r"libdeflate\.h", "source/git/", "libdeflate"),  # the git pack reader's whole objects
    (r"archive(_entry)?\.h", "source/archive/", "libarchive"),
    (r"curl/", "verify/http", "libcurl"),
    (r"nettle/", "crypto/", "Nettle"),
    (r"jansson\.h", "json/", "jansson"),
    (r"sqlite3\.h", "store/sqlite/", "SQLite"),
    (r"libpq-fe\.h", "store/pg/", "libpq"),
]

LOCAL = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SYSTEM = re.compile(r'^\s*#\s*include\s+<([^>]+)>', re.M)


def folder_of(rel):
    if rel == "main.c":
        return "main.c"
    return rel.split("/", 1)[0] if "/" in rel else "."


def main(root):
    bad = []
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            text = open(path, encoding="utf-8", errors="replace").read()
            me = folder_of(rel)
            if me not in RANKS:
                bad.append(f"{rel}: folder '{me}' has no rank in tests/check_layers.py")
                continue
            if not rel.startswith("base/env.") and re.search(r"\b(secure_)?getenv\s*\(", text):
                bad.append(f"{rel}: calls getenv(): the environment is read once, by "
                           "cli_env_capture (base/env.h)")
            for inc in SYSTEM.findall(text):
                for pattern, allowed, lib in ADAPTERS:
                    if re.match(pattern, inc) and not rel.startswith(allowed):
                        bad.append(f"{rel}: includes <{inc}> ({lib}): only scanner/{allowed} may")
            for inc in LOCAL.findall(text):
                other = folder_of(inc) if "/" in inc else "."
                if other == me:
                    continue
                if other not in RANKS:
                    bad.append(f'{rel}: includes "{inc}" from an unknown folder')
                elif RANKS[other] >= RANKS[me]:
                    bad.append(f'{rel}: includes "{inc}": {other} is not below {me}')
    for line in bad:
        print(line)
    print(f"check_layers: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "scanner"))
