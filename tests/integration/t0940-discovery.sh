#!/usr/bin/env bash
# Issue 17 item 4: configuration and repository discovery. From a subdirectory of a
# repository, .sesame.json (and the baseline it names) are found upward to the
# repository's top; SESAME_CONFIG names one for every target; --staged, --rev-range and
# the hooks work from there; a plain scan there says that history is not scanned;
# --no-history on a bare repository is an error.
. "$(dirname "$0")/lib.sh"
setup

cat >"$TRASH/plant.py" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ["SESAME_SRC"], "tests", "support"))
import fakekeys
k = fakekeys.Keys("sesame-t0800")
os.makedirs("repo/sub/vendor", exist_ok=True)
os.makedirs("repo/sub/app", exist_ok=True)
def creds():
    return f"AWS_ACCESS_KEY_ID={k.key_id()}\nAWS_SECRET_ACCESS_KEY={k.secret()}\n"
open("repo/sub/vendor/lib.env", "w").write(creds())   # excluded by the root config
open("repo/sub/app/known.env", "w").write(creds())    # in the baseline
open("repo/sub/app/new.env", "w").write(creds())      # new: reported
open("staged.env", "w").write(creds())                # staged later
EOF

test_expect_success 'setup: a repository whose top holds .sesame.json and a baseline' '
    "$PYTHON" plant.py &&
    git -C repo init -q -b main &&
    git -C repo config user.email t@example.com && git -C repo config user.name T &&
    mv repo/sub/app/new.env new.env.later &&
    (cd repo && "$SESAME_BIN" baseline create --no-config sub/app >.sesame-baseline.json) &&
    mv new.env.later repo/sub/app/new.env &&
    printf "{\"exclude\": [\"sub/vendor/**\", \"other/**\"], \"baseline\": \".sesame-baseline.json\"}\n" \
        >repo/.sesame.json &&
    git -C repo add -A && git -C repo commit -q -m init
'

# keys FILE: how many findings a JSON report has, and scan.excluded, scan.suppressed
counts() {
    "$PYTHON" -c "
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d[\"findings\"]), d[\"scan\"][\"excluded\"], d[\"scan\"][\"suppressed\"])" "$1"
}

test_expect_success 'from repo/sub: the top .sesame.json applies (globs rebased) with its baseline' '
    (cd repo/sub && "$SESAME_BIN" scan --no-history . -f json >../../sub.json 2>../../sub.err) || true
    expect_eq "$(counts sub.json)" "1 1 1"
    run_cmd sesame scan --no-history repo/sub -f json
    expect_eq "$(counts out)" "1 1 1"
    run_cmd sesame scan --no-history repo/sub -f json --no-config
    expect_eq "$(counts out)" "3 0 0"
'

test_expect_success 'SESAME_CONFIG names the configuration for every target' '
    printf "{\"exclude\": [\"app/**\"]}\n" >cfg.json
    SESAME_CONFIG="$TRASH/cfg.json" run_cmd sesame scan --no-history repo/sub -f json
    expect_eq "$(counts out)" "1 1 0"
    SESAME_CONFIG="$TRASH/cfg.json" run_cmd sesame scan --no-history repo/sub -f json --no-config
    expect_eq "$(counts out)" "3 0 0"
    SESAME_CONFIG="$TRASH/missing.json" run_cmd sesame scan --no-history repo/sub
    must_fail test "$rc" -eq 0
    expect_grep "missing.json" err
'

test_expect_success 'a plain scan of a subdirectory says its history is not scanned' '
    (cd repo/sub && "$SESAME_BIN" scan . >../../p.out 2>../../p.err) || true
    expect_grep "is inside the git repository .*: its files are scanned, not the history" p.err
    (cd repo/sub && "$SESAME_BIN" scan --no-history . >../../q.out 2>../../q.err) || true
    expect_no_grep "inside the git repository" q.err
'

test_expect_success '--staged, --since-commit and the hooks work from a subdirectory' '
    cp staged.env repo/sub/app/staged.env && git -C repo add sub/app/staged.env
    (cd repo/sub && "$SESAME_BIN" scan --staged -f json >../../st.json 2>../../st.err) && exit 1
    expect_eq "$("$PYTHON" -c "
import json
print(\" \".join(sorted(l[\"path\"] for f in json.load(open(\"st.json\"))[\"findings\"] for l in f[\"locations\"])))")" \
        "sub/app/staged.env sub/app/staged.env"
    expect_no_grep "need a git repository" st.err
    (cd repo/sub && "$SESAME_BIN" hook pre-commit >../../hk.out 2>&1) && exit 1
    expect_grep "staged.env" hk.out
    git -C repo commit -q -m staged
    (cd repo/sub && "$SESAME_BIN" scan --since-commit HEAD~1 -f json >../../sc.json 2>/dev/null) && exit 1
    expect_grep "staged.env" sc.json
    (cd repo/sub && "$SESAME_BIN" install-hook pre-commit >../../ih.out) &&
    test -x repo/.git/hooks/pre-commit
'

test_expect_success '--no-history on a bare repository is an error, not a scan of git internals' '
    git clone -q --bare repo bare.git
    run_cmd sesame scan --no-history bare.git
    expect_rc 2
    expect_grep "bare repository: it has no checked-out files" err
    run_cmd sesame scan bare.git -f json
    expect_rc 1
'

test_done
