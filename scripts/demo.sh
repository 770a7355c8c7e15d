#!/usr/bin/env bash
# Runs the demo: builds the SPA (release, wasm-opt, precompressed) and the reference server
# (release), starts the server on an embedded SQLite file with seeded demo data, serves the SPA
# from it (brotli/gzip, immutable caching of hashed assets), and prints the URL and logins.
#   PORT=8080 DB=data-farm.sqlite SIMULATE=2 scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo
export PATH="$HOME/.cargo/bin:$PATH"

port="${PORT:-8080}"
db="${DB:-data-farm.sqlite}"
simulate="${SIMULATE:-2}"

echo "[demo] building the SPA (trunk release, wasm-opt -Oz, precompressed)" >&2
wire=$(scripts/build-demo.sh dist | tail -n 1)
echo "[demo] building the reference server (release)" >&2
cargo build -q --release -p data-farm-server

cat <<MSG

  data-farm demo: http://127.0.0.1:${port}/

  Sign in as (password = username):
    alice  owner of Acme (1,000 devices) and Globex (approves drafts)
    bob    member of Globex (an owner can make him one)
    eve    member of no team

  Data: ${db} (delete it to start over). Ctrl-C stops the server.
  SPA bytes (raw, brotli, gzip): ${wire}

MSG
exec "${CARGO_TARGET_DIR:-target}/release/data-farm-server" --addr "127.0.0.1:${port}" --db "$db" --seed demo --dist dist --simulate "$simulate"
