#!/usr/bin/env bash
# `sesame scan DIR` on a generated tree: every planted credential of every kind is found,
# in its place and with its key ID, and none of the hard negatives is reported.
# The tree and its manifest come from gen_tree.py (fixed seed); check_report.py compares.
. "$(dirname "$0")/lib.sh"
setup

GEN="$IT_DIR/gen_tree.py"
CHECK="$IT_DIR/check_report.py"
LIMITS="$SESAME_SRC/scanner/base/limits.h"

test_expect_success 'generate the tree (fixed seed) and its manifest' '
    start=$(date +%s%N)
    "$PYTHON" "$GEN" --limits "$LIMITS" tree manifest.json
    end=$(date +%s%N)
    echo "generated in $(( (end - start) / 1000000 )) ms"
    test -s manifest.json
    test -f "tree/configuração/ключи.env"
    test -f tree/.git/config
    chunk=$("$PYTHON" -c "import json; print(json.load(open(\"manifest.json\"))[\"chunk_bytes\"])")
    test "$(stat -c %s tree/logs/big-3chunks.log)" -gt $((2 * chunk))
    test "$(stat -c %s tree/logs/exact-chunk.log)" -eq "$chunk"
'

test_expect_success 'the same seed gives the same tree' '
    "$PYTHON" "$GEN" --limits "$LIMITS" --no-large tree2 manifest2.json
    "$PYTHON" "$GEN" --limits "$LIMITS" --no-large tree3 manifest3.json
    cmp manifest2.json manifest3.json
    diff -r tree2 tree3
    rm -rf tree2 tree3 manifest2.json manifest3.json
'

# Secret, token and SMTP values of the manifest (key IDs are shown by design).
"$PYTHON" - <<'EOF' 2>/dev/null
import json
m = json.load(open("manifest.json"))
with open("secret-values.txt", "w") as f:
    for c in m["credentials"]:
        if c["kind"] != "access_key_id":
            f.write(c["value"] + "\n")
EOF

test_expect_success 'scan --format json --show-secrets exits 1 and writes a report' '
    run_cmd sesame scan --format json --show-secrets tree
    expect_rc 1
    cp out report.json
    "$PYTHON" -c "import json; d = json.load(open(\"report.json\")); assert d[\"findings\"]"
'

for area in formats encoded smtp edge accuracy chunks; do
    case $area in
    formats) title='plain formats (.env, shell, CRLF INI, YAML, JSON, HCL, properties, code, XML, CSV, Dockerfile, UTF-8 path)' ;;
    encoded) title='encoded formats (base64 Secrets, URL-encoded, JSON \/ escapes, UTF-16LE/BE, binary, 200 KB line)' ;;
    smtp) title='SES SMTP passwords (v4 by endpoint and by key ID, v2 via MAIL_PASSWORD), linked to their secrets' ;;
    edge) title='edge cases (bare pair, padded token, compact JSON array, escapes at the edge of a secret)' ;;
    accuracy) title='issue 13: literals joined by code (Python, JS/TS, Java, Go, C, shell) at their first fragment; examples next to real keys hide nothing' ;;
    chunks) title='files larger than a chunk: keys across chunk starts, ends and ownership lines, at EOF' ;;
    esac
    test_expect_success "$title" "
        \"\$PYTHON\" \"\$CHECK\" --root tree --area $area report.json manifest.json
    "
done

test_expect_success 'hard negatives, .git directories and clean files produce nothing' '
    "$PYTHON" "$CHECK" --root tree --area negatives report.json manifest.json
    "$PYTHON" "$CHECK" --root tree --area clean report.json manifest.json
    run_cmd sesame scan --format json --show-secrets tree/negatives
    expect_rc 0
    "$PYTHON" -c "import json; d = json.load(open(\"out\")); assert d[\"findings\"] == [], d[\"findings\"]"
    run_cmd sesame scan tree/negatives
    expect_rc 0
    expect_grep "no credentials found" out
'

test_expect_success 'examples are hidden by default and counted' '
    "$PYTHON" "$CHECK" --root tree --area examples report.json manifest.json
    "$PYTHON" -c "import json; d = json.load(open(\"report.json\")); assert d[\"scan\"][\"examples_hidden\"] == 2, d[\"scan\"]"
    run_cmd sesame scan tree
    expect_rc 1
    expect_no_grep -F AKIAIOSFODNN7EXAMPLE out
    expect_grep "2 examples hidden" out
'

test_expect_success '--include-examples shows the example keys, flagged as examples' '
    run_cmd sesame scan --include-examples tree
    expect_rc 1
    expect_grep -F AKIAIOSFODNN7EXAMPLE out
    expect_grep -F AKIAI44QH8DHBEXAMPLE out
    run_cmd sesame scan --format json --show-secrets --include-examples tree
    expect_rc 1
    cp out report-examples.json
    "$PYTHON" "$CHECK" --root tree --include-examples --area examples report-examples.json manifest.json
'

test_expect_success 'summary and scan statistics agree with the findings' '
    "$PYTHON" - <<EOF
import json
d = json.load(open("report.json"))
s, f = d["summary"], d["findings"]
assert s["findings"] == len(f), (s, len(f))
for kind in ("access_key_id", "secret_access_key", "session_token", "smtp_password"):
    assert s["by_kind"][kind] == sum(1 for x in f if x["kind"] == kind), (kind, s)
assert d["scan"]["errors"] == 0, d["scan"]
files = json.load(open("manifest.json"))["files"]
scanned = sum(1 for p in files if not p.startswith(".git/") and "/.git/" not in p)
assert d["scan"]["files"] == scanned, (d["scan"]["files"], scanned)
EOF
'

test_expect_success 'default text report shows no secret, token or SMTP value' '
    run_cmd sesame scan tree
    expect_rc 1
    test -s secret-values.txt
    expect_no_grep -F -f secret-values.txt out
    expect_no_grep -F -f secret-values.txt err
    key=$("$PYTHON" -c "import json; print(next(c[\"value\"] for c in json.load(open(\"manifest.json\"))[\"credentials\"] if c[\"path\"] == \"app/.env\"))")
    expect_grep -F "$key" out
    expect_grep -F "tree/configuração/ключи.env:2:19 (access_key_id" out
'

test_expect_success 'default JSON and JSONL reports show no secret, token or SMTP value' '
    run_cmd sesame scan --format json tree
    expect_rc 1
    expect_no_grep -F -f secret-values.txt out
    "$PYTHON" -c "
import json
d = json.load(open(\"out\"))
for f in d[\"findings\"]:
    for arr in (\"secrets\", \"session_tokens\", \"smtp_passwords\"):
        for v in f[arr]:
            assert \"value\" not in v, (f[\"fingerprint\"], arr)
            assert v[\"redacted\"] and len(v[\"sha256\"]) == 64
"
    run_cmd sesame scan --format jsonl tree
    expect_rc 1
    expect_no_grep -F -f secret-values.txt out
'

test_expect_success 'exit status 1 with findings, 0 with --exit-zero' '
    run_cmd sesame scan tree
    expect_rc 1
    run_cmd sesame scan --exit-zero tree
    expect_rc 0
    expect_grep -F "access key ID" out
    run_cmd sesame scan --exit-zero --format json tree
    expect_rc 0
    "$PYTHON" -c "import json; assert json.load(open(\"out\"))[\"findings\"]"
'

if "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
    test_expect_success 'JSON reports validate against schema/report.schema.json' '
        run_cmd sesame scan --format json tree
        cp out report-default.json
        "$PYTHON" - "$SESAME_SRC/schema/report.schema.json" report.json report-default.json report-examples.json <<EOF
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    seen = {}
    for e in v.iter_errors(json.load(open(path))):
        bad += 1
        where = "/".join("N" if isinstance(p, int) else p for p in e.absolute_path)
        seen.setdefault((where, e.message[:200]), []).append(e)
    for (where, msg), errs in sorted(seen.items())[:20]:
        print("%s: %s: %s (%d times)" % (path, where, msg, len(errs)))
sys.exit(1 if bad else 0)
EOF
    '
else
    test_skip 'JSON reports validate against schema/report.schema.json' 'python3 jsonschema is not installed'
fi

test_expect_success 'jsonl: one finding per line, the same findings as json, in order' '
    run_cmd sesame scan --format jsonl --show-secrets tree
    expect_rc 1
    cp out report.jsonl
    "$PYTHON" - "$SESAME_SRC/schema/report.schema.json" <<EOF
import json, sys
doc = json.load(open("report.json"))
lines = open("report.jsonl", encoding="utf-8").read().split("\n")
assert lines[-1] == "", "jsonl output does not end with a newline"
lines = lines[:-1]
objs = [json.loads(l) for l in lines]
assert all(isinstance(o, dict) and "fingerprint" in o for o in objs), "a line is not a finding"
assert len(objs) == len(doc["findings"]) == doc["summary"]["findings"], \
    (len(objs), len(doc["findings"]))
assert [o["fingerprint"] for o in objs] == [f["fingerprint"] for f in doc["findings"]]
assert objs == doc["findings"], "jsonl findings differ from json findings"
try:
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit(0)
schema = json.load(open(sys.argv[1]))
finding = dict(schema["\$defs"]["finding"])
finding["\$defs"] = schema["\$defs"]
v = Draft202012Validator(finding)
errs = sorted({e.message[:200] for o in objs for e in v.iter_errors(o)})
assert not errs, "findings do not match #/\$defs/finding: " + "; ".join(errs[:10])
EOF
'

test_done
