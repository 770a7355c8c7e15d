#!/usr/bin/env bash
# The SSR probe (tests/e2e/src/bin/ssr-probe.rs): first contentful paint, largest contentful
# paint and time to interactive of the server-rendered example against the CSR demo, on the
# same backend and data, over a throttled network (150 ms RTT, 1.6 Mbit/s by default). Builds
# both as users get them (release, wasm-opt, precompressed) first. Prints the medians; writes
# bench/results/ssr-vs-csr.json. A benchmark, not a test. Options go to the probe: --runs N,
# --rtt-ms MS, --kbps K.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"
scripts/build-demo.sh dist >/dev/null
scripts/build-ssr-board.sh release
cargo build -q -p data-farm-e2e --release --bin ssr-probe
target/release/ssr-probe "$@"
