// Copies the pinned front-end dependencies from node_modules into static/vendor/
// so that the Go binary can embed them and the map works with no internet.
//
//   npm ci && npm run vendor      (CI then checks `git diff --exit-code`)
//
// Output is deterministic: the same lock file always gives the same bytes.
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const topojson = require('topojson-client');

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(webDir, 'node_modules');
const vendorDir = join(webDir, 'static', 'vendor');

// Area of interest: Mali and its neighbours (lon/lat degrees).
const AOI = { minX: -20, minY: 2, maxX: 16, maxY: 30 };
const DECIMALS = 3;

// --- Leaflet -------------------------------------------------------------
function vendorLeaflet() {
  const src = join(modules, 'leaflet', 'dist');
  const dst = join(vendorDir, 'leaflet');
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(join(dst, 'images'), { recursive: true });
  copyFileSync(join(src, 'leaflet.js'), join(dst, 'leaflet.js'));
  copyFileSync(join(src, 'leaflet.css'), join(dst, 'leaflet.css'));
  copyFileSync(join(modules, 'leaflet', 'LICENSE'), join(dst, 'LICENSE'));
  const images = readdirSync(join(src, 'images')).sort();
  for (const name of images) {
    copyFileSync(join(src, 'images', name), join(dst, 'images', name));
  }
  const version = JSON.parse(readFileSync(join(modules, 'leaflet', 'package.json'), 'utf8')).version;
  console.log(`leaflet ${version}: leaflet.js, leaflet.css, LICENSE, images/{${images.join(',')}}`);
}

// --- Leaflet.markercluster (clusters the incidents of small layers) -------
function vendorMarkerCluster() {
  const pkg = join(modules, 'leaflet.markercluster');
  const dst = join(vendorDir, 'leaflet.markercluster');
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dst, { recursive: true });
  const files = ['leaflet.markercluster.js', 'MarkerCluster.css', 'MarkerCluster.Default.css'];
  for (const name of files) copyFileSync(join(pkg, 'dist', name), join(dst, name));
  copyFileSync(join(pkg, 'MIT-LICENCE.txt'), join(dst, 'LICENSE'));
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  console.log(`leaflet.markercluster ${version}: ${files.join(', ')}, LICENSE`);
}

// --- Country outlines ----------------------------------------------------
function pointInBox([x, y]) {
  return x >= AOI.minX && x <= AOI.maxX && y >= AOI.minY && y <= AOI.maxY;
}

// Ray-casting point-in-ring test.
function pointInRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function pointInPolygon(p, rings) {
  if (!pointInRing(p, rings[0])) return false;
  for (let k = 1; k < rings.length; k++) if (pointInRing(p, rings[k])) return false;
  return true;
}

function cross(o, a, b) {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function segmentsIntersect(p1, p2, p3, p4) {
  const d1 = cross(p3, p4, p1);
  const d2 = cross(p3, p4, p2);
  const d3 = cross(p1, p2, p3);
  const d4 = cross(p1, p2, p4);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

const BOX_CORNERS = [
  [AOI.minX, AOI.minY], [AOI.maxX, AOI.minY], [AOI.maxX, AOI.maxY], [AOI.minX, AOI.maxY],
];
const BOX_EDGES = BOX_CORNERS.map((c, i) => [c, BOX_CORNERS[(i + 1) % 4]]);

// True when the polygon (array of rings) and the AOI rectangle intersect.
function polygonIntersectsBox(rings) {
  for (const ring of rings) for (const p of ring) if (pointInBox(p)) return true;
  for (const c of BOX_CORNERS) if (pointInPolygon(c, rings)) return true;
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) {
      for (const [a, b] of BOX_EDGES) if (segmentsIntersect(ring[i - 1], ring[i], a, b)) return true;
    }
  }
  return false;
}

function geometryPolygons(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

const factor = 10 ** DECIMALS;
function round(v) {
  const r = Math.round(v * factor) / factor;
  return Object.is(r, -0) ? 0 : r;
}

// Rounds a ring and drops consecutive duplicate points created by rounding.
// Returns null if the ring collapses below a valid closed ring (4 positions).
function roundRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (first && (first[0] !== last[0] || first[1] !== last[1])) out.push([first[0], first[1]]);
  return out.length >= 4 ? out : null;
}

function roundPolygon(rings) {
  const outer = roundRing(rings[0]);
  if (!outer) return null;
  const holes = rings.slice(1).map(roundRing).filter(Boolean);
  return [outer, ...holes];
}

function vendorCountries() {
  const topology = JSON.parse(readFileSync(join(modules, 'world-atlas', 'countries-50m.json'), 'utf8'));
  const collection = topojson.feature(topology, topology.objects.countries);
  const features = [];
  for (const f of collection.features) {
    const polygons = geometryPolygons(f.geometry);
    if (!polygons.some(polygonIntersectsBox)) continue;
    const rounded = polygons.map(roundPolygon).filter(Boolean);
    if (rounded.length === 0) continue;
    const geometry = rounded.length === 1
      ? { type: 'Polygon', coordinates: rounded[0] }
      : { type: 'MultiPolygon', coordinates: rounded };
    features.push({ type: 'Feature', properties: { name: String(f.properties.name) }, geometry });
  }
  features.sort((a, b) => (a.properties.name < b.properties.name ? -1 : a.properties.name > b.properties.name ? 1 : 0));
  const out = { type: 'FeatureCollection', features };
  const text = JSON.stringify(out) + '\n';
  writeFileSync(join(vendorDir, 'countries.geojson'), text);
  console.log(`countries.geojson: ${features.length} countries, ${text.length} bytes: ${features.map((f) => f.properties.name).join(', ')}`);
}

mkdirSync(vendorDir, { recursive: true });
vendorLeaflet();
vendorMarkerCluster();
vendorCountries();
