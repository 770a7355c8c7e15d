#!/usr/bin/env bash
# The tabs probe (tests/e2e/src/bin/tabs-probe.rs): realtime connections and API requests of
# one browser with 1, 2 and 4 demo tabs open while the simulator changes 50 device statuses a
# second, and the hand-off time from closing the leading tab to the first change shown by the
# next. Builds the release demo first. Prints the numbers; writes bench/results/tabs-probe.json.
# A benchmark, not a test. Options go to the probe: --seconds N, --rate R.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"
scripts/build-demo.sh dist >/dev/null
cargo build -q -p data-farm-e2e --release --bin tabs-probe
target/release/tabs-probe "$@"
