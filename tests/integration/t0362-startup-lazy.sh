#!/usr/bin/env bash
# Issue 16 item 5: what a run does not pay until it needs it. libarchive (with libxml2,
# ICU, nettle, acl, lz4, bzip2) is not linked: it is loaded when the first archive is
# opened (source/archive/lazy.h). libgit2 is not linked either: it is loaded and
# initialised when a repository is first opened (source/git/lazy.h; t0172 has its
# cases): its initialisation parses the system's CA bundle, which `sesame version` or a
# scan of a plain directory never needs. And what is loaded late
# still works: archives in a directory, in a git history and in a push are scanned as
# before. libarchive is loaded bound to the build's stand-in for libxml2 (source/archive/
# noxml/: libarchive needs libxml2 for XAR only, which sesame never reads), so neither
# libxml2 nor ICU is opened. A plain tar's image check reads its headers with pread: the
# tar is not mapped (SESAME_TIMINGS counts the files it maps).
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

command -v strace >/dev/null || { echo "error: strace is needed (apt-get install strace)"; exit 2; }

test_expect_success 'libarchive and libgit2 are not linked: loaded when first used' '
    command -v readelf >/dev/null || { echo "readelf missing (binutils)"; exit 1; }
    readelf -d "$SESAME_BIN" >needed.txt &&
    expect_grep "NEEDED" needed.txt &&
    expect_no_grep "libgit2" needed.txt &&
    expect_no_grep "libarchive" needed.txt
'

test_expect_success 'sesame version opens neither libarchive nor the CA bundle' '
    traced "$SESAME_BIN" version
    expect_rc 0 &&
    expect_no_grep -E "libarchive|libxml2|libicu" trace.txt &&
    expect_no_grep -E "ca-certificates|\.crt\"|\.pem\"" trace.txt
'

test_expect_success 'a directory without archives: no libarchive, no CA bundle' '
    mkdir plain && creds 1 >plain/a.env &&
    traced "$SESAME_BIN" scan plain -q
    expect_rc 1 &&
    expect_grep "a.env" out &&
    expect_no_grep -E "libarchive|ca-certificates" trace.txt
'

test_expect_success 'archives are scanned as before: libarchive loaded on the first one' '
    mkdir -p arch/d && creds 2 >arch/d/k.env &&
    (cd arch && zip -qr k.zip d && tar czf k.tgz d) && rm -r arch/d &&
    traced "$SESAME_BIN" scan arch
    expect_rc 1 &&
    expect_grep "k.zip!d/k.env" out &&
    expect_grep "k.tgz!.*d/k.env" out &&
    expect_grep "libarchive" trace.txt
'

test_expect_success 'libarchive without libxml2 and ICU: the stand-in' '
    expect_grep "lib/sesame/libxml2_none.so" trace.txt
    grep -v ENOENT trace.txt >opened.txt
    expect_no_grep -E "/libxml2\.so|/libicu" opened.txt
    run_cmd env SESAME_TIMINGS=1 "$SESAME_BIN" scan arch -q
    expect_rc 1
    expect_grep "libarchive loaded without libxml2 (stand-in)" err
'

test_expect_success 'a plain tar is not mapped for its image check, an image tar is' '
    mkdir -p tars/d
    creds 1 >tars/d/k.env
    for i in $(seq 1 40); do head -c 70000 /dev/zero | tr "\\0" x >tars/d/pad$i.txt; done
    (cd tars && tar cf plain.tar d)
    run_cmd env SESAME_TIMINGS=1 "$SESAME_BIN" scan tars/plain.tar -q
    expect_rc 1
    expect_grep "plain.tar!d/k.env" out
    expect_grep "the image check mapped 0 files" err
    mkdir -p img
    echo "[]" >img/manifest.json
    head -c 300000 /dev/zero >img/layer.bin
    (cd img && tar cf ../tars/image.tar manifest.json layer.bin)
    run_cmd env SESAME_TIMINGS=1 "$SESAME_BIN" scan tars/image.tar -q
    expect_rc 0
    expect_grep "the image check mapped 1 files" err
'

test_expect_success 'an archive in a git history is scanned' '
    git init -q repo && cp arch/k.zip repo/ && git -C repo add k.zip &&
    (cd repo && commit -m zip) &&
    run_cmd sesame scan repo
    expect_rc 1 &&
    expect_grep "k.zip!d/k.env" out
'

test_expect_success 'an archive in a push: the pre-receive hook rejects it, naming the member' '
    base=$(git -C repo rev-parse HEAD) &&
    git -C repo checkout -q --detach &&
    mkdir -p d2 && creds 3 >d2/n.env && zip -qr repo/new.zip d2 &&
    git -C repo add new.zip && (cd repo && commit -m "new zip") &&
    new=$(git -C repo rev-parse HEAD) &&
    echo "$base $new refs/heads/main" >push.in &&
    run_cmd env GIT_DIR=repo/.git "$SESAME_BIN" hook pre-receive <push.in
    expect_rc 1 &&
    expect_grep "new.zip!d2/n.env" err &&
    expect_no_grep "k.zip" err
'

test_done
