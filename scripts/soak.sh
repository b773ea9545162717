#!/usr/bin/env bash
# `make soak`: the 60-second load test (tests/api/soak.rs) in a release build, on SQLite and
# on PostgreSQL with two server processes behind one loopback port. Prints, per operation,
# requests, throughput, p50 and p99; fails on any error or any lost write.
# ROSTER_SOAK_SECONDS and ROSTER_SOAK_CLIENTS change the duration and the concurrency.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

step "PostgreSQL"
scripts/ensure-postgres.sh
step "Building the load test (release)"
cargo test --release --locked -p roster-tests --test api --no-run
step "Load: ${ROSTER_SOAK_CLIENTS:-200} clients for ${ROSTER_SOAK_SECONDS:-60}s, SQLite, then PostgreSQL with two replicas"
cargo test --release --locked -p roster-tests --test api soak_ -- --ignored --nocapture --test-threads=1
step_done
