// Decodes a Mapbox Vector Tile with @mapbox/vector-tile, the parser MapLibre and
// Leaflet.VectorGrid use, and prints what a client sees as JSON:
//   node scripts/decode-mvt.mjs TILE_FILE Z X Y
// {layers: {name: {version, extent, features: [{id, type, properties, geometry (GeoJSON, lon/lat)}]}}}
import { readFileSync } from 'node:fs';
import { PbfReader } from 'pbf';
import { VectorTile } from '@mapbox/vector-tile';

const [file, z, x, y] = process.argv.slice(2);
const tile = new VectorTile(new PbfReader(readFileSync(file)));
const out = { layers: {} };
for (const [name, layer] of Object.entries(tile.layers)) {
  const features = [];
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i);
    features.push({ id: f.id, type: f.type, properties: f.properties, geometry: f.toGeoJSON(+x, +y, +z).geometry });
  }
  out.layers[name] = { version: layer.version, extent: layer.extent, features };
}
process.stdout.write(JSON.stringify(out));
