// The time slider, the play button and the incident filters (contract: #hm-time with
// input#hm-from/#hm-to as month indexes from the incidents' first month, labels
// #hm-from-label/#hm-to-label, button#hm-play, data-from/data-to as YYYY-MM-DD; #hm-count
// with data-count and data-fatalities; select#hm-type, input#hm-actor). Each count must agree
// with what the API answers for the same interval and filters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PHONE, SUITE, T, assertLayout, assertTapTargets, controlBoxes, count, harness, openMap, screenshot, until,
  withPage
} from './browser.mjs';
import {
  addMonths, expected, incidentMonths, lastDay, monthsBetween, requireTime, setMonths, timeState
} from './contract.mjs';

// waitCount waits until #hm-count shows want.count and checks it against the drawn features.
async function waitCount(page, want, what) {
  const s = await until(async () => {
    const s = await timeState(page);
    return s.count === want.count && s;
  }, `#hm-count[data-count=${want.count}] (${what})`);
  assert.equal(await count(page, 'incidents'), s.count, `window.harmattan.count('incidents') = data-count (${what})`);
  assert.equal(s.fatalities, want.fatalities, `data-fatalities = the fatalities of those incidents (${what})`);
  return s;
}

describe('time slider and filters', SUITE, () => {
  const h = harness();

  it('window.harmattan exposes the Leaflet map and count()', T, async () => {
    await withPage(h, 'time hook', async ({ page }) => {
      await openMap(h, page);
      const hook = await page.evaluate(() => ({
        has: !!window.harmattan,
        count: typeof (window.harmattan && window.harmattan.count),
        sameMap: !!(window.harmattan && window.harmattan.map && window.harmattan.map === window.__e2eMaps[0]),
        container: !!(window.harmattan && window.harmattan.map && window.harmattan.map.getContainer() === document.getElementById('map'))
      }));
      assert.ok(hook.has, 'window.harmattan missing');
      assert.equal(hook.count, 'function', 'window.harmattan.count is a function');
      assert.ok(hook.sameMap && hook.container, 'window.harmattan.map is the Leaflet map in #map');
    });
  });

  it('spans the incidents\' months, with labels and data-from/data-to to match', T, async () => {
    await withPage(h, 'time extent', async ({ page }) => {
      await openMap(h, page);
      await requireTime(page);
      const m = await incidentMonths(h);
      const s = await timeState(page);
      assert.deepEqual(s.min, [0, 0], 'both ranges start at month index 0');
      assert.deepEqual(s.max, [m.n - 1, m.n - 1], `both ranges end at index ${m.n - 1} (${m.first} … ${m.last})`);
      const a = addMonths(m.first, s.fromValue);
      const b = addMonths(m.first, s.toValue);
      assert.equal(s.fromLabel, a, '#hm-from-label is the from month');
      assert.equal(s.toLabel, b, '#hm-to-label is the to month');
      assert.equal(s.from, `${a}-01`, 'data-from is the first day of the from month');
      assert.equal(s.to, lastDay(b), 'data-to is the last day of the to month');
    });
  });

  it('a narrower interval shows exactly the incidents the API has for it', T, async () => {
    await withPage(h, 'time interval', async ({ page }) => {
      await openMap(h, page);
      await requireTime(page);
      const m = await incidentMonths(h);
      const a = monthsBetween(m.first, '2015-01');
      const b = monthsBetween(m.first, '2019-12');
      await setMonths(page, a, b);
      await until(async () => {
        const s = await timeState(page);
        return s.from === '2015-01-01' && s.to === '2019-12-31';
      }, '#hm-time data-from=2015-01-01 data-to=2019-12-31');
      const s0 = await timeState(page);
      assert.deepEqual([s0.fromLabel, s0.toLabel], ['2015-01', '2019-12'], 'labels follow the sliders');
      const want = await expected(h, { from: '2015-01-01', to: '2019-12-31' });
      assert.ok(want.count > 0 && want.count < (await expected(h, { from: `${m.first}-01`, to: lastDay(m.last) })).count,
        `the interval holds some but not all incidents (${want.count})`);
      await waitCount(page, want, '2015-01 … 2019-12');
      await screenshot(page, 'map-time-2015-2019.png');
    });
  });

  it('works from the keyboard: Tab reaches the sliders, arrow keys move them, the count follows', T, async () => {
    await withPage(h, 'time keyboard', async ({ page }) => {
      await openMap(h, page);
      await requireTime(page);
      const s0 = await timeState(page);
      // Tab through the page until the "to" slider has the focus (it must be reachable).
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'hm-to');
      }
      assert.ok(reached, 'Tab reaches #hm-to');
      for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowLeft');
      const wantTo = addMonths(s0.toLabel, -12);
      await until(async () => (await timeState(page)).toLabel === wantTo, `#hm-to-label ${wantTo} after 12 ArrowLeft`);
      const s1 = await timeState(page);
      const want = await expected(h, { from: s1.from, to: s1.to });
      await waitCount(page, want, `keyboard interval ${s1.from}/${s1.to}`);
    });
  });

  it('play steps the interval a month at a time, and a second press stops it', T, async () => {
    await withPage(h, 'time play', async ({ page }) => {
      await openMap(h, page);
      await requireTime(page);
      const m = await incidentMonths(h);
      await setMonths(page, monthsBetween(m.first, '2016-01'), monthsBetween(m.first, '2016-06'));
      await until(async () => (await timeState(page)).from === '2016-01-01', 'the interval 2016-01 … 2016-06');
      const s0 = await timeState(page);
      await page.locator('#hm-play').click();
      const s1 = await until(async () => {
        const s = await timeState(page);
        return (s.from !== s0.from || s.to !== s0.to) && s;
      }, 'play to move the interval', { timeout: 5000, interval: 50 });
      const step = [s1.fromValue - s0.fromValue, s1.toValue - s0.toValue];
      assert.ok(step[1] === 1 && (step[0] === 0 || step[0] === 1), `the first step is one month forward (from/to moved by ${step})`);
      assert.equal(s1.to, lastDay(addMonths('2016-06', 1)), 'data-to moved to the next month');
      // The next step, to know the pace, then stop.
      const t1 = Date.now();
      const s2 = await until(async () => {
        const s = await timeState(page);
        return s.toValue !== s1.toValue && s;
      }, 'a second step', { timeout: 5000, interval: 50 });
      const pace = Date.now() - t1;
      assert.equal(s2.toValue - s1.toValue, 1, 'steps are one month each');
      await page.locator('#hm-play').click();
      const stopped = await timeState(page);
      await page.waitForTimeout(Math.max(1000, 2 * pace));
      const later = await timeState(page);
      assert.deepEqual([later.from, later.to], [stopped.from, stopped.to], 'nothing moves after the second press');
      await waitCount(page, await expected(h, later), `after play stopped at ${later.from} … ${later.to}`);
    });
  });

  it('event type and actor filters agree with the API', T, async () => {
    await withPage(h, 'time filters', async ({ page }) => {
      await openMap(h, page);
      await requireTime(page);
      const m = await incidentMonths(h);
      await setMonths(page, monthsBetween(m.first, '2012-06'), monthsBetween(m.first, '2023-12'));
      const iv = await until(async () => {
        const s = await timeState(page);
        return s.from === '2012-06-01' && s.to === '2023-12-31' && s;
      }, 'the interval 2012-06 … 2023-12');
      const types = await page.$$eval('#hm-type option', (os) => os.map((o) => o.value));
      assert.ok(types.includes('') && types.includes('Battles'), `#hm-type offers "" (all) and Battles: ${JSON.stringify(types)}`);

      await page.selectOption('#hm-type', 'Battles');
      const battles = await expected(h, { from: iv.from, to: iv.to, type: 'Battles' });
      const all = await expected(h, { from: iv.from, to: iv.to });
      assert.ok(battles.count > 0 && battles.count < all.count, 'Battles are some of the incidents');
      await waitCount(page, battles, 'type Battles');

      // Case-insensitive substring of the actors text.
      await page.fill('#hm-actor', 'fama');
      const famaBattles = await expected(h, { from: iv.from, to: iv.to, type: 'Battles', actor: 'fama' });
      assert.ok(famaBattles.count > 0 && famaBattles.count < battles.count, 'FAMa fought some of the battles');
      await waitCount(page, famaBattles, 'type Battles, actor "fama"');

      await page.selectOption('#hm-type', '');
      await waitCount(page, await expected(h, { from: iv.from, to: iv.to, actor: 'fama' }), 'all types, actor "fama"');
      await page.fill('#hm-actor', '');
      await waitCount(page, all, 'no filters');
    });
  });

  it('at 390x844 the time controls are on screen, clear of the other controls, with a 40x40 play button', T, async () => {
    await withPage(h, 'time phone', PHONE, async ({ page }) => {
      await openMap(h, page);
      await requireTime(page);
      const boxes = await controlBoxes(page, ['#hm-time', '#hm-share']);
      assert.ok(boxes.some((b) => b.name === '#hm-time' || b.name.includes('hm-time')), '#hm-time is visible');
      assert.ok(boxes.some((b) => b.name.includes('leaflet-control-layers')), 'the layers control is visible');
      assertLayout(boxes, PHONE.viewport);
      for (const sel of ['#hm-from', '#hm-to', '#hm-play', '.leaflet-control-layers-toggle']) {
        const inView = await page.locator(sel).evaluate((n) => {
          const r = n.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
        });
        assert.ok(inView, `${sel} is visible inside the viewport`);
      }
      await assertTapTargets(page, ['#hm-play', '.leaflet-control-layers-toggle']);
    });
  });
});
