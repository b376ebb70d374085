#!/usr/bin/env bash
# Start-up time of the service on an existing private cluster: from the command to the first
# 200 from /health/ready, with the cluster stopped beforehand (so the figure includes starting
# PostgreSQL) and with it already running. Printed beside `pg_ctl start -w` of the same cluster
# alone, measured in the same run. Usage: bench/startup.sh [runs]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
runs="${1:-5}"
data="$repo/.geoaware/bench-startup"
# geoaware serve: the service on its private cluster (the production executable takes a connection string).
service="$repo/src/Geo.Cli/bin/Release/net10.0/geoaware.dll"
export DOTNET_gcServer=1
http_port=18080
grpc_port=15051
pg_ctl=/usr/lib/postgresql/15/bin/pg_ctl
as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)

dotnet build src/Geo.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >&2

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

start_service() {
  dotnet "$service" serve --LocalDatabase:DataDirectory="$data" --GeoAwareness:HttpPort=$http_port \
    --GeoAwareness:GrpcPort=$grpc_port --Logging:LogLevel:Default=Warning >/dev/null 2>&1 &
  service_pid=$!
}
wait_ready() {
  until curl -sf "http://127.0.0.1:$http_port/health/ready" >/dev/null; do sleep 0.02; done
}
stop_service() { kill -TERM "$service_pid"; wait "$service_pid" || true; }

# First run creates the cluster (not measured).
start_service; wait_ready; stop_service

cold=(); warm=(); peer=()
for _ in $(seq "$runs"); do
  t0=$(now_ms); start_service; wait_ready; t1=$(now_ms); cold+=($((t1 - t0)))
  stop_service

  t0=$(now_ms); "${as_pg[@]}" "$pg_ctl" start -D "$data/data" -l "$data/postgresql.log" -w >/dev/null; t1=$(now_ms); peer+=($((t1 - t0)))
  # The cluster is running now: the service reuses it.
  t0=$(now_ms); start_service; wait_ready; t1=$(now_ms); warm+=($((t1 - t0)))
  stop_service
  "${as_pg[@]}" "$pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true
done

printf '\nStart-up to ready, median of %s runs (ms)\n' "$runs"
printf '%-58s %8s\n' "what" "ms"
printf '%-58s %8s\n' "geoawareness, cluster stopped (starts PostgreSQL itself)" "$(printf '%s\n' "${cold[@]}" | median)"
printf '%-58s %8s\n' "geoawareness, cluster already running" "$(printf '%s\n' "${warm[@]}" | median)"
printf '%-58s %8s\n' "peer: pg_ctl start -w of the same cluster alone" "$(printf '%s\n' "${peer[@]}" | median)"
