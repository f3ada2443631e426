// URL state (contract: the hash is #map=Z/LAT/LON&layers=a,b&from=YYYY-MM-DD&to=YYYY-MM-DD
// &type=...&actor=..., layers being the visible overlays' collection ids): a link to the page
// reopens the same view, layers, interval and filters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SUITE, T, TITLES, count, harness, mapView, openMap, overlayStates, setOverlay, setView, until, waitLoaded,
  withPage
} from './browser.mjs';
import { expected, incidentMonths, monthsBetween, requireTime, setMonths, timeState } from './contract.mjs';

function hashParams(href) {
  const hash = new URL(href).hash.replace(/^#/, '');
  return new URLSearchParams(hash);
}

describe('URL state', SUITE, () => {
  const h = harness();

  it('a copied URL reopens the same view, layers, interval and filters in a new page', T, async () => {
    await withPage(h, 'url state', async ({ page, newPage }) => {
      await openMap(h, page);
      await requireTime(page);
      await setView(page, 14.35, -3.2, 7);
      await setOverlay(page, TITLES.bases, false);
      const m = await incidentMonths(h);
      await setMonths(page, monthsBetween(m.first, '2013-01'), monthsBetween(m.first, '2020-12'));
      await page.selectOption('#hm-type', 'Battles');
      await page.fill('#hm-actor', 'FAMa');

      const href = await until(async () => {
        const href = await page.evaluate(() => location.href);
        const p = hashParams(href);
        const layers = (p.get('layers') || '').split(',').filter(Boolean).sort();
        return p.get('map') && p.get('map').startsWith('7/') && layers.join() === 'incidents,regions' &&
          p.get('from') === '2013-01-01' && p.get('to') === '2020-12-31' && p.get('type') === 'Battles' &&
          p.get('actor') === 'FAMa' && href;
      }, 'the hash to hold map=7/…, layers=incidents,regions, from, to, type and actor');
      assert.match(new URL(href).hash, /^#map=\d+(\.\d+)?\/-?\d+(\.\d+)?\/-?\d+(\.\d+)?(&|$)/, 'the hash starts with map=Z/LAT/LON');

      // The hash changes at once; the count once the filtered incidents are in.
      const api = await expected(h, { from: '2013-01-01', to: '2020-12-31', type: 'Battles', actor: 'FAMa' });
      await until(async () => (await timeState(page)).count === api.count, `data-count ${api.count} (the API's) in the first page`);
      const want = {
        view: await mapView(page),
        overlays: await overlayStates(page),
        time: await timeState(page),
        type: await page.inputValue('#hm-type'),
        actor: await page.inputValue('#hm-actor')
      };
      assert.equal(want.overlays[Object.keys(want.overlays).find((k) => k.includes(TITLES.bases))], false, 'bases unchecked');

      // A new context: nothing but the URL carries the state over.
      const page2 = await newPage();
      await page2.goto(href);
      await waitLoaded(page2);
      await requireTime(page2);
      const got = {
        view: await mapView(page2),
        overlays: await overlayStates(page2),
        time: await until(async () => {
          const s = await timeState(page2);
          return s.count === want.time.count && s;
        }, `data-count ${want.time.count} in the new page`).catch(() => timeState(page2)),
        type: await page2.inputValue('#hm-type'),
        actor: await page2.inputValue('#hm-actor')
      };
      assert.equal(got.view.zoom, want.view.zoom, 'same zoom');
      assert.ok(Math.abs(got.view.lat - want.view.lat) < 1e-3 && Math.abs(got.view.lng - want.view.lng) < 1e-3,
        `same centre (${got.view.lat},${got.view.lng} vs ${want.view.lat},${want.view.lng})`);
      assert.deepEqual(got.overlays, want.overlays, 'same overlays checked');
      assert.deepEqual([got.time.fromValue, got.time.toValue], [want.time.fromValue, want.time.toValue], 'same slider values');
      assert.deepEqual([got.time.from, got.time.to], [want.time.from, want.time.to], 'same interval');
      assert.equal(got.type, want.type, 'same event type');
      assert.equal(got.actor, want.actor, 'same actor');
      assert.equal(got.time.count, want.time.count, 'same data-count');
      assert.equal(await count(page2, 'bases'), 0, 'bases not drawn');
      assert.equal(await count(page2, 'incidents'), want.time.count, 'the same incidents drawn');
    });
  });
});
