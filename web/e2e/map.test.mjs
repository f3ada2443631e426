// The map page as it is: loads cleanly, draws the three layers, the layers control hides and
// shows them, popups link to sources, and the controls fit a phone screen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PHONE, SUITE, T, TITLES, assertLayout, assertTapTargets, canvasAlpha, controlBoxes, count, getJSON, harness,
  openMap, overlay, pagePoint, screenshot, setOverlay, setView, until, withPage
} from './browser.mjs';

// The incidents the map should show now: all of them, or those of the time slider's interval
// once the page has one (#hm-time, see time.test.mjs).
async function shownIncidents(h, page) {
  const interval = await page.evaluate(() => {
    const t = document.querySelector('#hm-time');
    return t && t.dataset.from && t.dataset.to ? `${t.dataset.from}/${t.dataset.to}` : null;
  });
  const q = interval ? `&datetime=${interval}` : '';
  return (await getJSON(`${h.origin}/collections/incidents/items?limit=10000${q}`)).features;
}

function latLng(f) {
  return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
}

// The incidents drawn solid (precision 1: fill opacity 0.85, so the centre pixel is opaque)
// that lie farthest from every other incident and base, most isolated first: zoomed in on one,
// nothing else can be drawn or clicked there, and no clustering can group it with another.
function isolated(incidents, bases, n) {
  const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const points = [...incidents, ...bases].filter((f) => f.geometry && f.geometry.type === 'Point');
  return incidents
    .filter((f) => f.geometry && f.geometry.type === 'Point' && Number(f.properties.geo_precision) === 1)
    .map((f) => ({ f, d: Math.min(...points.filter((g) => g !== f).map((g) => dist(latLng(f), latLng(g)))) }))
    .sort((a, b) => b.d - a.d)
    .slice(0, n)
    .map((x) => x.f);
}

async function isolatedIncidents(h, page, n) {
  const bases = (await getJSON(`${h.origin}/collections/bases/items?limit=10000`)).features;
  return isolated(await shownIncidents(h, page), bases, n);
}

// alphaUntil waits until test(alpha) holds for the canvas pixel at [lat, lng].
async function alphaUntil(page, ll, test, what) {
  let last;
  try {
    await until(async () => {
      [last] = await canvasAlpha(page, [ll]);
      return last !== null && test(last);
    }, () => `${what} at ${ll} (canvas alpha ${last})`);
  } catch (err) {
    const state = await page.evaluate(() => ({
      zoom: window.__e2eMap().getZoom(),
      center: window.__e2eMap().getCenter(),
      incidents: window.harmattan && window.harmattan.count ? window.harmattan.count('incidents') : 'no hook',
      canvases: document.querySelectorAll('#map canvas').length
    })).catch(() => null);
    err.message += `\nmap: ${JSON.stringify(state)}`;
    throw err;
  }
  return last;
}

describe('map page', SUITE, () => {
  const h = harness();

  it('loads with no console errors and no failed requests to the server', T, async () => {
    await withPage(h, 'map loads', async ({ page, watch }) => {
      await openMap(h, page);
      assert.deepEqual(watch.blocked, [], 'the default map (offline outline) asks no other host for anything');
      const labels = await page.$$eval('.leaflet-control-layers-overlays label', (ls) => ls.map((l) => l.textContent.trim()));
      for (const title of Object.values(TITLES)) {
        assert.ok(labels.some((l) => l.includes(title)), `layers control lists "${title}" (has ${JSON.stringify(labels)})`);
      }
      const status = await page.$$eval('.hm-status.error', (ns) => ns.filter((n) => !n.hidden).map((n) => n.textContent));
      assert.deepEqual(status, [], 'no error in the status line');
      await screenshot(page, 'map-desktop-1280x800.png');
    });
  });

  it('switches to the OpenStreetMap base layer without breaking, offline', T, async () => {
    await withPage(h, 'map osm offline', async ({ page, watch }) => {
      await openMap(h, page);
      await page.locator('.leaflet-control-layers-base label', { hasText: 'OpenStreetMap' }).locator('input').check();
      await until(() => watch.blocked.length > 0, 'OpenStreetMap tiles to be asked for (and blocked by the test)');
      const hosts = [...new Set(watch.blocked.map((u) => new URL(u).hostname))];
      assert.deepEqual(hosts, ['tile.openstreetmap.org'], 'only OpenStreetMap tiles come from another host');
      await page.locator('.leaflet-control-layers-base label', { hasText: 'Outline' }).locator('input').check();
    });
  });

  it('draws incidents, bases and regions (window.harmattan.count)', T, async () => {
    await withPage(h, 'map counts', async ({ page }) => {
      await openMap(h, page);
      const incidents = await shownIncidents(h, page);
      assert.equal(await count(page, 'incidents'), incidents.length, 'count(incidents) = incidents the API has for the shown interval');
      for (const id of ['bases', 'regions']) {
        const fc = await getJSON(`${h.origin}/collections/${id}/items?limit=1`);
        assert.ok(fc.numberMatched > 0, `${id} has features`);
        assert.equal(await count(page, id), fc.numberMatched, `count(${id}) = numberMatched of the API`);
      }
    });
  });

  it('draws incidents on the map canvas, and hides them with the layers control (pixels, no hook)', T, async () => {
    await withPage(h, 'map pixels', async ({ page }) => {
      await openMap(h, page);
      const spots = await isolatedIncidents(h, page, 3);
      assert.equal(spots.length, 3, 'three solid incidents to look at');
      // Zoomed in on each: an opaque pixel at its centre, gone with the layer, back with it.
      for (const f of spots) {
        const ll = latLng(f);
        await setView(page, ll[0], ll[1], 9);
        await alphaUntil(page, ll, (a) => a > 150, 'an opaque incident pixel');
        await setOverlay(page, TITLES.incidents, false);
        // What may be left there is a region's 5 % fill.
        await alphaUntil(page, ll, (a) => a < 100, 'the incident gone once its layer is unchecked');
        await setOverlay(page, TITLES.incidents, true);
        await alphaUntil(page, ll, (a) => a > 150, 'the incident back once re-checked');
      }
    });
  });

  it('hides each layer from the layers control and shows it again (count)', T, async () => {
    await withPage(h, 'map toggle', async ({ page }) => {
      await openMap(h, page);
      for (const [id, title] of Object.entries(TITLES)) {
        const before = await count(page, id);
        assert.ok(before > 0, `${id} drawn before toggling (${before})`);
        await setOverlay(page, title, false);
        await until(async () => (await count(page, id)) === 0, `count(${id}) = 0 after unchecking "${title}"`);
        await setOverlay(page, title, true);
        await until(async () => (await count(page, id)) === before, `count(${id}) = ${before} after re-checking`);
      }
    });
  });

  it('opens an incident popup with a source link that opens safely', T, async () => {
    await withPage(h, 'map popup', async ({ page }) => {
      await openMap(h, page);
      // The incident farthest from every base and every other incident: a click there can
      // only hit it.
      const [target] = await isolatedIncidents(h, page, 1);
      assert.ok(target && /^https?:/.test(target.properties.source_url || ''), 'an isolated incident with a source_url');
      const [lat, lng] = latLng(target);
      await setView(page, lat, lng, 9);
      const p = await pagePoint(page, lat, lng);
      assert.ok(p.inside, 'the incident is inside the map');
      await page.mouse.click(p.x, p.y);
      const a = page.locator('.leaflet-popup-content a[href^="http"]').first();
      await a.waitFor({ state: 'visible' });
      const rel = (await a.getAttribute('rel')) || '';
      assert.ok(rel.split(/\s+/).includes('noopener'), `the source link's rel "${rel}" includes noopener`);
      assert.equal(await a.getAttribute('href'), new URL(target.properties.source_url).href, 'links to the source_url of the clicked incident');
    });
  });

  it('names the most cited sources of the drawn features in the attribution, and follows the layers', T, async () => {
    await withPage(h, 'map attribution', async ({ page }) => {
      await openMap(h, page);
      const attribution = page.locator('.leaflet-control-attribution');
      let last = '';
      const text = async () => (last = await attribution.innerText());
      // Every layer on: more outlets than fit, so "and N more".
      await until(async () => /Sources: .+ and \d+ more/.test(await text()), () => `"Sources: … and N more" in "${last}"`);
      // Only the regions left: they cite Wikipedia and Natural Earth, and nothing more.
      await setOverlay(page, TITLES.incidents, false);
      await setOverlay(page, TITLES.bases, false);
      await until(async () => /Sources: (Natural Earth, Wikipedia|Wikipedia, Natural Earth)(?! and)/.test(await text()),
        () => `only the regions' sources in "${last}"`);
    });
  });

  it('at 390x844 the controls fit the screen without overlapping, and the collapsed layers control works', T, async () => {
    await withPage(h, 'map phone layout', PHONE, async ({ page }) => {
      await openMap(h, page);
      await screenshot(page, 'map-390x844.png');
      const boxes = await controlBoxes(page, ['#hm-time', '#hm-share']);
      assert.ok(boxes.some((b) => b.name.includes('leaflet-control-layers')), 'the layers control is shown');
      assertLayout(boxes, PHONE.viewport);

      // The layers control is collapsed to a button on phones: tap it, then toggle incidents.
      const expanded = await page.locator('.leaflet-control-layers').evaluate((e) => e.classList.contains('leaflet-control-layers-expanded'));
      assert.equal(expanded, false, 'the layers control starts collapsed on a phone');
      await page.locator('.leaflet-control-layers-toggle').tap();
      await page.waitForSelector('.leaflet-control-layers-expanded');
      const [f] = await isolatedIncidents(h, page, 1);
      const ll = latLng(f);
      const box = await overlay(page, TITLES.incidents);
      await box.tap();
      assert.equal(await box.isChecked(), false, 'a tap unchecks the incidents');
      await setView(page, ll[0], ll[1], 9);
      await alphaUntil(page, ll, (a) => a < 100, 'no incident drawn while unchecked');
      await overlay(page, TITLES.incidents).then((b) => b.tap());
      await alphaUntil(page, ll, (a) => a > 150, 'the incident drawn after tapping its entry again');
    });
  });

  it('at 390x844 the main buttons are at least 40x40 CSS px', T, async () => {
    await withPage(h, 'map phone tap targets', PHONE, async ({ page }) => {
      await openMap(h, page);
      await assertTapTargets(page, [
        '.leaflet-control-layers-toggle',
        '.leaflet-control-zoom-in',
        '.leaflet-control-zoom-out',
        '#hm-panel-toggle'
      ]);
    });
  });
});
