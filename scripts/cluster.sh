#!/usr/bin/env bash
# Runs the reference backend as a cluster behind one address, all on loopback and from Debian
# packages: PostgreSQL (state, sessions, the event log), NATS (events and controls between
# nodes), NODES server nodes, and haproxy in front (round-robin, WebSocket-aware, health-checked).
# Seeds the demo data, serves the SPA from every node, prints the address and the logins, and
# stops everything it started on Ctrl-C.
#
#   scripts/cluster.sh                 the release SPA and server, 3 nodes on :8080
#   PORT=9090 NODES=5 SIMULATE=2 DIR=target/cluster scripts/cluster.sh
#   NO_SPA=1 scripts/cluster.sh        the API only (skips building the SPA)
#
# DIR keeps PostgreSQL's data between runs (the seed is applied when the database is new);
# delete it to start over. As root, PostgreSQL runs as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh cluster
export PATH="$HOME/.cargo/bin:$PATH"

port="${PORT:-8080}"
nodes="${NODES:-3}"
simulate="${SIMULATE:-0}"
dir=$(realpath -m "${DIR:-/tmp/data-farm-cluster}")
mkdir -p "$dir/logs"
chmod 755 "$dir"

say() { printf '\033[1;34m[cluster]\033[0m %s\n' "$*" >&2; }
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

dist_args=()
if [ -z "${NO_SPA:-}" ]; then
  say "building the SPA (trunk release, wasm-opt -Oz, precompressed)"
  scripts/build-demo.sh dist >/dev/null
  dist_args=(--dist dist)
fi
say "building the reference server (release)"
cargo build -q --release -p data-farm-server
server="${CARGO_TARGET_DIR:-target}/release/data-farm-server"

pids=()
stop_all() {
  trap - INT TERM EXIT
  say "stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/nats.sh stop "$dir/nats"
  scripts/postgres.sh stop "$dir/pg"
  exit 0
}
trap stop_all INT TERM EXIT

pg=$(scripts/postgres.sh start "$dir/pg" "${PG_PORT:-$(free_port)}")
psql "$pg/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = 'datafarm'" | grep -q 1 \
  || psql "$pg/postgres" -qc "CREATE DATABASE datafarm TEMPLATE template0 ENCODING 'UTF8'"
nats=$(scripts/nats.sh start "$dir/nats" "${NATS_PORT:-$(free_port)}")
say "PostgreSQL at $pg/datafarm, NATS at $nats"

backends=""
for i in $(seq 1 "$nodes"); do
  node_port=$(free_port)
  # The first node seeds a new database and runs the simulator; the others wait for its schema.
  extra=()
  [ "$i" -eq 1 ] && extra=(--simulate "$simulate")
  "$server" --addr "127.0.0.1:$node_port" --db "$pg/datafarm" --broker "$nats" --seed demo \
    "${dist_args[@]}" "${extra[@]}" --quiet >"$dir/logs/node$i.out" 2>"$dir/logs/node$i.log" &
  pids+=($!)
  for _ in $(seq 1 200); do
    grep -q "listening on" "$dir/logs/node$i.out" 2>/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -20 "$dir/logs/node$i.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "listening on" "$dir/logs/node$i.out" || { tail -20 "$dir/logs/node$i.log" >&2; exit 1; }
  backends+="    server node$i 127.0.0.1:$node_port check"$'\n'
  say "node $i on 127.0.0.1:$node_port (log: $dir/logs/node$i.log)"
done

# Each proxied connection takes two descriptors: stay within this shell's limit.
fds=$(ulimit -n)
[ "$fds" = unlimited ] && fds=65536
maxconn=$(( fds / 2 - 100 ))
[ "$maxconn" -gt 20000 ] && maxconn=20000
cat >"$dir/haproxy.cfg" <<CFG
global
    maxconn $maxconn

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A WebSocket or SSE stream stays open for as long as its client keeps it.
    timeout tunnel 1h
    option redispatch
    retries 2

frontend web
    bind 127.0.0.1:$port
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/v1/health
    default-server inter 1s fall 2 rise 2
$backends
CFG
haproxy -c -q -f "$dir/haproxy.cfg"
haproxy -db -f "$dir/haproxy.cfg" 2>"$dir/logs/haproxy.log" &
pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

cat <<MSG

  data-farm cluster: http://127.0.0.1:${port}/  (haproxy, round-robin over ${nodes} nodes)

  Sign in as (password = username):
    alice  owner of Acme (1,000 devices) and Globex (approves drafts)
    bob    member of Globex
    eve    member of no team

  PostgreSQL ${pg}/datafarm, NATS ${nats}, logs in ${dir}/logs.
  Ctrl-C stops everything this script started.

MSG
wait -n "${pids[@]}" || true
say "a process ended; see $dir/logs"
