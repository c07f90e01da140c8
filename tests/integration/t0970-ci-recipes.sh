#!/usr/bin/env bash
# Issue 17 item 9: the CI recipes in hooks/ci work as written. Their shell steps are run
# here (tests/integration/ci_recipes.py reads the YAML) on a generated repository with a
# pull/merge request that adds a key, and on one that adds none:
#   - sesame is installed as the recipe says: cloned (from this checkout, as a user
#     points SESAME_GIT_URL at their copy), deps.sh, cmake, cpack -G DEB, apt-get install
#     of the .deb; offline stand-ins: apt-get (packages must already be installed; a .deb
#     is unpacked into a private root whose usr/bin is on PATH) and the compile itself
#     (`cmake --build` reuses this build's binary: cpack packages $SESAME_BUILD);
#   - everything else runs for real: the range, the scan, the SARIF or GitLab report, the
#     job's exit status.
. "$(dirname "$0")/lib.sh"
setup

tools_ok() { command -v cpack && command -v dpkg-shlibdeps && "$PYTHON" -c "import yaml"; } >/dev/null 2>&1
if [ -z "$SESAME_BUILD" ] || ! tools_ok; then
    test_skip 'CI recipes' 'needs SESAME_BUILD, cpack, dpkg-shlibdeps (dpkg-dev) and python3-yaml'
    test_done
fi

export HOME="$TRASH/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name T && git config --global user.email t@example.com
git config --global init.defaultBranch main
ORIG_PATH=$PATH   # the real cmake and cpack, for make_deb.sh under the shims
SHIMS="$TRASH/shims"
ROOT="$TRASH/root"   # where the "installed" package goes
mkdir -p "$SHIMS" "$ROOT/usr/bin"
export ROOT SESAME_BUILD

cat >"$SHIMS/apt-get" <<'EOF'
#!/bin/sh
# offline apt-get: `update` does nothing; `install` needs the packages installed already,
# and unpacks a .deb into $ROOT (dpkg -x) instead of the system.
[ "$1" = update ] && exit 0
[ "$1" = install ] || { echo "apt-get shim: unexpected '$*'" >&2; exit 100; }
shift
for a in "$@"; do
    case $a in
    -*) ;;
    *.deb) [ -f "$a" ] || { echo "apt-get shim: no file $a" >&2; exit 100; }
           dpkg -x "$a" "$ROOT" || exit 100 ;;
    *) dpkg-query -W -f='${Status}' "$a" 2>/dev/null | grep -q "install ok installed" ||
           { echo "apt-get shim: $a is not installed (offline test)" >&2; exit 100; } ;;
    esac
done
EOF
cat >"$SHIMS/cmake" <<'EOF'
#!/bin/sh
# cmake: configuring makes the build directory; --build does not compile again (this
# test's build is the product; cpack below packages it).
case " $* " in
*" --build "*) echo "cmake --build $*" >>"$ROOT/../cmake.log"; exit 0 ;;
esac
b=
while [ $# -gt 0 ]; do [ "$1" = -B ] && b=$2; shift; done
[ -n "$b" ] && mkdir -p "$b" && echo "configured" >"$b/CMakeCache.txt"
EOF
cat >"$SHIMS/cpack" <<EOF
#!/bin/sh
# cpack -G DEB in the recipe's build directory: the .deb of this test's build
# (make_deb.sh), once; the later recipes get a copy of it (the suite's time budget).
[ -f CMakeCache.txt ] || { echo "cpack shim: not in a configured build directory" >&2; exit 1; }
if ! ls "$TRASH"/deb-cache/sesame_*.deb >/dev/null 2>&1; then
    PATH="$ORIG_PATH" bash "$SESAME_SRC/tests/integration/make_deb.sh" "$SESAME_BUILD" \
        "$TRASH/deb-cache" >/dev/null || exit 1
fi
cp "$TRASH"/deb-cache/sesame_*.deb .
EOF
chmod +x "$SHIMS"/*
HEAD_OF_SRC=$(git -C "$SESAME_SRC" rev-parse HEAD)

# make_pr NAME WITH_KEY: a repository with a base commit and a pull request commit on
# top (adding a key when WITH_KEY=1), cloned to NAME (the CI checkout); BASE, HEAD set.
make_pr() {
    rm -rf "$1.origin" "$1"
    git init -q "$1.origin"
    echo "hello" >"$1.origin/README"
    git -C "$1.origin" add README && git -C "$1.origin" commit -q -m base
    BASE=$(git -C "$1.origin" rev-parse HEAD)
    if [ "$2" = 1 ]; then
        "$PYTHON" "$SESAME_SRC/tests/support/fakekeys.py" --seed t0830 creds 1 >"$1.origin/deploy.ini"
    else
        echo "no keys here" >"$1.origin/deploy.ini"
    fi
    git -C "$1.origin" add deploy.ini && git -C "$1.origin" commit -q -m change
    HEAD=$(git -C "$1.origin" rev-parse HEAD)
    git clone -q "$1.origin" "$1"
    export BASE HEAD
}

run_recipe() {
    rm -rf "$ROOT" "$TRASH/runner-temp"
    mkdir -p "$ROOT/usr/bin"
    rc=0
    "$PYTHON" "$SESAME_SRC/tests/integration/ci_recipes.py" "$1" "$SESAME_SRC/hooks/ci/$2" \
        "$TRASH/$3" "$SHIMS:$ROOT/usr/bin" "SESAME_GIT_URL=$SESAME_SRC" \
        "SESAME_REF=$HEAD_OF_SRC" "SESAME_SRC_DIR=$TRASH/$3.sesame-src" >"$3.log" 2>&1 || rc=$?
}

test_expect_success 'no sesame on PATH before the recipes install it' '
    if PATH="$SHIMS:$ROOT/usr/bin:$PATH" type -P sesame; then exit 1; fi
'

test_expect_success 'GitHub Actions: a pull request adding a key fails, with SARIF and annotations' '
    make_pr gh 1
    run_recipe github github-actions.yml gh
    cat gh.log
    expect_eq "$rc" 1
    expect_grep "^step Install sesame: exit 0" gh.log
    expect_grep "^sesame [0-9.]* (commit " gh.log
    expect_grep "^step Scan: exit 0" gh.log
    expect_grep "scanning $BASE..$HEAD" gh.log
    expect_grep "^step Upload to code scanning: sarif present" gh.log
    expect_grep "^::error file=deploy.ini,line=2::" gh.log
    expect_grep "^step Fail on findings: exit 1" gh.log
    "$PYTHON" -c "
import json
d = json.load(open(\"gh/sesame.sarif\"))
assert d[\"version\"] == \"2.1.0\" and d[\"runs\"][0][\"results\"], d[\"runs\"][0].get(\"results\")
"
    test -x "$ROOT/usr/bin/sesame"
    expect_grep "cmake --build" cmake.log
'

test_expect_success 'GitHub Actions: a clean pull request passes' '
    make_pr gh2 0
    run_recipe github github-actions.yml gh2
    cat gh2.log
    expect_eq "$rc" 0
    expect_grep "no AWS credentials in this change" gh2.log
'

test_expect_success 'GitLab CI: a merge request adding a key fails, with the Secret Detection report' '
    make_pr gl 1
    run_recipe gitlab gitlab-ci.yml gl
    cat gl.log
    expect_eq "$rc" 1
    expect_grep "^sesame [0-9.]* (commit " gl.log
    expect_grep "^sesame: 1 finding" gl.log
    expect_grep "artifact gl-secret-detection-report.json: present" gl.log
    "$PYTHON" -c "
import json, jsonschema
d = json.load(open(\"gl/gl-secret-detection-report.json\"))
s = json.load(open(\"$SESAME_SRC/tests/data/gitlab-secret-detection-subset.schema.json\"))
jsonschema.Draft7Validator(s).validate(d)
assert [v[\"location\"][\"file\"] for v in d[\"vulnerabilities\"]] == [\"deploy.ini\", \"deploy.ini\"], d
assert {v[\"location\"][\"commit\"][\"sha\"] for v in d[\"vulnerabilities\"]} == {\"$HEAD\"}
"
'

test_expect_success 'GitLab CI: a clean merge request passes' '
    make_pr gl2 0
    run_recipe gitlab gitlab-ci.yml gl2
    cat gl2.log
    expect_eq "$rc" 0
    expect_grep "artifact gl-secret-detection-report.json: present" gl2.log
'

test_done
