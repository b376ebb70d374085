#!/usr/bin/env bash
# gRPC load benchmark: our server against the grpc-js and Python grpcio servers, in the same run.
#
#   bench/grpc/run.sh [-n REQUESTS] [-s STREAM_MESSAGES]
#
# For each server (started alone, on 127.0.0.1, port 0): a warm-up, then
#   - unary Echo/Unary with h2load -n N -c 4 -m 16 (64 concurrent streams): requests/s, p50, p99
#     (percentiles from h2load's per-request log);
#   - Echo/ServerStream with count=S, counted by the grpc-js client: messages/s.
# Prints a table and writes it to bench/results/grpc-latest.md. Our server is built in Release.
# Everything is bounded: request counts, and `timeout` on every process.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

requests=200000
stream_messages=100000
while getopts "n:s:" opt; do
  case $opt in
    n) requests=$OPTARG ;;
    s) stream_messages=$OPTARG ;;
    *) echo "usage: $0 [-n REQUESTS] [-s STREAM_MESSAGES]" >&2; exit 2 ;;
  esac
done
warmup=$((requests / 5))

scripts/install-test-peers.sh
# Other work on the machine skews every row; the load average goes into the results.
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"

work="$(mktemp -d -t grpc-bench.XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building bench/Geo.Bench.GrpcServer (Release)..." >&2
dotnet build bench/Geo.Bench.GrpcServer/Geo.Bench.GrpcServer.csproj -c Release -v q -nologo >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
ours_dll="$root/bench/Geo.Bench.GrpcServer/bin/Release/net10.0/Geo.Bench.GrpcServer.dll"

# The request body h2load sends: a 5-byte gRPC frame prefix + EchoRequest{message: "hello"}.
printf '\x00\x00\x00\x00\x07\x0a\x05hello' >"$work/unary.bin"

# start_server NAME CMD... : starts a server that prints "READY <port>", sets $server_pid and $port.
start_server() {
  local name=$1; shift
  timeout 600 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    port=$(awk '/^READY /{print $2; exit}' "$work/$name.out")
    [[ -n "$port" ]] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$name server did not start:" >&2; cat "$work/$name.out" "$work/$name.err" >&2
  exit 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

h2() { # h2 N LOGFILE
  timeout 300 h2load -n "$1" -c 4 -m 16 -d "$work/unary.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    ${2:+--log-file="$2"} "http://127.0.0.1:$port/geoawareness.testing.v1.Echo/Unary"
}

rows=()
measure() { # measure NAME CMD...
  local name=$1; shift
  echo "== $name" >&2
  start_server "$name" "$@"
  # A correctness check before the load: the scenario client's unary call must succeed.
  timeout 30 node tests/peers/node/echo_client.js --target "127.0.0.1:$port" --scenarios unary >"$work/$name.check"
  grep -q '"code":0' "$work/$name.check" || { echo "$name: unary check failed: $(cat "$work/$name.check")" >&2; exit 1; }
  h2 "$warmup" "" >/dev/null
  h2 "$requests" "$work/$name.log" >"$work/$name.h2load"
  grep -E '^(finished|requests:|status codes)' "$work/$name.h2load" >&2
  local failed
  failed=$(awk '/^requests:/{for(i=1;i<=NF;i++) if($i ~ /failed|errored/) s+=$(i-1)} END{print s+0}' "$work/$name.h2load")
  [[ "$failed" == 0 ]] || { echo "$name: $failed requests failed" >&2; exit 1; }
  local stream
  stream=$(timeout 300 node tests/peers/node/echo_client.js --target "127.0.0.1:$port" --count-stream "$stream_messages" --calls 1)
  echo "$stream" >&2
  stop_server
  rows+=("$(/usr/bin/python3 - "$name" "$work/$name.h2load" "$work/$name.log" "$stream" <<'PY'
import json, re, sys
name, summary, log, stream = sys.argv[1:5]
rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", open(summary).read()).group(1))
lat = sorted(int(line.split("\t")[2]) for line in open(log) if line.strip())
pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100.0 * len(lat))) - 1)] / 1000.0
s = json.loads(stream)
if not s["ok"]:
    sys.exit("%s: the stream benchmark did not receive every message: %s" % (name, stream))
print("%s\t%.0f\t%.2f\t%.2f\t%.0f" % (name, rps, pct(50), pct(99), s["msgs_per_s"]))
PY
)")
}

measure "GeoAwareness (ours)" dotnet "$ours_dll" --port 0
measure "grpc-js $(node -p "require('$root/tests/peers/node/node_modules/@grpc/grpc-js/package.json').version")" \
  node tests/peers/node/echo_server.js --port 0
measure "Python grpcio $(/usr/bin/python3 -c 'import grpc; print(grpc.__version__)')" \
  /usr/bin/python3 tests/peers/python/echo_server.py --port 0

mkdir -p bench/results
{
  echo "# gRPC benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average at start: $load_at_start"
  echo
  echo "Unary Echo/Unary (7-byte request): \`h2load -n $requests -c 4 -m 16\` (64 concurrent streams), after $warmup warm-up requests."
  echo "Stream: Echo/ServerStream count=$stream_messages, empty payloads, counted by the grpc-js client."
  echo
  echo "| server | unary req/s | p50 ms | p99 ms | stream msgs/s |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for row in "${rows[@]}"; do
    IFS=$'\t' read -r n rps p50 p99 msgs <<<"$row"
    echo "| $n | $rps | $p50 | $p99 | $msgs |"
  done
  ours=$(cut -f2 <<<"${rows[0]}"); js=$(cut -f2 <<<"${rows[1]}"); py=$(cut -f2 <<<"${rows[2]}")
  echo
  /usr/bin/python3 -c "import sys; o,j,p,p99=map(float,sys.argv[1:]); print('ours / grpc-js: %.2fx (target >= 1.5x); ours / grpcio: %.2fx (target >= 3x); our p99 %.2f ms (target < 10 ms)' % (o/j, o/p, p99))" \
    "$ours" "$js" "$py" "$(cut -f4 <<<"${rows[0]}")"
} >bench/results/grpc-latest.md
cat bench/results/grpc-latest.md
