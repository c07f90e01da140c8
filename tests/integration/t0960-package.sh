#!/usr/bin/env bash
# Issue 17 item 7: packaging. `cpack -G DEB` on the build (make_deb.sh: staged by the
# install rules, so that cpack does not rebuild the tree under the other tests) makes
# sesame_VERSION_ARCH.deb whose Depends are Debian package names (dpkg-shlibdeps: the
# libraries the binary links, plus git); it holds the binary, the gzipped man page, the
# bash/zsh/fish completions generated from the option table, the hooks, the schema and
# the README; extracted into a temporary root (dpkg -x) the binary runs and scans.
# `sesame --version` names the git commit of the build.
. "$(dirname "$0")/lib.sh"
setup

tools_ok() { command -v cpack && command -v dpkg-deb && command -v dpkg-shlibdeps; } >/dev/null
if [ -z "$SESAME_BUILD" ] || ! tools_ok; then
    test_skip 'the .deb' 'needs SESAME_BUILD, cpack, dpkg-deb and dpkg-shlibdeps (dpkg-dev)'
    test_done
fi
ARCH=$(dpkg --print-architecture)
VERSION=$("$SESAME_BIN" --version | sed -n 's/^sesame \([0-9.]*\) .*/\1/p')

test_expect_success '--version: the version and the git commit of the build' '
    run_cmd sesame --version
    expect_rc 0
    expect_grep "^sesame [0-9]*\\.[0-9]*\\.[0-9]* (commit [0-9a-f]\\{12\\}\\(-dirty\\)\\?)$" out
    commit=$(sed -n "s/.*(commit \([0-9a-f]*\).*/\1/p" out)
    if git -C "$SESAME_SRC" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$SESAME_SRC" cat-file -e "$commit^{commit}"  # a commit of this repository
    fi
'

test_expect_success 'cpack -G DEB makes sesame_VERSION_ARCH.deb' '
    bash "$SESAME_SRC/tests/integration/make_deb.sh" "$SESAME_BUILD" "$TRASH/pkg" >cpack.log 2>&1 ||
        { cat cpack.log; exit 1; }
    test -s "pkg/sesame_${VERSION}_${ARCH}.deb"
'

DEB="$TRASH/pkg/sesame_${VERSION}_${ARCH}.deb"

test_expect_success 'its Depends are the Debian packages of the libraries it links, and git' '
    dpkg-deb -f "$DEB" Depends >depends.txt
    cat depends.txt
    for p in libhyperscan5 libpcre2-8-0 libgit2-1.5 libcurl4 libarchive13 libjansson4 \
             libnettle8 zlib1g libdeflate0 libc6 git; do
        grep -Eq "(^|, )$p( |,|$)" depends.txt || { echo "no $p in Depends"; exit 1; }
    done
    expect_eq "$(dpkg-deb -f "$DEB" Package)" sesame
    expect_eq "$(dpkg-deb -f "$DEB" Version)" "$VERSION"
    expect_eq "$(dpkg-deb -f "$DEB" Architecture)" "$ARCH"
'

test_expect_success 'it holds what Debian expects where Debian expects it' '
    dpkg-deb -c "$DEB" | awk "{print \$NF}" >files.txt
    for f in ./usr/bin/sesame ./usr/share/man/man1/sesame.1.gz \
             ./usr/share/bash-completion/completions/sesame \
             ./usr/share/zsh/vendor-completions/_sesame \
             ./usr/share/fish/vendor_completions.d/sesame.fish \
             ./usr/share/sesame/hooks/pre-receive ./usr/share/sesame/hooks/ci/gitlab-ci.yml \
             ./usr/share/sesame/schema/report.schema.json ./usr/share/doc/sesame/README.md \
             ./usr/lib/sesame/libssh2_none.so ./usr/lib/sesame/gssapi_none.so \
             ./usr/lib/sesame/libxml2_none.so; do
        grep -qx "$f" files.txt || { echo "missing $f"; cat files.txt; exit 1; }
    done
'

test_expect_success 'installed into a temporary root, the binary runs and scans' '
    dpkg -x "$DEB" root
    root/usr/bin/sesame --version >v.txt
    expect_grep "^sesame $VERSION (commit " v.txt
    mkdir tree && "$PYTHON" "$SESAME_SRC/tests/support/fakekeys.py" --seed t0820 creds 1 >tree/k.env
    run_cmd root/usr/bin/sesame scan tree -f json
    expect_rc 1
    "$PYTHON" -c "import json; assert len(json.load(open(\"out\"))[\"findings\"]) == 1"
    zcat root/usr/share/man/man1/sesame.1.gz | grep -q "^\\.TH SESAME 1"
    grep -q -- "--fail-on" root/usr/share/bash-completion/completions/sesame
    grep -q -- "--fail-on" root/usr/share/zsh/vendor-completions/_sesame
    grep -q -- "-l fail-on" root/usr/share/fish/vendor_completions.d/sesame.fish
'

# The hook finds the stand-ins for libgit2's network libraries where the package puts
# them, relative to the binary (scanner/source/git/nonet/).
test_expect_success 'installed, a pre-receive hook loads libgit2 with the stand-ins' '
    git init -q repo &&
    git -C repo -c user.name=Tess -c user.email=tess@example.org commit -q --allow-empty -m 0 &&
    git -C repo checkout -q --detach && cp tree/k.env repo/ && git -C repo add k.env &&
    git -C repo -c user.name=Tess -c user.email=tess@example.org commit -q -m k &&
    echo "0000000000000000000000000000000000000000 $(git -C repo rev-parse HEAD) refs/heads/x" >push.in &&
    run_cmd env GIT_DIR=repo/.git SESAME_TIMINGS=1 root/usr/bin/sesame hook pre-receive <push.in
    expect_rc 1
    expect_grep "k.env" err
    expect_grep "libgit2 loaded without libssh2, OpenSSL and Kerberos" err
'

test_expect_success 'installed, an archive scan loads libarchive with the libxml2 stand-in' '
    tar cf k.tar tree
    run_cmd env SESAME_TIMINGS=1 root/usr/bin/sesame scan k.tar
    expect_rc 1
    expect_grep "k.tar!tree/k.env" out
    expect_grep "libarchive loaded without libxml2 (stand-in)" err
'

test_done
