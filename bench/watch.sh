#!/usr/bin/env bash
# Live watch benchmark (issue 18): commit-to-delivery latency of N watches with mixed filters
# while writers commit R observations a second, beside the peer design (the feed polled every
# second), and the service memory that IDLE idle watches cost. Figures in the README.
#
#   bench/watch.sh [--watches N] [--rate R] [--seconds S] [--idle IDLE]   (defaults 100, 200, 30, 1000)
#
# Builds bench/Geo.Bench.GrpcServer (our service) and bench/Geo.Bench.Watch (the clients) in
# Release; the service runs on a new database of the throwaway test cluster, as its own process.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for project in Geo.Bench.GrpcServer Geo.Bench.Watch; do
  timeout 1200 dotnet build "bench/$project/$project.csproj" -c Release -v q -nologo >/dev/null
done
mkdir -p bench/results
timeout 1800 dotnet "bench/Geo.Bench.Watch/bin/Release/net10.0/Geo.Bench.Watch.dll" \
  "$root/bench/Geo.Bench.GrpcServer/bin/Release/net10.0/Geo.Bench.GrpcServer.dll" "$@" | tee bench/results/watch-latest.md
