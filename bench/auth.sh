#!/usr/bin/env bash
# What authorisation costs: the same calls with authentication on (supervisor bearer token) and
# off (--GeoAwareness:Auth:Enabled=false: calls act as an unscoped supervisor), in one run on one
# fresh private cluster holding N synthetic observations:
#   (a) a small unary call: Observations/Get of one stored observation;
#   (b) the area query: Observations/Count over a ~20 x 20 km polygon around the operating base.
# Two services run side by side on the same cluster, one with auth on and one with it off, both
# warmed up; short rounds alternate between them (on, off, off, on, ...), so that the drift of a
# shared machine's load weighs on both modes alike, and each mode pools its rounds.
# Two loads per call, with h2load:
#   single: one connection, one stream (-c 1 -m 1): the latency of one call, without queueing;
#   loaded: -c 4 -m 16 (64 concurrent streams): throughput, and latency under queueing.
# Beside latency, each service's own CPU time per call (utime + stime from /proc), which other
# work on the machine disturbs much less than it disturbs latency.
# Usage: bench/auth.sh [observations (default 200000)] [seconds per round (default 3)] [rounds per mode (default 8)] [seed (default 7)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-auth.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
n="${1:-200000}"
seconds="${2:-3}"
rounds="${3:-8}"
seed="${4:-7}"
data="$repo/.geoaware/bench-auth"
work="$repo/.geoaware/bench-auth-work"
results="$repo/bench/results"
# geoaware serve: the service on the private cluster, with the executable's server GC.
service="$repo/src/Geo.Cli/bin/Release/net10.0/geoaware.dll"
export DOTNET_gcServer=1
tool="$repo/bench/Geo.Bench.Mission/bin/Release/net10.0/Geo.Bench.Mission.dll"
# Ports of the service with auth on, and of the one with it off.
http_port_on=18427 grpc_port_on=15427
http_port_off=18428 grpc_port_off=15428
pg_port=54427
pg_bin=/usr/lib/postgresql/15/bin
as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
mkdir -p "$results" "$repo/.geoaware"

echo "building (Release)..." >&2
dotnet build src/Geo.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >&2
dotnet build bench/Geo.Bench.Mission -c Release -nologo -v quiet -clp:ErrorsOnly >&2

# A fresh cluster: stop one left by an earlier run of this script, then start over.
if [ -f "$data/data/postmaster.pid" ]; then
  "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true
fi
rm -rf "$data" "$work"
mkdir -p "$work"

settings=(--LocalDatabase:DataDirectory="$data" --LocalDatabase:Port=$pg_port)
declare -A service_pid=()
cleanup() {
  for pid in "${service_pid[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${service_pid[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$data/data/postmaster.pid" ]; then "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# start_service on|off. The per-token rate limit (500/s by default) is raised far above what
# the benchmark reaches, else it, not authorisation, would decide the figures; health answers
# without a token so that readiness can be polled the same way in both modes. The second
# service finds the cluster the first one started and shares it.
start_service() {
  local mode=$1 extra=() http grpc
  [ "$mode" = off ] && extra=(--GeoAwareness:Auth:Enabled=false)
  http="http_port_$mode" grpc="grpc_port_$mode"
  timeout 3600 dotnet "$service" serve "${settings[@]}" \
    --GeoAwareness:ListenAddress=127.0.0.1 --GeoAwareness:HttpPort=${!http} --GeoAwareness:GrpcPort=${!grpc} \
    --GeoAwareness:Auth:OpenHealth=true \
    --GeoAwareness:Auth:RequestsPerSecondPerToken=1000000000 --GeoAwareness:Auth:BurstPerToken=1000000000 \
    "${extra[@]}" --Logging:LogLevel:Default=Warning >>"$work/service-$mode.log" 2>&1 &
  service_pid[$mode]=$!
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:${!http}/health/ready" >/dev/null && return 0
    kill -0 "${service_pid[$mode]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/service-$mode.log" >&2
  echo "the service with auth $mode did not become ready" >&2
  exit 1
}

# Setting up: loading registers communities and bases (a planner's permission) and ingests
# observations (a supervisor's), which no single role holds; so the load runs with auth off.
echo "starting the services on a fresh cluster in $data..." >&2
start_service off
token="$(timeout 120 dotnet "$service" "${settings[@]}" token issue --role supervisor --subject bench --days 1 | grep -o 'gat_[A-Za-z0-9_.-]*' | head -1)"
[ -n "$token" ] || { echo "no token issued" >&2; exit 1; }

echo "loading $n observations..." >&2
timeout 900 dotnet "$tool" load --grpc "http://127.0.0.1:$grpc_port_off" --observations "$n" --seed "$seed" \
  | grep -v '^RESULT' >&2
start_service on

socket="$(dirname "$(find "$data" /tmp -maxdepth 3 -name ".s.PGSQL.$pg_port" -print -quit 2>/dev/null)")"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pg_port" -U postgres -d geoawareness "$@"; }
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"

# The request bodies, serialised with the real message classes.
id="$(psql_ -Atc "select id from observations limit 1")"
dotnet "$tool" body --method get --id "$id" --out "$work/get.bin" >/dev/null
wkt="$(dotnet "$tool" body --method count --seed "$seed" --side-km 20 --out "$work/count.bin")"
in_polygon="$(psql_ -Atc "select count(*) from observations where ST_Intersects(location::geometry, ST_GeomFromText('$wkt', 4326))" 2>/dev/null || echo '?')"
echo "Get of $id; Count over $wkt ($in_polygon observations)" >&2

# h2 MODE BODY PATH OUT [h2load limits...]: one h2load run against the service of MODE; fails
# unless every request got a 2xx and a response message (a refused gRPC call is a 200 with
# trailers only: no DATA).
h2() {
  local mode=$1 body=$2 path=$3 out=$4; shift 4
  local auth=() grpc="grpc_port_$mode"
  [ "$mode" = on ] && auth=(-H "authorization: Bearer $token")
  local dotnet_pid cpu_before
  dotnet_pid="$(pgrep -P "${service_pid[$mode]}" | head -1)"
  cpu_before="$(awk '{print $14 + $15}' "/proc/$dotnet_pid/stat")"
  timeout 300 h2load "$@" -d "$body" \
    -H 'content-type: application/grpc' -H 'te: trailers' "${auth[@]}" \
    "http://127.0.0.1:${!grpc}$path" >"$out.h2load"
  echo "service_cpu_ticks $(( $(awk '{print $14 + $15}' "/proc/$dotnet_pid/stat") - cpu_before )) $(getconf CLK_TCK)" >>"$out.h2load"
  /usr/bin/python3 - "$out.h2load" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"(\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
data = int(re.search(r"\((\d+)\) data", text).group(1))
done, ok, failed, errored = map(int, m.groups())
if ok == 0 or failed or errored or data < 6 * ok:
    sys.exit("%s: %d of %d requests succeeded, %d bytes of response messages: calls refused or failed" % (sys.argv[1], ok, done, data))
PY
}

# The loads: name and h2load's concurrency.
loads=("single:-c 1 -m 1" "loaded:-c 4 -m 16")
for mode in on off; do
  echo "warming up the service with auth $mode..." >&2
  h2 "$mode" "$work/get.bin" /geoawareness.v1.Observations/Get "$work/warm" -c 4 -m 16 -n 20000
  h2 "$mode" "$work/count.bin" /geoawareness.v1.Observations/Count "$work/warm" -c 4 -m 16 -n 300
done

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# on off off on, repeated: each mode is as often first as second.
order=()
for ((r = 0; r < rounds; r += 2)); do order+=(on off off on); done
round=0
for mode in "${order[@]}"; do
  round=$((round + 1))
  for load in "${loads[@]}"; do
    name="${load%%:*}" limits="${load#*:}"
    # shellcheck disable=SC2086 # the limits are words for h2load
    h2 "$mode" "$work/get.bin" /geoawareness.v1.Observations/Get "$work/get-$name-$mode-$round" $limits -D "$seconds" --log-file="$work/get-$name-$mode-$round.log"
    # shellcheck disable=SC2086
    h2 "$mode" "$work/count.bin" /geoawareness.v1.Observations/Count "$work/count-$name-$mode-$round" $limits -D "$seconds" --log-file="$work/count-$name-$mode-$round.log"
  done
  echo "round $round of $((2 * rounds)): auth $mode done" >&2
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

report="$results/auth-latest.md"
/usr/bin/python3 - "$work" "$n" "$seconds" "$rounds" "$id" "$in_polygon" "$load_before" "$load_after" "$(nproc)" >"$report" <<'PY'
import glob, re, sys, datetime
work, n, seconds, rounds, oid, in_polygon, load_before, load_after, cores = sys.argv[1:10]

def figures(call, load, mode):
    lat, rates, ticks, calls = [], [], 0.0, 0
    for summary in sorted(glob.glob("%s/%s-%s-%s-*.h2load" % (work, call, load, mode))):
        text = open(summary).read()
        rates.append(float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1)))
        t, hz = re.search(r"service_cpu_ticks (\d+) (\d+)", text).groups()
        ticks += int(t) / float(hz)
        calls += int(re.search(r"(\d+) succeeded", text).group(1))
        lat += [int(line.split("\t")[2]) for line in open(summary[:-len(".h2load")] + ".log") if line.strip()]
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, max(0, int(round(p / 100.0 * len(lat))) - 1))] / 1000.0
    return {"p50": pct(50), "p99": pct(99), "rps": sum(rates) / len(rates), "rounds": len(rates), "n": len(lat), "cpu_us": 1e6 * ticks / calls}

calls = [("get", "(a) `Observations/Get`, one observation"),
         ("count", "(b) `Observations/Count`, 20 x 20 km polygon (%s obs)" % in_polygon)]
loads = [("single", "1 stream"), ("loaded", "64 streams")]
print("# Authorisation overhead, %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"))
print()
print("%s synthetic observations, %s cores, fresh cluster in .geoaware/bench-auth. Two services side by side on" % (format(int(n), ","), cores))
print("it, auth on (supervisor bearer token) and off (`--GeoAwareness:Auth:Enabled=false`), both warmed up;")
print("rounds of %s s alternate on, off, off, on, ... (%s per mode), each mode pooling its rounds. Loads: h2load" % (seconds, rounds))
print("`-c 1 -m 1` (1 stream: one call at a time) and `-c 4 -m 16` (64 streams). Load average (1/5/15 min)")
print("before: %s; after: %s." % (load_before, load_after))
print()
print("| call | load | auth | calls | p50 ms | p99 ms | req/s | service CPU per call, us |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
over = []
for call, label in calls:
    for load, load_label in loads:
        on, off = figures(call, load, "on"), figures(call, load, "off")
        for mode, f in (("on", on), ("off", off)):
            print("| %s | %s | %s | %d | %.3f | %.3f | %.0f | %.0f |" % (label, load_label, mode, f["n"], f["p50"], f["p99"], f["rps"], f["cpu_us"]))
        over.append((label, load_label, 100 * (on["p50"] / off["p50"] - 1), 100 * (on["p99"] / off["p99"] - 1), 100 * (off["rps"] / on["rps"] - 1),
                     on["cpu_us"] - off["cpu_us"], 100 * (on["cpu_us"] / off["cpu_us"] - 1)))
print()
print("| call | load | p50 overhead | p99 overhead | req/s lost | service CPU per call | p50 under 5% |")
print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
for label, load_label, p50, p99, rps, cpu, cpu_pct in over:
    print("| %s | %s | %+.1f%% | %+.1f%% | %+.1f%% | %+.1f us (%+.1f%%) | %s |" % (label, load_label, p50, p99, rps, cpu, cpu_pct, "yes" if p50 < 5 else "**no**"))
print()
print("Get of observation %s. Overhead = auth on / auth off - 1 (req/s lost = off / on - 1)." % oid)
PY
echo
cat "$report"
