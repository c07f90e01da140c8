#!/usr/bin/env python3
"""
check_report.py - compare a `sesame scan --format json --show-secrets` report with the
manifest written by gen_tree.py.

    check_report.py [--root PREFIX] [--include-examples] [--area AREA] REPORT MANIFEST

REPORT is the JSON document ('-' for stdin). Report paths are relative to PREFIX (the
scan target as given on the command line; default: the report's only target). With
--area, only the values planted in that group of files (see gen_tree.py) are checked,
and only findings seen in those files; without it, everything, and the summary.

Checked:
  * every planted value is reported (as access_key_id, or among secrets /
    session_tokens / smtp_passwords) and its finding has a location of that part at the
    manifest's path and line (and column, where the manifest gives one);
  * a value with a key_id in the manifest sits in the finding of that key ID;
  * a value is never grouped under a key ID the manifest does not tie it to;
  * SMTP passwords name the region and the secret they derive from, when planted;
  * key IDs carry the account ID decoded offline (or none for old-generation keys);
  * documentation examples appear only with --include-examples, flagged "example";
  * nothing else is reported: no value outside the manifest (the hard negatives produce
    nothing), and no location where the manifest planted nothing.
Each mismatch is printed on its own line; the exit status is 1 if there is any.
"""

import argparse
import hashlib
import json
import sys

ARRAYS = {"secret_access_key": "secrets", "session_token": "session_tokens",
          "bedrock_api_key": "bedrock_api_keys",
          "smtp_password": "smtp_passwords"}


def short(v, n=24):
    return v if len(v) <= n else v[:n] + "..."


class Checker:
    def __init__(self, report, manifest, root, include_examples, area=None):
        self.report = report
        self.manifest = manifest
        self.root = root
        self.examples = include_examples
        self.area = area
        self.file_area = manifest.get("files", {})
        self.problems = []
        self.ungrouped = set()  # (kind, value) already reported as NOT GROUPED

    def bad(self, msg):
        self.problems.append(msg)

    def rel(self, path):
        if self.root in (None, "", "."):
            return path[2:] if path.startswith("./") else path
        prefix = self.root.rstrip("/") + "/"
        return path[len(prefix):] if path.startswith(prefix) else path

    # ---- report side -------------------------------------------------------------

    def index_report(self):
        """values[(kind, value)] -> list of finding indexes."""
        self.values = {}
        findings = self.report.get("findings", [])
        for i, f in enumerate(findings):
            if f.get("access_key_id"):
                self.values.setdefault(("access_key_id", f["access_key_id"]), []).append(i)
            for kind, arr in ARRAYS.items():
                for v in f.get(arr, []):
                    if "value" not in v:
                        raise SystemExit("check_report: the report has no secret values: "
                                         "scan with --show-secrets")
                    self.values.setdefault((kind, v["value"]), []).append(i)
        return findings

    def describe(self, f):
        loc = f["locations"][0] if f.get("locations") else None
        where = "%s:%s" % (self.rel(loc["path"]), loc["line"]) if loc else "?"
        head = f.get("access_key_id") or f.get("kind")
        return "finding %s (%s, first seen at %s)" % (f.get("fingerprint"), head, where)

    # ---- checks ------------------------------------------------------------------

    def run(self):
        findings = self.index_report()
        creds = self.manifest["credentials"]
        shown = [c for c in creds if self.examples or not c.get("example")]
        hidden = [c for c in creds if not self.examples and c.get("example")]
        if self.area:
            wanted = [c for c in shown if c.get("area") == self.area]
            hidden = [c for c in hidden if c.get("area") == self.area]
            if self.area not in set(self.file_area.values()):
                raise SystemExit("check_report: no file of area %r in the manifest" % self.area)
        else:
            wanted = shown

        # which key IDs may own each value; every planted (kind, value)
        allowed = {}
        planted = {}
        for c in shown:
            planted.setdefault((c["kind"], c["value"]), []).append(c)
            if c["key_id"]:
                allowed.setdefault((c["kind"], c["value"]), set()).add(c["key_id"])
        negatives = {}
        for n in self.manifest.get("negatives", []):
            negatives.setdefault(n["value"], n)

        # 1. every planted value is reported, at its place, in the right finding
        for c in wanted:
            key = (c["kind"], c["value"])
            where = "%s:%s" % (c["path"], c["line"])
            what = "%s %s planted at %s" % (c["kind"], short(c["value"]), where)
            idx = self.values.get(key)
            if not idx:
                self.bad("MISSING: %s%s is not reported" % (
                    what, " (%s)" % c["encoding"] if c.get("encoding") else ""))
                continue
            if c["key_id"] and c["kind"] != "access_key_id":
                owners = self.values.get(("access_key_id", c["key_id"]), [])
                if not set(owners) & set(idx):
                    got = sorted({findings[i].get("access_key_id") or "no key ID" for i in idx})
                    self.bad("NOT GROUPED: %s should be in the finding of %s; found with %s"
                             % (what, c["key_id"], ", ".join(got)))
                    self.ungrouped.add(key)
                    idx_for_loc = idx
                else:
                    idx_for_loc = sorted(set(owners) & set(idx))
            else:
                idx_for_loc = idx
            self.check_location(c, [findings[i] for i in idx_for_loc], what)
            for i in idx:
                self.check_details(c, findings[i], what)

        # 2. examples stay hidden without --include-examples
        for c in hidden:
            if (c["kind"], c["value"]) in self.values:
                self.bad("EXAMPLE SHOWN: %s %s (%s:%s) is reported without --include-examples"
                         % (c["kind"], c["value"], c["path"], c["line"]))

        # 3. nothing else: unknown values, wrong groupings, extra locations
        for f in findings:
            if not self.area or any(self.in_area(l["path"]) for l in f.get("locations", [])):
                self.check_finding(f, planted, allowed, negatives)
        if self.area:
            return len(wanted)

        # 4. the summary agrees with the findings
        s = self.report.get("summary", {})
        if s.get("findings") != len(findings):
            self.bad("SUMMARY: summary.findings is %s but there are %d findings"
                     % (s.get("findings"), len(findings)))
        n_examples = sum(1 for f in findings if f.get("example"))
        if s.get("examples") != n_examples:
            self.bad("SUMMARY: summary.examples is %s but %d findings are examples"
                     % (s.get("examples"), n_examples))
        errors = self.report.get("scan", {}).get("errors")
        if errors:
            self.bad("SCAN: scan.errors is %s (every file of the tree is readable)" % errors)
        return len(wanted)

    def in_area(self, path):
        return not self.area or self.file_area.get(self.rel(path)) == self.area

    def check_location(self, c, fs, what):
        for f in fs:
            for loc in f.get("locations", []):
                if (loc["part"] == c["kind"] and self.rel(loc["path"]) == c["path"]
                        and loc["line"] == c["line"]
                        and (c.get("column") is None or loc["column"] == c["column"])):
                    return
        seen = sorted({"%s:%s:%s" % (self.rel(l["path"]), l["line"], l["column"])
                       for f in fs for l in f.get("locations", []) if l["part"] == c["kind"]})
        want = "%s:%s%s" % (c["path"], c["line"],
                            ":%s" % c["column"] if c.get("column") is not None else "")
        self.bad("WRONG LOCATION: %s: no %s location at %s; the finding has %s"
                 % (what, c["kind"], want, ", ".join(seen) or "none"))

    def check_details(self, c, f, what):
        if c["kind"] == "access_key_id":
            if "account_id" in c and f.get("account_id") != c["account_id"]:
                self.bad("ACCOUNT: %s: account_id is %s, expected %s"
                         % (what, f.get("account_id"), c["account_id"]))
        if bool(f.get("example")) != bool(c.get("example")):
            self.bad("EXAMPLE FLAG: %s: \"example\" is %s, expected %s"
                     % (what, f.get("example"), bool(c.get("example"))))
        if c["kind"] == "smtp_password" and c.get("region"):
            if c["key_id"] and f.get("access_key_id") != c["key_id"]:
                return
            for p in f.get("smtp_passwords", []):
                if p.get("value") != c["value"]:
                    continue
                if p.get("region") != c["region"]:
                    self.bad("SMTP REGION: %s: region is %s, expected %s"
                             % (what, p.get("region"), c["region"]))
                want = hashlib.sha256(c["derived_from"].encode()).hexdigest()
                if p.get("derived_from_secret") != want:
                    self.bad("SMTP DERIVATION: %s: derived_from_secret is %s, expected the "
                             "sha256 of %s (%s)" % (what, p.get("derived_from_secret"),
                                                    short(c["derived_from"]), want[:12]))

    def check_finding(self, f, planted, allowed, negatives):
        desc = self.describe(f)
        parts = []
        if f.get("access_key_id"):
            parts.append(("access_key_id", f["access_key_id"]))
        for kind, arr in ARRAYS.items():
            parts += [(kind, v["value"]) for v in f.get(arr, [])]
        for kind, value in parts:
            if (kind, value) in planted:
                continue
            neg = negatives.get(value) or next(
                (n for v, n in negatives.items() if v in value or value in v), None)
            if neg:
                self.bad("FALSE POSITIVE: %s %s reported in %s: it is a hard negative (%s, "
                         "planted in %s)" % (kind, value, desc, neg["why"], neg["path"]))
            else:
                self.bad("UNEXPECTED: %s %s reported in %s: not planted by the manifest"
                         % (kind, value, desc))
        kid = f.get("access_key_id")
        if kid and ("access_key_id", kid) in planted:
            for kind, value in parts[1:]:
                ok = allowed.get((kind, value), set())
                if (kind, value) in planted and kid not in ok and \
                        (kind, value) not in self.ungrouped:
                    self.bad("WRONG GROUP: %s %s is grouped with %s; the manifest ties it to %s"
                             % (kind, short(value), kid, ", ".join(sorted(ok)) or "no key ID"))
        # every location must be a place where one of the finding's values was planted
        places = set()
        for kind, value in parts:
            for c in planted.get((kind, value), []):
                places.add((kind, c["path"], c["line"]))
        for loc in f.get("locations", []):
            p = (loc["part"], self.rel(loc["path"]), loc["line"])
            if p not in places and self.in_area(loc["path"]):
                self.bad("EXTRA LOCATION: %s has a %s location at %s:%s:%s (rule %s%s) where "
                         "none of its values was planted"
                         % (desc, loc["part"], p[1], loc["line"], loc["column"], loc["rule"],
                            ", " + loc["encoding"] if loc.get("encoding") else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", help="scan target the report's paths start with")
    ap.add_argument("--include-examples", action="store_true",
                    help="the scan ran with --include-examples")
    ap.add_argument("--area", help="check only this group of files (see gen_tree.py)")
    ap.add_argument("report")
    ap.add_argument("manifest")
    a = ap.parse_args()

    try:
        if a.report == "-":
            report = json.load(sys.stdin)
        else:
            with open(a.report, encoding="utf-8") as f:
                report = json.load(f)
    except ValueError as e:
        print("check_report: %s is not JSON: %s" % (a.report, e))
        return 1
    with open(a.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    root = a.root
    if root is None:
        targets = report.get("scan", {}).get("targets", [])
        root = targets[0] if len(targets) == 1 else None

    ck = Checker(report, manifest, root, a.include_examples, a.area)
    n = ck.run()
    for p in ck.problems:
        print(p)
    print("check_report: %s%d planted values, %d findings, %d mismatches"
          % ("area %s: " % a.area if a.area else "", n, len(report.get("findings", [])),
             len(ck.problems)))
    return 1 if ck.problems else 0


if __name__ == "__main__":
    sys.exit(main())
