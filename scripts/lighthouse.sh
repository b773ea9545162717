#!/usr/bin/env bash
# Lighthouse (npm lighthouse@12.2.3, desktop preset, on Debian's Chromium) for the sign-in
# page and the Users list of a demo organisation, served by the release server from dist/.
# Prints performance, accessibility, best practices, LCP and TBT, and checks the budgets:
# performance >= 95, accessibility 100, LCP <= 1 s. Exits non-zero when a budget is missed.
#
# Usage: scripts/lighthouse.sh [--no-build]   (make bench calls it after building)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/tool-versions.sh
. "$here/tool-versions.sh"

LIGHTHOUSE_VERSION=12.2.3
prefix="$ROSTER_TOOLS/lighthouse"
lighthouse="$prefix/node_modules/.bin/lighthouse"

step "Lighthouse $LIGHTHOUSE_VERSION (npm, into $prefix)"
if [ "$(node -p "require('$prefix/node_modules/lighthouse/package.json').version" 2>/dev/null)" != "$LIGHTHOUSE_VERSION" ]; then
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || echo '{"name":"roster-lighthouse","private":true}' >"$prefix/package.json"
  npm install --prefix "$prefix" --no-audit --no-fund --save-exact "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null
fi
if [ "${1:-}" != "--no-build" ]; then
  step "Building the server (release) and the web app"
  cargo build --release --locked -p roster-backend
  scripts/build-web.sh
fi

# shellcheck source=scripts/demo-server.sh
. "$here/demo-server.sh"

step "A demo organisation of 200 people, served on loopback"
demo_server 200
cookie=$(demo_cookie)

run() { # name url [extra headers json]
  local name=$1 url=$2 headers=${3:-}
  local args=(--preset=desktop --quiet --output=json --output-path="$work/$name.json"
    --only-categories=performance,accessibility,best-practices
    --chrome-flags="--headless=new --no-sandbox --disable-gpu")
  [ -n "$headers" ] && args+=(--extra-headers="$headers")
  CHROME_PATH=/usr/bin/chromium "$lighthouse" "$url" "${args[@]}" >/dev/null 2>"$work/$name.log" || {
    cat "$work/$name.log" >&2
    return 1
  }
}

step "Lighthouse: sign-in page"
run sign-in "$base/sign-in"
step "Lighthouse: Users list (signed in)"
run users "$base/accounts/$account/users" "{\"Cookie\": \"$cookie\"}"
step_done
mkdir -p "$root/target/lighthouse"
cp "$work/sign-in.json" "$work/users.json" "$root/target/lighthouse/"

python3 - "$work/sign-in.json" "$work/users.json" <<'PY'
import json, sys
rows, failed = [], []
for path, name in zip(sys.argv[1:], ["sign-in page", "Users list"]):
    report = json.load(open(path))
    cat = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    lcp = report["audits"]["largest-contentful-paint"]["numericValue"]
    tbt = report["audits"]["total-blocking-time"]["numericValue"]
    cls = report["audits"]["cumulative-layout-shift"]["numericValue"]
    fcp = report["audits"]["first-contentful-paint"]["numericValue"]
    rows.append((name, cat["performance"], cat["accessibility"], cat["best-practices"], lcp, tbt, cls, fcp))
    if cat["performance"] < 95: failed.append(f"{name}: performance {cat['performance']} < 95")
    if cat["accessibility"] < 100: failed.append(f"{name}: accessibility {cat['accessibility']} < 100")
    if lcp > 1000: failed.append(f"{name}: LCP {lcp:.0f} ms > 1000 ms")
    if report.get("finalDisplayedUrl", "").endswith("/sign-in") and name == "Users list":
        failed.append("Users list: Lighthouse was sent to the sign-in page (session not used)")
print()
print(f"{'Lighthouse (desktop)':<22} {'perf':>5} {'a11y':>5} {'best':>5} {'FCP ms':>8} {'LCP ms':>8} {'TBT ms':>8} {'CLS':>6}")
for name, p, a, b, lcp, tbt, cls, fcp in rows:
    print(f"{name:<22} {p:>5} {a:>5} {b:>5} {fcp:>8.0f} {lcp:>8.0f} {tbt:>8.0f} {cls:>6.3f}")
print("budget: performance >= 95, accessibility 100, LCP <= 1000 ms:", "PASS" if not failed else "FAIL")
for f in failed:
    print("  " + f)
sys.exit(1 if failed else 0)
PY
