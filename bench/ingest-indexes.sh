#!/usr/bin/env bash
# What PostgreSQL itself reaches when loading observations, by the indexes the table carries:
# psql \copy of the same N rows into a copy of the observations table with (a) every index the
# schema has, (b) without the covering time index and the partial geography index (what the read
# model could make unnecessary), (c) the primary key, the spatial index, the feed's index and
# seq (what the feed, the read model and the PostGIS path need), (c2) the same with the feed's
# index on (change_xid, seq), keys that grow with time, instead of (change_xid, id), the hashed
# ids, which land at random within a transaction, (d) key and spatial index only,
# (e) the key only, (f) the spatial index only, (g) none. Issue 21's ingest target (100,000
# observations/s through the service) is measured against these.
# Usage: bench/ingest-indexes.sh [observations (default 1000000)] [seed (default 7)]
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
bench_name=ingest-indexes http_port=18191 grpc_port=15161 pg_port=54397
source "$(dirname "$0")/lib.sh"
bench_build
bench_start
csv="$(bench_csv "$n" "$seed")"
drop_all_but() { # indexes whose definition matches none of the patterns are dropped
  local keep="$1"
  echo "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'observations_t' LOOP
    IF NOT (r.indexdef ~* '$keep') THEN EXECUTE 'DROP INDEX ' || quote_ident(r.indexname); END IF; END LOOP; END \$\$"
}
rows=()
try() { # name, SQL run on the empty copy before the load
  psql_ -c "DROP TABLE IF EXISTS observations_t" -c "CREATE TABLE observations_t (LIKE observations INCLUDING ALL)" -c "$2" -c CHECKPOINT
  local t0 t1; t0=$(now_ms); psql_ -c "\\copy observations_t ($columns) FROM '$csv' WITH (FORMAT csv)"; t1=$(now_ms)
  local indexes; indexes=$(psql_ -At -c "SELECT coalesce(string_agg(regexp_replace(indexdef, '^.* USING ', ''), '; '), 'none') FROM pg_indexes WHERE tablename = 'observations_t'")
  rows+=("| $1 | $(awk -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f", ms / 1000 }') | $(awk -v n="$n" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ms / 1000) }') | $indexes |")
  echo "$1: $((t1 - t0)) ms" >&2
}
try "(a) every index" "SELECT 1"
try "(b) without the covering time and geography indexes" "$(drop_all_but 'UNIQUE|spgist|change_xid|reporter_id|community_id|base_id')"
try "(c) key, spatial, feed, seq" "$(drop_all_but 'UNIQUE|spgist|change_xid')"
try "(c2) key, spatial, feed on (change_xid, seq), seq" "$(drop_all_but 'UNIQUE|spgist'); CREATE INDEX ON observations_t (change_xid, seq)"
try "(d) key and spatial" "$(drop_all_but '\(id\)|spgist')"
try "(e) key only" "$(drop_all_but '\(id\)')"
try "(f) spatial only" "ALTER TABLE observations_t DROP CONSTRAINT observations_t_pkey; $(drop_all_but 'spgist')"
try "(g) none" "ALTER TABLE observations_t DROP CONSTRAINT observations_t_pkey; $(drop_all_but '^$')"
psql_ -c "DROP TABLE observations_t"
report="$results/ingest-indexes-latest.md"
{
  echo "# psql \\copy of $n observations by index set, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$(nproc) cores, $(versions); load average at the end $(load_average)."
  echo
  echo "| table | s | rows/s | indexes |"
  echo "| --- | ---: | ---: | --- |"
  printf '%s\n' "${rows[@]}"
} > "$report"
cat "$report"
