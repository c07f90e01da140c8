#!/usr/bin/env bash
# bench_pg_size.sh - how much disk the PostgreSQL store takes (docs/fleet.md, "Sizing"):
# bytes per scanned object and per finding, for a fleet's database sizing.
#
#   benches/bench_pg_size.sh [--repo REPO.git] [--findings N] [--no-record]
#
# Two audits into a private server (tests/support/pg_server.sh), each into its own
# database:
#   objects   a history repository (default: gen_repo.py --commits 5000 --size-mb 20, as
#             bench_audit.sh; or --repo): the objects table with its index, per row
#   findings  a repository of N distinct fake credentials (default 2000; one file each,
#             tests/support/fakekeys.py), in one commit and copied in a second: the
#             findings, parts and occurrences tables with their indexes, per finding
# Sizes are pg_total_relation_size (heap, TOAST and indexes) after VACUUM ANALYZE.
# The SQLite file of the first audit is given for comparison. Appended to
# benches/RESULTS.md unless --no-record. Environment: SESAME_BIN (default build/sesame).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
REPO=
FINDINGS=2000
RECORD=1
while [ $# -gt 0 ]; do
    case $1 in
    --repo) REPO=$2; shift 2 ;;
    --findings) FINDINGS=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
BIN=${SESAME_BIN:-$ROOT/build/sesame}
if [ -z "$REPO" ]; then
    mkdir -p "$HERE/out/audit"
    python3 "$HERE/gen_repo.py" "$HERE/out/audit/gen-c5000-m20" --commits 5000 --size-mb 20 >&2
    REPO=$HERE/out/audit/gen-c5000-m20/repo.git
fi
WORK=$(mktemp -d /tmp/sesame-bench-pgsize.XXXXXX)
PGDIR=$(mktemp -d /tmp/sesame-pg.XXXXXX)
pgs() { sh "$ROOT/tests/support/pg_server.sh" "$@"; }
trap 'pgs stop "$PGDIR"; rm -rf "$WORK"' EXIT
pgs start "$PGDIR"
pgs psql "$PGDIR" -d postgres -c "CREATE DATABASE objs" -c "CREATE DATABASE finds" >/dev/null
export SESAME_CACHE_DIR=$WORK/cache HOME=$WORK GIT_CONFIG_NOSYSTEM=1

# N credentials, one file each, committed, then copied to a second directory
python3 - "$WORK/creds" "$FINDINGS" "$ROOT/tests/support" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[3])
import fakekeys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(out, "a"))
for i in range(n):
    with open(os.path.join(out, "a", "c%05d.ini" % i), "w") as f:
        f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (fakekeys.key_id(i, seed="size"), fakekeys.secret(i, seed="size")))
PY
git -C "$WORK/creds" init -q
git -C "$WORK/creds" add . && git -C "$WORK/creds" -c user.name=b -c user.email=b@b commit -qm one
cp -r "$WORK/creds/a" "$WORK/creds/b"
git -C "$WORK/creds" add . && git -C "$WORK/creds" -c user.name=b -c user.email=b@b commit -qm two

rc=0
"$BIN" audit -q -j 2 --db "postgresql:///objs?host=$PGDIR&user=postgres" "$REPO" >/dev/null || rc=$?
[ $rc -le 1 ] || { echo "audit of $REPO exited $rc" >&2; exit 1; }
"$BIN" audit -q -j 2 --db "$WORK/objs.db" "$REPO" >/dev/null || rc=$?
"$BIN" audit -q -j 2 --db "postgresql:///finds?host=$PGDIR&user=postgres" "$WORK/creds" >/dev/null || rc=$?
[ $rc -le 1 ] || { echo "audit of the credentials exited $rc" >&2; exit 1; }

q() { pgs psql "$PGDIR" -d "$1" -At -c "VACUUM ANALYZE" -c "$2" | tail -n 1; }
obj_rows=$(q objs "SELECT count(*) FROM objects")
obj_bytes=$(q objs "SELECT pg_total_relation_size('objects')")
db_bytes=$(q objs "SELECT sum(pg_total_relation_size(relid)) FROM pg_stat_user_tables")
sq_bytes=$(stat -c %s "$WORK/objs.db")
n_find=$(q finds "SELECT count(*) FROM findings")
n_occ=$(q finds "SELECT count(*) FROM occurrences")
n_parts=$(q finds "SELECT count(*) FROM parts")
find_bytes=$(q finds "SELECT pg_total_relation_size('findings') + pg_total_relation_size('parts') + pg_total_relation_size('occurrences')")
occ_bytes=$(q finds "SELECT pg_total_relation_size('occurrences')")

block=$(cat <<EOB

## PostgreSQL store size (bench_pg_size.sh, $(date -u +%Y-%m-%d))

- machine: $(nproc) CPUs (shared with other jobs); PostgreSQL $(pgs psql "$PGDIR" -d postgres -At -c "SHOW server_version" | cut -d' ' -f1), private server (tests/support/pg_server.sh)
- command: \`SESAME_BIN=... benches/bench_pg_size.sh\` (repository: $(basename "$(dirname "$REPO")"); $FINDINGS fake credentials, each in two places)

| what | rows | bytes (heap + indexes) | per row |
|---|---:|---:|---:|
| objects scanned (objects table) | $obj_rows | $obj_bytes | $((obj_bytes / obj_rows)) B an object |
| the whole store of that audit (every table) | | $db_bytes | $((db_bytes / obj_rows)) B an object |
| the same audit as a SQLite file | | $sq_bytes | $((sq_bytes / obj_rows)) B an object |
| findings + parts + occurrences | $n_find findings, $n_parts parts, $n_occ occurrences | $find_bytes | $((find_bytes / n_find)) B a finding |
| of which occurrences | $n_occ | $occ_bytes | $((occ_bytes / n_occ)) B an occurrence |
EOB
)
echo "$block"
[ "$RECORD" = 0 ] || echo "$block" >>"$ROOT/benches/RESULTS.md"
