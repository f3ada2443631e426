#!/usr/bin/env bash
# Items benchmark on the reference workload (shared/bench): the bbox requests of bboxes.txt
# with limit=1000, as pg_featureserv was measured. Server pinned to core 0, wrk to core 1.
#
#   bench/items.sh [INCIDENTS]      default 200000 (the reference); 1000000 for the large check
#
# Needs python3, ogr2ogr (gdal-bin), wrk, taskset, curl. Prints single-request latency per
# bbox, wrk's RESULT line, the ratio to pg_featureserv's 7–11 requests/s and RSS over the run.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
. bench/reference.sh # sets shared, out and db, generating the workload the first time
go build -o "$out/harmattan" ./cmd/harmattan
port=${PORT:-18700}
taskset -c 0 "$out/harmattan" serve --db "$db" --addr "127.0.0.1:$port" 2>"$out/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/conformance" && break; sleep 0.1; done

paths=$out/items-paths.txt
awk '!/^#/ && NF == 2 {print "/collections/incidents/items?bbox=" $2 "&limit=1000"}' "$shared/bench/bboxes.txt" >"$paths"
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }

echo "== one request alone (median of 21, ms), $n incidents"
while read -r name box; do
  case "$name" in \#*|"") continue ;; esac
  url="http://127.0.0.1:$port/collections/incidents/items?bbox=$box&limit=1000"
  for _ in $(seq 21); do curl -s -o /dev/null -w '%{time_total}\n' "$url"; done |
    sort -n | awk -v name="$name" 'NR == 11 {printf "%-8s %.2f ms\n", name, $1 * 1000}'
done <"$shared/bench/bboxes.txt"

echo "== wrk -t2 -c32 -d15s over $(wc -l <"$paths") bbox paths"
rss_start=$(rss)
(while kill -0 $pid 2>/dev/null; do rss; sleep 1; done) >"$out/rss.txt" &
sampler=$!
result=$(taskset -c 1 wrk -t2 -c32 -d15s --timeout 30s -s "$shared/bench/paths.lua" "http://127.0.0.1:$port" -- "$paths" | grep '^RESULT')
kill $sampler
echo "$result"
rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$result")
awk -v r="$rps" 'BEGIN {printf "vs pg_featureserv (7-11 requests/s on the same requests): %.0fx to %.0fx\n", r / 11, r / 7}'
echo "RSS MiB: before $rss_start, max $(sort -n "$out/rss.txt" | tail -1), after $(rss)"
