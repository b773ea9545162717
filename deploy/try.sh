#!/usr/bin/env bash
# Tries the deployment examples in deploy/ on loopback, as root or as anyone:
#
#   a. roster.service passes `systemd-analyze verify` (when there is systemd-analyze), then
#      runs the way systemd would run it, without systemd: its own ExecStart=, Environment=
#      and EnvironmentFile= (roster.env), WorkingDirectory= and UMask=, read from the unit
#      file, with only the installation's paths pointed into a temporary folder. It must
#      become ready, and exit 0 on SIGTERM within the unit's TimeoutStopSec=.
#   b. nginx/roster.conf, with only its ports, paths and certificate substituted, in front of
#      Roster started the same way (for a public URL of https://roster.test:PORT, the
#      development mailbox instead of SMTP): TLS, the HTTP redirect, the client address
#      through X-Forwarded-For, an unbuffered live event stream, /metrics kept off, the body
#      limit, and a stop with a stream open.
#
# Usage: deploy/try.sh [ROSTER_BINARY]   (default target/debug/roster, built when missing)
# Prints one "ok: …" line per check; stops at the first failure with what went wrong.
set -euo pipefail

cd "$(dirname "$0")/.."
started=$(date +%s)

ok() { printf 'ok: %s\n' "$*"; }
fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  for log in "${logs[@]}"; do
    [ -s "$log" ] && { printf -- '--- last lines of %s\n' "$log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}
logs=()

roster=${1:-target/debug/roster}
if [ ! -x "$roster" ]; then
  [ "$roster" = target/debug/roster ] || fail "no roster binary at $roster"
  echo "building $roster (cargo build -p roster-backend --locked)" >&2
  cargo build -p roster-backend --locked
fi
roster=$(realpath "$roster")
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || fail "nginx is missing (scripts/install-tools.sh installs Debian's nginx)"
for tool in curl openssl python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-tools.sh installs it)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/roster-deploy.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Free ports on loopback: Roster and its metrics for (a), the same for (b), nginx's http and
# https.
read -r port_a metrics_a port_b metrics_b port_http port_tls < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')

# The web app: not tested here (only the API is), so an empty folder does when it is not built.
web=$PWD/dist
[ -f "$web/index.html" ] || { web=$tmp/dist; mkdir -p "$web"; }

# render_unit DIR ENV_FILE: DIR/roster.service, the unit with the installation's paths in DIR
# (state in DIR/state), this binary and web app, and ENV_FILE as its EnvironmentFile=.
render_unit() {
  local dir=$1 env_file=$2
  sed -e "s#/var/lib/roster#$dir/state#g" \
    -e "s#/etc/roster/roster.env#$env_file#g" \
    -e "s#/usr/local/bin/roster#$roster#g" \
    -e "s#/usr/share/roster/dist#$web#g" \
    deploy/roster.service >"$dir/roster.service"
}

# read_unit UNIT: sets unit_env (NAME=value, Environment= then EnvironmentFile= as systemd
# orders them), unit_exec (ExecStart='s words), unit_workdir, unit_umask, unit_stop_seconds
# and unit_state_mode, from the unit file.
unit_env=() unit_exec=() unit_workdir=/ unit_umask=0022 unit_state_mode=0755 unit_stop_seconds=90
read_unit() {
  local parsed
  parsed=$(python3 - "$1" <<'PY'
import re, shlex, sys

unit = sys.argv[1]
service = {}
section = None
with open(unit) as f:
    text = re.sub(r"\\\n", " ", f.read())
for line in text.splitlines():
    line = line.strip()
    if not line or line[0] in "#;":
        continue
    if line.startswith("["):
        section = line
        continue
    key, _, value = line.partition("=")
    if section == "[Service]":
        service.setdefault(key.strip(), []).append(value.strip())

def die(message):
    sys.exit(f"{unit}: {message}")

# What systemd would do beyond what is emulated here: refused rather than silently skipped.
for key in service:
    if key.startswith("Exec") and key != "ExecStart" or key in (
        "PassEnvironment", "UnsetEnvironment", "RootDirectory", "RootImage", "BindPaths",
        "BindReadOnlyPaths", "LoadCredential", "SetCredential", "ExecSearchPath",
    ):
        die(f"try.sh does not know how to run {key}=; teach it")

for key in ("Environment", "EnvironmentFile", "ExecStart", "WorkingDirectory"):
    for value in service.get(key, []):
        if "%" in value:
            die(f"{key}={value}: try.sh does not expand systemd's % specifiers")

env = {}
for value in service.get("Environment", []):
    if not value:
        env.clear()
    for assignment in shlex.split(value):
        name, _, val = assignment.partition("=")
        env[name] = val
for path in service.get("EnvironmentFile", []):
    optional = path.startswith("-")
    path = path.lstrip("-")
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        if optional:
            continue
        die(f"EnvironmentFile={path} does not exist")
    for line in lines:
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        name, eq, val = line.partition("=")
        if not eq:
            die(f"{path}: not NAME=value: {line}")
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
            val = val[1:-1]
        env[name.strip()] = val

starts = service.get("ExecStart", [])
if len(starts) != 1:
    die("needs exactly one ExecStart=")
argv = shlex.split(starts[0].lstrip("-@:+!"))

def seconds(span):
    units = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "": 1}
    total = 0.0
    for number, unit_name in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", span):
        if unit_name not in units:
            die(f"cannot read the time span {span!r}")
        total += float(number) * units[unit_name]
    return total

stop = service.get("TimeoutStopSec", service.get("TimeoutSec", ["90s"]))[-1]
print("unit_env=(" + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + ")")
print("unit_exec=(" + " ".join(shlex.quote(a) for a in argv) + ")")
print("unit_workdir=" + shlex.quote(service.get("WorkingDirectory", ["/"])[-1].lstrip("-")))
print("unit_umask=" + shlex.quote(service.get("UMask", ["0022"])[-1]))
print("unit_state_mode=" + shlex.quote(service.get("StateDirectoryMode", ["0755"])[-1]))
print(f"unit_stop_seconds={seconds(stop):g}")
PY
  ) || fail "cannot read $1"
  eval "$parsed"
}

# start_unit DIR LOG: runs the unit read last (read_unit) as systemd would: a clean
# environment with the unit's, the state folder made (StateDirectory=), in its working
# directory with its umask. Sets roster_pid.
start_unit() {
  local dir=$1 log=$2
  mkdir -p "$dir/state"
  chmod "$unit_state_mode" "$dir/state"
  logs+=("$log")
  (cd "$unit_workdir" && umask "$unit_umask" \
    && exec env -i PATH=/usr/local/bin:/usr/bin:/bin "${unit_env[@]}" "${unit_exec[@]}") \
    >"$log" 2>&1 &
  roster_pid=$!
  pids+=("$roster_pid")
}

# wait_for URL [CURL_ARGS…]: until URL answers 200, for 20 s at most, while Roster runs.
wait_for() {
  local url=$1 deadline=$((SECONDS + 20))
  shift
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")" = 200 ]; do
    kill -0 "$roster_pid" 2>/dev/null || fail "Roster exited before $url answered 200"
    [ -z "$nginx_pid" ] || kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited before $url answered 200"
    ((SECONDS < deadline)) || fail "$url did not answer 200 within 20 s"
    sleep 0.1
  done
}

# stop_within PID SECONDS: sends SIGTERM and expects exit status 0 within SECONDS.
stop_within() {
  local pid=$1 limit=$2 begun rc=0
  begun=$(date +%s%N)
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    (($(date +%s%N) - begun < ${limit%.*} * 1000000000)) \
      || fail "Roster still runs ${limit}s after SIGTERM (TimeoutStopSec=); systemd would SIGKILL it"
    sleep 0.05
  done
  wait "$pid" || rc=$?
  ((rc == 0)) || fail "Roster exited with status $rc on SIGTERM"
  stopped_ms=$((($(date +%s%N) - begun) / 1000000))
}

ready=/api/v1/health/ready
nginx_pid=

# fetch CURL_ARGS…: curl, failing the script when no answer came at all (an HTTP error status
# is an answer: the checks look at it).
fetch() { curl "$@" || fail "no answer from curl ${*: -1} (curl exit $?)"; }

# ---- a. the systemd unit ------------------------------------------------------------------
mkdir -p "$tmp/a"
# roster.env as shipped, but listening on free ports.
sed -e "s#^ROSTER_LISTEN=.*#ROSTER_LISTEN=127.0.0.1:$port_a#" \
  -e "s#^ROSTER_METRICS_LISTEN=.*#ROSTER_METRICS_LISTEN=127.0.0.1:$metrics_a#" \
  deploy/roster.env >"$tmp/a/roster.env"
for expected in "ROSTER_LISTEN=127.0.0.1:$port_a" "ROSTER_METRICS_LISTEN=127.0.0.1:$metrics_a"; do
  grep -qx "$expected" "$tmp/a/roster.env" || fail "deploy/roster.env sets no ${expected%%=*}= to substitute"
done
render_unit "$tmp/a" "$tmp/a/roster.env"

if command -v systemd-analyze >/dev/null; then
  # It exits 0 on unknown keys and unreadable values, only printing them: any word about
  # the unit is a failure.
  verify=$(cd "$tmp/a" && systemd-analyze verify ./roster.service 2>&1) \
    || fail "systemd-analyze verify deploy/roster.service: $verify"
  if grep -F 'roster.service' <<<"$verify"; then
    fail "systemd-analyze verify deploy/roster.service complained (above)"
  fi
  ok "systemd-analyze verify deploy/roster.service (ExecStart= pointing at $roster)"
  exposure=$(cd "$tmp/a" && systemd-analyze security --offline=yes --threshold=20 ./roster.service 2>&1) \
    || fail "systemd-analyze security: exposure above 2.0: $(tail -n 1 <<<"$exposure")"
  ok "systemd-analyze security: $(grep -o 'exposure level.*' <<<"$exposure")"
else
  echo "skipped: systemd-analyze verify (no systemd-analyze here)"
fi

read_unit "$tmp/a/roster.service"
start_unit "$tmp/a" "$tmp/a/roster.log"
wait_for "http://127.0.0.1:$port_a$ready"
ok "the unit's command and environment serve: GET $ready answers 200"
scraped=$(fetch -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_a/metrics")
[ "$scraped" = 200 ] || fail "GET /metrics on the metrics listener (ROSTER_METRICS_LISTEN) answered $scraped"
ok "GET /metrics on the metrics listener answers 200"
{ [ -f "$tmp/a/state/roster.db" ] && [ -f "$tmp/a/state/secret.key" ]; } \
  || fail "the database or the secret key is not in the state directory: $(ls "$tmp/a/state")"
[ "$(stat -c %a "$tmp/a/state/secret.key")" = 600 ] \
  || fail "the secret key is readable by others: mode $(stat -c %a "$tmp/a/state/secret.key")"
ok "database and secret key in the state directory, the key readable by its owner only"
stop_within "$roster_pid" "$unit_stop_seconds"
ok "SIGTERM: exited 0 in ${stopped_ms} ms (TimeoutStopSec=${unit_stop_seconds}s)"

# ---- b. nginx in front --------------------------------------------------------------------
mkdir -p "$tmp/b" "$tmp/tls" "$tmp/nginx"
origin=https://roster.test:$port_tls
# roster.env for a trial: this public URL, a free port, the development mailbox (no SMTP).
sed -e "s#^ROSTER_PUBLIC_URL=.*#ROSTER_PUBLIC_URL=$origin#" \
  -e "s#^ROSTER_LISTEN=.*#ROSTER_LISTEN=127.0.0.1:$port_b#" \
  -e "s#^ROSTER_METRICS_LISTEN=.*#ROSTER_METRICS_LISTEN=127.0.0.1:$metrics_b#" \
  -e "/^ROSTER_SMTP_URL=/d" deploy/roster.env >"$tmp/b/roster.env"
echo "ROSTER_DEV_MAILBOX=true" >>"$tmp/b/roster.env"
render_unit "$tmp/b" "$tmp/b/roster.env"
read_unit "$tmp/b/roster.service"

# A demo organisation, made as the operator would (`sudo -u roster roster demo`): the unit's
# environment names the database.
mkdir -p "$tmp/b/state"
demo=$(cd "$unit_workdir" && env -i PATH=/usr/bin:/bin "${unit_env[@]}" "$roster" demo --people 3 2>&1) \
  || fail "roster demo: $demo"
email=$(sed -n 's/^Sign in as \([^ ]*\) with the password "\(.*\)"\.$/\1/p' <<<"$demo")
password=$(sed -n 's/^Sign in as \([^ ]*\) with the password "\(.*\)"\.$/\2/p' <<<"$demo")
{ [ -n "$email" ] && [ -n "$password" ]; } || fail "roster demo printed no sign-in: $demo"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=roster.test -addext subjectAltName=DNS:roster.test \
  -keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" 2>"$tmp/tls/openssl.log" \
  || fail "openssl could not make a certificate: $(cat "$tmp/tls/openssl.log")"

# The site as shipped, with only ports, paths and the name changed; each change must apply, or
# the file is no longer what this script knows how to try.
sed -e "s#listen 80;#listen 127.0.0.1:$port_http;#" \
  -e '/listen \[::\]:/d' \
  -e "s#listen 443 ssl#listen 127.0.0.1:$port_tls ssl#" \
  -e "s#server 127.0.0.1:8080;#server 127.0.0.1:$port_b;#" \
  -e "s#/etc/letsencrypt/live/roster.example.com/fullchain.pem#$tmp/tls/cert.pem#" \
  -e "s#/etc/letsencrypt/live/roster.example.com/privkey.pem#$tmp/tls/key.pem#" \
  -e 's#roster\.example\.com#roster.test#g' \
  -e "s#https://\$host\$request_uri#https://\$host:$port_tls\$request_uri#" \
  deploy/nginx/roster.conf >"$tmp/nginx/roster.conf"
for expected in "listen 127.0.0.1:$port_http;" "listen 127.0.0.1:$port_tls ssl" \
  "server 127.0.0.1:$port_b;" "$tmp/tls/cert.pem" "$tmp/tls/key.pem" \
  "https://\$host:$port_tls\$request_uri"; do
  grep -qF -- "$expected" "$tmp/nginx/roster.conf" \
    || fail "deploy/nginx/roster.conf changed shape: no place for \"$expected\""
done
# nginx's main file around the site (Debian's /etc/nginx/nginx.conf in a real installation),
# everything it writes in the temporary folder. As root, workers drop to nobody, who needs
# to pass through the folder (nginx makes its temporary folders nobody's).
user_line=
if [ "$(id -u)" = 0 ]; then
  user_line="user nobody $(id -gn nobody);"
  chmod 0711 "$tmp" "$tmp/nginx"
fi
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 128; }
http {
    access_log $tmp/nginx/access.log;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/roster.conf;
}
EOF
nginx_args=(-p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log")
"$nginx" -t -q "${nginx_args[@]}" 2>"$tmp/nginx/test.log" \
  || fail "nginx -t refuses deploy/nginx/roster.conf: $(cat "$tmp/nginx/test.log")"
logs+=("$tmp/nginx/error.log")
"$nginx" "${nginx_args[@]}" -g 'daemon off;' 2>>"$tmp/nginx/error.log" &
nginx_pid=$!
pids+=("$nginx_pid")

start_unit "$tmp/b" "$tmp/b/roster.log"
# curl as a browser at roster.test would: the name resolving to loopback, our certificate.
tls=(--resolve "roster.test:$port_tls:127.0.0.1" --cacert "$tmp/tls/cert.pem")
wait_for "$origin$ready" "${tls[@]}"

# (1) TLS through nginx.
for version in "--tlsv1.2 --tls-max 1.2" "--tlsv1.3"; do
  # shellcheck disable=SC2086 # two flags in one word on purpose
  answer=$(fetch -sS "${tls[@]}" $version -o /dev/null -w '%{http_code} HTTP/%{http_version}' "$origin$ready")
  [ "${answer%% *}" = 200 ] || fail "GET $ready through nginx with $version: $answer"
done
ok "GET $ready through nginx answers 200 over TLS 1.2 and 1.3 ($answer)"

# (2) Plain HTTP redirects to the same path on https.
redirect=$(fetch -sS --resolve "roster.test:$port_http:127.0.0.1" -o /dev/null \
  -w '%{http_code} %{redirect_url}' "http://roster.test:$port_http/people?page=2")
[ "$redirect" = "301 $origin/people?page=2" ] || fail "http:// answered \"$redirect\", not a 301 to https"
ok "http:// redirects to https:// (301 $origin/people?page=2)"

# (3) The client address behind nginx. The request comes from 127.0.0.2 with a forged
# X-Forwarded-For; nginx appends 127.0.0.2 and Roster, trusting only 127.0.0.1, takes the
# right-most hop: the device must show 127.0.0.2, neither the forged address nor nginx's.
client=(-sS "${tls[@]}" --interface 127.0.0.2 -H 'X-Forwarded-For: 203.0.113.9'
  -b "$tmp/cookies" -c "$tmp/cookies")
credentials=$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
  "$email" "$password")
signed_in=$(fetch "${client[@]}" -w '\n%{http_code}' -H "Origin: $origin" -H 'Content-Type: application/json' \
  --data "$credentials" "$origin/api/v1/sign-in")
[ "${signed_in##*$'\n'}" = 200 ] || fail "sign-in through nginx: $signed_in"
csrf=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["session"]["csrf_token"])' "${signed_in%$'\n'*}")
devices=$(fetch "${client[@]}" "$origin/api/v1/me/devices")
device_ip=$(python3 -c 'import json, sys; print(next(d["ip"] for d in json.loads(sys.argv[1]) if d["current"]))' \
  "$devices") || fail "GET /api/v1/me/devices: $devices"
[ "$device_ip" = 127.0.0.2 ] \
  || fail "the signed-in device's address is $device_ip, not the client's 127.0.0.2 (X-Forwarded-For: 203.0.113.9 was forged)"
ok "signed in through nginx from 127.0.0.2 with a forged X-Forwarded-For: the device shows 127.0.0.2"

# (4) The live event stream is not buffered. Roster sends the stream's head at once with a
# first comment (": open"); it must come through nginx, then an event caused afterwards must
# arrive within 2 s. Tried by hand once with nginx 1.22: without `proxy_buffering off` and
# `proxy_http_version 1.1` (nginx's defaults: buffered, HTTP/1.0 to Roster) no event came
# through and this check failed. Without `proxy_buffering off` alone it passed: nginx passes
# each chunk of a chunked (HTTP/1.1) answer on as it comes (and Roster also sends
# X-Accel-Buffering: no), so the file keeps both lines for other proxies' sake too.
curl -sS -N "${tls[@]}" -b "$tmp/cookies" -D "$tmp/events.head" -o "$tmp/events.body" \
  "$origin/api/v1/events" 2>"$tmp/events.err" &
events_pid=$!
pids+=("$events_pid")
accounts=$(fetch "${client[@]}" "$origin/api/v1/accounts")
account=$(python3 -c 'import json, sys; print(next(a["id"] for a in json.loads(sys.argv[1]) if a["depth"] == 0))' \
  "$accounts") || fail "GET /api/v1/accounts: $accounts"
# report_message TEXT: an inbound message on the organisation, which its event stream tells.
report_message() {
  local reported
  reported=$(fetch "${client[@]}" -o /dev/null -w '%{http_code}' -H "Origin: $origin" -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' --data "{\"from\":\"deploy/try.sh\",\"preview\":\"$1\"}" \
    "$origin/api/v1/accounts/$account/inbound-messages")
  [ "$reported" = 202 ] || fail "reporting an inbound message answered $reported"
}
deadline=$((SECONDS + 5))
until grep -q '^:' "$tmp/events.body" 2>/dev/null; do
  kill -0 "$events_pid" 2>/dev/null || fail "GET /api/v1/events through nginx ended: $(cat "$tmp/events.head" "$tmp/events.err")"
  ((SECONDS < deadline)) || fail "the event stream's head and first comment did not come through nginx within 5 s: $(cat "$tmp/events.head" "$tmp/events.body")"
  sleep 0.05
done
grep -qi '^content-type: text/event-stream' "$tmp/events.head" || fail "the event stream is not text/event-stream"
sent=$(date +%s%N)
report_message measured
until grep -q '"preview":"measured"' "$tmp/events.body"; do
  (($(date +%s%N) - sent < 2000000000)) \
    || fail "the event did not come through nginx within 2 s (buffered?): $(cat "$tmp/events.body")"
  sleep 0.02
done
ok "live event stream through nginx: an event arrived $((($(date +%s%N) - sent) / 1000000)) ms after it was caused"

# (5) Metrics are not for the internet, though Roster serves them to the machine.
metrics=$(fetch -s "${tls[@]}" -o /dev/null -w '%{http_code}' "$origin/metrics")
[ "$metrics" = 404 ] || [ "$metrics" = 403 ] || fail "GET /metrics through nginx answered $metrics"
scraped=$(fetch -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_b/metrics")
[ "$scraped" = 200 ] || fail "GET /metrics on the metrics listener answered $scraped"
ok "GET /metrics: refused through nginx ($metrics), served on the metrics listener (200)"

# (6) The development mailbox opens to this machine only: through nginx it is refused (the
# forwarding header nginx adds), straight to Roster from loopback it answers.
mailbox=$(fetch -s "${tls[@]}" -o /dev/null -w '%{http_code}' "$origin/api/v1/dev/mailbox")
[ "$mailbox" = 403 ] || fail "GET /api/v1/dev/mailbox through nginx answered $mailbox, not 403"
direct=$(fetch -s -o /dev/null -w '%{http_code}' -H "Host: roster.test:$port_tls" \
  "http://127.0.0.1:$port_b/api/v1/dev/mailbox")
[ "$direct" = 200 ] || fail "GET /api/v1/dev/mailbox on loopback without nginx answered $direct, not 200"
ok "the development mailbox: refused through nginx (403), open on loopback (200)"

# (7) Another name through nginx reaches Roster as it is, and Roster refuses it.
other=$(fetch -s "${tls[@]}" -w '\n%{http_code}' -H 'Host: evil.example' "$origin/api/v1/session")
{ [ "${other##*$'\n'}" = 421 ] && grep -q '"code":"misdirected_request"' <<<"${other%$'\n'*}"; } \
  || fail "a request for Host evil.example through nginx: $other"
ok "a request for another host name through nginx is refused by Roster (421)"

# (8) A body over Roster's 1 MiB gets Roster's own JSON answer, not nginx's page.
head -c $((1536 * 1024)) /dev/zero | tr '\0' 'a' >"$tmp/large.json"
large=$(fetch -s "${tls[@]}" -w '\n%{http_code}' -H "Origin: $origin" -H 'Content-Type: application/json' \
  --data-binary "@$tmp/large.json" "$origin/api/v1/sign-in")
{ [ "${large##*$'\n'}" = 413 ] && grep -q '"code":"payload_too_large"' <<<"${large%$'\n'*}"; } \
  || fail "a 1.5 MiB body through nginx: ${large:0:300}"
ok "a 1.5 MiB body through nginx gets Roster's 413 payload_too_large"

# (9) Stopping with a live stream open through nginx: the stream ends, Roster exits 0 in time.
stop_within "$roster_pid" "$unit_stop_seconds"
deadline=$((SECONDS + 5))
while kill -0 "$events_pid" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "the event stream through nginx stayed open after Roster stopped"
  sleep 0.05
done
ok "SIGTERM with a live stream open through nginx: exited 0 in ${stopped_ms} ms, the stream ended"

echo "deploy/try.sh: all checks passed in $(($(date +%s) - started)) s"
