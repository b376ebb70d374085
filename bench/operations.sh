#!/usr/bin/env bash
# Planned operation check benchmark (issue 20): a 60 km route with a 2 km buffer against 50,000
# facilities, 5,000 communities and 1,000,000 observations; CheckOperation over gRPC beside the same
# answer from PostGIS queries alone, in the same run, the two answers compared first (the run fails
# if they differ). Figures in the README.
#
#   bench/operations.sh [--facilities N] [--communities N] [--observations N] [--bases N] [--presence N] [--runs R] [--warmup W]
#                       (defaults 50000, 5000, 1000000, 200, 5000, 9, 5)
#
# Builds bench/Geo.Bench.GrpcServer (our service) and bench/Geo.Bench.Operations (the seeding, the
# clients and the peer) in Release; the service runs on a new database of the throwaway test
# cluster, as its own process, with tokens required.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for project in Geo.Bench.GrpcServer Geo.Bench.Operations; do
  timeout 1200 dotnet build "bench/$project/$project.csproj" -c Release -v q -nologo >/dev/null
done
mkdir -p bench/results
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# Written to the results only when the run succeeds: a failed comparison keeps the last good figures.
timeout 1800 dotnet "bench/Geo.Bench.Operations/bin/Release/net10.0/Geo.Bench.Operations.dll" \
  "$root/bench/Geo.Bench.GrpcServer/bin/Release/net10.0/Geo.Bench.GrpcServer.dll" "$@" | tee "$out"
cp "$out" bench/results/operations-latest.md
