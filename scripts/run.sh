#!/usr/bin/env bash
# Runs GeoAwareness (geoaware serve --demo) on its private PostgreSQL + PostGIS, kept in .geoaware/
# beside this script's repository: created on the first run (installing postgresql-15-postgis-3
# when it is missing), reused afterwards. When the database is empty it loads the demo mission and
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

# The banner's example commands name the wrapper, so that they can be pasted as they are.
GEOAWARE_PROGRAM=scripts/geoaware exec "$repo/scripts/geoaware" serve --demo "$data" "$@"
