#!/usr/bin/env bash
# What authorisation costs: the same calls with authentication on (supervisor bearer token) and
# off (--GeoAwareness:Auth:Enabled=false: calls act as an unscoped supervisor), in one run on one
# fresh private cluster holding N synthetic observations:
#   (a) a small unary call: Observations/Get of one stored observation;
#   (b) the area query: Observations/Count over a ~20 x 20 km polygon around the operating base.
# Each with h2load -c 4 -m 16 (64 concurrent streams) for a fixed time after a warm-up; p50/p99
# from h2load's per-request log, requests/s, and the overhead of auth on against off.
# The modes alternate on, off, off, on, off, on, on, off (a restart of the service each time) so
# that drift of the machine's load weighs on both alike; each mode's figures pool its four rounds.
# Beside latency, the service's own CPU time per call (utime + stime from /proc), which other
# work on the machine disturbs much less than it disturbs latency.
# Usage: bench/auth.sh [observations (default 200000)] [seconds per measurement (default 10)] [seed (default 7)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-auth.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
n="${1:-200000}"
seconds="${2:-10}"
seed="${3:-7}"
data="$repo/.geoaware/bench-auth"
work="$repo/.geoaware/bench-auth-work"
results="$repo/bench/results"
service="$repo/src/Geo.Grpc/bin/Release/net10.0/geoawareness.dll"
tool="$repo/bench/Geo.Bench.Mission/bin/Release/net10.0/Geo.Bench.Mission.dll"
http_port=18427
grpc_port=15427
pg_port=54427
pg_bin=/usr/lib/postgresql/15/bin
as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
mkdir -p "$results" "$repo/.geoaware"

echo "building (Release)..." >&2
dotnet build src/Geo.Grpc -c Release -nologo -v quiet -clp:ErrorsOnly >&2
dotnet build bench/Geo.Bench.Mission -c Release -nologo -v quiet -clp:ErrorsOnly >&2

# A fresh cluster: stop one left by an earlier run of this script, then start over.
if [ -f "$data/data/postmaster.pid" ]; then
  "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true
fi
rm -rf "$data" "$work"
mkdir -p "$work"

settings=(--LocalDatabase:DataDirectory="$data" --LocalDatabase:Port=$pg_port)
service_pid=
stop_service() {
  if [ -n "$service_pid" ]; then kill -TERM "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  service_pid=
}
cleanup() {
  stop_service
  if [ -f "$data/data/postmaster.pid" ]; then "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$data/data" -m fast -w >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# start_service on|off. The per-token rate limit (500/s by default) is raised far above what
# the benchmark reaches, else it, not authorisation, would decide the figures; health answers
# without a token so that readiness can be polled the same way in both modes.
start_service() {
  local extra=()
  [ "$1" = off ] && extra=(--GeoAwareness:Auth:Enabled=false)
  timeout 1800 dotnet "$service" "${settings[@]}" \
    --GeoAwareness:ListenAddress=127.0.0.1 --GeoAwareness:HttpPort=$http_port --GeoAwareness:GrpcPort=$grpc_port \
    --GeoAwareness:Auth:OpenHealth=true \
    --GeoAwareness:Auth:RequestsPerSecondPerToken=1000000000 --GeoAwareness:Auth:BurstPerToken=1000000000 \
    "${extra[@]}" --Logging:LogLevel:Default=Warning >>"$work/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$http_port/health/ready" >/dev/null && return 0
    kill -0 "$service_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/service.log" >&2
  echo "the service did not become ready" >&2
  exit 1
}

# Setting up: loading registers communities and bases (a planner's permission) and ingests
# observations (a supervisor's), which no single role holds; so the load runs with auth off.
echo "starting the service on a fresh cluster in $data..." >&2
start_service off
token="$(timeout 120 dotnet "$service" "${settings[@]}" token issue --role supervisor --subject bench --days 1 | grep -o 'gat_[A-Za-z0-9_.-]*' | head -1)"
[ -n "$token" ] || { echo "no token issued" >&2; exit 1; }

echo "loading $n observations..." >&2
timeout 900 dotnet "$tool" load --grpc "http://127.0.0.1:$grpc_port" --observations "$n" --seed "$seed" \
  | grep -v '^RESULT' >&2

socket="$(dirname "$(find "$data" /tmp -maxdepth 3 -name ".s.PGSQL.$pg_port" -print -quit 2>/dev/null)")"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pg_port" -U postgres -d geoawareness "$@"; }
psql_ -c "VACUUM ANALYZE observations" -c "CHECKPOINT"

# The request bodies, serialised with the real message classes.
id="$(psql_ -Atc "select id from observations limit 1")"
dotnet "$tool" body --method get --id "$id" --out "$work/get.bin" >/dev/null
wkt="$(dotnet "$tool" body --method count --seed "$seed" --side-km 20 --out "$work/count.bin")"
in_polygon="$(psql_ -Atc "select count(*) from observations where ST_Intersects(location::geometry, ST_GeomFromText('$wkt', 4326))" 2>/dev/null || echo '?')"
echo "Get of $id; Count over $wkt ($in_polygon observations)" >&2

# h2 BODY PATH OUT [h2load limits...]: one h2load run; fails unless every request got a 2xx and
# a response message (a refused gRPC call is a 200 with trailers only: no DATA).
h2() {
  local body=$1 path=$2 out=$3; shift 3
  local auth=()
  [ "$mode" = on ] && auth=(-H "authorization: Bearer $token")
  local dotnet_pid cpu_before
  dotnet_pid="$(pgrep -P "$service_pid" | head -1)"
  cpu_before="$(awk '{print $14 + $15}' "/proc/$dotnet_pid/stat")"
  timeout 300 h2load -c 4 -m 16 "$@" -d "$body" \
    -H 'content-type: application/grpc' -H 'te: trailers' "${auth[@]}" \
    "http://127.0.0.1:$grpc_port$path" >"$out.h2load"
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

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
round=0
for mode in on off off on off on on off; do
  round=$((round + 1))
  echo "round $round: auth $mode" >&2
  stop_service
  start_service "$mode"
  h2 "$work/get.bin" /geoawareness.v1.Observations/Get "$work/warm" -n 20000
  h2 "$work/get.bin" /geoawareness.v1.Observations/Get "$work/get-$mode-$round" -D "$seconds" --log-file="$work/get-$mode-$round.log"
  h2 "$work/count.bin" /geoawareness.v1.Observations/Count "$work/warm" -n 200
  h2 "$work/count.bin" /geoawareness.v1.Observations/Count "$work/count-$mode-$round" -D "$seconds" --log-file="$work/count-$mode-$round.log"
  grep -h '^finished' "$work/get-$mode-$round.h2load" "$work/count-$mode-$round.h2load" >&2
done
stop_service
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

report="$results/auth-latest.md"
/usr/bin/python3 - "$work" "$n" "$seconds" "$id" "$in_polygon" "$load_before" "$load_after" "$(nproc)" >"$report" <<'PY'
import glob, re, sys, datetime
work, n, seconds, oid, in_polygon, load_before, load_after, cores = sys.argv[1:9]

def figures(call, mode):
    lat, rounds, ticks, calls = [], [], 0.0, 0
    for summary in sorted(glob.glob("%s/%s-%s-*.h2load" % (work, call, mode))):
        text = open(summary).read()
        rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1))
        rounds.append(rps)
        t, hz = re.search(r"service_cpu_ticks (\d+) (\d+)", text).groups()
        ticks += int(t) / float(hz)
        calls += int(re.search(r"(\d+) succeeded", text).group(1))
        lat += [int(line.split("\t")[2]) for line in open(summary[:-len(".h2load")] + ".log") if line.strip()]
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, max(0, int(round(p / 100.0 * len(lat))) - 1))] / 1000.0
    return {"p50": pct(50), "p99": pct(99), "rps": sum(rounds) / len(rounds), "rounds": rounds, "n": len(lat), "cpu_us": 1e6 * ticks / calls}

calls = [("get", "(a) `Observations/Get`, one observation"),
         ("count", "(b) `Observations/Count`, 20 x 20 km polygon (%s obs)" % in_polygon)]
print("# Authorisation overhead, %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"))
print()
print("%s synthetic observations, %s cores, fresh cluster in .geoaware/bench-auth. `h2load -c 4 -m 16`" % (format(int(n), ","), cores))
print("(64 concurrent streams) for %s s per round after a warm-up; rounds alternate auth on, off, off, on, off, on, on, off" % seconds)
print("(service restarted each time), each mode pooling its four rounds. Auth on: supervisor bearer token;")
print("off: `--GeoAwareness:Auth:Enabled=false`. Load average (1/5/15 min) before: %s; after: %s." % (load_before, load_after))
print()
print("| call | auth | p50 ms | p99 ms | req/s (rounds) | service CPU per call, us |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
over = []
for call, label in calls:
    on, off = figures(call, "on"), figures(call, "off")
    for mode, f in (("on", on), ("off", off)):
        print("| %s | %s | %.2f | %.2f | %.0f (%s) | %.0f |" % (label, mode, f["p50"], f["p99"], f["rps"], ", ".join("%.0f" % r for r in f["rounds"]), f["cpu_us"]))
    over.append((label, 100 * (on["p50"] / off["p50"] - 1), 100 * (on["p99"] / off["p99"] - 1), 100 * (off["rps"] / on["rps"] - 1),
                 on["cpu_us"] - off["cpu_us"], 100 * (on["cpu_us"] / off["cpu_us"] - 1)))
print()
print("| call | p50 overhead | p99 overhead | req/s lost | service CPU per call | p50 under 5% |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for label, p50, p99, rps, cpu, cpu_pct in over:
    print("| %s | %+.1f%% | %+.1f%% | %+.1f%% | %+.0f us (%+.1f%%) | %s |" % (label, p50, p99, rps, cpu, cpu_pct, "yes" if p50 < 5 else "**no**"))
print()
print("Get of observation %s. Overhead = auth on / auth off - 1 (req/s lost = off / on - 1)." % oid)
PY
echo
cat "$report"
