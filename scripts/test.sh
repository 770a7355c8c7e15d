#!/usr/bin/env bash
# Runs every test: formatting and lints (native, and wasm32 for the library in every documented
# feature set, the demo, the bench page and the example), packaging of the published crates,
# native unit and integration tests (the reference server on ephemeral ports), the
# headless-browser suite (wasm-bindgen-test in Chromium against a real server) and the
# end-to-end suite (the release demo, optimized and precompressed as users get it, in headless
# Chromium and Firefox).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
wasm=(--target wasm32-unknown-unknown)
# Browsers and their drivers leave profile folders in TMPDIR when a session ends abruptly; keep
# them in one folder of this run's and remove it when the run ends, however it ends.
TMPDIR=$(mktemp -d "$PWD/target/tmp-run.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

step() { printf '\n\033[1;34m== %s\033[0m (at %d min %02d s)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

step "format and lints (native)"
cargo fmt --all --check
cargo clippy --workspace --all-targets -q -- -D warnings
# The server side of server rendering: the library as a native server build uses it.
cargo clippy -p data-farm --no-default-features --features ssr -q -- -D warnings
scripts/check-layering.sh

step "lints (wasm32): the library in each documented feature set, then the demo, bench page and example"
# The sets README.md documents: no default features, the defaults, each feature on its own, all.
for features in "--no-default-features" "" "--no-default-features --features realtime" \
  "--no-default-features --features sse" "--no-default-features --features polling" \
  "--no-default-features --features persist" "--no-default-features --features components" \
  "--no-default-features --features tabs" "--no-default-features --features devtools" \
  "--no-default-features --features router" \
  "--no-default-features --features ssr" "--no-default-features --features hydrate" \
  "--all-features"; do
  echo "data-farm ${features:-(default features)}"
  # shellcheck disable=SC2086
  cargo clippy -p data-farm "${wasm[@]}" $features -q -- -D warnings
done
cargo clippy -p data-farm "${wasm[@]}" --all-targets --all-features -q -- -D warnings
cargo clippy -p data-farm-demo -p data-farm-bench -p sensor-board "${wasm[@]}" --all-targets -q -- -D warnings
cargo clippy -p data-farm-bench "${wasm[@]}" --features persist -q -- -D warnings
# Apps may build with Leptos's `--cfg erase_components` (type-erased views; the demo does), where
# a view is not `Clone`: the library must compile there too. Its own target dir, as in
# scripts/build-demo.sh (other rustflags would rebuild the shared one).
RUSTFLAGS="--cfg erase_components" cargo check -q -p data-farm "${wasm[@]}" --all-features \
  --target-dir "${CARGO_TARGET_DIR:-target}/erased"
# The server-rendered example: its browser half (hydrate) here, its server half (ssr) natively.
cargo clippy -p ssr-board "${wasm[@]}" --features hydrate -q -- -D warnings
cargo clippy -p ssr-board --features ssr --all-targets -q -- -D warnings

step "packaging (cargo package: the published crates build from their packaged sources) and docs"
# The packaged data-farm builds against the packaged protocol crate, which cargo takes from a
# temporary local registry. Cargo treats registry crates as immutable: it reuses an unpacked
# copy in CARGO_HOME, and a build of it, from an earlier run at the same path even when the
# sources changed since. So: clear those unpacked copies (local registries only), and verify in
# a target dir of its own whose builds of our two crates are removed first (its other
# dependencies stay warm).
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/data-farm-protocol-* \
  "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/data-farm-[0-9]*
verify=target/package-verify
rm -rf "$verify"/debug/deps/*data_farm* "$verify"/debug/.fingerprint/data-farm-* \
  "$verify"/debug/build/data-farm-*
cargo package -q -p data-farm-protocol -p data-farm --allow-dirty --target-dir "$verify"
RUSTDOCFLAGS="-D warnings" cargo doc -q -p data-farm -p data-farm-protocol --no-deps --all-features

step "native tests"
# ssr-board's two halves (Leptos `ssr` and `hydrate`) are built apart, never with all features.
cargo test --workspace --exclude data-farm-e2e --exclude ssr-board --all-features

step "the server's suites again against a two-node cluster behind haproxy (PostgreSQL, NATS), and the cluster suites"
# Private servers, started by the project's scripts; each test gets a database of its own.
# Under /tmp: when run as root, PostgreSQL runs as the postgres user, who must reach the folder.
services=$(mktemp -d /tmp/data-farm-services.XXXXXX)
chmod 755 "$services"
stop_services() {
  scripts/nats.sh stop "$services/nats"
  scripts/postgres.sh stop "$services/pg"
  rm -rf "$services"
}
trap 'stop_services; rm -rf "$TMPDIR"' EXIT
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
export DATA_FARM_TEST_POSTGRES DATA_FARM_TEST_NATS DATA_FARM_TEST_CLUSTER=1
DATA_FARM_TEST_POSTGRES=$(scripts/postgres.sh start "$services/pg" "$(free_port)")
DATA_FARM_TEST_NATS=$(scripts/nats.sh start "$services/nats" "$(free_port)")
# The same flags as above, so nothing is built again; only the server's integration suites,
# each test server two nodes behind haproxy (see server/tests/support), with the cluster suites that a plain
# `cargo test` ignores (they need these servers, and haproxy).
server_suites=()
for suite in server/tests/*.rs; do server_suites+=(--test "$(basename "$suite" .rs)"); done
cargo test --workspace --exclude data-farm-e2e --exclude ssr-board --all-features "${server_suites[@]}" \
  -- --include-ignored
# PostgreSQL and NATS stay up for the end-to-end cluster scenario; the trap stops them.
unset DATA_FARM_TEST_CLUSTER

step "browser tests (wasm-bindgen-test, headless Chromium, real server)"
scripts/with-test-server.sh cargo test -p data-farm "${wasm[@]}" --all-features

step "the embedding example builds as an app (trunk)"
trunk build --offline --dist target/sensor-board examples/sensor-board/index.html

step "end-to-end tests (the release demo, also through a two-node cluster behind haproxy, and the server-rendered example in headless Chromium and Firefox, the bench page smoke run)"
scripts/build-demo.sh dist
scripts/build-ssr-board.sh
trunk build --offline --dist target/bench-page bench/page/index.html
trunk build --offline --dist target/bench-page/persist --public-url /persist/ bench/page/persist.html
# --include-ignored: the SPA against two nodes behind haproxy (needs the servers started above).
cargo test -p data-farm-e2e -- --test-threads=1 --include-ignored
stop_services

step "all suites passed"
