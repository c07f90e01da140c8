#!/usr/bin/env bash
# Corrupt repositories: a truncated or damaged pack, a missing loose object, garbage in a
# loose object, a ref to a missing commit. Each time sesame must not crash (no signal, no
# exit 70), must warn on one line naming the object id, must still report the keys in the
# objects that can be read, and must exit 3 when it found nothing, else 1.
#
# The repository (key N is `creds N`); each test damages its own copy:
#
#   C1 a.txt (k80) -- C2 b.txt (k81) -- C3 c.txt (k82)        all loose ("loose")
#   the same, then `git gc` after C2 so that C1 and C2 are packed, C3 loose ("packed")
. "$(dirname "$0")/lib.sh"
setup
. "$IT_DIR/git_lib.sh"

# obj REPO ID: the path of loose object ID.
obj() {
    echo "$1/.git/objects/$(echo "$2" | cut -c1-2)/$(echo "$2" | cut -c3-)"
}

# check_warnings REPORT ID...: every line of stderr is one "sesame: ..." line, and each ID
# appears in a warning.
check_warnings() {
    local report=$1 id
    shift
    echo "--- stderr:"
    cat "$report.err"
    if grep -v "^sesame: " "$report.err" | grep -q .; then
        echo "stderr has lines that are not sesame: messages (a multi-line warning?)"
        return 1
    fi
    for id; do
        if ! grep "^sesame: warning:" "$report.err" | grep -q "$id"; then
            echo "no warning names $id"
            return 1
        fi
    done
}

test_expect_success 'build the repositories' '
    git init -q loose
    cd loose
    creds 80 >a.txt
    git add . && commit -m "add a"
    { echo b; creds 81; } >b.txt
    git add . && commit -m "add b"
    { echo c; echo c; creds 82; } >c.txt
    git add . && commit -m "add c"
    cd ..
    # packed: C1 and C2 in a pack, then the three objects of C3 added as loose objects.
    git clone -q --no-local loose packed
    git -C packed remote remove origin
    git -C packed reset -q --hard HEAD~1
    git -C packed reflog expire --expire=now --all
    git -C packed gc -q --prune=now
    for o in "HEAD:c.txt blob" "HEAD^{tree} tree" "HEAD commit"; do
        set -- $o
        git -C loose cat-file "$2" "$(git -C loose rev-parse "$1")" |
            git -C packed hash-object -w -t "$2" --stdin >/dev/null
    done
    git -C packed update-ref refs/heads/main "$(git -C loose rev-parse HEAD)"
    git -C packed reset -q --hard
    test "$(git -C packed rev-parse HEAD)" = "$(git -C loose rev-parse HEAD)"
    git -C packed fsck --strict
    {
        for v in 1 2 3; do
            c=$(git -C loose rev-parse "HEAD~$((3 - v))")
            echo "C$v=$c"
            echo "T$v=$(git -C loose rev-parse "$c^{tree}")"
        done
        echo "A=$(git -C loose rev-parse HEAD:a.txt)"
        echo "B=$(git -C loose rev-parse HEAD:b.txt)"
        echo "C=$(git -C loose rev-parse HEAD:c.txt)"
    } >"$TRASH/ids.sh"
    cat "$TRASH/ids.sh"
    . "$TRASH/ids.sh"
    test -f "$(obj loose "$B")"
    test ! -f "$(obj packed "$B")"
    test -f "$(obj packed "$C")"
    test -f "$(obj packed "$C3")"
    scan_json intact.json loose
    expect_status 1 intact.json
    expect_keys intact.json "80 81 82"
    scan_json intact2.json packed
    expect_status 1 intact2.json
    expect_keys intact2.json "80 81 82"
    test ! -s intact2.json.err
'
. "$TRASH/ids.sh" 2>/dev/null

test_expect_success 'a deleted loose blob: warned with its id and path, the other keys found, exit 7 (found, incomplete)' '
    cp -a loose del
    rm -f "$(obj del "$B")"
    scan_json del.json del
    check_warnings del.json "$B"
    grep "$B" del.json.err | grep -q "b.txt"
    expect_status 7 del.json
    expect_keys del.json "80 82"
    q del.json "82 loc" | grep -q "^c.txt:3:access_key_id commit=$C3 "
    expect_q del.json "scan errors" 1
'

test_expect_success 'the only key blob deleted: nothing found, exit 3' '
    git init -q only
    cd only
    echo harmless >readme
    creds 83 >key.txt
    git add . && commit -m only
    k=$(git rev-parse HEAD:key.txt)
    cd ..
    rm -f "$(obj only "$k")"
    scan_json only.json only
    check_warnings only.json "$k"
    expect_status 3 only.json
    expect_keys only.json ""
'

test_expect_success 'garbage in a loose blob: warned with its id, the other keys found, exit 7 (found, incomplete)' '
    cp -a loose garb
    f=$(obj garb "$B")
    chmod u+w "$f"
    for i in 1 2 3 4 5 6 7 8; do echo "this is not zlib data"; done >"$f"
    scan_json garb.json garb
    check_warnings garb.json "$B"
    expect_status 7 garb.json
    expect_keys garb.json "80 82"
'

test_expect_success 'a truncated loose blob (half of its bytes): warned, exit 7 (found, incomplete)' '
    cp -a loose half
    f=$(obj half "$B")
    chmod u+w "$f"
    truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"
    scan_json half.json half
    check check_warnings half.json "$B"
    check expect_status 7 half.json
    check expect_keys half.json "80 82"
    checks_passed
'

test_expect_success 'garbage in a loose tree: warned with the tree id, every readable blob scanned' '
    cp -a loose gtree
    f=$(obj gtree "$T2")
    chmod u+w "$f"
    for i in 1 2 3 4 5 6 7 8; do echo "this is not zlib data"; done >"$f"
    scan_json gtree.json gtree
    check check_warnings gtree.json "$T2"
    check expect_status 7 gtree.json
    # All three blobs are readable, and C3 (whose tree is intact) holds them all.
    check expect_keys gtree.json "80 81 82"
    checks_passed
'

test_expect_success 'a malformed tree (valid zlib, a cut-off entry): warned with its id, its good entries scanned' '
    git init -q mtree
    cd mtree
    creds 84 >k.txt
    git add . && commit -m "k"
    K=$(git rev-parse HEAD:k.txt)
    # "100644 k.txt\0<id>" then an entry whose id is cut short.
    { printf "100644 k.txt\000"; python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))" "$K"; printf "100644 z.txt\000abc"; } >tree.bin
    MT=$(git hash-object -t tree --literally -w tree.bin)
    MC=$(echo broken | git commit-tree "$MT")
    git update-ref refs/heads/broken "$MC"
    rm tree.bin
    cd ..
    scan_json mtree.json mtree
    check check_warnings mtree.json "$MT"
    check expect_grep -i malformed mtree.json.err
    check expect_status 7 mtree.json
    check expect_keys mtree.json "84"
    checks_passed
'

test_expect_success 'a deleted commit in the middle: warned with its id, the readable commits scanned' '
    cp -a loose dcommit
    rm -f "$(obj dcommit "$C2")"
    scan_json dcommit.json dcommit
    check check_warnings dcommit.json "$C2"
    check expect_status 7 dcommit.json
    # C3 and its tree are intact, and its tree holds every blob.
    check expect_keys dcommit.json "80 81 82"
    check has_loc dcommit.json 82 "c.txt:3:access_key_id commit=$C3 "
    checks_passed
'

test_expect_success 'a ref to a missing commit: warned with the id, everything else scanned' '
    cp -a loose dref
    bad=0123456789abcdef0123456789abcdef01234567
    echo "$bad" >dref/.git/refs/heads/broken
    scan_json dref.json dref
    check check_warnings dref.json "$bad"
    check expect_status 7 dref.json
    check expect_keys dref.json "80 81 82"
    checks_passed
'

test_expect_success 'a truncated pack: warned with an unreadable object id, loose objects scanned, exit 7 (found, incomplete)' '
    cp -a packed trunc
    pack=$(ls trunc/.git/objects/pack/*.pack)
    test "$(echo "$pack" | wc -l)" -eq 1
    chmod u+w "$pack"
    truncate -s $(( $(stat -c %s "$pack") / 2 )) "$pack"
    # The objects git cannot read any more.
    git -C trunc show-index <"${pack%.pack}.idx" | cut -d" " -f2 | while read -r id; do
        git -C trunc cat-file -p "$id" >/dev/null 2>&1 || echo "$id"
    done >broken
    echo "unreadable: $(wc -l <broken)"
    test -s broken
    scan_json trunc.json trunc
    check check_warnings trunc.json
    found=
    while read -r id; do
        if grep -q "$id" trunc.json.err; then found=$id; fi
    done <broken
    check test -n "$found"
    check expect_status 7 trunc.json
    # C3, its tree and c.txt are loose: k82 is still found, at C3.
    check has_key trunc.json 82
    check has_loc trunc.json 82 "c.txt:3:access_key_id commit=$C3 "
    checks_passed
'

test_expect_success 'a pack with damaged bytes in the middle: no crash, a warning with an id, exit 7 (found, incomplete)' '
    cp -a packed flip
    pack=$(ls flip/.git/objects/pack/*.pack)
    chmod u+w "$pack"
    size=$(stat -c %s "$pack")
    printf "GARBAGEGARBAGEGARBAGE" | dd of="$pack" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
    printf "GARBAGEGARBAGEGARBAGE" | dd of="$pack" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
    scan_json flip.json flip
    check check_warnings flip.json
    check grep -q "^sesame: warning:.*[0-9a-f]\{40\}" flip.json.err
    check status_fits flip.json
    # C3, its tree and c.txt are loose.
    check has_key flip.json 82
    checks_passed
'

# Pack offsets are checked when they are used, not all at open (scanner/source/git/pack.c):
# an entry pointing outside its pack must still be reported, and nothing else lost.
test_expect_success 'an index entry whose offset lies outside its pack: warned with its id, the other keys found, exit 7' '
    cp -a packed badoff
    idx=$(ls badoff/.git/objects/pack/*.idx)
    id=$(git -C badoff rev-parse "HEAD~1:a.txt")
    chmod u+w "$idx"
    python3 - "$idx" "$id" <<-\PY
	import struct, sys
	path, want = sys.argv[1], bytes.fromhex(sys.argv[2])
	d = bytearray(open(path, "rb").read())
	n = struct.unpack(">I", d[8 + 1020:8 + 1024])[0]
	ids = [bytes(d[8 + 1024 + 20 * i:8 + 1044 + 20 * i]) for i in range(n)]
	at = 8 + 1024 + 24 * n + 4 * ids.index(want)
	d[at:at + 4] = struct.pack(">I", 0x7FFFFFF0)
	open(path, "wb").write(d)
	PY
    scan_json badoff.json badoff
    check check_warnings badoff.json
    check grep -q "^sesame: warning:.*$id" badoff.json.err
    check expect_status 7 badoff.json
    check has_key badoff.json 81
    check has_key badoff.json 82
    checks_passed
'

test_expect_success '--all-objects over a truncated pack and a garbage loose object: no crash' '
    for r in trunc garb; do
        scan_json "all-$r.json" --all-objects "$r"
        check_warnings "all-$r.json"
        check status_fits "all-$r.json"
        check has_key "all-$r.json" 82
    done
    checks_passed
'

# A pack of two REF_DELTAs, each the base of the other: their delta chains never end.
# git's index-pack refuses such a pack, so it is written here byte by byte (with its
# index); libgit2 1.5 loops forever reading either object, and git runs out of memory.
cycle_pack() {
    python3 - "$1" "$IT_DIR" <<'EOF'
import hashlib, struct, sys, zlib
sys.path.insert(0, sys.argv[2])
from git_fixture import write_pack
def entry_header(kind, size):
    out, c, size = [], (kind << 4) | (size & 15), size >> 4
    while size:
        out.append(c | 0x80); c, size = size & 0x7f, size >> 7
    return bytes(out + [c])
a, b = hashlib.sha1(b"cycle a").digest(), hashlib.sha1(b"cycle b").digest()
delta = bytes([5, 5, 0x91, 0, 5])  # base of 5 bytes -> 5 bytes: copy them
pack, ents = b"PACK" + struct.pack(">II", 2, 2), []
for oid, base in ((a, b), (b, a)):
    body = entry_header(7, len(delta)) + base + zlib.compress(delta)
    ents.append((oid, len(pack), zlib.crc32(body)))
    pack += body
write_pack(sys.argv[1], pack, ents)
print(a.hex(), b.hex())
EOF
}

test_expect_success 'a pack whose two deltas are based on each other: warned with both ids, no hang' '
    cp -a packed cyc
    ids=$(cycle_pack cyc/.git/objects/pack)
    test -n "$ids"
    scan_json cyc.json cyc
    check check_warnings cyc.json $ids
    check grep -q "delta chain never reaches a whole object" cyc.json.err
    check status_fits cyc.json
    check has_key cyc.json 80
    check has_key cyc.json 82
    scan_json cyc-all.json --all-objects cyc
    check check_warnings cyc-all.json $ids
    check has_key cyc-all.json 81
    checks_passed
'

# Issue 11: the same cycle hidden behind an entry the index does not list: B, an
# OFS_DELTA on U; U, not in the index, a REF_DELTA on B. No listed entry is a REF_DELTA
# (gitpack_unresolvable used to stop there), so B was handed to libgit2, which loops
# forever on it (--all-objects reads every object's header).
cycle_unlisted_pack() {
    python3 - "$1" "$IT_DIR" <<'EOF'
import hashlib, struct, sys, zlib
sys.path.insert(0, sys.argv[2])
from git_fixture import write_pack
w, b = hashlib.sha1(b"unlisted w").digest(), hashlib.sha1(b"unlisted b").digest()
delta = zlib.compress(bytes([5, 5, 0x91, 0, 5]))  # base of 5 bytes -> 5 bytes: copy them
pack, ents = b"PACK" + struct.pack(">II", 2, 2), []
body = bytes([0x35]) + zlib.compress(b"hello")          # W: a whole blob
ents.append((w, len(pack), zlib.crc32(body)))
pack += body
u = len(pack)
pack += bytes([0x75]) + b + delta                       # U: REF_DELTA on B, not listed
body = bytes([0x65, len(pack) - u]) + delta             # B: OFS_DELTA on U
ents.append((b, len(pack), zlib.crc32(body)))
pack += body
write_pack(sys.argv[1], pack, ents)
print(b.hex())
EOF
}

test_expect_success 'issue 11: a delta cycle closed by an entry the index does not list: warned, no hang' '
    cp -a packed cycu
    id=$(cycle_unlisted_pack cycu/.git/objects/pack)
    test -n "$id"
    scan_json cycu.json cycu
    check check_warnings cycu.json "$id"
    check grep -q "delta chain never reaches a whole object" cycu.json.err
    check status_fits cycu.json
    check has_key cycu.json 80
    check has_key cycu.json 82
    scan_json cycu-all.json --all-objects cycu
    check check_warnings cycu-all.json "$id"
    check has_key cycu-all.json 81
    checks_passed
'

test_expect_success '--rev-range and --staged over a damaged repository: no crash' '
    scan_json range.json --rev-range "$C1..$C3" del
    check_warnings range.json "$B"
    test "$rc" -eq 7
    expect_keys range.json 82
    scan_json staged.json --staged trunc
    test "$rc" -eq 0 || test "$rc" -eq 3
'

test_expect_success 'the text report of a damaged repository: warnings on stderr, exit 7 (found, incomplete)' '
    run_cmd sesame scan del
    expect_rc 7
    expect_grep "^sesame: warning:.*$B" err
    expect_grep -F "$(key 82)" out
'

test_schema_checked
test_done
