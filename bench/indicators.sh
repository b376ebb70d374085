#!/usr/bin/env bash
# CPAS indicators (issue 7) for a quarter at mission, sector and base level on N synthetic
# observations, measured in one run on a fresh private cluster:
#   ours: Indicators/Compute over gRPC (every indicator of every unit received), and GET /indicators
#         as CSV over HTTP with curl: the median of R calls after one warm-up, per level;
#   peer: the plain SQL GROUP BY that yields the same observation breakdowns (by category, by sex x
#         age group observations and people, alerts answered within 24 h, MDMH targets) per unit of the
#         level, written out by hand, run by psql over the unix socket and timed by its \timing. It
#         leaves out the registry work ours also does (teams on the evaluation date, communities
#         within reach of staffed bases);
#   floor: count(*) of the quarter's rows per unit, by psql: what any implementation pays to read them.
# Both answers are compared per unit: threat observations, people affected, alerts, alerts answered
# in time, MDMH observations. Target: every level under 1 s.
# The mission is the synthetic one (Geo.Bench.Mission load: registry through the Registry API, the
# observations through Observations/Ingest). Its observations carry no responses, so four in five
# early-warning alerts get one 0 to 48 h after being observed (setseed, reproducible) before timing.
# Usage: bench/indicators.sh [observations (default 1000000)] [repeats (default 7)] [seed (default 7)] [quarter (default 2026-Q1)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-indicators.
# The report goes to bench/results/indicators-latest.md.
set -euo pipefail
n="${1:-1000000}"
repeats="${2:-7}"
seed="${3:-7}"
quarter="${4:-2026-Q1}"
bench_name=indicators http_port=18733 grpc_port=15733 pg_port=54733
source "$(dirname "$0")/lib.sh"
work="$repo/.geoaware/bench-indicators-work"
rm -rf "$work"
mkdir -p "$work"

year="${quarter%-Q*}" q="${quarter#*-Q}"
from="$(printf '%s-%02d-01' "$year" $(((q - 1) * 3 + 1)))"
to="$(date -u -d "$from +3 months" +%Y-%m-%d)"

bench_build
bench_start

echo "loading the synthetic mission: registry, then $n observations through Observations/Ingest (not measured here)..." >&2
t0=$(now_ms)
dotnet "$tool" load --grpc "http://127.0.0.1:$grpc_port" --observations "$n" --seed "$seed" >&2
load_s=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
psql_ -c "SELECT setseed(0.7)" \
  -c "UPDATE observations SET response_at = observed_at + random() * interval '48 hours' WHERE category = 4 AND random() < 0.8" >/dev/null
psql_ -c "VACUUM ANALYZE" -c "CHECKPOINT"
in_quarter="$(psql_ -At -c "SELECT count(*) FROM observations WHERE observed_at >= '$from' AND observed_at < '$to'")"
total="$(psql_ -At -c "SELECT count(*) FROM observations")"

load_before="$(load_average)"

# Ours over gRPC: one warm-up, then the median of $repeats, per level.
echo "ours: Indicators/Compute over gRPC..." >&2
ours_out="$(dotnet "$tool" indicators --grpc "http://127.0.0.1:$grpc_port" --period "$quarter" --repeat "$repeats" --out "$work/ours")"
echo "$ours_out" | grep -v '^RESULT' >&2
r() { echo "$ours_out" | sed -n "s/^RESULT $1=//p" | head -1; }

# Ours over HTTP: GET /indicators as CSV, timed by curl (time to the last byte), per level.
declare -A http_ms csv_bytes
for level in mission sector base; do
  url="http://127.0.0.1:$http_port/indicators?period=$quarter&level=$level&format=csv&hxl=true"
  curl -sf -o /dev/null "$url"
  times=()
  for _ in $(seq "$repeats"); do
    times+=("$(curl -sf -o "$work/ours-$level.csv" -w '%{time_total}' "$url")")
  done
  http_ms[$level]="$(printf '%s\n' "${times[@]}" | awk '{ print $1 * 1000 }' | median)"
  csv_bytes[$level]="$(stat -c %s "$work/ours-$level.csv")"
  echo "GET /indicators $level: median ${http_ms[$level]} ms, ${csv_bytes[$level]} bytes" >&2
done

# The peer: the same observation breakdowns per unit in one GROUP BY, written out by hand.
cells=""; people=""; alerts=""
for i in $(seq 1 12); do
  bit=$((1 << (i - 1)))
  cells+=", count(*) FILTER (WHERE category IN (1, 2, 3, 4) AND affected_groups & $bit <> 0)"
  people+=", coalesce(sum(affected[$i]) FILTER (WHERE category IN (1, 2, 3, 4)), 0)"
  alerts+=", count(*) FILTER (WHERE category = 4 AND affected_groups & $bit <> 0)"
done
# Targets: women and girls (any female affected), minorities, journalists and activists, displaced
# (IDPs or refugees), persons with disabilities, none of those.
targets="count(*) FILTER (WHERE category = 6 AND affected_groups & 15 <> 0), count(*) FILTER (WHERE category = 6 AND vulnerability & 8 <> 0),
  count(*) FILTER (WHERE category = 6 AND vulnerability & 16 <> 0), count(*) FILTER (WHERE category = 6 AND vulnerability & 3 <> 0),
  count(*) FILTER (WHERE category = 6 AND vulnerability & 4 <> 0),
  count(*) FILTER (WHERE category = 6 AND affected_groups & 15 = 0 AND vulnerability & 31 = 0)"
peer_sql() {
  local unit="$1" from_clause="$2"
  cat <<SQL
SELECT $unit AS unit,
  count(*) FILTER (WHERE category IN (1, 2, 3, 4)) AS threats,
  coalesce(sum(affected[1] + affected[2] + affected[3] + affected[4] + affected[5] + affected[6] + affected[7] + affected[8]
    + affected[9] + affected[10] + affected[11] + affected[12]) FILTER (WHERE category IN (1, 2, 3, 4)), 0) AS people,
  count(*) FILTER (WHERE category = 4) AS alerts,
  count(*) FILTER (WHERE category = 4 AND response_at <= observed_at + interval '24 hours') AS answered,
  count(*) FILTER (WHERE category = 6) AS mdmh,
  count(*) FILTER (WHERE category = 1), count(*) FILTER (WHERE category = 2), count(*) FILTER (WHERE category = 3)
  $cells $people $alerts, $targets
FROM $from_clause
WHERE o.observed_at >= '$from' AND o.observed_at < '$to' AND o.verification <> 3
GROUP BY 1 ORDER BY 1
SQL
}
peer_sql "'mission'" "observations o" >"$work/peer-mission.sql"
peer_sql "b.sector" "observations o JOIN bases b ON b.id = o.base_id COLLATE \"C\"" >"$work/peer-sector.sql"
peer_sql "b.id" "observations o JOIN bases b ON b.id = o.base_id COLLATE \"C\"" >"$work/peer-base.sql"
floor_sql() {
  echo "SELECT $1, count(*) FROM $2 WHERE o.observed_at >= '$from' AND o.observed_at < '$to' AND o.verification <> 3 GROUP BY 1"
}
floor_sql "'mission'" "observations o" >"$work/floor-mission.sql"
floor_sql "b.sector" "observations o JOIN bases b ON b.id = o.base_id COLLATE \"C\"" >"$work/floor-sector.sql"
floor_sql "b.id" "observations o JOIN bases b ON b.id = o.base_id COLLATE \"C\"" >"$work/floor-base.sql"
# time_sql FILE: the median of $repeats runs after one warm-up, by psql's \timing.
time_sql() {
  local out
  out="$( { echo '\timing on'; echo '\o /dev/null'; for _ in $(seq $((repeats + 1))); do cat "$1"; echo ';'; done; } | psql_ -At)"
  echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n +2 | median
}
declare -A peer_ms floor_ms
for level in mission sector base; do
  psql_ -At -F $'\t' -f "$work/peer-$level.sql" | cut -f1-6 >"$work/peer-$level.tsv"
  peer_ms[$level]="$(time_sql "$work/peer-$level.sql")"
  floor_ms[$level]="$(time_sql "$work/floor-$level.sql")"
  echo "peer $level: median ${peer_ms[$level]} ms; floor ${floor_ms[$level]} ms" >&2
done
load_after="$(load_average)"

# Agreement: every unit's five observation figures, ours against the peer's (sectors and bases with
# no observation in the quarter appear in ours only, with zeros).
agree() {
  /usr/bin/python3 - "$work/ours-$1.tsv" "$work/peer-$1.tsv" <<'PY'
import sys
ours = {l.split("\t")[0]: l.rstrip("\n").split("\t")[1:] for l in open(sys.argv[1]) if l.strip()}
peer = {l.split("\t")[0]: l.rstrip("\n").split("\t")[1:] for l in open(sys.argv[2]) if l.strip()}
same = sum(1 for k, v in peer.items() if ours.get(k) == v)
extra = [k for k in ours if k not in peer and any(x != "0" for x in ours[k][:3])]
print("%d of %d units the same%s" % (same, len(peer), "" if not extra else "; ours also has %s" % extra))
PY
}

report="$results/indicators-latest.md"
{
  echo "# CPAS indicators, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$(fmt "$total") synthetic observations (seed $seed; loaded through the API in $load_s s, not measured here), $(nproc) cores, $(versions),"
  echo "fresh cluster in .geoaware/bench-indicators, service with auth off. Quarter $quarter: [$from, $to), $(fmt "$in_quarter") observations;"
  echo "point-in-time indicators taken on $(date -u -d "$to -1 day" +%Y-%m-%d)."
  echo "Load average (1/5/15 min) before: $load_before; after: $load_after (other work shares the machine's cores)."
  echo
  echo "| level | units | ours: gRPC Compute, median ms | ours: GET /indicators CSV, median ms (bytes) | peer: the same breakdowns in plain SQL via psql, median ms | floor: count(*) GROUP BY unit via psql, median ms | under 1 s | agreement |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
  for level in mission sector base; do
    worst="$(awk -v a="$(r "indicators.$level.median_ms")" -v b="${http_ms[$level]}" 'BEGIN { print (a > b ? a : b) }')"
    echo "| $level | $(r "indicators.$level.units") | $(fmt1 "$(r "indicators.$level.median_ms")") | $(fmt1 "${http_ms[$level]}") ($(fmt "${csv_bytes[$level]}")) | $(fmt1 "${peer_ms[$level]}") | $(fmt1 "${floor_ms[$level]}") | $(ok "$worst" "<" 1000) | $(agree "$level") |"
  done
  echo
  echo "Each figure is the median of $repeats calls after one warm-up, from one client at a time. Ours reads the quarter's"
  echo "observations in one SQL pass per level, the open bases with their teams and the communities at risk beside it, and"
  echo "computes all twelve indicators with their breakdowns; the peer computes the observation breakdowns only, grouped"
  echo "by unit with every breakdown filtered by category (ours groups by unit and category and adds up in C#)."
} >"$report"
echo
cat "$report"
