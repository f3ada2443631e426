#!/usr/bin/env bash
# Mixed load on the reference workload (shared/bench) with writes beside it:
#
#   bench/load.sh [INCIDENTS]      default 1000000; DURATION=60 (seconds), CONNS=64
#
# The server serves a copy of the generated GeoPackage (synthetic data), pinned to core 0. On
# core 1, four wrk processes share CONNS connections for DURATION seconds:
#   items    (1/4): bbox pages of bboxes.txt, with and without datetime and property filters
#   tiles    (1/2): incidents MVT at zooms 5-12 (the z5/7/9/11 lists, their parents and children)
#                   with every property but the long notes (as the reference figures), composite
#                   tiles of every layer, and incidents PNG (as the web map draws them)
#   tilejson (1/8): /tiles.json and each layer's TileJSON
#   html     (1/8): the map page and the embed page
# while, beside them, an import loop replaces a layer of 20,000 ACLED rows (harmattan import, a
# process of its own, on the same file) and a writer creates, patches and deletes incidents
# through the API with a bearer token. It prints each route's requests/s, p50/p99 and errors,
# the writes' and imports' outcomes, and the server's RSS every 5 s. It exits 1 if any request,
# write or import failed, or if RSS grew by more than 10% after warm-up (see the end).
# Needs python3, ogr2ogr, wrk, taskset, curl (as the other bench scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
dur=${DURATION:-60}
conns=${CONNS:-64}
. bench/reference.sh # sets shared, out and db, generating the workload the first time
[ -n "${HARMATTAN_BIN:-}" ] && cp "$HARMATTAN_BIN" "$out/harmattan" || go build -o "$out/harmattan" ./cmd/harmattan
h=$out/harmattan
load=$out/load-$n.gpkg
cp "$db" "$load"
rm -f "$load-wal" "$load-shm"
token=load-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
echo "$token" >"$out/load-tokens.txt"
port=${PORT:-18710}
base=http://127.0.0.1:$port

# The import source: the first 20,000 rows of the synthetic ACLED export (made by
# bench/acled_csv.py for the import benchmark, or here).
acled=$out/acled-$n.csv
[ -f "$acled" ] || "$h" export --db "$db" --layer incidents --format csv | python3 bench/acled_csv.py >"$acled"
head -20001 "$acled" >"$out/load-import.csv"

taskset -c 0 "$h" serve --db "$load" --addr "127.0.0.1:$port" --token-file "$out/load-tokens.txt" 2>"$out/load-serve.log" &
pid=$!
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$base/readyz" && break; sleep 0.1; done
curl -sf -o /dev/null "$base/readyz" || { cat "$out/load-serve.log"; exit 1; }
# The first tile starts the in-memory copy of the incidents; start once it is made.
curl -sf -o /dev/null "$base/tiles/incidents/9/245/236.mvt"
for _ in $(seq 1200); do grep -q 'point layer held in memory.*layer=incidents' "$out/load-serve.log" && break; sleep 0.1; done

# Request lists.
lists=$out/load
mkdir -p "$lists"
{
  while read -r _ box; do
    for q in "" "&datetime=2023-01-01/2023-12-31" "&datetime=2024-06-01T00:00:00Z/.." "&datetime=../2022-06-30" \
      "&event_type=Battles" "&event_type=Protests&datetime=2023-01-01/.."; do
      echo "/collections/incidents/items?bbox=$box&limit=100$q"
    done
  done < <(grep -v '^#' "$shared/bench/bboxes.txt")
  echo "/collections/incidents/items?limit=100"
  echo "/collections/regions/items"
  echo "/collections/bases/items?limit=500"
} >"$lists/items.txt"
python3 - "$shared/bench" >"$lists/tiles.txt" <<'EOF'
import sys
tiles = []
for z in (5, 7, 9, 11):
    with open(f"{sys.argv[1]}/tiles_z{z}.txt") as f:
        tiles += [tuple(map(int, l.split("/"))) for l in f if l.strip() and not l.startswith("#")]
parents = {(z - 1, x // 2, y // 2) for z, x, y in tiles if z in (7, 9, 11)}
children = [(12, 2 * x + dx, 2 * y + dy) for z, x, y in tiles if z == 11 for dx in (0, 1) for dy in (0, 1)]
attrs = "?properties=event_date,event_type,actor1,fatalities"  # all but notes, as in the reference figures
for z, x, y in sorted(set(tiles) | parents) + children:
    print(f"/tiles/incidents/{z}/{x}/{y}.mvt{attrs}")
    if (x + y) % 4 == 0:
        print(f"/tiles/{z}/{x}/{y}.mvt{attrs}")
    if (x + y) % 4 == 1 and z >= 7:
        print(f"/tiles/incidents/{z}/{x}/{y}.png")
EOF
printf '%s\n' /tiles.json /tiles/incidents.json /tiles/bases.json /tiles/regions.json >"$lists/tilejson.txt"
printf '%s\n' / "/embed/?layers=incidents,regions" >"$lists/html.txt"

rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
(t=0; while kill -0 $pid 2>/dev/null; do echo "$t $(rss)"; sleep 5; t=$((t + 5)); done) >"$out/load-rss.txt" &
sampler=$!

# Writers beside the readers, until the readers are done.
stop=$out/load.stop
rm -f "$stop"
(
  i=0
  while [ ! -f "$stop" ]; do
    i=$((i + 1))
    body='{"type":"Feature","geometry":{"type":"Point","coordinates":[-3.9'$((i % 10))',14.4'$((i % 7))']},"properties":{"event_date":"2025-01-0'$((i % 9 + 1))'","event_type":"Protests","actor1":"Synthetic load writer","fatalities":0,"notes":"synthetic write '$i' of bench/load.sh"}}'
    loc=$(curl -s -o /dev/null -w '%{http_code} %{time_total} %header{location}' -X POST -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/geo+json' --data "$body" "$base/collections/incidents/items")
    echo "POST $loc"
    path=${loc##* }
    [ "${loc%% *}" = 201 ] || continue
    echo "PATCH $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X PATCH -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/merge-patch+json' --data '{"properties":{"fatalities":1}}' "$path")"
    echo "DELETE $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X DELETE -H "Authorization: Bearer $token" "$path")"
    sleep 0.2
  done
) >"$out/load-writes.txt" &
writer=$!
(
  while [ ! -f "$stop" ]; do
    start=$(date +%s%N)
    if taskset -c 1 "$h" import --db "$load" --layer load_imports --replace --title "Synthetic import (bench/load.sh)" \
      "$out/load-import.csv" >/dev/null 2>>"$out/load-import-errors.txt"; then r=ok; else r=failed; fi
    echo "$r $(( ($(date +%s%N) - start) / 1000000 ))"
    sleep 2
  done
) >"$out/load-imports.txt" &
importer=$!

run_wrk() { # name connections
  taskset -c 1 wrk -t1 -c"$2" -d"${dur}s" --timeout 30s -H 'Accept-Encoding: gzip' -s "$shared/bench/paths.lua" "$base" -- "$lists/$1.txt" |
    grep '^RESULT' | sed "s/^RESULT/$1/"
}
echo "== $conns connections for ${dur}s on $n incidents, with imports and writes beside (load $(cut -d' ' -f1 /proc/loadavg))"
run_wrk items $((conns / 4)) >"$lists/items.out" &
w1=$!
run_wrk tiles $((conns / 2)) >"$lists/tiles.out" &
w2=$!
run_wrk tilejson $((conns / 8)) >"$lists/tilejson.out" &
w3=$!
run_wrk html $((conns - conns / 4 - conns / 2 - conns / 8)) >"$lists/html.out" &
w4=$!
wait $w1 $w2 $w3 $w4
touch "$stop"
wait $writer $importer
kill $sampler

fail=0
printf '%-9s %9s %9s %9s %9s %7s\n' route 'req/s' 'p50 ms' 'p99 ms' requests errors
for r in items tiles tilejson html; do
  line=$(cat "$lists/$r.out")
  get() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$line"; }
  errs=$(( $(get err_connect) + $(get err_read) + $(get err_write) + $(get err_status) + $(get err_timeout) ))
  printf '%-9s %9s %9s %9s %9s %7s\n' "$r" "$(get rps)" "$(get p50_ms)" "$(get p99_ms)" "$(get requests)" "$errs"
  [ "$errs" = 0 ] || fail=1
done
echo "== writes beside (method: count, statuses, p50/p99 ms)"
for m in POST PATCH DELETE; do
  awk -v m=$m '$1 == m {print $3 * 1000}' "$out/load-writes.txt" | sort -n | awk -v m=$m \
    -v st="$(awk -v m=$m '$1 == m {print $2}' "$out/load-writes.txt" | sort | uniq -c | awk '{printf "%sx%s ", $2, $1}')" \
    '{t[NR] = $1} END {printf "%-7s %5d  statuses %s p50 %.1f ms, p99 %.1f ms\n", m, NR, st, t[int(NR * 0.5) + 1], t[int(NR * 0.99) + 1]}'

done
bad=$(awk '!($1 == "POST" && $2 == 201) && !($1 == "PATCH" && $2 == 200) && !($1 == "DELETE" && $2 == 204)' "$out/load-writes.txt" | wc -l)
[ "$bad" = 0 ] || { echo "failed writes: $bad"; fail=1; }
echo "== imports beside: $(grep -c '^ok' "$out/load-imports.txt") ok, $(grep -c '^failed' "$out/load-imports.txt" || true) failed;" \
  "seconds each: $(awk '{printf "%.1f ", $2 / 1000}' "$out/load-imports.txt")"
! grep -q '^failed' "$out/load-imports.txt" || { cat "$out/load-import-errors.txt"; fail=1; }
echo "== server RSS MiB every 5 s: $(awk '{printf "%s ", $2}' "$out/load-rss.txt")"
# Flat: after a 15 s warm-up (copies read, caches filling), the highest RSS of the last third of
# the samples is within 10% of the highest of the first third.
awk '$1 >= 15 && $1 <= '"$dur"' {r[++n] = $2} END {
  q = int(n / 3); if (q < 1) q = 1
  for (i = 1; i <= q; i++) a = (r[i] > a ? r[i] : a)
  for (i = n - q + 1; i <= n; i++) b = (r[i] > b ? r[i] : b)
  printf "RSS after warm-up: highest of the first third %d MiB, of the last third %d MiB: %+.1f%%\n", a, b, (b - a) * 100 / a
  exit (b > a * 1.10) }' "$out/load-rss.txt" || { echo "RSS grew more than 10%"; fail=1; }
echo "server 5xx logged: $(grep -c ' status=5' "$out/load-serve.log" || true)"
exit $fail
