# Shared by the end-to-end benchmarks (bench/ingest.sh, bench/heatmap.sh, bench/coverage.sh); source it, do not run it.
# Before sourcing, set: bench_name (the cluster lives in .geoaware/bench-$bench_name), http_port,
# grpc_port, pg_port (each script its own, so that two of them can run side by side).
# Then: bench_build; bench_start (a fresh private cluster and the service, auth off, stopped on exit);
# bench_csv N SEED (the synthetic mission as CSV for psql \copy, written once and kept).
# Everything stays on 127.0.0.1 and the unix socket.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
data="$repo/.geoaware/bench-$bench_name"
log="$repo/.geoaware/bench-$bench_name-service.log"
results="$repo/bench/results"
# The service as `geoaware serve` runs it: on the private cluster it makes (the production
# executable takes only a connection string), with the server GC the executable has.
service="$repo/src/Geo.Cli/bin/Release/net10.0/geoaware.dll"
export DOTNET_gcServer=1
tool="$repo/bench/Geo.Bench.Mission/bin/Release/net10.0/Geo.Bench.Mission.dll"
pg_bin=/usr/lib/postgresql/15/bin
as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
# The columns of the CSV that `Geo.Bench.Mission csv` writes, in its order.
columns="id, reporter_id, observed_at, reported_at, location, area, location_precision, category, severity, affected, affected_groups, vulnerability, community_id, base_id, notes, content_hash"
mkdir -p "$results" "$repo/.geoaware"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# ok VALUE OP TARGET -> yes / **no** (OP is >= or <)
ok() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { print ((op == ">=" ? v >= t : v < t) ? "yes" : "**no**") }'; }
fmt() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
fmt1() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

bench_build() {
  echo "building (Release)..." >&2
  dotnet build src/Geo.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >&2
  dotnet build bench/Geo.Bench.Mission -c Release -nologo -v quiet -clp:ErrorsOnly >&2
}

service_pid=
# More settings for the service bench_start starts (a script may set them before sourcing).
bench_service_args=("${bench_service_args[@]}")
bench_cleanup() {
  if [ -n "$service_pid" ]; then kill -TERM "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  if [ -f "$data/data/postmaster.pid" ]; then "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true; fi
}

# A fresh cluster (one left by an earlier run is stopped and removed), the service on it with
# authorisation off (measured on its own by bench/auth.sh), ready; then psql_ works. With
# bench_auth=on set before sourcing, tokens are required (bench_token ROLE issues one), health is
# open, and the per-token rate limit is raised far above what a benchmark reaches.
bench_start() {
  if [ -f "$data/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true
  fi
  rm -rf "$data"
  trap bench_cleanup EXIT
  echo "starting the service on a fresh cluster in $data..." >&2
  local auth_settings=(--GeoAwareness:Auth:Enabled=false)
  if [ "${bench_auth:-off}" = on ]; then
    auth_settings=(--GeoAwareness:Auth:OpenHealth=true
      --GeoAwareness:Auth:RequestsPerSecondPerToken=1000000000 --GeoAwareness:Auth:BurstPerToken=1000000000)
  fi
  dotnet "$service" serve --LocalDatabase:DataDirectory="$data" --LocalDatabase:Port="$pg_port" \
    --GeoAwareness:ListenAddress=127.0.0.1 --GeoAwareness:HttpPort="$http_port" --GeoAwareness:GrpcPort="$grpc_port" \
    "${auth_settings[@]}" "${bench_service_args[@]}" \
    --Logging:LogLevel:Default=Warning >"$log" 2>&1 &
  service_pid=$!
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$http_port/health/ready" >/dev/null && break
    kill -0 "$service_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$http_port/health/ready" >/dev/null
  socket="$(dirname "$(find "$data" /tmp -maxdepth 3 -name ".s.PGSQL.$pg_port" -print -quit 2>/dev/null)")"
}

# Prints a bearer token of ROLE (importer, supervisor, ...) issued on the database by geoaware token --local.
bench_token() {
  timeout 120 dotnet "$service" token issue --local --role "$1" --subject "bench-$1" --days 1 \
    --LocalDatabase:DataDirectory="$data" --LocalDatabase:Port="$pg_port" | grep -o 'gat_[A-Za-z0-9_.-]*' | head -1
}

psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pg_port" -U postgres -d geoawareness "$@"; }

# "PostgreSQL 15.x with PostGIS 3.x" of the running cluster.
versions() { echo "PostgreSQL $(psql_ -At -c 'SHOW server_version' | cut -d' ' -f1) with PostGIS $(psql_ -At -c 'SELECT postgis_lib_version()')"; }

# Prints the path of the mission's N observations (seed SEED) as CSV, writing it the first time
# (off every clock: the peers' input is prepared beforehand, as our clients' messages are).
bench_csv() {
  local file="$repo/.geoaware/bench-mission-$1-$2.csv"
  if [ ! -s "$file" ]; then
    echo "writing $1 rows as CSV..." >&2
    dotnet "$tool" csv --observations "$1" --seed "$2" --out "$file.tmp" >&2
    mv "$file.tmp" "$file"
  fi
  echo "$file"
}
