// The share panel (contract: button#hm-share opens #hm-share-panel with one
// textarea[data-snippet=KEY] per snippet). Each snippet is used the way a reader would: pasted
// into an empty page on another origin, or its URLs asked for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PHONE, SUITE, T, assertTapTargets, drawsFeatures, getJSON, harness, openMap, screenshot, until, waitLoaded, withPage
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

  it('maplibre snippet: its style URL is a version 8 style whose sources answer', T, async () => {
    await withPage(h, 'share maplibre', async ({ page }) => {
      const code = await snippet(h, page, 'maplibre');
      const url = urls(code).find((u) => /\/styles\/[^/]+\.json(\?|$)/.test(u));
      assert.ok(url && url.startsWith(`${h.origin}/styles/`), `the snippet names ${h.origin}/styles/{name}.json`);
      const style = await getJSON(url);
      assert.equal(style.version, 8, 'style version 8');
      assert.ok(style.sources && Object.keys(style.sources).length > 0, 'the style has sources');
      assert.ok(Array.isArray(style.layers) && style.layers.length > 0, 'the style has layers');
      for (const [name, src] of Object.entries(style.sources)) {
        if (src.url) assert.equal((await fetch(src.url)).status, 200, `source ${name}: GET ${src.url}`);
        for (const t of src.tiles || []) await assertTile(t, `source ${name}`);
      }
    });
  });

  it('openlayers snippet: its tile URL template answers for a tile over Mali', T, async () => {
    await withPage(h, 'share openlayers', async ({ page }) => {
      const code = await snippet(h, page, 'openlayers');
      const template = urls(code).find((u) => u.includes('{z}'));
      assert.ok(template, 'the snippet has a {z}/{x}/{y} URL');
      await assertTile(template, 'openlayers');
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
