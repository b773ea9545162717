#!/usr/bin/env bash
# `make test`: every check and every test, in the order that fails fastest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
. scripts/lib.sh
started=$(date +%s)

step "Installing missing tools (scripts/install-tools.sh; a no-op when all are present)"
scripts/install-tools.sh
step "Checking that PostgreSQL answers for the PostgreSQL half of the tests"
scripts/ensure-postgres.sh
step "Formatting (cargo fmt --check)"
cargo fmt --all --check
step "Tool pins"
scripts/check-tool-pins.sh
step "Lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The release web app is built with the frontend's `split` feature (the code the splitter's
# macro generates); lint that configuration too.
cargo clippy -p roster-frontend --all-targets --features split --locked -- -D warnings
step "roster-shared builds for wasm32-unknown-unknown"
scripts/wasm-env cargo check -p roster-shared --target wasm32-unknown-unknown --locked
step "Building the web app (release, as served)"
scripts/build-web.sh
step "Unit, API (SQLite and PostgreSQL) and browser tests"
cargo test --workspace --locked
step "roster-shared alone (the browser's build: no numbering-plan data)"
cargo test -p roster-shared --locked
step "Deployment examples on loopback (deploy/try.sh: the systemd unit, nginx in front)"
deploy/try.sh
# Every parser's fuzz target for a few seconds, from its seeds: a crash found once (and the
# inputs around it) stays found. `make fuzz` runs them for longer.
FUZZ_TARGET_SECONDS=${FUZZ_TARGET_SECONDS:-3} scripts/fuzz-parsers.sh
step_done
printf '\n\033[1;32mAll checks and tests passed\033[0m in %ss\n' "$(($(date +%s) - started))" >&2
