#!/usr/bin/env bash
# Coverage gaps for a mission of N communities and B bases, measured in one run on a fresh
# private cluster:
#   ours: Coverage/GetCoverage over gRPC, end to end (every open base with its team and gaps, and
#         the communities at risk beyond reach of every staffed base with the nearest one), p50/p99;
#   peer: the communities at risk beyond reach of every staffed base, with the nearest staffed base
#         and its distance, computed by PostGIS alone in one SQL query (ST_DWithin and ST_Distance on
#         geography, a LATERAL nearest neighbour), timed by psql over the unix socket.
# Both answers are compared: the same communities, the same nearest bases, the distances within 0.5%.
# Target: GetCoverage under 200 ms for 5,000 communities and 200 bases.
# Usage: bench/coverage.sh [communities (default 5000)] [bases (default 200)] [calls (default 30)] [seed (default 7)]
# Everything stays on 127.0.0.1 and the unix socket; the cluster lives in .geoaware/bench-coverage.
set -euo pipefail
communities="${1:-5000}"
bases="${2:-200}"
calls="${3:-30}"
seed="${4:-7}"
at="2026-06-01"
bench_name=coverage http_port=18533 grpc_port=15533 pg_port=54533
source "$(dirname "$0")/lib.sh"
work="$repo/.geoaware/bench-coverage-work"
rm -rf "$work"
mkdir -p "$work"

bench_build
bench_start

echo "registering $communities communities and $bases bases with their teams..." >&2
timeout 900 dotnet "$tool" coverage-load --grpc "http://127.0.0.1:$grpc_port" --communities "$communities" --bases "$bases" --seed "$seed" >&2
psql_ -c "VACUUM ANALYZE communities" -c "VACUUM ANALYZE bases" -c "VACUUM ANALYZE cla_deployments" -c "CHECKPOINT"

load_before="$(load_average)"

# Ours.
echo "ours: GetCoverage x $calls..." >&2
timeout 600 dotnet "$tool" coverage --grpc "http://127.0.0.1:$grpc_port" --repeat "$calls" --out "$work/ours.tsv" >"$work/ours.out"
grep -v '^RESULT' "$work/ours.out" >&2

# The peer: the same question in one query. Reach by kind as the service's defaults (operating base
# 30 km, company 20 km, temporary 15 km, surge team 10 km); staffed = at least two CLAs deployed on
# the date; at risk = medium or above; a community at the point on its surface, as the registry shows it.
cat >"$work/peer.sql" <<SQL
WITH staffed AS MATERIALIZED (
  SELECT b.id, b.location::geography AS g,
         CASE b.kind WHEN 1 THEN 30000 WHEN 2 THEN 20000 WHEN 3 THEN 15000 ELSE 10000 END AS reach
  FROM bases b
  WHERE (b.opened_on IS NULL OR b.opened_on <= DATE '$at') AND (b.closed_on IS NULL OR b.closed_on >= DATE '$at')
    AND (SELECT count(*) FROM cla_deployments d
         WHERE d.base_id = b.id AND d.from_date <= DATE '$at' AND (d.to_date IS NULL OR d.to_date >= DATE '$at')) >= 2
), at_risk AS (
  SELECT c.id, c.risk_level, COALESCE((SELECT sum(x) FROM unnest(c.population) AS x), 0) AS population,
         ST_PointOnSurface(c.location)::geography AS g
  FROM communities c
  WHERE c.risk_level >= 2
)
SELECT r.id, n.id AS nearest, round(n.metres::numeric, 3) AS metres
FROM at_risk r
LEFT JOIN LATERAL (SELECT s.id, ST_Distance(r.g, s.g) AS metres FROM staffed s ORDER BY 2, 1 LIMIT 1) n ON true
WHERE NOT EXISTS (SELECT 1 FROM staffed s WHERE ST_DWithin(r.g, s.g, s.reach))
ORDER BY r.risk_level DESC, r.population DESC, r.id
SQL
echo "peer: the same in one PostGIS query x $calls..." >&2
psql_ -At -F $'\t' -f "$work/peer.sql" >"$work/peer.tsv"
{
  echo '\timing on'
  echo '\o /dev/null'
  for _ in $(seq $((calls + 3))); do cat "$work/peer.sql"; echo ';'; done
} >"$work/peer-timed.sql"
psql_ -f "$work/peer-timed.sql" >"$work/peer-timing.txt"
load_after="$(load_average)"

report="$results/coverage-latest.md"
/usr/bin/python3 - "$work" "$communities" "$bases" "$calls" "$seed" "$at" "$load_before" "$load_after" "$(nproc)" \
  "$(psql_ -At -c 'SHOW server_version' | cut -d' ' -f1)" "$(psql_ -At -c 'SELECT postgis_lib_version()')" <<'PY' >"$report"
import datetime, math, re, sys
work, communities, bases, calls, seed, at, load_before, load_after, cores, pg, postgis = sys.argv[1:12]
r = dict(re.findall(r"^RESULT ([\w.]+)=([\d.]+)$", open(work + "/ours.out").read(), re.M))
times = [float(t) for t in re.findall(r"Time: ([\d.]+) ms", open(work + "/peer-timing.txt").read())][3:]
times.sort()
# As the benchmark tool takes them: the lower median, and the 99th percentile rounded up.
peer_p50, peer_p99 = times[math.floor(0.5 * (len(times) - 1))], times[math.ceil(0.99 * (len(times) - 1))]

def rows(path):
    return [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
ours, peer = rows(work + "/ours.tsv"), rows(work + "/peer.tsv")
same_order = [o[0] for o in ours] == [p[0] for p in peer]
same_nearest = sum(1 for o, p in zip(ours, peer) if o[0] == p[0] and o[1] == p[1])
worst = max((abs(float(o[2]) - float(p[2])) / float(p[2]) for o, p in zip(ours, peer) if o[0] == p[0] and p[2] and float(p[2]) > 0), default=0)
p50 = float(r["coverage.p50_ms"])

print("# Coverage gaps, %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"))
print()
print("%s communities and %s bases (seed %s, synthetic mission over 600 x 600 km), coverage on %s; %s cores," % (format(int(communities), ","), bases, seed, at, cores))
print("PostgreSQL %s with PostGIS %s, fresh cluster in .geoaware/bench-coverage, service with auth off." % (pg, postgis))
print("%s open bases (%s staffed), %s communities at risk, %s out of reach; response %s bytes." % (
    r["coverage.open_bases"], r["coverage.staffed_bases"], format(int(r["coverage.communities_at_risk"]), ","),
    format(int(r["coverage.out_of_reach"]), ","), format(int(r["coverage.response_bytes"]), ",")))
print("Load average (1/5/15 min) before: %s; after: %s (other work shares the machine's cores)." % (load_before, load_after))
print()
print("| what | p50 ms | p99 ms | calls | target |")
print("| --- | ---: | ---: | ---: | --- |")
print("| ours: Coverage/GetCoverage over gRPC, end to end (bases, teams, gaps, communities out of reach) | %.1f | %.1f | %s | p50 < 200 ms: %s |" % (
    p50, float(r["coverage.p99_ms"]), calls, "yes" if p50 < 200 else "**no**"))
print("| peer: PostGIS alone, one SQL query (communities out of reach with nearest staffed base), psql | %.1f | %.1f | %d | |" % (peer_p50, peer_p99, len(times)))
print()
print("Agreement: %s communities out of reach from ours, %s from the peer; same order: %s; same nearest base: %d of %d;" % (
    format(len(ours), ","), format(len(peer), ","), "yes" if same_order else "**no**", same_nearest, len(peer)))
print("largest distance difference: %.5f%% (ours Vincenty on WGS84, the peer's ST_Distance on geography)." % (100 * worst))
print()
print("Ours: three calls of warm-up, then %s sequential calls from one client; the peer: three runs of warm-up, then %d," % (calls, len(times)))
print("each timed by psql's \\timing with its rows sent to /dev/null. The peer answers only the out-of-reach list;")
print("ours also the bases with their teams, flags and gaps.")
PY
echo
cat "$report"
