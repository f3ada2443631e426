# Sourced by the bench scripts, from the repository root, with n set to the incident count:
# makes the reference workload of shared/bench into a GeoPackage once and reuses it after.
# Sets shared (the shared/ directory), out (bench/out) and db (bench/out/reference-$n.gpkg).
# Needs python3 and ogr2ogr (gdal-bin) the first time.
shared=${HARMATTAN_SHARED:-../shared}
out=bench/out
mkdir -p "$out"
db=$out/reference-$n.gpkg
if [ ! -f "$db" ]; then
  echo "generating $n incidents (synthetic, gen_data.py) and loading them with ogr2ogr..." >&2
  python3 "$shared/bench/gen_data.py" -n "$n" -o "$out/src-$n"
  tmp=$out/reference-$n.partial.gpkg # renamed when complete
  rm -f "$tmp"
  ogr2ogr -f GPKG "$tmp" "$out/src-$n/incidents.geojson" -nln incidents
  ogr2ogr -update "$tmp" "$out/src-$n/bases.geojson" -nln bases
  ogr2ogr -update "$tmp" "$out/src-$n/regions.geojson" -nln regions
  mv "$tmp" "$db"
fi
