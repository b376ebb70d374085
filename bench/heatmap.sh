#!/usr/bin/env bash
# Heat maps (issue 6) end to end with a synthetic mission, beside two peers on the same rows,
# measured in the same run on a fresh private cluster:
#   ours:   HeatMaps.Compute over gRPC for the whole mission region (400 x 400 km) and year on
#           1 km squares: counts, quartic kernel density (5 km bandwidth) and Gi* hot spots (3 km band),
#           p50/p99 of 10 calls after 10 warm-ups (a running service is warm; start-up is bench/startup.sh's),
#           every cell received; peak RSS of the service.
#   peer A: PostGIS alone, the same 1 km counts in SQL (ST_Transform to the service's LAEA, then
#           ST_SnapToGrid GROUP BY; and the ST_SquareGrid + ST_Intersects join), median of 5 after a warm-up.
#   peer B: the Python oracle (tests/oracles/heatmap_oracle.py bench) on the same points, exported once.
# The rows go in with psql \copy, then VACUUM ANALYZE and CHECKPOINT; loading is not measured here.
#   and the kernel density computation alone (Geo.Bench.Mission kde-kernel: the same points in memory,
#   projected, binned and convolved by the service's Geo.Core code) beside the oracle's own timings.
# Usage: bench/heatmap.sh [observations (default 1000000)] [seed (default 7)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-heatmap.
# The report goes to bench/results/heatmap-latest.md.
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
bench_name=heatmap http_port=18186 grpc_port=15156 pg_port=54396
source "$(dirname "$0")/lib.sh"
points="$repo/.geoaware/bench-heatmap-points.csv"
oracle_in="$repo/.geoaware/bench-heatmap-oracle.json"
oracle_out="$repo/.geoaware/bench-heatmap-oracle-out.json"
# A spatial_ref_sys entry for the service's projection (see peer A).
laea_srid=990001

bench_build
bench_start
csv="$(bench_csv "$n" "$seed")"

echo "loading $n rows with psql \\copy (not measured)..." >&2
t0=$(now_ms)
psql_ -c "\\copy observations ($columns) FROM '$csv' WITH (FORMAT csv)"
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"
load_s=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')

load_before="$(load_average)"

# Ours. The subcommand also prints the request's area and period and the grid the service laid out.
echo "ours: HeatMaps.Compute..." >&2
ours_out="$(dotnet "$tool" heatmap --grpc "http://127.0.0.1:$grpc_port" --seed "$seed" --repeat 10 --service-pid "$service_pid")"
echo "$ours_out" | grep -v '^RESULT' >&2
r() { echo "$ours_out" | sed -n "s/^RESULT $1=//p" | head -1; }
projection="$(r heatmap.projection)"
grid="$(r heatmap.grid)"
g() { echo "$grid" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
size=$(g size) ox=$(g origin_x) oy=$(g origin_y) columns_=$(g columns) rows_=$(g rows)
IFS=, read -r west south east north <<<"$(r heatmap.area)"
from="$(r heatmap.observed_from)" to="$(r heatmap.observed_to)"
# The proto's origin is the centre of cell (0, 0); the lower-left corner of the grid is half a cell lower.
corner_x=$(awk -v o="$ox" -v s="$size" 'BEGIN { printf "%.17g", o - s / 2 }')
corner_y=$(awk -v o="$oy" -v s="$size" 'BEGIN { printf "%.17g", o - s / 2 }')
where="location && ST_MakeEnvelope($west, $south, $east, $north, 4326) AND observed_at >= '$from' AND observed_at < '$to'"

# Peer A: PostGIS alone. ST_Transform(geom, '<proj>'::text) builds its PROJ transformation again
# for every row (PostGIS 3.3: about 6 ms a row here, over an hour and a half for 1M rows), so the
# projection is registered in spatial_ref_sys, as anyone would for real: ST_Transform(geom, srid)
# then builds it once per query (about 2 us a row).
echo "peer A: PostGIS..." >&2
psql_ -c "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, proj4text) VALUES ($laea_srid, 'bench', $laea_srid, '$projection')"
# Snapping to a grid whose origin is the centre of cell (0, 0) puts each point on the centre of its cell.
snap_sql="SELECT count(*) AS cells, sum(n) AS observations FROM (
  SELECT ST_SnapToGrid(ST_Transform(location, $laea_srid), $ox, $oy, $size, $size) AS cell, count(*) AS n
  FROM observations WHERE $where GROUP BY cell) s"
# ST_SquareGrid tiles from (0, 0) of its plane: the grid of cells 0..columns-1 x 0..rows-1, moved to
# the service's corner and taken to WGS84, joined to the points through their GiST index.
squaregrid_sql="WITH cells AS MATERIALIZED (
  SELECT i, j, ST_Transform(ST_Translate(geom, $corner_x, $corner_y), 4326) AS geom
  FROM ST_SquareGrid($size, ST_MakeEnvelope(1, 1, $columns_ * $size - 1, $rows_ * $size - 1, $laea_srid)))
SELECT count(*) AS cells, sum(n) AS observations FROM (
  SELECT c.i, c.j, count(*) AS n FROM cells c JOIN observations ON ST_Intersects(location, c.geom)
  WHERE observed_at >= '$from' AND observed_at < '$to' GROUP BY c.i, c.j) s"
# time_sql SQL RUNS: the first run warms up; sets t_ms (median of the others), t_cells, t_obs.
time_sql() {
  local out
  out="$( { echo '\timing on'; for _ in $(seq $(($2 + 1))); do echo "$1;"; done; } | psql_ -At -F ' ')"
  t_ms="$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n +2 | median)"
  read -r t_cells t_obs <<<"$(echo "$out" | grep -E '^[0-9]+ [0-9]+$' | head -1)"
  [ -n "$t_ms" ] && [ -n "$t_obs" ] || { echo "no timing or result from psql: $out" >&2; exit 1; }
}
time_sql "$snap_sql" 5; snap_ms=$t_ms snap_cells=$t_cells snap_obs=$t_obs
echo "ST_SnapToGrid: $snap_ms ms, $snap_cells cells, $snap_obs observations" >&2
time_sql "$squaregrid_sql" 5; sg_ms=$t_ms sg_cells=$t_cells sg_obs=$t_obs
echo "ST_SquareGrid: $sg_ms ms, $sg_cells cells, $sg_obs observations" >&2

# The floor under any service that reads the points from PostgreSQL: the server producing them
# alone, in binary, into /dev/null on its own side (no client at all), one backend, median of 5.
produce_sql="COPY (SELECT ST_X(location), ST_Y(location) FROM observations WHERE $where) TO '/dev/null' (FORMAT binary)"
produce_out="$( { echo '\timing on'; for _ in $(seq 6); do echo "$produce_sql;"; done; } | psql_ -At)"
produce_ms="$(echo "$produce_out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n +2 | median)"
echo "PostgreSQL producing the points alone: $produce_ms ms" >&2

# Peer B: the oracle, on the same points (exported once) and the same grid.
echo "peer B: the Python oracle..." >&2
# Timed once, for reference: PostgreSQL reading the points out, on one connection.
t0=$(now_ms)
psql_ -c "\\copy (SELECT ST_X(location), ST_Y(location) FROM observations WHERE $where) TO '$points' WITH (FORMAT csv)"
export_ms=$(($(now_ms) - t0))
lat_0=$(echo "$projection" | sed -n 's/.*+lat_0=\([^ ]*\).*/\1/p')
lon_0=$(echo "$projection" | sed -n 's/.*+lon_0=\([^ ]*\).*/\1/p')
cat >"$oracle_in" <<JSON
{"projection": {"lat_0": $lat_0, "lon_0": $lon_0},
 "grid": {"shape": "square", "size": $size, "origin_x": $corner_x, "origin_y": $corner_y, "columns": $columns_, "rows": $rows_},
 "area": {"type": "Polygon", "coordinates": [[[$west, $south], [$east, $south], [$east, $north], [$west, $north], [$west, $south]]]},
 "points_file": "$points",
 "bandwidth": 5000, "distance_band": 3000,
 "methods": ["counts", "kde_exact", "kde_binned", "gistar"]}
JSON
/usr/bin/python3 tests/oracles/heatmap_oracle.py bench <"$oracle_in" >"$oracle_out"
o() { jq -r "$1" "$oracle_out"; }
o_read=$(o .timings_ms.read) o_bin=$(o .timings_ms.bin) o_exact=$(o .timings_ms.kde_exact) o_binned=$(o .timings_ms.kde_binned) o_gi=$(o .timings_ms.gistar)
sum() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }
o_kde_exact=$(sum "$o_bin" "$o_exact") o_kde_binned=$(sum "$o_bin" "$o_binned") o_hot=$(sum "$o_bin" "$o_gi")
kde=$(r heatmap.kde.p50_ms)

# The computation alone, like for like with the oracle's own timings: the same points in memory,
# projected and binned on the same grid, then the kernel surface; one thread, reading not timed.
echo "ours: kernel density alone on the same points..." >&2
kernel_out="$(dotnet "$tool" kde-kernel --points "$points" --area "$west,$south,$east,$north" --cell "$size" --bandwidth 5000 --repeat 7)"
echo "$kernel_out" | grep -v '^RESULT' >&2
k() { echo "$kernel_out" | sed -n "s/^RESULT $1=//p" | head -1; }
k_total=$(k kernel.total_ms)
times() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
hwm=$(r heatmap.service_vmhwm_mib)

report="$results/heatmap-latest.md"
{
  echo "# GeoAwareness heat maps, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$n synthetic observations (seed $seed) loaded with psql \\copy in $load_s s (not measured), $(nproc) cores, $(versions), fresh cluster in .geoaware/bench-heatmap."
  echo "Load average (1/5/15 min) before ours: $load_before; at the end: $(load_average) (other work on the machine shares its cores)."
  echo "The whole mission region ($west, $south, $east, $north) and period [$from, $to): $(fmt "$(r heatmap.count.observations)") observations;"
  echo "grid of $columns_ x $rows_ squares of $size m ($(g cells_in_area) in the area) in $projection."
  echo
  echo "| what | ours | peer (same run) | target | met |"
  echo "| --- | ---: | ---: | --- | --- |"
  echo "| counts, p50 / p99 ms | $(fmt1 "$(r heatmap.count.p50_ms)") / $(fmt1 "$(r heatmap.count.p99_ms)") | A: $(fmt1 "$snap_ms") (ST_Transform + ST_SnapToGrid GROUP BY) | p50 < 300 | $(ok "$(r heatmap.count.p50_ms)" "<" 300) |"
  echo "| counts, peer A as ST_SquareGrid + ST_Intersects GROUP BY, ms | | $(fmt1 "$sg_ms") | | |"
  echo "| (reference) reading the points out of PostgreSQL alone: psql \\copy of ST_X, ST_Y to a file, one run, ms | | $export_ms | | |"
  echo "| (reference) PostgreSQL producing the points alone, server-side binary COPY to /dev/null, one backend, median of 5, ms | | $(fmt1 "$produce_ms") | | |"
  echo "| counts: non-empty cells / observations | $(fmt "$(r heatmap.count.cells)") / $(fmt "$(r heatmap.count.observations)") | A: $snap_cells / $snap_obs (SnapToGrid), $sg_cells / $sg_obs (SquareGrid); B: $(o .sum_counts) | | |"
  echo "| kernel density (5 km), p50 / p99 ms | $(fmt1 "$kde") / $(fmt1 "$(r heatmap.kde.p99_ms)") | B: $(fmt1 "$o_kde_binned") (bin $(fmt1 "$o_bin") + kde_binned $(fmt1 "$o_binned")) | p50 < 800 | $(ok "$kde" "<" 800) |"
  echo "| kernel density, oracle / ours, binned | $(times "$o_kde_binned" "$kde") x | | >= 10 x | $(ok "$(times "$o_kde_binned" "$kde")" ">=" 10) |"
  echo "| kernel density, oracle exact (bin + kde_exact), ms | | B: $(fmt1 "$o_kde_exact") (kde_exact $(fmt1 "$o_exact")) | | |"
  echo "| kernel density, oracle exact / ours | $(times "$o_kde_exact" "$kde") x | | >= 10 x | $(ok "$(times "$o_kde_exact" "$kde")" ">=" 10) |"
  echo "| kernel density computed alone (points in memory, one thread: project, bin, surface), ms | $(fmt1 "$k_total") (bin $(fmt1 "$(k kernel.bin_ms)") + surface $(fmt1 "$(k kernel.kde_ms)")) | B: $(fmt1 "$o_kde_exact") exact, $(fmt1 "$o_kde_binned") binned | | |"
  echo "| kernel density computed alone, oracle exact / ours | $(times "$o_kde_exact" "$k_total") x | | >= 10 x | $(ok "$(times "$o_kde_exact" "$k_total")" ">=" 10) |"
  echo "| kernel density computed alone, oracle binned / ours | $(times "$o_kde_binned" "$k_total") x | | | |"
  echo "| kernel density, sum of cell values (per km2) | $(fmt1 "$(r heatmap.kde.sum)") | B: $(fmt1 "$(o .sum_kde_binned)") binned, $(fmt1 "$(o .sum_kde_exact)") exact | | |"
  echo "| Gi* hot spots (3 km band), p50 / p99 ms | $(fmt1 "$(r heatmap.hotspots.p50_ms)") / $(fmt1 "$(r heatmap.hotspots.p99_ms)") | B: $(fmt1 "$o_hot") (bin + gistar $(fmt1 "$o_gi")); hot / cold cells $(o .hot_cells) / $(o .cold_cells) | p50 < 1500 | $(ok "$(r heatmap.hotspots.p50_ms)" "<" 1500) |"
  echo "| service peak RSS (VmHWM, reset before the first call), MiB | $(fmt "$hwm") | | < 500 | $(ok "$hwm" "<" 500) |"
  echo
  echo "Ours is end to end, after 10 warm-up calls: the client's call, the service reading every point of the"
  echo "period from PostgreSQL (one connection per core in one snapshot, each over its own span of the period,"
  echo "index-only from the time index when it covers the read, as for counts and the unweighted surfaces here;"
  echo "else each over its own range of pages), binning, the surface and every cell streamed back and received."
  echo "Peer A is one SQL statement in psql (\\timing), the result"
  echo "aggregated in the server; the spatial_ref_sys entry for the LAEA projection is made beforehand."
  echo "Peer B's figures are the oracle's own timings (single-threaded numpy/scipy): binning includes"
  echo "projecting the points, and excludes reading its CSV ($(fmt1 "$o_read") ms) which ours does from"
  echo "PostgreSQL; ours, like kde_binned, convolves binned counts with the quartic kernel, while"
  echo "kde_exact sums the kernel over every point (the definition). Sums differ slightly: ours is over"
  echo "the cells returned, the oracle's over its study cells."
} >"$report"
echo
cat "$report"
