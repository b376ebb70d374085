#!/usr/bin/env bash
# Writes a screenshot of the map page of a running service, with chromium's own headless
# screenshot: scripts/map-screenshot.sh http://127.0.0.1:8080 <token> [docs/map.png]
# The token (any role that reads heat maps and coverage: analyst, planner, supervisor) goes in the
# address's fragment, which never leaves the browser.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$#" -lt 2 ]; then
  echo "usage: $0 <service HTTP URL> <token> [output PNG, default docs/map.png]" >&2
  exit 2
fi
url="${1%/}/map#token=$2"
out="${3:-$repo/docs/map.png}"
mkdir -p "$(dirname "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# The virtual-time budget lets the page's calls and drawing finish before the picture is taken.
"${CHROMIUM:-chromium}" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --window-size=1280,800 --virtual-time-budget=15000 \
  --screenshot="$out" "$url" >/dev/null 2>&1
echo "$out"
