#!/usr/bin/env bash
# Ingest with a hot standby: the same N observations streamed through Observations.Ingest into a
# service on (a) the private cluster alone, (b) the cluster and an asynchronous standby, (c) the
# cluster and a synchronous standby (every commit waits for the standby's disk), same run, each
# on a fresh cluster. Then (d) the time from kill -9 of the primary to the first acknowledged
# write on the promoted standby, as StandbyTests measures it (printed by that test; see README).
# Usage: bench/replication.sh [observations (default 200000)] [seed (default 7)]
set -euo pipefail
n="${1:-200000}"
seed="${2:-7}"
bench_name=replication http_port=18281 grpc_port=15251 pg_port=54431
source "$(dirname "$0")/lib.sh"
standby="$repo/.geoaware/bench-replication-standby"

bench_build
declare -A rate
for mode in alone async sync; do
  rm -rf "$standby"
  case "$mode" in
    alone) bench_service_args=() ;;
    async) bench_service_args=("--LocalDatabase:StandbyDirectory=$standby" "--LocalDatabase:StandbyPort=$((pg_port + 1))") ;;
    sync) bench_service_args=("--LocalDatabase:StandbyDirectory=$standby" "--LocalDatabase:StandbyPort=$((pg_port + 1))" "--LocalDatabase:SynchronousStandby=true") ;;
  esac
  bench_start
  if [ "$mode" != alone ]; then
    echo "replication: $(psql_ -At -c "SELECT application_name || ' ' || sync_state FROM pg_stat_replication")" >&2
  fi
  out="$(dotnet "$tool" load --grpc "http://127.0.0.1:$grpc_port" --observations "$n" --seed "$seed" --pregenerate --service-pid "$service_pid")"
  rate[$mode]=$(echo "$out" | sed -n 's/^RESULT load.observations_per_second=//p')
  echo "$mode: $(fmt "${rate[$mode]}") observations/s" >&2
  bench_cleanup
  service_pid=
done
rm -rf "$standby"

report="$results/replication-latest.md"
{
  echo "# GeoAwareness ingest with a hot standby, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$n synthetic observations (seed $seed) through Observations.Ingest, $(nproc) cores, both clusters on this machine; load average at the end $(load_average)."
  echo
  echo "| cluster | observations/s | vs alone |"
  echo "| --- | ---: | ---: |"
  for mode in alone async sync; do
    echo "| $mode | $(fmt "${rate[$mode]}") | $(awk -v a="${rate[$mode]}" -v b="${rate[alone]}" 'BEGIN { printf "%.0f%%", 100 * a / b }') |"
  done
} > "$report"
cat "$report"
