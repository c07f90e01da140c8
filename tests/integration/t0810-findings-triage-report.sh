#!/usr/bin/env bash
# The commands that read the store back (issue 14): `sesame findings` (ranked by risk,
# one per credential across repositories, filters, text/json/jsonl/csv), `sesame triage`
# (state, note, who, history) and `sesame report --html` (self-contained: no network,
# secrets redacted; rows ranked by risk). When Debian's chromium is installed, the page
# is opened headless: its DOM after load has every row, ranked; opened as report.html#sort=2
# its script sorts by the credential column; the console shows no error; a screenshot is
# kept as a test artefact (build/test-artifacts/report.png).
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"
. "$IT_DIR/store_lib.sh"

# rows FILE: one line per finding row of the HTML table, in document order:
# "risk<TAB>credential<TAB>state<TAB>hidden".
rows() {
    "$PYTHON" -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.row = None; self.cells = []; self.out = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "finding" in (a.get("class") or "").split():
            self.row = ["hidden" in a]; self.cells = []
        elif tag == "td" and self.row is not None:
            self.cells.append(a.get("data-v"))
    def handle_endtag(self, tag):
        if tag == "tr" and self.row is not None:
            self.out.append("%s\t%s\t%s\t%s" % (self.cells[0], self.cells[2], self.cells[3],
                                                 "hidden" if self.row[0] else "shown"))
            self.row = None
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); print("\n".join(p.out))' "$1"
}

test_expect_success 'audit two repositories sharing a credential' '
    git init -q r1 && git init -q r2
    (cd r1 && creds 1 >a.env && creds 3 >c.env && git add . && commit -m one)
    (cd r1 && git rm -q c.env && commit -m "remove c")
    (cd r2 && creds 1 >copy.env && { echo "aws_access_key_id = $(key 2)"; } >idonly.txt &&
     git add . && commit -m two)
    run_cmd sesame audit --db s.db r1 r2
    expect_rc 1
'

test_expect_success 'findings: one per credential across repositories, ranked by risk' '
    sesame findings --db s.db -f json >f.json
    expect_eq "$(js f.json "len(d[\"findings\"])")" 3
    js f.json "[f[\"risk\"][\"score\"] for f in d[\"findings\"]]" >scores
    js f.json "[f[\"risk\"][\"score\"] for f in d[\"findings\"]] == sorted([f[\"risk\"][\"score\"] for f in d[\"findings\"]], reverse=True)" >ranked
    expect_eq "$(cat ranked)" True
    expect_eq "$(js f.json "[len(f[\"repositories\"]) for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 1)\"]")" "[2]"
    expect_eq "$(js f.json "[f[\"at_head\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 3)\"]")" "[False]"
    expect_eq "$(js f.json "[f[\"at_head\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 1)\"]")" "[True]"
    expect_no_grep -F "$(secret 1)" f.json
    sesame findings --db s.db >f.txt
    expect_grep "$(key 1)" f.txt
    expect_no_grep -F "$(secret 1)" f.txt
    sesame findings --db s.db -f jsonl >f.jsonl
    expect_eq "$(wc -l <f.jsonl)" 3
    sesame findings --db s.db -f csv -o f.csv
    expect_eq "$(wc -l <f.csv)" 4
    expect_grep "^fingerprint,access_key_id" f.csv
    sesame findings --db s.db -f json --repo "$TRASH/r2" >r2.json
    expect_eq "$(js r2.json "len(d[\"findings\"])")" 2
    sesame findings --db s.db -f json --min-risk 101 >/dev/null 2>&1 || test $? -eq 2
    top=$(js f.json "d[\"findings\"][0][\"risk\"][\"score\"]")
    sesame findings --db s.db -f json --min-risk "$top" >top.json
    test "$(js top.json "len(d[\"findings\"])")" -ge 1
    test "$(js top.json "len(d[\"findings\"])")" -lt 3
'

test_expect_success 'triage: state, note, who, history; bad input refused' '
    fp=$(js f.json "[f[\"fingerprint\"] for f in d[\"findings\"] if f[\"access_key_id\"] == \"$(key 3)\"][0]")
    run_cmd sesame triage --db s.db "$fp" --state revoked --note "rotated on call" --by alice
    expect_rc 0
    expect_grep "open -> revoked" out
    USER=bob sesame triage --db s.db "$fp" --state accepted_risk
    sesame findings --db s.db -f json --state accepted_risk >t.json
    expect_eq "$(js t.json "[(f[\"fingerprint\"], f[\"state_by\"]) for f in d[\"findings\"]]")" "[(${Q}$fp${Q}, ${Q}bob${Q})]"
    expect_eq "$(js t.json "[(h[\"state\"], h[\"note\"], h[\"by\"]) for h in d[\"findings\"][0][\"triage_history\"]]")" \
        "[(${Q}revoked${Q}, ${Q}rotated on call${Q}, ${Q}alice${Q}), (${Q}accepted_risk${Q}, None, ${Q}bob${Q})]"
    sesame findings --db s.db -f json --state open >o.json
    expect_eq "$(js o.json "len(d[\"findings\"])")" 2
    run_cmd sesame triage --db s.db "$fp" --state wontfix
    expect_rc 2
    run_cmd sesame triage --db s.db 0000000000000000 --state revoked
    expect_rc 2
    expect_grep "no finding" err
    run_cmd sesame triage --db s.db "$fp"
    expect_rc 2
'

test_expect_success 'findings --format sarif: valid SARIF 2.1.0, triaged results suppressed' '
    sesame findings --db s.db -f sarif -o f.sarif
    "$PYTHON" -c "
import json, sys, jsonschema
doc = json.load(open(\"f.sarif\"))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
res = doc[\"runs\"][0][\"results\"]
assert len(res) == 3, len(res)
sup = [r[\"properties\"][\"state\"] for r in res if r.get(\"suppressions\")]
assert sup == [\"accepted_risk\"], sup
risks = [r[\"properties\"][\"risk\"] for r in res]
assert risks == sorted(risks, reverse=True), risks
" "$SESAME_SRC/tests/data/sarif-schema-2.1.0.json"
    expect_no_grep -F "$(secret 1)" f.sarif
'

test_expect_success 'report --html: self-contained, redacted, ranked' '
    run_cmd sesame report --db s.db --html report.html
    expect_rc 0
    expect_no_grep -F "$(secret 1)" report.html
    expect_no_grep -F "$(secret 3)" report.html
    expect_no_grep -iE "<(link|img|iframe|object)|(src|href) *=|url\(|@import" report.html
    expect_no_grep -iE "https?://" report.html
    expect_grep "<svg class=\"timeline\"" report.html
    expect_grep "id=\"t-creds\"><b>3</b>" report.html
    expect_grep "id=\"t-repos\"><b>2</b>" report.html
    rows report.html >rows.txt
    expect_eq "$(wc -l <rows.txt)" 3
    cut -f1 rows.txt >risk.txt
    sort -rn risk.txt >risk.sorted
    test_cmp risk.sorted risk.txt
    expect_grep "accepted_risk" rows.txt
    run_cmd sesame report --db s.db
    expect_rc 2
'

test_expect_success 'paths from the store print as a scan prints them: a "!" of a name is \!, members joined by !' '
    git init -q r3
    (cd r3 && creds 5 >"x!y.env" &&
     "$PYTHON" -c "import sys, zipfile; z = zipfile.ZipFile(\"pkg.zip\", \"w\"); z.writestr(\"a!b.env\", open(sys.argv[1]).read()); z.close()" "x!y.env" &&
     git add . && commit -m bang)
    run_cmd sesame audit --db bang.db r3
    expect_rc 1
    sesame findings --db bang.db -f json >bang.json
    js bang.json "\" \".join(sorted(set(l[\"path\"] for f in d[\"findings\"] for l in f[\"locations\"])))" >paths
    expect_eq "$(cat paths)" "pkg.zip!a\\!b.env x\\!y.env"
    sesame findings --db bang.db >bang.txt
    expect_grep -F "pkg.zip!a\\!b.env:" bang.txt
    expect_grep -F "x\\!y.env:" bang.txt
    sesame report --db bang.db --html bang.html
    expect_grep -F "pkg.zip!a\\!b.env:" bang.html
'

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
    # chrome_dump URL OUT: the DOM after load (and after its script ran), console on stderr.
    chrome_dump() {
        timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
            --disable-dev-shm-usage --user-data-dir="$TRASH/chrome-profile" \
            --enable-logging=stderr --v=0 --virtual-time-budget=2000 \
            --dump-dom "$1" >"$2" 2>"$2.log"
    }
    test_expect_success 'chromium: every row, ranked; #sort=2 sorts by credential; no console error' '
        chrome_dump "file://$TRASH/report.html" dom.html
        rows dom.html >dom-rows.txt
        expect_eq "$(wc -l <dom-rows.txt)" 3
        cut -f1 dom-rows.txt >dom-risk.txt
        sort -rn dom-risk.txt >dom-risk.sorted
        test_cmp dom-risk.sorted dom-risk.txt
        chrome_dump "file://$TRASH/report.html#sort=2" sorted.html
        rows sorted.html | cut -f2 >by-cred.txt
        LC_ALL=C sort by-cred.txt >by-cred.sorted
        test_cmp by-cred.sorted by-cred.txt
        # the script ran: the header it sorted by is marked
        expect_grep "class=\"sorted-asc\"" sorted.html
        expect_no_grep -E "CONSOLE.*(Error|error)|Uncaught" dom.html.log
        expect_no_grep -E "CONSOLE.*(Error|error)|Uncaught" sorted.html.log
    '
    test_expect_success 'chromium: a screenshot, kept as a test artefact' '
        art="${SESAME_BUILD:-$TRASH}/test-artifacts"
        mkdir -p "$art"
        rm -f "$art/report.png"
        timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
            --disable-dev-shm-usage --user-data-dir="$TRASH/chrome-profile" \
            --window-size=1280,900 --screenshot="$art/report.png" \
            "file://$TRASH/report.html" >/dev/null 2>&1
        test -s "$art/report.png"
        expect_eq "$(head -c 8 "$art/report.png" | od -An -tx1 | tr -d " \n")" 89504e470d0a1a0a
    '
else
    test_skip 'chromium: the DOM after load, sorting, console' 'chromium is not installed'
    test_skip 'chromium: a screenshot' 'chromium is not installed'
fi

test_done
