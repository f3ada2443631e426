#!/usr/bin/env bash
# Import benchmark: N synthetic ACLED rows (harmattan generate, exported as ACLED's 31-column
# CSV by acled_csv.py) loaded into a new GeoPackage by GDAL's ogr2ogr and by harmattan import
# (which also upserts by event_id_cnty, keeping a unique index on it), one after the other in
# the same run: first each on the whole machine, then each pinned to core 0. Prints wall time,
# records/s and peak RSS of each, and the ratios.
#
#   bench/import.sh [N]      default 1000000
#
# Needs ogr2ogr (gdal-bin), python3, /usr/bin/time, taskset, awk.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
out=bench/out
mkdir -p "$out"
go build -o "$out/harmattan" ./cmd/harmattan
csv=$out/acled-$n.csv
if [ ! -f "$csv" ]; then
  echo "writing $n synthetic ACLED rows to $csv..."
  rm -f "$out/synthetic-$n.gpkg"
  "$out/harmattan" generate --db "$out/synthetic-$n.gpkg" --count "$n" --seed 1 >/dev/null
  "$out/harmattan" export --db "$out/synthetic-$n.gpkg" --layer incidents --format csv | python3 bench/acled_csv.py >"$csv.tmp"
  mv "$csv.tmp" "$csv"
fi
echo "== $n rows, $(du -m "$csv" | cut -f1) MB of CSV"
measure() { # label command... ; prints seconds and peak RSS
  local log=$out/time-$1.txt
  shift
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log"; exit 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$log")
  echo "$secs $rss"
}
compare() { # label, then the prefix of both commands (nothing, or taskset -c 0)
  local label=$1
  shift
  rm -f "$out/import-gdal.gpkg" "$out/import-harmattan.gpkg"
  read -r gsecs grss < <(measure gdal "$@" ogr2ogr -f GPKG "$out/import-gdal.gpkg" "$csv" -nln acled \
    -oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -oo AUTODETECT_TYPE=YES -a_srs EPSG:4326)
  read -r hsecs hrss < <(measure harmattan "$@" "$out/harmattan" import --db "$out/import-harmattan.gpkg" --layer acled "$csv")
  echo "-- $label"
  awk -v n="$n" -v gs="$gsecs" -v gr="$grss" -v hs="$hsecs" -v hr="$hrss" 'BEGIN {
    printf "%-18s %7.1f s %9.0f rows/s  peak RSS %4d MiB\n", "ogr2ogr -f GPKG", gs, n / gs, gr
    printf "%-18s %7.1f s %9.0f rows/s  peak RSS %4d MiB\n", "harmattan import", hs, n / hs, hr
    printf "harmattan import is %.2fx as fast as ogr2ogr\n", gs / hs
  }'
}
compare "each on the whole machine (2 cores)"
compare "each pinned to one core" taskset -c 0
