#!/usr/bin/env bash
# Cluster benchmark: WebSocket fan-out on one node vs three nodes behind haproxy, on private
# PostgreSQL and NATS servers started (and stopped) here. Prints a table and writes
# bench/results/cluster-fanout.json. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh cluster
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
services=$(mktemp -d /tmp/data-farm-bench.XXXXXX)
chmod 755 "$services"
trap 'scripts/nats.sh stop "$services/nats"; scripts/postgres.sh stop "$services/pg"; rm -rf "$services"' EXIT
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
DATA_FARM_BENCH_POSTGRES=$(scripts/postgres.sh start "$services/pg" "$(free_port)")
DATA_FARM_BENCH_NATS=$(scripts/nats.sh start "$services/nats" "$(free_port)")
export DATA_FARM_BENCH_POSTGRES DATA_FARM_BENCH_NATS
cargo bench -p data-farm-server --bench cluster_fanout
