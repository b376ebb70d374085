#!/usr/bin/env bash
# Backup and restore of N observations (issue 23), beside PostgreSQL's own tools run by hand on
# the same database in the same run (a fresh private cluster, the service running on it):
#   (a) ours:  geoaware db backup --to DIR --connection ...   (pg_dump in an exported snapshot,
#              every table counted in that snapshot, SHA-256 of every file, manifest.json)
#   (b) peer:  pg_dump --format=custom -f FILE
#   (c) ours:  geoaware db restore --from BACKUP --connection ... into a new empty database
#              (checksums, pg_restore --single-transaction --exit-on-error --no-owner, transaction
#              ids consumed past the backup's, every table counted against the manifest)
#   (d) peer:  pg_restore --single-transaction --no-owner -d <another new empty database> FILE
#   (e) ours:  geoaware db backup --kind base, beside pg_basebackup -Ft -z -X stream -c fast; and
#              geoaware db restore of that base backup into a new private cluster folder (extract,
#              start, wait for the end of recovery, stop), beside tar -xzf + pg_ctl start/stop.
# Each pair runs ROUNDS times, ours first in odd rounds and the peer first in even ones; the
# report shows the best of each (other work on the machine makes single runs noisy) and every run.
# Then where ours spends its extra time: SHA-256 of the files, the table counts, the CLI's start,
# and the transaction ids a restore consumes (the same DO loop as DatabaseRestore, timed alone).
# Usage: bench/backup.sh [observations (default 1000000)] [seed (default 7)] [rounds (default 2)]
# The report goes to bench/results/backup-latest.md; the backups are written in
# .geoaware/bench-backup-files and removed as each round ends.
set -euo pipefail
n="${1:-1000000}"
seed="${2:-7}"
rounds="${3:-2}"
bench_name=backup http_port=18811 grpc_port=15811 pg_port=54811
source "$(dirname "$0")/lib.sh"
ours_restore_port=54812 peer_restore_port=54813
work="$repo/.geoaware/bench-backup-files"

# Clusters restored from the base backups are stopped with the bench's own.
stop_restored() {
  local pid
  for pid in "$work"/*-restored-*/data/postmaster.pid; do
    [ -f "$pid" ] && { "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$(dirname "$pid")" -m fast -w >/dev/null 2>&1 || true; }
  done
  return 0
}
stop_restored
rm -rf "$work"
mkdir -p "$work"

bench_build
bench_start
trap 'stop_restored; bench_cleanup' EXIT
conn() { echo "Host=$socket;Port=$pg_port;Username=postgres;Database=$1"; }
pg_args=(-h "$socket" -p "$pg_port" -U postgres)
geoaware() { dotnet "$service" "$@"; }
seconds() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
best() { printf '%s\n' "$@" | sort -n | head -1; }
runs() { local s=() v; for v in "$@"; do s+=("$(seconds "$v")"); done; (IFS=,; echo "${s[*]}" | sed 's/,/, /g'); }
# psql's \timing of the statements in $2 in database $1, summed, in ms.
sql_ms() {
  { echo '\timing on'; echo "$2"; } | psql -X -q -v ON_ERROR_STOP=1 "${pg_args[@]}" -d "$1" -At \
    | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ s += $1 } END { printf "%.0f", s }'
}
xmax() { psql -X -At "${pg_args[@]}" -d "$1" -c "SELECT pg_snapshot_xmax(pg_current_snapshot())"; }

csv="$(bench_csv "$n" "$seed")"
echo "loading $n rows with psql \\copy (not measured)..." >&2
psql_ -c "\\copy observations ($columns) FROM '$csv' WITH (FORMAT csv)"
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"
rows=$(psql_ -At -c "SELECT count(*) FROM observations")
db_bytes=$(psql_ -At -c "SELECT pg_database_size(current_database())")
obs_bytes=$(psql_ -At -c "SELECT pg_total_relation_size('observations')")
load_before="$(load_average)"

# Each step of round $1 records its wall time (ms) in an array of its own.
declare -a ours_dump_ms peer_dump_ms ours_restore_ms peer_restore_ms ours_base_ms peer_base_ms ours_base_restore_ms peer_base_restore_ms
declare -a ours_dump_dir ours_base_dir

ours_dump() { # (a)
  echo "round $1, (a) ours: geoaware db backup (dump)..." >&2
  mkdir -p "$work/ours-dump-$1"; psql_ -c "CHECKPOINT"
  local t0=$(now_ms) out
  out="$(geoaware db backup --to "$work/ours-dump-$1" --connection "$(conn geoawareness)" 2>"$work/err")" || { cat "$work/err" >&2; exit 1; }
  ours_dump_ms[$1]=$(($(now_ms) - t0)); ours_dump_dir[$1]="$out"
  cat "$work/err" >&2
}
peer_dump() { # (b)
  echo "round $1, (b) peer: pg_dump --format=custom..." >&2
  psql_ -c "CHECKPOINT"
  local t0=$(now_ms)
  "$pg_bin/pg_dump" "${pg_args[@]}" -d geoawareness --format=custom -f "$work/peer-$1.dump"
  peer_dump_ms[$1]=$(($(now_ms) - t0))
}
ours_restore() { # (c)
  echo "round $1, (c) ours: geoaware db restore into a new empty database..." >&2
  psql_ -c "CREATE DATABASE restore_ours_$1" -c "CHECKPOINT"
  [ "$1" = 1 ] && xmax_before_ours=$(xmax restore_ours_1)
  local t0=$(now_ms)
  geoaware db restore --from "${ours_dump_dir[$1]}" --connection "$(conn "restore_ours_$1")" >&2
  ours_restore_ms[$1]=$(($(now_ms) - t0))
}
peer_restore() { # (d)
  echo "round $1, (d) peer: pg_restore --single-transaction --no-owner..." >&2
  psql_ -c "CREATE DATABASE restore_peer_$1" -c "CHECKPOINT"
  local t0=$(now_ms)
  "$pg_bin/pg_restore" "${pg_args[@]}" --single-transaction --no-owner -d "restore_peer_$1" "$work/peer-$1.dump"
  peer_restore_ms[$1]=$(($(now_ms) - t0))
}
ours_base() { # (e)
  echo "round $1, (e) ours: geoaware db backup --kind base..." >&2
  mkdir -p "$work/ours-base-$1"; psql_ -c "CHECKPOINT"
  local t0=$(now_ms) out
  out="$(geoaware db backup --kind base --to "$work/ours-base-$1" --connection "$(conn geoawareness)" 2>"$work/err")" || { cat "$work/err" >&2; exit 1; }
  ours_base_ms[$1]=$(($(now_ms) - t0)); ours_base_dir[$1]="$out"
  cat "$work/err" >&2
}
peer_base() { # (e)
  echo "round $1, (e) peer: pg_basebackup -Ft -z -X stream -c fast..." >&2
  psql_ -c "CHECKPOINT"
  local t0=$(now_ms)
  "$pg_bin/pg_basebackup" "${pg_args[@]}" -D "$work/peer-base-$1" -Ft -z -X stream -c fast
  peer_base_ms[$1]=$(($(now_ms) - t0))
}
ours_base_restore() { # (e)
  echo "round $1, (e) ours: geoaware db restore of the base backup into a new private cluster..." >&2
  local t0=$(now_ms)
  geoaware db restore --from "${ours_base_dir[$1]}" --data-directory "$work/ours-restored-$1" --LocalDatabase:Port="$ours_restore_port" >&2
  ours_base_restore_ms[$1]=$(($(now_ms) - t0))
}
peer_base_restore() { # (e)
  echo "round $1, (e) peer: tar -xzf, pg_ctl start (recovery), pg_ctl stop..." >&2
  local root="$work/peer-restored-$1" t0=$(now_ms)
  mkdir -p "$root/data"
  tar -xzf "$work/peer-base-$1/base.tar.gz" -C "$root/data"
  tar -xzf "$work/peer-base-$1/pg_wal.tar.gz" -C "$root/data/pg_wal"
  chmod 700 "$root/data"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$root"; fi
  "${as_pg[@]}" "$pg_bin/pg_ctl" start -D "$root/data" -w -t 600 -l "$root/log" \
    -o "-p $peer_restore_port -k $root -c listen_addresses=''" >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$root/data" -m fast -w >/dev/null
  peer_base_restore_ms[$1]=$(($(now_ms) - t0))
}
# Ours first in odd rounds, the peer first in even ones.
pair() { if (($2 % 2)); then "ours_$1" "$2"; "peer_$1" "$2"; else "peer_$1" "$2"; "ours_$1" "$2"; fi; }

for r in $(seq "$rounds"); do
  pair dump "$r"
  pair restore "$r"
  if [ "$r" = 1 ]; then
    # The first round's facts, and the parts of ours timed alone. The counts a restore makes read
    # tables pg_restore has just written (every row's hint bits still to set): restore_peer_1 is
    # in that state, so its counts stand for ours'. The backup's counts read the source, vacuumed.
    echo "breakdown: counts, checksums, the CLI's start..." >&2
    manifest="${ours_dump_dir[1]}/manifest.json"
    backup_next_xid=$(jq -r .next_transaction_id "$manifest")
    tables=$(jq -r '.tables | keys[]' "$manifest")
    table_count=$(echo "$tables" | wc -l)
    manifest_rows=$(jq '[.tables[]] | add' "$manifest")
    ours_dump_bytes=$(du -sb "${ours_dump_dir[1]}" | cut -f1)
    peer_dump_bytes=$(stat -c %s "$work/peer-1.dump")
    xids_needed=$(( backup_next_xid > xmax_before_ours ? backup_next_xid - xmax_before_ours : 0 ))
    counts_sql=$(for t in $tables; do echo "SELECT count(*) FROM $t;"; done)
    restore_counts_ms=$(sql_ms restore_peer_1 "$counts_sql")
    backup_counts_ms=$(sql_ms geoawareness "$counts_sql")
    t0=$(now_ms); sha256sum "${ours_dump_dir[1]}/database.dump" >/dev/null; dump_sha_ms=$(($(now_ms) - t0))
    cli_ms=$(for _ in 1 2 3; do t0=$(now_ms); geoaware db backup --help >/dev/null; echo $(($(now_ms) - t0)); done | median)
    ours_rows=$(psql -X -At "${pg_args[@]}" -d restore_ours_1 -c "SELECT count(*) FROM observations")
    peer_rows=$(psql -X -At "${pg_args[@]}" -d restore_peer_1 -c "SELECT count(*) FROM observations")
    ours_next_xid=$(xmax restore_ours_1)
  fi
  psql_ -c "DROP DATABASE restore_ours_$r" -c "DROP DATABASE restore_peer_$r"
  pair base "$r"
  if [ "$r" = 1 ]; then
    ours_base_bytes=$(du -sb "${ours_base_dir[1]}" | cut -f1)
    peer_base_bytes=$(du -sb "$work/peer-base-1" | cut -f1)
    t0=$(now_ms); sha256sum "${ours_base_dir[1]}"/*.tar.gz >/dev/null; base_sha_ms=$(($(now_ms) - t0))
  fi
  pair base_restore "$r"
  stop_restored
  rm -rf "$work"/*-"$r" "$work"/*-"$r".dump
done

# The transaction ids: a restore into this cluster needs none (its counter, shared by every
# database, is already past the backup's); into a new cluster it needs fewer than the backup's
# next_transaction_id. The restore's own DO loop, timed alone, for that many and for 100,000.
echo "breakdown: the transaction-id loop alone..." >&2
psql_ -c "CREATE DATABASE xid_loop"
xid_loop() { # how many ids -> ms
  local target=$(( $(xmax xid_loop) + $1 ))
  sql_ms xid_loop "SET synchronous_commit = off;
DO \$\$ BEGIN WHILE pg_snapshot_xmax(pg_current_snapshot()) < '$target'::xid8 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END \$\$;"
}
xid_backup_ms=$(xid_loop "$backup_next_xid")
xid_100k_ms=$(xid_loop 100000)
xid_rate=$(awk -v ms="$xid_100k_ms" 'BEGIN { printf "%.0f", 100000 / (ms / 1000) }')

line() { # what, ours array name, peer array name
  local -n o="$2" p="$3"
  local bo bp; bo=$(best "${o[@]}"); bp=$(best "${p[@]}")
  echo "| $1 | $(seconds "$bo") | $(seconds "$bp") | $(awk -v a="$bo" -v b="$bp" 'BEGIN { printf "%+.1f", (a - b) / 1000 }') | $(runs "${o[@]}") / $(runs "${p[@]}") |"
}
report="$results/backup-latest.md"
{
  echo "# GeoAwareness backup and restore, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$n synthetic observations (seed $seed) loaded with psql \\copy, $(nproc) cores, $(versions), fresh cluster in .geoaware/bench-backup"
  echo "with the service running on it. Database $(mib "$db_bytes") MiB (observations with its indexes $(mib "$obs_bytes") MiB); the dump's manifest counts"
  echo "$(fmt "$manifest_rows") rows in $table_count tables. Restored (round 1): $ours_rows observations (ours), $peer_rows (peer), of $rows."
  echo "Load average (1/5/15 min) before round 1: $load_before; at the end: $(load_average) (other work on the machine shares its cores)."
  echo "Each pair ran $rounds times, ours first in odd rounds and the peer first in even ones; the best run of each is shown."
  echo
  echo "| what | ours, s | peer by hand, s | ours − peer, s | every run, ours / peer, s |"
  echo "| --- | ---: | ---: | ---: | --- |"
  line "(a)/(b) dump backup: geoaware db backup / pg_dump --format=custom" ours_dump_ms peer_dump_ms
  line "(c)/(d) restore into a new empty database: geoaware db restore --connection / pg_restore --single-transaction --no-owner" ours_restore_ms peer_restore_ms
  line "(e) base backup: geoaware db backup --kind base / pg_basebackup -Ft -z -X stream -c fast" ours_base_ms peer_base_ms
  line "(e) base backup into a new cluster folder, extracted, started, out of recovery, stopped: geoaware db restore --data-directory / tar -xzf, pg_ctl start -w, pg_ctl stop" ours_base_restore_ms peer_base_restore_ms
  echo
  echo "| size, MiB | ours | peer by hand |"
  echo "| --- | ---: | ---: |"
  echo "| dump backup | $(mib "$ours_dump_bytes") (database.dump + manifest.json) | $(mib "$peer_dump_bytes") |"
  echo "| base backup | $(mib "$ours_base_bytes") (base.tar.gz, pg_wal.tar.gz, backup_manifest, manifest.json) | $(mib "$peer_base_bytes") |"
  echo
  echo "The parts of ours that the peer does not do, each timed alone in round 1:"
  echo
  echo "| part | ms |"
  echo "| --- | ---: |"
  echo "| backup: counting the $table_count tables in the source (the dump's snapshot) | $backup_counts_ms |"
  echo "| backup and restore: SHA-256 of the dump ($(mib "$ours_dump_bytes") MiB, sha256sum) | $dump_sha_ms |"
  echo "| backup and restore: the CLI's start (dotnet geoaware.dll db backup --help, median of 3) | $cli_ms |"
  echo "| restore: counting the $table_count tables just restored (first read sets every row's hint bits; timed on the peer's restore) | $restore_counts_ms |"
  echo "| restore: transaction ids consumed, $xids_needed (the backup's next_transaction_id $backup_next_xid; this cluster's next $xmax_before_ours before the restore, $ours_next_xid after) | ~0 |"
  echo "| base backup: SHA-256 of its files ($(mib "$ours_base_bytes") MiB, sha256sum; pg_basebackup's own --manifest-checksums=SHA256 besides) | $base_sha_ms |"
  echo "| the restore's transaction-id loop alone, $backup_next_xid ids (more than a restore of this backup into a new cluster needs: a new cluster's counter starts at a few hundred) | $xid_backup_ms |"
  echo "| the same loop alone, 100,000 ids ($(fmt "$xid_rate") ids/s; a source that has used 10 million ids would cost a restore into a new cluster about $(seconds $((xid_100k_ms * 100))) s) | $xid_100k_ms |"
  echo
  echo "Every figure is wall time of the command as an operator runs it, on the unix socket; the backups are written on"
  echo "the database's own disk. Ours runs PostgreSQL's own pg_dump, pg_restore and pg_basebackup, so the difference is"
  echo "its checks: the backup counts every table in the dump's snapshot and writes the SHA-256 of each file; the"
  echo "restore checks those checksums first, counts every table against the manifest after, and, when the target"
  echo "cluster's transaction ids are behind the backup's, consumes ids until they pass it (the feeds' positions are"
  echo "transaction ids). A restore into another database of the same cluster needs none: the counter is the cluster's."
  echo "The peer's pg_basebackup is given -c fast, as ours is, so that neither waits for a spread checkpoint. Each base"
  echo "restore restores its own base backup; ours checks the files' SHA-256 first, extracts them in .NET (GZipStream,"
  echo "TarFile), starts the cluster and waits until it has left recovery, then stops it."
} >"$report"
rm -rf "$work"
echo
cat "$report"
