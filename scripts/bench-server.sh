#!/usr/bin/env bash
# Reference-server benchmark: WebSocket fan-out and PATCH throughput on loopback.
# Prints a table and writes bench/results/server-fanout.json. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo bench -p data-farm-server --bench fanout
