#!/usr/bin/env bash
# Builds the demo SPA as users get it: trunk release build, wasm-opt -Oz (through trunk, with the
# npm binaryen that scripts/setup.sh installs), and .br/.gz beside every asset for the server to
# send precompressed. Prints the bytes on the wire (JSON) as the last line.
#   scripts/build-demo.sh [DIST]   (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
dist="${1:-dist}"
tools="${DATA_FARM_TOOLS:-target/tools}"
export PATH="$HOME/.cargo/bin:$PWD/$tools/node_modules/.bin:$PATH"
command -v wasm-opt >/dev/null || { echo "wasm-opt missing: run scripts/setup.sh demo" >&2; exit 1; }
cargo fetch -q # trunk runs cargo offline: the crates must be here first
trunk build --offline --release=true --dist "$dist" index.html >&2
node scripts/precompress.mjs "$dist"
