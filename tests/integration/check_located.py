#!/usr/bin/env python3
"""tests/integration/check_located.py - a scan's locations against what a test expects.

    check_located.py EXPECT.json REPORT.json WHICH [--pairs exact|missing] [--need-views]
    check_located.py --no-view REPORT.json FILES

EXPECT.json holds, under WHICH, [path, part, value, line, encoding] for every location the
scan must report, nothing else, and under WHICH + "_pairs" the (key ID, secret) pairs:
--pairs exact (the default) wants exactly those, --pairs missing only that none is missing
(snippets that share windows may pair with each other too). The scan must be complete,
with no limit reached, and with --need-views have decoded at least one view. Exit 1 with
one line per difference. --no-view: the scan of FILES files found nothing and decoded no
view. Used by t0345 and t0346 (escape views)."""
import json
import sys


def located(d):
    out = set()
    for f in d["findings"]:
        for loc in f["locations"]:
            if loc["part"] == "access_key_id":
                value = f["access_key_id"]
            else:
                pool = f["secrets"] + f["session_tokens"] + f["smtp_passwords"]
                value = [s["value"] for s in pool if s["sha256"].startswith(loc["value_sha256"])]
                value = value[0] if len(value) == 1 else repr(value)
            out.add((loc["path"], loc["part"], value, loc["line"], loc.get("encoding")))
    return out


def pairs(d):
    return {(f["access_key_id"], s["value"]) for f in d["findings"] if f["access_key_id"]
            for s in f["secrets"]}


def no_view(report, files):
    scan = report["scan"]
    if report["findings"] or scan["files"] != files or scan["decoded_views"] != 0:
        print("findings, files or views:", len(report["findings"]), scan)
        return 1
    return 0


def main(argv):
    if argv[1] == "--no-view":
        return no_view(json.load(open(argv[2])), int(argv[3]))
    expect = json.load(open(argv[1]))
    report = json.load(open(argv[2]))
    which = argv[3]
    mode = argv[argv.index("--pairs") + 1] if "--pairs" in argv else "exact"
    want, got = {tuple(x) for x in expect[which]}, located(report)
    bad = False
    for x in sorted(got - want, key=repr):
        print("reported, not expected:", x)
        bad = True
    for x in sorted(want - got, key=repr):
        print("expected, not reported:", x)
        bad = True
    want_pairs, got_pairs = {tuple(x) for x in expect[which + "_pairs"]}, pairs(report)
    for x in sorted(got_pairs ^ want_pairs if mode == "exact" else want_pairs - got_pairs):
        print("pair", "not expected:" if x in got_pairs else "missing:", x)
        bad = True
    scan = report["scan"]
    if not scan["complete"] or scan["limits"] != 0:
        print("incomplete:", scan)
        bad = True
    if "--need-views" in argv and scan["decoded_views"] == 0:
        print("no view decoded:", scan)
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
