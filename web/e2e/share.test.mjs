// The share panel (contract: button#hm-share opens #hm-share-panel with one
// textarea[data-snippet=KEY] per snippet). Each snippet is used the way a reader would: pasted
// into an empty page on another origin, or its URLs asked for.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ARTIFACTS, PHONE, SUITE, T, assertTapTargets, drawsFeatures, getJSON, harness, openMap, screenshot, until, waitLoaded, withPage
} from './browser.mjs';

const KEYS = ['iframe', 'leaflet-geojson', 'leaflet-xyz', 'maplibre', 'openlayers', 'qgis-features', 'qgis-xyz'];

// A tile over Mali at zoom 5 (lon -4, lat 17).
const TILE = { z: 5, x: 15, y: 14 };

// openShare opens the panel and returns { key: snippet text }.
async function openShare(page) {
  const button = page.locator('#hm-share');
  try {
    await button.waitFor({ state: 'visible', timeout: 3000 });
  } catch {
    assert.fail('contract: no visible button#hm-share on the map page (share panel not there yet)');
  }
  await button.click();
  await page.locator('#hm-share-panel').waitFor({ state: 'visible' });
  const out = {};
  for (const key of KEYS) {
    const area = page.locator(`#hm-share-panel textarea[data-snippet="${key}"]`);
    assert.equal(await area.count(), 1, `#hm-share-panel has one textarea[data-snippet="${key}"]`);
    out[key] = await until(async () => (await area.inputValue()).trim(), `a ${key} snippet`);
  }
  return out;
}

async function snippet(h, page, key) {
  await openMap(h, page);
  return (await openShare(page))[key];
}

// URLs in a snippet (JS strings and HTML attributes alike).
function urls(text) {
  return [...text.matchAll(/https?:\/\/[^\s"'<>`]+/g)].map((m) => m[0].replace(/[),;]+$/, ''));
}

function tileURL(template) {
  return template.replace('{z}', TILE.z).replace('{x}', TILE.x).replace('{y}', TILE.y)
    .replace('{r}', '').replace('{s}', 'a');
}

// assertTile fetches one tile of an XYZ template: 200 with a body, or 204 (nothing there).
async function assertTile(template, what) {
  assert.match(template, /\{z\}.*\{x\}.*\{y\}/, `${what}: a {z}/{x}/{y} template`);
  const url = tileURL(template);
  const r = await fetch(url);
  const body = Buffer.from(await r.arrayBuffer());
  assert.ok(r.status === 200 || r.status === 204, `${what}: GET ${url} answers ${r.status}`);
  if (r.status === 200) assert.ok(body.length > 0, `${what}: the tile has a body`);
  return r;
}

function assertOurs(h, text, key) {
  const foreign = urls(text).filter((u) => !u.startsWith(h.origin) && !/(^|\.)openstreetmap\.org$/.test(new URL(u).hostname));
  assert.deepEqual(foreign, [], `the ${key} snippet loads everything from ${h.origin}`);
}

// snippetPage is the body of an empty page that loads a mapping library as its documentation
// says (from the other origin's /node_modules/, test-only devDependencies), has the
// <div id="map"> the snippet names, and then runs the snippet as it is. Each map the library
// makes is recorded in window.__e2eMaps (a subclass of its Map; the snippet keeps none), with
// flags for the events the tests wait for.
function snippetPage(code, lib) {
  assert.ok(!/<\/script/i.test(code), `the ${lib} snippet can go inside a <script>`);
  const div = '<div id="map" style="width:800px;height:500px"></div>';
  if (lib === 'maplibre') {
    // MapLibre GL JS 6 ships only an ES module: its README imports it in a module script.
    return `<link rel="stylesheet" href="/node_modules/maplibre-gl/dist/maplibre-gl.css">
${div}
<script type="module">
import * as lib from "/node_modules/maplibre-gl/dist/maplibre-gl.mjs";
window.__e2eMaps = [];
class Map extends lib.Map {
  constructor(options) {
    super(options);
    window.__e2eMaps.push(this);
    this.once("load", () => { this.__e2eLoaded = true; });
    this.on("idle", () => { if (this.__e2eLoaded) this.__e2eIdle = true; });
  }
}
window.maplibregl = { ...lib, Map };
</script>
<script type="module">
${code}
</script>`;
  }
  // OpenLayers' full build (dist/ol.js) defines the global ol.
  return `<link rel="stylesheet" href="/node_modules/ol/ol.css">
${div}
<script src="/node_modules/ol/dist/ol.js"></script>
<script>
window.__e2eMaps = [];
ol.Map = class extends ol.Map {
  constructor(options) {
    super(options);
    window.__e2eMaps.push(this);
    this.once("rendercomplete", () => { this.__e2eRendered = true; });
  }
};
</script>
<script>
${code}
</script>`;
}

// tileResponses records the answers to the page's requests for our tiles (/tiles/… whose URL
// matches re), its workers' included.
function tileResponses(h, page, re) {
  const seen = [];
  const ours = (u) => u.startsWith(`${h.origin}/tiles/`) && re.test(u);
  page.context().on('response', (res) => { if (ours(res.url())) seen.push({ url: res.url(), status: res.status() }); });
  page.context().on('requestfailed', (req) => {
    if (ours(req.url())) seen.push({ url: req.url(), status: req.failure()?.errorText || 'failed' });
  });
  return {
    all: () => seen,
    answered: () => seen.filter((t) => t.status === 200 || t.status === 204),
    // Tiles cancelled on purpose (net::ERR_ABORTED: scrolled away, superseded) are not failures.
    failed: () => seen.filter((t) => t.status !== 200 && t.status !== 204 && t.status !== 'net::ERR_ABORTED')
  };
}

describe('share panel', SUITE, () => {
  const h = harness();

  it('opens with the seven snippets, all pointing at this server', T, async () => {
    await withPage(h, 'share panel', async ({ page }) => {
      await openMap(h, page);
      const s = await openShare(page);
      for (const key of KEYS) assertOurs(h, s[key], key);
      await screenshot(page, 'share-panel.png');
    });
  });

  it('iframe snippet: pasted into a page on another origin, the embedded map loads', T, async () => {
    await withPage(h, 'share iframe', async ({ page }) => {
      const code = await snippet(h, page, 'iframe');
      assert.match(code, /<iframe\b[^>]*\ssrc="[^"]+"/, 'an <iframe src=…>');
      await page.goto(h.other.pageWithBody('iframe-snippet', code));
      const frame = await until(() => page.frames().find((f) => f.parentFrame() === page.mainFrame() && f.url().startsWith(h.origin)),
        `an iframe of ${h.origin}`);
      await waitLoaded(frame);
    });
  });

  it('leaflet-geojson snippet: pasted into an empty page on another origin, it draws features', T, async () => {
    await withPage(h, 'share leaflet geojson', async ({ page }) => {
      const code = await snippet(h, page, 'leaflet-geojson');
      await page.goto(h.other.pageWithBody('leaflet-geojson-snippet', code));
      await page.locator('.leaflet-container').first().waitFor({ state: 'attached' });
      await until(() => drawsFeatures(page), 'a drawn feature (an SVG path, a marker or canvas pixels)', { timeout: 15000 });
      await screenshot(page, 'snippet-leaflet-geojson.png');
    });
  });

  it('leaflet-xyz snippet: pasted into an empty page on another origin, tiles load from /tiles/', T, async () => {
    await withPage(h, 'share leaflet xyz', async ({ page }) => {
      const code = await snippet(h, page, 'leaflet-xyz');
      await page.goto(h.other.pageWithBody('leaflet-xyz-snippet', code));
      await page.locator('.leaflet-container').first().waitFor({ state: 'attached' });
      await until(() => page.evaluate((prefix) => [...document.querySelectorAll('img.leaflet-tile')]
        .some((img) => img.src.startsWith(prefix) && img.complete && img.naturalWidth > 0), `${h.origin}/tiles/`),
      `an img.leaflet-tile from ${h.origin}/tiles/ with naturalWidth > 0`, { timeout: 15000 });
      await screenshot(page, 'snippet-leaflet-xyz.png');
    });
  });

  it('maplibre snippet: pasted into an empty page on another origin with MapLibre GL JS, it draws our tiles', T, async () => {
    await withPage(h, 'share maplibre', async ({ page }) => {
      const code = await snippet(h, page, 'maplibre');
      const url = urls(code).find((u) => /\/styles\/[^/]+\.json(\?|$)/.test(u));
      assert.ok(url && url.startsWith(`${h.origin}/styles/`), `the snippet names ${h.origin}/styles/{name}.json`);
      const style = await getJSON(url);
      const ours = style.metadata && style.metadata['harmattan:collections'];
      assert.ok(Array.isArray(ours) && ours.length > 0, `${url} names its collections in metadata`);
      const tiles = tileResponses(h, page, /\.(mvt|pbf)(\?|$)/);
      await page.goto(h.other.pageWithBody('maplibre-snippet', snippetPage(code, 'maplibre')));
      // 'load', then 'idle': the style, its TileJSON and every tile in view are in and drawn.
      await until(() => page.evaluate(() => {
        const m = window.__e2eMaps[0];
        return !!(m && m.__e2eLoaded && m.__e2eIdle);
      }), 'the MapLibre map to fire load and idle', { timeout: 20000 });
      assert.ok(tiles.answered().length > 0, `MapLibre asked ${h.origin}/tiles/ for vector tiles: ${JSON.stringify(tiles.all())}`);
      assert.deepEqual(tiles.failed(), [], 'every vector tile answered 200 or 204');
      const drawn = await page.evaluate(() => {
        const m = window.__e2eMaps[0];
        const by = {};
        for (const f of m.queryRenderedFeatures()) {
          if (f.source === 'harmattan') by[f.sourceLayer] = (by[f.sourceLayer] || 0) + 1;
        }
        return by;
      });
      const shown = Object.keys(drawn).filter((id) => ours.includes(id));
      assert.ok(shown.length > 0, `queryRenderedFeatures() finds features of our source layers (${ours.join(', ')}): ${JSON.stringify(drawn)}`);
      await page.locator('#map').screenshot({ path: join(ARTIFACTS, 'snippet-maplibre.png') });
    });
  });

  it('openlayers snippet: pasted into an empty page on another origin with OpenLayers, it draws our tiles', T, async () => {
    await withPage(h, 'share openlayers', async ({ page }) => {
      const code = await snippet(h, page, 'openlayers');
      const template = urls(code).find((u) => u.includes('{z}'));
      assert.ok(template && template.startsWith(`${h.origin}/tiles/`), `the snippet has a ${h.origin}/tiles/{z}/{x}/{y} URL`);
      const tiles = tileResponses(h, page, /\.mvt(\?|$)/);
      await page.goto(h.other.pageWithBody('openlayers-snippet', snippetPage(code, 'openlayers')));
      await until(() => page.evaluate(() => !!(window.__e2eMaps[0] && window.__e2eMaps[0].__e2eRendered)),
        'the OpenLayers map to fire rendercomplete', { timeout: 20000 });
      assert.ok(tiles.answered().length > 0, `OpenLayers asked ${h.origin}/tiles/ for vector tiles: ${JSON.stringify(tiles.all())}`);
      assert.deepEqual(tiles.failed(), [], 'every vector tile answered 200 or 204');
      const seen = await page.evaluate(() => {
        const m = window.__e2eMaps[0];
        const layer = m.getLayers().item(0);
        const features = layer.getFeaturesInExtent(m.getView().calculateExtent(m.getSize()));
        const by = {};
        for (const f of features) by[f.get('layer')] = (by[f.get('layer')] || 0) + 1;
        // Pixels of the map's canvases that something was drawn on (the map has no background).
        let painted = 0;
        for (const c of m.getViewport().querySelectorAll('canvas')) {
          if (!c.width || !c.height) continue;
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < d.length; i += 4) if (d[i]) painted++;
        }
        return { features: features.length, by, painted };
      });
      assert.ok(seen.features > 0, `the vector tile layer has features in view: ${JSON.stringify(seen)}`);
      assert.ok(seen.painted > 0, `the map's canvas has drawn pixels: ${JSON.stringify(seen)}`);
      await page.locator('#map').screenshot({ path: join(ARTIFACTS, 'snippet-openlayers.png') });
    });
  });

  it('qgis snippets: the features URL answers /collections, the XYZ URL a tile', T, async () => {
    await withPage(h, 'share qgis', async ({ page }) => {
      await openMap(h, page);
      const s = await openShare(page);
      const base = urls(s['qgis-features'])[0];
      assert.ok(base && base.startsWith(h.origin), `a URL of this server: ${s['qgis-features']}`);
      const u = new URL(base);
      const collections = /\/collections\/?$/.test(u.pathname) ? base : `${base.replace(/\/$/, '')}/collections`;
      const doc = await getJSON(collections);
      assert.ok(Array.isArray(doc.collections) && doc.collections.some((c) => c.id === 'incidents'),
        `GET ${collections} lists the collections`);
      const template = urls(s['qgis-xyz'])[0] || urls(decodeURIComponent(s['qgis-xyz']))[0];
      assert.ok(template, `an XYZ URL: ${s['qgis-xyz']}`);
      await assertTile(template, 'qgis-xyz');
    });
  });

  it('at 390x844 the share button is a 40x40 target and its panel fits the screen', T, async () => {
    await withPage(h, 'share phone', PHONE, async ({ page }) => {
      await openMap(h, page);
      await assertTapTargets(page, ['#hm-share']);
      await openShare(page);
      const r = await page.locator('#hm-share-panel').boundingBox();
      assert.ok(r.x >= 0 && r.x + r.width <= PHONE.viewport.width + 0.5, `the panel fits the width: ${JSON.stringify(r)}`);
      await page.locator('#hm-share-panel textarea[data-snippet="iframe"]').scrollIntoViewIfNeeded();
      assert.ok(await page.locator('#hm-share-panel textarea[data-snippet="iframe"]').isVisible(), 'the iframe snippet can be seen');
      await screenshot(page, 'share-panel-390x844.png');
    });
  });
});
