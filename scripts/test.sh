#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit and integration tests (the reference
# server on ephemeral ports), the headless-browser suite (wasm-bindgen-test in Chromium against
# a real server) and the end-to-end suite (the demo in headless Chromium and Firefox).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo clippy -p data-farm --target wasm32-unknown-unknown --all-targets -q -- -D warnings

step "native tests"
cargo test --workspace --exclude data-farm-e2e

step "browser tests (wasm-bindgen-test, headless Chromium, real server)"
scripts/with-test-server.sh cargo test -p data-farm --target wasm32-unknown-unknown

step "end-to-end tests (the demo in headless Chromium and Firefox, the bench page smoke run)"
trunk build --offline
trunk build --offline --dist target/bench-page bench/page/index.html
cargo test -p data-farm-e2e -- --test-threads=1

step "all suites passed"
