#!/usr/bin/env bash
# Runs GeoAwareness on its private PostgreSQL + PostGIS, kept in .geoaware/ beside this script's
# repository: created on the first run (installing postgresql-15-postgis-3 when it is missing),
# reused afterwards. Any setting can follow as --Section:Key=value, for example
#   scripts/run.sh --GeoAwareness:HttpPort=8081
#   scripts/run.sh --ConnectionStrings:GeoAwareness="Host=db.example;Username=geo;Password=...;Database=geo"
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
service="$repo/src/Geo.Grpc/bin/Release/net10.0/geoawareness.dll"

# Build only when a source changed since the last build: start-up stays fast on later runs.
if [ ! -f "$service" ] || [ -n "$(find src protos Directory.Build.props Directory.Packages.props -newer "$service" -type f -print -quit)" ]; then
  echo "geoawareness: building (Release)..." >&2
  dotnet build src/Geo.Grpc -c Release -nologo -v quiet -clp:ErrorsOnly >&2
fi

exec dotnet "$service" --LocalDatabase:DataDirectory="$repo/.geoaware/postgres" "$@"
