#!/usr/bin/env bash
# Makes sure the PostgreSQL that the tests use answers (ROSTER_TEST_POSTGRES_URL, by default
# postgres://postgres@127.0.0.1:5432/test). If nothing answers on a loopback address, it
# installs Debian's postgresql, creates a cluster on that port with trust authentication for
# loopback connections, starts it and creates the database. The PostgreSQL tests are never
# skipped: without a server they fail.
set -euo pipefail

url=${ROSTER_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
log() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# postgres://user[:password]@host[:port]/database[?…]
re='^postgres(ql)?://([^:@/]+)(:[^@/]*)?@([^:/?]+)(:([0-9]+))?/([^?]+)'
[[ $url =~ $re ]] || { log "cannot read ROSTER_TEST_POSTGRES_URL=$url"; exit 1; }
user=${BASH_REMATCH[2]} host=${BASH_REMATCH[4]} port=${BASH_REMATCH[6]:-5432} db=${BASH_REMATCH[7]}

answers() { psql "$url" -XtAc 'SELECT 1' >/dev/null 2>&1; }

if ! command -v psql >/dev/null; then
  log "installing the PostgreSQL client"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
fi
if answers; then
  log "answers at $host:$port/$db"
  exit 0
fi
case $host in
  127.0.0.1 | localhost | ::1) ;;
  *) log "nothing answers at $url, and it is not on this machine: start it, or change ROSTER_TEST_POSTGRES_URL"; exit 1 ;;
esac

if ! command -v pg_createcluster >/dev/null; then
  log "installing Debian's postgresql (no server answered at $host:$port)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p { print $1 " " $2; exit }')
if [ -z "$cluster" ]; then
  name=roster-$port
  log "creating PostgreSQL $version cluster '$name' on port $port (trust on loopback only)"
  as_root pg_createcluster "$version" "$name" -p "$port" -- \
    --auth-local=trust --auth-host=trust --username=postgres >/dev/null
  cluster="$version $name"
fi
read -r cversion cname <<<"$cluster"
# Loopback only: trust authentication must never face a network.
conf=/etc/postgresql/$cversion/$cname/postgresql.conf
if ! as_root grep -q "^listen_addresses = 'localhost'" "$conf"; then
  echo "listen_addresses = 'localhost'" | as_root tee -a "$conf" >/dev/null
fi
log "starting cluster $cversion/$cname"
as_root pg_ctlcluster --skip-systemctl-redirect "$cversion" "$cname" start 2>/dev/null \
  || as_root pg_ctlcluster "$cversion" "$cname" start 2>/dev/null || true
for _ in $(seq 1 50); do
  pg_isready -q -h "$host" -p "$port" && break
  sleep 0.2
done
pg_isready -q -h "$host" -p "$port" || { log "PostgreSQL did not start on port $port"; exit 1; }
if ! psql -h "$host" -p "$port" -U "$user" -d postgres -XtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  log "creating database $db"
  psql -h "$host" -p "$port" -U "$user" -d postgres -Xqc "CREATE DATABASE \"$db\""
fi
answers || { log "PostgreSQL runs but $url does not answer"; exit 1; }
log "answers at $host:$port/$db"
