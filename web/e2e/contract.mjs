// Helpers for the front-end contract that the time, URL-state and share tests share: months,
// the time slider and what the API says the map should show.
import assert from 'node:assert/strict';
import { getJSON } from './browser.mjs';

// Months as "YYYY-MM".
export function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}
export function monthsBetween(a, b) {
  const [ya, ma] = a.split('-').map(Number);
  const [yb, mb] = b.split('-').map(Number);
  return (yb - ya) * 12 + (mb - ma);
}
export function lastDay(ym) {
  const [y, m] = ym.split('-').map(Number);
  return `${ym}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

// The incidents' temporal extent as months.
export async function incidentMonths(h) {
  const c = await getJSON(`${h.origin}/collections/incidents`);
  const iv = c.extent && c.extent.temporal && c.extent.temporal.interval && c.extent.temporal.interval[0];
  assert.ok(iv && iv[0] && iv[1], 'the incidents collection has a closed temporal extent');
  const first = iv[0].slice(0, 7);
  const last = iv[1].slice(0, 7);
  return { first, last, n: monthsBetween(first, last) + 1 };
}

// requireTime waits briefly for the slider (it is built once the collections are in) and says
// plainly when the page has none.
export async function requireTime(page) {
  try {
    await page.waitForSelector('#hm-time[data-from][data-to] #hm-from', { state: 'attached', timeout: 3000 });
  } catch {
    assert.fail('contract: no #hm-time[data-from][data-to] with input#hm-from on the map page (time slider not there yet)');
  }
}

export async function timeState(page) {
  return page.evaluate(() => {
    const $ = (s) => document.querySelector(s);
    const num = (v) => (v === null || v === undefined || v === '' ? null : Number(v));
    return {
      from: $('#hm-time').getAttribute('data-from'),
      to: $('#hm-time').getAttribute('data-to'),
      fromValue: num($('#hm-from')?.value),
      toValue: num($('#hm-to')?.value),
      min: [num($('#hm-from')?.min), num($('#hm-to')?.min)],
      max: [num($('#hm-from')?.max), num($('#hm-to')?.max)],
      fromLabel: $('#hm-from-label')?.textContent.trim(),
      toLabel: $('#hm-to-label')?.textContent.trim(),
      count: num($('#hm-count')?.getAttribute('data-count')),
      fatalities: num($('#hm-count')?.getAttribute('data-fatalities'))
    };
  });
}

// setMonths moves both range inputs (month indexes) the way a user's drag ends, one 'input'
// event each; "to" goes to the end first so that the thumbs never cross on the way.
export async function setMonths(page, a, b) {
  await page.evaluate(([a, b]) => {
    const move = (input, v) => {
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    };
    const from = document.querySelector('#hm-from');
    const to = document.querySelector('#hm-to');
    move(to, to.max);
    move(from, a);
    move(to, b);
  }, [a, b]);
}

// expected asks the API what the map should show: numberMatched and the summed fatalities of
// the incidents in [from, to] (features without a date match too) that pass the filters.
export async function expected(h, { from, to, type = '', actor = '' }) {
  const q = new URLSearchParams({ datetime: `${from}/${to}`, limit: '10000' });
  if (type) q.set('event_type', type);
  const fc = await getJSON(`${h.origin}/collections/incidents/items?${q}`);
  assert.equal(fc.numberReturned ?? fc.features.length, fc.features.length);
  let features = fc.features;
  if (actor) features = features.filter((f) => String(f.properties.actors || '').toLowerCase().includes(actor.toLowerCase()));
  const fatalities = features.reduce((s, f) => s + (Number(f.properties.fatalities) || 0), 0);
  return { count: actor ? features.length : fc.numberMatched, fatalities, matched: fc.numberMatched };
}
