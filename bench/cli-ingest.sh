#!/usr/bin/env bash
# `geoaware ingest` of a GeoJSON file beside the service's own streaming ingest rate, measured in
# the same run on a fresh private cluster:
#   (a) the service: Geo.Bench.Mission load streams N observations through Observations.Ingest
#       (messages of 1000, generated before the clock starts), as bench/ingest.sh does
#   (b) the tool: geoaware ingest of the same N observations from a GeoJSON file (written once and
#       kept in .geoaware/), timed from process start to exit: the whole-file check, the reading,
#       and the sending; the observations table is emptied between (a) and (b)
#   (b)/(a) against the target of 80%, and the tool's peak RSS (VmHWM, /usr/bin/time) against 200 MiB.
# Usage: bench/cli-ingest.sh [observations (default 1000000)] [seed (default 7)]
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
bench_name=cli-ingest http_port=18191 grpc_port=15161 pg_port=54401
source "$(dirname "$0")/lib.sh"
cli="$repo/src/Geo.Cli/bin/Release/net10.0/geoaware.dll"

bench_build
dotnet build src/Geo.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >&2

file="$repo/.geoaware/bench-mission-$n-$seed.geojson"
if [ ! -s "$file" ]; then
  echo "writing $n observations as GeoJSON..." >&2
  dotnet "$tool" geojson --observations "$n" --seed "$seed" --out "$file.tmp" >&2
  mv "$file.tmp" "$file"
fi

bench_start
load_before="$(load_average)"

# (a) the service's streaming ingest rate, with the mission's registry loaded first.
echo "(a) the service: Observations.Ingest from the benchmark client..." >&2
load_out="$(dotnet "$tool" load --grpc "http://127.0.0.1:$grpc_port" --observations "$n" --seed "$seed" --pregenerate)"
echo "$load_out" | grep -v '^RESULT' >&2
service_rate=$(echo "$load_out" | sed -n 's/^RESULT load.observations_per_second=//p')
service_s=$(echo "$load_out" | sed -n 's/^RESULT load.seconds=//p')

psql_ -c "TRUNCATE observations CASCADE" -c "VACUUM ANALYZE observations" -c "CHECKPOINT"

# (b) the tool, from the file. Authorisation is off in this service (as for (a)); the tool still
# needs some token to send.
echo "(b) the tool: geoaware ingest $(basename "$file")..." >&2
rm -f "$file.geoaware-ingest"
t0=$(now_ms)
/usr/bin/time -v -o "$results/cli-ingest-time.txt" \
  dotnet "$cli" ingest "$file" --service "http://127.0.0.1:$grpc_port" --token bench >"$results/cli-ingest-out.txt" 2>"$results/cli-ingest-err.txt" \
  || { cat "$results/cli-ingest-err.txt" >&2; exit 1; }
t1=$(now_ms)
cat "$results/cli-ingest-out.txt" >&2
tool_ms=$((t1 - t0))
tool_rate=$(awk -v n="$n" -v ms="$tool_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
tool_rss=$(awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$results/cli-ingest-time.txt")
stored=$(psql_ -At -c "SELECT count(*) FROM observations")
ratio=$(awk -v a="$tool_rate" -v b="$service_rate" 'BEGIN { printf "%.0f", 100 * a / b }')

report="$results/cli-ingest-latest.md"
{
  echo "# geoaware ingest beside the service's streaming ingest, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$n synthetic observations (seed $seed), GeoJSON file of $(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.0f", b / 1048576 }') MiB, $(nproc) cores, $(versions), fresh cluster in .geoaware/bench-cli-ingest."
  echo "Load average (1/5/15 min) before: $load_before; at the end: $(load_average) (other work on the machine shares its 2 cores)."
  echo
  echo "| what | figure | target | met |"
  echo "| --- | ---: | --- | --- |"
  echo "| (a) the service's streaming ingest (benchmark client, pre-generated messages), rows/s | $(fmt "$service_rate") ($(fmt1 "$service_s") s) | | |"
  echo "| (b) geoaware ingest of the GeoJSON file (check, read, send; process start to exit), rows/s | $tool_rate ($(fmt1 "$(awk -v ms="$tool_ms" 'BEGIN{print ms/1000}')") s) | | |"
  echo "| (b) / (a) | ${ratio}% | >= 80% | $(ok "$ratio" ">=" 80) |"
  echo "| the tool's peak RSS (VmHWM), MiB | $tool_rss | < 200 | $(ok "$tool_rss" "<" 200) |"
  echo "| rows stored by (b) | $stored | $n | $(ok "$stored" ">=" "$n") |"
  echo
  echo "The tool's summary: $(cat "$results/cli-ingest-out.txt")"
} >"$report"
echo
cat "$report"
