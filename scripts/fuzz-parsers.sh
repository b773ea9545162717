#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer) of every parser a client's bytes or an
# operator's file reach: one target each in fuzz/fuzz_targets/, seeded from fuzz/corpus/.
# Each target runs FUZZ_TARGET_SECONDS (default 60); `make test` runs them for a few seconds
# so a crash found once stays found, `make fuzz` for longer. A crash stops the run with the
# input saved in fuzz/artifacts/TARGET/; it then becomes a unit test beside the parser.
#
# Prints, per target, the executions run and the coverage reached (edges, features).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/tool-versions.sh
. "$here/tool-versions.sh"
export PATH="$ROSTER_TOOLS/bin:$PATH"
seconds=${FUZZ_TARGET_SECONDS:-60}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzzing needs rustup's nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
step "Building the fuzz targets (nightly, AddressSanitizer; the first build takes minutes)"
cargo +nightly fuzz build -O
step "Each fuzz target for ${seconds}s"
mkdir -p fuzz/target/corpus fuzz/target/logs
for target in $(cargo +nightly fuzz list); do
  # New inputs go to the scratch corpus; fuzz/corpus keeps only the seeds.
  work="fuzz/target/corpus/$target"
  log="fuzz/target/logs/$target.log"
  mkdir -p "$work" "fuzz/corpus/$target"
  if ! cargo +nightly fuzz run -O "$target" "$work" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed: the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  printf '  %-16s %10s runs   %6s edges   %7s features\n' "$target" "${runs:-?}" "${cov:-?}" "${ft:-?}"
done
step_done
