#!/usr/bin/env bash
# Browser benchmark suite (issue #6): builds the bench page (bench/page, release), serves it on
# loopback with the reference server, drives headless Chromium through every scenario 5 times
# per implementation (data-farm and the vanilla-JS baseline, fresh page each run) and prints
# medians and ratios (bench/results/browser.json). Then measures the demo's wasm + JS after
# wasm-opt, gzip -9 (bench/results/demo-size.json). Not part of the test suite (a tiny smoke
# run is: tests/e2e/tests/bench_page.rs). Options are passed to the runner: --runs N.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p bench/results

echo "== bench page (trunk, release)" >&2
trunk build --offline --release=true --dist target/bench-page bench/page/index.html >&2
cargo build -q -p data-farm-e2e --release --bin bench-browser
target/release/bench-browser --out bench/results/browser.json "$@"

echo "== demo bundle size (release, wasm-opt -Oz, gzip -9)" >&2
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: apt-get install binaryen" >&2; exit 1; }
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals"
dist=target/demo-release
trunk build --offline --release=true --dist "$dist" index.html >&2
wasm=$(ls "$dist"/*_bg.wasm)
js=$(ls "$dist"/data-farm-demo-*.js)
# shellcheck disable=SC2086
wasm-opt -Oz $features -o "$wasm.opt" "$wasm"
raw=$(stat -c %s "$wasm")
opt=$(stat -c %s "$wasm.opt")
wasm_gz=$(gzip -9 -c "$wasm.opt" | wc -c)
js_gz=$(gzip -9 -c "$js" | wc -c)
total=$((wasm_gz + js_gz))
printf 'demo wasm %d bytes, after wasm-opt %d bytes; gzip: wasm %d + js %d = %d bytes (%.1f KB)\n' \
  "$raw" "$opt" "$wasm_gz" "$js_gz" "$total" "$(awk -v t="$total" 'BEGIN { print t / 1024 }')"
cat > bench/results/demo-size.json <<JSON
{"wasm_bytes": $raw, "wasm_opt_bytes": $opt, "wasm_gzip_bytes": $wasm_gz, "js_gzip_bytes": $js_gz, "total_gzip_bytes": $total}
JSON
echo "wrote bench/results/demo-size.json"
