// Hostile data (issue 7): a layer whose title, property names and values are HTML and script.
// The map, its popups, legend and attribution, the HTML items page, the embed page and the
// share panel's pasted snippet show them as text, and nothing in them runs: window.__pwned, which every payload
// sets, stays undefined, and no dialog opens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SUITE, T, count, drawsFeatures, harness, openMap, pagePoint, screenshot, setView, until, waitLoaded, withPage
} from './browser.mjs';

const P = {
  title: 'Hostile <img src=x onerror="window.__pwned=1;alert(1)">',
  name: '<img src=x onerror="window.__pwned=1;alert(1)">',
  script: '<script>window.__pwned=1;alert(1)</script>',
  attr: '"><svg onload="window.__pwned=1;alert(1)">',
  // The attribution names a source by its words before the first digit or bracket: all of
  // this, so that it would be markup there if it were not escaped.
  source: '<img src=x onerror=window.__pwned=true> 2020-01-01',
  sourceName: '<img src=x onerror=window.__pwned=true>',
  url: 'javascript:window.__pwned=1',
  key: 'note"><img src=x onerror=window.__pwned=1>'
};

// One point, alone in the middle of Mali (lat 17, lon -4).
const AT = [17, -4];
const HOSTILE = {
  type: 'FeatureCollection',
  features: [{
    type: 'Feature',
    id: 1,
    geometry: { type: 'Point', coordinates: [AT[1], AT[0]] },
    properties: {
      name: P.name, event_type: P.script, operator: P.attr, fatalities: 1,
      source: P.source, source_url: P.url, [P.key]: P.script
    }
  }]
};

// watchDialogs records the dialogs (alert, confirm, prompt) that page opens, and closes them.
function watchDialogs(page) {
  const seen = [];
  page.on('dialog', (d) => {
    seen.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return seen;
}

// assertNothingRan checks that no payload ran in target (a page or frame) and that none of it
// became markup: no element carries an event handler attribute, and no image points at "x".
async function assertNothingRan(target, dialogs, where) {
  const state = await target.evaluate(() => ({
    pwned: typeof window.__pwned,
    handlers: [...document.querySelectorAll('*')].flatMap((n) =>
      [...n.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${n.tagName.toLowerCase()} ${a.name}>`)),
    images: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length
  }));
  assert.equal(state.pwned, 'undefined', `${where}: window.__pwned was set by a payload`);
  assert.deepEqual(state.handlers, [], `${where}: event handler attributes from the data`);
  assert.equal(state.images, 0, `${where}: an <img src=x> from the data`);
  assert.deepEqual(dialogs, [], `${where}: a payload opened a dialog`);
}

// openPopupAt clicks the map at [lat, lng] and returns the popup's text.
async function openPopupAt(page, lat, lng) {
  const p = await pagePoint(page, lat, lng);
  assert.ok(p.inside, `[${lat}, ${lng}] is inside the map`);
  await page.mouse.click(p.x, p.y);
  const popup = page.locator('.leaflet-popup-content');
  await popup.waitFor({ state: 'visible' });
  // Faded in: done before a screenshot.
  await until(() => page.locator('.leaflet-popup').evaluate((n) => getComputedStyle(n).opacity === '1'), 'the popup faded in');
  return popup.innerText();
}

describe('hostile data', SUITE, () => {
  const h = harness({ layers: [{ layer: 'hostile', title: P.title, geojson: HOSTILE }] });

  it('map: the layer name, legend, attribution and popup show the payloads as text, and none runs', T, async () => {
    await withPage(h, 'hostile map', async ({ page }) => {
      const dialogs = watchDialogs(page);
      await openMap(h, page, '/#layers=hostile');
      assert.equal(await count(page, 'hostile'), 1, 'the hostile feature is drawn');

      const label = await page.locator('.leaflet-control-layers-overlays label', { hasText: 'Hostile' }).innerText();
      assert.equal(label.trim(), P.title, 'the layers control shows the title as text');
      const row = await page.locator('.data-row .data-title', { hasText: 'Hostile' }).innerText();
      assert.equal(row.trim(), P.title, 'the data panel shows the title as text');
      const attribution = page.locator('.leaflet-control-attribution');
      await until(async () => (await attribution.innerText()).includes(`Sources: ${P.sourceName}`),
        'the source named as text in the attribution');

      await setView(page, AT[0], AT[1], 9);
      const text = await openPopupAt(page, AT[0], AT[1]);
      for (const s of [P.name, P.script, P.attr, P.source, P.url]) {
        assert.ok(text.includes(s), `the popup shows ${JSON.stringify(s)} as text:\n${text}`);
      }
      const keys = await page.$$eval('.leaflet-popup-content th', (ths) => ths.map((th) => th.title));
      assert.ok(keys.includes(P.key), `the popup names the property ${JSON.stringify(P.key)}: ${JSON.stringify(keys)}`);
      assert.equal(await page.locator('.leaflet-popup-content a[href^="javascript"]').count(), 0, 'no javascript: link');
      await assertNothingRan(page, dialogs, 'map');
      await screenshot(page, 'hostile-map-popup.png');
    });
  });

  it('items page (f=html): the title and values show as text, styled by its own style sheet', T, async () => {
    await withPage(h, 'hostile items html', async ({ page }) => {
      const dialogs = watchDialogs(page);
      await page.goto(`${h.origin}/collections/hostile/items?f=html`);
      assert.equal((await page.locator('h1').innerText()).trim(), P.title, 'the heading shows the title as text');
      const cells = await page.$$eval('td', (tds) => tds.map((td) => td.textContent));
      for (const s of [P.name, P.script, P.attr, P.source, P.url]) {
        assert.ok(cells.includes(s), `a cell shows ${JSON.stringify(s)} as text: ${JSON.stringify(cells)}`);
      }
      const headers = await page.$$eval('th', (ths) => ths.map((th) => th.textContent));
      assert.ok(headers.includes(P.key), `a column is named ${JSON.stringify(P.key)}: ${JSON.stringify(headers)}`);
      // static/pages.css (no inline style under the page's policy) sets the page's width.
      const width = await page.evaluate(() => getComputedStyle(document.body).maxWidth);
      assert.notEqual(width, 'none', 'static/pages.css applies');
      await assertNothingRan(page, dialogs, 'items page');
      await screenshot(page, 'hostile-items-html.png');
    });
  });

  it('embed: the attribution and popup show the payloads as text, and none runs', T, async () => {
    await withPage(h, 'hostile embed', { viewport: { width: 800, height: 500 } }, async ({ page }) => {
      const dialogs = watchDialogs(page);
      await page.goto(`${h.origin}/embed?layers=hostile`);
      await waitLoaded(page);
      await until(() => drawsFeatures(page), 'the hostile feature drawn');
      const sources = await page.locator('.hm-embed-sources').innerText();
      assert.ok(sources.includes(`Sources: ${P.sourceName}`), `the embed names the source as text: ${JSON.stringify(sources)}`);

      const text = await openPopupAt(page, AT[0], AT[1]);
      for (const s of [P.name, P.script, P.attr, P.source]) {
        assert.ok(text.includes(s), `the popup shows ${JSON.stringify(s)} as text:\n${text}`);
      }
      assert.equal(await page.locator('.leaflet-popup-content a[href^="javascript"]').count(), 0, 'no javascript: link');
      await assertNothingRan(page, dialogs, 'embed');
      await screenshot(page, 'hostile-embed-popup.png');
    });
  });

  it('share panel: the Leaflet snippet, pasted into a page without a CSP, shows the source as text', T, async () => {
    await withPage(h, 'hostile snippet', async ({ page }) => {
      const dialogs = watchDialogs(page);
      await openMap(h, page, '/#map=9/17/-4&layers=hostile');
      await page.locator('#hm-share').click();
      const area = page.locator('#hm-share-panel textarea[data-snippet="leaflet-geojson"]');
      const code = await until(async () => (await area.inputValue()).trim(), 'the leaflet-geojson snippet');
      assert.match(code, /collections\/hostile\/items/, 'the snippet loads the hostile layer');
      await assertNothingRan(page, dialogs, 'map with the share panel');

      // The other origin sends no Content-Security-Policy: only the snippet's own care stops
      // a payload there.
      await page.goto(h.other.pageWithBody('hostile-snippet', code));
      await page.locator('.leaflet-container').first().waitFor({ state: 'attached' });
      await until(() => drawsFeatures(page), 'the hostile feature drawn by the snippet', { timeout: 15000 });
      const text = await openPopupAt(page, AT[0], AT[1]);
      assert.equal(text.trim(), P.source, 'the snippet\'s popup shows the source as text');
      await assertNothingRan(page, dialogs, 'pasted snippet');
      await screenshot(page, 'hostile-snippet-popup.png');
    });
  });
});
