#!/usr/bin/env bash
# Heat maps from the in-memory read model (issue 21), beside three peers measured in the same run
# on the same rows of a fresh private cluster:
#   ours:     HeatMaps.Compute over gRPC on a service with the read model (the default), whole mission
#             region (400 x 400 km) and year: counts on 1 km squares, kernel density (5 km bandwidth),
#             Gi* (3 km band), and 12 monthly frames of counts; p50 / p99 of 20 calls after 5 warm-ups,
#             every cell received (per-cell messages with polygons, and packed columns);
#             the model's load at start-up and the service's RSS after it and at its peak.
#   peer A:   the PostGIS path of this service (today's code before the model: GeoAwareness:ReadModel:Enabled=false),
#             a second service on the same database, the same calls (p50 of 5 after 2 warm-ups).
#   peer B:   PostGIS SQL alone, the 1 km counts (ST_Transform + ST_SnapToGrid GROUP BY), median of 5.
#   peer C:   DuckDB in this machine's memory (DuckDB.NET.Data.Full, in-process): the same points,
#             projected beforehand, 1 km counts and monthly counts as GROUP BY on the bins, all groups read.
# Usage: bench/readmodel.sh [observations (default 1000000)] [seed (default 7)]
# The report goes to bench/results/readmodel-latest.md.
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
bench_name=readmodel http_port=18187 grpc_port=15157 pg_port=54397
# The service bench_start starts is peer A, the PostGIS path.
bench_service_args=(--GeoAwareness:ReadModel:Enabled=false)
source "$(dirname "$0")/lib.sh"
model_http=18188 model_grpc=15158
points="$repo/.geoaware/bench-readmodel-points.csv"
laea_srid=990001

bench_build
bench_start
csv="$(bench_csv "$n" "$seed")"
echo "loading $n rows with psql \\copy (not measured)..." >&2
psql_ -c "\\copy observations ($columns) FROM '$csv' WITH (FORMAT csv)"
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"

# Ours: a second service on the same database with the model; it loads the model as it starts.
model_log="$repo/.geoaware/bench-readmodel-model.log"
echo "ours: starting a service with the read model..." >&2
t0=$(now_ms)
dotnet "$service" serve --ConnectionStrings:GeoAwareness="Host=$socket;Port=$pg_port;Username=postgres;Database=geoawareness" \
  --GeoAwareness:ListenAddress=127.0.0.1 --GeoAwareness:HttpPort="$model_http" --GeoAwareness:GrpcPort="$model_grpc" \
  --GeoAwareness:Auth:Enabled=false --Logging:LogLevel:Default=Warning --Logging:LogLevel:Geo.Grpc.ReadModel=Information >"$model_log" 2>&1 &
model_pid=$!
trap 'kill -TERM "$model_pid" 2>/dev/null || true; wait "$model_pid" 2>/dev/null || true; bench_cleanup' EXIT
for _ in $(seq 3000); do
  grep -q "read model loaded" "$model_log" && break
  kill -0 "$model_pid" 2>/dev/null || { cat "$model_log" >&2; exit 1; }
  sleep 0.1
done
loaded_line="$(grep -o 'read model loaded: .*' "$model_log" | head -1)"
[ -n "$loaded_line" ] || { echo "the model did not load: $(cat "$model_log")" >&2; exit 1; }
start_to_loaded_s=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
echo "$loaded_line" >&2
model_rows=$(echo "$loaded_line" | sed -n 's/read model loaded: \([0-9]*\) observations.*/\1/p')
model_mib=$(echo "$loaded_line" | sed -n 's/.*observations, \([0-9]*\) MiB.*/\1/p')
model_load_s=$(echo "$loaded_line" | sed -n 's/.* MiB, in \([0-9.]*\) s.*/\1/p')
model_load_detail=$(echo "$loaded_line" | grep -o 'read by [0-9]* connections in [0-9.]* s, ordered in [0-9.]* s' | head -1)
status_mib() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
rss_loaded=$(status_mib "$model_pid" VmRSS)

load_before="$(load_average)"
echo "ours: HeatMaps.Compute on the read model..." >&2
ours_out="$(dotnet "$tool" heatmap --grpc "http://127.0.0.1:$model_grpc" --seed "$seed" --repeat 20 --warmup 5 --methods count,kde,hotspots,monthly)"
echo "$ours_out" | grep -v '^RESULT' >&2
packed_out="$(dotnet "$tool" heatmap --grpc "http://127.0.0.1:$model_grpc" --seed "$seed" --repeat 20 --warmup 5 --methods count,kde,hotspots,monthly --packed true)"
echo "$packed_out" | grep -v '^RESULT' >&2
rss_peak=$(status_mib "$model_pid" VmHWM)
rss_after=$(status_mib "$model_pid" VmRSS)
r() { echo "$ours_out" | sed -n "s/^RESULT $1=//p" | head -1; }
p() { echo "$packed_out" | sed -n "s/^RESULT $1=//p" | head -1; }

echo "ours: a polygon query of about 10,000 rows, a summary and a count of a 100 km box over a year..." >&2
ours_query="$(dotnet "$tool" query --grpc "http://127.0.0.1:$model_grpc" --seed "$seed" --repeat 30 --warmup 10 --stream false)"
echo "$ours_query" | grep -v '^RESULT' >&2
q() { echo "$ours_query" | sed -n "s/^RESULT $1=//p" | head -1; }

echo "peer A: the PostGIS path of the service..." >&2
postgis_query="$(dotnet "$tool" query --grpc "http://127.0.0.1:$grpc_port" --seed "$seed" --repeat 30 --warmup 10 --stream false)"
echo "$postgis_query" | grep -v '^RESULT' >&2
aq() { echo "$postgis_query" | sed -n "s/^RESULT $1=//p" | head -1; }
postgis_out="$(dotnet "$tool" heatmap --grpc "http://127.0.0.1:$grpc_port" --seed "$seed" --repeat 5 --warmup 2 --methods count,kde,hotspots,monthly)"
echo "$postgis_out" | grep -v '^RESULT' >&2
a() { echo "$postgis_out" | sed -n "s/^RESULT $1=//p" | head -1; }

projection="$(r heatmap.projection)"
grid="$(r heatmap.grid)"
g() { echo "$grid" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
size=$(g size) ox=$(g origin_x) oy=$(g origin_y)
IFS=, read -r west south east north <<<"$(r heatmap.area)"
from="$(r heatmap.observed_from)" to="$(r heatmap.observed_to)"
where="location && ST_MakeEnvelope($west, $south, $east, $north, 4326) AND observed_at >= '$from' AND observed_at < '$to'"

echo "peer B: PostGIS SQL alone..." >&2
psql_ -c "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, proj4text) VALUES ($laea_srid, 'bench', $laea_srid, '$projection')"
snap_sql="SELECT count(*) AS cells, sum(n) AS observations FROM (
  SELECT ST_SnapToGrid(ST_Transform(location, $laea_srid), $ox, $oy, $size, $size) AS cell, count(*) AS n
  FROM observations WHERE $where GROUP BY cell) s"
out="$( { echo '\timing on'; for _ in $(seq 6); do echo "$snap_sql;"; done; } | psql_ -At -F ' ')"
snap_ms="$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n +2 | median)"
read -r snap_cells snap_obs <<<"$(echo "$out" | grep -E '^[0-9]+ [0-9]+$' | head -1)"

echo "peer C: DuckDB in memory..." >&2
psql_ -c "\\copy (SELECT ST_X(location), ST_Y(location), to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM observations WHERE $where) TO '$points' WITH (FORMAT csv)"
duck_out="$(dotnet "$tool" duckdb --points "$points" --area "$west,$south,$east,$north" --from "$from" --to "$to" --cell "$size" --repeat 10)"
echo "$duck_out" | grep -v '^RESULT' >&2
d() { echo "$duck_out" | sed -n "s/^RESULT $1=//p" | head -1; }
# The monthly frames: DuckDB is asked the same calendar months as ours.
monthly_frames=$(r heatmap.monthly.frames)

row() { # what, ours key, target
  echo "| $1 | $(fmt1 "$(r "heatmap.$2.p50_ms")") / $(fmt1 "$(r "heatmap.$2.p99_ms")") | $(fmt1 "$(p "heatmap.$2.p50_ms")") | $(fmt1 "$(a "heatmap.$2.p50_ms")") | $4 | $3 | $(ok "$(p "heatmap.$2.p50_ms")" "<" "$5") |"
}
report="$results/readmodel-latest.md"
{
  echo "# GeoAwareness read model, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$n synthetic observations (seed $seed), $(nproc) cores, $(versions), fresh cluster in .geoaware/bench-readmodel."
  echo "Load average (1/5/15 min) before ours: $load_before; at the end: $(load_average)."
  echo "The whole mission region ($west, $south, $east, $north) and year [$from, $to): $(fmt "$(r heatmap.count.observations)") observations;"
  echo "grid $(g columns) x $(g rows) squares of $size m. Every answer of ours came from the model (watermark $(r heatmap.count.watermark)); peer A's from PostGIS (watermark $(a heatmap.count.watermark))."
  echo
  echo "| heat map, ms | ours p50 / p99 (cells with polygons) | ours p50, packed cells | A: PostGIS path p50 | peers B / C p50 | target p50 | met (packed) |"
  echo "| --- | ---: | ---: | ---: | ---: | --- | --- |"
  row "counts, 1 km" count "<= 40" "B: $(fmt1 "$snap_ms"), C: $(fmt1 "$(d duckdb.count.p50_ms)")" 40.001
  row "kernel density, 5 km" kde "<= 60" "—" 60.001
  row "Gi*, 3 km band" hotspots "<= 100" "—" 100.001
  row "$monthly_frames monthly frames of counts" monthly "<= 150" "C: $(fmt1 "$(d duckdb.monthly.p50_ms)")" 150.001
  echo
  echo "| observations, ms | ours p50 / p99 | A: PostGIS path p50 / p99 | target p50 | met |"
  echo "| --- | ---: | ---: | --- | --- |"
  echo "| polygon query, $(fmt "$(q query.polygon.rows)") rows streamed | $(fmt1 "$(q query.polygon.p50_ms)") / $(fmt1 "$(q query.polygon.p99_ms)") | $(fmt1 "$(aq query.polygon.p50_ms)") / $(fmt1 "$(aq query.polygon.p99_ms)") | <= 15 | $(ok "$(q query.polygon.p50_ms)" "<" 15.001) |"
  echo "| summary, 100 km box, one year ($(fmt "$(q query.summary.observations)") observations) | $(fmt1 "$(q query.summary.p50_ms)") / $(fmt1 "$(q query.summary.p99_ms)") | $(fmt1 "$(aq query.summary.p50_ms)") / $(fmt1 "$(aq query.summary.p99_ms)") | <= 10 | $(ok "$(q query.summary.p50_ms)" "<" 10.001) |"
  echo "| count, the same box and year | $(fmt1 "$(q query.count.p50_ms)") / $(fmt1 "$(q query.count.p99_ms)") | $(fmt1 "$(aq query.count.p50_ms)") / $(fmt1 "$(aq query.count.p99_ms)") | <= 5 | $(ok "$(q query.count.p50_ms)" "<" 5.001) |"
  echo
  echo "| model | figure |"
  echo "| --- | ---: |"
  echo "| rows loaded / MiB (columns, key array, names) | $model_rows / $model_mib |"
  echo "| bytes per observation (columns, key array) | 62 |"
  echo "| load at start-up, s (target < 2) | $model_load_s ($model_load_detail) |"
  echo "| service start to model loaded, s | $start_to_loaded_s |"
  echo "| service RSS after the load / after the calls / peak (VmHWM), MiB (target peak <= 400) | $rss_loaded / $rss_after / $rss_peak |"
  echo "| counts: cells / observations, ours | $(fmt "$(r heatmap.count.cells)") / $(fmt "$(r heatmap.count.observations)") |"
  echo "| counts: cells / observations, A, B, C | $(fmt "$(a heatmap.count.cells)") / $(fmt "$(a heatmap.count.observations)"); $snap_cells / $snap_obs; $(fmt "$(d duckdb.count.groups)") / $(fmt "$(d duckdb.count.observations)") |"
  echo
  echo "Ours and A are end to end over gRPC (h2c on 127.0.0.1), every cell received; A reads every point of the year"
  echo "from PostgreSQL per call (parallel connections in one snapshot). B is one SQL statement timed by psql's \\timing, the"
  echo "result aggregated in the server. C holds x, y (already projected with the service's projection) and the instant"
  echo "in a DuckDB table in one process and reads every group back; it has no kernel density or Gi*."
} >"$report"
echo
cat "$report"
