#!/usr/bin/env bash
# Builds the demo SPA as users get it: trunk release build (type-erased views), wasm-opt -Oz
# (through trunk, with the npm binaryen that scripts/setup.sh installs), and .br/.gz beside every
# asset for the server to send precompressed. Prints the bytes on the wire (JSON) as the last line.
#   scripts/build-demo.sh [DIST]   (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
dist="${1:-dist}"
tools="${DATA_FARM_TOOLS:-target/tools}"
export PATH="$HOME/.cargo/bin:$PWD/$tools/node_modules/.bin:$PATH"
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run scripts/setup.sh demo" >&2; exit 1; }
cargo fetch -q # trunk runs cargo offline: the crates must be here first
# Leptos's `--cfg erase_components` type-erases views: for an app of the demo's size 9% fewer
# gzip bytes (BENCHMARKS.md), while a page of one table is smaller without it. Different
# rustflags would rebuild the shared target dir's wasm each time, so the demo has its own.
export RUSTFLAGS="--cfg erase_components"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/erased"
trunk build --offline --release=true --dist "$dist" index.html >&2
node scripts/minify-glue.mjs "$dist"
node scripts/precompress.mjs "$dist"
