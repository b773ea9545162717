#!/usr/bin/env bash
# `make bench`: what Roster costs a visitor and a server.
#  1. The web app's first-visit transfer: every file of dist/ the page loads, raw, gzip -9
#     and brotli -q 11.
#  2. The API under load: a release server on a fresh SQLite file, driven by wrk on loopback.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
. scripts/lib.sh

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}

step "Building the server (release)"
cargo build --release --locked -p roster-backend

step "Web app: first-visit transfer"
printf '%-44s %10s %10s %10s\n' file raw gzip brotli
total_raw=0 total_gz=0 total_br=0
for file in dist/index.html dist/*.js dist/*_bg.wasm dist/*.css; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -n -c "$file" | wc -c)
  br=$(brotli -q 11 -c "$file" | wc -c)
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
  printf '%-44s %10s %10s %10s\n' "${file#dist/}" "$raw" "$gz" "$br"
done
printf '%-44s %10s %10s %10s\n' "total (bytes)" "$total_raw" "$total_gz" "$total_br"

step "API: GET /api/v1/health for $duration, $connections connections (wrk, 1 thread: the other core is the server's)"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ROSTER_LOG=warn ./target/release/roster serve --listen "127.0.0.1:$port" \
  --database-url "sqlite://$work/roster.db" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
  sleep 0.1
done
wrk -t1 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port/api/v1/health" >"$work/wrk.txt"
python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{'endpoint':<28} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
print(f"{'GET /api/v1/health':<28} {rps:>10.0f} {p50:>8.2f} {p99:>8.2f} {int(errors.group(1)) if errors else 0:>7}")
PY
step_done
