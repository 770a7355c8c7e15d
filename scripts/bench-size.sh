#!/usr/bin/env bash
# What data-farm adds to an app's download, feature by feature: release wasm32 builds of
# examples/size (a counter, then the counter plus data-farm with more and more features) and of
# the demo, each through wasm-bindgen and wasm-opt -Oz, measured as gzip -9 bytes of wasm + JS
# (the JS minified by terser, as a production page's is: scripts/minify-glue.mjs); and the bench
# page (one store, the realtime subscriber, one table: bench/page), as trunk builds it.
# Prints a table and writes bench/results/wasm-size.json. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo >/dev/null
tools="${DATA_FARM_TOOLS:-target/tools}"
export PATH="$HOME/.cargo/bin:$PWD/$tools/node_modules/.bin:$PATH"
flags="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name | example | cargo feature flags | what it holds
rows=(
  "a|size_counter|--no-default-features|a bare Leptos counter"
  "b|size_farm|--no-default-features|+ data-farm: one store and use_list"
  "c|size_farm|--no-default-features --features realtime|+ realtime (WebSocket session)"
  "d|size_farm|--no-default-features --features realtime,components|+ components: EntityTable"
  "e|size_farm|--no-default-features --features realtime,components,persist|+ persist (IndexedDB, outbox)"
)
json="{\"machine\": \"$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)\", \"rows\": ["
previous=""
printf '%-3s %-44s %12s %12s %10s\n' "" "build" "wasm (opt)" "gzip wasm+js" "delta" >&2
measure() { # row, label, wasm file, js file
  local row="$1" label="$2" wasm="$3" js="$4"
  local raw gz delta
  raw=$(stat -c %s "$wasm")
  gz=$( (cat "$wasm"; cat "$js") | gzip -9 | wc -c)
  delta=""
  [ -n "$previous" ] && delta=$((gz - previous))
  printf '%-3s %-44s %12d %12d %10s\n' "($row)" "$label" "$raw" "$gz" "${delta:+$(printf '%+d' "$delta")}"
  json="$json{\"row\": \"$row\", \"build\": \"$label\", \"wasm_opt_bytes\": $raw, \"wasm_js_gzip_bytes\": $gz},"
  previous=$gz
}
for spec in "${rows[@]}"; do
  IFS='|' read -r row example features label <<<"$spec"
  # shellcheck disable=SC2086
  cargo build -q --release --target wasm32-unknown-unknown -p data-farm --example "$example" $features
  dir="$out/$row"
  wasm-bindgen --target web --no-typescript --out-dir "$dir" "target/wasm32-unknown-unknown/release/examples/$example.wasm"
  # shellcheck disable=SC2086
  wasm-opt -Oz $flags -o "$dir/opt.wasm" "$dir/${example}_bg.wasm"
  node scripts/minify-glue.mjs --quiet "$dir"
  measure "$row" "$label" "$dir/opt.wasm" "$dir/$example.js"
done
dist="$out/demo"
scripts/build-demo.sh "$dist" >/dev/null
measure f "the demo (every feature)" "$(ls "$dist"/*_bg.wasm)" "$(ls "$dist"/data-farm-demo-*.js)"
page="$out/page"
trunk build --offline --release=true --dist "$page" bench/page/index.html >&2
node scripts/minify-glue.mjs --quiet "$page"
previous=""
measure p "the bench page (one store, realtime, one table)" "$(ls "$page"/*_bg.wasm)" \
  "$(ls "$page"/data-farm-bench-*.js)"
mkdir -p bench/results
echo "${json%,}]}" > bench/results/wasm-size.json
echo "wrote bench/results/wasm-size.json" >&2
