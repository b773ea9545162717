#!/usr/bin/env bash
# `make fuzz`: property-based fuzzing of the HTTP API from its OpenAPI document with
# schemathesis (PyPI), against a release server on a demo organisation, authenticated as its
# Owner with an API token. Fails on any 5xx, on any error answer outside the one error shape
# (scripts/fuzz/checks.py), and on any panic in the server log.
#
# Then coverage-guided fuzzing of every parser (scripts/fuzz-parsers.sh, cargo fuzz): the
# generator above does not search inside a string's grammar; libFuzzer does.
#
# FUZZ_SECONDS (default 300) bounds the schemathesis run, FUZZ_TARGET_SECONDS (default 60)
# each fuzz target.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/tool-versions.sh
. "$here/tool-versions.sh"

SCHEMATHESIS_VERSION=4.32.5
seconds=${FUZZ_SECONDS:-300}
venv="$ROSTER_TOOLS/fuzz-venv"

step "schemathesis $SCHEMATHESIS_VERSION (PyPI, into $venv)"
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

step "Building the server (release)"
cargo build --release --locked -p roster-backend

# shellcheck source=scripts/demo-server.sh
. "$here/demo-server.sh"

step "A demo organisation in a fresh SQLite file, and an Owner API token"
demo_server 60
token=$(curl -fsS -b "$work/cookies" -H 'content-type: application/json' -H "origin: $base" \
  -H "x-csrf-token: $csrf" -d '{"name":"Fuzzing","max_role":"owner"}' \
  "$base/api/v1/accounts/$account/api-tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

fuzz() { # label, then st arguments
  local label=$1
  shift
  step "Fuzzing for ${seconds}s: $label (schemathesis)"
  # The coverage phase trips a CPython 3.11 bug in Hypothesis' lambda introspection ("AST
  # constructor recursion depth mismatch"), a crash of the tool, not a finding; the examples,
  # fuzzing and stateful phases run every operation.
  SCHEMATHESIS_HOOKS=checks PYTHONPATH="$here/fuzz" "$venv/bin/st" run "$base/api/openapi.json" \
    --checks not_a_server_error,one_error_shape \
    --phases examples,fuzzing,stateful \
    --max-time "$seconds" \
    --workers 2 \
    --report ndjson --report-dir "$root/target/fuzz" \
    --warnings off \
    --suppress-health-check all "$@" || status=$?
}
status=0
# As automation calls it: an Owner API token on every operation (the personal /me endpoints
# answer 401 to tokens by design). Revoking a token would end the run's own access.
fuzz "API token" --header "Authorization: Bearer $token" \
  --exclude-path-regex '/api-tokens/\{token\}$'
# As the app calls it: a session cookie with its CSRF token, which reaches /me too. Signing
# out (this device or all others) and changing the password would end the session.
fuzz "browser session" --header "Cookie: $(demo_cookie)" \
  --header "X-CSRF-Token: $csrf" --header "Origin: $base" \
  --exclude-path-regex '^/api/v1/(sign-out|me/password|me/devices.*|me/email.*)$'

if grep -n 'panicked' "$work/server.log"; then
  echo "the server panicked during fuzzing (above)" >&2
  status=1
fi
step_done
if [ "$status" = 0 ]; then
  echo "schemathesis found nothing: no 5xx, every error in the one shape, no panic"
fi
"$here/fuzz-parsers.sh" || status=1
exit "$status"
