#!/usr/bin/env python3
"""check_planted.py - did sesame find the credentials gen_tree.py planted?

    check_planted.py REPORT.json PLANTED.json

REPORT is `sesame scan --format json` output; PLANTED is OUT/planted.json from
gen_tree.py. Prints one summary line (findings, planted key IDs found, secrets /
session tokens / SMTP passwords paired with their key ID) and one line per miss.
Exit status 0 if every planted key ID was reported, 1 otherwise.
"""

import json
import sys
from collections import Counter


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[1]) as f:
        report = json.load(f)
    with open(sys.argv[2]) as f:
        planted = json.load(f)["planted"]

    findings = report["findings"]
    by_id = {}
    for fd in findings:
        if fd.get("access_key_id"):
            by_id.setdefault(fd["access_key_id"], []).append(fd)

    def hashes(fds, field):
        return {x["sha256"] for fd in fds for x in fd.get(field, [])}

    found = 0
    pairs = {"secret": [0, 0], "session_token": [0, 0], "smtp_password": [0, 0]}
    fields = {"secret": "secrets", "session_token": "session_tokens", "smtp_password": "smtp_passwords"}
    missed = []
    missed_styles = Counter()
    for p in planted:
        fds = by_id.get(p["key_id"], [])
        if fds:
            found += 1
        else:
            missed.append(f"  missed key ID {p['key_id']} ({p['style']}) in {p['path']}")
            missed_styles[p["style"]] += 1
        for part, field in fields.items():
            h = p.get(part + "_sha256")
            if h:
                pairs[part][1] += 1
                if h in hashes(fds, field):
                    pairs[part][0] += 1
                elif fds:
                    missed.append(f"  {p['key_id']} ({p['style']}) reported without its {part} in {p['path']}")

    planted_ids = {p["key_id"] for p in planted}
    extra = [fd for fd in findings if fd.get("access_key_id") not in planted_ids]
    summary = report.get("summary", {})
    paired = ", ".join(f"{part.replace('_', ' ')}s paired {a}/{b}" for part, (a, b) in pairs.items() if b)
    print(f"findings: {summary.get('findings', len(findings))} "
          f"(by kind: {', '.join(f'{k} {v}' for k, v in summary.get('by_kind', {}).items())}); "
          f"planted key IDs found: {found}/{len(planted)}; {paired}; "
          f"findings not planted: {len(extra)}")
    for line in missed:
        print(line)
    for fd in extra[:10]:
        loc = fd["locations"][0] if fd.get("locations") else {}
        print(f"  not planted: {fd.get('kind')} {fd.get('access_key_id') or ''} at {loc.get('path')}:{loc.get('line')}")
    return 0 if found == len(planted) else 1


if __name__ == "__main__":
    sys.exit(main())
