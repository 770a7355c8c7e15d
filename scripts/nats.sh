#!/usr/bin/env bash
# A private NATS server for a cluster of reference backends, from Debian's `nats-server` package.
#
#   scripts/nats.sh start DIR PORT   starts nats-server on 127.0.0.1:PORT (pid and log in DIR)
#                                    and prints its URL (nats://127.0.0.1:PORT)
#   scripts/nats.sh stop DIR         stops it (nothing when it is not running)
#
# Idempotent: starting a running server prints its URL again.
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$(realpath -m "$2")
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || {
  echo "nats-server is not installed (Debian: apt-get install nats-server)" >&2
  exit 1
}
server=$(command -v nats-server || echo /usr/sbin/nats-server)
running() { [ -s "$dir/nats.pid" ] && kill -0 "$(cat "$dir/nats.pid")" 2>/dev/null; }

case "$action" in
  start)
    [ $# -eq 3 ] || usage
    port=$3
    mkdir -p "$dir"
    if ! running; then
      "$server" -a 127.0.0.1 -p "$port" -P "$dir/nats.pid" -l "$dir/nats.log" </dev/null >/dev/null 2>&1 &
      for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
      done
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { tail -20 "$dir/nats.log" >&2; exit 1; }
    fi
    echo "nats://127.0.0.1:$port"
    ;;
  stop)
    if running; then
      pid=$(cat "$dir/nats.pid")
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -f "$dir/nats.pid"
    ;;
  *) usage ;;
esac
