#!/usr/bin/env bash
# The items and tile benchmarks of items.sh and tiles.sh, run on the same reference workload
# served from the GeoPackage and from PostGIS, one server after the other in one run, with the
# numbers side by side. Each case is wrk -t2 -c32 -d${DURATION:-15}s on core 1 against a server
# on core 0; on PostGIS, the database's backends are pinned to core 0 too, without parallel
# workers (as the pg_tileserv figures of shared/bench were taken: server and database on one core).
#
#   bench/postgis.sh [INCIDENTS]    default 1000000
#
# The database is $HARMATTAN_BENCH_POSTGRES (default below). It is created with PostGIS when
# missing, and refilled from the GeoPackage (harmattan migrate --replace) when its incident
# count differs. Needs what items.sh needs, plus psql. wrk's RESULT lines go to
# bench/out/postgis-N.log. About 6 minutes of wrk, plus loading when the database is new.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
dur=${DURATION:-15}
. bench/reference.sh # sets shared, out and db, generating the workload the first time
pg=${HARMATTAN_BENCH_POSTGRES:-postgres://harmattan:harmattan@127.0.0.1/harmattan_bench}
base=${pg%%\?*}
dbname=${base##*/}
go build -o "$out/harmattan" ./cmd/harmattan

# The PostGIS copy: create the database through the server's postgres database, then copy
# the layers when the incident counts differ (ids are kept, so both serve the same features).
if ! psql -Xq "$pg" -c 'SELECT 1' >/dev/null 2>&1; then
  psql -Xq "${base%/*}/postgres${pg#"$base"}" -c "CREATE DATABASE \"$dbname\""
fi
psql -Xq "$pg" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS postgis'
want=$(ogrinfo -ro -so "$db" incidents | awk '/^Feature Count/ {print $3}')
have=$(psql -XAtq "$pg" -c 'SELECT count(*) FROM incidents' 2>/dev/null || echo none)
if [ "$have" != "$want" ]; then
  echo "copying $db ($want incidents) into database $dbname (had $have)..."
  "$out/harmattan" migrate --from "$db" --to "$pg" --replace
fi

# The server's connections run no parallel workers: those are new processes that would escape
# the pinning, and the one core gains nothing from them.
sep='?'
case $pg in *\?*) sep='&' ;; esac
pgserve=$pg${sep}max_parallel_workers_per_gather=0
port=${PORT:-18780}
log=$out/postgis-$n.log
: >"$log"
pid=
sampler=
stop() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  pid= sampler=
}
trap stop EXIT
start() { # sqlite|postgis flags...
  stop
  backend=$1
  shift
  local dsn=$db
  [ "$backend" = postgis ] && dsn=$pgserve
  taskset -c 0 "$out/harmattan" serve --db "$dsn" --addr "127.0.0.1:$port" "$@" 2>"$out/serve.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/conformance" && return; sleep 0.1; done
  echo "server did not start"; cat "$out/serve.log"; exit 1
}
warm() { # wait until the incidents are held in memory (serve.log says so), as after a while in service
  curl -s -o /dev/null "http://127.0.0.1:$port/tiles/incidents/0/0/0.mvt"
  for _ in $(seq 1200); do grep -q 'point layer held in memory.*layer=incidents' "$out/serve.log" && return; sleep 0.1; done
  echo "incidents not in memory after 120 s"; cat "$out/serve.log"; exit 1
}
backends() { # PostgreSQL processes serving the bench database
  [ "$backend" = postgis ] && pgrep -f "^postgres: .* $dbname " || true
}
sample() { # every second: pin new backends to core 0; print RSS MiB of the server and of the backends
  while kill -0 "$pid" 2>/dev/null; do
    local procs
    procs=$(backends)
    for p in $procs; do taskset -pc 0 "$p" >/dev/null 2>&1 || true; done
    # backends: anonymous and file memory summed, shared memory (shared_buffers) counted once
    printf '%s %s\n' "$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")" \
      "$(for p in $procs; do cat "/proc/$p/status" 2>/dev/null; done |
        awk '/^Rss(Anon|File)/ {s += $2} /^RssShmem/ && $2 > m {m = $2} END {print int((s + m) / 1024)}')"
    sleep 1
  done
}
declare -A rps rss pgrss
run() { # case pathsfile [wrk flags...]
  local c=$1 f=$2 res
  shift 2
  sample >"$out/rss.txt" &
  sampler=$!
  sleep 1.5 # the first sample has pinned the backends
  res=$(taskset -c 1 wrk -t2 -c32 -d"${dur}s" --timeout 30s "$@" -s "$shared/bench/paths.lua" "http://127.0.0.1:$port" -- "$f" | grep '^RESULT')
  kill "$sampler"
  wait "$sampler" 2>/dev/null || true
  sampler=
  echo "$backend $c $res" >>"$log"
  rps[$c/$backend]=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$res")
  rss[$c/$backend]=$(awk '{print $1}' "$out/rss.txt" | sort -n | tail -1)
  pgrss[$c/$backend]=$(awk '{print $2}' "$out/rss.txt" | sort -n | tail -1)
  printf '%-8s %-26s %8.1f req/s  p50 %6s ms  %s\n' "$backend" "$c" "${rps[$c/$backend]}" \
    "$(sed -E 's/.* p50_ms=([0-9.]+).*/\1/' <<<"$res")" "$(grep -oE 'err_[a-z]+=[1-9][0-9]*' <<<"$res" | tr '\n' ' ' || true)"
}
paths() { # zoom -> file of incident tile paths, with the attributes of tiles.sh
  local f=$out/tiles-incidents-$1.txt
  grep -v "^#" "$shared/bench/tiles_z$1.txt" |
    awk 'NF {print "/tiles/incidents/" $1 ".mvt?properties=event_date,event_type,actor1,fatalities"}' >"$f"
  echo "$f"
}
items=$out/items-paths.txt
awk '!/^#/ && NF == 2 {print "/collections/incidents/items?bbox=" $2 "&limit=1000"}' "$shared/bench/bboxes.txt" >"$items"
gz=(-H 'Accept-Encoding: gzip')

echo "== $n incidents; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for b in sqlite postgis; do # uncached, clustering off, points in memory; and items
  start "$b" --tile-cache-mb 0 --cluster incidents=0
  warm
  run "items bbox limit=1000" "$items"
  for z in 5 7 9 11; do run "z$z uncached, memory" "$(paths $z)" "${gz[@]}"; done
done
for b in sqlite postgis; do # uncached, every tile read from the database
  start "$b" --tile-cache-mb 0 --cluster incidents=0 --tile-points-mb 0
  for z in 5 7 9 11; do run "z$z uncached, database" "$(paths $z)" "${gz[@]}"; done
done
for b in sqlite postgis; do # cached: every z9 tile fetched once before
  start "$b" --cluster incidents=0 --tile-points-mb 0
  while read -r p; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$p"; done <"$(paths 9)"
  run "z9 cached" "$(paths 9)" "${gz[@]}"
done
stop
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
printf '| %-26s | %12s | %13s | %14s | %18s | %19s | %20s |\n' case "SQLite req/s" "PostGIS req/s" "PostGIS/SQLite" \
  "RSS max SQLite MiB" "RSS max PostGIS MiB" "postgres RSS max MiB"
for w in 26 12 13 14 18 19 20; do printf '|%s' "$(printf "%$((w + 2))s" '' | tr ' ' -)"; done
echo '|'
for c in "items bbox limit=1000" "z5 uncached, memory" "z7 uncached, memory" "z9 uncached, memory" "z11 uncached, memory" \
  "z5 uncached, database" "z7 uncached, database" "z9 uncached, database" "z11 uncached, database" "z9 cached"; do
  s=${rps[$c/sqlite]} p=${rps[$c/postgis]}
  printf '| %-26s | %12.1f | %13.1f | %14s | %18s | %19s | %20s |\n' "$c" "$s" "$p" \
    "$(awk -v s="$s" -v p="$p" 'BEGIN {printf "%.2f", (s > 0 ? p / s : 0)}')" "${rss[$c/sqlite]}" "${rss[$c/postgis]}" "${pgrss[$c/postgis]}"
done
