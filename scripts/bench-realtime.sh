#!/usr/bin/env bash
# Browser realtime benchmark: publish-to-store latency at 100 and 1,000 events/s and
# reconnection time after a server restart, in headless Chromium. Writes
# bench/results/realtime-latency.json. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
mkdir -p bench/results
out="bench/results/realtime-latency.json"
echo "[" > "$out.tmp"
first=1
for rate in 100 1000; do
  log=$(DATA_FARM_SERVER_PROFILE=bench DATA_FARM_SEED=demo DATA_FARM_EVENT_WINDOW=1000 DATA_FARM_SERVER_ARGS="--simulate $rate --simulate-renames" \
    scripts/with-test-server.sh cargo test -p data-farm --target wasm32-unknown-unknown --test bench_realtime -- --include-ignored --nocapture 2>&1 || true)
  line=$(printf '%s\n' "$log" | grep -o 'BENCH_RESULT {.*}' | head -1 | sed 's/^BENCH_RESULT //')
  if [ -z "$line" ]; then printf '%s\n' "$log" | tail -20 >&2; echo "benchmark at $rate/s produced no result" >&2; exit 1; fi
  echo "rate $rate/s: $line"
  [ $first -eq 1 ] || echo "," >> "$out.tmp"
  first=0
  echo "{\"rate\": $rate, \"result\": $line}" >> "$out.tmp"
done
echo "]" >> "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
