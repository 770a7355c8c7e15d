#!/usr/bin/env bash
# Installs what data-farm needs and is missing; quick when everything is there.
#   scripts/setup.sh demo   - toolchain for building the SPA and the server
#   scripts/setup.sh test   - the above plus headless Chromium and Firefox with their drivers,
#                             PostgreSQL, NATS and haproxy (the server's cluster suites)
#   scripts/setup.sh cluster - the demo's toolchain plus PostgreSQL, NATS and haproxy
# Nothing is downloaded outside the package registries (crates.io, Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-demo}"
TRUNK_VERSION=0.21.14

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || { echo "cargo is required (install Rust with rustup)" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
want_wb=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_wb" != "$want_wb" ]; then
  say "installing wasm-bindgen-cli $want_wb (found: ${have_wb:-none}); takes ~2 min"
  # --locked first; the registry mirror may lack a locked transitive version, then resolve anew.
  cargo install --locked wasm-bindgen-cli --version "$want_wb" \
    || cargo install --force wasm-bindgen-cli --version "$want_wb"
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}' || true)" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION; takes ~7 min"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-opt for release builds: Debian's binaryen 108 breaks this wasm-bindgen's output (the page
# fails at start), so the npm package (a wasm build of binaryen run by node) is used instead.
BINARYEN_VERSION=132.0.0
tools="${DATA_FARM_TOOLS:-target/tools}"

# Installs npm package $2 at version $3 into the prefix $1, unless that version is there. Each
# tool has a prefix of its own: an npm install without a package.json prunes what else its
# prefix holds.
npm_pinned() {
  local prefix="$1" package="$2" version="$3" have
  have=$(node -p "require(require('path').resolve('$prefix/node_modules/$package/package.json')).version" 2>/dev/null || true)
  [ "$have" = "$version" ] && return 0
  command -v npm >/dev/null || { echo "npm is required for $package (Debian: apt-get install npm)" >&2; exit 1; }
  say "installing $package $version (npm) into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --silent "$package@$version"
}

npm_pinned "$tools" binaryen "$BINARYEN_VERSION"
# terser minifies wasm-bindgen's JS glue in release builds (scripts/minify-glue.mjs).
npm_pinned "$tools/terser" terser 5.51.4

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

if [ "$purpose" = "test" ]; then
  apt_install chromium chromium-driver firefox-esr
  # geckodriver is not packaged by Debian; crates.io builds it (~1.5 min, once).
  if ! command -v geckodriver >/dev/null; then
    say "installing geckodriver from crates.io; takes ~2 min"
    cargo install --locked geckodriver
  fi
  # axe-core (npm) checks every page the end-to-end suite visits for accessibility violations.
  npm_pinned "$tools/axe" axe-core 4.14.1
fi
if [ "$purpose" = "test" ] || [ "$purpose" = "cluster" ]; then
  # The server on PostgreSQL, nodes joined by NATS, one address through haproxy; the project's
  # scripts start private instances (scripts/postgres.sh, scripts/nats.sh, scripts/cluster.sh).
  apt_install postgresql nats-server haproxy
fi
say "ready ($purpose)"
