#!/usr/bin/env bash
# The refetch probe (tests/e2e/src/bin/refetch-probe.rs): API requests an idle Devices tab and
# home page make while the simulator changes 50 device statuses a second. Builds the release
# demo first. Prints the counts; writes bench/results/refetch-probe.json. A benchmark, not a
# test. Options go to the probe: --seconds N, --rate R.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"
scripts/build-demo.sh dist >/dev/null
cargo build -q -p data-farm-e2e --release --bin refetch-probe
target/release/refetch-probe "$@"
