#!/usr/bin/env python3
"""gen_dense.py - inputs dense in credentials, for the cost of findings, pairing and the report.

    benches/gen_dense.py DIR [SEED]

Writes four directories under DIR (fake keys from tests/support/fakekeys.py, SEED default 7):
- example/: AWS's documentation example key ID on 100,000 lines (an SDK's docs, many times);
- same/: one key ID and its secret, each on 50,000 lines, a line apart;
- report/: an IAM credentials-report-like CSV of 20,000 distinct key IDs and secrets;
- profiles/: 20,000 YAML profiles of one key ID with 20,000 distinct secrets.
Each directory is one input: `sesame scan DIR/example ...` (benches/RESULTS.md, issue 16).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
import fakekeys  # noqa: E402


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        # an option is not an output directory (--help once wrote 14 MB into ./--help)
        print(__doc__, file=sys.stdout if sys.argv[1:2] in (["-h"], ["--help"]) else sys.stderr)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    out = sys.argv[1]
    k = fakekeys.Keys(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    write(os.path.join(out, "example", "docs.env"),
          f"aws_access_key_id = {fakekeys.EXAMPLE_ID}\n" * 100000)
    kid, sec = k.key_id(), k.secret()
    write(os.path.join(out, "same", "real.env"),
          f"aws_access_key_id = {kid}\naws_secret_access_key = {sec}\n" * 50000)
    write(os.path.join(out, "report", "creds.csv"),
          "User name,Access key ID,Secret access key\n" +
          "".join(f"user{i},{k.key_id()},{k.secret()}\n" for i in range(20000)))
    kid = k.key_id()
    write(os.path.join(out, "profiles", "many.yml"),
          "".join(f"- profile: p{i}\n  aws_access_key_id: {kid}\n"
                  f"  aws_secret_access_key: {k.secret()}\n" for i in range(20000)))


if __name__ == "__main__":
    main()
