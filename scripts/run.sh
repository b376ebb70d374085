#!/usr/bin/env bash
# Runs GeoAwareness (geoaware serve --demo) on its private PostgreSQL + PostGIS, kept in .geoaware/
# beside this script's repository: created on the first run (installing postgresql-15-postgis-3,
# and postgresql-15-pgrouting for SQL users, when they are missing), reused afterwards. When the database is empty it loads the demo mission and
# prints the map page's address with a planner's token; later runs print the address only. Any
# setting can follow as --Section:Key=value, for example
#   scripts/run.sh --GeoAwareness:HttpPort=8081
#   scripts/run.sh --ConnectionStrings:GeoAwareness="Host=db.example;Username=geo;Password=...;Database=geo"
# and tokens are administered on the same database with
#   scripts/run.sh token issue --role administrator --subject admin-1
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data=--LocalDatabase:DataDirectory="$repo/.geoaware/postgres"

if [ "${1:-}" = token ]; then
  # geoaware token --local: straight on the private cluster's database, as the first token needs.
  exec "$repo/scripts/geoaware" "$@" --local "$data"
fi

# pgRouting beside PostGIS, as the test command installs it: the service routes travel time in
# memory, but the mission's analysts can check or extend it in SQL on the same database
# (pgr_dijkstra, pgr_drivingDistance over road_segments). Optional: the service runs without it.
if ! dpkg-query -W -f='${Status}' postgresql-15-pgrouting 2>/dev/null | grep -q "install ok installed"; then
  if [ "$(id -u)" = 0 ]; then
    echo "run.sh: installing postgresql-15-pgrouting..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends postgresql-15-pgrouting >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends postgresql-15-pgrouting >&2; } \
      || echo "run.sh: pgRouting could not be installed; the service runs without it" >&2
  else
    echo "run.sh: pgRouting is not installed (sudo apt-get install postgresql-15-pgrouting); the service runs without it" >&2
  fi
fi

# The banner's example commands name the wrapper, so that they can be pasted as they are.
GEOAWARE_PROGRAM=scripts/geoaware exec "$repo/scripts/geoaware" serve --demo "$data" "$@"
