#!/usr/bin/env bash
# The matcher's windows (issue 16 goal 2): keyword rules are prefiltered by their keyword
# alone, yaml_parent/json_parent by the child key and its value (patterns/aws.json), and
# PCRE2 confirms from there. Generated cases (fixed seed, one a file) say what must and
# must not be found: every keyword of the keyword rules at its longest and with every
# separator, quote and blank the patterns allow; secrets and SMTP passwords at 1,023,
# 1,024 and 1,025 bytes from a key ID or a mail context (the proximity window is 1,024
# bytes each side: a value starting on its last byte is in, one further is out); the
# nested YAML/JSON/HCL shapes. A value is found when a location of its part starts at
# its offset. gen.py --dense writes the same cases into one file (benches: the A/B
# comparison of reports). Keys come from a fixed seed; no key-shaped literal is here.
. "$(dirname "$0")/lib.sh"
setup

export SUPPORT="$SESAME_SRC/tests/support"
cp "$SESAME_SRC/tests/integration/engine_cases.py" "$TRASH/gen.py"
(cd "$TRASH" && "$PYTHON" gen.py cases >expect.json) || exit 2

test_expect_success 'every generated case is found or not as its distance and shape say' '
    run_cmd sesame scan --no-config cases --format json
    expect_rc 1
    cp out cases.json
    "$PYTHON" gen.py check expect.json cases.json
'

test_expect_success 'the dense file of all cases scans complete, with what the cases promise' '
    "$PYTHON" gen.py dense >dense.expect
    run_cmd sesame scan --no-config dense.txt --format json
    expect_rc 1
    "$PYTHON" -c "
import json
d = json.load(open(\"out\"))
assert d[\"scan\"][\"complete\"], d[\"scan\"]
found = {l[\"offset\"] for f in d[\"findings\"] for l in f[\"locations\"]}
want = [int(x) for x in open(\"dense.expect\").read().split()]
missing = [o for o in want if o not in found]
assert not missing and len(want) > 100, (len(want), missing[:10])
"
'

test_done
