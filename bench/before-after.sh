#!/usr/bin/env bash
# The polygon query and heat-map benchmarks of a git revision ("before", default main) beside the
# current tree ("after", uncommitted changes included), on the same machine, the same data and the
# same seed, in one run. Issue 17 asks that they be no slower than before.
#
#   bench/before-after.sh [-b REVISION] [-n OBSERVATIONS] [-s SEED] [-k ROUNDS] [-c own|current] [-p]
#
#   -b  the revision to compare with (default main); it is built in a temporary git worktree,
#       removed at the end
#   -n  synthetic observations (default 300000; the README's figures are at 1000000, and the
#       polygon query holds about 10,000 rows from 100,000 on)
#   -s  seed of the synthetic mission (default 7)
#   -k  rounds (default 2); the two services are measured in turn, ABBA: before then after in odd
#       rounds, after then before in even ones, so that a drift in the machine's load weighs on both
#   -c  the benchmark client: "own" (default) runs each revision's own bench/Geo.Bench.Mission, as
#       its bench/ingest.sh and bench/heatmap.sh would; "current" runs the current tree's against
#       both services, so that only the service differs
#   -p  heat maps with packed cells (columns, no polygons: what issue 21's targets are set on)
#       rather than a message with its polygon per cell
#
# Both services (auth off, as in bench/ingest.sh and bench/heatmap.sh) run on one fresh private
# cluster in .geoaware/bench-before-after, each on its own database loaded from the same CSV of the
# mission with psql \copy (not measured), then VACUUM ANALYZE and CHECKPOINT. Per round and service:
#   Geo.Bench.Mission query: the polygon query of about 10,000 rows around the operating base and
#     the summary and the count of a 100 x 100 km box over a year (p50/p99 of 50 calls after 30 warm-ups, as
#     bench/ingest.sh), the whole table through Query; the service's CPU per polygon query;
#   Geo.Bench.Mission heatmap, one method at a time: counts, kernel density (5 km), Gi* hot spots
#     over the whole region and year on 1 km squares (p50/p99 of 10 calls after 10 warm-ups, as
#     bench/heatmap.sh); the service's CPU per call (from /proc, over the warm-ups and the calls).
# A figure is the median over the rounds. Both sides must return the same rows and cells. Prints
# the two columns side by side and writes them to bench/results/before-after-latest.md.
set -euo pipefail
revision=main n=300000 seed=7 rounds=2 client=own packed=false
while getopts "b:n:s:k:c:p" opt; do
  case $opt in
    b) revision=$OPTARG ;;
    n) n=$OPTARG ;;
    s) seed=$OPTARG ;;
    k) rounds=$OPTARG ;;
    c) client=$OPTARG ;;
    p) packed=true ;;
    *) sed -n '5,6p' "$0" >&2; exit 2 ;;
  esac
done
[[ "$client" == own || "$client" == current ]] || { echo "-c is own or current" >&2; exit 2; }
bench_name=before-after http_port=18621 grpc_port=15621 pg_port=54621
source "$(dirname "$0")/lib.sh"
ports_http=(18621 18622) ports_grpc=(15621 15622) databases=(geoawareness_before geoawareness_after)

before_sha="$(git rev-parse --verify "$revision^{commit}")"
after_sha="$(git rev-parse HEAD)"
after_label="$(git rev-parse --abbrev-ref HEAD) @ ${after_sha:0:7}"
[ -z "$(git status --porcelain --untracked-files=no)" ] || after_label="$after_label + uncommitted changes"
labels=("$revision @ ${before_sha:0:7}" "$after_label")

scratch="$(mktemp -d -t before-after.XXXXXX)"
before_tree="$scratch/geoawareness-before"
service_timeouts=() service_pids=()
cleanup() {
  local pid
  for pid in "${service_timeouts[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${service_timeouts[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$data/data/postmaster.pid" ]; then "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true; fi
  if [ -d "$before_tree" ]; then git worktree remove --force "$before_tree" 2>/dev/null || true; fi
  git worktree prune 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# build TREE: what runs the service on a private cluster (geoaware serve since the production
# executable takes only a connection string; the executable itself before, src/Geo.Host or
# src/Geo.Grpc) and the benchmark client, in Release; sets built_service, built_verb and built_tool.
build() {
  local tree=$1 host=src/Geo.Host dll=geoawareness.dll
  built_verb=""
  [ -f "$tree/$host/Geo.Host.csproj" ] || host=src/Geo.Grpc
  if [ -d "$tree/src/Geo.LocalCluster" ]; then host=src/Geo.Cli dll=geoaware.dll built_verb=serve; fi
  echo "building $tree ($host, bench/Geo.Bench.Mission; Release)..." >&2
  (cd "$tree" && timeout 1800 dotnet build "$host" -c Release -nologo -v quiet -clp:ErrorsOnly >&2 \
    && timeout 1800 dotnet build bench/Geo.Bench.Mission -c Release -nologo -v quiet -clp:ErrorsOnly >&2)
  built_service="$tree/$host/bin/Release/net10.0/$dll"
  built_tool="$tree/bench/Geo.Bench.Mission/bin/Release/net10.0/Geo.Bench.Mission.dll"
  [ -f "$built_service" ] && [ -f "$built_tool" ] || { echo "no $built_service or $built_tool after the build" >&2; exit 1; }
}

echo "checking out $revision (${before_sha:0:7}) in a temporary worktree..." >&2
git worktree add --detach --quiet "$before_tree" "$before_sha"
# The map page's Leaflet comes from npm at build time; the same lock file needs no second download.
web=src/Geo.Grpc/Map/web
if [ -d "$repo/$web/node_modules" ] && cmp -s "$repo/$web/package-lock.json" "$before_tree/$web/package-lock.json"; then
  cp -a "$repo/$web/node_modules" "$before_tree/$web/" && touch "$before_tree/$web/node_modules/.package-lock.json"
fi
build "$before_tree"; services=("$built_service"); verbs=("$built_verb"); tools=("$built_tool")
build "$repo"; services+=("$built_service"); verbs+=("$built_verb"); tools+=("$built_tool")
[ "$client" == own ] || tools[0]="${tools[1]}"
csv="$(bench_csv "$n" "$seed")"

# A fresh cluster, made by the first service; the second shares it (each on its own database).
if [ -f "$data/data/postmaster.pid" ]; then "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true; fi
rm -rf "$data"
for side in 0 1; do
  echo "starting ${labels[$side]}..." >&2
  # Server GC, as the executable has it, for geoaware serve too.
  DOTNET_gcServer=1 timeout 7200 dotnet "${services[$side]}" ${verbs[$side]} --LocalDatabase:DataDirectory="$data" --LocalDatabase:Port="$pg_port" \
    --LocalDatabase:Database="${databases[$side]}" --GeoAwareness:ListenAddress=127.0.0.1 \
    --GeoAwareness:HttpPort="${ports_http[$side]}" --GeoAwareness:GrpcPort="${ports_grpc[$side]}" \
    --GeoAwareness:Auth:Enabled=false --Logging:LogLevel:Default=Warning >"$scratch/service$side.log" 2>&1 &
  service_timeouts+=($!)
  for _ in $(seq 1800); do
    curl -sf "http://127.0.0.1:${ports_http[$side]}/health/ready" >/dev/null && break
    kill -0 "${service_timeouts[$side]}" 2>/dev/null || { cat "$scratch/service$side.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:${ports_http[$side]}/health/ready" >/dev/null || { echo "${labels[$side]} not ready" >&2; cat "$scratch/service$side.log" >&2; exit 1; }
  service_pids+=("$(pgrep -P "${service_timeouts[$side]}")")
done
socket="$(dirname "$(find "$data" /tmp -maxdepth 3 -name ".s.PGSQL.$pg_port" -print -quit 2>/dev/null)")"
psql_db() { local db=$1; shift; timeout 1800 psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pg_port" -U postgres -d "$db" "$@"; }
for side in 0 1; do
  echo "loading $n rows into ${databases[$side]} with psql \\copy (not measured)..." >&2
  psql_db "${databases[$side]}" -c "\\copy observations ($columns) FROM '$csv' WITH (FORMAT csv)"
  psql_db "${databases[$side]}" -c "VACUUM ANALYZE observations" -c "CHECKPOINT"
done

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# measure SIDE ROUND: both benchmarks of one service; RESULT lines go to $scratch/SIDE.ROUND.
measure() {
  local side=$1 round=$2 out="$scratch/$1.$2" grpc="http://127.0.0.1:${ports_grpc[$1]}" pid="${service_pids[$1]}" method before
  echo "round $round: ${labels[$side]}..." >&2
  timeout 1800 dotnet "${tools[$side]}" query --grpc "$grpc" --seed "$seed" --repeat 50 --warmup 30 --service-pid "$pid" >"$out.query"
  for method in count kde hotspots; do
    before=$(cpu_ticks "$pid")
    timeout 1800 dotnet "${tools[$side]}" heatmap --grpc "$grpc" --seed "$seed" --repeat 10 --warmup 10 --methods "$method" --packed "$packed" --service-pid "$pid" >"$out.$method"
    awk -v m="$method" -v t="$(($(cpu_ticks "$pid") - before))" -v hz="$ticks" \
      'BEGIN { printf "RESULT heatmap.%s.service_cpu_ms=%.1f\n", m, 1000 * t / hz / 20 }' >>"$out.$method"
  done
  cat "$out".* | grep '^RESULT ' | sed 's/^RESULT //' >"$out"
  grep -v '^RESULT' "$out".* | sed 's/^[^:]*://' >&2
}
load_before="$(load_average)"
for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then order=(0 1); else order=(1 0); fi
  for side in "${order[@]}"; do measure "$side" "$round"; done
done
load_after="$(load_average)"

# value SIDE KEY: the median over the rounds.
value() { for round in $(seq 1 "$rounds"); do sed -n "s/^$2=//p" "$scratch/$1.$round"; done | median; }
# Same answers from both: rows of the polygon query and the whole table, cells and observations of each heat map.
for key in query.polygon.rows query.stream.rows query.summary.observations \
  heatmap.count.cells heatmap.count.observations heatmap.kde.cells heatmap.hotspots.cells; do
  a="$(value 0 "$key")" b="$(value 1 "$key")"
  [ "$a" == "$b" ] || { echo "the two sides disagree on $key: $a before, $b after" >&2; exit 1; }
done

row() { # row LABEL KEY [DIGITS]
  local a b
  a="$(value 0 "$2")" b="$(value 1 "$2")"
  awk -v l="$1" -v a="$a" -v b="$b" -v d="${3:-1}" 'BEGIN { printf "| %s | %.*f | %.*f | %.2f |\n", l, d, a, d, b, (a > 0 ? b / a : 0) }'
}
report="$results/before-after-latest.md"
{
  echo "# Polygon query and heat maps, before and after, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Before: ${labels[0]}. After: ${labels[1]}. Client: $([ "$client" == own ] && echo "each revision's own bench/Geo.Bench.Mission" || echo "the current tree's bench/Geo.Bench.Mission for both")."
  echo "$n synthetic observations (seed $seed), $(nproc) cores, one fresh cluster in .geoaware/bench-before-after, a database each loaded from the same CSV."
  echo "Rounds: $rounds (ABBA order); each figure is the median over the rounds. Heat-map cells: $([ "$packed" == true ] && echo "packed columns" || echo "a message with its polygon each")."
  echo "Load average (1/5/15 min) before the first round: $load_before; after the last: $load_after (other work on the machine shares its cores)."
  echo
  echo "| what | before | after | after / before |"
  echo "| --- | ---: | ---: | ---: |"
  row "polygon query, $(fmt "$(value 1 query.polygon.rows)") rows, p50 ms" query.polygon.p50_ms
  row "polygon query, p99 ms" query.polygon.p99_ms
  row "polygon query, service CPU per call, ms" query.polygon.service_cpu_ms
  row "summary 100 x 100 km x 1 year ($(fmt "$(value 1 query.summary.observations)") obs), p50 ms" query.summary.p50_ms
  row "summary, p99 ms" query.summary.p99_ms
  row "count of the same box and year, p50 ms" query.count.p50_ms
  row "count, p99 ms" query.count.p99_ms
  row "whole table through Query ($(fmt "$(value 1 query.stream.rows)") rows), rows/s" query.stream.rows_per_second 0
  for method in count kde hotspots; do
    name=$(case $method in count) echo "heat map counts" ;; kde) echo "heat map kernel density 5 km" ;; *) echo "heat map Gi* hot spots 3 km" ;; esac)
    row "$name ($(fmt "$(value 1 heatmap.$method.cells)") cells), p50 ms" "heatmap.$method.p50_ms"
    row "$name, p99 ms" "heatmap.$method.p99_ms"
    row "$name, service CPU per call, ms" "heatmap.$method.service_cpu_ms"
  done
  echo
  echo "Each round's figures:"
  echo
  echo '```'
  for round in $(seq 1 "$rounds"); do
    for side in 0 1; do
      echo "round $round, ${labels[$side]}: $(grep -E '^(query|heatmap)\.[a-z]+\.(p50_ms|p99_ms|service_cpu_ms|rows_per_second)=' "$scratch/$side.$round" | tr '\n' ' ')"
    done
  done
  echo '```'
} >"$report"
echo
cat "$report"
