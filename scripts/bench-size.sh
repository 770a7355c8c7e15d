#!/usr/bin/env bash
# Wasm size the library adds to a minimal Leptos app: builds examples/size_baseline.rs and
# examples/size_with_farm.rs in release for wasm32, runs wasm-bindgen and wasm-opt -Oz, and
# prints raw and gzip sizes (also bench/results/wasm-size.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo >/dev/null
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: apt-get install binaryen" >&2; exit 1; }
out=$(mktemp -d)
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals"
json="{"
for example in size_baseline size_with_farm; do
  cargo build -q --release --target wasm32-unknown-unknown --example "$example"
  wasm-bindgen --target web --no-typescript --out-dir "$out/$example" "target/wasm32-unknown-unknown/release/examples/$example.wasm"
  wasm="$out/$example/${example}_bg.wasm"
  # shellcheck disable=SC2086
  wasm-opt -Oz $features -o "$wasm.opt" "$wasm"
  raw=$(stat -c %s "$wasm.opt")
  gz=$( (cat "$wasm.opt"; cat "$out/$example/$example.js") | gzip -9 | wc -c)
  printf '%-16s wasm %8d bytes   wasm+js gzip %8d bytes\n' "$example" "$raw" "$gz"
  json="$json\"$example\": {\"wasm_opt_bytes\": $raw, \"wasm_js_gzip_bytes\": $gz},"
done
mkdir -p bench/results
echo "${json%,}}" > bench/results/wasm-size.json
rm -rf "$out"
