#!/usr/bin/env bash
# Runs a command with a private, throw-away PostgreSQL cluster:
#
#   scripts/with-postgres.sh cargo test -p stint-broker
#
# Starts the cluster on a free loopback port (trust auth, data under /tmp), exports
# STINT_TEST_POSTGRES_URL for the command, then stops and removes the cluster, whatever
# the command's outcome. Clusters left by runs that died are stopped and removed first,
# so it is safe to run again after a crash, and several runs at once do not collide.
source "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...]"

# The distribution's PostgreSQL (15 on Debian 12, 16 on Ubuntu 24.04): the newest installed.
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/install-system.sh"

# PostgreSQL refuses to run as root: use the `postgres` system user when we are root.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    PG_USER=postgres
    as_pg() { runuser -u "$PG_USER" -- "$@"; }
else
    PG_USER="$(id -un)"
    as_pg() { "$@"; }
fi

# Clean up what dead runs left: a cluster whose owning script is gone.
for dir in /tmp/stint-pg.*; do
    [ -d "$dir" ] || continue
    owner="$(cat "$dir/owner.pid" 2>/dev/null || true)"
    # A killed owner can linger as a zombie until reaped: that counts as dead.
    if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null \
        && [ "$(ps -o stat= -p "$owner" 2>/dev/null | cut -c1)" != "Z" ]; then
        continue
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
done

ROOT_DIR="$(mktemp -d /tmp/stint-pg.XXXXXX)"
echo $$ >"$ROOT_DIR/owner.pid"
chmod 755 "$ROOT_DIR"
mkdir -p "$ROOT_DIR/data" "$ROOT_DIR/socket"
chown -R "$PG_USER" "$ROOT_DIR/data" "$ROOT_DIR/socket" 2>/dev/null || true

stop_cluster() {
    as_pg "$PG_BIN/pg_ctl" -D "$ROOT_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$ROOT_DIR"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_pg "$PG_BIN/initdb" -D "$ROOT_DIR/data" --auth=trust --username=postgres --encoding=UTF8 \
    --no-instructions >"$ROOT_DIR/initdb.log" 2>&1 \
    || { cat "$ROOT_DIR/initdb.log" >&2; die "initdb failed"; }
as_pg "$PG_BIN/pg_ctl" -D "$ROOT_DIR/data" -l "$ROOT_DIR/data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT_DIR/socket -c fsync=off -c max_connections=200" \
    start >/dev/null \
    || { cat "$ROOT_DIR/data/server.log" >&2; die "PostgreSQL did not start"; }

export STINT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
say "PostgreSQL 15 on 127.0.0.1:$PORT (STINT_TEST_POSTGRES_URL is set)"

set +e
"$@"
status=$?
set -e
exit "$status"
