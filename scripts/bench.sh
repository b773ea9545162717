#!/usr/bin/env bash
# `make bench`: what Roster costs a visitor and a server, measured by bench/ (roster-bench):
# the web app's first-visit transfer, then a release server on a demo of 10,000 people under
# wrk, side by side with a rival (better-auth's organization plugin on Node, bench/rival/,
# whose npm packages the runner installs on first use), then one table and PASS/FAIL lines.
# BENCH_CONNECTIONS (default 32), BENCH_DURATION (default 5s), BENCH_ROUNDS (default 2),
# BENCH_PEOPLE (default 10000), BENCH_INVITEES (default 12000) tune it; BENCH_RIVAL=0 skips
# the rival. The exit status fails only for Roster (a server that does not start, or errors).
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

status=0
./target/release/roster-bench "$PWD" || status=$?
# Lighthouse on the sign-in page and the Users list; like the other budgets, reported only.
scripts/lighthouse.sh --no-build || echo "Lighthouse: a budget was missed (above)"
exit "$status"
