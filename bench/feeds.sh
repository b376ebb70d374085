#!/usr/bin/env bash
# The SAGE observation feed (issue 7) end to end on a synthetic mission, beside GDAL on the same
# rows, measured in the same run on a fresh private cluster, as a SAGE importer (bearer token of
# the importer role: locations coarsened, as importers get them):
#   ours:  GET /feeds/observations?limit=10000 (a page from the start and one from the middle of
#          the feed), median of 10 after 2 warm-ups; the same page with If-None-Match (304);
#          GET /feeds/observations?all=true, the full export to /dev/null, median of 3, with the
#          service's peak resident memory sampled while it streams.
#   peer:  ogr2ogr -f GeoJSON exporting the same rows (the same columns, id order) from the same
#          database, median of 3.
# The rows go in with psql \copy, then VACUUM ANALYZE and CHECKPOINT; loading is not measured.
# Usage: bench/feeds.sh [observations (default 1000000)] [seed (default 7)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-feeds.
# The report goes to bench/results/feeds-latest.md.
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
bench_name=feeds http_port=18187 grpc_port=15157 pg_port=54397 bench_auth=on
source "$(dirname "$0")/lib.sh"
scratch="$repo/.geoaware/bench-feeds-work"
mkdir -p "$scratch"

bench_build
bench_start
csv="$(bench_csv "$n" "$seed")"
echo "loading $n rows with psql \\copy (not measured)..." >&2
psql_ -c "\\copy observations ($columns) FROM '$csv' WITH (FORMAT csv)"
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"
token="$(bench_token importer)"
[ -n "$token" ] || { echo "no importer token" >&2; exit 1; }
url="http://127.0.0.1:$http_port/feeds/observations"
load_before="$(load_average)"

# curl_time URL [curl options]: seconds to the last byte, body discarded; fails on HTTP errors.
curl_time() { local u="$1"; shift; curl -sS -f -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $token" "$@" "$u"; }
ms_median() { awk '{ printf "%.1f\n", $1 * 1000 }' | median; }

echo "ours: a middle cursor..." >&2
cursor=""
for _ in $(seq $((n / 2 / 50000))); do
  cursor="$(curl -sS -f -H "authorization: Bearer $token" "$url?limit=50000${cursor:+&cursor=$cursor}" | tail -c 400 | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')"
done
[ -n "$cursor" ] || { echo "no cursor came back" >&2; exit 1; }

echo "ours: pages of 10,000..." >&2
page() { for i in $(seq 12); do curl_time "$1"; done | tail -n 10 | ms_median; }
first_ms="$(page "$url?limit=10000")"
middle_ms="$(page "$url?limit=10000&cursor=$cursor")"
features="$(curl -sS -f -H "authorization: Bearer $token" "$url?limit=10000&cursor=$cursor" | tail -c 400 | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"
etag="$(curl -sS -f -D - -o /dev/null -H "authorization: Bearer $token" "$url?limit=10000&cursor=$cursor" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')"
not_modified_ms="$(for i in $(seq 12); do curl_time "$url?limit=10000&cursor=$cursor" -H "if-none-match: $etag"; done | tail -n 10 | ms_median)"
status_304="$(curl -sS -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" -H "if-none-match: $etag" "$url?limit=10000&cursor=$cursor")"

echo "ours: full export..." >&2
rss_peak_kb=0
export_runs=()
for run in 1 2 3; do
  ( peak=0; while kill -0 "$service_pid" 2>/dev/null; do
      r=$(awk '/^VmRSS/ { print $2 }' "/proc/$service_pid/status"); [ "$r" -gt "$peak" ] && peak=$r; echo "$peak" >"$scratch/rss"; sleep 0.05
    done ) &
  sampler=$!
  export_runs+=("$(curl_time "$url?all=true")")
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  peak="$(cat "$scratch/rss")"; [ "$peak" -gt "$rss_peak_kb" ] && rss_peak_kb=$peak
done
export_s="$(printf '%s\n' "${export_runs[@]}" | median)"
exported="$(curl -sS -f -H "authorization: Bearer $token" "$url?all=true" | tail -c 400 | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"

echo "peer: ogr2ogr -f GeoJSON..." >&2
peer_sql="SELECT id, version, category, severity, observed_at, reported_at, updated_at, location_precision, affected, vulnerability, community_id, base_id, verification, response, response_at, location FROM observations ORDER BY change_xid, id"
peer_runs=()
for run in 1 2 3; do
  rm -f "$scratch/peer.geojson"
  t0=$(now_ms)
  ogr2ogr -f GeoJSON "$scratch/peer.geojson" "PG:host=$socket port=$pg_port user=postgres dbname=geoawareness" -sql "$peer_sql" -lco RFC7946=YES
  peer_runs+=("$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.3f", ms / 1000 }')")
done
peer_s="$(printf '%s\n' "${peer_runs[@]}" | median)"
peer_features="$(ogrinfo -ro -so -al "$scratch/peer.geojson" | sed -n 's/^Feature Count: //p')"
rm -f "$scratch/peer.geojson"
load_after="$(load_average)"

ours_fps=$(awk -v n="$exported" -v s="$export_s" 'BEGIN { printf "%.0f", n / s }')
peer_fps=$(awk -v n="$peer_features" -v s="$peer_s" 'BEGIN { printf "%.0f", n / s }')
rss_mib=$(awk -v k="$rss_peak_kb" 'BEGIN { printf "%.0f", k / 1024 }')
report="$results/feeds-latest.md"
{
  echo "# Observation feed, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$n synthetic observations (seed $seed), $(versions), $(nproc) cores; as a SAGE importer (coarsened)."
  echo "Load average (1/5/15 min) before: $load_before; after: $load_after."
  echo
  echo "| measure | ours | target | met | peer (same run) |"
  echo "| --- | --- | --- | --- | --- |"
  echo "| page of $features features from the start, median of 10 | $first_ms ms | < 150 ms | $(ok "$first_ms" "<" 150) | |"
  echo "| page of $features features from the middle, median of 10 | $middle_ms ms | < 150 ms | $(ok "$middle_ms" "<" 150) | |"
  echo "| the same page unchanged (If-None-Match, HTTP $status_304), median of 10 | $not_modified_ms ms | | | |"
  echo "| full export of $exported features, median of 3 | $(fmt1 "$export_s") s, $ours_fps features/s | >= 150,000/s and >= peer | $(ok "$ours_fps" ">=" 150000) / $(ok "$ours_fps" ">=" "$peer_fps") | ogr2ogr -f GeoJSON: $(fmt1 "$peer_s") s, $peer_fps features/s ($peer_features features) |"
  echo "| service peak RSS during the exports | $rss_mib MiB | < 300 MiB | $(ok "$rss_mib" "<" 300) | |"
} | tee "$report"
