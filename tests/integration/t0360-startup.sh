#!/usr/bin/env bash
# Issue 16 item 5: what every run pays before it reads anything (a pre-receive hook pays
# it on every push). The compiled rules and the patterns' widths come from a cache file
# (match/engine_cache.c) that is validated on load: a damaged or foreign file is
# rejected, the rules are compiled again, the file is rewritten and the findings stay the
# same. libcurl and libpq are not loaded at start (base/dl.h): a scan that neither
# verifies nor uses a PostgreSQL store never opens them.
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# findings FILE: the report without what changes from run to run (times, speed).
findings() {
    jq -S 'del(.scan.seconds, .scan.mb_per_s, .scan.started_at)' "$1"
}

cache_file() {
    ls "$SESAME_CACHE_DIR"/rules-*.hsdb
}

test_expect_success 'a tree with keys' '
    mkdir tree
    creds 1 >tree/a.env
    { echo "config:"; creds 2 | sed "s/^/  /"; } >tree/b.yaml
    printf "url = https://example.org/?k=%s\n" "$(key 3)" >tree/c.ini
'

test_expect_success 'the first scan compiles the rules and writes one cache file' '
    rm -rf "$SESAME_CACHE_DIR"
    run_cmd sesame scan tree --format json -o first.json
    expect_rc 1 &&
    [ "$(cache_file | wc -l)" = 1 ] &&
    expect_eq "$(stat -c %a "$SESAME_CACHE_DIR")" 700 &&
    expect_eq "$(stat -c %a "$(cache_file)")" 600 &&
    expect_eq "$(head -c 8 "$(cache_file)")" SESAMEHS &&
    [ "$(jq ".findings | length" first.json)" -ge 3 ]
'

test_expect_success 'the next scan loads it (the file is not rewritten) and finds the same' '
    before=$(stat -c %Y.%i "$(cache_file)") &&
    cp "$(cache_file)" good.hsdb &&
    sleep 1 &&
    run_cmd sesame scan tree --format json -o second.json
    expect_rc 1 &&
    expect_eq "$(stat -c %Y.%i "$(cache_file)")" "$before" &&
    expect_eq "$(findings second.json)" "$(findings first.json)"
'

test_expect_success 'without the cache: the same findings' '
    run_cmd sesame scan tree --no-cache --format json -o nocache.json
    expect_rc 1 &&
    expect_eq "$(findings nocache.json)" "$(findings first.json)"
'

# damage OFFSET: flip one byte of the cache file (from a good copy), scan, and check
# that the findings are the same and the file was rewritten whole.
damage() {
    cp good.hsdb "$(cache_file)" &&
    printf "\\377" | dd of="$(cache_file)" bs=1 seek="$1" conv=notrunc status=none &&
    must_fail cmp -s good.hsdb "$(cache_file)" &&
    run_cmd sesame scan tree --format json -o damaged.json
    expect_rc 1 &&
    expect_eq "$(findings damaged.json)" "$(findings first.json)" &&
    cmp good.hsdb "$(cache_file)"
}

test_expect_success 'a damaged width is caught (checksum): recompiled, rewritten' '
    damage 60
'

test_expect_success 'a damaged database is caught: recompiled, rewritten' '
    damage $(( $(stat -c %s good.hsdb) - 5000 ))
'

test_expect_success 'a truncated file, an empty one, a foreign one: recompiled, rewritten' '
    head -c 1000 good.hsdb >"$(cache_file)" &&
    run_cmd sesame scan tree --format json -o t1.json
    expect_rc 1 && cmp good.hsdb "$(cache_file)" &&
    : >"$(cache_file)" &&
    run_cmd sesame scan tree --format json -o t2.json
    expect_rc 1 && cmp good.hsdb "$(cache_file)" &&
    head -c 200000 /dev/urandom >"$(cache_file)" &&
    run_cmd sesame scan tree --format json -o t3.json
    expect_rc 1 && cmp good.hsdb "$(cache_file)" &&
    expect_eq "$(findings t1.json)" "$(findings first.json)" &&
    expect_eq "$(findings t2.json)" "$(findings first.json)" &&
    expect_eq "$(findings t3.json)" "$(findings first.json)"
'

test_expect_success 'another rule set gets its own file' '
    echo "{\"rules\": [{\"id\": \"test.extra\", \"name\": \"extra\", \"kind\": \"access_key_id\", \"pattern\": \"extra_id = (?<value>AKIA[A-Z2-7]{16})\"}]}" >extra.json &&
    run_cmd sesame scan tree --rules extra.json --format json -o extra-out.json
    expect_rc 1 &&
    expect_eq "$(cache_file | wc -l)" 2
'

test_expect_success 'libcurl and libpq are not linked: loaded when first used' '
    command -v readelf >/dev/null || { echo "readelf missing (binutils)"; exit 1; }
    readelf -d "$SESAME_BIN" >needed.txt &&
    expect_grep "NEEDED" needed.txt &&
    expect_no_grep -E "libcurl|libpq|libcrypto" needed.txt
'

test_expect_success 'the executable exports the CA-bundle stand-ins libgit2 is bound to' '
    nm -D --defined-only "$SESAME_BIN" >exports.txt &&
    expect_grep " T mbedtls_x509_crt_parse_file$" exports.txt &&
    expect_grep " T mbedtls_x509_crt_parse_path$" exports.txt
'

test_expect_success 'a scan of a git repository does not open libcurl or libpq' '
    git init -q r && creds 4 >r/k.env && git -C r add . &&
    git -C r -c user.name=Tess -c user.email=tess@example.org commit -q -m k &&
    traced "$SESAME_BIN" scan r -q &&
    expect_rc 1 &&
    expect_grep "\.git" trace.txt &&
    expect_no_grep -E "libcurl|libpq" trace.txt
'

# libgit2 is loaded for a repository, and its initialisation would parse the system CA
# bundle for HTTPS transports sesame never uses (scanner/source/git/noca.h).
test_expect_success 'a scan of a git repository loads libgit2 without reading the CA bundle' '
    test -s /etc/ssl/certs/ca-certificates.crt ||
        { echo "no CA bundle (apt-get install ca-certificates)"; exit 1; }
    expect_grep "libgit2" trace.txt &&
    expect_no_grep "ca-certificates" trace.txt
'

# The crypto adapter is Nettle (scanner/crypto/crypto.c): OpenSSL's libcrypto, its
# configuration file and providers cost about 5 ms of every start.
test_expect_success 'a scan of a directory opens neither libcrypto nor openssl.cnf' '
    traced "$SESAME_BIN" scan tree -q &&
    expect_rc 1 &&
    expect_grep "libnettle" trace.txt &&
    expect_no_grep -E "libcrypto|libssl|openssl\.cnf" trace.txt
'

test_done
