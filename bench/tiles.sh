#!/usr/bin/env bash
# Tile benchmark on the reference workload (shared/bench): the tile lists tiles_z5..z11.txt for
# incidents (clustering off and on), regions z7/z9 and bases z7, uncached and cached, with
# wrk -t2 -c32 -d${DURATION:-15}s; server pinned to core 0, wrk to core 1. Tiles carry every
# attribute but notes, as in the reference figures. Prints tiles/s, bytes/tile and RSS.
#
#   bench/tiles.sh [INCIDENTS]      default 200000
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
dur=${DURATION:-15}
. bench/reference.sh # sets shared, out and db, generating the workload the first time
go build -o "$out/harmattan" ./cmd/harmattan
go build -o "$out/plainecho" ./bench/plainecho
port=${PORT:-18760}
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; pid=; }
trap stop EXIT
start() { # flags...
  stop
  taskset -c 0 "$out/harmattan" serve --db "$db" --addr "127.0.0.1:$port" "$@" 2>"$out/serve.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/conformance" && return; sleep 0.1; done
  echo "server did not start"; cat "$out/serve.log"; exit 1
}
warm() { # wait until the point layers are held in memory (serve.log says so), as after a while in service
  curl -s -o /dev/null "http://127.0.0.1:$port/tiles/incidents/0/0/0.mvt"
  curl -s -o /dev/null "http://127.0.0.1:$port/tiles/bases/0/0/0.mvt"
  for _ in $(seq 600); do
    [ "$(grep -c 'point layer held in memory' "$out/serve.log")" -ge 2 ] && return
    sleep 0.1
  done
  echo "point layers not in memory after 60 s"; cat "$out/serve.log"; exit 1
}
paths() { # layer zoom [query] -> file
  local f=$out/tiles-$1-$2.txt
  grep -v "^#" "$shared/bench/tiles_z$2.txt" | awk -v l="$1" -v q="${3:-}" 'NF {print "/tiles/" l "/" $1 ".mvt" q}' >"$f"
  echo "$f"
}
attrs='?properties=event_date,event_type,actor1,fatalities'
# pg_tileserv on the same lists (shared/bench/README.md), tiles/s
declare -A pgts=([incidents-5]=4.4 [incidents-7]=14.9 [incidents-9]=12.9 [incidents-11]=31.2 [regions-7]=1008 [regions-9]=1477 [bases-7]=2590)
run() { # label pathsfile [pg_tileserv key]
  local res rps bytes ratio=""
  res=$(taskset -c 1 wrk -t2 -c32 -d"${dur}s" --timeout 30s -H 'Accept-Encoding: gzip' -s "$shared/bench/paths.lua" "http://127.0.0.1:$port" -- "$2" | grep '^RESULT')
  rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$res")
  bytes=$(awk -v r="$res" 'BEGIN { split(r, a, " "); for (i in a) { split(a[i], kv, "="); v[kv[1]] = kv[2] } printf "%d", v["bytes"] / (v["requests"] > 0 ? v["requests"] : 1) }')
  [ -n "${3:-}" ] && ratio=$(awk -v r="$rps" -v p="${pgts[$3]}" 'BEGIN {printf "%.1fx pg_tileserv", r / p}')
  printf '%-34s %9.1f tiles/s %-18s %9d B/tile  p50 %s  errors %s  RSS %s MiB\n' "$1" "$rps" "$ratio" "$bytes" \
    "$(sed -E 's/.* p50_ms=([0-9.]+).*/\1/' <<<"$res")ms" "$(grep -oE 'err_[a-z]+=[1-9][0-9]*' <<<"$res" | tr '\n' ' ' || true)" \
    "$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")"
}
cases() { # label suffix, query
  for z in 5 7 9 11; do run "incidents z$z $1" "$(paths incidents $z "$2")" "incidents-$z"; done
  run "regions z7 $1" "$(paths regions 7)" regions-7
  run "regions z9 $1" "$(paths regions 9)" regions-9
  run "bases z7 $1" "$(paths bases 7)" bases-7
}
echo "== uncached, clustering off ($n incidents)"
start --tile-cache-mb 0 --cluster incidents=0
warm
cases "uncached" "$attrs"
echo "== uncached, clustering off, every tile read from the database (--tile-points-mb 0)"
start --tile-cache-mb 0 --cluster incidents=0 --tile-points-mb 0
for z in 5 9; do run "incidents z$z from the database" "$(paths incidents $z "$attrs")" "incidents-$z"; done
echo "== uncached, clustering on (below z8)"
start --tile-cache-mb 0
warm
for z in 5 7; do run "incidents z$z clustered" "$(paths incidents $z "$attrs")" "incidents-$z"; done
echo "== cached (clustering on)"
start
warm
for z in 5 9; do
  f=$(paths incidents $z "$attrs")
  while read -r p; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$p"; done <"$f"
  run "incidents z$z cached" "$f"
done
echo "== plain echo handler returning the same bytes for each z9 path (baseline for cached)"
rm -rf "$out/plain" && mkdir -p "$out/plain"
while read -r p; do
  curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$p" -o "$out/plain/$(printf '%s' "$p" | md5sum | cut -d' ' -f1)"
done <"$out/tiles-incidents-9.txt"
find "$out/plain" -size 0 -delete
stop
taskset -c 0 "$out/plainecho" --addr "127.0.0.1:$port" --dir "$out/plain" &
pid=$!
sleep 0.5
run "plain echo, same bytes as z9 cached" "$out/tiles-incidents-9.txt"
