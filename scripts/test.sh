#!/usr/bin/env bash
# Runs every test of GeoAwareness against real parts: a throwaway PostgreSQL + PostGIS cluster
# started by the test fixture, the real service over real sockets, and real gRPC peers.
# Installs what the tests need first (Debian packages, npm packages) when it is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

scripts/install-prerequisites.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# A test that hangs (a live stream awaited without a deadline) fails its run after 10 minutes,
# naming itself, instead of holding the whole run until CI's limit.
dotnet test GeoAwareness.sln -c Release -nologo --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$log" || status=$?

# One summary line over all test assemblies, in the form CI reads: "N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- +Failed: / {
       gsub(/,/, " ");
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1);
         if ($i == "Passed:") passed += $(i + 1);
         if ($i == "Skipped:") skipped += $(i + 1);
       }
       assemblies++
     }
     END { printf "\nTest assemblies: %d\nTotal: %d passed, %d failed, %d skipped\n", assemblies, passed, failed, skipped }' "$log"
exit "$status"
