#!/usr/bin/env bash
# `make bench`: what Roster costs a visitor and a server, measured by bench/ (roster-bench):
# the web app's first-visit transfer, then a release server on a fresh SQLite file under wrk
# (health, an authenticated request, sign-in against the argon2id floor).
# BENCH_CONNECTIONS (default 32) and BENCH_DURATION (default 10s) tune the load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
. scripts/lib.sh

step "Building the server and the benchmark runner (release)"
# Two invocations on purpose: built together, cargo would unify the runner's dependency
# features into the server, and the server measured would differ from the one `make run` builds.
cargo build --release --locked -p roster-backend
cargo build --release --locked -p roster-bench
step_done

exec ./target/release/roster-bench "$PWD"
