#!/usr/bin/env bash
# Ingest and query figures of GeoAwareness with a synthetic mission, beside a plain psql \copy
# of the same rows, measured in the same run on a fresh private cluster:
#   (a) our streaming ingest (Observations.Ingest) of N observations, observations/s
#   (b) the peer: psql \copy of the same rows into an identically indexed empty table
#   (c) peak RSS of the service during ingest (VmHWM)
#   (d) with the N rows stored: polygon query (~10k rows) p50/p99, summary of a 100 x 100 km box
#       over one year p50/p99 (each of 50 calls after 30 warm-ups: a running service is warm),
#       full-table stream through Query (rows/s) and peak service RSS.
# Usage: bench/ingest.sh [observations (default 1000000)] [seed (default 7)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-ingest.
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
bench_name=ingest http_port=18181 grpc_port=15151 pg_port=54391
source "$(dirname "$0")/lib.sh"

bench_build
bench_start
csv="$(bench_csv "$n" "$seed")"

load_before="$(load_average)"

# (b) the peer: \copy into an identically indexed empty table (and, for reference, an unindexed one).
echo "peer: psql \\copy into an indexed table..." >&2
psql_ -c "CREATE TABLE observations_peer (LIKE observations INCLUDING ALL)"
t0=$(now_ms); psql_ -c "\\copy observations_peer ($columns) FROM '$csv' WITH (FORMAT csv)"; t1=$(now_ms)
peer_ms=$((t1 - t0))
peer_indexes=$(psql_ -At -c "SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'observations_peer'")
psql_ -c "DROP TABLE observations_peer" -c "CHECKPOINT"
psql_ -c "CREATE TABLE observations_bare (LIKE observations INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
t0=$(now_ms); psql_ -c "\\copy observations_bare ($columns) FROM '$csv' WITH (FORMAT csv)"; t1=$(now_ms)
bare_ms=$((t1 - t0))
psql_ -c "DROP TABLE observations_bare" -c "CHECKPOINT"

# (a) + (c) ours.
echo "ours: Observations.Ingest..." >&2
load_out="$(dotnet "$tool" load --grpc "http://127.0.0.1:$grpc_port" --observations "$n" --seed "$seed" --pregenerate --service-pid "$service_pid")"
echo "$load_out" | grep -v '^RESULT' >&2
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"

# (d) queries with the rows stored.
echo "queries..." >&2
query_out="$(dotnet "$tool" query --grpc "http://127.0.0.1:$grpc_port" --seed "$seed" --repeat 50 --service-pid "$service_pid")"
echo "$query_out" | grep -v '^RESULT' >&2

r() { printf '%s\n%s\n' "$load_out" "$query_out" | sed -n "s/^RESULT $1=//p" | head -1; }
ours_rate=$(r load.observations_per_second)
ours_s=$(r load.seconds)
peer_rate=$(awk -v n="$n" -v ms="$peer_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
bare_rate=$(awk -v n="$n" -v ms="$bare_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
ratio=$(awk -v a="$ours_rate" -v b="$peer_rate" 'BEGIN { printf "%.0f", 100 * a / b }')
load_hwm=$(r load.service_vmhwm_mib)
stream_hwm=$(r query.stream.service_vmhwm_mib)

report="$results/ingest-latest.md"
{
  echo "# GeoAwareness ingest and query, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$n synthetic observations (seed $seed), $(nproc) cores, $(versions), fresh cluster in .geoaware/bench-ingest."
  echo "Indexes on both tables: $peer_indexes."
  echo "Load average (1/5/15 min) before the peer: $load_before; at the end: $(load_average) (other work on the machine shares its 2 cores)."
  echo
  echo "| what | ours | peer (same run) | target | met |"
  echo "| --- | ---: | ---: | --- | --- |"
  echo "| (a)/(b) ingest of $n rows, rows/s | $(fmt "$ours_rate") ($(fmt1 "$ours_s") s, gRPC Ingest) | $peer_rate ($(fmt1 "$(awk -v ms="$peer_ms" 'BEGIN{print ms/1000}')") s, psql \\copy) | ours >= 100,000/s | $(ok "$ours_rate" ">=" 100000) |"
  echo "| ours / peer | ${ratio}% | | >= 70% | $(ok "$ratio" ">=" 70) |"
  echo "| (reference) psql \\copy into the same table without indexes, rows/s | | $bare_rate ($(fmt1 "$(awk -v ms="$bare_ms" 'BEGIN{print ms/1000}')") s) | | |"
  echo "| (c) service peak RSS during ingest (VmHWM), MiB | $(fmt "$load_hwm") | | < 500 | $(ok "$load_hwm" "<" 500) |"
  echo "| (c) service CPU during ingest, s (the rest of the wall time is PostgreSQL and waiting) | $(fmt1 "$(r load.service_cpu_seconds)") | | | |"
  echo "| (d) polygon query, $(fmt "$(r query.polygon.rows)") rows, p50 / p99 ms | $(fmt1 "$(r query.polygon.p50_ms)") / $(fmt1 "$(r query.polygon.p99_ms)") | | p50 < 50 | $(ok "$(r query.polygon.p50_ms)" "<" 50) |"
  echo "| (d) service CPU per polygon query, ms | $(fmt "$(r query.polygon.service_cpu_ms)") | | | |"
  echo "| (d) summary 100 x 100 km x 1 year ($(fmt "$(r query.summary.observations)") obs), p50 / p99 ms | $(fmt1 "$(r query.summary.p50_ms)") / $(fmt1 "$(r query.summary.p99_ms)") | | p50 < 100 | $(ok "$(r query.summary.p50_ms)" "<" 100) |"
  echo "| (d) full-table stream through Query, rows/s | $(fmt "$(r query.stream.rows_per_second)") ($(fmt "$(r query.stream.rows)") rows) | | | |"
  echo "| (d) service CPU while streaming, s | $(fmt1 "$(r query.stream.service_cpu_seconds)") | | | |"
  echo "| (d) service peak RSS while streaming (VmHWM reset before), MiB | $(fmt "$stream_hwm") | | < 300 | $(ok "$stream_hwm" "<" 300) |"
  echo
  echo "Ours: the client generates the observations before the clock starts (--pregenerate) and streams"
  echo "them in messages of 1000; the service validates, fingerprints, binary-COPYs into a staging"
  echo "table and merges every 50,000 rows. The peer's CSV is written before its clock starts too."
} >"$report"
echo
cat "$report"
