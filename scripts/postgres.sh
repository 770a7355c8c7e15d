#!/usr/bin/env bash
# A private PostgreSQL server for the reference backend, from Debian's `postgresql` package.
#
#   scripts/postgres.sh start DIR PORT   initializes DIR when empty, starts the server on
#                                        127.0.0.1:PORT and prints its URL (postgres://datafarm@…)
#   scripts/postgres.sh stop DIR         stops the server of DIR (nothing when it is not running)
#
# It trusts local connections (loopback only) and runs as the calling user, or as the `postgres`
# user when called as root (PostgreSQL refuses to run as root). Idempotent: starting a running
# server prints its URL again.
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$(realpath -m "$2")

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$action" in
  start)
    [ $# -eq 3 ] || usage
    port=$3
    url="postgres://datafarm@127.0.0.1:$port"
    if [ ! -s "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
      chmod 700 "$dir"
      as_owner test -w "$dir" || {
        echo "$dir: the postgres user cannot reach it (put it under a folder others may enter, e.g. /tmp)" >&2
        exit 1
      }
      # C collation: texts sort by bytes, as in the embedded SQLite database.
      log=$(mktemp)
      as_owner "$bin/initdb" -D "$dir" -U datafarm --auth=trust --locale=C --encoding=UTF8 \
        >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
      rm -f "$log"
    fi
    if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      echo "$url"
      exit 0
    fi
    # fsync off: this server holds test and demo data. A deployment runs its own PostgreSQL
    # with the defaults.
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
    echo "$url"
    ;;
  stop)
    if [ -s "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
  *) usage ;;
esac
