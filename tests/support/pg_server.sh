#!/bin/sh
# tests/support/pg_server.sh - a private PostgreSQL server for the store tests (issue 15).
#
#   pg_server.sh start DIR   initdb + pg_ctl in DIR (a new, short path: the Unix socket
#                            lives there, no TCP port); prints nothing, exit 0 when up
#   pg_server.sh stop DIR    stops it (immediate) and removes DIR
#   pg_server.sh restart DIR stops it (fast: connections are cut) and starts it again
#   pg_server.sh halt DIR    stops it (immediate), keeping DIR (a server down, a network cut)
#   pg_server.sh resume DIR  starts a halted server again
#   pg_server.sh psql DIR ARGS...  psql as the superuser
#
# Run as root, the server runs as `nobody` (PostgreSQL refuses root) in a DIR it owns.
# Authentication: the superuser `postgres` is trusted on the socket; the role `pwuser`
# (password "right-horse", made up for the tests) needs its password (scram-sha-256),
# for the wrong-password test. Debian's `postgresql` package (scripts/deps.sh --test);
# a missing server is an error, never a skip.
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "pg_server.sh: no PostgreSQL server (install it: scripts/deps.sh --test)" >&2
    exit 2
fi
dir=$2
as=""
if [ "$(id -u)" = 0 ]; then
    as="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
fi
case $1 in
start)
    mkdir -p "$dir"
    [ -z "$as" ] || chown nobody:nogroup "$dir"
    cd "$dir"
    $as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 2; }
    printf 'local all pwuser scram-sha-256\nlocal all all trust\n' >"$dir/hba"
    [ -z "$as" ] || chown nobody:nogroup "$dir/hba"
    $as cp "$dir/hba" "$dir/data/pg_hba.conf"
    $as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -c listen_addresses= -F -c max_connections=40" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 2; }
    "$bin/psql" -X -q -h "$dir" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE pwuser LOGIN PASSWORD 'right-horse'" \
        -c "CREATE DATABASE pwdb OWNER pwuser" >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] && (cd "$dir" && $as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop \
        >/dev/null 2>&1) || true
    rm -rf "$dir"
    ;;
restart)
    (cd "$dir" && $as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast \
        -o "-k $dir -c listen_addresses= -F -c max_connections=40" restart >/dev/null)
    ;;
halt)
    (cd "$dir" && $as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null)
    ;;
resume)
    (cd "$dir" && $as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -c listen_addresses= -F -c max_connections=40" start >/dev/null)
    ;;
psql)
    shift 2
    exec "$bin/psql" -X -q -h "$dir" -U postgres "$@"
    ;;
*)
    echo "usage: pg_server.sh start|stop|restart|halt|resume|psql DIR [...]" >&2
    exit 2
    ;;
esac
