#!/usr/bin/env bash
# gRPC load benchmark (issue 17): our service beside a bare Grpc.AspNetCore server, grpc-js and
# Python grpcio, all serving tests/protos/echo.proto, in the same run under the same load.
#
#   bench/grpc/run.sh [-n REQUESTS] [-r ROUNDS] [-s STREAM_MESSAGES]
#
# The four servers start together on 127.0.0.1 (port 0 each) and stay up for the whole run, idle
# while another is measured:
#   ours  bench/Geo.Bench.GrpcServer: the real service (database, interceptors, call budget) with
#         the test Echo handler, on a database of the throwaway test cluster; Echo goes through the
#         same pipeline as the API, which a check proves (a NUL in a request is refused by the
#         access interceptor, and echoed by the bare server);
#   bare  bench/Geo.Bench.BareGrpc: Grpc.AspNetCore with default options and the Echo service alone;
#   grpc-js and grpcio: tests/peers (scripts/install-test-peers.sh installs them).
# Each server first passes the grpc-js client's unary scenario and gets N/5 warm-up requests. Then
# ROUNDS rounds, each measuring every server in turn (the order rotates from round to round, so
# that a drift in the machine's load weighs on all alike): unary Echo/Unary with
# `h2load -n N -c 4 -m 16` (64 concurrent streams). A server's req/s is the median of its rounds;
# p50 and p99 come from h2load's per-request logs of all its rounds together. Last, Echo/ServerStream
# with count=S per server, counted by the grpc-js client (messages/s).
# Prints a table with the ratios ours/bare and ours/grpc-js and the issue's targets, met or not:
# ours >= 90% of bare, >= 3x grpc-js, our p99 < 5 ms. Writes it to bench/results/grpc-latest.md.
# Everything is bounded: request counts, and `timeout` on every process.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

requests=200000
rounds=3
stream_messages=100000
while getopts "n:r:s:" opt; do
  case $opt in
    n) requests=$OPTARG ;;
    r) rounds=$OPTARG ;;
    s) stream_messages=$OPTARG ;;
    *) echo "usage: $0 [-n REQUESTS] [-r ROUNDS] [-s STREAM_MESSAGES]" >&2; exit 2 ;;
  esac
done
warmup=$((requests / 5))

scripts/install-test-peers.sh
python=/usr/bin/python3 # Debian's python3-grpcio belongs to it

work="$(mktemp -d -t grpc-bench.XXXXXX)"
names=() pids=() ports=() procs=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building bench/Geo.Bench.GrpcServer and bench/Geo.Bench.BareGrpc (Release)..." >&2
for project in Geo.Bench.GrpcServer Geo.Bench.BareGrpc; do
  timeout 1200 dotnet build "bench/$project/$project.csproj" -c Release -v q -nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
done
bin() { echo "$root/bench/$1/bin/Release/net10.0/$1.dll"; }

# Other work on the machine skews every row; the load average goes into the results.
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# The request body h2load sends: a 5-byte gRPC frame prefix + EchoRequest{message: "hello"}.
printf '\x00\x00\x00\x00\x07\x0a\x05hello' >"$work/unary.bin"
# Every reply must carry the message back: 5-byte prefix + field 1 "hello" (7 bytes), at least.
min_reply_bytes=12

# start_server NAME CMD... : starts a server that prints "READY <port>" and adds it to the lists.
start_server() {
  local name=$1 i=${#names[@]} port="" pid
  shift
  echo "starting $name..." >&2
  timeout 3600 "$@" >"$work/server$i.out" 2>"$work/server$i.err" &
  pid=$!
  names+=("$name") pids+=("$pid")
  for _ in $(seq 1 1200); do
    port=$(awk '/^READY /{print $2; exit}' "$work/server$i.out")
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$port" ]]; then
    echo "$name did not start:" >&2; cat "$work/server$i.out" "$work/server$i.err" >&2
    exit 1
  fi
  ports+=("$port")
  # The server itself, not `timeout`: its CPU time per call goes into the table.
  procs+=("$(pgrep -P "$pid" | head -n 1)")
}

# cpu_ticks INDEX: user + system CPU time of a server's process, all its threads, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${procs[$1]}/stat"; }

h2() { # h2 INDEX N OUTPUT [LOGFILE]
  timeout 600 h2load -n "$2" -c 4 -m 16 -d "$work/unary.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    ${4:+--log-file="$4"} "http://127.0.0.1:${ports[$1]}/geoawareness.testing.v1.Echo/Unary" >"$3"
  # h2load counts a gRPC error as a success (HTTP 200 with grpc-status in the trailers): every
  # request must have succeeded and every reply carried the message.
  awk -v name="${names[$1]}" -v min="$min_reply_bytes" '
    /^requests:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^succeeded/) ok = $(i - 1); if ($i ~ /^total/) total = $(i - 1) } }
    /^traffic:/ { for (i = 1; i <= NF; i++) if ($i == "data") { data = $(i - 1); gsub(/[()]/, "", data) } }
    END {
      if (total == 0 || ok != total) { printf "%s: %d of %d requests succeeded\n", name, ok, total > "/dev/stderr"; exit 1 }
      if (data < min * total) { printf "%s: %d bytes of replies for %d requests: not every call answered Echo\n", name, data, total > "/dev/stderr"; exit 1 }
    }' "$3"
}

# nul_check INDEX EXPECTED: a unary call whose message holds a NUL ends with EXPECTED (OK or a code name).
nul_check() {
  local got
  got=$(timeout 30 "$python" - "127.0.0.1:${ports[$1]}" <<'PY'
import sys, grpc
call = grpc.insecure_channel(sys.argv[1]).unary_unary("/geoawareness.testing.v1.Echo/Unary")
try:
    call(b"\x0a\x03a\x00b", timeout=20)  # EchoRequest{message: "a\0b"}, as bytes
    print("OK")
except grpc.RpcError as e:
    print(e.code().name)
PY
)
  [[ "$got" == "$2" ]] || { echo "${names[$1]}: a NUL in the message ended with $got, expected $2" >&2; exit 1; }
}

start_server "GeoAwareness (ours)" dotnet "$(bin Geo.Bench.GrpcServer)" --port 0
grpc_aspnetcore_version=$(sed -n 's/.*"Grpc.AspNetCore" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
start_server "bare Grpc.AspNetCore $grpc_aspnetcore_version" dotnet "$(bin Geo.Bench.BareGrpc)" --port 0
start_server "grpc-js $(node -p "require('$root/tests/peers/node/node_modules/@grpc/grpc-js/package.json').version")" \
  node tests/peers/node/echo_server.js --port 0
start_server "Python grpcio $("$python" -c 'import grpc; print(grpc.__version__)')" \
  "$python" tests/peers/python/echo_server.py --port 0
servers=${#names[@]}

echo "checks and warm-up..." >&2
for i in $(seq 0 $((servers - 1))); do
  timeout 30 node tests/peers/node/echo_client.js --target "127.0.0.1:${ports[$i]}" --scenarios unary >"$work/check$i"
  grep -q '"code":0' "$work/check$i" || { echo "${names[$i]}: unary check failed: $(cat "$work/check$i")" >&2; exit 1; }
done
# Echo on ours passes the access check (CallInterceptor) like every API call; the bare server has none.
nul_check 0 INVALID_ARGUMENT
nul_check 1 OK
for i in $(seq 0 $((servers - 1))); do h2 "$i" "$warmup" "$work/warmup$i"; done

for round in $(seq 1 "$rounds"); do
  for k in $(seq 0 $((servers - 1))); do
    i=$(((round - 1 + k) % servers))
    before=$(cpu_ticks "$i")
    h2 "$i" "$requests" "$work/h2load$i.$round" "$work/log$i.$round"
    echo $(($(cpu_ticks "$i") - before)) >"$work/cpu$i.$round"
    echo "round $round, ${names[$i]}: $(grep -E '^finished' "$work/h2load$i.$round")" >&2
  done
done

for i in $(seq 0 $((servers - 1))); do
  timeout 600 node tests/peers/node/echo_client.js --target "127.0.0.1:${ports[$i]}" --count-stream "$stream_messages" --calls 1 >"$work/stream$i"
  echo "stream, ${names[$i]}: $(cat "$work/stream$i")" >&2
done
load_at_end="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p bench/results
"$python" - "$work" "$servers" "$rounds" "$requests" "$(getconf CLK_TCK)" "${names[@]}" >"$work/table.md" <<'PY'
import json, re, statistics, sys
work, servers, rounds, requests, clk_tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
names = sys.argv[6:]
rows = []
for i, name in enumerate(names):
    rates, lat, ticks = [], [], 0
    for r in range(1, rounds + 1):
        ticks += int(open("%s/cpu%d.%d" % (work, i, r)).read())
        rates.append(float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", open("%s/h2load%d.%d" % (work, i, r)).read()).group(1)))
        lat += [int(line.split("\t")[2]) for line in open("%s/log%d.%d" % (work, i, r)) if line.strip()]
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, max(0, int(round(p / 100.0 * len(lat))) - 1))] / 1000.0
    stream = json.loads(open("%s/stream%d" % (work, i)).read())
    if not stream["ok"]:
        sys.exit("%s: the stream benchmark did not receive every message: %s" % (name, stream))
    cpu_us = 1e6 * ticks / clk_tck / (rounds * requests)
    rows.append((name, statistics.median(rates), rates, pct(50), pct(99), stream["msgs_per_s"], cpu_us))

print("| server | unary req/s (median) | each round | p50 ms | p99 ms | server CPU µs per call | stream msgs/s |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
for name, rps, rates, p50, p99, msgs, cpu_us in rows:
    print("| %s | %.0f | %s | %.2f | %.2f | %.1f | %.0f |" % (name, rps, ", ".join("%.0f" % r for r in rates), p50, p99, cpu_us, msgs))
ours, bare, js, py = rows[0], rows[1], rows[2], rows[3]
met = lambda ok: "met" if ok else "**not met**"
print()
print("| target | measured | |")
print("| --- | ---: | --- |")
print("| ours >= 90%% of bare Grpc.AspNetCore | %.1f%% | %s |" % (100 * ours[1] / bare[1], met(ours[1] >= 0.9 * bare[1])))
print("| ours >= 3x grpc-js | %.2fx | %s |" % (ours[1] / js[1], met(ours[1] >= 3 * js[1])))
print("| our p99 < 5 ms at 64 concurrent streams | %.2f ms | %s |" % (ours[4], met(ours[4] < 5)))
print()
print("For reference: ours / grpcio %.2fx; stream ours / bare %.1f%%." % (ours[1] / py[1], 100 * ours[5] / bare[5]))
PY

{
  echo "# gRPC benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average at start: $load_at_start, at the end: $load_at_end"
  echo
  echo "Unary Echo/Unary (7-byte request): \`h2load -n $requests -c 4 -m 16\` (64 concurrent streams), $rounds rounds"
  echo "(servers in rotating order), after $warmup warm-up requests each; p50/p99 over all rounds' requests."
  echo "Stream: Echo/ServerStream count=$stream_messages, empty payloads, counted by the grpc-js client."
  echo "All four servers up for the whole run on 127.0.0.1; ours with its database on the test cluster."
  echo
  cat "$work/table.md"
} >bench/results/grpc-latest.md
cat bench/results/grpc-latest.md
