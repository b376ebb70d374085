#!/usr/bin/env bash
# Civilian picture benchmark (issue 19): 50,000 facilities and 5,000 presence records; listing
# those in a 50 km radius and exporting all of them, each beside the same query in PostGIS alone,
# in the same run. Figures in the README.
#
#   bench/civilian.sh [--facilities N] [--presence N] [--runs R]   (defaults 50000, 5000, 9)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for project in Geo.Bench.GrpcServer Geo.Bench.Civilian; do
  timeout 1200 dotnet build "bench/$project/$project.csproj" -c Release -v q -nologo >/dev/null
done
mkdir -p bench/results
timeout 1800 dotnet "bench/Geo.Bench.Civilian/bin/Release/net10.0/Geo.Bench.Civilian.dll" \
  "$root/bench/Geo.Bench.GrpcServer/bin/Release/net10.0/Geo.Bench.GrpcServer.dll" "$@" | tee bench/results/civilian-latest.md
