#!/usr/bin/env bash
# The browser soak under faults (tests/e2e/src/bin/soak.rs; not part of the test command): the
# release demo in headless Chromium on Globex's Devices tab, a writer changing devices, the
# server SIGKILLed and restarted --kills times (default 100) with a network drop injected in
# the browser every --drop-every-th time (default 5). Fails unless the page ends showing the
# server's state and came back live after every fault. Writes bench/results/soak.json.
# Options are passed on: --kills N, --drop-every N, --seed S.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"
[ -f dist/index.html ] || scripts/build-demo.sh dist
cargo build -q --release -p data-farm-server
cargo build -q --release -p data-farm-e2e --bin soak
target/release/soak --server target/release/data-farm-server --dist dist "$@"
