#!/usr/bin/env bash
# Builds examples/ssr-board the way a Leptos SSR app is built (what cargo-leptos does, by hand):
# the browser's wasm from the library target with `hydrate`, through wasm-bindgen into
# target/ssr-board/site/pkg, then the server binary with `ssr`. `debug` (the default, what the
# end-to-end test runs) or `release` (wasm-opt and .br/.gz twins, in target/ssr-board/release-site).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
profile="${1:-debug}"
flags=()
[ "$profile" = release ] && flags=(--release)
cargo build -q "${flags[@]}" -p ssr-board --lib --target wasm32-unknown-unknown --features hydrate
site=target/ssr-board/site
[ "$profile" = release ] && site=target/ssr-board/release-site
rm -rf "$site/pkg"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name ssr_board \
  "target/wasm32-unknown-unknown/$profile/ssr_board.wasm"
if [ "$profile" = release ]; then
  # As users get it: wasm-opt -Oz (npm binaryen, scripts/setup.sh demo), the JS glue minified
  # (terser) and .br/.gz twins.
  export PATH="$PWD/${DATA_FARM_TOOLS:-target/tools}/node_modules/.bin:$PATH"
  wasm="$site/pkg/ssr_board_bg.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-mutable-globals -o "$wasm" "$wasm"
  node scripts/minify-glue.mjs --quiet "$site/pkg"
  node scripts/precompress.mjs "$site/pkg" >/dev/null
fi
cargo build -q "${flags[@]}" -p ssr-board --bin ssr-board --features ssr
echo "built target/$profile/ssr-board and $site" >&2
