#!/usr/bin/env bash
# Runs the fuzz tests (tests/Geo.Grpc.Tests/Hostile/FuzzTests.cs) with many more cases than the
# test suite does: every request message of every served gRPC method and every HTTP route, with
# random and adversarial values, against the real service on a throwaway PostgreSQL cluster.
#
#   scripts/fuzz.sh [cases] [seed]
#
# cases: gRPC calls (default 20000; HTTP requests are half as many). seed: replay a run (default:
# a new one, printed). A failure names its seed and case: GEOAWARE_FUZZ_SEED=<seed>
# GEOAWARE_FUZZ_FIRST=<case> scripts/fuzz.sh <case + 1> replays that case alone.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

scripts/install-prerequisites.sh

export GEOAWARE_FUZZ_CASES="${1:-20000}"
if [[ $# -ge 2 ]]; then
  export GEOAWARE_FUZZ_SEED="$2"
fi

dotnet test tests/Geo.Grpc.Tests -c Release -nologo \
  --filter "FullyQualifiedName~Geo.Grpc.Tests.Hostile.FuzzTests" \
  --logger "console;verbosity=detailed"
