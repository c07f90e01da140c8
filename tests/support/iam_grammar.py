"""The IAM policy grammar (IAM User Guide, "Grammar of the IAM JSON policy language"),
for identity-based policies: what a policy must look like to be accepted."""
import json, re, sys

OPS = {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
       "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
       "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
       "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
       "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
       "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null"}
ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$")
KEY = re.compile(r"^(aws|ses):[A-Za-z0-9]+$")


def strs(v):
    return [v] if isinstance(v, str) else v


def check(doc):
    errs = []
    if not isinstance(doc, dict) or set(doc) - {"Version", "Id", "Statement"}:
        return ["top level: only Version, Id, Statement"]
    if doc.get("Version") != "2012-10-17":
        errs.append("Version must be 2012-10-17")
    sts = doc.get("Statement")
    sts = [sts] if isinstance(sts, dict) else sts
    if not isinstance(sts, list) or not sts:
        return errs + ["Statement: an object or a non-empty list"]
    for i, st in enumerate(sts):
        where = f"Statement[{i}]"
        if not isinstance(st, dict):
            errs.append(f"{where}: not an object")
            continue
        extra = set(st) - {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                           "Condition"}
        if extra:
            errs.append(f"{where}: unexpected {sorted(extra)} (no Principal in an identity policy)")
        if st.get("Effect") not in ("Allow", "Deny"):
            errs.append(f"{where}: Effect")
        if "Sid" in st and not re.fullmatch(r"[A-Za-z0-9]+", st["Sid"]):
            errs.append(f"{where}: Sid must be alphanumeric")
        if ("Action" in st) == ("NotAction" in st):
            errs.append(f"{where}: exactly one of Action, NotAction")
        for a in strs(st.get("Action", st.get("NotAction", []))):
            if not isinstance(a, str) or not (a == "*" or ACTION.match(a)):
                errs.append(f"{where}: action {a!r}")
        if ("Resource" in st) == ("NotResource" in st):
            errs.append(f"{where}: exactly one of Resource, NotResource")
        for r in strs(st.get("Resource", st.get("NotResource", []))):
            if not isinstance(r, str) or not (r == "*" or ARN.match(r)):
                errs.append(f"{where}: resource {r!r}")
        cond = st.get("Condition", {})
        if not isinstance(cond, dict):
            errs.append(f"{where}: Condition")
            continue
        for op, block in cond.items():
            base = re.sub(r"^(ForAllValues|ForAnyValue):", "", op)
            base = re.sub(r"IfExists$", "", base)
            if base not in OPS:
                errs.append(f"{where}: condition operator {op!r}")
            if not isinstance(block, dict) or not block:
                errs.append(f"{where}: {op}: not a map of keys")
                continue
            for key, vals in block.items():
                if not KEY.match(key):
                    errs.append(f"{where}: condition key {key!r}")
                if not all(isinstance(v, str) and v for v in strs(vals)):
                    errs.append(f"{where}: {key}: values must be strings")
    return errs


if __name__ == "__main__":
    doc = json.load(open(sys.argv[1]))
    errs = check(doc)
    for e in errs:
        print("invalid IAM policy:", e)
    sys.exit(1 if errs else 0)
