#!/usr/bin/env bash
# Trunk.toml pins the wasm-bindgen CLI; it must be exactly the wasm-bindgen crate in Cargo.lock,
# or the generated JS glue does not match the compiled module.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/tool-versions.sh"
locked=$(wasm_bindgen_version)
pinned=$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' "$root/Trunk.toml")
if [ "$locked" != "$pinned" ]; then
  echo "Trunk.toml pins wasm-bindgen $pinned but Cargo.lock has $locked: update Trunk.toml" >&2
  exit 1
fi
echo "wasm-bindgen $locked: Cargo.lock and Trunk.toml agree" >&2
