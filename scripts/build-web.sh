#!/usr/bin/env bash
# Builds the SPA in release mode into dist/ (wasm-opt -Oz) and pre-compresses it, so the server
# sends brotli or gzip without compressing on every request.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
. scripts/lib.sh

step "Compiling the web app for wasm32 (the first build also compiles Rust's std: a few minutes)"
# A separate cargo call (online) so build-std can fetch std's own dependencies once;
# Trunk then runs offline and finds everything built.
scripts/wasm-env cargo build --target wasm32-unknown-unknown --profile wasm-release \
  -p roster-frontend --bin roster-frontend
step "Bundling with Trunk (wasm-bindgen, wasm-opt -Oz) into dist/"
scripts/wasm-env trunk --log=warn build --release --cargo-profile wasm-release
step "Pre-compressing dist/ (brotli, gzip)"
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \
  -o -name '*.webmanifest' \) -print0 |
  while IFS= read -r -d '' file; do
    brotli -q 11 -f -k "$file"
    gzip -9 -n -f -k "$file"
  done
step_done
