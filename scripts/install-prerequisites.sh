#!/usr/bin/env bash
# Installs what the service and its tests need on a fresh Debian 12 machine, and nothing when
# it is all there already. Needs root for apt-get (as on the project's machines).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

# PostgreSQL + PostGIS for the private clusters (pgRouting: the reference routing is checked against); gRPC peers and tools for the interop tests;
# numpy, scipy, shapely and pyproj for the independent heat-map oracle (tests/oracles); npm to
# fetch Leaflet when the service is built (the map page) and chromium to test that page headless.
packages=(postgresql-15-postgis-3 postgresql-15-pgrouting python3-grpcio python3-grpc-tools nghttp2-client python3-numpy python3-scipy python3-shapely python3-pyproj gdal-bin chromium)
# Debian's npm conflicts with a Node.js that brings its own (NodeSource's): only when there is none.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if [ -x "$repo/scripts/install-test-peers.sh" ]; then
  "$repo/scripts/install-test-peers.sh"
fi
