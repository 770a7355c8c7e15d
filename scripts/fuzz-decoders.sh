#!/usr/bin/env bash
# The decoders' property tests with many more inputs than the test command gives them
# (PROPTEST_CASES, default 1,000,000 each): the client's frame decoding, the subscriber fed
# arbitrary frames, error bodies, event data, and the server's request bodies. Prints the
# count and the time of each; a failure prints its shrunk input. Not part of the test command;
# results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${PROPTEST_CASES:-1000000}"
export PROPTEST_CASES="$cases"
run() {
  local started=$SECONDS
  "$@" -q 2>&1 | grep -E "test result|panicked|minimal failing" || true
  echo "  ($((SECONDS - started)) s, $cases cases per property)"
}
echo "client decoders (tests/decoders.rs)"
run cargo test --all-features --test decoders --
echo "server request bodies (server/src/routes/body.rs)"
run cargo test -p data-farm-server --lib routes::body --
