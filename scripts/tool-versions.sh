# Sourced by the scripts: the tool versions Roster builds with, in one place.
# Trunk.toml pins the same wasm-bindgen and wasm-opt versions, so a wrong tool on PATH is an error.
TRUNK_VERSION=0.21.14
# Leptos's wasm splitter (the `split` feature of the frontend, scripts/build-web.sh); it reads
# the split points wasm_split_helpers (a Leptos dependency, in Cargo.lock) writes.
WASM_SPLIT_VERSION=0.2.4
BINARYEN_VERSION=132.0.0
BINARYEN_MAJOR=132
AXE_CORE_VERSION=4.14.1
# The OpenID provider of the single sign-on tests (8.x: 9.x needs Node 22, Debian 12 has 20).
OIDC_PROVIDER_VERSION=8.8.1
# The Standard Webhooks reference library (JavaScript): the webhook tests verify every
# delivery with it, as a receiver would.
STANDARDWEBHOOKS_VERSION=1.3.0
# Coverage-guided fuzzing of the parsers (fuzz/, libFuzzer on rustup's nightly toolchain).
CARGO_FUZZ_VERSION=0.13.2
WASM_LD=/usr/lib/llvm-22/bin/wasm-ld
ROSTER_TOOLS=${ROSTER_TOOLS:-$HOME/.local/share/roster-tools}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "${root:?}/Cargo.lock"
}
