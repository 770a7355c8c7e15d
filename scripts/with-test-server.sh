#!/usr/bin/env bash
# Runs a command while a throwaway reference server listens where the browser suite expects it
# (DATA_FARM_TEST_SERVER, default http://127.0.0.1:18471) and allows the test runner's origin.
set -euo pipefail
cd "$(dirname "$0")/.."
# Both ports lie below Linux's ephemeral range (32768-60999), so no outgoing connection of the
# many the suites open can hold one of them when the runner binds it.
server_addr="${DATA_FARM_TEST_SERVER_ADDR:-127.0.0.1:18471}"
runner_addr="${WASM_BINDGEN_TEST_ADDRESS:-127.0.0.1:18480}"
export WASM_BINDGEN_TEST_ADDRESS="$runner_addr"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
dir=$(mktemp -d)
# DATA_FARM_SERVER_PROFILE=bench runs an optimized server (benchmarks); tests use the debug one.
profile="${DATA_FARM_SERVER_PROFILE:-dev}"
cargo build -q -p data-farm-server --profile "$profile"
bin_dir=debug
[ "$profile" = dev ] || bin_dir=release
"target/$bin_dir/data-farm-server" --addr "$server_addr" --db "$dir/browser-tests.sqlite" --seed "${DATA_FARM_SEED:-small}" \
  --allow-origin "http://$runner_addr" --rate-limit 0 --event-window "${DATA_FARM_EVENT_WINDOW:-20}" --test-control --quiet ${DATA_FARM_SERVER_ARGS:-} \
  >"$dir/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$dir/server.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 0.1
done
"$@"
