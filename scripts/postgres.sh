#!/usr/bin/env bash
# A local PostgreSQL + PostGIS server for the tests and the benchmarks: Debian's packages, a
# cluster of its own under /tmp, on 127.0.0.1 only, no Docker.
#
#   bash scripts/postgres.sh install install Debian's packages if they are missing
#   bash scripts/postgres.sh start   install what is missing, create the cluster once, start
#                                    it; prints the server's URL (the database "postgres")
#   bash scripts/postgres.sh stop    stop it (the cluster stays for the next start)
#   bash scripts/postgres.sh status  exit 0 when it answers
#
# TRYGG_PGPORT (default 54329) and TRYGG_PGDATA choose the port and the folder. The cluster
# trusts connections from this machine only and is tuned for tests (no fsync): do not keep
# real data in it. A production server is set up as the README's "Several app servers" says.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${TRYGG_PGPORT:-54329}"
PGDATA="${TRYGG_PGDATA:-/tmp/trygghetskartan-pg-$PORT}"
LOG="$PGDATA.log"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"

as_owner() {  # the server refuses to run as root: root runs it as the postgres user
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -n "$(ls /usr/share/postgresql/*/extension/postgis.control 2>/dev/null)" ] \
    && echo "$dir"
}

install_packages() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "postgres.sh: installing Debian packages postgresql and postgis" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    postgresql postgresql-15-postgis-3 >/dev/null
  # Debian's package starts its own cluster on 5432; this project does not use it.
  $sudo service postgresql stop >/dev/null 2>&1 || true
}

answers() { [ -n "${BIN:-}" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U postgres; }

cmd="${1:-start}"
BIN=$(pg_bin || true)
case "$cmd" in
  status)
    answers ;;
  install)
    [ -n "$BIN" ] || install_packages ;;
  stop)
    if [ -n "$BIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    fi ;;
  start)
    if ! answers; then
      if [ -z "$BIN" ]; then install_packages; BIN=$(pg_bin); fi
      if [ ! -f "$PGDATA/PG_VERSION" ]; then
        rm -rf "$PGDATA"
        mkdir -p "$PGDATA"
        [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        as_owner "$BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-locale >/dev/null
        cat >> "$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGDATA'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
EOF
      fi
      touch "$LOG"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$LOG"
      as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 start >/dev/null \
        || { echo "postgres.sh: the server did not start; its log:" >&2; tail -20 "$LOG" >&2; exit 1; }
    fi
    echo "$URL" ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
