#!/usr/bin/env bash
# Browser benchmark suite (issue #6): builds the bench page (bench/page, release), serves it on
# loopback with the reference server, drives headless Chromium through every scenario 5 times
# per implementation (data-farm and the vanilla-JS baseline, fresh page each run) and prints
# medians and ratios (bench/results/browser.json). Then measures sizes (scripts/bench-size.sh,
# bench/results/wasm-size.json). Not part of the test suite (a tiny smoke
# run is: tests/e2e/tests/bench_page.rs). Options are passed to the runner: --runs N.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
tools="${DATA_FARM_TOOLS:-target/tools}"
export PATH="$HOME/.cargo/bin:$PWD/$tools/node_modules/.bin:$PATH"
mkdir -p bench/results

echo "== bench page (trunk, release, wasm-opt -Oz)" >&2
trunk build --offline --release=true --dist target/bench-page bench/page/index.html >&2
# The persistence benchmarks' page (the same binary with its `persist` feature), beside it.
trunk build --offline --release=true --dist target/bench-page/persist --public-url /persist/ \
  bench/page/persist.html >&2
node scripts/minify-glue.mjs target/bench-page
node scripts/minify-glue.mjs target/bench-page/persist
cargo build -q -p data-farm-e2e --release --bin bench-browser
target/release/bench-browser --out bench/results/browser.json "$@"

echo "== sizes (release, wasm-opt -Oz, gzip -9), the demo included" >&2
scripts/bench-size.sh
