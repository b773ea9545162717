# Sourced by scripts that measure or probe a running Roster (fuzz.sh, lighthouse.sh): a release
# server on a fresh demo organisation, on a free loopback port, stopped when the script exits.
#
# demo_server PEOPLE   sets: work (a temporary folder), base (http://127.0.0.1:PORT),
#                      server (its pid), session (the demo Owner's sign-in answer, JSON),
#                      csrf, account (the Owner's organisation), with cookies in $work/cookies.
# demo_cookie          the session cookie as a `Cookie:` header value.

work=$(mktemp -d)
server=
demo_cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap demo_cleanup EXIT

demo_server() {
  local people=$1
  local db="sqlite://$work/demo.db"
  ./target/release/roster demo --people "$people" --database-url "$db" >/dev/null
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  ./target/release/roster serve --listen "127.0.0.1:$port" --database-url "$db" --web-dir "$root/dist" \
    >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    curl -fsS "$base/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  session=$(curl -fsS -c "$work/cookies" -H 'content-type: application/json' -H "origin: $base" \
    -d '{"email":"demo.owner@northwind.example","password":"roster demo password"}' "$base/api/v1/sign-in")
  csrf=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["csrf_token"])' <<<"$session")
  account=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["last_account"])' <<<"$session")
}

demo_cookie() {
  # curl writes HttpOnly cookies with a `#HttpOnly_` prefix.
  awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$work/cookies"
}
