#!/usr/bin/env bash
# Installs everything Roster's build and tests need, idempotently: a second run only checks
# versions and takes seconds.
#
# Why this is not just `rustup target add wasm32-unknown-unknown`: the machines Roster is built
# on reach only crates.io, PyPI, npm and Debian's packages, so rustup cannot download a wasm32
# standard library. Debian's `rustc-web` (1.96, LLVM 22) knows the wasm32 target and
# `rust-web-src` ships the std sources, so the wasm std is built from source (-Zbuild-std).
# See scripts/wasm-env for the environment that build runs in.
#
# Installs:
#   apt   rustc-web cargo-web rust-web-src rust-web-llvm lld-22  (wasm32 compiler, std sources, linker)
#         chromium chromium-driver                               (browser tests)
#         brotli wrk postgresql-client                           (size figures, load generator, psql)
#         nginx openssl curl systemd        (deploy/try.sh: nginx in front, a test certificate,
#                                            requests, systemd-analyze verify)
#   cargo trunk 0.21.14, wasm-bindgen-cli (exactly the version in Cargo.lock)  -> $ROSTER_TOOLS/bin
#         wasm-split-cli (wasm_split_cli_support, Leptos's splitter: screens load on demand)
#         cargo-fuzz (coverage-guided fuzzing of the parsers, with rustup's nightly toolchain)
#   npm   binaryen 132 (wasm-opt)                                             -> $ROSTER_TOOLS/npm
#         axe-core (accessibility), oidc-provider (the single sign-on tests' OpenID provider),
#         standardwebhooks (the reference verifier of the webhook tests' receiver)
#   PyPI  aiosmtpd (a real SMTP server the mail tests deliver to)             -> $ROSTER_TOOLS/venv
#         Debian's binaryen (wasm-opt 108) mis-handles reference types and yields a module that
#         fails in the browser, so it must never be the one Trunk finds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=scripts/tool-versions.sh
. "$here/tool-versions.sh"

log() { printf '\033[1m[install]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
started=$(date +%s)

# ---- 1. Debian packages ---------------------------------------------------------------------
APT_PKGS=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22 chromium chromium-driver brotli wrk python3-venv
  postgresql-client nginx openssl curl systemd)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]} (a few minutes)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
else
  log "apt packages: present"
fi
[ -f /usr/lib/rustlib/src/rust/library/Cargo.lock ] || { log "rust-web-src has no std sources"; exit 1; }
[ -x "$WASM_LD" ] || { log "$WASM_LD missing (lld-22)"; exit 1; }
command -v npm >/dev/null || { log "node and npm are needed (for wasm-opt)"; exit 1; }
command -v rustup >/dev/null || { log "rustup's cargo is needed for host builds: https://rustup.rs"; exit 1; }

# ---- 2. host tools from crates.io -------------------------------------------------------------
mkdir -p "$ROSTER_TOOLS/bin"
have_version() { [ -x "$1" ] && case "$("$1" --version 2>/dev/null)" in "$2"*) true ;; *) false ;; esac; }

wb_version=$(wasm_bindgen_version)
if have_version "$ROSTER_TOOLS/bin/wasm-bindgen" "wasm-bindgen $wb_version" \
  && [ -x "$ROSTER_TOOLS/bin/wasm-bindgen-test-runner" ]; then
  log "wasm-bindgen-cli $wb_version: present"
else
  log "building wasm-bindgen-cli $wb_version from crates.io (about 10 minutes on 2 cores)"
  # Its published lock file names a webpki-roots version the index no longer has, so --locked
  # can fail; the unlocked build resolves a compatible set.
  cargo install wasm-bindgen-cli --version "$wb_version" --locked --force --root "$ROSTER_TOOLS" \
    || cargo install wasm-bindgen-cli --version "$wb_version" --force --root "$ROSTER_TOOLS"
fi

if have_version "$ROSTER_TOOLS/bin/trunk" "trunk $TRUNK_VERSION"; then
  log "trunk $TRUNK_VERSION: present"
else
  log "building trunk $TRUNK_VERSION from crates.io (15-35 minutes on 2 cores, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force --root "$ROSTER_TOOLS"
fi

# It has no --version; cargo's install record names the version it built.
if [ -x "$ROSTER_TOOLS/bin/wasm-split-cli" ] \
  && grep -q "^\"wasm_split_cli_support $WASM_SPLIT_VERSION " "$ROSTER_TOOLS/.crates.toml" 2>/dev/null; then
  log "wasm-split-cli $WASM_SPLIT_VERSION: present"
else
  log "building wasm-split-cli $WASM_SPLIT_VERSION from crates.io (a few minutes)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary \
    --locked --force --root "$ROSTER_TOOLS"
fi

if have_version "$ROSTER_TOOLS/bin/cargo-fuzz" "cargo-fuzz $CARGO_FUZZ_VERSION"; then
  log "cargo-fuzz $CARGO_FUZZ_VERSION: present"
else
  log "building cargo-fuzz $CARGO_FUZZ_VERSION from crates.io (about 4 minutes on 2 cores)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --force --root "$ROSTER_TOOLS"
fi

# ---- 3. npm packages, into one tools folder ---------------------------------------------------
# npm_install PACKAGE VERSION: installs it unless present (callers check the version).
npm_install() {
  log "npm: $1@$2"
  mkdir -p "$ROSTER_TOOLS/npm"
  [ -f "$ROSTER_TOOLS/npm/package.json" ] || echo '{"name":"roster-tools","private":true}' \
    >"$ROSTER_TOOLS/npm/package.json"
  npm install --prefix "$ROSTER_TOOLS/npm" --no-audit --no-fund --save-exact "$1@$2" >/dev/null
}
# The version of an installed npm package, or nothing.
npm_version() {
  node -p "require('$ROSTER_TOOLS/npm/node_modules/$1/package.json').version" 2>/dev/null || true
}

# wasm-opt from npm's binaryen.
if have_version "$ROSTER_TOOLS/npm/node_modules/.bin/wasm-opt" "wasm-opt version $BINARYEN_MAJOR"; then
  log "binaryen $BINARYEN_MAJOR (wasm-opt): present"
else
  npm_install binaryen "$BINARYEN_VERSION"
fi
# axe-core: the accessibility rules the browser tests run on every screen.
if [ "$(npm_version axe-core)" = "$AXE_CORE_VERSION" ]; then
  log "axe-core $AXE_CORE_VERSION (accessibility checks): present"
else
  npm_install axe-core "$AXE_CORE_VERSION"
fi
# oidc-provider: the OpenID Certified provider the single sign-on tests run on loopback.
if [ "$(npm_version oidc-provider)" = "$OIDC_PROVIDER_VERSION" ]; then
  log "oidc-provider $OIDC_PROVIDER_VERSION (single sign-on tests): present"
else
  npm_install oidc-provider "$OIDC_PROVIDER_VERSION"
fi
# standardwebhooks: the reference verifier the webhook tests' receiver checks signatures with.
if [ "$(npm_version standardwebhooks)" = "$STANDARDWEBHOOKS_VERSION" ]; then
  log "standardwebhooks $STANDARDWEBHOOKS_VERSION (webhook tests): present"
else
  npm_install standardwebhooks "$STANDARDWEBHOOKS_VERSION"
fi

# ---- 4. Python tools for the tests (a real SMTP server) --------------------------------------
AIOSMTPD_VERSION=1.4.6
if [ -x "$ROSTER_TOOLS/venv/bin/python" ] \
  && "$ROSTER_TOOLS/venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  log "aiosmtpd $AIOSMTPD_VERSION (test SMTP server): present"
else
  log "PyPI: aiosmtpd $AIOSMTPD_VERSION into $ROSTER_TOOLS/venv"
  python3 -m venv "$ROSTER_TOOLS/venv"
  "$ROSTER_TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi

# ---- 5. scim2-tester: an independent SCIM compliance checker the API tests run ----------------
scim_requirements="$root/scripts/scim-tester-requirements.txt"
scim_pins=$(grep -v '^#' "$scim_requirements" | sort | tr '\n' ' ')
if [ -x "$ROSTER_TOOLS/venv/bin/python" ] \
  && [ "$("$ROSTER_TOOLS/venv/bin/pip" freeze --disable-pip-version-check 2>/dev/null \
        | grep -F -x -f <(grep -v '^#' "$scim_requirements") | sort | tr '\n' ' ')" = "$scim_pins" ]; then
  log "scim2-tester (SCIM compliance checks): present"
else
  log "PyPI: scim2-tester and its pinned dependencies into $ROSTER_TOOLS/venv"
  [ -x "$ROSTER_TOOLS/venv/bin/python" ] || python3 -m venv "$ROSTER_TOOLS/venv"
  "$ROSTER_TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check -r "$scim_requirements"
fi

log "tools ready in $(( $(date +%s) - started ))s (in $ROSTER_TOOLS)"
